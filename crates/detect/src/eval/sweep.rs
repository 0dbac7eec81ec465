//! Everything a draggable threshold shows, precomputed once per set of scores: scores sorted
//! with cumulative positive counts, so the flag count, precision, recall and F1 of "flag when
//! score > τ" cost one binary search at any τ (a frame while dragging over a million scores),
//! plus the ROC and precision–recall curves.

use crate::eval::metrics::ThresholdMetrics;

/// Sorted scores and, when labels exist, cumulative positives.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdSweep {
    /// Finite scores, ascending.
    sorted: Vec<f64>,
    /// `positives_below[i]` = positives among `sorted[..i]` (length `n + 1`); empty without labels.
    positives_below: Vec<u32>,
}

impl ThresholdSweep {
    /// `positive` is index-aligned with `scores` (or `None` without labels). Non-finite scores
    /// are left out.
    #[must_use]
    pub fn new(scores: &[f64], positive: Option<&[bool]>) -> Self {
        let mut pairs: Vec<(f64, bool)> = scores
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_finite())
            .map(|(i, &s)| (s, positive.is_some_and(|p| p[i])))
            .collect();
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let positives_below = if positive.is_some() {
            std::iter::once(0)
                .chain(pairs.iter().scan(0u32, |acc, p| {
                    *acc += u32::from(p.1);
                    Some(*acc)
                }))
                .collect()
        } else {
            Vec::new()
        };
        Self {
            sorted: pairs.into_iter().map(|p| p.0).collect(),
            positives_below,
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    #[must_use]
    pub fn has_labels(&self) -> bool {
        !self.positives_below.is_empty()
    }

    /// Smallest and largest score.
    #[must_use]
    pub fn range(&self) -> Option<(f64, f64)> {
        Some((*self.sorted.first()?, *self.sorted.last()?))
    }

    /// Number of scores ≤ τ (the rest are flagged).
    fn not_flagged(&self, threshold: f64) -> usize {
        self.sorted.partition_point(|&s| s <= threshold)
    }

    /// Flag count and rate, and with labels precision / recall / F1, of "score > τ".
    #[must_use]
    pub fn at(&self, threshold: f64) -> ThresholdMetrics {
        let n = self.sorted.len();
        let kept = self.not_flagged(threshold);
        let flagged = n - kept;
        let mut metrics = ThresholdMetrics {
            threshold: Some(threshold),
            flagged,
            flag_rate: if n == 0 {
                0.0
            } else {
                flagged as f64 / n as f64
            },
            precision: None,
            recall: None,
            f1: None,
        };
        if self.has_labels() {
            let positives = self.positives_below[n] as usize;
            let tp = positives - self.positives_below[kept] as usize;
            metrics.precision = (flagged > 0).then(|| tp as f64 / flagged as f64);
            metrics.recall = (positives > 0).then(|| tp as f64 / positives as f64);
            metrics.f1 = match (metrics.precision, metrics.recall) {
                (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
                (Some(_), Some(_)) => Some(0.0),
                _ => None,
            };
        }
        metrics
    }

    /// ROC curve points `(false-positive rate, true-positive rate)` from "flag nothing" to
    /// "flag everything", one per distinct score; `None` without both classes.
    #[must_use]
    pub fn roc(&self) -> Option<Vec<[f64; 2]>> {
        let n = self.sorted.len();
        let positives = *self.positives_below.last()? as usize;
        let negatives = n - positives;
        if positives == 0 || negatives == 0 {
            return None;
        }
        Some(
            self.cuts()
                .map(|kept| {
                    let tp = positives - self.positives_below[kept] as usize;
                    let fp = (n - kept) - tp;
                    [fp as f64 / negatives as f64, tp as f64 / positives as f64]
                })
                .collect(),
        )
    }

    /// Precision–recall points `(recall, precision)`, one per distinct score from the highest
    /// down; `None` without positives.
    #[must_use]
    pub fn precision_recall(&self) -> Option<Vec<[f64; 2]>> {
        let n = self.sorted.len();
        let positives = *self.positives_below.last()? as usize;
        if positives == 0 {
            return None;
        }
        Some(
            self.cuts()
                .filter(|&kept| kept < n)
                .map(|kept| {
                    let tp = positives - self.positives_below[kept] as usize;
                    [tp as f64 / positives as f64, tp as f64 / (n - kept) as f64]
                })
                .collect(),
        )
    }

    /// The operating point of τ on the ROC curve.
    #[must_use]
    pub fn roc_point(&self, threshold: f64) -> Option<[f64; 2]> {
        let n = self.sorted.len();
        let positives = *self.positives_below.last()? as usize;
        let negatives = n - positives;
        if positives == 0 || negatives == 0 {
            return None;
        }
        let kept = self.not_flagged(threshold);
        let tp = positives - self.positives_below[kept] as usize;
        let fp = (n - kept) - tp;
        Some([fp as f64 / negatives as f64, tp as f64 / positives as f64])
    }

    /// Counts of unflagged scores at every distinct-score cut, from `n` (nothing flagged) to 0.
    fn cuts(&self) -> impl Iterator<Item = usize> + '_ {
        let n = self.sorted.len();
        std::iter::once(n).chain(
            (0..n)
                .rev()
                .filter(move |&i| i == 0 || self.sorted[i - 1] < self.sorted[i]),
        )
    }
}

/// A monotone curve (ROC, precision–recall) thinned for drawing: keeps the ends and every
/// point at least `min_step` away (in x or y) from the last kept one, so a million-point
/// curve draws as at most `2/min_step` points and no kept segment hides a feature larger
/// than `min_step`.
#[must_use]
pub fn decimate_curve(points: &[[f64; 2]], min_step: f64) -> Vec<[f64; 2]> {
    let Some((&last, rest)) = points.split_last() else {
        return Vec::new();
    };
    let mut kept: Vec<[f64; 2]> = Vec::new();
    for &p in rest {
        let far = kept.last().is_none_or(|k: &[f64; 2]| {
            (p[0] - k[0]).abs() >= min_step || (p[1] - k[1]).abs() >= min_step
        });
        if far {
            kept.push(p);
        }
    }
    kept.push(last);
    kept
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Counts over small integers: exact.
mod tests {
    use super::*;
    use crate::eval::metrics::{at_threshold, roc_auc};
    use proptest::prelude::*;

    #[test]
    fn known_operating_points() {
        // Scores 1..=6, positives at 4, 5, 6 and 2.
        let scores = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let pos = [false, true, false, true, true, true];
        let sweep = ThresholdSweep::new(&scores, Some(&pos));
        let m = sweep.at(3.5); // flags 4, 5, 6: all positive
        assert_eq!(m.flagged, 3);
        assert_eq!(m.precision, Some(1.0));
        assert_eq!(m.recall, Some(0.75));
        assert_eq!(sweep.roc_point(3.5), Some([0.0, 0.75]));
        let roc = sweep.roc().unwrap();
        assert_eq!(roc.first(), Some(&[0.0, 0.0]));
        assert_eq!(roc.last(), Some(&[1.0, 1.0]));
        assert_eq!(roc.len(), 7);
        let pr = sweep.precision_recall().unwrap();
        assert_eq!(pr[0], [0.25, 1.0]);
        assert_eq!(pr.last(), Some(&[1.0, 4.0 / 6.0]));
    }

    #[test]
    fn without_labels_only_counts() {
        let sweep = ThresholdSweep::new(&[0.5, f64::NAN, 2.0], None);
        assert_eq!(sweep.len(), 2);
        let m = sweep.at(1.0);
        assert_eq!((m.flagged, m.precision), (1, None));
        assert!(sweep.roc().is_none());
    }

    proptest! {
        #[test]
        fn sweep_equals_direct_metrics(
            data in prop::collection::vec((0u8..20, any::<bool>()), 2..60),
            tau in 0u8..21,
        ) {
            let scores: Vec<f64> = data.iter().map(|d| f64::from(d.0)).collect();
            let pos: Vec<bool> = data.iter().map(|d| d.1).collect();
            let sweep = ThresholdSweep::new(&scores, Some(&pos));
            let threshold = f64::from(tau) - 0.5;
            prop_assert_eq!(sweep.at(threshold), at_threshold(&scores, &pos, threshold));
            // Trapezoid area under the ROC points equals the rank-based AUC.
            if let (Some(roc), Some(auc)) = (sweep.roc(), roc_auc(&scores, &pos)) {
                let area: f64 = roc.windows(2).map(|w| (w[1][0] - w[0][0]) * (w[1][1] + w[0][1]) / 2.0).sum();
                prop_assert!((area - auc).abs() < 1e-12);
            }
        }

        #[test]
        fn decimated_curve_keeps_ends_and_shape(
            steps in prop::collection::vec((0u16..50, 0u16..50), 1..400),
        ) {
            // A monotone staircase like a ROC curve.
            let mut at = [0.0, 0.0];
            let mut curve = vec![at];
            for (dx, dy) in steps {
                at = [at[0] + f64::from(dx) * 1e-4, at[1] + f64::from(dy) * 1e-4];
                curve.push(at);
            }
            let thin = decimate_curve(&curve, 1e-3);
            prop_assert_eq!(thin.first(), curve.first());
            prop_assert_eq!(thin.last(), curve.last());
            // Every dropped point lies within one step of the last kept point before it.
            let mut k = 0;
            for p in &curve {
                if thin.get(k + 1) == Some(p) { k += 1; }
                let kept = thin[k];
                prop_assert!((p[0] - kept[0]).abs() < 1e-3 + 1e-12 || thin.contains(p));
                prop_assert!((p[1] - kept[1]).abs() < 1e-3 + 1e-12 || thin.contains(p));
            }
        }
    }
}
