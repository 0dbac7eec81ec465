//! Loader tests: chunking, row numbers, cancellation, progress, extras, mappings, robustness.

use std::fmt::Write as _;

use super::*;
use polars::prelude::{
    Column, DataFrame, DataType, IntoColumn, NamedFrom, ParquetWriter, Series, TimeUnit,
};

use crate::schema::Canonical;

fn text_with(rows: usize, bad_row: Option<(usize, &str)>) -> String {
    let mut t = String::from("timestamp,event_id,viewer_id,qoe,engagement\n");
    for i in 0..rows {
        // Spreadsheet row of data line i is i + 2.
        let qoe = match bad_row {
            Some((r, v)) if r == i + 2 => v.to_string(),
            _ => "0.9".to_string(),
        };
        writeln!(t, "{},1,{i},{qoe},0.5", 1_700_000_000_000_i64 + i as i64).unwrap();
    }
    t
}

fn load_text(text: &str, strict: bool) -> Result<Dataset, LoadError> {
    let options = LoadOptions {
        strict,
        chunk_bytes: 300,
        ..LoadOptions::default()
    };
    let source = Source::Bytes {
        name: "t.csv".into(),
        bytes: Arc::from(text.as_bytes()),
    };
    load(&[source], &options, &LoadProgress::default())
}

#[test]
fn many_small_chunks_keep_every_row() {
    let ds = load_text(&text_with(200, None), false).unwrap();
    assert_eq!(ds.rows(), 200);
    assert_eq!(ds.report.files[0].rows_read, 200);
    assert_eq!(ds.report.files[0].rows_kept, 200);
}

#[test]
fn a_bad_cell_in_a_later_chunk_is_located() {
    let text = text_with(200, Some((150, "oops")));
    match load_text(&text, true) {
        Err(LoadError::BadValue {
            row, column, found, ..
        }) => {
            assert_eq!((row, column.as_str(), found.as_str()), (150, "qoe", "oops"));
        }
        other => panic!("expected a bad value, got {other:?}"),
    }
    let ds = load_text(&text, false).unwrap();
    assert_eq!(ds.rows(), 199);
    let stat = &ds.report.dropped["unparsable_value"];
    assert_eq!((stat.count, stat.first.row), (1, 150));
}

#[test]
fn cancelling_stops_the_load() {
    let progress = LoadProgress::default();
    progress.cancel.store(true, Ordering::Relaxed);
    let source = Source::Bytes {
        name: "t.csv".into(),
        bytes: Arc::from(text_with(10, None).as_bytes()),
    };
    let err = load(&[source], &LoadOptions::default(), &progress).unwrap_err();
    assert!(matches!(err, LoadError::Cancelled));
}

#[test]
fn progress_reaches_the_total() {
    let progress = LoadProgress::default();
    let text = text_with(50, None);
    let source = Source::Bytes {
        name: "t.csv".into(),
        bytes: Arc::from(text.as_bytes()),
    };
    load(&[source], &LoadOptions::default(), &progress).unwrap();
    assert_eq!(
        progress.bytes_total.load(Ordering::Relaxed),
        text.len() as u64
    );
    assert!((progress.fraction() - 1.0).abs() < 1e-6);
    assert_eq!(progress.rows.load(Ordering::Relaxed), 50);
}

#[test]
fn extra_columns_become_numbers_and_filters() {
    let text = "timestamp,event_id,viewer_id,qoe,engagement,bitrate_kbps,isp,note\n\
        1000,1,1,0.9,0.5,3000,telia,a\n2000,1,2,0.8,0.5,2500,comcast,b\n";
    let ds = load_text(text, false).unwrap();
    assert_eq!(ds.extra_numeric, vec!["bitrate_kbps".to_string()]);
    assert!(ds.dimension("isp").is_some());
    assert_eq!(ds.label("isp", 1), "comcast");
    // `note` has as few values too, so it is a filter as well.
    assert!(ds.dimension("note").is_some());
}

