//! The Overview's events table: one row per event of the filtered data.

use serde::{Deserialize, Serialize};

/// One event. `duration_s` = (last − first sample) / 1000; `viewers` = distinct
/// viewers; means are over the event's samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    pub event: String,
    /// Customer label of the event's earliest sample (events belong to one customer).
    pub customer: Option<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub duration_s: f64,
    pub viewers: u64,
    pub rows: u64,
    pub mean_qoe: f64,
    pub mean_engagement: f64,
}
