//! The in-place paths (selection bitset, value codes, session links) against the copying
//! paths on the sample data, in file order and shuffled, under several filters: every
//! number in `analysis.json` agrees to 1e-9 (relative), integers exactly.

use serde_json::Value;

use crate::Filter;
use crate::analysis::suite::{AnalysisKind, AnalysisParams, run_with};
use crate::dataset::Dataset;
use crate::testutil::dataset;

const SAMPLE: &str = include_str!("../../../../sample_data/telemetry.csv");

fn same(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let scale = x.abs().max(y.abs()).max(1.0);
            assert!((x - y).abs() <= 1e-9 * scale, "{path}: {x} vs {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: lengths");
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                same(u, v, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{path}: keys"
            );
            for (k, u) in x {
                same(u, &y[k], &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

fn filters(ds: &Dataset) -> Vec<Filter> {
    let label = |column: &str, i: usize| {
        let d = ds.dictionary(column).unwrap();
        d.label(d.codes_by_label()[i])
    };
    let mut customer = Filter::default();
    customer.toggle("customer_id", &label("customer_id", 0));
    let mut narrow = Filter::default();
    narrow.toggle("viewer_type", "WFO");
    narrow.toggle("city_id", &label("city_id", 1));
    narrow.toggle("city_id", &label("city_id", 2));
    let mut time = Filter::default();
    let ts = crate::analysis::selection::slice_of::<polars::prelude::Int64Type>(ds, "timestamp")
        .unwrap();
    let (lo, hi) = (*ts.iter().min().unwrap(), *ts.iter().max().unwrap());
    time.time_from_ms = Some(lo + (hi - lo) / 5);
    time.time_to_ms = Some(hi - (hi - lo) / 3);
    time.toggle("viewer_type", "WFH");
    vec![Filter::default(), customer, narrow, time]
}

fn check(ds: &Dataset) {
    let params = AnalysisParams::default();
    for filter in filters(ds) {
        let copied = run_with(ds, &filter, &params, &AnalysisKind::ALL, false).unwrap();
        let in_place = run_with(ds, &filter, &params, &AnalysisKind::ALL, true).unwrap();
        assert_eq!(copied.rows, in_place.rows, "{filter:?}");
        let (a, b) = (copied.to_json().unwrap(), in_place.to_json().unwrap());
        same(&a, &b, &format!("{filter:?}"));
        // Chart-only parts are not in the JSON.
        let boxes = |a: &crate::analysis::suite::Analyses| {
            serde_json::to_value(a.drivers.as_ref().map(|d| (&d.by_country, &d.by_weekday)))
                .unwrap()
        };
        same(&boxes(&copied), &boxes(&in_place), "boxes");
    }
}

#[test]
fn in_place_paths_match_the_copying_paths() {
    check(&dataset(SAMPLE));
}

#[test]
fn in_place_paths_match_on_shuffled_rows() {
    // Rows out of time order within events take the packed-key session order.
    let mut lines: Vec<&str> = SAMPLE.lines().collect();
    let header = lines.remove(0);
    let n = lines.len();
    let mut shuffled = Vec::with_capacity(n);
    let mut state: u64 = 7;
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        order.swap(i, (state >> 33) as usize % (i + 1));
    }
    for i in order {
        shuffled.push(lines[i]);
    }
    check(&dataset(&format!("{header}\n{}\n", shuffled.join("\n"))));
}

#[test]
fn in_place_paths_match_on_export_shaped_rows() {
    // Interleaved events and continuous QoE: value codes from decimals with tens of
    // thousands of distinct values, too many for the per-cell histograms.
    use crate::synth::{Shape, SynthParams, TELEMETRY_CSV_HEADER, generate};
    let params = SynthParams {
        events: Some(6),
        shape: Shape::Export,
        ..SynthParams::default()
    };
    let mut text = format!("{TELEMETRY_CSV_HEADER}\n").into_bytes();
    generate(&params, |b| {
        crate::synth::write_csv_batch_shaped(&mut text, &b, Shape::Export)
    })
    .unwrap();
    let ds = dataset(std::str::from_utf8(&text).unwrap());
    let qoe = crate::analysis::index::codes_of(&ds, "qoe").expect("qoe has value codes");
    assert!(qoe.values.len() > 1 << 14, "{} distinct", qoe.values.len());
    check(&ds);
}
