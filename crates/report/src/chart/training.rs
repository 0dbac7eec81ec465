//! Charts of deep-model training: the loss curves a fitted model keeps, and the live curve
//! while it trains.

use super::{ChartKind, ChartSpec, Mark, Series};
use streamlens_deep::TrainingLog;
use streamlens_events::deep::LevelEpoch;

/// Palette indices per level (event, city, segment): blue, orange, green.
const LEVEL_COLORS: [usize; 3] = [0, 1, 2];

fn level_color(level: usize) -> usize {
    LEVEL_COLORS[level % LEVEL_COLORS.len()]
}

/// Per level, the training and validation loss (mean squared reconstruction error of the
/// scaled windows) of the candidate the search kept, per epoch, and its best epoch as a point.
#[must_use]
pub fn loss_curves(levels: &[(&str, &TrainingLog)]) -> ChartSpec {
    let mut series = Vec::new();
    let mut kept = Vec::new();
    for (i, (name, log)) in levels.iter().enumerate() {
        let Some(chosen) = log.candidates.get(log.chosen) else {
            continue;
        };
        let curve = |losses: &[f64]| -> Vec<[f64; 2]> {
            losses
                .iter()
                .enumerate()
                .map(|(e, &l)| [(e + 1) as f64, l])
                .collect()
        };
        series.push(Series {
            name: format!("{name}: validation"),
            color: level_color(i),
            mark: Mark::Line(curve(&chosen.validation_loss)),
        });
        series.push(Series {
            name: format!("{name}: training"),
            color: level_color(i),
            mark: Mark::Points(curve(&chosen.train_loss)),
        });
        if let Some(&best) = chosen
            .validation_loss
            .get(chosen.best_epoch.wrapping_sub(1))
        {
            kept.push([chosen.best_epoch as f64, best]);
        }
    }
    if !kept.is_empty() {
        series.push(Series {
            name: "epoch kept".into(),
            color: 7,
            mark: Mark::Rings(kept),
        });
    }
    ChartSpec {
        id: "deep_loss_curves".into(),
        title: "Deep model training: reconstruction loss per epoch (kept candidate per level)"
            .into(),
        x_label: "epoch".into(),
        y_label: "mean squared error (scaled windows)".into(),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}

/// While a deep model trains: each level's validation loss after every epoch so far, the
/// candidates of its search one after another (a gap between two candidates).
#[must_use]
pub fn live_loss(epochs: &[LevelEpoch], level_names: &[&str]) -> ChartSpec {
    let mut series = Vec::new();
    for (level, name) in level_names.iter().enumerate() {
        let mut points: Vec<[f64; 2]> = Vec::new();
        let mut candidate = None;
        for (n, e) in epochs.iter().filter(|e| e.level == level).enumerate() {
            if candidate.is_some_and(|c| c != e.report.candidate) {
                points.push([f64::NAN, f64::NAN]);
            }
            candidate = Some(e.report.candidate);
            points.push([(n + 1) as f64, e.report.validation_loss]);
        }
        if !points.is_empty() {
            series.push(Series {
                name: (*name).to_string(),
                color: level_color(level),
                mark: Mark::Line(points),
            });
        }
    }
    ChartSpec {
        id: "deep_training_live".into(),
        title: "Training: validation loss after each epoch (candidates or folds one after another)"
            .into(),
        x_label: "epochs trained at this level".into(),
        y_label: "mean squared error (scaled windows)".into(),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // The points are the logged numbers, copied exactly.
mod tests {
    use super::*;
    use streamlens_deep::{CandidateLog, EpochReport};

    fn epoch(level: usize, candidate: usize, loss: f64) -> LevelEpoch {
        LevelEpoch {
            level,
            report: EpochReport {
                candidate,
                candidates: 2,
                hidden: 8,
                learning_rate: 0.01,
                epoch: 1,
                epochs: 3,
                train_loss: loss,
                validation_loss: loss,
            },
        }
    }

    #[test]
    fn the_live_curve_numbers_each_levels_epochs_and_breaks_between_candidates() {
        let epochs = [
            epoch(0, 0, 0.5),
            epoch(1, 0, 0.9),
            epoch(0, 0, 0.4),
            epoch(0, 1, 0.6),
        ];
        let spec = live_loss(&epochs, &["event", "city", "segment"]);
        let ChartKind::Xy { series, .. } = spec.kind else {
            panic!("not an xy chart")
        };
        assert_eq!(series.len(), 2, "the segment level has no epoch yet");
        let Mark::Line(event) = &series[0].mark else {
            panic!("not a line")
        };
        assert_eq!(event[0], [1.0, 0.5]);
        assert_eq!(event[1], [2.0, 0.4]);
        assert!(event[2][0].is_nan(), "a gap before the second candidate");
        assert_eq!(event[3], [3.0, 0.6]);
    }

    #[test]
    fn the_kept_epoch_is_marked_on_the_chosen_candidates_curve() {
        let log = TrainingLog {
            candidates: vec![
                CandidateLog {
                    hidden: 8,
                    learning_rate: 0.01,
                    train_loss: vec![1.0],
                    validation_loss: vec![1.0],
                    best_epoch: 1,
                },
                CandidateLog {
                    hidden: 16,
                    learning_rate: 0.003,
                    train_loss: vec![0.9, 0.7, 0.6],
                    validation_loss: vec![0.8, 0.5, 0.55],
                    best_epoch: 2,
                },
            ],
            chosen: 1,
            training_groups: 4,
            validation_groups: 1,
            training_sequences: 40,
            validation_sequences: 10,
        };
        let spec = loss_curves(&[("event", &log)]);
        let ChartKind::Xy { series, .. } = spec.kind else {
            panic!("not an xy chart")
        };
        assert_eq!(series.len(), 3);
        assert_eq!(
            series[0].mark,
            Mark::Line(vec![[1.0, 0.8], [2.0, 0.5], [3.0, 0.55]])
        );
        assert_eq!(series[2].mark, Mark::Rings(vec![[2.0, 0.5]]));
    }
}
