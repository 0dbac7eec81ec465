//! Applying a model to captures: a label and probability per chunk, a verdict per capture.

use serde::{Deserialize, Serialize};

use super::TrafficLabel;
use super::dataset::CaptureFeatures;
use super::model::{Classifier, TrafficModel, label_of};

/// One chunk's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChunkVerdict {
    /// Window start, unix ms.
    pub start_ms: i64,
    pub label: TrafficLabel,
    /// Probability of live.
    pub probability: f64,
}

/// A capture's verdict from its chunks.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub chunks: usize,
    pub live_chunks: usize,
    /// Live when more than half the chunks are live, VOD when fewer; a tie goes to `label`.
    pub majority: TrafficLabel,
    /// Mean over chunks of the probability of live.
    pub mean_probability: f64,
    /// Live when `mean_probability` ≥ 0.5.
    pub label: TrafficLabel,
}

impl Verdict {
    /// `None` without chunks.
    #[must_use]
    pub fn from_probabilities(probs: &[f64]) -> Option<Self> {
        if probs.is_empty() {
            return None;
        }
        let mean_probability = probs.iter().sum::<f64>() / probs.len() as f64;
        let label = label_of(mean_probability);
        let live_chunks = probs
            .iter()
            .filter(|&&p| label_of(p) == TrafficLabel::Live)
            .count();
        let majority = match (2 * live_chunks).cmp(&probs.len()) {
            std::cmp::Ordering::Greater => TrafficLabel::Live,
            std::cmp::Ordering::Less => TrafficLabel::Vod,
            std::cmp::Ordering::Equal => label,
        };
        Some(Self {
            chunks: probs.len(),
            live_chunks,
            majority,
            mean_probability,
            label,
        })
    }
}

/// One capture classified.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileClassification {
    pub file: String,
    /// The label in the file name, if any (not used by the model).
    pub name_label: Option<TrafficLabel>,
    pub classifier: Classifier,
    pub chunks: Vec<ChunkVerdict>,
    /// `None` when the capture is shorter than one window.
    pub verdict: Option<Verdict>,
}

/// Classifies every chunk of a capture.
#[must_use]
pub fn classify(
    model: &TrafficModel,
    capture: &CaptureFeatures,
    classifier: Classifier,
) -> FileClassification {
    let probs = model.prob_live(&capture.rows(), classifier);
    let chunks = capture
        .chunks
        .iter()
        .zip(&probs)
        .map(|(c, &p)| ChunkVerdict {
            start_ms: c.start_ms,
            label: label_of(p),
            probability: p,
        })
        .collect();
    FileClassification {
        file: capture.name.clone(),
        name_label: capture.label,
        classifier,
        chunks,
        verdict: Verdict::from_probabilities(&probs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_by_majority_and_mean() {
        let v = Verdict::from_probabilities(&[0.9, 0.6, 0.1]).unwrap();
        assert_eq!((v.live_chunks, v.majority), (2, TrafficLabel::Live));
        assert!((v.mean_probability - 1.6 / 3.0).abs() < 1e-12);
        assert_eq!(v.label, TrafficLabel::Live);
        // A 1–1 tie follows the mean probability (0.45 → VOD).
        let v = Verdict::from_probabilities(&[0.5, 0.4]).unwrap();
        assert_eq!(v.live_chunks, 1);
        assert_eq!(
            (v.majority, v.label),
            (TrafficLabel::Vod, TrafficLabel::Vod)
        );
        assert!(Verdict::from_probabilities(&[]).is_none());
    }
}
