//! Window scores from a deep sequence model: per level, a GRU autoencoder
//! ([`streamlens_deep::SequenceAutoencoder`]) learns the usual shape of ten-minute stretches of
//! a unit's window badness, and a window's score is how far it is worse than the autoencoder's
//! reconstruction. Training series are grouped by event, so validation never sees an event
//! the model trained on. The three levels train at once, one thread each.

use std::sync::atomic::{AtomicUsize, Ordering};

use streamlens_deep::{AutoencoderParams, DeepError, EpochReport, SequenceAutoencoder, Series};
use streamlens_engine::progress::Progress;

use super::EventDetectError;
use super::score::{LEVEL_NAMES, LEVELS, LevelFit, MIN_LEVEL_WINDOWS, ScoredEvents};

/// One level's unit series: badness rows flattened, and where each series came from.
struct LevelSeries {
    values: Vec<Vec<f64>>,
    /// `(event, unit)` of each series.
    at: Vec<(usize, usize)>,
}

/// Fits (or takes from `saved`) one autoencoder per level and writes every scored unit's
/// window scores. A level with too few windows, or with training windows from fewer than two
/// events, stays unscored. Progress runs from 0.4 to 0.7 of the whole run.
pub fn score_levels(
    scored: &mut ScoredEvents,
    dim: usize,
    params: &AutoencoderParams,
    saved: Option<&[Option<SequenceAutoencoder>]>,
    trainable: Option<&[bool]>,
    progress: &Progress,
) -> Result<(Vec<LevelFit>, Vec<Option<SequenceAutoencoder>>), EventDetectError> {
    let levels: Vec<LevelSeries> = (0..LEVELS)
        .map(|level| {
            let mut values = Vec::new();
            let mut at = Vec::new();
            for (e, units) in scored.iter().enumerate() {
                for (u, unit) in units.iter().enumerate() {
                    if unit.scored && unit.unit.level() == level {
                        values.push(unit.badness.iter().flatten().copied().collect());
                        at.push((e, u));
                    }
                }
            }
            LevelSeries { values, at }
        })
        .collect();
    let epochs_per_level =
        params.epochs * params.search.hidden.len() * params.search.learning_rate.len();
    let done = AtomicUsize::new(0);
    let total = (epochs_per_level * LEVELS).max(1);
    let outcomes: Vec<Result<LevelOutcome, DeepError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = levels
            .iter()
            .enumerate()
            .map(|(level, series)| {
                let source = match saved {
                    Some(s) => Source::Saved(s.get(level).cloned().flatten().map(Box::new)),
                    None => Source::Fit,
                };
                let done = &done;
                scope.spawn(move || {
                    let mut on_epoch = |r: &EpochReport| {
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        progress.report(
                            0.4 + 0.3 * n as f64 / total as f64,
                            &format!(
                                "training the deep model: {} level, candidate {}/{}, epoch {}, \
                                 validation loss {:.4}",
                                LEVEL_NAMES[level],
                                r.candidate + 1,
                                r.candidates,
                                r.epoch,
                                r.validation_loss
                            ),
                        );
                        !progress.is_cancelled()
                    };
                    score_level(series, dim, params, source, trainable, &mut on_epoch)
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
    let mut models = Vec::with_capacity(LEVELS);
    for ((level, outcome), series) in outcomes.into_iter().enumerate().zip(&levels) {
        let outcome = outcome.map_err(|e| match e {
            DeepError::Cancelled => EventDetectError::Cancelled,
            other => EventDetectError::Deep(other),
        })?;
        let windows: usize = series.values.iter().map(|v| v.len() / dim.max(1)).sum();
        match outcome {
            LevelOutcome::Unscored => {
                fits.push(LevelFit {
                    level: LEVEL_NAMES[level],
                    windows_scored: 0,
                    training_windows: 0,
                });
                models.push(None);
            }
            LevelOutcome::Scored { model, scores } => {
                for (&(e, u), unit_scores) in series.at.iter().zip(scores) {
                    scored[e][u].score = unit_scores;
                }
                fits.push(LevelFit {
                    level: LEVEL_NAMES[level],
                    windows_scored: windows,
                    training_windows: if saved.is_some() {
                        0
                    } else {
                        model.log.training_sequences
                    },
                });
                models.push(Some(*model));
            }
        }
    }
    Ok((fits, models))
}

enum LevelOutcome {
    Unscored,
    Scored {
        model: Box<SequenceAutoencoder>,
        scores: Vec<Vec<f64>>,
    },
}

/// Where a level's model comes from.
enum Source {
    /// Fit it here.
    Fit,
    /// A saved model's, which may have none for this level.
    Saved(Option<Box<SequenceAutoencoder>>),
}

fn score_level(
    series: &LevelSeries,
    dim: usize,
    params: &AutoencoderParams,
    source: Source,
    trainable: Option<&[bool]>,
    on_epoch: &mut (dyn FnMut(&EpochReport) -> bool + Send),
) -> Result<LevelOutcome, DeepError> {
    let all: Vec<Series<'_>> = series
        .values
        .iter()
        .zip(&series.at)
        .map(|(v, &(e, _))| Series {
            group: e as u64,
            values: v,
        })
        .collect();
    let windows: usize = series.values.iter().map(|v| v.len() / dim.max(1)).sum();
    if windows < MIN_LEVEL_WINDOWS {
        return Ok(LevelOutcome::Unscored);
    }
    let model = match source {
        Source::Saved(None) => return Ok(LevelOutcome::Unscored),
        Source::Saved(Some(model)) => *model,
        Source::Fit => {
            let training: Vec<Series<'_>> = all
                .iter()
                .copied()
                .filter(|s| {
                    trainable.is_none_or(|t| t.get(s.group as usize).copied().unwrap_or(false))
                })
                .collect();
            let training_windows: usize = training.iter().map(|s| s.values.len() / dim).sum();
            let events: std::collections::BTreeSet<u64> =
                training.iter().map(|s| s.group).collect();
            if training_windows < MIN_LEVEL_WINDOWS || events.len() < 2 {
                return Ok(LevelOutcome::Unscored);
            }
            SequenceAutoencoder::fit(&training, dim, params, on_epoch)?
        }
    };
    let scores = model.score(&all)?;
    Ok(LevelOutcome::Scored {
        model: Box::new(model),
        scores,
    })
}
