//! Window scores: one detector pipeline per level (event, city, segment), fitted on the
//! level's own windows — robust to the few anomalous ones by a subsample and a trimmed refit —
//! then every window scored and smoothed over five minutes so that one viewer's glitch does
//! not read as an incident.

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::features::{Baseline, WindowFeature};
use super::windows::{EventWindows, Unit};
use streamlens_deep::{AutoencoderParams, ClassifierParams, SequenceAutoencoder};
use streamlens_detect::pipeline::PipelineSpec;
use streamlens_detect::pipeline::preprocess::{Direction, FeatureSpec, PreprocessSpec};
use streamlens_detect::{DetectError, Detector, ModelSpec, Pipeline};
use streamlens_engine::progress::Progress;

pub const LEVELS: usize = 3;
/// The levels' names, in level order.
pub const LEVEL_NAMES: [&str; LEVELS] = ["event", "city", "segment"];
/// A level with fewer windows than this is not scored (too few to fit a detector on).
pub const MIN_LEVEL_WINDOWS: usize = 20;

/// How windows are scored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScoreParams {
    pub model: ModelSpec,
    /// Cities and segments with fewer viewers in a usual minute are not scored on their own.
    pub min_viewers: f64,
    /// At most this many windows per level train a detector (a seeded subsample).
    pub max_training_windows: usize,
    /// Share of the highest-scoring training windows dropped before the refit.
    pub trim: f64,
    pub seed: u64,
    /// Score with a GRU autoencoder of each unit's window sequences ([`super::deep`]) instead
    /// of `model`.
    #[serde(default)]
    pub deep: Option<AutoencoderParams>,
    /// Score with a supervised GRU sequence classifier, cross-validated by event
    /// ([`super::supervised`]); needs labels.
    #[serde(default)]
    pub supervised: Option<ClassifierParams>,
}

impl Default for ScoreParams {
    fn default() -> Self {
        Self {
            model: ModelSpec::default_for(streamlens_detect::ModelKind::Mahalanobis, 7),
            min_viewers: 3.0,
            max_training_windows: 4_000,
            trim: 0.05,
            seed: 7,
            deep: None,
            supervised: None,
        }
    }
}

/// One unit's windows with their badness and scores (index-aligned with the windows).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoredUnit {
    pub unit: Unit,
    pub baseline: Baseline,
    /// Whether the unit has enough viewers to be scored on its own.
    pub scored: bool,
    /// Per window: badness of each feature (positive = worse than the unit's usual).
    pub badness: Vec<Vec<f64>>,
    /// Per window: detector score (`NaN` when not scored).
    pub score: Vec<f64>,
    /// Per window: median score of the window and its neighbours ([`smooth`]).
    pub smooth: Vec<f64>,
}

/// What was fitted per level.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LevelFit {
    pub level: &'static str,
    pub windows_scored: usize,
    pub training_windows: usize,
}

/// Per event, per unit: badness and scores.
pub type ScoredEvents = Vec<Vec<ScoredUnit>>;

/// A level's fitted detector with the windows it scored, for drawing the model.
#[derive(Debug, Clone)]
pub struct LevelModel {
    pub level: usize,
    pub pipeline: Pipeline,
    /// Badness rows of the level's scored windows, row-major.
    pub rows: Vec<f64>,
    /// `(event, unit, window)` of each row, indices into the scored events.
    pub at: Vec<(usize, usize, usize)>,
    /// Rows the final detector was fitted on (none with a saved detector).
    pub training: Vec<usize>,
    /// The detector's (unsmoothed) score of each row.
    pub scores: Vec<f64>,
}

/// A saved model's detectors per level (`None` for a level it could not fit).
pub struct Fixed<'a> {
    pub pipelines: &'a [Option<Pipeline>],
    pub deep: &'a [Option<SequenceAutoencoder>],
}

/// What scoring may lean on besides the windows.
#[derive(Default, Clone, Copy)]
pub struct ScoreContext<'a> {
    /// A saved model's detectors per level.
    pub fixed: Option<&'a Fixed<'a>>,
    /// Per event: whether its windows may train the detectors.
    pub trainable: Option<&'a [bool]>,
    /// Hears deep training epochs.
    pub trace: Option<&'a super::deep::TrainingTrace>,
    /// Per event (`None` without a label): each unit's labels per window, for the supervised
    /// classifier.
    pub window_labels: Option<&'a [Option<super::supervised::UnitLabels>]>,
}

/// What [`score_windows`] gives.
pub struct Scoring {
    pub scored: ScoredEvents,
    pub fits: Vec<LevelFit>,
    /// The window detectors per fitted level (none with deep models).
    pub models: Vec<LevelModel>,
    /// The deep model per level when scoring with one.
    pub deep: Vec<Option<SequenceAutoencoder>>,
}

