//! The hostile corpus's reader commands and the expected outcome of each committed file.

use super::Outcome::{self, Fails, Loads};

/// One reader's command, `{file}` standing for the case's input.
pub const TELEMETRY: &[&str] = &["summary", "--json", "{file}"];
pub const TELEMETRY_STRICT: &[&str] = &["summary", "--strict", "{file}"];
pub const TABLE: &[&str] = &["detect", "{file}", "--features", "a,b", "--out", "{out}"];
pub const LABELS: &[&str] = &[
    "detect-events",
    "{sample}",
    "--labels",
    "{file}",
    "--out",
    "{out}",
];
pub const EVENT_MODEL: &[&str] = &[
    "detect-events",
    "{sample}",
    "--use-model",
    "{file}",
    "--out",
    "{out}",
];
pub const CAPTURE: &[&str] = &["traffic", "classify", "--model", "{tmodel}", "{file}"];
pub const TRAFFIC_MODEL: &[&str] = &["traffic", "classify", "--model", "{file}", "{capture}"];
pub const PLAYER_EVENTS: &[&str] = &["kpis", "{file}"];
pub const CDN: &[&str] = &["cdn", "{file}"];
pub const TRACE: &[&str] = &[
    "abr",
    "simulate",
    "--trace",
    "{file}",
    "--manifest",
    "{manifest}",
    "--algo",
    "bba",
];
pub const MANIFEST: &[&str] = &[
    "abr",
    "simulate",
    "--trace",
    "{trace}",
    "--manifest",
    "{file}",
];

