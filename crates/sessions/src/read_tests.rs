//! Reading player events: known rows, aliases, formats, located problems.

use std::fmt::Write as _;
use std::io::Write as _;

use crate::{EventKind, ReadError, read_player_events};

const CSV: &str = "\
timestamp,session,viewer_id,event_id,event_type,bitrate_kbps,country,device
1700000000000,s1,v1,e1,request,,SE,tv
1700000001500,s1,v1,e1,start,3000,SE,tv
1700000009000,s1,v1,e1,end,,SE,tv
1700000000500,s2,v2,e1,REQUEST,,NO,
";

#[test]
fn csv_rows_become_coded_events_and_dimensions() {
    let log = read_player_events("p.csv", CSV.as_bytes(), false).unwrap();
    assert_eq!(log.events.len(), 4);
    let e = log.events[1];
    assert_eq!(
        (e.ts_ms, e.kind, e.bitrate_kbps),
        (1_700_000_001_500, EventKind::Start, Some(3000.0))
    );
    assert_eq!((e.session, e.viewer), (0, crate::NOT_KEPT));
    assert_eq!((log.events[0].viewer, log.events[3].viewer), (0, 1));
    assert_eq!(log.events[3].kind, EventKind::Request);
    assert_eq!(log.sessions.labels, ["s1", "s2"]);
    assert_eq!(log.webcast_of, [0, 0, 0, 0]);
    let names: Vec<&str> = log.dimensions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["country", "device"]);
    assert_eq!(log.dimensions[1].labels.labels, ["tv", "(missing)"]);
    // Values are kept from request rows only (rows 1 and 4).
    let not = crate::NOT_KEPT;
    assert_eq!(log.dimensions[1].codes, [0, not, not, 1]);
    assert_eq!((log.report.rows_read, log.report.rows_kept), (4, 4));
}

#[test]
fn bad_rows_are_dropped_and_located_or_fail_when_strict() {
    let text = format!(
        "{CSV}1700000002000,s2,v2,e1,buffering,,NO,pc\n\
         yesterday,s2,v2,e1,start,,NO,pc\n\
         1700000003000,,v2,e1,start,,NO,pc\n\
         1700000004000,s2,v2,e1,bitrate,-5,NO,pc\n\
         1700000005000,s2,v2\n"
    );
    let log = read_player_events("p.csv", text.as_bytes(), false).unwrap();
    assert_eq!((log.report.rows_read, log.report.rows_kept), (9, 4));
    let reasons: Vec<(&str, u64)> = log
        .report
        .dropped
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        reasons,
        [
            ("bad_bitrate", 1),
            ("bad_timestamp", 1),
            ("malformed_row", 1),
            ("missing_id", 1),
            ("unknown_event_type", 1)
        ]
    );
    let first = log.report.first_drop.unwrap();
    assert_eq!(
        (first.row, first.column.as_str(), first.found.as_str()),
        (6, "event_type", "buffering")
    );
    let strict = read_player_events("p.csv", text.as_bytes(), true).unwrap_err();
    assert_eq!(
        strict.to_string(),
        "p.csv, row 6, column `event_type`: expected one of request, start, bitrate, \
         stall_start, stall_end, pause, resume, heartbeat, error, end, found `buffering`"
    );
}

#[test]
fn a_missing_column_names_what_was_found() {
    let err = read_player_events(
        "p.csv",
        "ts,session_id,viewer_id\n1,2,3\n".as_bytes(),
        false,
    )
    .unwrap_err();
    assert!(matches!(err, ReadError::MissingColumn { ref column, .. } if column == "event_id"));
    assert!(
        err.to_string()
            .contains("the columns are: ts, session_id, viewer_id"),
        "{err}"
    );
    let empty = read_player_events("p.csv", "".as_bytes(), false).unwrap_err();
    assert_eq!(
        empty,
        ReadError::Empty {
            file: "p.csv".into()
        }
    );
}

#[test]
fn json_lines_and_gzip_read_the_same_events() {
    let jsonl = "\
{\"ts\": 1700000000, \"session_id\": \"s1\", \"viewer_id\": 7, \"event_id\": \"e1\", \"event_type\": \"request\", \"cdn\": \"A\"}
{\"ts\": 1700000002, \"session_id\": \"s1\", \"viewer_id\": 7, \"event_id\": \"e1\", \"event_type\": \"start\", \"bitrate_kbps\": 2500}
not json
";
    let log = read_player_events("p.jsonl", jsonl.as_bytes(), false).unwrap();
    // Unix seconds (by magnitude) become ms.
    assert_eq!(
        log.events.iter().map(|e| e.ts_ms).collect::<Vec<_>>(),
        [1_700_000_000_000, 1_700_000_002_000]
    );
    assert_eq!(log.viewers.labels, ["7"]);
    assert_eq!(log.events[1].bitrate_kbps, Some(2500.0));
    // The start row has no cdn, but only the request row's value is kept.
    assert_eq!(log.dimensions[0].labels.labels, ["A"]);
    assert_eq!(log.report.first_drop.as_ref().map(|d| d.row), Some(3));

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(CSV.as_bytes()).unwrap();
    let zipped = gz.finish().unwrap();
    let from_gzip = read_player_events("p.csv.gz", zipped.as_slice(), false).unwrap();
    let plain = read_player_events("p.csv", CSV.as_bytes(), false).unwrap();
    assert_eq!(from_gzip.events, plain.events);
    let cut = read_player_events("p.csv.gz", &zipped[..zipped.len() / 2], false);
    assert!(matches!(cut, Err(ReadError::Unreadable { .. })));
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        let _ = read_player_events("x", bytes.as_slice(), false);
        let mut with_header = b"ts,session_id,viewer_id,event_id,event_type\n".to_vec();
        with_header.extend_from_slice(&bytes);
        let _ = read_player_events("x", with_header.as_slice(), true);
    }
}

