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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testutil::{SMALL, dataset};

    const T0: i64 = 1_700_000_000_000;

    #[test]
    fn known_answers_on_a_small_frame() {
        let ds = dataset(SMALL);
        let s = summarize(&ds, &Filter::default()).unwrap();
        assert_eq!(s.rows, 6);
        assert_eq!((s.events, s.viewers), (2, 3));
        assert_eq!(
            (s.customers, s.countries, s.cities),
            (Some(2), Some(2), Some(3))
        );
        assert_eq!((s.start_ms, s.end_ms), (Some(T0 + 1000), Some(T0 + 61000)));
        // qoe: 1.0 0.5 0.9 0.7 0.8 0.6 → mean 4.5/6 = 0.75; sorted 0.5 0.6 0.7 0.8 0.9 1.0 → median 0.75
        assert!((s.mean_qoe.unwrap() - 0.75).abs() < 1e-12);
        assert!((s.median_qoe.unwrap() - 0.75).abs() < 1e-12);
        // qoe < 0.8: 0.5, 0.7, 0.6 → 3 of 6 (0.8 itself is not bad)
        assert!((s.bad_qoe_share.unwrap() - 0.5).abs() < 1e-12);
        // engagement: 0.9 0.1 0.9 0.5 1.0 0.0 → 3.4 / 6
        assert!((s.mean_engagement.unwrap() - 3.4 / 6.0).abs() < 1e-12);
        assert_eq!(s.total_buffer_ms, Some(3500.0));
    }

    #[test]
    fn filters_narrow_and_empty_results_are_none() {
        let ds = dataset(SMALL);
        let mut f = Filter::default();
        f.toggle("viewer_type", "WFH");
        let s = summarize(&ds, &f).unwrap();
        assert_eq!((s.rows, s.viewers, s.events), (2, 1, 1));
        assert!((s.mean_qoe.unwrap() - 0.8).abs() < 1e-12);
        f.toggle("customer_id", "2");
        let s = summarize(&ds, &f).unwrap();
        assert_eq!(s.rows, 0);
        assert_eq!(s.customers, Some(0));
        assert_eq!(s.mean_qoe, None);
        let time = Filter {
            time_from_ms: Some(T0 + 5000),
            time_to_ms: Some(T0 + 35000),
            ..Filter::default()
        };
        assert_eq!(summarize(&ds, &time).unwrap().rows, 3);
    }
}
