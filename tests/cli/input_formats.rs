//! Input formats: aliases, separators, ISO times, gzip, Parquet, several files as one dataset.

use super::{root, run_ok, sample, summary_json};

fn good(name: &str) -> String {
    root()
        .join("tests/data/good")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn aliases_semicolons_seconds_and_names_load() {
    let json = summary_json(&[&good("aliases_semicolon.csv")]);
    assert_eq!(json["rows"], 3);
    assert_eq!(json["events"], 2);
    assert_eq!(json["customers"], 2);
    // Seconds were recognised by magnitude and turned into ms.
    assert_eq!(json["start_ms"], 1_709_546_400_000_i64);
    assert_eq!(json["end_ms"], 1_709_546_430_000_i64);
    // Customers given as names filter by name; viewer type is case-insensitive.
    let json = summary_json(&[&good("aliases_semicolon.csv"), "--customer", "Beta Corp"]);
    assert_eq!(json["rows"], 1);
    let json = summary_json(&[
        &good("aliases_semicolon.csv"),
        "--viewer-type",
        "WFO",
        "--event",
        "7",
    ]);
    assert_eq!(json["rows"], 2);
}

#[test]
fn iso_timestamps_tabs_and_optional_columns() {
    let json = summary_json(&[&good("iso_tab_minimal.tsv")]);
    assert_eq!(json["rows"], 3);
    assert_eq!(json["start_ms"], 1_709_546_400_000_i64);
    assert_eq!(json["end_ms"], 1_709_546_460_000_i64);
    assert!(json["customers"].is_null());
    assert!(json["total_buffer_ms"].is_null());
    let json = summary_json(&[
        &good("iso_tab_minimal.tsv"),
        "--from",
        "2024-03-04T10:00:30Z",
    ]);
    assert_eq!(json["rows"], 2);
}

#[test]
fn gzip_and_parquet_load_like_csv() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("sample.csv.gz");
    let bytes = std::fs::read(sample()).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &bytes).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let plain = summary_json(&[sample().to_str().unwrap()]);
    assert_eq!(summary_json(&[gz.to_str().unwrap()]), plain);
    let pq = dir.path().join("s.parquet");
    run_ok(&[
        "generate",
        "--events",
        "2",
        "--seed",
        "3",
        "--format",
        "parquet",
        "--out",
        pq.to_str().unwrap(),
    ]);
    let csv = dir.path().join("s.csv");
    run_ok(&[
        "generate",
        "--events",
        "2",
        "--seed",
        "3",
        "--out",
        csv.to_str().unwrap(),
    ]);
    let from_pq = summary_json(&[pq.to_str().unwrap()]);
    let from_csv = summary_json(&[csv.to_str().unwrap()]);
    assert_eq!(from_pq["rows"], from_csv["rows"]);
    assert_eq!(from_pq["viewers"], from_csv["viewers"]);
    let (a, b) = (
        from_pq["mean_qoe"].as_f64().unwrap(),
        from_csv["mean_qoe"].as_f64().unwrap(),
    );
    assert!((a - b).abs() < 1e-6, "{a} vs {b}");
}

#[test]
fn several_files_make_one_dataset() {
    let s = sample();
    let one = summary_json(&[s.to_str().unwrap()]);
    // The same file twice: every row is a duplicate (viewer, timestamp) of the first copy.
    let two = summary_json(&[s.to_str().unwrap(), s.to_str().unwrap()]);
    assert_eq!(two["rows"], one["rows"]);
    assert_eq!(
        two["dropped_rows"]["duplicate_viewer_timestamp"],
        one["rows"]
    );
}
