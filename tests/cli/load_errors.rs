//! Broken files: precise errors in strict mode, dropped and reported rows otherwise.

use super::{root, run, sample, summary_json};

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
    (
        "garbage.bin",
        &["garbage.bin", "it is binary, not CSV text"],
    ),
    (
        "truncated.csv.gz",
        &["truncated.csv.gz", "cannot read the file"],
    ),
    (
        "corrupt.parquet",
        &["corrupt.parquet", "not a readable Parquet file"],
    ),
    (
        "unknown_viewer_type.csv",
        &[
            "row 3",
            "column `viewer_type`",
            "a viewer type: WFH or WFO (any case)",
            "found `XYZ`",
        ],
    ),
    (
        "repeated_qoe_header.csv",
        &[
            "repeated_qoe_header.csv",
            "the header names `qoe` in columns 8 and 11: which one is `qoe` cannot be told",
        ],
    ),
    (
        "nul_bytes.csv",
        &[
            "nul_bytes.csv",
            "NUL bytes in its first line: it is binary, not CSV text",
        ],
    ),
    (
        // Used to panic (polars lacks its decimal feature here): refused by column.
        "decimal_qoe.parquet",
        &[
            "decimal_qoe.parquet",
            "column `qoe` (DECIMAL(10,4)) cannot be read",
            "write it as DOUBLE",
        ],
    ),
    (
        "all_rows_bad.csv",
        &["all_rows_bad.csv", "row 2", "column `qoe`", "found `7`"],
    ),
    (
        // Used to read as 1.0 for true.
        "boolean_qoe.parquet",
        &[
            "boolean_qoe.parquet, column `qoe`: it holds true/false values",
            "`qoe` needs a number between 0 and 1",
        ],
    ),
    (
        "float16_qoe.parquet",
        &[
            "float16_qoe.parquet",
            "column `qoe` (FLOAT16) cannot be read",
        ],
    ),
    (
        // Used to be reported as a missing value.
        "huge_viewer_id.parquet",
        &[
            "row 3",
            "column `viewer_id`",
            "found `18446744073709551615`",
        ],
    ),
    (
        // Used to load as 3 March (rolled over).
        "impossible_date.csv",
        &[
            "row 3",
            "column `timestamp`",
            "found `2024-02-31T10:00:00Z`",
        ],
    ),
    (
        "impossible_offset.csv",
        &[
            "row 3",
            "column `timestamp`",
            "found `2024-03-04T10:00:00+25:00`",
        ],
    ),
    (
        // Used to load as a moment of January 1970.
        "seconds_among_ms.csv",
        &[
            "row 4",
            "column `timestamp`",
            "unix milliseconds, as the file's other timestamps (this looks like seconds)",
            "found `1709546520`",
        ],
    ),
    (
        // Used to refuse the whole file without a row.
        "not_utf8_cell.csv",
        &[
            "row 3",
            "column `viewer_type`",
            "UTF-8 text (save the file as UTF-8)",
        ],
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
    ("unknown_viewer_type.csv", "unknown_value", 3, "viewer_type"),
    ("huge_viewer_id.parquet", "bad_id", 3, "viewer_id"),
    ("impossible_date.csv", "unparsable_value", 3, "timestamp"),
    ("impossible_offset.csv", "unparsable_value", 3, "timestamp"),
    ("seconds_among_ms.csv", "time_unit_mismatch", 4, "timestamp"),
    ("not_utf8_cell.csv", "not_utf8", 3, "viewer_type"),
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
    // The operating system's reason is said once, not once per link of the error chain.
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn misplaced_options_and_misspelt_subcommands_are_usage_errors() {
    // Neither opens the window (there is no display here: that would fail differently).
    let sample = sample();
    let sample = sample.to_str().unwrap();
    let out = run(&["--strict", "summary", sample]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`summary` is a subcommand: put options such as --strict after it"),
        "{err}"
    );
    let out = run(&["sumary", sample]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "`sumary`: no such file, and not a subcommand (subcommands: summary, analyze,"
        ),
        "{err}"
    );
}

#[test]
fn repeated_names_of_unused_columns_are_harmless() {
    let good = root().join("tests/data/good/repeated_unused_header.csv");
    let json = summary_json(&["--strict", good.to_str().unwrap()]);
    assert_eq!(json["rows"], 5);
}

#[test]
fn trailing_blank_lines_are_not_rows() {
    let good = root().join("tests/data/good/trailing_blank_lines.csv");
    let json = summary_json(&["--strict", good.to_str().unwrap()]);
    assert_eq!(json["rows"], 5);
}

#[test]
fn huge_header_lines_are_refused_with_a_short_message() {
    let dir = tempfile::tempdir().unwrap();
    // No line end in the first 2 MB: refused after reading 1 MiB, not the whole file.
    let long = dir.path().join("long.csv");
    std::fs::write(&long, format!("{}\n1\n", "x".repeat(2_000_000))).unwrap();
    let out = run(&["summary", long.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the first line is longer than 1 MiB"), "{err}");
    // 10,000 columns: the message quotes the header's start, not all 68,888 characters.
    let wide = dir.path().join("wide.csv");
    let names: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let ones = vec!["1"; 10_000];
    std::fs::write(&wide, format!("{}\n{}\n", names.join(","), ones.join(","))).unwrap();
    let out = run(&["summary", wide.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Columns found: c0, c1, c2"), "{err}");
    assert!(err.contains("… (68888 characters in all)"), "{err}");
    assert!(err.len() < 600, "{} bytes: {err}", err.len());
}

/// Endless or binary inputs to every reader answer at once with the reason (they used to grow
/// memory without end: `summary /dev/zero` at ~150 MB/s, model readers to 9–13 GB).
#[cfg(unix)]
#[test]
fn endless_and_binary_inputs_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let sample = sample();
    let sample = sample.to_str().unwrap();
    for (args, part) in [
        (vec!["summary", "/dev/zero"], "it is binary, not CSV text"),
        (
            vec!["detect", "/dev/zero", "--features", "a", "--out", out],
            "/dev/zero: cannot read the file: has NUL bytes",
        ),
        (
            vec![
                "detect-events",
                sample,
                "--use-model",
                "/dev/zero",
                "--out",
                out,
            ],
            "/dev/zero: cannot read the file: has NUL bytes",
        ),
        (
            vec!["traffic", "classify", "--model", "/dev/zero", "/dev/zero"],
            "/dev/zero: has NUL bytes",
        ),
        (
            vec!["detect-events", sample, "--labels", "/", "--out", out],
            "is a folder, not a file",
        ),
    ] {
        let result = run(&args);
        assert_eq!(result.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&result.stderr);
        assert!(err.contains(part), "{args:?}: {err}");
    }
}

#[test]
fn parquet_columns_streamlens_cannot_read_are_harmless_when_unused() {
    // A DECIMAL and a FLOAT16 column beside good telemetry (they used to refuse the file).
    let good = root().join("tests/data/good/unused_decimal_float16.parquet");
    let json = summary_json(&["--strict", good.to_str().unwrap()]);
    assert_eq!(json["rows"], 4);
}