/// Badness and scores of every unit of every event (`scored[e]` ↔ `events[e]`).
/// With `ctx.fixed` (a saved model's detectors per level), those score the windows instead of
/// detectors fitted here; a level without one stays unscored. With `ctx.trainable` (one flag
/// per event), only the flagged events' windows may train the detectors (events marked
/// normal); a level where they give too few windows stays unscored.
pub fn score_windows(
    events: &[EventWindows],
    features: &[WindowFeature],
    params: &ScoreParams,
    ctx: &ScoreContext<'_>,
    progress: &Progress,
) -> Result<Scoring, super::EventDetectError> {
    let (fixed, trainable, trace) = (ctx.fixed, ctx.trainable, ctx.trace);
    let mut scored: ScoredEvents = events
        .iter()
        .map(|e| {
            e.units
                .iter()
                .filter_map(|s| {
                    let baseline = Baseline::of(&s.windows, features)?;
                    let eligible = s.unit == Unit::All || baseline.viewers >= params.min_viewers;
                    let badness = s
                        .windows
                        .iter()
                        .map(|w| baseline.badness(w, features))
                        .collect();
                    Some(ScoredUnit {
                        unit: s.unit,
                        scored: eligible,
                        badness,
                        score: vec![f64::NAN; s.windows.len()],
                        smooth: vec![f64::NAN; s.windows.len()],
                        baseline,
                    })
                })
                .collect()
        })
        .collect();

    if let Some(classifier) = &params.supervised {
        let labels = ctx
            .window_labels
            .ok_or(super::EventDetectError::NeedsLabels)?;
        let fits = super::supervised::score_supervised(
            &mut scored,
            features.len(),
            classifier,
            labels,
            trace,
            progress,
        )?;
        for unit in scored.iter_mut().flatten() {
            unit.smooth = smooth(&unit.score);
        }
        return Ok(Scoring {
            scored,
            fits,
            models: Vec::new(),
            deep: vec![None; LEVELS],
        });
    }
    if let Some(deep) = &params.deep {
        let (fits, models) = score_deep(
            &mut scored,
            features.len(),
            deep,
            fixed,
            trainable,
            trace,
            progress,
        )?;
        for unit in scored.iter_mut().flatten() {
            unit.smooth = smooth(&unit.score);
        }
        return Ok(Scoring {
            scored,
            fits,
            models: Vec::new(),
            deep: models,
        });
    }
    let fixed = fixed.map(|f| f.pipelines);
    let mut fits = Vec::new();
    let mut models = Vec::new();
    for (level, name) in LEVEL_NAMES.into_iter().enumerate() {
        let dim = features.len();
        let mut rows: Vec<f64> = Vec::new();
        let mut at: Vec<(usize, usize, usize)> = Vec::new();
        for (e, units) in scored.iter().enumerate() {
            for (u, unit) in units.iter().enumerate() {
                if unit.scored && unit.unit.level() == level {
                    for (w, b) in unit.badness.iter().enumerate() {
                        rows.extend_from_slice(b);
                        at.push((e, u, w));
                    }
                }
            }
        }
        let saved = fixed.map(|f| f.get(level).cloned().flatten());
        let candidates: Vec<usize> = (0..at.len())
            .filter(|&i| trainable.is_none_or(|t| t.get(at[i].0).copied().unwrap_or(false)))
            .collect();
        let too_few_to_fit = saved.is_none() && candidates.len() < MIN_LEVEL_WINDOWS;
        if at.len() < MIN_LEVEL_WINDOWS || too_few_to_fit || matches!(saved, Some(None)) {
            fits.push(LevelFit {
                level: name,
                windows_scored: 0,
                training_windows: 0,
            });
            continue;
        }
        let (pipeline, training) = match saved {
            // A saved detector learnt elsewhere: no window here trained it.
            Some(Some(pipeline)) => (pipeline, Vec::new()),
            _ => fit_robust(&rows, dim, &candidates, features, params)?,
        };
        let window_scores = pipeline.score_batch(&rows);
        for (&(e, u, w), &s) in at.iter().zip(&window_scores) {
            scored[e][u].score[w] = s;
        }
        fits.push(LevelFit {
            level: name,
            windows_scored: at.len(),
            training_windows: training.len(),
        });
        models.push(LevelModel {
            level,
            pipeline,
            rows,
            at,
            training,
            scores: window_scores,
        });
    }
    for unit in scored.iter_mut().flatten() {
        unit.smooth = smooth(&unit.score);
    }
    Ok(Scoring {
        scored,
        fits,
        models,
        deep: vec![None; LEVELS],
    })
}

