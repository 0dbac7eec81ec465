//! The detectors: each fits on normal rows only and scores "higher = more anomalous".
//! FISVDD (the paper's incremental SVDD, with its batch kernel sums and the median-heuristic
//! kernel width), ν-OCSVM, Isolation Forest and robust Mahalanobis distance. A detector knows
//! nothing of pipelines, tables or evaluation.

pub mod fisvdd;
#[cfg(test)]
mod fisvdd_tests;
pub mod iforest;
pub mod kernel_batch;
pub mod mahalanobis;
pub mod ocsvm;
pub mod sigma;
