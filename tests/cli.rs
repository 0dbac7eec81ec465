//! The CLI on `sample_data/` and on a corpus of broken files: exit codes,
//! JSON against values computed here independently, and exact message parts.
//! One file per subcommand under `tests/cli/`; the helpers they share are here.

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

#[path = "cli/summary.rs"]
mod summary;

#[path = "cli/collect.rs"]
mod collect;

#[path = "cli/collect_scoring.rs"]
mod collect_scoring;

#[path = "cli/beacons.rs"]
mod beacons;

#[path = "cli/generate.rs"]
mod generate;

#[path = "cli/load_errors.rs"]
mod load_errors;

#[path = "cli/hostile.rs"]
mod hostile;

#[path = "cli/input_formats.rs"]
mod input_formats;

#[path = "cli/analyze.rs"]
mod analyze;

#[path = "cli/detect.rs"]
mod detect;

#[path = "cli/traffic.rs"]
mod traffic;

#[path = "cli/detect_events.rs"]
mod detect_events;
#[path = "cli/detect_events_deep.rs"]
mod detect_events_deep;

#[path = "cli/kpis.rs"]
mod kpis;

#[path = "cli/segments.rs"]
mod segments;

#[path = "cli/abr.rs"]
mod abr;

#[path = "cli/abr_learned.rs"]
mod abr_learned;