/// Fits on a seeded subsample of the `candidates` rows (returning the rows finally used),
/// drops the `trim` share that scores highest and refits, so that the anomalous windows
/// present in the data barely shape the model.
fn fit_robust(
    rows: &[f64],
    dim: usize,
    candidates: &[usize],
    features: &[WindowFeature],
    params: &ScoreParams,
) -> Result<(Pipeline, Vec<usize>), DetectError> {
    let n = candidates.len();
    let mut rng = StdRng::seed_from_u64(params.seed);
    let mut picked: Vec<usize> = if n > params.max_training_windows {
        rand::seq::index::sample(&mut rng, n, params.max_training_windows)
            .into_iter()
            .map(|k| candidates[k])
            .collect()
    } else {
        candidates.to_vec()
    };
    picked.sort_unstable();
    let gather = |idx: &[usize]| -> Vec<f64> {
        idx.iter()
            .flat_map(|&i| rows[i * dim..(i + 1) * dim].iter().copied())
            .collect()
    };
    let spec = PipelineSpec {
        preprocess: PreprocessSpec {
            features: features
                .iter()
                .map(|f| FeatureSpec {
                    name: f.name().to_owned(),
                    log1p: false,
                    // Badness is oriented: only the worse-than-usual side is anomalous.
                    direction: Direction::HighIsBad,
                })
                .collect(),
            clip_quantile: None,
        },
        model: params.model.clone(),
    };
    let train = gather(&picked);
    let first = Pipeline::fit(&train, dim, &spec)?;
    let scores = first.score_batch(&train);
    let mut order: Vec<usize> = (0..picked.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let keep = ((picked.len() as f64) * (1.0 - params.trim)).ceil() as usize;
    let mut kept: Vec<usize> = order[..keep.max(1)].iter().map(|&i| picked[i]).collect();
    kept.sort_unstable();
    let pipeline = Pipeline::fit(&gather(&kept), dim, &spec)?;
    Ok((pipeline, kept))
}

/// Median of each value and its two neighbours on either side (those that are finite); `NaN`
/// stays `NaN`. A median of five needs three high minutes out of five, so a glitch of one or
/// two minutes does not pass while a real incident (four minutes or more) does.
#[must_use]
pub fn smooth(values: &[f64]) -> Vec<f64> {
    (0..values.len())
        .map(|i| {
            if !values[i].is_finite() {
                return f64::NAN;
            }
            let lo = i.saturating_sub(SMOOTH_HALF_WIDTH);
            let hi = (i + SMOOTH_HALF_WIDTH + 1).min(values.len());
            super::features::median(values[lo..hi].to_vec())
        })
        .collect()
}

/// Neighbours on each side in [`smooth`].
const SMOOTH_HALF_WIDTH: usize = 2;

/// The deep path of [`score_windows`]: every scored unit's badness series per level through
/// [`super::deep::score_levels`], scores written back.
fn score_deep(
    scored: &mut ScoredEvents,
    dim: usize,
    params: &AutoencoderParams,
    fixed: Option<&Fixed<'_>>,
    trainable: Option<&[bool]>,
    trace: Option<&super::deep::TrainingTrace>,
    progress: &Progress,
) -> Result<(Vec<LevelFit>, Vec<Option<SequenceAutoencoder>>), super::EventDetectError> {
    use super::deep::{DeepRun, LevelSeries, score_levels};
    let mut places: Vec<Vec<(usize, usize)>> = vec![Vec::new(); LEVELS];
    let mut levels: Vec<LevelSeries> = LEVEL_NAMES
        .iter()
        .map(|&name| LevelSeries {
            name,
            values: Vec::new(),
            events: Vec::new(),
        })
        .collect();
    for (e, units) in scored.iter().enumerate() {
        for (u, unit) in units.iter().enumerate() {
            if unit.scored {
                let level = unit.unit.level();
                levels[level]
                    .values
                    .push(unit.badness.iter().flatten().copied().collect());
                levels[level].events.push(e);
                places[level].push((e, u));
            }
        }
    }
    let run = DeepRun {
        dim,
        params,
        saved: fixed.map(|f| f.deep),
        trainable,
        min_windows: MIN_LEVEL_WINDOWS,
        trace,
    };
    let outcomes = score_levels(&levels, &run, progress).map_err(|e| match e {
        streamlens_deep::DeepError::Cancelled => super::EventDetectError::Cancelled,
        other => super::EventDetectError::Deep(other),
    })?;
    let mut fits = Vec::with_capacity(LEVELS);
    let mut models = Vec::with_capacity(LEVELS);
    for ((outcome, series), at) in outcomes.into_iter().zip(&levels).zip(&places) {
        let windows: usize = series.values.iter().map(|v| v.len() / dim.max(1)).sum();
        let Some(level) = outcome else {
            fits.push(LevelFit {
                level: series.name,
                windows_scored: 0,
                training_windows: 0,
            });
            models.push(None);
            continue;
        };
        for (&(e, u), unit_scores) in at.iter().zip(level.scores) {
            scored[e][u].score = unit_scores;
        }
        fits.push(LevelFit {
            level: series.name,
            windows_scored: windows,
            training_windows: if level.trained {
                level.model.log.training_sequences
            } else {
                0
            },
        });
        models.push(Some(level.model));
    }
    Ok((fits, models))
}
