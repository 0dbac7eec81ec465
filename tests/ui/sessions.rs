//! The Sessions view: the sample opens on its latest webcast with the numbers the engine
//! computes, a breakdown value clicked filters to it, a comparison appears, the report
//! folder is written, and a broken file leaves the open sessions usable.

use super::{
    App, drop_file, harness_with, open_path_dialog, ready, type_path_and_submit, wait_for,
};
use egui_kittest::kittest::Queryable;
use streamlens::app::sessions::SAMPLE_SESSIONS;
use streamlens_sessions::{Sessions, ViewFilter, read_player_events};

/// The shown answer is for the current question and nothing is being read.
fn answered(app: &App) -> bool {
    let t = &app.sessions;
    t.loading.is_none()
        && t.asking.is_none()
        && t.answer.as_ref().is_some_and(|a| a.query == t.query)
}

/// Views of the sample passing `filter`, computed here straight from the engine.
fn views_of_sample(filter: &ViewFilter) -> u64 {
    let log = read_player_events("sample", SAMPLE_SESSIONS, false).unwrap();
    Sessions::new(log).select(filter).unwrap().len() as u64
}

fn shown_views(app: &App) -> u64 {
    app.sessions.answer.as_ref().unwrap().answer.kpis.views
}

/// A window tall enough that the breakdown table's rows and the Compare section are laid
/// out without scrolling, on the answered Sessions view of the sample.
fn tall_window_on_sessions() -> egui_kittest::Harness<'static, App> {
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1400.0, 2600.0))
        .build_eframe(|cc| {
            App::new(
                &cc.egui_ctx,
                streamlens::app::state::State::default(),
                Vec::new(),
                false,
            )
        });
    wait_for(&mut h, "the telemetry sample", ready);
    h.state_mut().use_native_dialogs = false;
    h.get_by_label("Sessions (player KPIs)").click();
    wait_for(&mut h, "the session sample", answered);
    h
}

