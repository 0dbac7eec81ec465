//! What training reports as it goes and what it leaves in the model: loss curves per
//! candidate of the search.

use serde::{Deserialize, Serialize};

/// One epoch of one candidate, as training goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochReport {
    /// Which candidate of the grid (0-based) and how many there are.
    pub candidate: usize,
    pub candidates: usize,
    pub hidden: usize,
    pub learning_rate: f64,
    /// 1-based.
    pub epoch: usize,
    pub epochs: usize,
    pub train_loss: f64,
    pub validation_loss: f64,
}

/// The loss curves of one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateLog {
    pub hidden: usize,
    pub learning_rate: f64,
    pub train_loss: Vec<f64>,
    pub validation_loss: Vec<f64>,
    /// 1-based epoch whose weights were kept.
    pub best_epoch: usize,
}

impl CandidateLog {
    #[must_use]
    pub fn best_validation_loss(&self) -> f64 {
        self.validation_loss
            .get(self.best_epoch.saturating_sub(1))
            .copied()
            .unwrap_or(f64::INFINITY)
    }
}

/// How a model was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingLog {
    pub candidates: Vec<CandidateLog>,
    /// Index of the candidate kept.
    pub chosen: usize,
    pub training_groups: usize,
    pub validation_groups: usize,
    pub training_sequences: usize,
    pub validation_sequences: usize,
}
