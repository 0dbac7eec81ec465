//! The one-pass Overview against known answers and the polars reference.

use std::fmt::Write as _;

use super::*;
use crate::analysis::reference::{event_table, facets, summarize};
use crate::dataset::Dataset;
use crate::filter::Filter;
use crate::testutil::{SMALL, dataset};

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    }
}

/// The one-pass Overview, with and without the dataset's numberings, and the Overview
/// from the dataset's cells agree with the polars reference queries.
fn agrees_with_reference(ds: &Dataset, filter: &Filter) {
    let indexed = overview_with(ds, filter, Route::Indexed).unwrap();
    let scanned = overview_with(ds, filter, Route::Unindexed).unwrap();
    assert_eq!(indexed, scanned);
    matches_reference(ds, filter, &indexed);
    assert!(
        prepare_filter_changes(ds),
        "small datasets group into cells"
    );
    let by_cells = overview_with(ds, filter, Route::Cells).unwrap();
    matches_reference(ds, filter, &by_cells);
}

fn matches_reference(ds: &Dataset, filter: &Filter, fast: &Overview) {
    let s = summarize(ds, filter).unwrap();
    let f = &fast.summary;
    assert_eq!(
        (
            f.rows,
            f.events,
            f.viewers,
            f.customers,
            f.countries,
            f.cities,
            f.start_ms,
            f.end_ms
        ),
        (
            s.rows,
            s.events,
            s.viewers,
            s.customers,
            s.countries,
            s.cities,
            s.start_ms,
            s.end_ms
        )
    );
    assert!(close(f.mean_qoe, s.mean_qoe), "{f:?} vs {s:?}");
    assert!(close(f.median_qoe, s.median_qoe), "{f:?} vs {s:?}");
    assert!(close(f.bad_qoe_share, s.bad_qoe_share));
    assert!(close(f.mean_engagement, s.mean_engagement));
    assert!(close(f.total_buffer_ms, s.total_buffer_ms));
    let mut reference = facets(ds, filter).unwrap();
    let mut mine = fast.facets.clone();
    for list in reference.iter_mut().chain(mine.iter_mut()) {
        list.values.sort_by(|a, b| a.label.cmp(&b.label));
    }
    assert_eq!(mine, reference);
    let reference = event_table(ds, filter).unwrap();
    assert_eq!(fast.events.len(), reference.len());
    for (a, b) in fast.events.iter().zip(&reference) {
        assert_eq!(
            (&a.event, &a.customer, a.start_ms, a.end_ms),
            (&b.event, &b.customer, b.start_ms, b.end_ms)
        );
        assert_eq!((a.viewers, a.rows), (b.viewers, b.rows));
        assert!((a.mean_qoe - b.mean_qoe).abs() < 1e-9);
        assert!((a.mean_engagement - b.mean_engagement).abs() < 1e-9);
    }
}

#[test]
fn small_frame_known_answers() {
    let ds = dataset(SMALL);
    let o = overview(&ds, &Filter::default()).unwrap();
    assert_eq!(o.summary.rows, 6);
    assert!((o.summary.median_qoe.unwrap() - 0.75).abs() < 1e-12);
    assert_eq!(o.events.len(), 2);
    assert_eq!(o.events[0].viewers, 2);
    let mut f = Filter::default();
    f.toggle("customer_id", "2");
    agrees_with_reference(&ds, &f);
    let o = overview(&ds, &f).unwrap();
    let customers = &o
        .facets
        .iter()
        .find(|f| f.column == "customer_id")
        .unwrap()
        .values;
    assert_eq!(
        customers.len(),
        2,
        "its own list still offers both customers"
    );
    assert_eq!(o.summary.customers, Some(1));
}

#[test]
fn median_inside_a_bin_with_different_values() {
    // 0.50000 and 0.50001 share a histogram bin; the median interpolates between them.
    let text = "timestamp,event_id,viewer_id,qoe,engagement\n\
        1700000000000,1,1,0.5,0\n1700000001000,1,2,0.50001,0\n1700000002000,1,3,0.2,0\n1700000003000,1,4,0.9,0\n";
    let ds = dataset(text);
    let o = overview(&ds, &Filter::default()).unwrap();
    assert!((o.summary.median_qoe.unwrap() - 0.500_005).abs() < 1e-12);
    agrees_with_reference(&ds, &Filter::default());
}

