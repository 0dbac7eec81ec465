//! The Overview numbers (and `streamlens summary`).

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{scalar_f64, scalar_i64};
use crate::engine::dataset::Dataset;
use crate::engine::error::AnalysisError;
use crate::engine::filter::Filter;
use crate::engine::schema::Canonical;

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

/// Compute the [`Summary`] of the rows `filter` keeps.
pub fn summarize(dataset: &Dataset, filter: &Filter) -> Result<Summary, AnalysisError> {
    let mut aggs = vec![
        len().alias("rows"),
        col("event_id").n_unique().alias("events"),
        col("viewer_id").n_unique().alias("viewers"),
        col("timestamp").min().alias("start_ms"),
        col("timestamp").max().alias("end_ms"),
        col("qoe").mean().alias("mean_qoe"),
        col("qoe").median().alias("median_qoe"),
        col("qoe")
            .lt(lit(BAD_QOE_BELOW))
            .cast(DataType::Float64)
            .mean()
            .alias("bad_qoe_share"),
        col("engagement").mean().alias("mean_engagement"),
    ];
    for (canonical, alias) in [
        (Canonical::CustomerId, "customers"),
        (Canonical::CountryId, "countries"),
        (Canonical::CityId, "cities"),
    ] {
        if dataset.has(canonical) {
            aggs.push(col(canonical.name()).n_unique().alias(alias));
        }
    }
    if dataset.has(Canonical::BufferMs) {
        aggs.push(col("buffer_ms").sum().alias("total_buffer_ms"));
    }
    let df = filter.apply(dataset).select(aggs).collect()?;
    let rows = scalar_i64(&df, "rows").unwrap_or(0) as u64;
    let count = |name: &str| scalar_i64(&df, name).map(|v| v as u64);
    let empty = rows == 0;
    Ok(Summary {
        rows,
        events: if empty {
            0
        } else {
            count("events").unwrap_or(0)
        },
        viewers: if empty {
            0
        } else {
            count("viewers").unwrap_or(0)
        },
        customers: count("customers").map(|v| if empty { 0 } else { v }),
        countries: count("countries").map(|v| if empty { 0 } else { v }),
        cities: count("cities").map(|v| if empty { 0 } else { v }),
        start_ms: scalar_i64(&df, "start_ms"),
        end_ms: scalar_i64(&df, "end_ms"),
        mean_qoe: scalar_f64(&df, "mean_qoe"),
        median_qoe: scalar_f64(&df, "median_qoe"),
        bad_qoe_share: scalar_f64(&df, "bad_qoe_share"),
        mean_engagement: scalar_f64(&df, "mean_engagement"),
        total_buffer_ms: if dataset.has(Canonical::BufferMs) {
            Some(scalar_f64(&df, "total_buffer_ms").unwrap_or(0.0))
        } else {
            None
        },
        dropped_rows: dataset.report.dropped_counts(),
    })
}
