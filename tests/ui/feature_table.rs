//! Feature tables in the Anomalies tab: a dropped CSV that is not telemetry opens as a feature
//! table with sensible column choices, is scored fold by fold, the threshold flags rows live,
//! a choice that cannot work is explained while the last result stays; and the detector map
//! of the sample's events learns when FISVDD is fed more windows.

use std::fmt::Write as _;

use super::{
    App, drop_file, harness_with, open_path_dialog, ready, type_path_and_submit, wait_for,
};
use egui_kittest::kittest::Queryable;
use streamlens::app::state::Tab;
use streamlens_detect::{Detector, ModelKind};

/// 3 videos of normal windows and 1 video of far, bad ones.
fn windows_csv(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = String::from("file,t_start,vmaf_mean,stall_ratio,QoE_win\n");
    for v in 0..3 {
        for i in 0..40 {
            let wobble = f64::from((i * 7 + v * 3) % 13) / 13.0;
            writeln!(
                text,
                "v{v}_a.mat,{i},{},{},0.5",
                80.0 + 5.0 * wobble,
                0.01 * wobble
            )
            .unwrap();
        }
    }
    for i in 0..8 {
        writeln!(text, "bad_b.mat,{i},{},0.6,-1", 20.0 + f64::from(i)).unwrap();
    }
    let path = dir.join("windows.csv");
    std::fs::write(&path, text).unwrap();
    path
}

fn table_scored(app: &App) -> bool {
    app.anomalies
        .table
        .as_ref()
        .is_some_and(|t| t.results.is_some() && t.running.is_none())
}

#[test]
fn a_windows_table_opens_scores_and_flags_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = windows_csv(dir.path());
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    drop_file(&mut h, path);
    wait_for(&mut h, "the scored table", table_scored);
    let app = h.state();
    assert_eq!(app.state.tab, Tab::Anomalies);
    assert!(app.dataset.is_some(), "the telemetry stays open");
    assert!(app.mapping_dialog.is_none());
    let t = app.anomalies.table.as_ref().unwrap();
    assert_eq!(t.setup.features, ["vmaf_mean", "stall_ratio"]);
    assert_eq!(t.setup.label.as_ref().unwrap().to_string(), "QoE_win<=0");
    assert_eq!(t.setup.group.as_deref(), Some("file"));
    let view = t.results.as_ref().unwrap().1.clone();
    assert_eq!(view.scores.len(), 128);
    assert_eq!(
        view.report.window.roc_auc,
        Some(1.0),
        "the far video ranks on top"
    );
    h.get_by_label_contains("Feature table: windows.csv");
    h.get_by_label_contains("Row scores");
    h.get_by_label_contains("ROC (AUC 1.000)");
    h.get_by_label_contains("Detector map: table rows");

    // A threshold just under the 8th-highest score flags exactly the bad video's rows.
    let mut scores = view.scores.clone();
    scores.sort_by(|a, b| b.total_cmp(a));
    h.state_mut().anomalies.table.as_mut().unwrap().threshold = Some(scores[7] - 1e-9);
    h.run_steps(3);
    h.get_by_label("Flagged rows");
    h.get_by_label("· 8 rows");
    h.get_by_label_contains("precision 100.0 % · recall 100.0 %");

    // More folds than videos: the reason is shown, the last result stays.
    h.state_mut().anomalies.table.as_mut().unwrap().setup.folds = 9;
    wait_for(&mut h, "the fold error", |a| {
        a.anomalies
            .table
            .as_ref()
            .is_some_and(|t| t.failed.is_some())
    });
    h.get_by_label_contains("9 folds need at least 9 distinct fold keys");
    assert!(
        h.state()
            .anomalies
            .table
            .as_ref()
            .unwrap()
            .results
            .is_some()
    );

    // Back to the telemetry's events, then the table closes.
    h.get_by_label("Telemetry events").click();
    h.run_steps(2);
    assert!(!h.state().anomalies.show_table);
    h.get_by_label_contains("Feature table windows.csv").click();
    h.run_steps(2);
    h.get_by_label("Close table").click();
    h.run_steps(2);
    assert!(h.state().anomalies.table.is_none());
}

