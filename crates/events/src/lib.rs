//! Anomalous events in telemetry: per-minute windows of every event at three levels (whole
//! event, city, country × viewer type), a detector per level fitted on the data itself, an
//! event score (the highest smoothed window score of any unit), a threshold, and for each event
//! the root cause — which unit, when, and how far from its usual — in words and in the
//! generator's scope syntax.

pub mod deep;
pub mod features;
pub mod incident;
pub mod labels;
pub mod map;
pub mod root;
pub mod saved;
pub mod score;
pub mod supervised;
pub mod view;
pub mod windows;

#[cfg(test)]
mod deep_tests;
#[cfg(test)]
mod tests;

use streamlens_detect::map::LabelledMap;
use streamlens_detect::{DetectError, Pipeline};
use streamlens_engine::analysis::rows::Rows;
use streamlens_engine::dataset::Dataset;
use streamlens_engine::error::AnalysisError;
use streamlens_engine::filter::Filter;
use streamlens_engine::progress::Progress;
use streamlens_engine::schema::Canonical;

use features::{WindowFeature, median};
use root::{RootCause, find_root_cause};
use saved::EventModel;
use score::{LevelFit, ScoreParams, Scoring, score_windows};
use windows::{Unit, WINDOW_COLUMNS, Window, build_windows};

/// How events are scored and flagged.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EventDetectParams {
    pub score: ScoreParams,
    /// A window is part of an anomalous span when its smoothed score passes its level's
    /// median + this many × 1.4826 × MAD of smoothed scores.
    pub window_mads: f64,
    /// Event threshold; `None` = [`default_event_threshold`] with `event_mads`.
    pub threshold: Option<f64>,
    pub event_mads: f64,
    /// Window features the detectors see; `None` = every one the data has.
    #[serde(default)]
    pub features: Option<Vec<WindowFeature>>,
}

impl Default for EventDetectParams {
    fn default() -> Self {
        Self {
            score: ScoreParams::default(),
            window_mads: 3.0,
            threshold: None,
            event_mads: 2.5,
            features: None,
        }
    }
}

/// The window features a dataset can give (buffering and engagement need their columns).
#[must_use]
pub fn dataset_features(dataset: &Dataset) -> Vec<WindowFeature> {
    WindowFeature::ALL
        .into_iter()
        .filter(|f| match f {
            WindowFeature::BufferMean | WindowFeature::BufferP90 => {
                dataset.has(Canonical::BufferMs)
            }
            WindowFeature::EngagementMean => dataset.has(Canonical::Engagement),
            _ => true,
        })
        .collect()
}

/// The features to use: the requested ones (all available when `None`), in the
/// detector's order; an unavailable or empty request is an error that says why.
fn chosen_features(
    available: &[WindowFeature],
    requested: Option<&[WindowFeature]>,
) -> Result<Vec<WindowFeature>, DetectError> {
    let Some(requested) = requested else {
        return Ok(available.to_vec());
    };
    if let Some(missing) = requested.iter().find(|f| !available.contains(f)) {
        let column = match missing {
            WindowFeature::EngagementMean => "engagement",
            _ => "buffer_ms",
        };
        return Err(DetectError::BadParameter(format!(
            "window feature {} needs a {column} column, which this data lacks",
            missing.name()
        )));
    }
    let features: Vec<WindowFeature> = WindowFeature::ALL
        .into_iter()
        .filter(|f| requested.contains(f))
        .collect();
    if features.is_empty() {
        return Err(DetectError::BadParameter(
            "pick at least one window feature".into(),
        ));
    }
    Ok(features)
}

/// The windows of one unit over an event, for drawing its timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Timeline {
    pub unit: Unit,
    pub windows: Vec<Window>,
    /// Smoothed score per window (`NaN` where not scored).
    pub scores: Vec<f64>,
}

