//! The direct parser reads exactly what the polars path reads, and declines the rest.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use polars::prelude::{Column, DataFrame, DataType, Schema};
use proptest::prelude::*;

use super::*;
use crate::dataset::Dataset;
use crate::io::{LoadOptions, LoadProgress, Source, load};

const HEADER: &str = "timestamp,customer_id,event_id,viewer_id,city_id,country_id,viewer_type,qoe,engagement,buffer_ms";

/// A plan for the Hive header, with one chunk's worth of stacked state as the polars path
/// leaves it: typed columns, numeric dictionaries for ids, a named one for viewer types.
fn hive_plan() -> (DirectPlan, ColumnStack, BTreeMap<String, Dictionary>) {
    let headers: Vec<String> = HEADER.split(',').map(String::from).collect();
    let mapping = ColumnMapping::recognise(&headers);
    let mut schema = Schema::default();
    let mut columns = Vec::new();
    let mut dictionaries = BTreeMap::new();
    for h in &headers {
        let canonical = Canonical::from_name(h).unwrap();
        let (dtype, column) = match canonical.kind() {
            ColumnKind::TimestampMs => (DataType::Int64, Column::new(h.into(), [1_i64])),
            ColumnKind::Key if canonical == Canonical::ViewerType => {
                dictionaries.insert(h.clone(), Dictionary::named());
                (DataType::String, Column::new(h.into(), [0_u32]))
            }
            ColumnKind::Key => {
                dictionaries.insert(h.clone(), Dictionary::numeric());
                (DataType::Int64, Column::new(h.into(), [0_u32]))
            }
            _ => (DataType::Float64, Column::new(h.into(), [0.5_f64])),
        };
        schema.insert(h.into(), dtype);
        columns.push(column);
    }
    let mut stack = ColumnStack::default();
    stack.push(&DataFrame::new(1, columns).unwrap()).unwrap();
    let plan = DirectPlan::new(&headers, b',', &mapping, &schema, &dictionaries, false).unwrap();
    (plan, stack, dictionaries)
}

fn parse(text: &str) -> Option<(ColumnStack, BTreeMap<String, Dictionary>)> {
    let (plan, mut stack, mut dictionaries) = hive_plan();
    let parts = crate::io::csv::line_parts(text.as_bytes());
    let before = dictionaries.clone();
    if plan.parse_into(text.as_bytes(), &parts, &mut stack, &mut dictionaries) {
        Some((stack, dictionaries))
    } else {
        assert_eq!(
            stack.rows(),
            1,
            "a declined chunk leaves the stack as it was"
        );
        assert_eq!(dictionaries, before, "and the dictionaries");
        None
    }
}

const CLEAN: &str = "1709535603257,102,1026,163995,3,1,WFO,0.981295,1.0,0\n\
                     1709535603367,102,1026,163926,2,1,wfh,0.935691,0.25,1254\n";

#[test]
fn clean_lines_land_in_their_columns_with_codes() {
    let (mut stack, dictionaries) = parse(CLEAN).unwrap();
    assert_eq!(stack.rows(), 3);
    assert_eq!(
        stack.i64_values("timestamp").unwrap(),
        &[1, 1_709_535_603_257, 1_709_535_603_367]
    );
    // Raw ids became codes: 163995 first seen → 0, 163926 → 1.
    assert_eq!(stack.u32_values("viewer_id").unwrap()[1..], [0, 1]);
    assert_eq!(dictionaries["viewer_id"].label(1), "163926");
    assert_eq!(stack.u32_values("viewer_type").unwrap()[1..], [0, 1]);
    assert_eq!(dictionaries["viewer_type"].label(1), "WFH");
    let tails = stack.tails_mut(1);
    let Tail::F64(qoe) = &tails[7] else { panic!() };
    assert_eq!(**qoe, [0.981_295, 0.935_691]);
    let Tail::F64(buffer) = &tails[9] else {
        panic!()
    };
    assert_eq!(**buffer, [0.0, 1254.0]);
}

#[test]
fn crlf_exponents_and_long_decimals_are_read() {
    let text = "1709535603257,1,2,3,4,5,WFO,1e-3,0.123456789012345678901,12.5\r\n";
    let (mut stack, _) = parse(text).unwrap();
    let tails = stack.tails_mut(1);
    let Tail::F64(qoe) = &tails[7] else { panic!() };
    assert_eq!(**qoe, [0.001]);
    let Tail::F64(engagement) = &tails[8] else {
        panic!()
    };
    assert_eq!(**engagement, [0.123_456_789_012_345_68]);
}

#[test]
fn anything_the_polars_path_must_judge_is_declined() {
    let good = "1709535603257,1,2,3,4,5,WFO,0.5,1.0,0";
    let cells: Vec<&str> = good.split(',').collect();
    let variants: Vec<(usize, &str)> = vec![
        (0, "2024-03-04T07:00:03Z"),
        (0, "-5"),
        (0, "99999999999999"),
        (0, "1709535603.5"),
        (1, ""),
        (1, "5.0"),
        (1, " 5"),
        (1, "4294967296"),
        (6, ""),
        (6, "  "),
        (6, "\"WFO\""),
        // Unknown viewer types, after a known one (checked once per new label).
        (6, "WFX"),
        (6, "WF"),
        (7, "1.5"),
        (7, "-0.0"),
        (7, "nan"),
        (7, "inf"),
        (7, "+0.5"),
        (7, "."),
        (9, "-1"),
        (9, "1e400"),
    ];
    assert!(parse(&format!("{good}\n")).is_some());
    for (column, cell) in variants {
        let mut line = cells.clone();
        line[column] = cell;
        let text = format!("{good}\n{}\n", line.join(","));
        assert!(
            parse(&text).is_none(),
            "{column} = {cell:?} must be declined"
        );
    }
    for text in [
        format!("{good},7\n"),
        format!("{}\n", cells[..9].join(",")),
        format!("{good}\n\n{good}\n"),
        format!("{good}\n{good}"),
    ] {
        assert!(parse(&text).is_none(), "{text:?} must be declined");
    }
    let mut not_utf8 = format!("{good}\n").into_bytes();
    not_utf8[24] = 0xff; // inside "WFO"
    let (plan, mut stack, mut dictionaries) = hive_plan();
    let parts = crate::io::csv::line_parts(&not_utf8);
    assert!(!plan.parse_into(&not_utf8, &parts, &mut stack, &mut dictionaries));
}