#[test]
fn the_event_detector_map_learns_when_fed() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.state_mut().state.anomalies.model = ModelKind::Fisvdd;
    h.get_by_label("Anomalies").click();
    wait_for(&mut h, "the event scores", |a| {
        a.anomalies
            .results
            .as_ref()
            .is_some_and(|(k, _)| k.settings.model == ModelKind::Fisvdd)
            && a.anomalies.running.is_none()
    });
    let view = h.state().anomalies.results.as_ref().unwrap().1.clone();
    assert!(!view.maps.is_empty());
    let map = &view.maps[0].map;
    assert!(map.support_count() > 0 && !map.boundary.is_empty());
    h.get_by_label_contains("Detector map: event windows");
    h.get_by_label_contains("support vectors (");
    let before = map.feedable();
    assert!(before > 0);
    // The flagged events' kinds settle first (their section above the map changes height).
    wait_for(&mut h, "the incident kinds", |a| {
        a.anomalies.kinds.running.is_none() && a.anomalies.kinds.latest.is_some()
    });
    // The map sits at the bottom of the tab's scroll area.
    h.get_by_label_contains("Feed ").scroll_to_me();
    h.run_steps(6);
    h.get_by_label_contains("Feed ").click();
    h.run_steps(2);
    let fed = &h
        .state()
        .anomalies
        .fed_map
        .as_ref()
        .expect("a fed copy")
        .1
        .map;
    assert_eq!(fed.fed, 200.min(before));
    assert_eq!(fed.feedable(), before - fed.fed);
    h.get_by_label_contains(format!("fed {}", fed.fed).as_str());
    h.get_by_label("Reset map").scroll_to_me();
    // Scrolling animates over a few frames.
    h.run_steps(6);
    h.get_by_label("Reset map").click();
    h.run_steps(3);
    assert!(h.state().anomalies.fed_map.is_none());
}

#[test]
fn a_table_model_is_saved_and_scores_the_table_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = windows_csv(dir.path());
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.state_mut().use_native_dialogs = false;
    drop_file(&mut h, path);
    wait_for(&mut h, "the scored table", table_scored);
    // A memory feature and a one-sided feature, as a user would tick them.
    {
        let t = h.state_mut().anomalies.table.as_mut().unwrap();
        t.setup.order = Some("t_start".into());
        t.setup.features.push("stall_ratio@mean".into());
    }
    wait_for(&mut h, "the rescored table", |a| {
        table_scored(a)
            && a.anomalies.table.as_ref().is_some_and(|t| {
                t.results
                    .as_ref()
                    .is_some_and(|(s, _)| s.features.len() == 3)
            })
    });
    let fitted = h
        .state()
        .anomalies
        .table
        .as_ref()
        .unwrap()
        .results
        .as_ref()
        .unwrap()
        .1
        .clone();
    let model_path = dir.path().join("table-model.json");
    open_path_dialog(&mut h, "Save model…");
    type_path_and_submit(&mut h, &model_path);
    let saved = model_path.clone();
    wait_for(&mut h, "the saved model", move |a| {
        saved.exists() && a.jobs.exporting == 0
    });

    open_path_dialog(&mut h, "Open model…");
    type_path_and_submit(&mut h, &model_path);
    wait_for(&mut h, "scores from the saved model", |a| {
        table_scored(a)
            && a.anomalies.table.as_ref().is_some_and(|t| {
                t.results
                    .as_ref()
                    .is_some_and(|(s, _)| s.model_file.is_some())
            })
    });
    h.get_by_label("Scored with the saved model table-model.json");
    h.get_by_label_contains("features: vmaf_mean, stall_ratio, stall_ratio@mean");
    let view = h
        .state()
        .anomalies
        .table
        .as_ref()
        .unwrap()
        .results
        .as_ref()
        .unwrap()
        .1
        .clone();
    // The model fitted on every normal row scores them as it did when saved.
    let expected = fitted.model.pipeline.score_batch(&view.table.features);
    for (a, b) in view.scores.iter().zip(&expected) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    // Equal up to the JSON's last digit.
    assert!((view.default_threshold - fitted.model.threshold.unwrap()).abs() < 1e-12);
    assert_eq!(view.report.window.roc_auc, Some(1.0));

    h.get_by_label("Fit on this table").click();
    h.run_steps(2);
    assert!(
        h.state()
            .anomalies
            .table
            .as_ref()
            .unwrap()
            .setup
            .model_file
            .is_none()
    );
}

