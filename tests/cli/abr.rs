//! `streamlens abr`: generated traces evaluated end to end, one session by hand, and the
//! errors a user meets first.

use super::{run, run_ok};

/// Two synthetic traces per profile and a 20-segment manifest in a temporary folder.
fn generated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run_ok(&[
        "abr",
        "generate",
        "--out",
        dir.path().to_str().unwrap(),
        "--traces",
        "2",
        "--seconds",
        "120",
        "--segments",
        "20",
        "--seed",
        "3",
    ]);
    dir
}

#[test]
fn evaluate_writes_one_session_per_trace_and_player() {
    let dir = generated();
    let out = dir.path().join("eval");
    let path = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    let stdout = run_ok(&[
        "abr",
        "evaluate",
        "--traces",
        &path("traces"),
        "--manifest",
        &path("manifest.json"),
        "--algos",
        "bba,robust-mpc",
        "--out",
        out.to_str().unwrap(),
    ])
    .stdout;
    let text = String::from_utf8(stdout).unwrap();
    assert!(
        text.contains("robust-mpc") && text.contains("4 traces"),
        "{text}"
    );
    let sessions = std::fs::read_to_string(out.join("sessions.csv")).unwrap();
    assert_eq!(sessions.lines().count(), 1 + 4 * 2);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("evaluation.json")).unwrap())
            .unwrap();
    let summary = json["summary"].as_array().unwrap();
    assert_eq!(summary.len(), 2);
    // The summary's mean is the mean of the session rows.
    let bba: Vec<f64> = json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["algorithm"] == "bba")
        .map(|s| s["qoe_lin"].as_f64().unwrap())
        .collect();
    let mean = bba.iter().sum::<f64>() / bba.len() as f64;
    assert!((summary[0]["qoe_lin_mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert_eq!(summary[0]["sessions"], 4);
}

#[test]
fn simulate_on_a_flat_text_trace_matches_the_hand_computation() {
    let dir = tempfile::tempdir().unwrap();
    // Pensieve text format: 2 Mbit/s throughout (80 ms latency per request).
    let trace = dir.path().join("flat.txt");
    let lines: String = (0..=200).fold(String::new(), |mut text, t| {
        text.push_str(&t.to_string());
        text.push_str(" 2.0\n");
        text
    });
    std::fs::write(&trace, lines).unwrap();
    // One rendition of 1000 kbit/s, 2 s segments: 2 Mbit each → 1 s + 80 ms per download.
    let manifest = dir.path().join("m.json");
    std::fs::write(
        &manifest,
        r#"{"segment_duration_ms": 2000, "bitrates_kbps": [1000],
            "segment_sizes_bits": [[2000000], [2000000], [2000000]]}"#,
    )
    .unwrap();
    let out = run_ok(&[
        "abr",
        "simulate",
        "--trace",
        trace.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
        "--algo",
        "bola",
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let summary = &json["summary"];
    assert!((summary["startup_s"].as_f64().unwrap() - 1.08).abs() < 1e-9);
    assert_eq!(summary["rebuffer_s"], 0.0);
    assert_eq!(summary["qoe_lin"], 1.0);
    assert_eq!(json["segments"].as_array().unwrap().len(), 3);
}

#[test]
fn errors_name_the_player_file_and_field() {
    let dir = generated();
    let path = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    let unknown = run(&[
        "abr",
        "evaluate",
        "--traces",
        &path("traces"),
        "--manifest",
        &path("manifest.json"),
        "--algos",
        "bola,pensieve",
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.contains("pensieve") && err.contains("robust-mpc"),
        "{err}"
    );

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"segment_duration_ms": 3000, "bitrates_kbps": [500, 300], "segment_sizes_bits": [[1, 2]]}"#).unwrap();
    let out = run(&[
        "abr",
        "evaluate",
        "--traces",
        &path("traces"),
        "--manifest",
        bad.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("bad.json") && err.contains("ascending"),
        "{err}"
    );

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = run(&[
        "abr",
        "evaluate",
        "--traces",
        empty.to_str().unwrap(),
        "--manifest",
        &path("manifest.json"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no trace files"),
        "{err}"
    );

    let short = run(&[
        "abr",
        "simulate",
        "--trace",
        &path("traces/synthetic-3g-3000009.json"),
        "--manifest",
        &path("manifest.json"),
        "--buffer-s",
        "2",
    ]);
    let err = String::from_utf8_lossy(&short.stderr);
    assert!(
        !short.status.success() && err.contains("shorter than one segment"),
        "{err}"
    );
}

#[test]
fn office_recommends_the_whole_ladder_on_a_big_link_and_nothing_on_a_tiny_one() {
    let dir = generated();
    let manifest = dir.path().join("manifest.json");
    let office = |viewers: &str, mbps: &str, json: bool| {
        let mut args = vec![
            "abr",
            "office",
            "--viewers",
            viewers,
            "--link-mbps",
            mbps,
            "--manifest",
            manifest.to_str().unwrap(),
        ];
        if json {
            args.push("--json");
        }
        run_ok(&args).stdout
    };
    // 5 viewers on 100 Mbit/s: 20 Mbit/s each, over three times the top rendition.
    let json: serde_json::Value = serde_json::from_slice(&office("5", "100", true)).unwrap();
    assert_eq!(json["recommended_cap_kbps"], 6000.0);
    assert_eq!(json["outcomes"].as_array().unwrap().len(), 10);
    assert_eq!(json["office"]["viewers"], 5);
    // 50 viewers on 1 Mbit/s: 20 kbit/s each, a tenth of the lowest rendition.
    let text = String::from_utf8(office("50", "1", false)).unwrap();
    assert!(text.contains("no cap keeps"), "{text}");
    let zero = run(&[
        "abr",
        "office",
        "--viewers",
        "0",
        "--link-mbps",
        "10",
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&zero.stderr).contains("1 to 100000"));
}

#[test]
fn office_takes_a_citys_peak_from_the_telemetry() {
    use std::collections::{BTreeMap, BTreeSet};
    // By hand: per (city, UTC minute), the distinct WFO viewers; the city's peak.
    let mut per_minute: BTreeMap<(String, i64), BTreeSet<String>> = BTreeMap::new();
    for row in super::read_sample() {
        if row.viewer_type == "WFO" {
            per_minute
                .entry((row.city.clone(), row.ts.div_euclid(60_000)))
                .or_default()
                .insert(row.viewer.clone());
        }
    }
    let mut peaks: BTreeMap<String, usize> = BTreeMap::new();
    for ((city, _), viewers) in &per_minute {
        let peak = peaks.entry(city.clone()).or_default();
        *peak = (*peak).max(viewers.len());
    }
    let (city, peak) = peaks.iter().max_by_key(|(_, p)| **p).unwrap();
    let dir = generated();
    let manifest = dir.path().join("manifest.json");
    let sample = super::sample();
    let out = run_ok(&[
        "abr",
        "office",
        "--telemetry",
        sample.to_str().unwrap(),
        "--city",
        city,
        "--link-mbps",
        "50",
        "--manifest",
        manifest.to_str().unwrap(),
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["office"]["viewers"], *peak);
    // Without --city: the cities and their peaks, to choose from.
    let out = run(&[
        "abr",
        "office",
        "--telemetry",
        sample.to_str().unwrap(),
        "--link-mbps",
        "50",
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("--city")
            && err.contains(&format!("{city} ({peak} viewers)")),
        "{err}"
    );
    let out = run(&[
        "abr",
        "office",
        "--telemetry",
        sample.to_str().unwrap(),
        "--city",
        "Atlantis",
        "--link-mbps",
        "50",
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("Atlantis"), "{err}");
}

#[test]
fn sessions_become_player_events_whose_views_match_the_simulator() {
    use streamlens_abr::evaluate::simulate_all;
    use streamlens_abr::trace::read_traces;
    use streamlens_abr::{Algorithm, Manifest, SimConfig};

    let dir = generated();
    let path = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    let events = dir.path().join("events.csv");
    let text = String::from_utf8(
        run_ok(&[
            "abr",
            "sessions",
            "--traces",
            &path("traces"),
            "--manifest",
            &path("manifest.json"),
            "--algos",
            "bola,rate",
            "--start",
            "2026-11-12T15:00:00Z",
            "--out",
            events.to_str().unwrap(),
        ])
        .stdout,
    )
    .unwrap();
    assert!(
        text.contains("of 8 sessions (4 traces × 2 players)"),
        "{text}"
    );

    // The same sessions, simulated here, against the views the KPI engine measures.
    let traces = read_traces(&[dir.path().join("traces")]).unwrap();
    let manifest = Manifest::read(&dir.path().join("manifest.json")).unwrap();
    let algorithms = [Algorithm::Bola, Algorithm::RateBased];
    let runs = simulate_all(&traces, &manifest, &algorithms, &SimConfig::default());
    let log = streamlens_sessions::read_player_file(&events, true).unwrap();
    let sessions = streamlens_sessions::Sessions::new(log);
    assert_eq!(sessions.views.len(), 8);
    assert_eq!(sessions.no_request, 0);
    for view in &sessions.views {
        let id = &sessions.log.sessions.labels[view.session as usize];
        let job: usize = id.strip_prefix("sim-").unwrap().parse().unwrap();
        let run = &runs[job];
        let stalls = run.segments.iter().filter(|s| s.rebuffer_s > 0.0).count();
        assert!(!view.failed && !view.ebvs, "{id}");
        let startup = (run.summary.startup_s * 1000.0).round() as i64;
        assert!((view.startup_ms().unwrap() - startup).abs() <= 1, "{id}");
        assert_eq!(view.stall_count as usize, stalls, "{id}");
        let stall_ms = run.summary.rebuffer_s * 1000.0;
        assert!(
            (view.stall_ms as f64 - stall_ms).abs() <= 2.0 * stalls as f64 + 1.0,
            "{id}: {} ms stalled, simulated {stall_ms}",
            view.stall_ms
        );
        // Every segment plays one segment duration: the time-weighted bitrate is the mean.
        let bitrate = view.bitrate_ms / view.rated_ms as f64;
        assert!(
            (bitrate - run.summary.bitrate_kbps_mean).abs() < 1e-3 * run.summary.bitrate_kbps_mean,
            "{id}: {bitrate} kbit/s, simulated {}",
            run.summary.bitrate_kbps_mean
        );
        let played = (run.segments.len() as f64 * manifest.segment_s * 1000.0).round() as i64;
        assert!(
            (view.playing_ms - played).abs() <= 2 * stalls as i64 + 2,
            "{id}"
        );
    }
    // And the KPI command reads the file as any player log.
    let kpis =
        String::from_utf8(run_ok(&["kpis", events.to_str().unwrap(), "--by", "player"]).stdout)
            .unwrap();
    assert!(kpis.contains("bola") && kpis.contains("rate"), "{kpis}");
}
