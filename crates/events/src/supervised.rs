//! Window scores from the supervised GRU sequence classifier
//! ([`streamlens_deep::SequenceClassifier`]), evaluated only on events it did not train on:
//! the events are dealt into five folds (seeded), and each fold's windows are scored by a
//! classifier trained on the other folds' labelled events. A window is labelled positive
//! when its event is labelled anomalous, the minute lies in the labelled span and the unit is
//! in the labelled scope (the whole event's unit always is). Levels train at once.

use std::sync::atomic::{AtomicUsize, Ordering};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::EventDetectError;
use super::deep::{LevelEpoch, TrainingTrace};
use super::labels::EventLabel;
use super::root::unit_words;
use super::score::{LEVEL_NAMES, LEVELS, LevelFit, ScoredEvents};
use super::windows::{EventWindows, MINUTE_MS, Unit};
use streamlens_deep::{
    ClassifierParams, DeepError, EpochReport, LabelledSeries, SequenceClassifier, Series,
};
use streamlens_engine::dataset::Dataset;
use streamlens_engine::progress::Progress;
use streamlens_engine::schema::Canonical;

/// Folds of the cross-validation by event.
pub const FOLDS: usize = 5;
/// A window (smoothed) or event above this probability is an incident: the classifier's own
/// decision point, which class weighting puts at even odds.
pub const DECISION: f64 = 0.5;

/// An event's score under the classifier: the highest smoothed window probability of any of
/// its scored units (`NaN` when none was scored).
#[must_use]
pub fn event_probability(units: &[super::score::ScoredUnit]) -> f64 {
    units
        .iter()
        .filter(|u| u.scored)
        .flat_map(|u| u.smooth.iter().copied())
        .filter(|p| p.is_finite())
        .fold(f64::NAN, f64::max)
}

/// One event's units with a label per window.
pub type UnitLabels = Vec<(Unit, Vec<bool>)>;

/// Per event of `events`, its units' window labels; `None` for an event without a label.
#[must_use]
pub fn window_labels(
    dataset: &Dataset,
    events: &[EventWindows],
    labels: &[EventLabel],
) -> Vec<Option<UnitLabels>> {
    events
        .iter()
        .map(|event| {
            let id = dataset.label(Canonical::EventId.name(), event.event);
            let label = labels.iter().find(|l| l.event_id == id)?;
            Some(
                event
                    .units
                    .iter()
                    .map(|u| {
                        let in_scope = label.scope == "all"
                            || u.unit == Unit::All
                            || unit_words(dataset, u.unit).1 == label.scope;
                        let positive = u
                            .windows
                            .iter()
                            .map(|w| {
                                label.anomalous
                                    && in_scope
                                    && label.start_ms.is_none_or(|s| w.minute_ms + MINUTE_MS > s)
                                    && label.end_ms.is_none_or(|e| w.minute_ms < e)
                            })
                            .collect();
                        (u.unit, positive)
                    })
                    .collect(),
            )
        })
        .collect()
}

/// A level's window probabilities per series, and the training windows summed over folds.
type LevelOutcome = (Vec<Vec<f64>>, usize);

/// One level's series for the classifier.
struct LevelSeries {
    values: Vec<Vec<f64>>,
    positive: Vec<Vec<bool>>,
    /// Event index of each series, and whether that event is labelled.
    events: Vec<usize>,
    labelled: Vec<bool>,
    /// `(event, unit)` of each series in the scored events.
    places: Vec<(usize, usize)>,
}

