//! The Traffic tab: demo captures are evaluated leave-one-capture-out, dropped captures are
//! routed here and judged, a broken one is reported without losing the rest, and a trained
//! model saves and judges the captures when opened again.

use super::{
    App, drop_file, harness_with, open_path_dialog, ready, type_path_and_submit, wait_for,
};
use egui_kittest::kittest::Queryable;
use streamlens::app::state::Tab;
use streamlens_traffic::model::Classifier;
use streamlens_traffic::synth::{numbered_capture, write_csv};
use streamlens_traffic::workbench::VerdictBasis;

/// The Traffic result matches the current captures, window and model.
fn traffic_ready(app: &App) -> bool {
    app.traffic.results.as_ref().is_some_and(|(key, _)| {
        key.sources == app.traffic.sources
            && key.window == app.state.traffic.window
            && key.model == app.traffic.model
    }) && !app.traffic_running()
}

fn bases(app: &App) -> Vec<Option<VerdictBasis>> {
    let (_, r) = app.traffic.results.as_ref().unwrap();
    r.verdicts
        .iter()
        .map(|v| v.as_ref().map(|v| v.basis))
        .collect()
}

#[test]
fn demo_captures_dropped_captures_and_a_saved_model() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.state_mut().use_native_dialogs = false;
    h.get_by_label("Traffic (live vs VOD)").click();
    h.run_steps(2);
    h.get_by_label("Try the demo captures").click();
    wait_for(&mut h, "the demo evaluation", traffic_ready);
    let app = h.state();
    let (_, results) = app.traffic.results.as_ref().unwrap();
    assert_eq!(results.captures.len(), 8);
    assert_eq!(results.evaluation.as_ref().unwrap().captures, 8);
    assert!(
        bases(app)
            .iter()
            .all(|b| *b == Some(VerdictBasis::OutOfFold))
    );
    h.get_by_label_contains("Captures judged by random_forest");
    h.get_by_label("Leave-one-capture-out evaluation");
    h.get_by_label_contains("throughput per second");
    h.get_by_label_contains("Chunks, out of fold: accuracy");

    // One connection on its own, next to the summed throughput.
    let busiest = results.captures[0].busiest_connections[0];
    h.state_mut().traffic.connection = Some(busiest);
    h.run_steps(2);
    h.get_by_label_contains("10.0.0.2:50000");

    // The other classifier's verdicts, without recomputing.
    h.get_by_label("logistic regression").click();
    h.run_steps(3);
    assert_eq!(
        h.state().state.traffic.classifier,
        Classifier::LogisticRegression
    );
    h.get_by_label_contains("Captures judged by logistic_regression");

    // A dropped capture goes to this tab; a broken one is reported and the rest stay.
    let dir = tempfile::tempdir().unwrap();
    let mystery = dir.path().join("mystery.csv");
    let mut text = Vec::new();
    write_csv(&numbered_capture(11, 1, 180), &mut text).unwrap();
    std::fs::write(&mystery, &text).unwrap();
    let broken = dir.path().join("broken-live.csv");
    let header = String::from_utf8_lossy(&text)
        .lines()
        .next()
        .unwrap()
        .to_string();
    std::fs::write(&broken, format!("{header}\n1,a,b\n")).unwrap();
    let telemetry_rows = h.state().dataset.as_ref().unwrap().rows();
    h.state_mut().state.tab = Tab::Overview;
    drop_file(&mut h, mystery.clone());
    drop_file(&mut h, broken);
    wait_for(&mut h, "the dropped captures", |a| {
        traffic_ready(a) && a.traffic.results.as_ref().unwrap().1.captures.len() == 9
    });
    let app = h.state();
    assert_eq!(app.state.tab, Tab::Traffic);
    assert_eq!(app.dataset.as_ref().unwrap().rows(), telemetry_rows);
    assert!(
        app.messages
            .iter()
            .any(|m| m.is_error && m.text.contains("broken-live.csv") && m.text.contains("row 2")),
        "{:?}",
        app.messages
    );
    assert_eq!(
        app.traffic.sources.len(),
        9,
        "the broken capture is not kept"
    );
    assert_eq!(bases(app)[8], Some(VerdictBasis::TrainedHere));
    assert_eq!(
        app.traffic.results.as_ref().unwrap().1.captures[8].name,
        "mystery.csv"
    );

    // Save the model trained on the labelled captures, then judge everything with it.
    let model = dir.path().join("model.json");
    open_path_dialog(&mut h, "Save trained model…");
    type_path_and_submit(&mut h, &model);
    wait_for(&mut h, "the saved model", |a| {
        model.exists() && a.jobs.exporting == 0
    });
    open_path_dialog(&mut h, "Open model…");
    type_path_and_submit(&mut h, &model);
    wait_for(&mut h, "judging with the model file", |a| {
        a.traffic.model.is_some() && traffic_ready(a)
    });
    assert!(
        bases(h.state())
            .iter()
            .all(|b| *b == Some(VerdictBasis::ModelFile))
    );
    h.get_by_label("Model: model.json");

    // Export a chart of this tab.
    let png = dir.path().join("throughput.png");
    h.get_all_by_label("Export PNG…")
        .next()
        .expect("a chart export button")
        .click();
    type_path_and_submit(&mut h, &png);
    wait_for(&mut h, "the exported chart", |a| {
        png.exists() && a.jobs.exporting == 0
    });
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
}

