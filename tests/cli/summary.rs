//! `streamlens summary` on the sample: counts against a hand-parsed copy, filters, text output.

use super::{Row, check_against, read_sample, run, sample, summary_json};

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

/// Progress goes to a terminal only: with stderr a pipe (scripts, CI logs) a long run prints
/// nothing but its notes.
#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = super::run_ok(&[
        "detect-events",
        super::sample().to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains('%') && !err.contains("loading"), "{err}");
}

/// A named pipe (`<(zcat export.csv.gz)`, `mkfifo`) is read once, from its writer's first byte
/// to its last: the same counts as the file itself.
#[cfg(unix)]
#[test]
fn a_named_pipe_is_read_once_to_its_end() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("telemetry.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success(), "mkfifo");
    let child = super::bin()
        .args(["summary", "--json", fifo.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Opening for writing waits for the reader; a reader that opened and closed the pipe
    // before reading would end this write with a broken pipe.
    std::fs::write(&fifo, std::fs::read(sample()).unwrap()).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("is a named pipe"), "{err}");
    let piped: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = summary_json(&[sample().to_str().unwrap()]);
    assert_eq!(piped["rows"], file["rows"]);
    assert_eq!(piped["median_qoe"], file["median_qoe"]);
}
