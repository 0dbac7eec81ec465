//! Clustering in streamlens, on linfa-clustering's k-means with k chosen by the silhouette
//! ([`kmeans`]): the *kinds* of the incidents behind flagged events ([`incidents`], measured
//! by `streamlens_events::incident`) and *segments* of viewers by engagement and `QoE`
//! ([`viewers`]).

pub mod incidents;
pub mod kmeans;
pub mod viewers;

#[cfg(test)]
mod tests;

use streamlens_engine::error::AnalysisError;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error("cannot cluster: {0}")]
    BadData(String),
    #[error("k-means failed: {0}")]
    Fit(String),
    #[error("cancelled")]
    Cancelled,
}