#[test]
fn user_mapping_is_used_for_its_header() {
    let text = "a,b,c,d,e\n1000,1,1,0.9,0.5\n";
    let err = load_text(text, false).unwrap_err();
    assert!(matches!(err, LoadError::MissingColumn { .. }));
    let headers: Vec<String> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    let mut mapping = ColumnMapping::default();
    for (c, h) in [
        (Canonical::Timestamp, "a"),
        (Canonical::EventId, "b"),
        (Canonical::ViewerId, "c"),
        (Canonical::Qoe, "d"),
        (Canonical::Engagement, "e"),
    ] {
        mapping.columns.insert(c, h.into());
    }
    let options = LoadOptions {
        mappings: HashMap::from([(header_signature(&headers), mapping)]),
        ..LoadOptions::default()
    };
    let source = Source::Bytes {
        name: "t.csv".into(),
        bytes: Arc::from(text.as_bytes()),
    };
    let ds = load(&[source], &options, &LoadProgress::default()).unwrap();
    assert_eq!(ds.rows(), 1);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Arbitrary bytes never panic the loader: they load or give an error.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let source = Source::Bytes { name: "fuzz.csv".into(), bytes: Arc::from(bytes) };
        let _ = load(&[source], &LoadOptions::default(), &LoadProgress::default());
    }

    /// Telemetry-shaped text with random cells never panics, strict or not.
    #[test]
    fn random_cells_never_panic(
        cells in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just(String::new()),
                "[0-9]{1,14}",
                "-?[0-9]\\.[0-9]{1,3}",
                "(NaN|inf|-inf|WFH|wfo|x|1e400|2024-03-04T10:00:00Z|\"a,b\")",
            ],
            0..60,
        ),
        strict in proptest::bool::ANY,
    ) {
        let mut text = String::from("timestamp,event_id,viewer_id,qoe,engagement,buffer_ms,viewer_type\n");
        for row in cells.chunks(7) {
            text.push_str(&row.join(","));
            text.push('\n');
        }
        let source = Source::Bytes { name: "fuzz.csv".into(), bytes: Arc::from(text.as_bytes()) };
        let options = LoadOptions { strict, chunk_bytes: 64, ..LoadOptions::default() };
        if let Ok(ds) = load(&[source], &options, &LoadProgress::default()) {
            // Whatever loads is analysable.
            let _ = crate::analysis::overview::overview(&ds, &crate::Filter::default());
        }
    }
}