#[test]
fn digits_stop_at_their_limit() {
    let mut pos = 0;
    assert_eq!(digits(b"4294967295,", &mut pos, 10), Some(4_294_967_295));
    assert_eq!(pos, 10);
    assert_eq!(digits(b"12345678901,", &mut 0, 10), None);
    assert_eq!(digits(b",", &mut 0, 10), None);
}

proptest! {
    #[test]
    fn decimals_round_as_the_standard_library(
        int in "[0-9]{0,20}",
        point in proptest::bool::ANY,
        frac in "[0-9]{0,20}",
        exponent in proptest::option::of(-30i32..30),
    ) {
        let mut text = int.clone();
        if point {
            text.push('.');
            text.push_str(&frac);
        }
        if let Some(e) = exponent {
            write!(text, "e{e}").unwrap();
        }
        let mut field = text.clone().into_bytes();
        field.push(b',');
        let ours = decimal(&field, &mut 0, b',');
        let std = text.parse::<f64>().ok().filter(|v| v.is_finite());
        match ours {
            Some(v) => prop_assert_eq!(Some(v.to_bits()), std.map(f64::to_bits), "{}", text),
            None => prop_assert!(std.is_none(), "{} declined but parses", text),
        }
    }
}

/// Telemetry text where some cells may be hostile, for comparing the two paths.
fn telemetry(rows: &[(u32, u8, u8, Option<&'static str>)]) -> String {
    let mut text = format!("{HEADER}\n");
    let types = ["WFO", "WFH", "wfo", "Mobile"];
    for (i, &(viewer, kind, qoe_step, odd)) in rows.iter().enumerate() {
        let mut cells = vec![
            (1_700_000_000_000_u64 + i as u64 * 37).to_string(),
            (viewer % 7).to_string(),
            (viewer % 3 + 100).to_string(),
            viewer.to_string(),
            (viewer % 5).to_string(),
            (viewer % 2).to_string(),
            types[usize::from(kind) % types.len()].to_string(),
            format!("{:.6}", f64::from(qoe_step) / 255.0),
            if kind % 2 == 0 { "1.0" } else { "0.25" }.to_string(),
            (u32::from(qoe_step) * 6).to_string(),
        ];
        if let Some(odd) = odd {
            let column = viewer as usize % cells.len();
            cells[column] = odd.to_string();
        }
        writeln!(text, "{}", cells.join(",")).unwrap();
    }
    text
}

fn load_with(text: &str, polars_only: bool, strict: bool) -> Result<Dataset, String> {
    let options = LoadOptions {
        strict,
        chunk_bytes: 256,
        polars_only,
        ..LoadOptions::default()
    };
    let source = Source::Bytes {
        name: "t.csv".into(),
        bytes: Arc::from(text.as_bytes()),
    };
    load(&[source], &options, &LoadProgress::default()).map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn both_paths_build_the_same_dataset(
        rows in proptest::collection::vec(
            (
                0u32..40,
                0u8..4,
                proptest::num::u8::ANY,
                proptest::option::weighted(
                    0.05,
                    proptest::sample::select(vec!["", "x", "5.0", "-1", "1.5", "\"7\"", " 3", "nan"]),
                ),
            ),
            1..120,
        ),
        strict in proptest::bool::ANY,
    ) {
        let text = telemetry(&rows);
        let reference = load_with(&text, true, strict);
        let direct = load_with(&text, false, strict);
        match (reference, direct) {
            (Ok(a), Ok(b)) => {
                prop_assert!(a.frame.equals(&b.frame), "{}\n{}", a.frame, b.frame);
                prop_assert_eq!(&a.dictionaries, &b.dictionaries);
                prop_assert_eq!(&a.report, &b.report);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a.err(), b.err()),
        }
    }
}

#[test]
fn a_clean_file_after_its_first_chunk_is_read_directly() {
    let rows: Vec<_> = (0..200)
        .map(|i| (i, (i % 3) as u8, (i * 7) as u8, None)) // known viewer types only
        .collect();
    let text = telemetry(&rows);
    let reference = load_with(&text, true, false).unwrap();
    let before = super::super::builder::DIRECT_CHUNKS.get();
    let direct = load_with(&text, false, false).unwrap();
    let chunks = super::super::builder::DIRECT_CHUNKS.get() - before;
    // 200 lines of about 60 bytes in chunks of 256 bytes: 34 chunks, all but the first direct.
    assert_eq!(chunks, 33);
    assert!(reference.frame.equals(&direct.frame));
    assert_eq!(reference.dictionaries, direct.dictionaries);
    assert_eq!(reference.report, direct.report);
}