/// One event's verdict.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventVerdict {
    /// The event's label (as in the files).
    pub event_id: String,
    pub score: f64,
    pub flagged: bool,
    pub first_ms: i64,
    pub last_ms: i64,
    /// Most viewers in any minute.
    pub peak_viewers: u32,
    pub root: Option<RootCause>,
    /// The root cause's unit over the event (the whole event when there is no root cause).
    pub timeline: Timeline,
    /// What the incident at the root cause looked like (with a root cause).
    pub incident: Option<incident::Incident>,
}

impl EventReport {
    /// The event metrics of this report against `labels`, at the report's threshold.
    #[must_use]
    pub fn metrics(&self, labels: &[labels::EventLabel]) -> labels::EventMetrics {
        let scored: Vec<labels::ScoredEvent> = self
            .events
            .iter()
            .map(|e| labels::ScoredEvent {
                event_id: &e.event_id,
                score: e.score,
                scope: e.root.as_ref().map(|r| r.scope.as_str()),
                span: e.root.as_ref().map(|r| (r.start_ms, r.end_ms)),
            })
            .collect();
        labels::event_metrics(&scored, labels, self.threshold)
    }
}

impl EventVerdict {
    /// Whether the event is flagged at another threshold than the report's.
    #[must_use]
    pub fn flagged_at(&self, threshold: f64) -> bool {
        self.score > threshold
    }
}

/// Everything `detect-events` computes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventReport {
    pub events: Vec<EventVerdict>,
    pub threshold: f64,
    /// Smoothed window-score threshold per level (event, city, segment).
    pub window_thresholds: Vec<f64>,
    pub features: Vec<WindowFeature>,
    pub levels: Vec<LevelFit>,
    pub rows: usize,
    pub params: EventDetectParams,
}

#[derive(Debug, thiserror::Error)]
pub enum EventDetectError {
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Detect(#[from] DetectError),
    #[error("no rows pass the filters; there are no events to score")]
    NoRows,
    #[error(transparent)]
    Deep(#[from] streamlens_deep::DeepError),
    #[error(
        "the supervised classifier learns from labels: give a labels file (--labels) with the \
         events' anomalous spans and scopes"
    )]
    NeedsLabels,
    #[error("cancelled")]
    Cancelled,
}

/// Scores every event of the filtered rows; `progress` hears each stage and is
/// polled for a cancel between them.
pub fn detect_events(
    dataset: &Dataset,
    filter: &Filter,
    params: &EventDetectParams,
    progress: &Progress,
) -> Result<EventReport, EventDetectError> {
    let run = EventRun {
        params,
        saved: None,
        maps: false,
        normal_events: None,
        training: None,
        labels: None,
    };
    run_events(dataset, filter, &run, progress).map(|out| out.report)
}

/// What one run is asked for.
pub struct EventRun<'a> {
    pub params: &'a EventDetectParams,
    /// Score with this saved model (its parameters, detectors and thresholds) instead of
    /// fitting on the data; `params.threshold`, when set, still overrides the event threshold.
    pub saved: Option<&'a EventModel>,
    /// Also draw each level's detector ([`map::level_maps`]).
    pub maps: bool,
    /// Fit only on the windows of these events (ids of events labelled normal) instead of on
    /// every event; ignored with a saved model.
    pub normal_events: Option<&'a [String]>,
    /// With a deep model: hears every training epoch (for a live loss curve).
    pub training: Option<&'a deep::TrainingTrace>,
    /// The events' labels: the supervised classifier learns from them.
    pub labels: Option<&'a [labels::EventLabel]>,
}

/// Everything one run produces.
pub struct EventOutput {
    pub report: EventReport,
    pub maps: Vec<LabelledMap>,
    /// The detectors and thresholds used, ready to save.
    pub model: EventModel,
}

