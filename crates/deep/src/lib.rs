//! Deep sequence models on the CPU with candle: a GRU autoencoder of short sequences of
//! per-minute feature vectors. It is fitted on sequences that are mostly normal, and a step's
//! anomaly score is how much worse than its reconstruction the step is — the code of a few
//! numbers the encoder squeezes ten minutes into, learnt on usual minutes, cannot express an
//! incident's shape, so the decoder puts back the usual instead.
//!
//! The crate knows nothing of telemetry: callers give it series of feature vectors grouped by
//! an id (the event a series belongs to), so that training and validation never share a group.

mod classifier;
mod log;
mod model;
mod network;
mod params;
mod scaler;
mod sequences;
mod train;

#[cfg(test)]
mod classifier_tests;
#[cfg(test)]
mod tests;

pub use classifier::{ClassifierParams, LabelledSeries, SequenceClassifier};
pub use log::{CandidateLog, EpochReport, TrainingLog};
pub use model::{SequenceAutoencoder, Series};
pub use params::{AutoencoderParams, SearchSpace};

/// What can go wrong when fitting, loading or running a deep model.
#[derive(Debug, thiserror::Error)]
pub enum DeepError {
    #[error("{0}")]
    BadParameter(String),
    #[error("{0}")]
    BadData(String),
    #[error("saved deep model: {0}")]
    BadModel(String),
    #[error("cancelled")]
    Cancelled,
    #[error("deep-learning backend: {0}")]
    Backend(#[from] candle_core::Error),
}

/// Runs `work` on a pool of one rayon thread. The matrices here are small, and candle's matrix
/// products would otherwise wake every core for each of thousands of tiny products (seen:
/// more system time than user time); callers that want parallel work run several models at
/// once instead.
fn on_one_thread<T: Send>(
    work: impl FnOnce() -> Result<T, DeepError> + Send,
) -> Result<T, DeepError> {
    match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}
