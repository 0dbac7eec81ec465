//! The Sessions view showing a KPI result read from Parquet (e.g. computed on Spark): the
//! tiles, gauges, per-minute charts and breakdowns of the tables, read-only — filters and
//! comparisons need the player events themselves.

use super::super::App;
use super::super::kpi_result::ResultView;
use super::session_parts::{CHART_HEIGHT, chart, chart_pairs, table};
use super::session_tiles::{gauges_ui, tiles_ui};
use super::table::table_ui;
use streamlens_engine::time_fmt::format_iso;

/// Draws the open KPI result (or that one is being read); false when there is none.
pub fn kpi_result_ui(app: &mut App, ui: &mut egui::Ui) -> bool {
    if let Some((path, _)) = &app.kpi_result.opening {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("Reading the KPI result {}…", path.display()));
        });
        if app.kpi_result.shown.is_none() {
            return true;
        }
    }
    let Some(result) = app.kpi_result.shown.clone() else {
        return false;
    };
    let shown = &result.shown;
    ui.horizontal_wrapped(|ui| {
        ui.strong("KPI result");
        ui.label(format!(
            "{} · {} views",
            result.source.display(),
            shown.answer.kpis.views
        ));
        ui.weak("(computed elsewhere: filters and comparisons need the player events)");
        if ui
            .button("Close result")
            .on_hover_text("Back to the player events open before")
            .clicked()
        {
            app.close_kpi_result();
        }
    });
    egui::ScrollArea::vertical()
        .id_salt("kpi_result")
        .show(ui, |ui| {
            tiles_ui(ui, &shown.answer.kpis);
            ui.add_space(6.0);
            gauges_ui(ui, &shown.answer.kpis);
            ui.add_space(8.0);
            minutes_ui(app, ui, &result);
            breakdown_ui(app, ui, shown);
        });
    true
}

/// The per-minute charts of one active stretch (a webcast, usually) or of all minutes.
fn minutes_ui(app: &mut App, ui: &mut egui::Ui, result: &ResultView) {
    let Some(minutes) = result.shown.answer.minutes.as_deref() else {
        ui.weak("No per-minute table in this result (minutes.parquet): compute it with --minutes.");
        return;
    };
    let label = |stretch: Option<usize>| match stretch.and_then(|i| result.stretches.get(i)) {
        Some(range) => format!(
            "{} · {} min",
            format_iso(minutes[range.start].minute_ms),
            range.len()
        ),
        None => format!("all {} minutes", minutes.len()),
    };
    let mut stretch = app.kpi_result.stretch;
    ui.horizontal(|ui| {
        ui.heading("Per minute");
        ui.label("active stretch");
        egui::ComboBox::from_id_salt("kpi_result_stretch")
            .selected_text(label(stretch))
            .show_ui(ui, |ui| {
                for i in (0..result.stretches.len()).rev() {
                    ui.selectable_value(&mut stretch, Some(i), label(Some(i)));
                }
                ui.selectable_value(&mut stretch, None, label(None));
            });
        ui.weak(format!("{} stretches with views", result.stretches.len()));
    });
    app.kpi_result.stretch = stretch;
    let charts = app.result_minute_charts();
    chart_pairs(app, ui, &charts.iter().collect::<Vec<_>>());
}

/// One breakdown of the result at a time, chosen among the dimensions the tables hold.
fn breakdown_ui(app: &mut App, ui: &mut egui::Ui, shown: &super::super::sessions::SessionAnswer) {
    let breakdowns = &shown.answer.breakdowns;
    if breakdowns.is_empty() {
        ui.weak("The result holds no breakdown (it was computed without --by).");
        return;
    }
    ui.add_space(8.0);
    let mut chosen = app
        .kpi_result
        .dimension
        .clone()
        .filter(|d| breakdowns.iter().any(|(name, _)| name == d))
        .unwrap_or_else(|| breakdowns[0].0.clone());
    ui.horizontal(|ui| {
        ui.heading("Breakdown");
        ui.label("by");
        egui::ComboBox::from_id_salt("kpi_result_breakdown")
            .selected_text(&chosen)
            .show_ui(ui, |ui| {
                for (name, _) in breakdowns {
                    ui.selectable_value(&mut chosen, name.clone(), name);
                }
            });
    });
    app.kpi_result.dimension = Some(chosen.clone());
    if let Some(spec) = table(shown, &format!("sessions_by_{chosen}")) {
        let sort = app.ui.table_sort.entry(spec.id.clone()).or_default();
        let export = table_ui(ui, spec, sort, 280.0);
        if export {
            app.export_table(spec);
        }
    }
    let scores = format!("sessions_scores_by_{chosen}");
    if let Some(spec) = shown.charts.iter().find(|c| c.id == scores) {
        ui.add_space(8.0);
        ui.allocate_ui(egui::vec2(ui.available_width(), CHART_HEIGHT), |ui| {
            chart(app, ui, spec);
        });
    }
}
