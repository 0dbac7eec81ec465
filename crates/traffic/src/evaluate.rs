//! Leave-one-capture-out evaluation: each capture is classified by models trained on all
//! other captures, so no chunk of a test capture is ever seen in training (chunks of one
//! capture are near-duplicates; mixing them inflates accuracy).

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::Serialize;

use super::TrafficLabel;
use super::chunk::WindowParams;
use super::classify::Verdict;
use super::dataset::{CaptureFeatures, Skipped, samples};
use super::error::TrafficError;
use super::features::{FEATURE_NAMES, N_FEATURES};
use super::metrics::{Confusion, Metrics};
use super::model::{Classifier, ModelParams, Samples, TrafficModel, label_of, train};

/// Times each feature column is shuffled for permutation importance.
pub const IMPORTANCE_REPEATS: usize = 5;

/// Everything `traffic evaluate` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    pub protocol: &'static str,
    pub window: WindowParams,
    pub params: ModelParams,
    pub captures: usize,
    pub chunks: usize,
    pub live_chunks: usize,
    pub skipped: Vec<Skipped>,
    pub classifiers: Vec<ClassifierReport>,
}

/// One classifier's out-of-fold results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassifierReport {
    pub classifier: Classifier,
    /// Every chunk predicted by the model that did not see its capture.
    pub chunk_metrics: Metrics,
    /// Captures judged by mean chunk probability.
    pub capture_metrics: Metrics,
    /// Captures judged by majority of chunks.
    pub capture_majority_metrics: Metrics,
    pub captures: Vec<CaptureResult>,
    /// Features by mean accuracy drop, largest first.
    pub importance: Vec<Importance>,
}

/// One held-out capture.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaptureResult {
    pub file: String,
    pub label: TrafficLabel,
    pub verdict: Verdict,
    /// `verdict.label == label`.
    pub correct: bool,
    pub chunk_probabilities: Vec<f64>,
}

/// Permutation importance: the drop in out-of-fold chunk accuracy when one feature's values are
/// shuffled across all chunks (the fold models are not retrained), over
/// [`IMPORTANCE_REPEATS`] shuffles.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Importance {
    pub feature: &'static str,
    pub accuracy_drop_mean: f64,
    pub accuracy_drop_std: f64,
}

/// Runs leave-one-capture-out on labelled captures with at least one chunk each (see
/// [`super::dataset::labelled`]); needs two or more captures of each class.
pub fn evaluate(
    captures: &[CaptureFeatures],
    skipped: Vec<Skipped>,
    window: WindowParams,
    params: &ModelParams,
) -> Result<Evaluation, TrafficError> {
    evaluate_with(captures, skipped, window, params, &|_, _| true)
}

/// [`evaluate`], calling `fold_starts(fold, folds)` before each fold is trained; when it
/// answers `false` the evaluation stops with [`TrafficError::Cancelled`].
pub fn evaluate_with(
    captures: &[CaptureFeatures],
    skipped: Vec<Skipped>,
    window: WindowParams,
    params: &ModelParams,
    fold_starts: &dyn Fn(usize, usize) -> bool,
) -> Result<Evaluation, TrafficError> {
    let live_captures = captures
        .iter()
        .filter(|c| c.label == Some(TrafficLabel::Live))
        .count();
    if live_captures < 2 || captures.len() - live_captures < 2 {
        return Err(TrafficError::NotEnoughData(format!(
            "leave-one-capture-out needs at least two live and two VOD captures with a full window; found {live_captures} live and {} VOD",
            captures.len() - live_captures
        )));
    }
    let all = samples(captures);
    let folds = (0..captures.len())
        .map(|held_out| {
            if !fold_starts(held_out, captures.len()) {
                return Err(TrafficError::Cancelled);
            }
            let (rows, live): (Vec<_>, Vec<_>) = all
                .rows
                .iter()
                .zip(&all.live)
                .zip(&all.capture)
                .filter(|&(_, &c)| c != held_out)
                .map(|((r, l), _)| (*r, *l))
                .unzip();
            train(&rows, &live, window, params)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let classifiers = Classifier::ALL
        .iter()
        .map(|&classifier| report(captures, &all, &folds, classifier, params.forest.seed))
        .collect();
    Ok(Evaluation {
        protocol: "leave-one-capture-out",
        window,
        params: *params,
        captures: captures.len(),
        chunks: all.rows.len(),
        live_chunks: all.live.iter().filter(|&&l| l).count(),
        skipped,
        classifiers,
    })
}

/// Out-of-fold probability of every chunk, in `all` order.
fn out_of_fold(
    rows: &[[f64; N_FEATURES]],
    capture: &[usize],
    folds: &[TrafficModel],
    classifier: Classifier,
) -> Vec<f64> {
    let mut probs = vec![0.0; rows.len()];
    for (i, model) in folds.iter().enumerate() {
        let idx: Vec<usize> = (0..rows.len()).filter(|&k| capture[k] == i).collect();
        let test: Vec<_> = idx.iter().map(|&k| rows[k]).collect();
        for (k, p) in idx.iter().zip(model.prob_live(&test, classifier)) {
            probs[*k] = p;
        }
    }
    probs
}

fn accuracy(probs: &[f64], live: &[bool]) -> f64 {
    let right = probs
        .iter()
        .zip(live)
        .filter(|&(&p, &l)| (label_of(p) == TrafficLabel::Live) == l)
        .count();
    right as f64 / probs.len().max(1) as f64
}

fn report(
    captures: &[CaptureFeatures],
    all: &Samples,
    folds: &[TrafficModel],
    classifier: Classifier,
    seed: u64,
) -> ClassifierReport {
    let probs = out_of_fold(&all.rows, &all.capture, folds, classifier);
    let chunk_metrics = Metrics::new(Confusion::from_pairs(
        probs
            .iter()
            .zip(&all.live)
            .map(|(&p, &l)| (l, label_of(p) == TrafficLabel::Live)),
    ));
    let results: Vec<CaptureResult> = captures
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let p: Vec<f64> = (0..probs.len())
                .filter(|&k| all.capture[k] == i)
                .map(|k| probs[k])
                .collect();
            // Every kept capture has chunks and a label (checked by `labelled`).
            let verdict = Verdict::from_probabilities(&p)?;
            let label = c.label?;
            Some(CaptureResult {
                file: c.name.clone(),
                label,
                correct: verdict.label == label,
                verdict,
                chunk_probabilities: p,
            })
        })
        .collect();
    let capture_metrics = |pick: fn(&Verdict) -> TrafficLabel| {
        Metrics::new(Confusion::from_pairs(results.iter().map(|r| {
            (
                r.label == TrafficLabel::Live,
                pick(&r.verdict) == TrafficLabel::Live,
            )
        })))
    };
    ClassifierReport {
        classifier,
        chunk_metrics,
        capture_metrics: capture_metrics(|v| v.label),
        capture_majority_metrics: capture_metrics(|v| v.majority),
        captures: results.clone(),
        importance: importance(all, folds, classifier, accuracy(&probs, &all.live), seed),
    }
}