/// The Traffic tab shows the stage and share done while it works, and Cancel stops it: the
/// captures stay, nothing is judged until Run. (The demo's leave-one-capture-out evaluation
/// of eight 300 s captures takes seconds, far longer than the frames between the click and
/// the worker's next fold.)
#[test]
fn traffic_work_shows_progress_and_cancels() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.get_by_label("Traffic (live vs VOD)").click();
    h.run_steps(2);
    h.get_by_label("Try the demo captures").click();
    // One frame adds the captures, the next asks the worker, the next draws the bar.
    h.run_steps(3);
    assert!(h.state().traffic_running());
    // The worker reports its stage to the progress the bar shows.
    for _ in 0..500 {
        if !h.state().traffic.progress.stage().is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(
        h.state().traffic.progress.stage().starts_with("reading"),
        "{}",
        h.state().traffic.progress.stage()
    );
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    let app = h.state();
    assert!(!app.traffic_running());
    assert!(app.traffic.progress.is_cancelled());
    assert!(app.traffic.cancelled.is_some());
    assert!(app.traffic.results.is_none());
    assert_eq!(app.traffic.sources.len(), 8);
    h.get_by_label_contains("Cancelled. Press Run");
    // The cancelled inputs are not asked for again by themselves.
    h.run_steps(5);
    assert!(!h.state().traffic_running());
    h.get_by_label("Run").click();
    wait_for(&mut h, "the demo evaluation", traffic_ready);
    assert_eq!(
        h.state().traffic.results.as_ref().unwrap().1.captures.len(),
        8
    );
}

/// A workspace keeps the Traffic captures (files and the demo's) and the model files; one
/// that moved before the workspace is reopened is named in a message, and the rest reopen.
#[test]
fn a_workspace_keeps_captures_and_model_files_and_names_the_moved_ones() {
    use streamlens_traffic::workbench::CaptureSource;
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("office-live-1.csv");
    let mut text = Vec::new();
    write_csv(&numbered_capture(11, 0, 120), &mut text).unwrap();
    std::fs::write(&capture, text).unwrap();
    let event_model = dir.path().join("event-model.json");
    std::fs::write(&event_model, "{}").unwrap();
    let workspace = dir.path().join("webcast.streamlens.json");

    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.get_by_label("Traffic (live vs VOD)").click();
    h.run_steps(2);
    h.get_by_label("Try the demo captures").click();
    h.run_steps(2);
    let app = h.state_mut();
    app.add_captures(vec![capture.clone()]);
    app.anomalies.model_file = Some(event_model.clone());
    app.save_workspace(&workspace);
    assert_eq!(app.traffic.sources.len(), 9);

    std::fs::remove_file(&capture).unwrap();
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    assert!(h.state().traffic.sources.is_empty());
    h.state_mut().open_workspace(&workspace);
    h.run_steps(2);
    let app = h.state();
    assert_eq!(app.traffic.sources.len(), 8);
    assert!(
        app.traffic
            .sources
            .iter()
            .all(|s| matches!(s, CaptureSource::Synthetic { .. }))
    );
    assert_eq!(app.anomalies.model_file.as_ref(), Some(&event_model));
    let said = app.messages.iter().any(|m| {
        m.text
            .contains("This file of the workspace moved or was deleted")
            && m.text.contains("office-live-1.csv")
    });
    assert!(said, "{:?}", app.messages);
}