#[test]
fn event_customer_is_the_first_row_at_the_earliest_time_in_range() {
    // Rows 2–4 share the earliest time in range; row 2 (customer 2) comes first, though
    // customer 1's cell has the lower key and a lower last row at that time.
    let text = "timestamp,customer_id,city_id,event_id,viewer_id,qoe,engagement\n\
        1700000010000,2,20,1,5,0.5,0\n1700000010000,1,10,1,6,0.5,0\n\
        1700000100000,2,20,1,7,0.5,0\n1700000100000,1,10,1,8,0.5,0\n\
        1700000100000,2,20,1,9,0.5,0\n";
    let ds = dataset(text);
    let f = Filter {
        time_from_ms: Some(1_700_000_050_000),
        ..Filter::default()
    };
    agrees_with_reference(&ds, &f);
    let o = overview_with(&ds, &f, Route::Cells).unwrap();
    assert_eq!(o.events[0].customer.as_deref(), Some("2"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(30))]
    #[test]
    fn one_pass_matches_polars(
        rows in proptest::collection::vec(
            (0u32..3, 0u32..4, 0u32..5, 0u32..8, proptest::bool::ANY, 0i64..50, 0u32..1000, 0u32..11),
            1..80,
        ),
        customers in proptest::collection::btree_set(0u32..3, 0..2),
        cities in proptest::collection::btree_set(0u32..4, 0..3),
        from in proptest::option::of(0i64..50),
    ) {
        let mut text = String::from("timestamp,customer_id,city_id,event_id,viewer_id,viewer_type,qoe,engagement,buffer_ms\n");
        for (c, city, event, viewer, wfh, t, q, e) in &rows {
            let vt = if *wfh { "WFH" } else { "WFO" };
            let ts = 1_700_000_000_000 + t * 1000 + i64::from(*viewer);
            writeln!(text, "{ts},{c},{city},{event},{viewer},{vt},{},{},{}", f64::from(*q) / 1000.0, f64::from(*e) / 10.0, q % 7).unwrap();
        }
        let ds = dataset(&text);
        let mut f = Filter { time_from_ms: from.map(|t| 1_700_000_000_000 + t * 1000), ..Filter::default() };
        for c in &customers { f.toggle("customer_id", &c.to_string()); }
        for c in &cities { f.toggle("city_id", &c.to_string()); }
        agrees_with_reference(&ds, &f);
    }
}

#[test]
fn a_time_range_inside_one_long_event_is_answered_from_cells() {
    // One event and four combinations of dimension codes over 4,000 s: every range inside
    // the event cuts all four, but time slices cut into the cells leave it two slices.
    let mut text = String::from(
        "timestamp,customer_id,city_id,event_id,viewer_id,viewer_type,qoe,engagement,buffer_ms\n",
    );
    for i in 0..4000_u32 {
        let ts = 1_700_000_000_000 + i64::from(i) * 1000;
        let vt = if i % 3 == 0 { "WFH" } else { "WFO" };
        let (q, e) = (f64::from(i * 37 % 1000) / 1000.0, f64::from(i % 11) / 10.0);
        writeln!(text, "{ts},1,{},7,{},{vt},{q},{e},{}", i % 2, i % 97, i % 5).unwrap();
    }
    let ds = dataset(&text);
    assert!(prepare_filter_changes(&ds));
    let cells = crate::analysis::index::built_overview_cells(&ds).unwrap();
    assert!(cells.len() > 4 * 32, "cut by time: {} cells", cells.len());
    let event_dim = ds
        .dimensions
        .iter()
        .position(|d| d.column == "event_id")
        .unwrap();
    let at = |s: i64| 1_700_000_000_000 + s * 1000;
    for (from, to) in [
        (100, 3900),
        (1000, 1500),
        (0, 3999),
        (2500, 4000),
        (1234, 1234),
    ] {
        let f = Filter {
            time_from_ms: Some(at(from)),
            time_to_ms: Some(at(to)),
            ..Filter::default()
        };
        agrees_with_reference(&ds, &f);
        let allowed: Vec<_> = ds
            .dimensions
            .iter()
            .map(|d| f.allowed_codes(&ds, &d.column))
            .collect();
        let found = from_cells::found_by_cells(&ds, &f, &allowed, event_dim, ds.rows() / 6);
        assert!(found.is_some(), "{from}–{to} s is answered from cells");
    }
}
