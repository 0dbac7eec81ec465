//! The capture parser on hand-made text: values, totals and exact error locations.
// Exact comparisons: byte sums of integers are exact in f64.
#![allow(clippy::float_cmp)]

use super::error::TrafficError;
use super::reader::parse_capture;
use super::synth::{synth_captures, write_csv};
use super::{TrafficLabel, label_from_name};

const HEADER: &str = "Time,IP1,Port1,IP2,Port2,Proto,1->2Bytes,2->1Bytes,1->2Pkts,2->1Pkts,packet_times,packet_sizes,packet_dirs";

fn text(rows: &[&str]) -> String {
    let mut s = String::from(HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

const GOOD: [&str; 3] = [
    "100,A,1,B,2,6,60,1500,1,1,100010;100500;,60;1500;,1;2;",
    "100,A,1,C,3,17,0,0,0,0,,,",
    "102,A,1,B,2,6,0,3000,0,2,102000;102999;,1400;1600;,2;2;",
];

#[test]
fn parses_packets_and_connections() {
    let c = parse_capture("cap-live.csv", text(&GOOD).as_bytes()).unwrap();
    assert_eq!(c.label, Some(TrafficLabel::Live));
    assert_eq!((c.first_secs, c.last_secs), (100, 102));
    assert_eq!(c.connections.len(), 2);
    assert_eq!(c.connections[0].down_bytes, 4500);
    assert_eq!(c.connections[0].up_packets, 1);
    assert_eq!(c.packets.time_ms, [100_010, 100_500, 102_000, 102_999]);
    assert_eq!(c.packets.size_bytes, [60, 1500, 1400, 1600]);
    assert_eq!(c.packets.down, [false, true, true, true]);
    assert_eq!(c.packets.connection, [0, 0, 0, 0]);
    let series = super::CaptureSeries::new(&c);
    assert_eq!(series.second.start_ms, 100_000);
    assert_eq!(series.second.down_bytes, [1500.0, 0.0, 3000.0]);
    assert_eq!(series.second.up_bytes, [60.0, 0.0, 0.0]);
    assert_eq!(
        series.fine.down_bytes[2], 1500.0,
        "100.500 s is in the third 200 ms bin"
    );
    assert_eq!(series.fine.down_bytes[14], 1600.0);
    // CRLF line ends parse the same.
    let crlf = text(&GOOD).replace('\n', "\r\n");
    let mut again = parse_capture("cap-live.csv", crlf.as_bytes()).unwrap();
    again.text_bytes = c.text_bytes;
    assert_eq!(again, c);
}

#[test]
fn labels_come_from_the_file_name() {
    assert_eq!(
        label_from_name("a-Zoom-LIVE-3.csv"),
        Some(TrafficLabel::Live)
    );
    assert_eq!(
        label_from_name("twitch-streaming-8.csv"),
        Some(TrafficLabel::Vod)
    );
    assert_eq!(label_from_name("capture.csv"), None);
}

fn error(rows: &[&str]) -> String {
    parse_capture("f.csv", text(rows).as_bytes())
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_cells_are_located() {
    let cases = [
        (
            "100,A,1,B,2,6,0,1500,0,1,100010;,1500;60;,2;",
            "f.csv, row 2, column `packet_sizes`: expected 1 entries, as packet_times, found `2 entries`",
        ),
        (
            "100,A,1,B,2,6,0,x15,0,1,100010;,1500;,2;",
            "f.csv, row 2, column `2->1Bytes`: expected a whole number ≥ 0, found `x15`",
        ),
        (
            "100,A,1,B,2,6,0,1500,0,1,100010;,1500;,3;",
            "column `packet_dirs`: expected `;`-separated directions 1 (up) or 2 (down), found `3`",
        ),
        (
            "100,A,1,B,2,6,0,1500,0,2,100010;,1500;,2;",
            "column `packet_times`: expected 2 entries, as 1->2Pkts + 2->1Pkts, found `1 entries`",
        ),
        (
            "100,A,1,B,2,6,0,1500,0,1,999999;,1500;,2;",
            "column `packet_times`: expected `;`-separated unix ms within 60 s of Time, found `999999`",
        ),
        (
            "100,A,1,B,2,6,0,1500,0,1,100010;;,1500;,2;",
            "column `packet_times`: expected `;`-separated unix ms within 60 s of Time, found ``",
        ),
        (
            "100,A,1,B,2,6,0,1500",
            "f.csv, row 2: expected 13 fields like the header, found 8",
        ),
    ];
    for (row, want) in cases {
        let got = error(&[row]);
        assert!(got.contains(want), "{row}\n got: {got}\nwant: {want}");
    }
    // The row number counts the header and blank lines, like a spreadsheet.
    let got = error(&[GOOD[0], "", "101,A,1,B,2,6,0,-1,0,0,,,"]);
    assert!(got.starts_with("f.csv, row 4, column `2->1Bytes`"), "{got}");
    let huge = "9".repeat(30);
    assert!(error(&[&format!("100,A,1,B,2,6,0,{huge},0,0,,,")]).contains("row 2"));
}

#[test]
fn header_and_empty_files_are_explained() {
    let e = parse_capture("f.csv", b"").unwrap_err();
    assert!(matches!(e, TrafficError::Empty { .. }));
    let e = parse_capture("f.csv", format!("{HEADER}\n").as_bytes()).unwrap_err();
    assert!(matches!(e, TrafficError::NoRows { .. }), "{e}");
    let e = parse_capture("f.csv", b"Time,IP1\n1,2\n").unwrap_err();
    assert!(e.to_string().contains("column `Port1` not found"), "{e}");
    let long = [GOOD[0], "200000,A,1,B,2,6,0,0,0,0,,,"];
    let e = parse_capture("f.csv", text(&long).as_bytes()).unwrap_err();
    assert!(matches!(e, TrafficError::TooLong { .. }), "{e}");
    // Upload only: nothing to judge (it used to be judged live with probability 1.000).
    let upload = ["100,A,1,B,2,6,60,0,1,0,100010;,60;,1;"];
    let e = parse_capture("f.csv", text(&upload).as_bytes()).unwrap_err();
    assert!(matches!(e, TrafficError::NoDownload { .. }), "{e}");
    assert!(e.to_string().contains("no download packets"), "{e}");
}

#[test]
fn packets_sixty_seconds_from_time_are_the_limit() {
    // Exactly 60 s after `Time` is accepted, 60.001 s is not (the documented bound).
    assert!(
        parse_capture(
            "f.csv",
            text(&["100,A,1,B,2,6,0,1500,0,1,160000;,1500;,2;"]).as_bytes()
        )
        .is_ok()
    );
    let got = error(&["100,A,1,B,2,6,0,1500,0,1,160001;,1500;,2;"]);
    assert!(got.contains("within 60 s of Time, found `160001`"), "{got}");
}

#[test]
fn synthetic_captures_round_trip_through_csv() {
    for capture in synth_captures(11, 2, 40) {
        let mut buf = Vec::new();
        write_csv(&capture, &mut buf).unwrap();
        let parsed = parse_capture(&capture.name, &buf).unwrap();
        assert_eq!(parsed.label, Some(capture.label));
        assert_eq!(parsed.packets.len(), capture.packets.len());
        let mut got: Vec<_> = (0..parsed.packets.len())
            .map(|i| {
                (
                    parsed.packets.time_ms[i],
                    parsed.packets.size_bytes[i],
                    parsed.packets.down[i],
                )
            })
            .collect();
        let mut want: Vec<_> = capture
            .packets
            .iter()
            .map(|p| (p.time_ms, p.size_bytes, p.down))
            .collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
    }
}
