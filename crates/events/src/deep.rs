//! Window scores from a deep sequence model: per level, a GRU autoencoder
//! ([`streamlens_deep::SequenceAutoencoder`]) learns the usual shape of ten-minute stretches of
//! a unit's window badness, and a window's score is how far it is worse than the autoencoder's
//! reconstruction. Training series are grouped by event, so validation never sees an event
//! the model trained on. The levels train at once, one thread each.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use streamlens_deep::{AutoencoderParams, DeepError, EpochReport, SequenceAutoencoder, Series};
use streamlens_engine::progress::Progress;

/// One level's unit series: each a unit's badness rows flattened, with its event's index.
pub struct LevelSeries {
    pub name: &'static str,
    pub values: Vec<Vec<f64>>,
    pub events: Vec<usize>,
}

/// One epoch of one level's training, as it happens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelEpoch {
    /// Index into the levels (event, city, segment).
    pub level: usize,
    pub report: EpochReport,
}

/// The epochs a running deep fit has reported so far, shared with whoever draws the live
/// loss curve (the window); a poisoned lock just stops the trace.
#[derive(Debug, Default)]
pub struct TrainingTrace(Mutex<Vec<LevelEpoch>>);

impl TrainingTrace {
    pub(crate) fn push(&self, epoch: LevelEpoch) {
        if let Ok(mut epochs) = self.0.lock() {
            epochs.push(epoch);
        }
    }

    /// The epochs so far, in the order they finished.
    #[must_use]
    pub fn snapshot(&self) -> Vec<LevelEpoch> {
        self.0.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

/// A scored level: its model, a score per window of each series, and whether the model was
/// trained here (rather than loaded).
pub struct LevelScores {
    pub model: SequenceAutoencoder,
    pub scores: Vec<Vec<f64>>,
    pub trained: bool,
}

/// What a level needs besides its series.
pub struct DeepRun<'a> {
    pub dim: usize,
    pub params: &'a AutoencoderParams,
    /// A saved model per level (`None` inside: the level stays unscored); `None`: fit here.
    pub saved: Option<&'a [Option<SequenceAutoencoder>]>,
    /// Per event, whether its windows may train (events labelled normal).
    pub trainable: Option<&'a [bool]>,
    /// A level with fewer windows (or training windows) stays unscored.
    pub min_windows: usize,
    /// Hears every epoch of every level (for a live loss curve).
    pub trace: Option<&'a TrainingTrace>,
}

/// Fits (or takes from the saved model) one autoencoder per level and scores every window;
/// `None` for a level left unscored (too few windows, or training windows from fewer than two
/// events). Progress runs from 0.4 to 0.7 of the whole run, and Cancel stops training.
pub fn score_levels(
    levels: &[LevelSeries],
    run: &DeepRun<'_>,
    progress: &Progress,
) -> Result<Vec<Option<LevelScores>>, DeepError> {
    let params = run.params;
    let epochs_per_level =
        params.epochs * params.search.hidden.len() * params.search.learning_rate.len();
    let done = AtomicUsize::new(0);
    let total = (epochs_per_level * levels.len()).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = levels
            .iter()
            .enumerate()
            .map(|(level, series)| {
                let done = &done;
                scope.spawn(move || {
                    let mut on_epoch = |r: &EpochReport| {
                        if let Some(trace) = run.trace {
                            trace.push(LevelEpoch { level, report: *r });
                        }
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        progress.report(
                            0.4 + 0.3 * n as f64 / total as f64,
                            &format!(
                                "training the deep model: {} level, candidate {}/{}, epoch {}, \
                                 validation loss {:.4}",
                                series.name,
                                r.candidate + 1,
                                r.candidates,
                                r.epoch,
                                r.validation_loss
                            ),
                        );
                        !progress.is_cancelled()
                    };
                    score_level(series, level, run, &mut on_epoch)
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
    })
}

fn score_level(
    series: &LevelSeries,
    level: usize,
    run: &DeepRun<'_>,
    on_epoch: &mut (dyn FnMut(&EpochReport) -> bool + Send),
) -> Result<Option<LevelScores>, DeepError> {
    let dim = run.dim.max(1);
    let all: Vec<Series<'_>> = series
        .values
        .iter()
        .zip(&series.events)
        .map(|(v, &e)| Series {
            group: e as u64,
            values: v,
        })
        .collect();
    let windows: usize = series.values.iter().map(|v| v.len() / dim).sum();
    if windows < run.min_windows {
        return Ok(None);
    }
    let (model, trained) = if let Some(saved) = run.saved {
        match saved.get(level).cloned().flatten() {
            Some(model) => (model, false),
            None => return Ok(None),
        }
    } else {
        let training: Vec<Series<'_>> = all
            .iter()
            .copied()
            .filter(|s| {
                run.trainable
                    .is_none_or(|t| t.get(s.group as usize).copied().unwrap_or(false))
            })
            .collect();
        let training_windows: usize = training.iter().map(|s| s.values.len() / dim).sum();
        let events: BTreeSet<u64> = training.iter().map(|s| s.group).collect();
        if training_windows < run.min_windows || events.len() < 2 {
            return Ok(None);
        }
        (
            SequenceAutoencoder::fit(&training, run.dim, run.params, on_epoch)?,
            true,
        )
    };
    let scores = model.score(&all)?;
    Ok(Some(LevelScores {
        model,
        scores,
        trained,
    }))
}
