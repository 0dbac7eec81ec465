//! Judging detectors: metrics at a threshold and over all thresholds (`metrics`, `sweep`),
//! what the window shows of a set of scores (`score_display`), the shared pieces of the
//! protocol (`folds`), tuning on training folds only (`tune`) and the k-fold protocol itself
//! (`kfold`, which fits fold models as table models). Reads tables; never draws.

pub mod folds;
pub mod kfold;
pub mod metrics;
pub mod score_display;
pub mod sweep;
pub mod tune;
