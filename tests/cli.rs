//! The CLI on `sample_data/` and on a corpus of broken files: exit codes,
//! JSON against values computed here independently, and exact message parts.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_streamlens"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sample() -> PathBuf {
    root().join("sample_data/telemetry.csv")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

/// Run and require success, showing stderr otherwise.
fn run_ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn summary_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["summary", "--json"];
    all.extend_from_slice(args);
    let out = run_ok(&all);
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

/// The sample parsed by hand (no polars), for independent known answers.
struct Row {
    ts: i64,
    customer: String,
    event: String,
    viewer: String,
    city: String,
    country: String,
    viewer_type: String,
    qoe: f64,
    engagement: f64,
    buffer_ms: f64,
}

fn read_sample() -> Vec<Row> {
    let text = std::fs::read_to_string(sample()).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "timestamp",
            "customer_id",
            "event_id",
            "viewer_id",
            "city_id",
            "country_id",
            "viewer_type",
            "qoe",
            "engagement",
            "buffer_ms"
        ]
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Row {
                ts: f[0].parse().unwrap(),
                customer: f[1].into(),
                event: f[2].into(),
                viewer: f[3].into(),
                city: f[4].into(),
                country: f[5].into(),
                viewer_type: f[6].into(),
                qoe: f[7].parse().unwrap(),
                engagement: f[8].parse().unwrap(),
                buffer_ms: f[9].parse().unwrap(),
            }
        })
        .collect()
}

