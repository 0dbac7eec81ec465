//! Binary classification metrics with live as the positive class.

use serde::{Deserialize, Serialize};

/// Counts of (truth, prediction) pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// Live predicted live.
    pub true_live: usize,
    /// VOD predicted live.
    pub false_live: usize,
    /// VOD predicted VOD.
    pub true_vod: usize,
    /// Live predicted VOD.
    pub false_vod: usize,
}

impl Confusion {
    #[must_use]
    pub fn from_pairs(pairs: impl IntoIterator<Item = (bool, bool)>) -> Self {
        let mut c = Self::default();
        for (truth, predicted) in pairs {
            match (truth, predicted) {
                (true, true) => c.true_live += 1,
                (false, true) => c.false_live += 1,
                (false, false) => c.true_vod += 1,
                (true, false) => c.false_vod += 1,
            }
        }
        c
    }

    #[must_use]
    pub fn total(&self) -> usize {
        self.true_live + self.false_live + self.true_vod + self.false_vod
    }
}

/// Accuracy = (TP + TN) / n; precision = TP / (TP + FP); recall = TP / (TP + FN);
/// F1 = 2·P·R / (P + R). A ratio with a zero denominator is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub confusion: Confusion,
}

impl Metrics {
    #[must_use]
    pub fn new(confusion: Confusion) -> Self {
        let div = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let c = confusion;
        let precision = div(c.true_live, c.true_live + c.false_live);
        let recall = div(c.true_live, c.true_live + c.false_vod);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Self {
            accuracy: div(c.true_live + c.true_vod, c.total()),
            precision,
            recall,
            f1,
            confusion,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer() {
        // 3 TP, 1 FP, 4 TN, 2 FN.
        let pairs = [(true, true); 3]
            .into_iter()
            .chain([(false, true)])
            .chain([(false, false); 4])
            .chain([(true, false); 2]);
        let m = Metrics::new(Confusion::from_pairs(pairs));
        assert_eq!(m.confusion.total(), 10);
        assert!((m.accuracy - 0.7).abs() < 1e-12);
        assert!((m.precision - 0.75).abs() < 1e-12);
        assert!((m.recall - 0.6).abs() < 1e-12);
        assert!((m.f1 - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
        assert!(Metrics::new(Confusion::default()).f1.abs() < 1e-12);
    }
}
