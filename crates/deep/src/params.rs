//! Settings of the autoencoder and of its training.

use serde::{Deserialize, Serialize};

use super::DeepError;

/// Architecture and training of one [`super::SequenceAutoencoder`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoencoderParams {
    /// Steps per sequence (minutes the encoder reads at once).
    pub window: usize,
    /// Size of the code the encoder squeezes a sequence into: small on purpose, so that
    /// only the usual shapes fit through.
    pub code: usize,
    /// Training passes over the sequences at most (early stopping may end sooner).
    pub epochs: usize,
    /// Epochs without a better validation loss before training stops.
    pub patience: usize,
    pub batch: usize,
    /// At most this many training sequences (a seeded subsample), and a quarter as many for
    /// validation.
    pub max_sequences: usize,
    /// Share of the sequences with the most worse-than-usual energy (Σ of positive scaled
    /// values²) left out of training and validation: the model must learn the usual, and a
    /// model that has seen incidents learns to reconstruct them.
    pub trim: f64,
    /// Share of the groups (events) held out for validation.
    pub validation_share: f64,
    /// Step between the starts of two scored sequences; each step's score is the mean over
    /// the sequences that contain it.
    pub score_stride: usize,
    /// Hidden sizes and learning rates tried; the pair with the lowest validation loss wins.
    pub search: SearchSpace,
    pub seed: u64,
}

/// The small grid of the hyper-parameter search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchSpace {
    pub hidden: Vec<usize>,
    pub learning_rate: Vec<f64>,
}

impl Default for AutoencoderParams {
    fn default() -> Self {
        Self {
            window: 10,
            code: 3,
            epochs: 30,
            patience: 4,
            batch: 64,
            max_sequences: 2_000,
            trim: 0.2,
            validation_share: 0.2,
            score_stride: 5,
            search: SearchSpace {
                hidden: vec![8, 16],
                learning_rate: vec![3e-3, 1e-2],
            },
            seed: 7,
        }
    }
}

impl AutoencoderParams {
    /// Every setting in range, or an error naming the first one that is not.
    pub fn validate(&self) -> Result<(), DeepError> {
        let bad = |what: &str| Err(DeepError::BadParameter(what.to_owned()));
        if !(2..=240).contains(&self.window) {
            return bad("window: expected 2 to 240 steps");
        }
        if !(1..=64).contains(&self.code) {
            return bad("code: expected a code size of 1 to 64");
        }
        if !(1..=10_000).contains(&self.epochs) {
            return bad("epochs: expected 1 to 10000");
        }
        if !(1..=4_096).contains(&self.batch) {
            return bad("batch: expected 1 to 4096");
        }
        if !(10..=10_000_000).contains(&self.max_sequences) {
            return bad("max_sequences: expected 10 to 10000000");
        }
        if !(0.0..0.9).contains(&self.trim) {
            return bad("trim: expected a share from 0 to 0.9");
        }
        if !(self.validation_share > 0.0 && self.validation_share < 1.0) {
            return bad("validation_share: expected a share strictly between 0 and 1");
        }
        if self.score_stride == 0 || self.score_stride > self.window {
            return bad("score_stride: expected 1 to the window length");
        }
        if self.search.hidden.is_empty() || self.search.learning_rate.is_empty() {
            return bad("search: expected at least one hidden size and one learning rate");
        }
        if self.search.hidden.iter().any(|&h| !(1..=512).contains(&h)) {
            return bad("search: hidden sizes must be 1 to 512");
        }
        if self
            .search
            .learning_rate
            .iter()
            .any(|&r| !(r.is_finite() && r > 0.0 && r < 1.0))
        {
            return bad("search: learning rates must be between 0 and 1");
        }
        Ok(())
    }
}
