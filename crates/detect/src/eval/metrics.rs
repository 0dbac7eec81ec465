//! Evaluation metrics on (score, label) pairs, defined as scikit-learn defines
//! them so that numbers can be checked: ROC AUC with tied scores counted half
//! (average ranks, the Mann–Whitney form), average precision as the step sum
//! `Σₙ (Rₙ − Rₙ₋₁)·Pₙ` over distinct thresholds, and precision / recall / F1 /
//! flag rate of the rule "flag when score > τ".

use serde::Serialize;

use streamlens_engine::stats::average_ranks;

/// `P(score of a random positive > score of a random negative)`, ties counted ½:
/// `(Σ ranks of positives − n₊(n₊+1)/2) / (n₊·n₋)`; `None` without both classes.
#[must_use]
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let n_pos = positive.iter().filter(|&&p| p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let ranks = average_ranks(scores);
    let rank_sum: f64 = ranks
        .iter()
        .zip(positive)
        .filter(|(_, p)| **p)
        .map(|(r, _)| r)
        .sum();
    let np = n_pos as f64;
    Some((rank_sum - np * (np + 1.0) / 2.0) / (np * n_neg as f64))
}

/// Average precision (scikit-learn's `average_precision_score`): rows sorted by
/// score, descending; at each distinct score `t`, precision `Pₜ` and recall `Rₜ`
/// of "score ≥ t"; AP = Σ (Rₜ − Rₜ₋₁)·Pₜ. `None` without positives.
#[must_use]
pub fn average_precision(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let n_pos = positive.iter().filter(|&&p| p).count();
    if n_pos == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut ap = 0.0;
    let mut last_recall = 0.0;
    let mut k = 0;
    while k < order.len() {
        let t = scores[order[k]];
        while k < order.len() && scores[order[k]].total_cmp(&t).is_eq() {
            if positive[order[k]] {
                tp += 1;
            } else {
                fp += 1;
            }
            k += 1;
        }
        let recall = tp as f64 / n_pos as f64;
        let precision = tp as f64 / (tp + fp) as f64;
        ap += (recall - last_recall) * precision;
        last_recall = recall;
    }
    Some(ap)
}

/// Quality of the rule "flag when score > τ".
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ThresholdMetrics {
    /// τ; `None` when pooled over folds with their own τ.
    pub threshold: Option<f64>,
    pub flagged: usize,
    /// Share of rows flagged.
    pub flag_rate: f64,
    /// `tp/(tp+fp)`; `None` when nothing is flagged.
    pub precision: Option<f64>,
    /// `tp/(tp+fn)`; `None` without positives.
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub f1: Option<f64>,
}

/// Metrics of "flag when score > τ" for one threshold.
#[must_use]
pub fn at_threshold(scores: &[f64], positive: &[bool], threshold: f64) -> ThresholdMetrics {
    let flags: Vec<bool> = scores.iter().map(|&s| s > threshold).collect();
    from_flags(&flags, positive, Some(threshold))
}

/// Metrics of given flags (e.g. pooled over folds that each had their own τ).
#[must_use]
pub fn from_flags(flags: &[bool], positive: &[bool], threshold: Option<f64>) -> ThresholdMetrics {
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    for (&f, &p) in flags.iter().zip(positive) {
        match (f, p) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fneg += 1,
            (false, false) => {}
        }
    }
    let flagged = tp + fp;
    let precision = (flagged > 0).then(|| tp as f64 / flagged as f64);
    let recall = (tp + fneg > 0).then(|| tp as f64 / (tp + fneg) as f64);
    let f1 = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    ThresholdMetrics {
        threshold,
        flagged,
        flag_rate: if flags.is_empty() {
            0.0
        } else {
            flagged as f64 / flags.len() as f64
        },
        precision,
        recall,
        f1,
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact here.
mod tests {
    use super::*;

    #[test]
    fn auc_known_answers() {
        // Perfect, inverted, and sklearn's doc example (0.75).
        assert_eq!(
            roc_auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]),
            Some(1.0)
        );
        assert_eq!(
            roc_auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]),
            Some(0.0)
        );
        assert_eq!(
            roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
            Some(0.75)
        );
        // One tie between a positive and a negative counts ½: pairs (p,n): (0.5 vs 0.5)=½, (0.5 vs 0.1)=1,
        // (0.9 vs 0.5)=1, (0.9 vs 0.1)=1 → 3.5/4.
        assert_eq!(
            roc_auc(&[0.1, 0.5, 0.5, 0.9], &[false, false, true, true]),
            Some(0.875)
        );
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
    }

    #[test]
    fn average_precision_known_answers() {
        // sklearn doc example: y = [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8] → 0.8333…
        let ap = average_precision(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]).unwrap();
        assert!((ap - 5.0 / 6.0).abs() < 1e-15);
        // All tied: one threshold, recall 1, precision = prevalence.
        let ap = average_precision(&[0.5, 0.5, 0.5, 0.5], &[true, false, false, false]).unwrap();
        assert!((ap - 0.25).abs() < 1e-15);
        // Ties grouped into one threshold.
        // y = [0, 1, 0, 1], s = [0.9, 0.5, 0.5, 0.1]: t=0.9 → P 0, R 0; t=0.5 → P 1/3, R ½; t=0.1 → P ½, R 1.
        let ap = average_precision(&[0.9, 0.5, 0.5, 0.1], &[false, true, false, true]).unwrap();
        assert!((ap - (0.5 / 3.0 + 0.5 * 0.5)).abs() < 1e-15);
    }

    #[test]
    fn threshold_counts() {
        let m = at_threshold(&[0.1, 0.6, 0.7, 0.2], &[false, true, false, true], 0.5);
        assert_eq!(m.flagged, 2);
        assert_eq!(m.flag_rate, 0.5);
        assert_eq!(m.precision, Some(0.5));
        assert_eq!(m.recall, Some(0.5));
        assert_eq!(m.f1, Some(0.5));
    }
}
