//! Sessions ▸ Open KPI result…: Parquet tables written elsewhere (here by the local engine,
//! in the layout Spark writes too) shown read-only with their numbers; a folder without
//! them is refused and what was open stays.

use super::{
    App, harness_with, open_path_dialog, open_sessions_view, type_path_and_submit, wait_for,
};
use egui_kittest::kittest::Queryable;
use streamlens::app::sessions::SAMPLE_SESSIONS;
use streamlens_sessions::result::write_kpi_tables;
use streamlens_sessions::{Query, Sessions, ViewFilter, answer, read_player_events};

fn open_result(h: &mut egui_kittest::Harness<'static, App>, path: &std::path::Path) {
    open_path_dialog(h, "Open KPI result…");
    type_path_and_submit(h, path);
}

#[test]
fn a_kpi_result_opens_read_only_and_closes_back_to_the_events() {
    let sessions = Sessions::new(read_player_events("sample", SAMPLE_SESSIONS, false).unwrap());
    let query = Query {
        filter: ViewFilter {
            event: sessions.latest_event(),
            ..ViewFilter::default()
        },
        by: vec!["country".into(), "device".into()],
        compare: None,
    };
    let written = answer(&sessions, &query).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_kpi_tables(&written, dir.path()).unwrap();

    let mut h = harness_with(Vec::new());
    open_sessions_view(&mut h);
    let views_shown = |app: &App| app.sessions.answer.as_ref().map(|a| a.answer.kpis.views);
    let before = views_shown(h.state());
    open_result(&mut h, dir.path());
    wait_for(&mut h, "the result", |a| a.kpi_result.shown.is_some());
    h.run_steps(2);
    let shown = h.state().kpi_result.shown.clone().unwrap();
    assert_eq!(shown.shown.answer.kpis, written.kpis);
    assert_eq!(shown.shown.answer.breakdowns, written.breakdowns);
    h.get_by_label("KPI result");
    h.get_by_label_contains(&format!("{} views", written.kpis.views));
    h.get_by_label("Per minute");
    h.get_by_label("active stretch");
    h.get_by_label("Breakdown");
    // The filters are the player events': not offered over a result.
    assert!(h.query_by_label("Reset all").is_none());

    h.get_by_label("Close result").click();
    h.run_steps(2);
    assert!(h.state().kpi_result.shown.is_none());
    assert_eq!(views_shown(h.state()), before);

    // A folder without the tables: an error naming what is missing; nothing else changes.
    let empty = tempfile::tempdir().unwrap();
    open_result(&mut h, empty.path());
    wait_for(&mut h, "the error", |a| {
        a.kpi_result.opening.is_none() && !a.messages.is_empty()
    });
    let message = &h.state().messages.last().unwrap().text;
    assert!(message.contains("no kpis.parquet"), "{message}");
    assert!(h.state().kpi_result.shown.is_none());
    assert!(h.state().sessions.answer.is_some());
}
