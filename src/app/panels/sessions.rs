//! The Sessions view: player sessions → streaming KPIs. Files in the toolbar; KPI tiles and
//! score gauges; per-minute charts; a breakdown by any dimension (click a value to filter);
//! a comparison with another event or before/after a time; the CDN's quality of service.
//! Results come from the sessions worker; this file only lays them out.

use super::super::App;
use super::super::file_dialogs::DialogKind;
use super::super::sessions::{SessionAnswer, SessionFiles, SessionSource};
use super::kpi_result::kpi_result_ui;
use super::session_live::{alerts_summary_ui, alerts_ui, live_strip_ui};
use super::session_parts::{CHART_HEIGHT, chart, chart_pairs, table};
use super::session_tiles::{gauges_ui, tiles_ui};
use super::table::{clickable_table_ui, table_ui};
use streamlens_engine::io::values::parse_iso8601_ms;
use streamlens_engine::time_fmt::format_iso;
use streamlens_report::chart::ChartSpec;
use streamlens_sessions::CompareWith;

pub fn sessions_ui(app: &mut App, ui: &mut egui::Ui) {
    let t = &app.sessions;
    if t.files.is_none() && t.loading.is_none() && t.data.is_none() {
        // First visit: what was open last time, else the built-in sample (never an
        // empty page).
        app.open_saved_sessions();
    }
    toolbar_ui(app, ui);
    ui.separator();
    if kpi_result_ui(app, ui) {
        return;
    }
    live_strip_ui(app, ui);
    if app.sessions.data.is_none() {
        ui.horizontal(|ui| {
            if app
                .sessions
                .files
                .as_ref()
                .is_some_and(SessionFiles::is_live)
            {
                ui.spinner();
                ui.label("Waiting for the collector's first events…");
            } else if app.sessions.loading.is_some() {
                ui.spinner();
                ui.label("Reading player events and measuring sessions…");
            } else {
                ui.label(
                    "Open player events (CSV, gzip CSV, JSON Lines or Parquet), or use the sample.",
                );
            }
        });
        return;
    }
    let Some((answer, stale)) = app.session_answer() else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Computing KPIs…");
        });
        return;
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{} views · filter: {}",
            answer.answer.kpis.views,
            answer.query.filter.describe()
        ));
        if stale {
            ui.spinner();
            ui.weak("updating…");
        }
    });
    egui::ScrollArea::vertical()
        .id_salt("sessions")
        .show(ui, |ui| {
            alerts_summary_ui(ui, &answer);
            tiles_ui(ui, &answer.answer.kpis);
            ui.add_space(6.0);
            gauges_ui(ui, &answer.answer.kpis);
            alerts_ui(ui, &answer);
            ui.add_space(8.0);
            minutes_ui(app, ui, &answer);
            breakdown_ui(app, ui, &answer);
            compare_ui(app, ui, &answer);
            cdn_ui(app, ui, &answer);
        });
}

fn toolbar_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        if ui
            .button("Open player events…")
            .on_hover_text("CSV, gzip CSV, JSON Lines or Parquet; several files make one log")
            .clicked()
        {
            app.ask_for_path(DialogKind::OpenSessions);
        }
        if ui
            .button("Open CDN log…")
            .on_hover_text("Edgecast log records (JSON Lines, plain or gzip)")
            .clicked()
        {
            app.ask_for_path(DialogKind::OpenCdn);
        }
        if ui
            .button("Watch collector folder…")
            .on_hover_text(
                "The folder of a running `streamlens collect`: KPIs and alerts refresh every 2 s",
            )
            .clicked()
        {
            app.ask_for_path(DialogKind::WatchCollector);
        }
        if ui
            .button("Watch collector URL…")
            .on_hover_text(
                "A running `streamlens collect` by its address (http://host:7070), read every 2 s",
            )
            .clicked()
        {
            app.ask_for_path(DialogKind::WatchCollectorUrl);
        }
        if ui
            .button("Open KPI result…")
            .on_hover_text(
                "The Parquet tables `kpis --engine spark --out` (or `kpis --out`) wrote: shown read-only",
            )
            .clicked()
        {
            app.ask_for_path(DialogKind::OpenKpiResult);
        }
        if ui.button("Use the sample").clicked() {
            app.open_session_sample();
        }
        // A KPI result on screen is exported from where it was computed, not from here.
        let has_answer = app.sessions.answer.is_some() && app.kpi_result.shown.is_none();
        if ui
            .add_enabled(has_answer, egui::Button::new("Export report folder…"))
            .on_hover_text("kpis.json, every chart (PNG), every table (CSV) and report.html")
            .clicked()
        {
            app.export_sessions_report();
        }
        if let Some(files) = &app.sessions.files {
            let names = |sources: &[SessionSource]| -> String {
                let names: Vec<String> = sources.iter().map(SessionSource::short_name).collect();
                names.join(", ")
            };
            let cdn = if files.cdn.is_empty() {
                "no CDN log".to_string()
            } else {
                format!("CDN: {}", names(&files.cdn))
            };
            ui.weak(format!("Player events: {} · {cdn}", names(&files.events)));
        }
        if app.sessions.loading.is_some() {
            ui.spinner();
        }
    });
}