proptest::proptest! {
    #[test]
    fn breakdown_views_sum_to_the_total(
        rows in proptest::collection::vec((0u32..8, 0i64..600, 0usize..10, 0u8..3, 0u8..2), 1..80),
    ) {
        let kinds = crate::EventKind::ALL;
        let mut text = String::from("ts,session_id,viewer_id,event_id,event_type,country\n");
        for &(session, t, kind, country, event) in &rows {
            let country = ["SE", "NO", ""][usize::from(country)];
            writeln!(
                text,
                "{},{session},v{},e{event},{},{country}",
                1_700_000_000_000_i64 + t * 1000,
                session % 3,
                kinds[kind].name()
            )
            .unwrap();
        }
        let Ok(log) = read_player_events("p.csv", text.as_bytes(), true) else {
            return Ok(());
        };
        let report = crate::report(&log, &crate::ViewFilter::default(), &["country".into()]).unwrap();
        let by_country: u64 = report.by["country"].values().map(|k| k.views).sum();
        proptest::prop_assert_eq!(by_country, report.overall.views);
        let by_event: u64 = ["e0", "e1"]
            .iter()
            .filter(|e| log.webcasts.labels.iter().any(|l| l == *e))
            .map(|e| {
                let filter = crate::ViewFilter { event: Some((*e).to_string()), ..Default::default() };
                crate::report(&log, &filter, &[]).unwrap().overall.views
            })
            .sum();
        proptest::prop_assert_eq!(by_event, report.overall.views);
    }
}

#[test]
fn parquet_reads_the_same_events() {
    use polars::prelude::*;
    let plain = read_player_events("p.csv", CSV.as_bytes(), false).unwrap();
    let mut frame = df!(
        "timestamp" => [1_700_000_000_000_i64, 1_700_000_001_500, 1_700_000_009_000, 1_700_000_000_500],
        "session" => ["s1", "s1", "s1", "s2"],
        "viewer_id" => ["v1", "v1", "v1", "v2"],
        "event_id" => ["e1", "e1", "e1", "e1"],
        "event_type" => ["request", "start", "end", "REQUEST"],
        "bitrate_kbps" => [None, Some(3000.0), None, None],
        "country" => ["SE", "SE", "SE", "NO"],
        "device" => [Some("tv"), Some("tv"), Some("tv"), None]
    )
    .unwrap();
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut frame).unwrap();
    let log = read_player_events("p.parquet", bytes.as_slice(), false).unwrap();
    assert_eq!(log.events, plain.events);
    assert_eq!(log.dimensions, plain.dimensions);
}

#[test]
fn quoted_cells_read_as_their_unquoted_text() {
    // Lines with quotes take the unquoting path, the others are borrowed as they are.
    let quoted = "\
timestamp,session,viewer_id,event_id,event_type,bitrate_kbps,country,device
\"1700000000000\",s1,v1,e1,request,,SE,\"tv\"
1700000001500,s1,v1,e1,start,3000,SE,tv
1700000009000,\"s1\",v1,e1,end,,\"SE\",tv
1700000000500,s2,v2,e1,REQUEST,,NO,\"\"
";
    let plain = read_player_events("p.csv", CSV.as_bytes(), false).unwrap();
    let read = read_player_events("q.csv", quoted.as_bytes(), false).unwrap();
    assert_eq!(read.events, plain.events);
    assert_eq!(read.dimensions, plain.dimensions);
    let city = "timestamp,session,viewer_id,event_id,event_type,city\n\
                1,s,v,e,request,\"Washington, D.C.\"\n";
    let log = read_player_events("c.csv", city.as_bytes(), true).unwrap();
    assert_eq!(log.dimensions[0].labels.labels, ["Washington, D.C."]);
}