/// Scores every scored unit's windows with the cross-validated classifier, writing the
/// probabilities into `scored`; a fold whose training events hold no positive window leaves
/// its windows unscored.
pub(crate) fn score_supervised(
    scored: &mut ScoredEvents,
    dim: usize,
    params: &ClassifierParams,
    labels: &[Option<UnitLabels>],
    trace: Option<&TrainingTrace>,
    progress: &Progress,
) -> Result<Vec<LevelFit>, EventDetectError> {
    let mut levels: Vec<LevelSeries> = (0..LEVELS)
        .map(|_| LevelSeries {
            values: Vec::new(),
            positive: Vec::new(),
            events: Vec::new(),
            labelled: Vec::new(),
            places: Vec::new(),
        })
        .collect();
    for (e, units) in scored.iter().enumerate() {
        for (u, unit) in units.iter().enumerate() {
            if !unit.scored {
                continue;
            }
            let found = labels[e]
                .as_ref()
                .and_then(|l| l.iter().find(|(unit_of, _)| *unit_of == unit.unit));
            let level = &mut levels[unit.unit.level()];
            level
                .values
                .push(unit.badness.iter().flatten().copied().collect());
            level
                .positive
                .push(found.map_or_else(|| vec![false; unit.badness.len()], |(_, p)| p.clone()));
            level.events.push(e);
            level.labelled.push(found.is_some());
            level.places.push((e, u));
        }
    }
    let fold_of = folds(scored.len(), params.seed);
    let done = AtomicUsize::new(0);
    let total = (LEVELS * FOLDS * params.epochs).max(1);
    let outcomes: Vec<Result<LevelOutcome, DeepError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = levels
            .iter()
            .enumerate()
            .map(|(level, series)| {
                let (done, fold_of) = (&done, &fold_of);
                scope.spawn(move || {
                    let mut on_epoch = |fold: usize, r: &EpochReport| {
                        if let Some(trace) = trace {
                            let mut report = *r;
                            report.candidate = fold;
                            report.candidates = FOLDS;
                            trace.push(LevelEpoch { level, report });
                        }
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        progress.report(
                            0.4 + 0.3 * (n as f64 / total as f64).min(1.0),
                            &format!(
                                "training the supervised classifier: {} level, fold {}/{FOLDS}, \
                                 epoch {}, validation loss {:.4}",
                                LEVEL_NAMES[level],
                                fold + 1,
                                r.epoch,
                                r.validation_loss
                            ),
                        );
                        !progress.is_cancelled()
                    };
                    score_level(series, dim, params, fold_of, &mut on_epoch)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(DeepError::BadData("a training thread failed".into())))
            })
            .collect()
    });
    let mut fits = Vec::with_capacity(LEVELS);
    for ((outcome, series), name) in outcomes.into_iter().zip(&levels).zip(LEVEL_NAMES) {
        let (probabilities, training_windows) = outcome.map_err(|e| match e {
            DeepError::Cancelled => EventDetectError::Cancelled,
            other => EventDetectError::Deep(other),
        })?;
        let mut windows_scored = 0;
        for (&(e, u), s) in series.places.iter().zip(probabilities) {
            windows_scored += s.iter().filter(|v| v.is_finite()).count();
            scored[e][u].score = s;
        }
        fits.push(LevelFit {
            level: name,
            windows_scored,
            training_windows,
        });
    }
    Ok(fits)
}

/// Fold of each event (`0..FOLDS`), dealt from a seeded shuffle.
fn folds(events: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..events).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed ^ 0x5eed_f01d));
    let mut fold = vec![0; events];
    for (i, &e) in order.iter().enumerate() {
        fold[e] = i % FOLDS;
    }
    fold
}

/// One level: per fold, a classifier trained on the other folds' labelled series scores this
/// fold's series. Returns the scores per series (NaN where unscored) and the training windows
/// summed over folds.
fn score_level(
    series: &LevelSeries,
    dim: usize,
    params: &ClassifierParams,
    fold_of: &[usize],
    on_epoch: &mut (dyn FnMut(usize, &EpochReport) -> bool + Send),
) -> Result<LevelOutcome, DeepError> {
    let dim = dim.max(1);
    let mut scores: Vec<Vec<f64>> = series
        .values
        .iter()
        .map(|v| vec![f64::NAN; v.len() / dim])
        .collect();
    let mut training_windows = 0;
    for fold in 0..FOLDS {
        let test: Vec<usize> = (0..series.values.len())
            .filter(|&i| fold_of[series.events[i]] == fold)
            .collect();
        if test.is_empty() {
            continue;
        }
        let train: Vec<LabelledSeries<'_>> = (0..series.values.len())
            .filter(|&i| fold_of[series.events[i]] != fold && series.labelled[i])
            .map(|i| LabelledSeries {
                group: series.events[i] as u64,
                values: &series.values[i],
                positive: &series.positive[i],
            })
            .collect();
        if !train.iter().any(|s| s.positive.contains(&true)) {
            continue;
        }
        training_windows += train.iter().map(|s| s.positive.len()).sum::<usize>();
        let model = SequenceClassifier::fit(&train, dim, params, &mut |r| on_epoch(fold, r))?;
        let to_score: Vec<Series<'_>> = test
            .iter()
            .map(|&i| Series {
                group: series.events[i] as u64,
                values: &series.values[i],
            })
            .collect();
        for (&i, s) in test.iter().zip(model.score(&to_score)?) {
            scores[i] = s;
        }
    }
    Ok((scores, training_windows))
}