/// Cases on the committed files: (reader, file under tests/hostile/, outcome).
pub const FILE_CASES: &[(&[&str], &str, Outcome)] = &[
    (
        TELEMETRY,
        "telemetry/bom_only.csv",
        Fails(&["bom_only.csv: the file is empty"]),
    ),
    (
        TELEMETRY,
        "telemetry/blank_lines_only.csv",
        Fails(&["the file is empty"]),
    ),
    (
        TELEMETRY,
        "telemetry/utf16le_with_bom.csv",
        Loads(&["\"rows\": 4,"]),
    ),
    (
        TELEMETRY,
        "telemetry/utf16be_with_bom.csv",
        Loads(&["\"rows\": 4,"]),
    ),
    (
        TELEMETRY,
        "telemetry/utf16_without_bom.csv",
        Fails(&[
            "NUL bytes in its first line",
            "UTF-16 without a byte-order mark",
            "save it as UTF-8",
        ]),
    ),
    (
        TELEMETRY,
        "telemetry/utf8_bom_crlf.csv",
        Loads(&["\"rows\": 4,"]),
    ),
    (
        TELEMETRY,
        "telemetry/mixed_delimiters.csv",
        Loads(&[
            "\"rows\": 3,",
            "1 row dropped: wrong field count",
            "row 5",
            "found `1 fields`",
        ]),
    ),
    (
        TELEMETRY,
        "telemetry/quoted_fields.csv",
        Loads(&["\"rows\": 4,"]),
    ),
    (
        TELEMETRY,
        "telemetry/number_spellings.csv",
        Loads(&[
            "\"rows\": 4,",
            "2 rows dropped: not finite",
            "row 4, column `qoe`, found `inf`",
            "1 row dropped: unparsable value",
            "row 6, column `qoe`, found `0x1`",
        ]),
    ),
    (
        TELEMETRY_STRICT,
        "telemetry/number_spellings.csv",
        Fails(&["row 4", "column `qoe`", "found `inf`"]),
    ),
    // A 23-digit id is not an integer: it is kept as a text id, as `acme-u000230` would be.
    (
        TELEMETRY,
        "telemetry/huge_ids.csv",
        Loads(&["\"rows\": 3,"]),
    ),
    (
        TELEMETRY,
        "telemetry/leap_day_2023.csv",
        Loads(&[
            "\"rows\": 2,",
            "row 4, column `timestamp`, found `2023-02-29T10:00:00Z`",
        ]),
    ),
    (
        TELEMETRY,
        "telemetry/truncated_last_row.csv",
        Loads(&["\"rows\": 4,", "row 6", "found `4 fields`"]),
    ),
    (
        TELEMETRY,
        "telemetry/extra_fields.csv",
        Loads(&["\"rows\": 3,", "row 5", "found `12 fields`"]),
    ),
    (
        TELEMETRY,
        "telemetry/lowercase_viewer_type.csv",
        Loads(&["\"rows\": 4,"]),
    ),
    (
        TELEMETRY,
        "telemetry/far_future.csv",
        Loads(&["\"rows\": 2,", "out of range", "found `99999999999999`"]),
    ),
    // Found by the fuzzers (crates/fuzz): a damaged thrift field in the footer made polars panic.
    (
        TELEMETRY,
        "fuzz/telemetry-parquet--thrift-bool-field.parquet",
        Fails(&[
            "telemetry-parquet--thrift-bool-field.parquet",
            "Parquet structure cannot be decoded",
        ]),
    ),
    // Found by the fuzzers: a tree of the forest lost its right branch (its key was garbled).
    (
        TRAFFIC_MODEL,
        "fuzz/traffic-model--tree-missing-branch.json",
        Fails(&["tree 1 of its random forest is cut short"]),
    ),
    // The content decides, not the name.
    (
        TELEMETRY,
        "telemetry/csv_named_parquet.parquet",
        Loads(&["\"rows\": 4,"]),
    ),
    (
        TELEMETRY,
        "telemetry/gzip_named_csv.csv",
        Loads(&["\"rows\": 4,"]),
    ),
    (
        TELEMETRY,
        "telemetry/gzip_of_garbage.csv.gz",
        Fails(&["gzip_of_garbage.csv.gz", "it is binary, not CSV text"]),
    ),
    (
        TELEMETRY,
        "telemetry/json_lines.csv",
        Fails(&["required column `timestamp` not found"]),
    ),
    (
        TABLE,
        "table/empty.csv",
        Fails(&["empty.csv: the file is empty"]),
    ),
    (
        TABLE,
        "table/header_only.csv",
        Fails(&["a header but no data rows"]),
    ),
    (
        TABLE,
        "table/text_in_feature.csv",
        Fails(&["row 4, column `a`: expected a finite number, found `abc74`"]),
    ),
    (
        TABLE,
        "table/nan_and_inf.csv",
        Fails(&["row 42, column `a`: expected a finite number, found `NaN`"]),
    ),
    (
        TABLE,
        "table/duplicate_header.csv",
        Fails(&["column `b` not found; columns: file, a, a"]),
    ),
    (
        TABLE,
        "table/ragged.csv",
        Fails(&["row 42 has 2 fields, the header has 3"]),
    ),
    (
        TABLE,
        "table/utf16_with_bom.csv",
        Loads(&["fisvdd", "flag rate 0.025"]),
    ),
    (
        TABLE,
        "table/crlf.csv",
        Loads(&["fisvdd", "flag rate 0.025"]),
    ),
    (
        LABELS,
        "labels/no_event_id.csv",
        Fails(&["column `event_id` not found; columns: event, anomalous"]),
    ),
    (
        LABELS,
        "labels/not_a_flag.csv",
        Fails(&["row 2, column `anomalous`: expected 0 or 1, found `maybe`"]),
    ),
    (
        LABELS,
        "labels/repeated_event.csv",
        Fails(&[
            "row 3, column `event_id`",
            "labelled once (this one also at row 2)",
            "found `1001`",
        ]),
    ),
    (
        LABELS,
        "labels/unknown_events.csv",
        Loads(&["12 events scored"]),
    ),
    (
        LABELS,
        "labels/utf16_with_bom.csv",
        Loads(&["12 events scored"]),
    ),
    (
        CAPTURE,
        "capture/header_only.csv",
        Fails(&["header_only.csv: the capture has a header but no data rows"]),
    ),
    (
        CAPTURE,
        "capture/text_in_bytes.csv",
        Fails(&["row 5, column `1->2Bytes`: expected a whole number ≥ 0, found `lots`"]),
    ),
    (
        CAPTURE,
        "capture/no_download.csv",
        Fails(&[
            "no download packets (direction 2)",
            "capture while the video plays",
        ]),
    ),
    (
        CAPTURE,
        "capture/crlf.csv",
        Loads(&["crlf.csv: live", "1/1 chunks live"]),
    ),
    (
        CAPTURE,
        "capture/utf16_with_bom.csv",
        Loads(&["utf16_with_bom.csv: live"]),
    ),
    // Rows out of time order are sorted: the same verdict as the ordered capture.
    (
        CAPTURE,
        "capture/time_goes_back.csv",
        Loads(&["time_goes_back.csv: live", "0.670"]),
    ),
    (
        PLAYER_EVENTS,
        "events/header_only.csv",
        Fails(&["header_only.csv: no rows after the header"]),
    ),
    (
        PLAYER_EVENTS,
        "events/unknown_event_type.csv",
        Loads(&[
            "1 row dropped",
            "row 5, column `event_type`",
            "found `explode`",
            "views: 1",
        ]),
    ),
    (
        PLAYER_EVENTS,
        "events/bad_timestamp.csv",
        Loads(&["1 row dropped", "row 2, column `ts`", "found `soon`"]),
    ),
    (
        PLAYER_EVENTS,
        "events/broken_json_line.jsonl",
        Loads(&["1 row dropped", "broken_json_line.jsonl, row 3", "views: 1"]),
    ),
    (
        PLAYER_EVENTS,
        "events/utf16_with_bom.csv",
        Loads(&["views: 1"]),
    ),
    // Written by scripts/make_parquet_cases.py (pyarrow): a DECIMAL dimension is left out and
    // named (it used to refuse the file); a DECIMAL bitrate, which has a meaning, refuses it.
    (
        PLAYER_EVENTS,
        "events/decimal_dimension.parquet",
        Loads(&[
            "views: 1",
            "left out",
            "decimal_dimension.parquet: price (DECIMAL(10,2))",
        ]),
    ),
    (
        PLAYER_EVENTS,
        "events/decimal_bitrate.parquet",
        Fails(&["column `bitrate_kbps` (DECIMAL(10,2)) cannot be read"]),
    ),
    (
        PLAYER_EVENTS,
        "events/no_session_column.csv",
        Fails(&["no `session_id` column", "the columns are: ts, event_type"]),
    ),
    (
        CDN,
        "cdn/broken_json.jsonl",
        Loads(&[
            "1 record dropped",
            "row 2, column `(record)`: expected a JSON object",
        ]),
    ),
    (
        CDN,
        "cdn/negative_bytes.jsonl",
        Loads(&[
            "1 record dropped",
            "row 2, column `bytes_out`",
            "found `-5`",
        ]),
    ),
    (
        CDN,
        "cdn/truncated.jsonl.gz",
        Fails(&["truncated.jsonl.gz: cannot read: incomplete deflate stream"]),
    ),
    (CDN, "cdn/utf16_with_bom.jsonl", Loads(&["(all)", " 2 "])),
    (
        TRACE,
        "trace/negative_bandwidth.json",
        Fails(&["step 2: expected", "(got 1.0 s, -5.0 kbit/s, 0.1 s)"]),
    ),
    (
        TRACE,
        "trace/empty_array.json",
        Fails(&["no step has both a duration and a bandwidth above zero"]),
    ),
    (
        TRACE,
        "trace/time_goes_back.txt",
        Fails(&["line 3: time 1 s goes back (previous line: 2 s)"]),
    ),
    (
        TRACE,
        "trace/nan_bandwidth.txt",
        Fails(&["line 2: expected `time_s bandwidth_mbps`, column 2 (bandwidth) is \"NaN\""]),
    ),
    (
        TRACE,
        "trace/utf16_with_bom.txt",
        Loads(&["bba on utf16_with_bom", "QoE_lin"]),
    ),
    (
        TRACE,
        "trace/huge_duration.json",
        Fails(&["step 1: expected", "(got 1e297 s,"]),
    ),
    (
        MANIFEST,
        "manifest/zero_segment_duration.json",
        Fails(&["segment duration must be above 0 and at most 600 s (got 0.0)"]),
    ),
    (
        MANIFEST,
        "manifest/no_bitrates.json",
        Fails(&["the bitrate ladder must have 1 to 32 renditions (got 0)"]),
    ),
    (
        MANIFEST,
        "manifest/sizes_do_not_match.json",
        Fails(&["segment 1: 3 sizes for 2 renditions"]),
    ),
    (
        MANIFEST,
        "manifest/descending_ladder.json",
        Fails(&["bitrates must be positive and strictly ascending"]),
    ),
];
