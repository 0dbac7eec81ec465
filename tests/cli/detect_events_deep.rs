//! `streamlens detect-events --model deep`: the GRU autoencoder from the command line, its saved
//! model, and the generator's subtle mode it is judged on.

use super::{run, run_ok};

#[test]
fn the_deep_model_trains_saves_and_scores_subtle_data_the_same_way_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("subtle.csv");
    let out = run_ok(&[
        "generate",
        "--events",
        "16",
        "--seed",
        "5",
        "--subtle",
        "--out",
        data.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("16 events (4 anomalous)"), "{said}");
    let labels = dir.path().join("subtle_labels.csv");
    let model = dir.path().join("deep.json");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let trained = run_ok(&[
        "detect-events",
        data.to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
        "--model",
        "deep",
        "--epochs",
        "3",
        "--save-model",
        model.to_str().unwrap(),
        "--out",
        a.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&trained.stdout);
    assert!(stdout.contains("16 events scored"), "{stdout}");
    assert!(a.join("metrics.json").exists());
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let deep = saved["deep"].as_array().unwrap();
    assert_eq!(deep.len(), 3);
    let event_level = &deep[0]["log"];
    assert!(event_level["validation_groups"].as_u64().unwrap() >= 1);
    let losses = event_level["candidates"][0]["train_loss"]
        .as_array()
        .unwrap();
    assert!(!losses.is_empty() && losses.len() <= 3);
    run_ok(&[
        "detect-events",
        data.to_str().unwrap(),
        "--use-model",
        model.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(a.join("events.csv")).unwrap(),
        std::fs::read_to_string(b.join("events.csv")).unwrap()
    );
}

#[test]
fn epochs_without_the_deep_model_are_refused() {
    let output = run(&[
        "detect-events",
        "sample_data/telemetry.csv",
        "--epochs",
        "3",
        "--out",
        "/tmp/never-written",
    ]);
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("--epochs applies to --model deep and deep-supervised only"),
        "{err}"
    );
}

#[test]
fn the_report_answers_the_five_questions_with_the_runs_own_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (out, report) = (dir.path().join("out"), dir.path().join("report"));
    run_ok(&[
        "detect-events",
        "sample_data/telemetry.csv",
        "--labels",
        "sample_data/labels.csv",
        "--model",
        "deep",
        "--epochs",
        "2",
        "--save-model",
        dir.path().join("deep.json").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    for heading in [
        "## 1. Features",
        "## 2. Architecture",
        "## 3. Loss",
        "## 4. Training",
        "## 5. Metric",
    ] {
        assert!(md.contains(heading), "missing {heading}:\n{md}");
    }
    // The metric table carries this run's ROC AUC (as metrics.json has it) beside Mahalanobis.
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    let auc = metrics["roc_auc"].as_f64().unwrap();
    assert!(
        md.contains(&format!("| ROC AUC | {auc:.3} |")),
        "{auc}:\n{md}"
    );
    assert!(md.contains("Mahalanobis (same data)"), "{md}");
    // Training: at most two epochs per candidate, and the saved model's parameter count.
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("deep.json")).unwrap())
            .unwrap();
    let parameters: usize = saved["deep"][0]["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["values"].as_array().unwrap().len())
        .sum();
    assert!(
        md.contains(&format!("| {parameters} |")),
        "{parameters}:\n{md}"
    );
    assert!(md.contains("at most 2 epochs per candidate"), "{md}");
    for chart in ["deep_loss_curves.svg", "event_scores.svg", "event_roc.svg"] {
        let svg = std::fs::read_to_string(report.join(chart)).unwrap();
        assert!(svg.starts_with("<svg"), "{chart}");
        assert!(md.contains(&format!("]({chart})")), "{chart} not embedded");
    }
}

#[test]
fn a_report_without_a_deep_model_is_refused_before_any_work() {
    let output = run(&[
        "detect-events",
        "sample_data/telemetry.csv",
        "--report",
        "/tmp/never-written-report",
        "--out",
        "/tmp/never-written",
    ]);
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("--report describes a deep model"), "{err}");
    assert!(!std::path::Path::new("/tmp/never-written-report").exists());
}

#[test]
fn the_supervised_classifier_needs_labels_and_keeps_no_model() {
    let no_labels = run(&[
        "detect-events",
        "sample_data/telemetry.csv",
        "--model",
        "deep-supervised",
        "--out",
        "/tmp/never-written",
    ]);
    assert!(!no_labels.status.success());
    let err = String::from_utf8_lossy(&no_labels.stderr);
    assert!(err.contains("add --labels"), "{err}");
    let save = run(&[
        "detect-events",
        "sample_data/telemetry.csv",
        "--labels",
        "sample_data/labels.csv",
        "--model",
        "deep-supervised",
        "--save-model",
        "/tmp/never-written.json",
        "--out",
        "/tmp/never-written",
    ]);
    assert!(!save.status.success());
    assert!(String::from_utf8_lossy(&save.stderr).contains("no single model to save"));

    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(&[
        "detect-events",
        "sample_data/telemetry.csv",
        "--labels",
        "sample_data/labels.csv",
        "--model",
        "deep-supervised",
        "--epochs",
        "3",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("12 events scored"), "{said}");
    assert!(said.contains("at threshold 0.500"), "{said}");
    let events = std::fs::read_to_string(dir.path().join("events.csv")).unwrap();
    for line in events.lines().skip(1) {
        let score: f64 = line.split(',').nth(1).unwrap().parse().unwrap();
        assert!(score.is_nan() || (0.0..=1.0).contains(&score), "{line}");
    }
}