#[test]
fn a_whole_group_summary_is_added_from_the_memory_menu_without_an_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = windows_csv(dir.path());
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    drop_file(&mut h, path);
    wait_for(&mut h, "the scored table", table_scored);
    assert!(
        h.state()
            .anomalies
            .table
            .as_ref()
            .unwrap()
            .setup
            .order
            .is_none()
    );
    h.get_by_label("Add…").scroll_to_me();
    h.run_steps(6);
    h.get_by_label("Add…").click();
    h.run_steps(3);
    // The menu's entry for the column is the last widget labelled with its name.
    h.get_all_by_label("stall_ratio").last().unwrap().click();
    h.run_steps(3);
    h.get_by_label("maximum of the whole group").click();
    wait_for(&mut h, "the rescored table", |a| {
        table_scored(a)
            && a.anomalies.table.as_ref().is_some_and(|t| {
                t.results
                    .as_ref()
                    .is_some_and(|(s, _)| s.features.len() == 3)
            })
    });
    let t = h.state().anomalies.table.as_ref().unwrap();
    assert_eq!(
        t.setup.features,
        ["vmaf_mean", "stall_ratio", "stall_ratio@group_max"]
    );
    let view = &t.results.as_ref().unwrap().1;
    // Every window of the bad video carries its maximum stall ratio, 0.6.
    let column = view.table.feature_names.len() - 1;
    let bad_rows = view.table.rows() - 8..view.table.rows();
    for row in bad_rows {
        let v = view.table.features[row * view.table.feature_names.len() + column];
        assert!((v - 0.6).abs() < 1e-12, "row {row}: {v}");
    }
}

/// A workspace keeps the open feature table with the user's setup; a table model that moved
/// is named and left out, and the table is scored again by fitting.
#[test]
fn a_workspace_keeps_the_feature_table_and_its_setup() {
    let dir = tempfile::tempdir().unwrap();
    let path = windows_csv(dir.path());
    let model = dir.path().join("table-model.json");
    std::fs::write(&model, "{}").unwrap();
    let workspace = dir.path().join("qoe.streamlens.json");
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    drop_file(&mut h, path.clone());
    wait_for(&mut h, "the scored table", table_scored);
    let app = h.state_mut();
    let t = app.anomalies.table.as_mut().unwrap();
    t.setup.features = vec!["vmaf_mean".into()];
    t.setup.model_file = Some(model.clone());
    app.save_workspace(&workspace);
    app.remember_side_files();
    ron::ser::to_string(&app.state).expect("the state as eframe keeps it between runs");
    std::fs::remove_file(&model).unwrap();

    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    assert!(h.state().anomalies.table.is_none());
    h.state_mut().open_workspace(&workspace);
    wait_for(&mut h, "the reopened table scored", table_scored);
    let app = h.state();
    let t = app.anomalies.table.as_ref().unwrap();
    assert_eq!(t.path, path);
    assert_eq!(t.setup.features, ["vmaf_mean"]);
    assert_eq!(t.setup.model_file, None);
    assert_eq!(t.setup.group.as_deref(), Some("file"));
    let said = app
        .messages
        .iter()
        .any(|m| m.text.contains("moved or was deleted") && m.text.contains("table-model.json"));
    assert!(said, "{:?}", app.messages);
}