#[test]
fn parquet_datetimes_of_any_unit_become_unix_ms() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    let micros = Series::new(
        "ts".into(),
        [1_709_546_400_000_000_i64, 1_709_546_430_000_000],
    )
    .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
    .unwrap();
    let mut df = DataFrame::new(
        2,
        vec![
            micros.into_column(),
            Column::new("event".into(), [1_i64, 1]),
            Column::new("viewer".into(), [7_i64, 7]),
            Column::new("qoe".into(), [0.9_f64, 0.7]),
            Column::new("engagement".into(), [0.5_f64, 0.5]),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    let ds = load_paths(&[path], &LoadOptions::default()).unwrap();
    let ts = ds.frame.column("timestamp").unwrap().i64().unwrap().clone();
    assert_eq!(ts.get(0), Some(1_709_546_400_000));
    assert_eq!(ts.get(1), Some(1_709_546_430_000));
}

#[test]
fn implausible_timestamps_are_dropped_and_units_follow_the_median() {
    // Unix seconds with one stray millisecond value: the file stays in seconds, and the
    // stray value and 1e300 are in the other unit, dropped rather than read as seconds.
    let text = "timestamp,event_id,viewer_id,qoe,engagement\n\
        1709546400,1,1,0.9,0.5\n1709546430,1,2,0.9,0.5\n1709546460000,1,3,0.9,0.5\n1e300,1,4,0.9,0.5\n";
    let ds = load_text(text, false).unwrap();
    assert_eq!(ds.rows(), 2);
    let ts = ds.frame.column("timestamp").unwrap().i64().unwrap().clone();
    assert_eq!(ts.get(0), Some(1_709_546_400_000));
    assert_eq!(ds.report.dropped["time_unit_mismatch"].count, 2);
    // Milliseconds with rows in seconds (and a zero): those rows are not read as 1970.
    let text = "timestamp,event_id,viewer_id,qoe,engagement\n\
        1709546400000,1,1,0.9,0.5\n1709546430000,1,2,0.9,0.5\n1709546460,1,3,0.9,0.5\n0,1,4,0.9,0.5\n";
    let ds = load_text(text, false).unwrap();
    assert_eq!(ds.rows(), 2);
    assert_eq!(ds.report.dropped["time_unit_mismatch"].count, 2);
}

#[test]
fn a_file_of_only_bad_lines_beside_a_good_one_still_loads() {
    let good = "timestamp,event_id,viewer_id,qoe,engagement\n1709546400000,1,1,0.9,0.5\n1709546430000,1,1\n";
    let bad = "timestamp,event_id,viewer_id,qoe,engagement\n1709546400000,2\n1709546430000,2\n";
    let sources: Vec<Source> = [("a.csv", good), ("b.csv", bad)]
        .into_iter()
        .map(|(name, text)| Source::Bytes {
            name: name.into(),
            bytes: Arc::from(text.as_bytes()),
        })
        .collect();
    let ds = load(&sources, &LoadOptions::default(), &LoadProgress::default()).unwrap();
    assert_eq!(ds.rows(), 1);
    assert_eq!(ds.report.dropped["wrong_field_count"].count, 3);
    assert_eq!(ds.report.files[1].rows_kept, 0);
}

#[test]
fn category_labels_are_selectable_as_written() {
    let text = "timestamp,event_id,viewer_id,qoe,engagement,region\n\
        1709546400000,1,1,0.9,0.5,01\n1709546430000,1,2,0.9,0.5,EU\n";
    let ds = load_text(text, false).unwrap();
    let region = ds.dictionary("region").unwrap();
    assert_eq!(region.label(region.key_of("01").unwrap()), "01");
    let mut f = crate::Filter::default();
    f.toggle("region", "01");
    assert_eq!(f.apply(&ds).collect().unwrap().height(), 1);
}

#[test]
fn previews_tell_feature_tables_from_telemetry_with_other_names() {
    let source = |text: &str| Source::Bytes {
        name: "t.csv".into(),
        bytes: std::sync::Arc::from(text.as_bytes()),
    };
    // Odd names but a column of unix-ms instants: maybe telemetry, the user maps it.
    let odd = preview(&source("when,who,score\n1709546400000,1,0.9\n")).unwrap();
    assert!(odd.could_be_telemetry());
    let dated = preview(&source("day,who\n2024-03-04 10:00,1\n")).unwrap();
    assert!(dated.could_be_telemetry());
    // QoE windows: nothing recognised, no instants.
    let windows = preview(&source(
        "file,t_start,vmaf_mean,QoE_win\na.mat,0,57.1,-0.1\na.mat,1,54.2,0.3\n",
    ))
    .unwrap();
    assert!(!windows.could_be_telemetry());
}

/// Found by fuzzing: a damaged thrift field in the footer made polars' Parquet decoder panic;
/// the load (and the preview) now refuse the file by name.
#[test]
fn damaged_parquet_metadata_is_an_error_not_a_panic() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/hostile/fuzz/telemetry-parquet--thrift-bool-field.parquet");
    let source = Source::Path(path);
    let e = load(
        std::slice::from_ref(&source),
        &LoadOptions::default(),
        &LoadProgress::default(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("thrift-bool-field.parquet")
            && e.contains("Parquet structure cannot be decoded"),
        "{e}"
    );
    assert!(preview(&source).is_err());
}

/// A data page whose header claims a negative number of values made polars reserve
/// exabytes and abort the process (found by fuzzing); the page walk refuses the file first.
#[test]
fn a_page_claiming_negative_values_is_refused_before_decoding() {
    let mut df = DataFrame::new(
        3,
        vec![
            Column::new("timestamp".into(), [1_709_546_400_000_i64, 1, 2]),
            Column::new("qoe".into(), [0.9_f64, 0.7, 0.8]),
        ],
    )
    .unwrap();
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut df).unwrap();
    assert!(parquet::read_all(&mut bytes.as_slice(), "ok.parquet").is_ok());
    // Thrift compact: a data page header (field 5 or 8, a struct) whose first field is
    // `num_values` (i32, zigzag 3 = 6); zigzag 1 is −1.
    let mut patched = 0;
    for i in 0..bytes.len() - 2 {
        if matches!(bytes[i], 0x2c | 0x5c) && bytes[i + 1] == 0x15 && bytes[i + 2] == 6 {
            bytes[i + 2] = 1;
            patched += 1;
        }
    }
    assert!(patched > 0, "no data page header found");
    let e = parquet::read_all(&mut bytes.as_slice(), "negative.parquet")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("negative.parquet") && e.contains("claims a negative number of values"),
        "{e}"
    );
}
