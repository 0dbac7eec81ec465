//! What a draggable threshold over a set of scores shows, precomputed once on a worker: the
//! sweep (metrics at any τ in O(log n)), a histogram split by label, and the ROC and
//! precision–recall curves thinned for drawing. Shared by event and feature-table results.

use crate::eval::sweep::{ThresholdSweep, decimate_curve};

/// Curves are drawn at most this coarse (in rate units): ≤ 2,000 points per curve.
const CURVE_STEP: f64 = 1e-3;

/// Bars of a score histogram, split by label when labels exist.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreHistogram {
    /// Bin centres and the common width.
    pub centres: Vec<f64>,
    pub width: f64,
    /// Scores without an anomaly label (all of them when there are no labels).
    pub normal: Vec<f64>,
    /// Scores labelled anomalous.
    pub anomalous: Vec<f64>,
}

/// Sweep, histogram and curves of one set of scores.
#[derive(Debug, Clone)]
pub struct ScoreDisplay {
    pub sweep: ThresholdSweep,
    pub histogram: ScoreHistogram,
    pub roc: Option<Vec<[f64; 2]>>,
    pub precision_recall: Option<Vec<[f64; 2]>>,
}

impl ScoreDisplay {
    /// `positive` (index-aligned with `scores`) when labels exist.
    #[must_use]
    pub fn new(scores: &[f64], positive: Option<&[bool]>, bins: usize) -> Self {
        let sweep = ThresholdSweep::new(scores, positive);
        let none = vec![false; scores.len()];
        let histogram = histogram(scores, positive.unwrap_or(&none), bins);
        Self {
            roc: sweep.roc().map(|c| decimate_curve(&c, CURVE_STEP)),
            precision_recall: sweep
                .precision_recall()
                .map(|c| decimate_curve(&c, CURVE_STEP)),
            sweep,
            histogram,
        }
    }
}

/// Equal-width bins over the finite scores' range.
fn histogram(scores: &[f64], positive: &[bool], bins: usize) -> ScoreHistogram {
    let finite = || scores.iter().copied().filter(|s| s.is_finite());
    let lo = finite().fold(f64::INFINITY, f64::min);
    let hi = finite().fold(f64::NEG_INFINITY, f64::max);
    let bins = bins.max(1);
    if !lo.is_finite() {
        return ScoreHistogram {
            centres: Vec::new(),
            width: 1.0,
            normal: Vec::new(),
            anomalous: Vec::new(),
        };
    }
    let width = if hi > lo {
        (hi - lo) / bins as f64
    } else {
        1.0
    };
    let mut normal = vec![0.0; bins];
    let mut anomalous = vec![0.0; bins];
    for (&s, &p) in scores.iter().zip(positive) {
        if !s.is_finite() {
            continue;
        }
        let b = (((s - lo) / width) as usize).min(bins - 1);
        if p {
            anomalous[b] += 1.0;
        } else {
            normal[b] += 1.0;
        }
    }
    ScoreHistogram {
        centres: (0..bins).map(|b| lo + (b as f64 + 0.5) * width).collect(),
        width,
        normal,
        anomalous,
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Counts are exact.
mod tests {
    use super::*;

    #[test]
    fn histogram_splits_by_label_and_counts_every_finite_score() {
        let scores = [0.0, 1.0, 2.0, 3.0, 4.0, f64::NAN];
        let positive = [false, false, true, false, true, true];
        let d = ScoreDisplay::new(&scores, Some(&positive), 4);
        let h = &d.histogram;
        assert_eq!(h.width, 1.0);
        assert_eq!(h.normal, [1.0, 1.0, 0.0, 1.0]);
        assert_eq!(
            h.anomalous,
            [0.0, 0.0, 1.0, 1.0],
            "the top score lands in the last bin"
        );
        assert!(d.roc.is_some() && d.sweep.has_labels());
        let unlabelled = ScoreDisplay::new(&scores, None, 4);
        assert!(
            unlabelled.roc.is_none() && unlabelled.histogram.anomalous.iter().all(|&c| c == 0.0)
        );
    }
}
