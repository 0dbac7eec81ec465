//! Generated telemetry as a polars [`DataFrame`] with the canonical column names and types, for
//! Parquet output and for loading generated data without a file.
//!
//! Owns only the column mapping; never writes files.

use polars::prelude::*;

use super::TelemetryBatch;

/// Column names in output order; joined with `,` they form [`super::TELEMETRY_CSV_HEADER`].
pub const TELEMETRY_COLUMNS: [&str; 10] = [
    "timestamp",
    "customer_id",
    "event_id",
    "viewer_id",
    "city_id",
    "country_id",
    "viewer_type",
    "qoe",
    "engagement",
    "buffer_ms",
];

/// Converts a batch into a single-chunk `DataFrame`: `timestamp` `Int64` (unix ms UTC), ids
/// `UInt32`, `viewer_type` `String` (`WFH`/`WFO`), `qoe` and `engagement` `Float64` rounded to 3
/// decimals (the values the CSV form shows), `buffer_ms` `Int64`.
pub fn telemetry_frame(batch: TelemetryBatch) -> PolarsResult<DataFrame> {
    let round3 = |v: Vec<f32>| -> Vec<f64> {
        v.into_iter()
            .map(|x| (f64::from(x) * 1000.0).round() / 1000.0)
            .collect()
    };
    let [
        ts,
        customer,
        event,
        viewer,
        city,
        country,
        viewer_type,
        qoe,
        engagement,
        buffer,
    ] = TELEMETRY_COLUMNS;
    let height = batch.len();
    let viewer_types: Vec<&str> = batch
        .viewer_type_wfh
        .iter()
        .map(|&wfh| if wfh { "WFH" } else { "WFO" })
        .collect();
    let buffer_ms: Vec<i64> = batch.buffer_ms.into_iter().map(i64::from).collect();
    DataFrame::new(
        height,
        vec![
            Column::new(ts.into(), batch.timestamp),
            Column::new(customer.into(), batch.customer_id),
            Column::new(event.into(), batch.event_id),
            Column::new(viewer.into(), batch.viewer_id),
            Column::new(city.into(), batch.city_id),
            Column::new(country.into(), batch.country_id),
            Column::new(viewer_type.into(), viewer_types),
            Column::new(qoe.into(), round3(batch.qoe)),
            Column::new(engagement.into(), round3(batch.engagement)),
            Column::new(buffer.into(), buffer_ms),
        ],
    )
}