/// [`detect_events`] with a saved model, maps and the model to save.
pub fn run_events(
    dataset: &Dataset,
    filter: &Filter,
    run: &EventRun<'_>,
    progress: &Progress,
) -> Result<EventOutput, EventDetectError> {
    let stage = |fraction: f64, what: &str| {
        progress.report(fraction, what);
        if progress.is_cancelled() {
            Err(EventDetectError::Cancelled)
        } else {
            Ok(())
        }
    };
    let params = match run.saved {
        Some(saved) => &EventDetectParams {
            threshold: run.params.threshold,
            ..saved.params.clone()
        },
        None => run.params,
    };
    stage(0.0, "reading the filtered rows")?;
    let names: Vec<&str> = WINDOW_COLUMNS.iter().map(|c| c.name()).collect();
    let rows = Rows::new(dataset, filter, &names)?;
    if rows.is_empty() {
        return Err(EventDetectError::NoRows);
    }
    let available = dataset_features(dataset);
    // A saved model brings its own features.
    let requested = match run.saved {
        Some(saved) => Some(saved.features.as_slice()),
        None => params.features.as_deref(),
    };
    let features = chosen_features(&available, requested)?;
    stage(0.2, "building minute windows")?;
    let events = build_windows(&rows)?;
    stage(0.4, "fitting and scoring the detectors of each level")?;
    let fixed = run.saved.map(|s| score::Fixed {
        pipelines: &s.pipelines,
        deep: &s.deep,
    });
    let event_dictionary = Canonical::EventId.name();
    let trainable: Option<Vec<bool>> = match (run.normal_events, run.saved) {
        (Some(normal), None) => {
            let flags: Vec<bool> = events
                .iter()
                .map(|e| normal.contains(&dataset.label(event_dictionary, e.event)))
                .collect();
            if !flags.contains(&true) {
                return Err(DetectError::Evaluation(
                    "none of the selected events is labelled normal, so there is nothing to fit \
                     on; widen the filters or fit on every event"
                        .into(),
                )
                .into());
            }
            Some(flags)
        }
        _ => None,
    };
    let Scoring {
        scored,
        fits: levels,
        models,
        deep,
    } = {
        let window_labels = match (&params.score.supervised, run.labels) {
            (Some(_), Some(labels)) => Some(supervised::window_labels(dataset, &events, labels)),
            _ => None,
        };
        let ctx = score::ScoreContext {
            fixed: fixed.as_ref(),
            trainable: trainable.as_deref(),
            trace: run.training,
            window_labels: window_labels.as_deref(),
        };
        score_windows(&events, &features, &params.score, &ctx, progress)?
    };
    stage(0.7, "finding each event's root cause")?;
    // The classifier's scores are probabilities: its spans and events are where it says
    // "incident" (above 0.5), not where it is unusually unsure.
    let supervised = params.score.supervised.is_some();
    let window_thresholds: Vec<f64> = (0..score::LEVELS)
        .map(|level| {
            if let Some(saved) = run.saved {
                return saved.window_thresholds[level];
            }
            if supervised {
                return supervised::DECISION;
            }
            let all: Vec<f64> = scored
                .iter()
                .flatten()
                .filter(|u| u.scored && u.unit.level() == level)
                .flat_map(|u| u.smooth.iter().copied())
                .filter(|s| s.is_finite())
                .collect();
            robust_threshold(all, params.window_mads)
        })
        .collect();

    let mut verdicts: Vec<EventVerdict> = events
        .iter()
        .zip(&scored)
        .map(|(event, units)| {
            let score = if supervised {
                supervised::event_probability(units)
            } else {
                event_score(units, &window_thresholds)
            };
            let root = find_root_cause(dataset, event, units, &window_thresholds, &features);
            let timeline_unit = root.as_ref().map_or(Unit::All, |r| r.unit);
            let (series, scored_unit) = event
                .units
                .iter()
                .zip(units)
                .find(|(s, _)| s.unit == timeline_unit)
                .map_or((&event.units[0], &units[0]), |(s, u)| (s, u));
            EventVerdict {
                event_id: dataset.label(event_dictionary, event.event),
                score: if score.is_finite() { score } else { f64::NAN },
                flagged: false,
                first_ms: event.first_ms,
                last_ms: event.last_ms,
                peak_viewers: event.units[0]
                    .windows
                    .iter()
                    .map(|w| w.viewers)
                    .max()
                    .unwrap_or(0),
                root,
                timeline: Timeline {
                    unit: series.unit,
                    windows: series.windows.clone(),
                    scores: scored_unit.smooth.clone(),
                },
                incident: None,
            }
        })
        .collect();
    let incidents = incident::measure_incidents(dataset, &rows, &events, &verdicts)?;
    for (v, incident) in verdicts.iter_mut().zip(incidents) {
        v.incident = incident;
    }
    let threshold = params
        .threshold
        .or(run.saved.map(|s| s.threshold))
        .or(supervised.then_some(supervised::DECISION))
        .unwrap_or_else(|| {
            default_event_threshold(verdicts.iter().map(|v| v.score), params.event_mads)
        });
    for v in &mut verdicts {
        v.flagged = v.score > threshold;
    }
    let maps = if run.maps {
        stage(0.85, "drawing the detector maps")?;
        map::level_maps(
            dataset,
            &events,
            &scored,
            &models,
            &window_thresholds,
            params.score.seed,
        )
    } else {
        Vec::new()
    };
    let mut pipelines: Vec<Option<Pipeline>> = vec![None; score::LEVELS];
    for m in models {
        pipelines[m.level] = Some(m.pipeline);
    }
    let model = EventModel {
        format: saved::FORMAT.into(),
        params: params.clone(),
        features: features.clone(),
        pipelines,
        deep,
        window_thresholds: window_thresholds.clone(),
        threshold,
    };
    let report = EventReport {
        events: verdicts,
        threshold,
        window_thresholds,
        features,
        levels,
        rows: rows.len(),
        params: params.clone(),
    };
    Ok(EventOutput {
        report,
        maps,
        model,
    })
}

