//! The Anomalies tab on the sample: events are scored against the sample's labels, lowering
//! the threshold flags events live, a flagged event shows its root cause and timeline, and a
//! broken labels file is reported while the scores stay.

use super::{App, harness_with, open_path_dialog, ready, type_path_and_submit, wait_for};
use egui_kittest::kittest::{NodeT as _, Queryable};
use streamlens::app::state::Tab;
use streamlens_events::features::WindowFeature;
use streamlens_report::chart::ChartKind;

fn anomalies_ready(app: &App) -> bool {
    app.anomalies.results.is_some() && app.anomalies.running.is_none()
}

#[test]
fn events_scored_threshold_moved_event_opened() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.state_mut().use_native_dialogs = false;
    h.get_by_label("Anomalies").click();
    wait_for(&mut h, "the event scores", anomalies_ready);
    assert_eq!(h.state().state.tab, Tab::Anomalies);
    let view = h.state().anomalies.results.as_ref().unwrap().1.clone();
    assert_eq!(view.report.events.len(), 12);
    let metrics = view.metrics.as_ref().expect("the sample's labels are used");
    assert_eq!(metrics.anomalous_events, 3);
    h.get_by_label_contains("ROC (AUC");
    h.get_by_label_contains("Precision–recall (AP");

    // A threshold just below the third-highest score flags exactly the three top events.
    let mut scores: Vec<f64> = view.report.events.iter().map(|e| e.score).collect();
    scores.sort_by(|a, b| b.total_cmp(a));
    h.state_mut().anomalies.threshold = Some(scores[2] - 1e-6);
    h.run_steps(3);
    h.get_by_label("Flagged events (3)");
    h.get_by_label_contains("precision 100.0 % · recall 100.0 %");
    // The three flagged incidents are sorted into kinds, named in the table's kind column.
    wait_for(&mut h, "the incident kinds", |a| {
        a.anomalies.kinds.running.is_none()
            && a.anomalies
                .kinds
                .latest
                .as_ref()
                .is_some_and(|(_, k)| k.incidents.len() == 3)
    });
    // A `kind` column in the flagged-events table and in the kinds table.
    assert_eq!(h.get_all_by_label("kind").count(), 2);
    h.get_by_label("Incident kinds");
    let kinds = h.state().anomalies.kinds.latest.as_ref().unwrap().1.clone();
    for kind in &kinds.kinds {
        h.get_by_label(kind.description.as_str());
    }
    h.get_by_label_contains("Incident kinds: 3 incidents");

    // Clicking the second flagged event shows its root cause and timeline.
    let second = view
        .report
        .events
        .iter()
        .find(|e| e.score.total_cmp(&scores[1]).is_eq())
        .unwrap()
        .clone();
    h.get_by_label(second.event_id.as_str()).click();
    h.run_steps(3);
    assert_eq!(
        h.state().anomalies.selected.as_deref(),
        Some(second.event_id.as_str())
    );
    let root = second.root.as_ref().unwrap();
    h.get_by_label(format!("Root cause: {}", root.text).as_str());
    h.get_by_label_contains(format!("Event {}: QoE of", second.event_id).as_str());

    // The detector map coloured by kind: the flagged events' windows in their kinds' series.
    h.get_by_label("incident kind").scroll_to_me();
    h.run_steps(3);
    h.get_by_label("incident kind").click();
    h.run_steps(3);
    assert!(h.state().anomalies.map_by_kind);
    let spec = h.state().anomalies.map_spec.current().expect("a map");
    let ChartKind::Xy { series, .. } = &spec.kind else {
        panic!("the map is an x–y chart");
    };
    let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    assert!(
        names.contains(&"windows of events not flagged"),
        "{names:?}"
    );
    let kind_series = series
        .iter()
        .filter(|s| kinds.kinds.iter().any(|k| s.name.starts_with(&k.name)))
        .count();
    assert!(kind_series >= 1, "{names:?}");

    // Default puts the threshold back.
    h.get_by_label("Default").click();
    h.run_steps(2);
    assert_eq!(h.state().anomalies.threshold, None);
    // …which on the sample flags exactly its three labelled anomalous events.
    h.get_by_label("Flagged events (3)");
    h.get_by_label_contains("precision 100.0 % · recall 100.0 %");

    // A broken labels file: said clearly, forgotten, the scores stay.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("labels.csv");
    std::fs::write(&broken, "event_id,anomalous\n1001,perhaps\n").unwrap();
    h.get_by_label("Open labels…").click();
    h.run_steps(2);
    type_path_and_submit(&mut h, &broken);
    wait_for(&mut h, "the labels error", |app| {
        app.messages
            .iter()
            .any(|m| m.is_error && m.text.contains("perhaps"))
    });
    let app = h.state();
    let message = app.messages.iter().find(|m| m.is_error).unwrap();
    assert!(
        message.text.contains("row 2, column `anomalous`"),
        "{}",
        message.text
    );
    assert!(app.anomalies.labels_file.is_none());
    assert!(app.anomalies.results.is_some());
}

#[test]
fn the_event_model_is_saved_and_scores_the_same_events_again() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.state_mut().use_native_dialogs = false;
    h.get_by_label("Anomalies").click();
    wait_for(&mut h, "the event scores", anomalies_ready);
    let scores = |app: &App| -> Vec<f64> {
        let view = &app.anomalies.results.as_ref().unwrap().1;
        view.report.events.iter().map(|e| e.score).collect()
    };
    let fitted = scores(h.state());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("event-model.json");
    open_path_dialog(&mut h, "Save model…");
    type_path_and_submit(&mut h, &path);
    let saved = path.clone();
    wait_for(&mut h, "the saved model", move |a| {
        saved.exists() && a.jobs.exporting == 0
    });

    open_path_dialog(&mut h, "Open model…");
    type_path_and_submit(&mut h, &path);
    wait_for(&mut h, "scores from the saved model", |a| {
        anomalies_ready(a)
            && a.anomalies
                .results
                .as_ref()
                .is_some_and(|(k, _)| k.model_file.is_some())
    });
    h.get_by_label("Model: event-model.json");
    // The same detectors and thresholds on the same events give the same scores (up to
    // the last digits of the JSON numbers).
    for (a, b) in scores(h.state()).iter().zip(&fitted) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    h.get_by_label("Fit on this data").click();
    h.run_steps(2);
    assert!(h.state().anomalies.model_file.is_none());
}

