//! `streamlens beacons replay` against a real collector: one pass over the sample gives
//! the sample's KPIs back (only the times move), and a bounded replay reports what the
//! collector acknowledged.

use super::collect::{request, start};
use super::{run, run_ok};

const SAMPLE: &str = "sample_data/sessions.csv.gz";

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(bytes)))
}

/// Waits until the collector has rolled every acknowledged event into Parquet.
fn wait_rolled(addr: std::net::SocketAddr, events: u64) {
    let started = std::time::Instant::now();
    loop {
        let (_, body) = request(addr, "GET", "/v1/status", "", b"").unwrap();
        let status: serde_json::Value = serde_json::from_str(&body).unwrap();
        if status["backlog_bytes"] == 0 && status["accepted_events"] == events {
            return;
        }
        assert!(started.elapsed().as_secs() < 60, "not rolled: {status}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn one_pass_over_the_sample_gives_its_kpis_back() {
    let dir = tempfile::tempdir().unwrap();
    let collector = start(dir.path(), &[]);
    let url = format!("http://{}", collector.addr);
    let local = json(&run_ok(&["kpis", SAMPLE, "--json", "--by", "country,device"]).stdout);
    let events = 95_581u64;
    let out = run_ok(&[
        "beacons",
        "replay",
        SAMPLE,
        "--to",
        &url,
        "--rate",
        "200000",
        "--duration",
        "60",
        "--events",
        &events.to_string(),
        "--batch",
        "1000",
        "--json",
    ]);
    let report = json(&out.stdout);
    assert_eq!(report["sent_events"], events, "{report}");
    assert_eq!(report["acked_events"], events, "{report}");
    assert_eq!(report["batches_failed"], 0);
    wait_rolled(collector.addr, events);
    let collected = json(
        &run_ok(&[
            "kpis",
            dir.path().to_str().unwrap(),
            "--json",
            "--by",
            "country,device",
        ])
        .stdout,
    );
    assert_same_kpis(&local, &collected);
}

#[test]
fn a_replay_is_bounded_and_says_what_went_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let collector = start(dir.path(), &["--token", "s3cret"]);
    let url = format!("http://{}", collector.addr);
    // Without the token every batch is refused: the report says so and the exit is an error.
    let out = run(&[
        "beacons",
        "replay",
        SAMPLE,
        "--to",
        &url,
        "--rate",
        "2000",
        "--duration",
        "0.5",
    ]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("acknowledged nothing") && text.contains("401"),
        "{text}"
    );
    let out = run_ok(&[
        "beacons",
        "replay",
        SAMPLE,
        "--to",
        &url,
        "--rate",
        "2000",
        "--duration",
        "0.5",
        "--token",
        "s3cret",
        "--json",
    ]);
    let report = json(&out.stdout);
    assert_eq!(report["sent_events"], 1000, "{report}");
    assert_eq!(report["acked_events"], 1000, "{report}");
    let out = run(&[
        "beacons",
        "replay",
        SAMPLE,
        "--to",
        "127.0.0.1:1",
        "--rate",
        "1",
        "--duration",
        "1",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("http://"));
}

/// Every KPI of `local` in `collected` to 1e-9 and the same breakdown values, times
/// aside: a replay moves them.
fn assert_same_kpis(local: &serde_json::Value, collected: &serde_json::Value) {
    for (key, want) in local.as_object().unwrap() {
        if key == "peak_minute_ms" || key == "first_ms" || key == "last_ms" {
            continue;
        }
        let got = &collected[key];
        match (want.as_f64(), got.as_f64()) {
            (Some(w), Some(g)) => assert!(
                (w - g).abs() <= 1e-9 * w.abs().max(1.0),
                "{key}: {w} vs {g}"
            ),
            _ if key == "by" => {
                assert_eq!(
                    want.as_object().unwrap().keys().collect::<Vec<_>>(),
                    got.as_object().unwrap().keys().collect::<Vec<_>>()
                );
            }
            _ => assert_eq!(want, got, "{key}"),
        }
    }
}

#[test]
fn the_simulators_sessions_replay_as_abr_sessions_writes_them() {
    let work = tempfile::tempdir().unwrap();
    let abr = work.path().join("abr");
    let abr = abr.to_str().unwrap();
    run_ok(&[
        "abr",
        "generate",
        "--out",
        abr,
        "--traces",
        "2",
        "--seconds",
        "60",
        "--segments",
        "20",
    ]);
    let (traces, manifest) = (format!("{abr}/traces"), format!("{abr}/manifest.json"));
    let simulator = [
        "--traces",
        &traces,
        "--manifest",
        &manifest,
        "--algos",
        "bola,mpc",
    ];
    let csv = work.path().join("s.csv");
    let mut written = vec!["abr", "sessions", "--out", csv.to_str().unwrap()];
    written.extend(simulator);
    run_ok(&written);
    let local = json(&run_ok(&["kpis", csv.to_str().unwrap(), "--json", "--by", "player"]).stdout);
    let events = std::fs::read_to_string(&csv).unwrap().lines().count() as u64 - 1;

    let dir = work.path().join("collected");
    let collector = start(&dir, &[]);
    let url = format!("http://{}", collector.addr);
    let events_text = events.to_string();
    let mut replay = vec![
        "beacons",
        "replay",
        "--from-simulator",
        "--to",
        &url,
        "--rate",
        "100000",
        "--duration",
        "60",
        "--events",
        &events_text,
        "--json",
    ];
    replay.extend(simulator);
    let report = json(&run_ok(&replay).stdout);
    assert_eq!(report["acked_events"], events, "{report}");
    wait_rolled(collector.addr, events);
    let collected =
        json(&run_ok(&["kpis", dir.to_str().unwrap(), "--json", "--by", "player"]).stdout);
    assert_eq!(local["views"], collected["views"]);
    assert_same_kpis(&local, &collected);
}
