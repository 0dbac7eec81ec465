//! `streamlens detect-events`: anomalous events of telemetry, labels, saved models, picked features.

use super::{run, run_ok, sample};

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
    let said = String::from_utf8_lossy(&stdout);
    // The default threshold flags the three labelled anomalous events and nothing else.
    assert!(said.contains("12 events scored"), "{said}");
    assert!(said.contains(", 3 flagged at threshold"), "{said}");
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
    assert_eq!(metrics["precision"], 1.0);
    assert_eq!(metrics["recall"], 1.0);
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
fn an_unwritable_model_path_is_refused_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = run(&[
        "detect-events",
        sample().to_str().unwrap(),
        "--save-model",
        "/nonexistent/m.json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("--save-model /nonexistent/m.json: the folder /nonexistent does not exist"),
        "{err}"
    );
    assert!(!out.exists(), "nothing was computed or written");
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

#[test]
fn flagged_events_are_sorted_into_incident_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let labels = sample().with_file_name("labels.csv");
    // Below the third-highest sample score (7.83): the three labelled events are flagged.
    let stdout = run_ok(&[
        "detect-events",
        sample().to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
        "--threshold",
        "7.5",
        "--out",
        out.to_str().unwrap(),
    ])
    .stdout;
    let said = String::from_utf8_lossy(&stdout);
    assert!(said.contains("3 incidents in 2 kinds"), "{said}");
    assert!(said.contains("kind_purity"), "{said}");
    let incidents = std::fs::read_to_string(out.join("incidents.csv")).unwrap();
    let mut lines = incidents.lines();
    assert_eq!(
        lines.next(),
        Some(
            "event_id,kind,unit,audience_share,office_share,buffering_share,qoe_drop,\
             duration_min,worsening,start_hour_utc"
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3);
    let kinds = std::fs::read_to_string(out.join("incident_kinds.csv")).unwrap();
    for row in rows {
        let kind = row.split(',').nth(1).unwrap();
        assert!(kinds.contains(kind), "{kind} not in {kinds}");
    }
    // The ISP outage (event 1006, home workers of one country) is all home viewers.
    let isp = incidents.lines().find(|l| l.starts_with("1006,")).unwrap();
    let office_share: f64 = isp.split(',').nth(4).unwrap().parse().unwrap();
    assert!(office_share < 0.2, "{isp}");
}

#[test]
fn an_event_without_a_score_gets_an_empty_cell_not_nan() {
    use streamlens::cli::detect_events::events_csv;
    use streamlens_engine::Filter;
    use streamlens_engine::io::{LoadOptions, load_paths};
    use streamlens_engine::progress::Progress;
    use streamlens_events::{EventDetectParams, detect_events};
    let dataset = load_paths(&[sample()], &LoadOptions::default()).unwrap();
    let params = EventDetectParams::default();
    let mut report =
        detect_events(&dataset, &Filter::default(), &params, &Progress::new()).unwrap();
    // As an event none of whose units could be scored.
    report.events[0].score = f64::NAN;
    let id = report.events[0].event_id.clone();
    let csv = events_csv(&report);
    assert!(!csv.contains("NaN"), "{csv}");
    assert!(
        csv.lines().any(|l| l.starts_with(&format!("{id},,"))),
        "{csv}"
    );
}