#[test]
fn window_features_are_picked_from_the_features_menu() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.get_by_label("Anomalies").click();
    wait_for(&mut h, "the event scores", anomalies_ready);
    h.get_by_label("Features (6 of 6)").click();
    h.run_steps(2);
    h.get_by_label("qoe_p10").click();
    h.run_steps(2);
    assert!(h.state().state.anomalies.excluded_features[1]);
    wait_for(&mut h, "scores on five features", |a| {
        anomalies_ready(a)
            && a.anomalies.results.as_ref().is_some_and(|(k, v)| {
                k.settings.excluded_features[1] && v.report.features.len() == 5
            })
    });
    h.get_by_label("Features (5 of 6)");
    let features = &h
        .state()
        .anomalies
        .results
        .as_ref()
        .unwrap()
        .1
        .report
        .features;
    assert!(!features.contains(&WindowFeature::QoeP10));
}

#[test]
fn too_little_telemetry_says_why_instead_of_empty_charts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.csv");
    std::fs::write(
        &path,
        "timestamp,event_id,viewer_id,qoe,engagement\n1709546400000,1,1,0.9,0.5\n1709546430000,1,2,0.8,0.5\n",
    )
    .unwrap();
    let mut h = harness_with(vec![path]);
    wait_for(&mut h, "the tiny file", |a| {
        ready(a)
            && a.dataset
                .as_ref()
                .is_some_and(|d| d.name.contains("tiny.csv"))
    });
    h.get_by_label("Anomalies").click();
    wait_for(&mut h, "the event scores", anomalies_ready);
    h.get_by_label_contains("Too few per-minute windows to fit a detector");
    assert!(
        h.query_by_label("Event scores").is_none(),
        "no empty charts"
    );
    // No infinite threshold to drag, and no empty model to save.
    h.get_by_label("No threshold: no event could be scored");
    assert!(h.query_by_label_contains("threshold inf").is_none());
    assert!(h.get_by_label("Save model…").accesskit_node().is_disabled());
}

#[test]
fn the_deep_detector_trains_shows_its_loss_curves_and_cancels() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.get_by_label("Anomalies").click();
    wait_for(&mut h, "the event scores", anomalies_ready);
    // Few epochs keep a debug build quick; the choice itself goes through the detector list.
    h.state_mut().state.anomalies.deep_epochs = 2;
    h.get_by_value("mahalanobis").click();
    h.run_steps(2);
    h.get_by_label("Deep (GRU autoencoder)").click();
    let deep_done = |a: &App| {
        anomalies_ready(a)
            && a.anomalies
                .results
                .as_ref()
                .is_some_and(|(k, _)| k.settings.deep)
    };
    wait_for(&mut h, "the deep model's scores", deep_done);
    let view = h.state().anomalies.results.as_ref().unwrap().1.clone();
    assert_eq!(view.report.events.len(), 12);
    h.get_by_label("Deep model training");
    h.get_by_label_contains("event level: kept hidden");
    h.get_by_label_contains("Deep model training: reconstruction loss per epoch");
    h.get_by_label("Epochs");
    // The live trace heard every epoch the kept models logged.
    let heard = h.state().anomalies.training.snapshot().len();
    let logged: usize = view
        .model
        .as_ref()
        .unwrap()
        .deep
        .iter()
        .flatten()
        .flat_map(|m| &m.log.candidates)
        .map(|c| c.validation_loss.len())
        .sum();
    assert_eq!(heard, logged);

    // Longer training: the live curve appears, and Cancel stops it with the scores kept.
    h.state_mut().state.anomalies.deep_epochs = 400;
    wait_for(&mut h, "live training", |a| {
        a.anomalies.running.is_some() && a.anomalies.training.snapshot().len() >= 2
    });
    h.get_by_label_contains("Training: validation loss after each epoch");
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(h.state().anomalies.running.is_none());
    assert!(h.state().anomalies.cancelled.is_some());
    assert!(h.state().anomalies.results.is_some());
    h.get_by_label("Run");
}

#[test]
fn the_supervised_classifier_learns_the_samples_labels_and_flags_by_probability() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.get_by_label("Anomalies").click();
    wait_for(&mut h, "the event scores", anomalies_ready);
    h.state_mut().state.anomalies.deep_epochs = 3;
    h.get_by_value("mahalanobis").click();
    h.run_steps(2);
    h.get_by_label("Deep, supervised (GRU classifier)").click();
    wait_for(&mut h, "the classifier's scores", |a| {
        anomalies_ready(a)
            && a.anomalies
                .results
                .as_ref()
                .is_some_and(|(k, _)| k.settings.supervised)
    });
    let view = h.state().anomalies.results.as_ref().unwrap().1.clone();
    assert!((view.report.threshold - 0.5).abs() < 1e-12);
    assert!(
        view.report
            .events
            .iter()
            .all(|e| e.score.is_nan() || (0.0..=1.0).contains(&e.score))
    );
    h.get_by_label("Supervised classifier training");
    // Nothing to save: five fold models, none of which saw every event.
    assert!(h.get_by_label("Save model…").accesskit_node().is_disabled());
}