#[test]
fn a_csv_coded_in_parts_equals_one_pass_and_locates_rows_in_the_whole_file() {
    let params = crate::SessionSynthParams {
        viewers: 400,
        webcasts: 1,
        minutes: 30,
        ..crate::SessionSynthParams::default()
    };
    let mut bytes = Vec::new();
    crate::generate_sessions(&params, &mut bytes, None).unwrap();
    let mut text = String::from_utf8(bytes).unwrap();
    while text.len() < 3 * crate::read_csv::PARALLEL_BYTES {
        let body = text
            .split_once('\n')
            .map_or("", |(_, body)| body)
            .to_string();
        text.push_str(&body);
    }
    // Two bad rows, one in each half, and a non-ASCII value near the middle.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let (early, late) = (10, lines.len() * 3 / 4);
    lines[early] = "nonsense,a,b,c,d,request,,,,,,,,,,".to_string();
    lines[late] =
        "1794495600000,s,v,e,acme,explode,,,SE,Stockholm,tv,tvOS,app,native,Akamai,Telia".into();
    let middle = lines.len() / 2;
    lines[middle] = lines[middle]
        .replace("Stockholm", "Göteborg")
        .replace("Berlin", "Göteborg");
    let text = lines.join("\n") + "\n";
    // Blocks of 5 MB in three pieces each (the last, smaller block in one), whatever the
    // machine's core count, against one piece of one block.
    let in_parts = |text: &str, strict| {
        crate::read_csv::read_csv_in("big.csv", text.as_bytes(), strict, 3, 5 << 20)
    };
    let parted = in_parts(&text, false).unwrap();
    let whole =
        crate::read_csv::read_csv_in("big.csv", text.as_bytes(), false, 1, 64 << 20).unwrap();
    assert_eq!(parted.events, whole.events);
    assert_eq!(parted.sessions, whole.sessions);
    assert_eq!(parted.dimensions, whole.dimensions);
    assert_eq!(parted.webcast_of, whole.webcast_of);
    assert_eq!(parted.report, whole.report);
    assert_eq!(
        parted.report.first_drop.as_ref().unwrap().row,
        early as u64 + 1
    );
    assert_eq!(parted.report.dropped.values().sum::<u64>(), 2);
    // Strict: the first bad row of the later part, numbered in the whole file.
    lines[early] = lines[early + 1].clone();
    let text = lines.join("\n") + "\n";
    match in_parts(&text, true) {
        Err(ReadError::BadRow(at)) => assert_eq!(at.row, late as u64 + 1),
        other => panic!("expected the bad row, got {other:?}"),
    }
}

#[test]
fn facet_counts_ignore_their_own_dimension_choice_only() {
    // Four views: (SE, tv), (SE, web), (NO, tv), (NO, tv) — one request each.
    let text = "\
ts,session_id,viewer_id,event_id,event_type,country,device
1000,a,v1,e1,request,SE,tv
1000,b,v2,e1,request,SE,web
1000,c,v3,e1,request,NO,tv
1000,d,v4,e1,request,NO,tv
";
    let log = read_player_events("f.csv", text.as_bytes(), false).unwrap();
    let sessions = crate::Sessions::new(log);
    // Labels in first-seen order: country [SE, NO], device [tv, web].
    let all = sessions
        .value_counts(&crate::ViewFilter::default())
        .unwrap();
    assert_eq!(all, [vec![2, 2], vec![3, 1]]);
    // Choosing device = tv: countries count tv views only (SE 1, NO 2); devices still
    // count every view, as if device were not chosen.
    let mut filter = crate::ViewFilter::default();
    filter
        .values
        .insert("device".into(), ["tv".to_string()].into());
    let tv = sessions.value_counts(&filter).unwrap();
    assert_eq!(tv, [vec![1, 2], vec![3, 1]]);
    // And country = NO as well: devices among NO views (tv 2, web 0), countries among tv.
    filter
        .values
        .insert("country".into(), ["NO".to_string()].into());
    assert_eq!(
        sessions.value_counts(&filter).unwrap(),
        [vec![1, 2], vec![2, 0]]
    );
    filter
        .values
        .insert("nope".into(), ["x".to_string()].into());
    let err = sessions.value_counts(&filter).unwrap_err();
    assert!(err.contains("no dimension `nope`"), "{err}");
}

#[test]
fn a_line_longer_than_a_block_and_a_file_without_a_last_line_end() {
    let long_city = "x".repeat(3_000);
    let text = format!(
        "ts,session_id,viewer_id,event_id,event_type,city\n\
         1000,a,v,e,request,{long_city}\n2000,a,v,e,end,{long_city}\n3000,b,v,e,request,Oslo"
    );
    let log = crate::read_csv::read_csv_in("long.csv", text.as_bytes(), true, 2, 1 << 10).unwrap();
    assert_eq!(log.events.len(), 3);
    assert_eq!(
        log.dimensions[0].labels.labels,
        [long_city.as_str(), "Oslo"]
    );
    assert_eq!(log.dimensions[0].codes, [0, crate::NOT_KEPT, 1]);
}

#[test]
fn a_file_read_from_disk_equals_its_bytes_read_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(CSV.as_bytes()).unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let from_disk = crate::read_player_file(&path, false).unwrap();
    let in_memory = read_player_events("p.csv", CSV.as_bytes(), false).unwrap();
    assert_eq!(from_disk.events, in_memory.events);
    assert_eq!(from_disk.dimensions, in_memory.dimensions);
    match crate::read_player_file(&dir.path().join("absent.csv"), false) {
        Err(ReadError::Unreadable { file, .. }) => assert!(file.ends_with("absent.csv")),
        other => panic!("expected unreadable, got {other:?}"),
    }
}