fn check_against(rows: &[&Row], json: &serde_json::Value) {
    let n = rows.len() as f64;
    let distinct =
        |f: &dyn Fn(&Row) -> &str| rows.iter().map(|r| f(r)).collect::<HashSet<_>>().len() as u64;
    assert_eq!(json["rows"], rows.len() as u64);
    assert_eq!(json["events"], distinct(&|r| &r.event));
    assert_eq!(json["viewers"], distinct(&|r| &r.viewer));
    assert_eq!(json["customers"], distinct(&|r| &r.customer));
    assert_eq!(json["countries"], distinct(&|r| &r.country));
    assert_eq!(json["cities"], distinct(&|r| &r.city));
    assert_eq!(json["start_ms"], rows.iter().map(|r| r.ts).min().unwrap());
    assert_eq!(json["end_ms"], rows.iter().map(|r| r.ts).max().unwrap());
    let close = |key: &str, want: f64| {
        let got = json[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{key} missing"));
        assert!(
            (got - want).abs() < 1e-9 * want.abs().max(1.0),
            "{key}: {got} vs {want}"
        );
    };
    close("mean_qoe", rows.iter().map(|r| r.qoe).sum::<f64>() / n);
    close(
        "mean_engagement",
        rows.iter().map(|r| r.engagement).sum::<f64>() / n,
    );
    close(
        "bad_qoe_share",
        rows.iter().filter(|r| r.qoe < 0.8).count() as f64 / n,
    );
    close(
        "total_buffer_ms",
        rows.iter().map(|r| r.buffer_ms).sum::<f64>(),
    );
    let mut q: Vec<f64> = rows.iter().map(|r| r.qoe).collect();
    q.sort_by(f64::total_cmp);
    let median = if q.len() % 2 == 1 {
        q[q.len() / 2]
    } else {
        f64::midpoint(q[q.len() / 2 - 1], q[q.len() / 2])
    };
    close("median_qoe", median);
}

#[test]
fn summary_of_sample_matches_independent_count() {
    let rows = read_sample();
    let all: Vec<&Row> = rows.iter().collect();
    let json = summary_json(&[sample().to_str().unwrap()]);
    check_against(&all, &json);
    assert!(json["dropped_rows"].as_object().unwrap().is_empty());
}

#[test]
fn summary_filters_match_independent_count() {
    let rows = read_sample();
    let customer = rows[0].customer.clone();
    let event = rows.last().unwrap().event.clone();
    let kept: Vec<&Row> = rows
        .iter()
        .filter(|r| r.customer == customer && r.viewer_type == "WFH")
        .collect();
    let json = summary_json(&[
        sample().to_str().unwrap(),
        "--customer",
        &customer,
        "--viewer-type",
        "wfh",
    ]);
    check_against(&kept, &json);
    // Repeated flags are a union.
    let e2 = rows[0].event.clone();
    let kept: Vec<&Row> = rows
        .iter()
        .filter(|r| r.event == event || r.event == e2)
        .collect();
    let json = summary_json(&[
        sample().to_str().unwrap(),
        "--event",
        &event,
        "--event",
        &e2,
    ]);
    check_against(&kept, &json);
}

#[test]
fn unknown_filter_value_names_known_values() {
    let out = run(&["summary", sample().to_str().unwrap(), "--country", "999999"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown country_id `999999`"), "{err}");
    assert!(err.contains("known values include"), "{err}");
}

#[test]
fn text_summary_prints_rows() {
    let out = run(&["summary", sample().to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("rows:"), "{text}");
    assert!(text.contains("median qoe:"), "{text}");
}

#[test]
fn generate_is_deterministic_and_loadable() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    for p in [&a, &b] {
        run_ok(&[
            "generate",
            "--events",
            "3",
            "--seed",
            "7",
            "--out",
            p.to_str().unwrap(),
        ]);
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let json = summary_json(&[a.to_str().unwrap()]);
    assert_eq!(json["events"], 3);
}

fn broken(name: &str) -> String {
    root()
        .join("tests/data/broken")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// (file, message parts in strict mode).
const STRICT_CASES: &[(&str, &[&str])] = &[
    ("empty.csv", &["empty.csv", "the file is empty"]),
    (
        "header_only.csv",
        &["header_only.csv", "header but no data rows"],
    ),
    (
        "missing_required.csv",
        &[
            "missing_required.csv",
            "required column `qoe` not found",
            "Columns found: timestamp, event_id, viewer_id, engagement",
            "quality",
        ],
    ),
    (
        "unparsable_number.csv",
        &[
            "unparsable_number.csv",
            "row 4",
            "column `qoe`",
            "expected a number between 0 and 1",
            "found `abc`",
        ],
    ),
    (
        "unparsable_timestamp.csv",
        &[
            "row 3",
            "column `timestamp`",
            "expected a timestamp",
            "found `yesterday`",
        ],
    ),
    (
        "qoe_out_of_range.csv",
        &["row 3", "column `qoe`", "found `1.5`"],
    ),
    (
        "engagement_out_of_range.csv",
        &["row 3", "column `engagement`", "found `-0.1`"],
    ),
    ("nan_inf.csv", &["row 3", "column `qoe`", "found `NaN`"]),
    (
        "negative_buffer.csv",
        &[
            "row 3",
            "column `buffer_ms`",
            "non-negative",
            "found `-250`",
        ],
    ),
    (
        "duplicate_viewer_timestamp.csv",
        &[
            "row 4",
            "viewer_id, timestamp",
            "one row per viewer and timestamp",
        ],
    ),
    (
        "ragged_row.csv",
        &["row 3", "10 fields like the header", "found `8 fields`"],
    ),
    (
        "bad_id.csv",
        &["row 3", "column `event_id`", "an id", "found `12.5`"],
    ),
    ("missing_value.csv", &["row 2", "column `qoe`", "found ``"]),
    ("garbage.bin", &["garbage.bin", "required column"]),
    (
        "truncated.csv.gz",
        &["truncated.csv.gz", "cannot read the file"],
    ),
    (
        "corrupt.parquet",
        &["corrupt.parquet", "not a readable Parquet file"],
    ),
    (
        "all_rows_bad.csv",
        &["all_rows_bad.csv", "row 2", "column `qoe`", "found `7`"],
    ),
];

#[test]
fn broken_files_get_precise_errors_in_strict_mode() {
    for (file, parts) in STRICT_CASES {
        let out = run(&["summary", "--strict", &broken(file)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file}: should fail");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{file}: clean exit, not a panic: {err}"
        );
        for part in *parts {
            assert!(err.contains(part), "{file}: `{part}` not in: {err}");
        }
    }
}

/// (file, reason key, first row, column) when bad rows are dropped (the default).
const LENIENT_CASES: &[(&str, &str, u64, &str)] = &[
    ("unparsable_number.csv", "unparsable_value", 4, "qoe"),
    (
        "unparsable_timestamp.csv",
        "unparsable_value",
        3,
        "timestamp",
    ),
    ("qoe_out_of_range.csv", "out_of_range", 3, "qoe"),
    (
        "engagement_out_of_range.csv",
        "out_of_range",
        3,
        "engagement",
    ),
    ("nan_inf.csv", "not_finite", 3, "qoe"),
    ("negative_buffer.csv", "negative", 3, "buffer_ms"),
    (
        "duplicate_viewer_timestamp.csv",
        "duplicate_viewer_timestamp",
        4,
        "viewer_id, timestamp",
    ),
    ("ragged_row.csv", "wrong_field_count", 3, "(whole row)"),
    ("bad_id.csv", "bad_id", 3, "event_id"),
    ("missing_value.csv", "missing_value", 2, "qoe"),
];

#[test]
fn bad_rows_are_dropped_and_reported_by_default() {
    for (file, reason, row, column) in LENIENT_CASES {
        let out = run(&["summary", "--json", &broken(file)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{file}: {err}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let dropped = json["dropped_rows"].as_object().unwrap();
        assert!(dropped.contains_key(*reason), "{file}: {dropped:?}");
        let note = format!("row {row}, column `{column}`");
        assert!(err.contains(&note), "{file}: `{note}` not in: {err}");
        assert!(
            json["rows"].as_u64().unwrap() >= 1,
            "{file}: good rows kept"
        );
    }
    // nan_inf has two bad rows with different reasons... both counted.
    let json = summary_json(&[&broken("nan_inf.csv")]);
    assert_eq!(json["rows"], 1);
    assert_eq!(json["dropped_rows"]["not_finite"], 2);
}

#[test]
fn all_rows_bad_is_an_error_even_when_lenient() {
    let out = run(&["summary", &broken("all_rows_bad.csv")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("every data row was rejected"), "{err}");
    assert!(err.contains("2 rows dropped: out of range"), "{err}");
}

#[test]
fn files_with_different_columns_are_named() {
    let good = root().join("tests/data/broken/negative_buffer.csv");
    let out = run(&[
        "summary",
        good.to_str().unwrap(),
        &broken("other_schema.csv"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("other_schema.csv: its columns"), "{err}");
    assert!(err.contains("negative_buffer.csv"), "{err}");
}

#[test]
fn missing_file_is_a_clear_error() {
    let out = run(&["summary", "/nonexistent/x.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/x.csv: cannot read the file"),
        "{err}"
    );
}

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

fn analyze(args: &[&str]) -> (tempfile::TempDir, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap().to_string();
    let input = sample();
    let mut all = vec!["analyze", input.to_str().unwrap(), "--out", &out];
    all.extend_from_slice(args);
    run_ok(&all);
    let doc = serde_json::from_slice(&std::fs::read(dir.path().join("analysis.json")).unwrap())
        .expect("valid analysis.json");
    (dir, doc)
}

#[test]
fn analyze_writes_the_issue_keys_and_event_numbers_match_the_rows() {
    let rows = read_sample();
    let customer = rows[0].customer.clone();
    let (dir, doc) = analyze(&["--customer", &customer, "--charts", "png"]);
    for key in [
        "rows",
        "correlation",
        "viewer_type",
        "events",
        "engagement_vs",
        "level_duration_s",
        "country_differences",
        "city_differences",
        "over_time",
    ] {
        assert!(doc.get(key).is_some(), "analysis.json lacks {key}");
    }
    let kept: Vec<&Row> = rows.iter().filter(|r| r.customer == customer).collect();
    assert_eq!(doc["rows"], kept.len());
    // Per event, independently: distinct viewers, span and mean QoE.
    let events: HashSet<&str> = kept.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(doc["events"].as_object().unwrap().len(), events.len());
    for event in events {
        let of: Vec<&&Row> = kept.iter().filter(|r| r.event == event).collect();
        let viewers: HashSet<&str> = of.iter().map(|r| r.viewer.as_str()).collect();
        let min = of.iter().map(|r| r.ts).min().unwrap();
        let max = of.iter().map(|r| r.ts).max().unwrap();
        let mean_qoe = of.iter().map(|r| r.qoe).sum::<f64>() / of.len() as f64;
        let e = &doc["events"][event];
        assert_eq!(e["viewers"], viewers.len(), "event {event}");
        assert!((e["duration_s"].as_f64().unwrap() - (max - min) as f64 / 1000.0).abs() < 1e-9);
        assert!((e["mean_qoe"].as_f64().unwrap() - mean_qoe).abs() < 1e-9);
        assert_eq!(e["customer_id"], customer.as_str());
    }
    // Correlation matrix: symmetric, unit diagonal.
    let p = doc["correlation"]["pearson"].as_array().unwrap();
    for (i, row) in p.iter().enumerate() {
        assert_eq!(row[i], 1.0);
        for (j, v) in row.as_array().unwrap().iter().enumerate() {
            assert_eq!(*v, p[j][i]);
        }
    }
    let png = std::fs::read(dir.path().join("over_time_qoe.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains(&format!("Customer: {customer}")));
    assert!(dir.path().join("events.csv").exists());
}

#[test]
fn analyze_writes_svg_or_no_charts() {
    let event = read_sample()[0].event.clone();
    let (dir, _) = analyze(&["--charts", "svg", "--event", &event]);
    let svg = std::fs::read_to_string(dir.path().join("correlation_pearson.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("Pearson correlation"));
    let (dir, _) = analyze(&["--charts", "none", "--event", &event]);
    let images = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.ends_with(".png") || name.ends_with(".svg")
        })
        .count();
    assert_eq!(images, 0);
}

#[test]
fn analyze_into_a_file_says_which_path() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let path = file.path().to_str().unwrap();
    let out = run(&[
        "analyze",
        sample().to_str().unwrap(),
        "--out",
        path,
        "--charts",
        "none",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(path), "{err}");
}

// ---- detect: anomaly detectors on a window table -------------------------------------------

/// A synthetic window table: 8 contents (fold key before `_`), 5 videos each, 10 windows per
/// video; videos with an odd index are bad (`QoE_win` −1, features pushed far from the normal cloud).
fn detect_table(dir: &std::path::Path) -> PathBuf {
    use std::fmt::Write as _;
    let mut text = String::from("file,content,t,a,b,QoE_win\n");
    let mut rng = 12345u64;
    let mut noise = move || {
        // xorshift: deterministic noise in [−0.5, 0.5) without a dependency.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % 10_000) as f64 / 10_000.0 - 0.5
    };
    for c in 0..8 {
        for v in 0..5 {
            let bad = v % 2 == 1;
            for t in 0..10 {
                let shift = if bad { 6.0 } else { 0.0 };
                let (a, b) = (noise() + shift, noise() - shift);
                let q = if bad { -1.0 } else { 1.0 };
                let _ = writeln!(text, "src{c}_v{v}.mat,src{c}_adaptor{v},{t},{a},{b},{q}");
            }
        }
    }
    let path = dir.join("windows.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn detect_kfold_writes_scores_and_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let out = dir.path().join("out");
    run_ok(&[
        "detect",
        table.to_str().unwrap(),
        "--features",
        "a,b",
        "--label",
        "QoE_win<=0",
        "--group-col",
        "file",
        "--kfold",
        "4",
        "--fold-col",
        "content",
        "--fold-prefix-sep",
        "_",
        "--model",
        "all",
        "--out",
        out.to_str().unwrap(),
    ]);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["rows"], 400);
    assert_eq!(metrics["kfold"]["k"], 4);
    // 8 sources of 50 rows in 4 folds: two sources per fold.
    for keys in metrics["kfold"]["keys"].as_array().unwrap() {
        assert_eq!(keys.as_array().unwrap().len(), 2);
    }
    for model in ["fisvdd", "ocsvm", "iforest", "mahalanobis", "ensemble"] {
        let m = &metrics["models"][model];
        assert_eq!(m["window"]["rows"], 400, "{model}");
        assert_eq!(m["window"]["bad_rows"], 160, "{model}");
        assert!(
            m["window"]["roc_auc"].as_f64().unwrap() > 0.99,
            "{model}: {m}"
        );
        assert!(
            m["window"]["average_precision"].as_f64().unwrap() > 0.99,
            "{model}"
        );
        assert_eq!(m["group"]["groups"], 40, "{model}");
        assert_eq!(m["group"]["bad_groups"], 16, "{model}");
        assert!(m["group"]["roc_auc"].as_f64().unwrap() > 0.99, "{model}");
        assert_eq!(m["folds"].as_array().unwrap().len(), 4);
        // Trained on normal rows of the other folds only: 3 folds × 2 sources × 30 normal rows.
        assert_eq!(m["folds"][0]["train_rows"], 180, "{model}");
        let recall = m["window"]["recall"].as_f64().unwrap();
        assert!(recall > 0.99, "{model}: far bad rows are all flagged");
        let scores = std::fs::read_to_string(out.join(format!("scores_{model}.csv"))).unwrap();
        let mut lines = scores.lines();
        assert_eq!(lines.next(), Some("row,group,fold,score,flagged"));
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 400);
        assert!(rows[0].starts_with("0,src0_v0.mat,"));
    }
}

#[test]
fn detect_single_model_scores_csv_and_saved_model() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let out = dir.path().join("one");
    run_ok(&[
        "detect",
        table.to_str().unwrap(),
        "--features",
        "a,b",
        "--label",
        "QoE_win<0",
        "--model",
        "fisvdd",
        "--threshold-quantile",
        "0.9",
        "--save-models",
        "--out",
        out.to_str().unwrap(),
    ]);
    let scores = std::fs::read_to_string(out.join("scores.csv")).unwrap();
    assert_eq!(scores.lines().count(), 401);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    let fisvdd = &metrics["models"]["fisvdd"];
    // No folds: fitted on the 240 normal rows, τ = their 0.9 quantile → ≈ 10 % of them flagged.
    assert_eq!(fisvdd["folds"][0]["train_rows"], 240);
    let flagged = fisvdd["window"]["flagged"].as_u64().unwrap();
    assert!((160 + 20..=160 + 30).contains(&flagged), "{flagged}");
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("model_fisvdd.json")).unwrap())
            .unwrap();
    assert_eq!(model["model"]["kind"], "fisvdd");
}

#[test]
fn detect_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let t = table.to_str().unwrap();
    let o = dir.path().join("x");
    let o = o.to_str().unwrap();
    for (args, part) in [
        (vec!["--features", "a,nope"], "column `nope` not found"),
        (vec!["--features", "a", "--label", "QoE_win=0"], "use `==`"),
        (
            vec!["--features", "a", "--label", "QoE_win<=x"],
            "`x` is not a number",
        ),
        (
            vec!["--features", "a", "--kfold", "3"],
            "--kfold and --fold-col go together",
        ),
        (
            vec![
                "--features",
                "a",
                "--kfold",
                "9",
                "--fold-col",
                "content",
                "--fold-prefix-sep",
                "_",
            ],
            "9 folds need at least 9 distinct fold keys",
        ),
        (vec!["--features", "a", "--log1p", "b"], "--log1p names `b`"),
        (
            vec!["--features", "a,a@mean", "--group-col", "file"],
            "need an order column",
        ),
        (
            vec![
                "--features",
                "a@avg",
                "--group-col",
                "file",
                "--order-col",
                "t",
            ],
            "after `@` write mean, sum, max, min or ewmH",
        ),
        (
            vec!["--features", "a", "--optional-features", "b"],
            "--tune",
        ),
        (
            vec!["--features", "file"],
            "row 2, column `file`: expected a finite number",
        ),
    ] {
        let mut all = vec!["detect", t, "--out", o];
        all.extend(args);
        let out = run(&all);
        assert!(!out.status.success(), "{all:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(part), "{all:?}: {err}");
    }
}

#[test]
fn detect_memory_features_and_forward_selection() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let out = dir.path().join("memory");
    run_ok(&[
        "detect",
        table.to_str().unwrap(),
        "--features",
        "a,b,a@mean,b@ewm3",
        "--optional-features",
        "a@mean,b@ewm3",
        "--tune",
        "--order-col",
        "t",
        "--label",
        "QoE_win<=0",
        "--group-col",
        "file",
        "--kfold",
        "4",
        "--fold-col",
        "content",
        "--fold-prefix-sep",
        "_",
        "--model",
        "mahalanobis",
        "--high-is-bad",
        "a,a@mean",
        "--out",
        out.to_str().unwrap(),
    ]);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    let m = &metrics["models"]["mahalanobis"];
    assert!(m["window"]["roc_auc"].as_f64().unwrap() > 0.99, "{m}");
    // Each fold keeps the required features and a subset of the optional ones, in order.
    for fold in m["folds"].as_array().unwrap() {
        let names: Vec<&str> = fold["spec"]["preprocess"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(&names[..2], ["a", "b"], "{names:?}");
        assert!(
            names[2..].iter().all(|n| ["a@mean", "b@ewm3"].contains(n)),
            "{names:?}"
        );
    }
}

#[test]
fn detect_bags_average_the_tuned_pipelines_of_each_seed() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let scores_of = |name: &str, extra: &[&str]| -> (Vec<f64>, serde_json::Value) {
        let out = dir.path().join(name);
        let mut args = vec![
            "detect",
            table.to_str().unwrap(),
            "--features",
            "a,b,a@group_mean,b@group_min",
            "--optional-features",
            "a@group_mean,b@group_min",
            "--tune",
            "--tune-metric",
            "group",
            "--label",
            "QoE_win<=0",
            "--group-col",
            "file",
            "--kfold",
            "4",
            "--fold-col",
            "content",
            "--fold-prefix-sep",
            "_",
            "--model",
            "iforest",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        run_ok(&args);
        let text = std::fs::read_to_string(out.join("scores.csv")).unwrap();
        let scores = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
            .collect();
        let metrics =
            serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap())
                .unwrap();
        (scores, metrics)
    };
    let (bag, metrics) = scores_of("bag", &["--bags", "3", "--seed", "5"]);
    // Member b of the bag is what a single tuned run with seed 5 + b chooses.
    let singles: Vec<Vec<f64>> = (5..8)
        .map(|seed| scores_of(&format!("s{seed}"), &["--seed", &seed.to_string()]).0)
        .collect();
    for (row, &b) in bag.iter().enumerate() {
        let mean = singles.iter().map(|s| s[row]).sum::<f64>() / 3.0;
        assert!((b - mean).abs() < 1e-9, "row {row}: {b} vs {mean}");
    }
    for fold in metrics["models"]["iforest"]["folds"].as_array().unwrap() {
        let seeds: Vec<u64> = fold["bag"]
            .as_array()
            .unwrap()
            .iter()
            .map(|spec| spec["model"]["seed"].as_u64().unwrap())
            .collect();
        assert_eq!(seeds, [5, 6, 7], "{fold}");
    }
    let o = dir.path().join("x");
    let out = run(&[
        "detect",
        table.to_str().unwrap(),
        "--features",
        "a",
        "--tune",
        "--bags",
        "0",
        "--label",
        "QoE_win<=0",
        "--group-col",
        "file",
        "--out",
        o.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--bags must be at least 1"), "{err}");
}

#[test]
fn detect_saves_a_bag_as_a_table_model_the_window_opens() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let out = dir.path().join("bag");
    run_ok(&[
        "detect",
        table.to_str().unwrap(),
        "--features",
        "a,b,a@group_mean",
        "--optional-features",
        "a@group_mean",
        "--tune",
        "--bags",
        "2",
        "--save-models",
        "--label",
        "QoE_win<=0",
        "--group-col",
        "file",
        "--model",
        "iforest",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(out.join("model_iforest.json")).unwrap();
    let model: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(model["format"], "streamlens-table-model/1");
    assert_eq!(
        model["bag"].as_array().unwrap().len(),
        1,
        "2 pipelines in all"
    );
    assert!(model["threshold"].as_f64().unwrap().is_finite());
    let loaded = streamlens_detect::table_model::TableModel::from_json("m", &text)
        .expect("the app opens it");
    assert_eq!(loaded.pipelines().count(), 2);
    assert_eq!(&loaded.features()[..2], ["a", "b"]);
}

// ---- streamlens traffic: live vs VOD on synthetic captures ----

/// Writes `count` synthetic captures of `secs` seconds into a new temporary folder.
fn traffic_captures(count: &str, secs: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run_ok(&[
        "traffic",
        "generate",
        "--out",
        dir.path().to_str().unwrap(),
        "--seed",
        "3",
        "--captures",
        count,
        "--duration-s",
        secs,
    ]);
    dir
}

#[test]
fn traffic_generate_is_deterministic_and_labelled_by_name() {
    let a = traffic_captures("4", "40");
    let b = traffic_captures("4", "40");
    let mut names: Vec<String> = std::fs::read_dir(a.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "synth-live-00.csv",
            "synth-live-02.csv",
            "synth-streaming-01.csv",
            "synth-streaming-03.csv"
        ]
    );
    for n in &names {
        let x = std::fs::read(a.path().join(n)).unwrap();
        assert_eq!(x, std::fs::read(b.path().join(n)).unwrap(), "{n}");
        let text = String::from_utf8(x).unwrap();
        assert!(text.starts_with("Time,IP1,Port1,IP2,Port2,Proto,1->2Bytes,2->1Bytes"));
    }
}

#[test]
fn traffic_evaluate_train_and_classify_synthetic_captures() {
    let captures = traffic_captures("8", "120");
    let dir = captures.path().to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let results = out.path().join("eval");
    let stdout = run_ok(&[
        "traffic",
        "evaluate",
        dir,
        "--out",
        results.to_str().unwrap(),
    ])
    .stdout;
    let text = String::from_utf8_lossy(&stdout);
    assert!(
        text.contains("8 captures, 16 chunks of 60 s (8 live)"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(results.join("metrics.json")).unwrap()).unwrap();
    let forest = &json["classifiers"][0];
    assert_eq!(forest["classifier"], "random_forest");
    assert!(forest["chunk_metrics"]["accuracy"].as_f64().unwrap() >= 0.8);
    assert_eq!(json["classifiers"][1]["classifier"], "logistic_regression");
    let table = std::fs::read_to_string(results.join("captures.csv")).unwrap();
    assert_eq!(table.lines().count(), 1 + 2 * 8);
    assert!(table.starts_with("classifier,file,label,chunks,live_chunks,majority"));
    let features = std::fs::read_to_string(results.join("features.csv")).unwrap();
    assert_eq!(features.lines().count(), 1 + 16);

    let model = out.path().join("model.json");
    run_ok(&["traffic", "train", dir, "--out", model.to_str().unwrap()]);
    let live = captures.path().join("synth-live-00.csv");
    let vod = captures.path().join("synth-streaming-01.csv");
    let stdout = run_ok(&[
        "traffic",
        "classify",
        live.to_str().unwrap(),
        vod.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--json",
    ])
    .stdout;
    let json: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(json[0]["verdict"]["label"], "live");
    assert_eq!(json[1]["verdict"]["label"], "vod");
    assert_eq!(json[0]["chunks"].as_array().unwrap().len(), 2);
    let p = json[0]["chunks"][0]["probability"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    let text = run_ok(&[
        "traffic",
        "classify",
        vod.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--classifier",
        "logistic_regression",
    ])
    .stdout;
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("synth-streaming-01.csv: vod"), "{text}");
}

#[test]
fn traffic_errors_name_the_cell_or_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad-live.csv");
    std::fs::write(
        &bad,
        "Time,IP1,Port1,IP2,Port2,Proto,1->2Bytes,2->1Bytes,1->2Pkts,2->1Pkts,packet_times,packet_sizes,packet_dirs\n\
         100,A,1,B,2,6,0,1500,0,1,100010;,1500;,2;\n\
         101,A,1,B,2,6,0,1500,0,1,101010;,1500;7;,2;\n",
    )
    .unwrap();
    let out = run(&[
        "traffic",
        "evaluate",
        dir.path().to_str().unwrap(),
        "--out",
        "x",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad-live.csv, row 3, column `packet_sizes`: expected 1 entries"),
        "{err}"
    );
    let out = run(&[
        "traffic",
        "train",
        dir.path().to_str().unwrap(),
        "--window-s",
        "20",
        "--out",
        "m.json",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("window of 20 s: the window must be 30–300 s"),
        "{err}"
    );
    let model = dir.path().join("model.json");
    std::fs::write(&model, "{}").unwrap();
    let out = run(&[
        "traffic",
        "classify",
        bad.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a traffic model"), "{err}");
}

// ---- detect-events: anomalous events of telemetry ----------------------------------------

#[test]
fn detect_events_on_the_sample_names_the_labelled_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let labels = sample().with_file_name("labels.csv");
    let stdout = run_ok(&[
        "detect-events",
        sample().to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
    .stdout;
    assert!(String::from_utf8_lossy(&stdout).contains("12 events scored"));
    let events = std::fs::read_to_string(out.join("events.csv")).unwrap();
    let mut lines = events.lines();
    assert_eq!(
        lines.next(),
        Some("event_id,score,flagged,root_cause,scope,start_ms,end_ms")
    );
    assert_eq!(lines.count(), 12);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["labelled_events"], 12);
    assert_eq!(metrics["anomalous_events"], 3);
    // The three labelled events (office, ISP, CDN) rank on top with the labelled scopes.
    assert_eq!(metrics["roc_auc"], 1.0);
    assert_eq!(metrics["scope_hit_rate"], 1.0);
}

#[test]
fn detect_events_rejects_a_broken_labels_file() {
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels.csv");
    std::fs::write(&labels, "event_id,anomalous\n1001,perhaps\n").unwrap();
    let output = run(&[
        "detect-events",
        sample().to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("row 2, column `anomalous`"), "{err}");
    assert!(err.contains("perhaps"), "{err}");
}

#[test]
fn detect_events_saves_a_model_that_scores_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("event-model.json");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run_ok(&[
        "detect-events",
        sample().to_str().unwrap(),
        "--model",
        "fisvdd",
        "--save-model",
        model.to_str().unwrap(),
        "--out",
        a.to_str().unwrap(),
    ]);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(saved["format"], "streamlens-event-model/1");
    assert_eq!(saved["pipelines"].as_array().unwrap().len(), 3);
    run_ok(&[
        "detect-events",
        sample().to_str().unwrap(),
        "--use-model",
        model.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
    ]);
    // Same detectors and thresholds on the same data: the same verdicts.
    assert_eq!(
        std::fs::read_to_string(a.join("events.csv")).unwrap(),
        std::fs::read_to_string(b.join("events.csv")).unwrap()
    );
    // A file that is not a model is named and explained.
    std::fs::write(&model, "{\"format\":\"something else\"}").unwrap();
    let output = run(&[
        "detect-events",
        sample().to_str().unwrap(),
        "--use-model",
        model.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("event-model.json") && err.contains("not a streamlens event model"),
        "{err}"
    );
}

#[test]
fn detect_events_uses_the_picked_window_features() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let model = dir.path().join("model.json");
    run_ok(&[
        "detect-events",
        sample().to_str().unwrap(),
        "--window-features",
        "qoe_p10,bad_share",
        "--save-model",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(
        saved["features"],
        serde_json::json!(["qoe_p10", "bad_share"])
    );
    let output = run(&[
        "detect-events",
        sample().to_str().unwrap(),
        "--window-features",
        "qoe_p10,jitter",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("unknown feature `jitter`; known: qoe_mean, qoe_p10"),
        "{err}"
    );
}

#[test]
fn detect_events_can_fit_on_events_labelled_normal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let labels = sample().with_file_name("labels.csv");
    run_ok(&[
        "detect-events",
        sample().to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
        "--fit-on-normal",
        "--out",
        out.to_str().unwrap(),
    ]);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    // The three labelled events still rank on top.
    assert_eq!(metrics["roc_auc"], 1.0, "{metrics}");
    let output = run(&[
        "detect-events",
        sample().to_str().unwrap(),
        "--fit-on-normal",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--labels"));
}