#[test]
fn the_sample_filters_breaks_down_compares_and_exports() {
    let mut h = tall_window_on_sessions();
    let latest = "globex-allhands-2026-11-26";
    let filter = h.state().sessions.query.filter.clone();
    assert_eq!(
        filter.event.as_deref(),
        Some(latest),
        "opens on the latest webcast"
    );
    assert_eq!(shown_views(h.state()), views_of_sample(&filter));
    h.get_by_label("peak concurrent views");
    h.get_by_label_contains("experience score: ");
    h.get_by_label("Concurrent views per minute");
    h.get_by_label("KPIs by city");
    assert_eq!(
        h.get_all_by_label("CDN quality of service per POP").count(),
        2,
        "table and chart"
    );

    // A click on a breakdown value filters to it.
    h.get_by_label("Berlin").click();
    wait_for(&mut h, "the Berlin filter", answered);
    let berlin = ViewFilter {
        event: Some(latest.into()),
        values: [("city".to_string(), ["Berlin".to_string()].into())].into(),
        ..ViewFilter::default()
    };
    assert_eq!(h.state().sessions.query.filter, berlin);
    assert_eq!(shown_views(h.state()), views_of_sample(&berlin));
    h.get_by_label("Reset all").click();
    wait_for(&mut h, "no filter", answered);
    assert_eq!(
        shown_views(h.state()),
        views_of_sample(&ViewFilter::default())
    );

    // Compared with another event.
    h.get_by_value("nothing").click();
    h.run_steps(2);
    h.get_by_label("another event").click();
    wait_for(&mut h, "the comparison", answered);
    let answer = h.state().sessions.answer.clone().unwrap();
    let c = answer.answer.comparison.as_ref().expect("a comparison");
    assert_eq!(c.first, "all events");
    h.get_by_label_contains("compared with");

    // The report folder.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    open_path_dialog(&mut h, "Export report folder…");
    type_path_and_submit(&mut h, &out);
    wait_for(&mut h, "the report folder", |app| {
        out.join("report.html").exists() && !app.jobs.busy()
    });
    for file in ["kpis.json", "sessions_by_city.csv", "cdn_by_pop.csv"] {
        assert!(out.join(file).exists(), "{file}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("kpis.json")).unwrap()).unwrap();
    assert_eq!(
        json["kpis"]["views"].as_u64(),
        Some(answer.answer.kpis.views)
    );
}

#[test]
fn a_broken_file_dropped_on_the_view_keeps_the_sessions() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the telemetry sample", ready);
    h.get_by_label("Sessions (player KPIs)").click();
    wait_for(&mut h, "the session sample", answered);
    let before = shown_views(h.state());
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("beacons.csv");
    std::fs::write(&broken, "ts,session_id\n1,a\n").unwrap();
    drop_file(&mut h, broken);
    h.run_steps(2);
    wait_for(&mut h, "the error", |app| {
        app.sessions.loading.is_none() && !app.messages.is_empty()
    });
    let message = &h.state().messages.last().unwrap().text;
    assert!(message.contains("beacons.csv"), "{message}");
    assert!(
        message.contains("viewer_id"),
        "names the missing column: {message}"
    );
    assert!(message.contains("still open"), "{message}");
    wait_for(&mut h, "the kept answer", answered);
    assert_eq!(shown_views(h.state()), before);
}

#[test]
fn the_question_survives_a_restart_and_the_lists_count_views() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the telemetry sample", ready);
    h.get_by_label("Sessions (player KPIs)").click();
    wait_for(&mut h, "the session sample", answered);
    let latest = h.state().sessions.query.filter.event.clone();
    let berlin = ViewFilter {
        event: latest,
        values: [("city".to_string(), ["Berlin".to_string()].into())].into(),
        ..ViewFilter::default()
    };
    h.state_mut().sessions.query.filter = berlin.clone();
    h.state_mut().sessions.query.by = vec!["device".into()];
    wait_for(&mut h, "the Berlin question", answered);
    let saved = h.state().state.clone();
    assert_eq!(
        saved.sessions.query.filter, berlin,
        "kept for the next start"
    );
    assert!(saved.sessions.events.is_empty(), "the sample is no file");

    // A new window on the saved state asks the same question again.
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| App::new(&cc.egui_ctx, saved, Vec::new(), false));
    wait_for(&mut h, "the telemetry sample", ready);
    h.get_by_label("Sessions (player KPIs)").click();
    wait_for(&mut h, "the restored question", answered);
    assert_eq!(h.state().sessions.query.filter, berlin);
    assert_eq!(h.state().sessions.query.by, ["device"]);
    assert_eq!(shown_views(h.state()), views_of_sample(&berlin));
    // The chosen city's checkbox counts the views of its city under the other filters.
    let count = views_of_sample(&berlin);
    h.get_by_label(&format!("Berlin  ({count})"));
}

#[test]
fn comparing_with_another_period_names_it() {
    let mut h = tall_window_on_sessions();
    h.state_mut().sessions.query.filter = ViewFilter::default();
    wait_for(&mut h, "all views", answered);
    h.get_by_value("nothing").click();
    h.run_steps(2);
    h.get_by_label("another period").click();
    wait_for(&mut h, "the comparison", answered);
    let answer = h.state().sessions.answer.clone().unwrap();
    let c = answer.answer.comparison.as_ref().expect("a comparison");
    let (from, to) = answer.answer.span.unwrap();
    // The period of the same length ending just before the first request.
    let (from_ms, to_ms) = (from - (to - from) - 1, from - 1);
    assert_eq!(
        answer.query.compare,
        Some(streamlens_sessions::CompareWith::Period { from_ms, to_ms })
    );
    let iso = streamlens_engine::time_fmt::format_iso;
    assert_eq!(c.second, format!("{} to {}", iso(from_ms), iso(to_ms)));
    assert_eq!(c.first, "the filter");
}
