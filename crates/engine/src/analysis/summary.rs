//! The Overview's summary numbers (also `streamlens summary`), computed by
//! [`overview`](super::overview::overview).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `QoE` below this is "bad" (the analysts' notebook threshold).
pub const BAD_QOE_BELOW: f64 = 0.8;

/// Facts about the filtered rows. Counts of a column the data lacks are `None`.
///
/// - `viewers`, `events`, `customers`, `countries`, `cities`: distinct ids.
/// - `mean_qoe`, `mean_engagement`: arithmetic means over samples.
/// - `median_qoe`: the 0.5 quantile with linear interpolation (numpy's default).
/// - `bad_qoe_share`: share of samples with qoe < 0.8.
/// - `total_buffer_ms`: sum of `buffer_ms` over samples.
/// - `dropped_rows`: rows rejected at load, by reason (whole dataset, not filtered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub rows: u64,
    pub events: u64,
    pub viewers: u64,
    pub customers: Option<u64>,
    pub countries: Option<u64>,
    pub cities: Option<u64>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub mean_qoe: Option<f64>,
    pub median_qoe: Option<f64>,
    pub bad_qoe_share: Option<f64>,
    pub mean_engagement: Option<f64>,
    pub total_buffer_ms: Option<f64>,
    pub dropped_rows: BTreeMap<String, u64>,
}