fn minutes_ui(app: &mut App, ui: &mut egui::Ui, answer: &SessionAnswer) {
    let charts: Vec<&ChartSpec> = answer
        .charts
        .iter()
        .filter(|c| c.id.starts_with("sessions_") && !c.id.starts_with("sessions_scores"))
        .collect();
    if charts.is_empty() {
        if answer.answer.minutes.is_none() {
            ui.weak("The views span more than two days: choose one event or a time range for the per-minute charts.");
        }
        return;
    }
    ui.heading("Per minute");
    chart_pairs(app, ui, &charts);
}

fn breakdown_ui(app: &mut App, ui: &mut egui::Ui, answer: &SessionAnswer) {
    let Some(data) = app.sessions.data.clone() else {
        return;
    };
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        ui.heading("Breakdown");
        ui.label("by");
        let mut by = app.sessions.query.by.first().cloned().unwrap_or_default();
        egui::ComboBox::from_id_salt("session_breakdown")
            .selected_text(&by)
            .show_ui(ui, |ui| {
                for (name, ..) in data.sessions.dimensions() {
                    ui.selectable_value(&mut by, name.to_string(), name);
                }
            });
        if !by.is_empty() && app.sessions.query.by.first() != Some(&by) {
            app.sessions.query.by = vec![by];
        }
        ui.weak("Click a value to filter by it.");
    });
    let Some((dimension, _)) = answer.answer.breakdowns.first() else {
        return;
    };
    if let Some(spec) = table(answer, &format!("sessions_by_{dimension}")) {
        let sort = app.ui.table_sort.entry(spec.id.clone()).or_default();
        let (export, clicked) = clickable_table_ui(ui, spec, sort, 280.0);
        if export {
            app.export_table(spec);
        }
        if let Some(row) = clicked
            && let Some(cell) = spec.rows[row].first()
        {
            let set = app
                .sessions
                .query
                .filter
                .values
                .entry(dimension.clone())
                .or_default();
            set.clear();
            set.insert(cell.display());
        }
    }
    let scores = format!("sessions_scores_by_{dimension}");
    if let Some(spec) = answer.charts.iter().find(|c| c.id == scores) {
        ui.add_space(8.0);
        ui.allocate_ui(egui::vec2(ui.available_width(), CHART_HEIGHT), |ui| {
            chart(app, ui, spec);
        });
    }
}

/// The three ways to compare, as the combo box shows them.
fn compare_label(with: Option<&CompareWith>) -> &'static str {
    match with {
        None => "nothing",
        Some(CompareWith::Event(_)) => "another event",
        Some(CompareWith::SplitAt(_)) => "before / after a time",
        Some(CompareWith::Period { .. }) => "another period",
    }
}

