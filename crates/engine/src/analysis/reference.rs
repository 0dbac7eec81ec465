//! Polars reference implementations of the Overview numbers — the same
//! definitions written as ordinary queries — used only by tests to check the
//! one-pass [`overview`](super::overview::overview).

use polars::prelude::*;

use super::events::EventRow;
use super::facets::{Facet, FacetValue};
use super::summary::{BAD_QOE_BELOW, Summary};
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::filter::Filter;
use crate::schema::Canonical;

/// First value of a one-row result column as f64 (None for null/missing).
fn scalar_f64(df: &DataFrame, name: &str) -> Option<f64> {
    let c = df.column(name).ok()?;
    c.cast(&DataType::Float64).ok()?.f64().ok()?.get(0)
}

fn scalar_i64(df: &DataFrame, name: &str) -> Option<i64> {
    let c = df.column(name).ok()?;
    c.cast(&DataType::Int64).ok()?.i64().ok()?.get(0)
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
        aggs.push(
            col("customer_id")
                .sort_by([col("timestamp")], SortMultipleOptions::default())
                .first()
                .alias("customer"),
        );
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

/// Counts for every dimension of the dataset.
pub fn facets(dataset: &Dataset, filter: &Filter) -> Result<Vec<Facet>, AnalysisError> {
    let mut out = Vec::new();
    for dim in &dataset.dimensions {
        let lf = dataset.frame.clone().lazy();
        let lf = match filter.predicate_excluding(dataset, Some(&dim.column)) {
            Some(p) => lf.filter(p),
            None => lf,
        };
        let df = lf
            .group_by([col(dim.column.as_str())])
            .agg([len().cast(DataType::UInt64).alias("rows")])
            .sort(
                ["rows"],
                SortMultipleOptions::default().with_order_descending(true),
            )
            .collect()?;
        let keys = df.column(&dim.column)?.u32()?;
        let rows = df.column("rows")?.u64()?;
        let values = keys
            .iter()
            .zip(rows.iter())
            .filter_map(|(k, n)| {
                Some(FacetValue {
                    label: dataset.label(&dim.column, k?),
                    rows: n?,
                })
            })
            .collect();
        out.push(Facet {
            column: dim.column.clone(),
            title: dim.title.clone(),
            values,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{SMALL, dataset};

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

    fn counts(facets: &[Facet], column: &str) -> Vec<(String, u64)> {
        facets
            .iter()
            .find(|f| f.column == column)
            .unwrap()
            .values
            .iter()
            .map(|v| (v.label.clone(), v.rows))
            .collect()
    }

    #[test]
    fn a_selection_narrows_other_lists_but_not_its_own() {
        let ds = dataset(SMALL);
        let mut f = Filter::default();
        f.toggle("customer_id", "2");
        let facets = facets(&ds, &f).unwrap();
        // Its own list still offers every customer.
        assert_eq!(
            counts(&facets, "customer_id"),
            vec![("1".into(), 4), ("2".into(), 2)]
        );
        // Others only what customer 2 has.
        assert_eq!(counts(&facets, "country_id"), vec![("4".into(), 2)]);
        assert_eq!(counts(&facets, "event_id"), vec![("20".into(), 2)]);
        assert_eq!(counts(&facets, "viewer_type"), vec![("WFO".into(), 2)]);
    }
}
