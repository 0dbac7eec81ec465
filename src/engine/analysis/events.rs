//! The Overview's events table: one row per event of the filtered data.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::dataset::Dataset;
use crate::engine::error::AnalysisError;
use crate::engine::filter::Filter;
use crate::engine::schema::Canonical;

/// One event. `duration_s` = (last − first sample) / 1000; `viewers` = distinct
/// viewers; means are over the event's samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    pub event: String,
    /// Customer label (of the event's first sample; events belong to one customer).
    pub customer: Option<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub duration_s: f64,
    pub viewers: u64,
    pub rows: u64,
    pub mean_qoe: f64,
    pub mean_engagement: f64,
}

/// Events of the filtered rows, ordered by start time.
pub fn event_table(dataset: &Dataset, filter: &Filter) -> Result<Vec<EventRow>, AnalysisError> {
    let has_customer = dataset.has(Canonical::CustomerId);
    let mut aggs = vec![
        col("timestamp").min().alias("start"),
        col("timestamp").max().alias("end"),
        col("viewer_id")
            .n_unique()
            .cast(DataType::UInt64)
            .alias("viewers"),
        len().cast(DataType::UInt64).alias("rows"),
        col("qoe").mean().alias("mean_qoe"),
        col("engagement").mean().alias("mean_engagement"),
    ];
    if has_customer {
        aggs.push(col("customer_id").first().alias("customer"));
    }
    let df = filter
        .apply(dataset)
        .group_by([col("event_id")])
        .agg(aggs)
        .sort(["start", "event_id"], SortMultipleOptions::default())
        .collect()?;
    let event = df.column("event_id")?.u32()?;
    let start = df.column("start")?.i64()?;
    let end = df.column("end")?.i64()?;
    let viewers = df.column("viewers")?.u64()?;
    let rows = df.column("rows")?.u64()?;
    let qoe = df.column("mean_qoe")?.f64()?;
    let eng = df.column("mean_engagement")?.f64()?;
    let customer = if has_customer {
        Some(df.column("customer")?.u32()?.clone())
    } else {
        None
    };
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let (Some(e), Some(s), Some(en)) = (event.get(i), start.get(i), end.get(i)) else {
            continue;
        };
        out.push(EventRow {
            event: dataset.label("event_id", e),
            customer: customer
                .as_ref()
                .and_then(|c| c.get(i))
                .map(|k| dataset.label("customer_id", k)),
            start_ms: s,
            end_ms: en,
            duration_s: (en - s) as f64 / 1000.0,
            viewers: viewers.get(i).unwrap_or(0),
            rows: rows.get(i).unwrap_or(0),
            mean_qoe: qoe.get(i).unwrap_or(f64::NAN),
            mean_engagement: eng.get(i).unwrap_or(f64::NAN),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testutil::{SMALL, dataset};

    #[test]
    fn events_have_known_spans_and_means() {
        let ds = dataset(SMALL);
        let events = event_table(&ds, &Filter::default()).unwrap();
        assert_eq!(events.len(), 2);
        let e = &events[0];
        assert_eq!(e.event, "10");
        assert_eq!(e.customer.as_deref(), Some("1"));
        assert_eq!(
            (e.start_ms, e.end_ms, e.duration_s),
            (1_700_000_001_000, 1_700_000_061_000, 60.0)
        );
        assert_eq!((e.viewers, e.rows), (2, 4));
        assert!((e.mean_qoe - 0.775).abs() < 1e-12);
        assert!((e.mean_engagement - 0.6).abs() < 1e-12);
        assert_eq!(events[1].event, "20");
        assert!((events[1].duration_s - 30.0).abs() < 1e-12);
    }
}