fn importance(
    all: &Samples,
    folds: &[TrafficModel],
    classifier: Classifier,
    base_accuracy: f64,
    seed: u64,
) -> Vec<Importance> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..all.rows.len()).collect();
    let mut out: Vec<Importance> = FEATURE_NAMES
        .iter()
        .enumerate()
        .map(|(j, &feature)| {
            let drops: Vec<f64> = (0..IMPORTANCE_REPEATS)
                .map(|_| {
                    order.shuffle(&mut rng);
                    let mut rows = all.rows.clone();
                    for (row, &from) in rows.iter_mut().zip(&order) {
                        row[j] = all.rows[from][j];
                    }
                    let probs = out_of_fold(&rows, &all.capture, folds, classifier);
                    base_accuracy - accuracy(&probs, &all.live)
                })
                .collect();
            let (mean, std) = super::features::mean_std(&drops);
            Importance {
                feature,
                accuracy_drop_mean: mean,
                accuracy_drop_std: std,
            }
        })
        .collect();
    out.sort_by(|a, b| b.accuracy_drop_mean.total_cmp(&a.accuracy_drop_mean));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::extract;
    use crate::parse_capture;
    use crate::synth::{synth_captures, write_csv};

    fn synthetic(seed: u64, count: usize) -> Vec<CaptureFeatures> {
        synth_captures(seed, count, 180)
            .iter()
            .map(|s| {
                let mut text = Vec::new();
                write_csv(s, &mut text).unwrap();
                let capture = parse_capture(&s.name, &text).unwrap();
                let (_, chunks) = extract(&capture, &WindowParams::default()).unwrap();
                CaptureFeatures {
                    name: capture.name,
                    label: capture.label,
                    text_bytes: text.len(),
                    chunks,
                }
            })
            .collect()
    }

    #[test]
    fn separates_synthetic_live_from_vod_without_leaking_captures() {
        let captures = synthetic(5, 8);
        let params = ModelParams {
            forest: crate::model::ForestParams {
                trees: 30,
                ..Default::default()
            },
            ..Default::default()
        };
        let e = evaluate(&captures, Vec::new(), WindowParams::default(), &params).unwrap();
        assert_eq!((e.captures, e.chunks, e.live_chunks), (8, 24, 12));
        for r in &e.classifiers {
            assert_eq!(r.chunk_metrics.confusion.total(), 24);
            assert!(r.chunk_metrics.accuracy >= 0.9, "{:?}", r.chunk_metrics);
            assert_eq!(r.captures.len(), 8);
            assert!(r.captures.iter().all(|c| c.chunk_probabilities.len() == 3));
            assert_eq!(r.importance.len(), N_FEATURES);
        }
        // Same inputs, same numbers.
        let again = evaluate(&captures, Vec::new(), WindowParams::default(), &params).unwrap();
        assert_eq!(e, again);
    }

    #[test]
    fn needs_two_captures_of_each_class() {
        let captures = synthetic(1, 3);
        let err = evaluate(
            &captures,
            Vec::new(),
            WindowParams::default(),
            &ModelParams::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("found 2 live and 1 VOD"), "{err}");
    }
}