/// The event's excess anomaly: for each scored unit, Σ over its windows of how far the
/// smoothed score passes the level's threshold; the event takes its highest unit, on a
/// `ln(1 + x)` scale so that scores of very different events fit one histogram. `NaN` when no
/// unit could be scored.
fn event_score(units: &[score::ScoredUnit], thresholds: &[f64]) -> f64 {
    let mut best = f64::NAN;
    for u in units.iter().filter(|u| u.scored) {
        let tau = thresholds[u.unit.level()];
        let finite = u.smooth.iter().filter(|s| s.is_finite());
        let excess: f64 = finite.clone().map(|s| (s - tau).max(0.0)).sum();
        // Below every threshold, rank by how close the unit came (negative, still ordered).
        let value = if excess > 0.0 {
            excess.ln_1p()
        } else {
            finite
                .map(|s| s - tau)
                .fold(f64::NEG_INFINITY, f64::max)
                .min(0.0)
        };
        if value.is_finite() && (best.is_nan() || value > best) {
            best = value;
        }
    }
    best
}

/// The default event threshold: [`robust_threshold`] applied to the events' excess itself
/// (`exp(score) − 1`, the Σ of window excess that [`event_score`] logs), then put back on the
/// score's log scale. On the log scale the few events far above the rest are pulled close to
/// it, so median + MADs there lands above them (on the built-in sample it flagged none of
/// the three anomalous events); on the excess they stand out as the outliers they are.
#[must_use]
pub fn default_event_threshold(scores: impl Iterator<Item = f64>, mads: f64) -> f64 {
    robust_threshold(scores.map(f64::exp_m1).collect(), mads).ln_1p()
}

/// Median + `mads` × 1.4826 × MAD of the finite scores: far enough above the usual to be an
/// outlier even when a quarter of the values are anomalous. Infinite without finite scores.
#[must_use]
pub fn robust_threshold(mut scores: Vec<f64>, mads: f64) -> f64 {
    scores.retain(|s| s.is_finite());
    let m = median(scores.clone());
    let mad = median(scores.iter().map(|s| (s - m).abs()).collect());
    if m.is_finite() {
        m + mads * 1.4826 * mad
    } else {
        f64::INFINITY
    }
}