fn compare_ui(app: &mut App, ui: &mut egui::Ui, answer: &SessionAnswer) {
    let Some(data) = app.sessions.data.clone() else {
        return;
    };
    ui.add_space(12.0);
    let mut with = app.sessions.query.compare.clone();
    let events = &data.sessions.log.webcasts.labels;
    let other_event = events
        .iter()
        .find(|e| Some(*e) != app.sessions.query.filter.event.as_ref())
        .cloned();
    let middle = answer.answer.span.map(|(a, b)| a + (b - a) / 2);
    ui.horizontal_wrapped(|ui| {
        ui.heading("Compare");
        ui.label("the filtered views with");
        egui::ComboBox::from_id_salt("session_compare")
            .selected_text(compare_label(with.as_ref()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut with, None, "nothing");
                if let Some(e) = &other_event {
                    let chosen = matches!(with, Some(CompareWith::Event(_)));
                    if ui.selectable_label(chosen, "another event").clicked() && !chosen {
                        with = Some(CompareWith::Event(e.clone()));
                    }
                }
                if let Some(m) = middle {
                    let chosen = matches!(with, Some(CompareWith::SplitAt(_)));
                    if ui
                        .selectable_label(chosen, "before / after a time")
                        .clicked()
                        && !chosen
                    {
                        with = Some(CompareWith::SplitAt(m));
                        app.sessions.split_text = format_iso(m);
                    }
                }
                if let Some((from, to)) = answer.answer.span {
                    let chosen = matches!(with, Some(CompareWith::Period { .. }));
                    if ui.selectable_label(chosen, "another period").clicked() && !chosen {
                        // The period of the same length just before these views' first
                        // request (which it leaves out: the bounds are inclusive).
                        let (from_ms, to_ms) = (from - (to - from) - 1, from - 1);
                        with = Some(CompareWith::Period { from_ms, to_ms });
                        app.sessions.period_texts = [format_iso(from_ms), format_iso(to_ms)];
                    }
                }
            });
        match &mut with {
            Some(CompareWith::Event(event)) => {
                egui::ComboBox::from_id_salt("session_compare_event")
                    .selected_text(event.as_str())
                    .width(240.0)
                    .show_ui(ui, |ui| {
                        for e in events {
                            ui.selectable_value(event, e.clone(), e);
                        }
                    });
            }
            Some(CompareWith::SplitAt(at)) => {
                let text = &mut app.sessions.split_text;
                if text.is_empty() {
                    *text = format_iso(*at);
                }
                let label = ui.label("split at");
                let edit = ui
                    .add(egui::TextEdit::singleline(text).desired_width(200.0))
                    .labelled_by(label.id);
                match parse_iso8601_ms(text.trim()) {
                    Some(t) if edit.changed() || edit.lost_focus() => *at = t,
                    Some(_) => {}
                    None => {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            "Expected e.g. 2026-11-26T15:20:00Z",
                        );
                    }
                }
            }
            Some(CompareWith::Period { from_ms, to_ms }) => {
                let texts = &mut app.sessions.period_texts;
                if texts.iter().any(String::is_empty) {
                    *texts = [format_iso(*from_ms), format_iso(*to_ms)];
                }
                let mut valid = true;
                for (name, text, at) in [("from", 0, &mut *from_ms), ("to", 1, &mut *to_ms)] {
                    let label = ui.label(name);
                    let edit = ui
                        .add(egui::TextEdit::singleline(&mut texts[text]).desired_width(170.0))
                        .labelled_by(label.id);
                    match parse_iso8601_ms(texts[text].trim()) {
                        Some(t) if edit.changed() || edit.lost_focus() => *at = t,
                        Some(_) => {}
                        None => valid = false,
                    }
                }
                if !valid {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        "Expected e.g. 2026-11-26T15:20:00Z",
                    );
                }
                if app.sessions.query.filter.event.is_some() {
                    ui.weak("same filter, event included: choose all events to compare every webcast of two periods");
                } else {
                    ui.weak("views first requested in this period, same filter otherwise");
                }
            }
            None => {}
        }
    });
    if with != app.sessions.query.compare {
        app.sessions.query.compare = with;
    }
    if let Some(spec) = table(answer, "sessions_comparison") {
        let sort = app.ui.table_sort.entry(spec.id.clone()).or_default();
        if table_ui(ui, spec, sort, 320.0) {
            app.export_table(spec);
        }
        ui.weak("Shares are tested with a two-proportion z test, start-up with Mann–Whitney U (two-sided).");
    }
}

fn cdn_ui(app: &mut App, ui: &mut egui::Ui, answer: &SessionAnswer) {
    ui.add_space(12.0);
    ui.heading("CDN quality of service");
    let has_log = app
        .sessions
        .data
        .as_ref()
        .is_some_and(|d| !d.files.cdn.is_empty());
    if !has_log {
        ui.horizontal(|ui| {
            ui.label("No CDN log is open.");
            if ui.button("Open CDN log…").clicked() {
                app.ask_for_path(DialogKind::OpenCdn);
            }
        });
        return;
    }
    if answer.cdn.is_none() {
        ui.weak("The CDN log has no records in the time span of these views.");
        return;
    }
    ui.weak("Records logged while the filtered views were open (all POPs, all clients).");
    if let Some(spec) = table(answer, "cdn_by_pop") {
        let sort = app.ui.table_sort.entry(spec.id.clone()).or_default();
        if table_ui(ui, spec, sort, 260.0) {
            app.export_table(spec);
        }
    }
    let charts: Vec<&ChartSpec> = answer
        .charts
        .iter()
        .filter(|c| c.id.starts_with("cdn_"))
        .collect();
    for spec in charts {
        ui.add_space(8.0);
        ui.allocate_ui(egui::vec2(ui.available_width(), CHART_HEIGHT), |ui| {
            chart(app, ui, spec);
        });
    }
}
