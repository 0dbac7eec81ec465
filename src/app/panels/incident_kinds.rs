//! The incident kinds section of the Anomalies tab: the flagged events' incidents clustered
//! into kinds, each kind's size and centroid in words, and the incidents on a 2-D projection
//! coloured by kind. Layout only: the kinds come from the kinds worker.

use std::sync::Arc;

use super::super::App;
use super::super::plot::chart_ui;
use streamlens_events::view::ReportView;
use streamlens_report::incident_tables::{incident_map, incidents_table, kinds_table};

const MAP_HEIGHT: f32 = 300.0;

pub fn kinds_ui(app: &mut App, ui: &mut egui::Ui, view: &Arc<ReportView>, threshold: f64) {
    let kinds = app.incident_kinds(view, threshold);
    let updating = app.anomalies.kinds.running.is_some();
    ui.horizontal(|ui| {
        ui.strong("Incident kinds");
        if updating {
            ui.spinner();
        }
        let Some(kinds) = &kinds else {
            return;
        };
        if ui
            .button("Export CSV…")
            .on_hover_text("Save every flagged event's incident features and kind as CSV")
            .clicked()
        {
            app.export_table(&incidents_table(kinds));
        }
        super::table::copy_button_ui(ui, &incidents_table(kinds));
    });
    let Some(kinds) = kinds else {
        ui.weak("Sorting the flagged events into kinds…");
        return;
    };
    if kinds.incidents.is_empty() {
        ui.weak("No flagged event has a root cause to describe. Lower the threshold to flag more.");
        return;
    }
    ui.weak(format!(
        "The flagged events' incidents clustered by k-means on where, how many, office vs home, \
         buffering vs QoE, depth, duration and how they worsened; k = {} chosen by silhouette{}.",
        kinds.kinds.len(),
        kinds
            .silhouette
            .map_or_else(String::new, |s| format!(" ({s:.2})"))
    ));
    let table = kinds_table(&kinds);
    // Long descriptions scroll inside the table instead of widening the page.
    egui::ScrollArea::both()
        .id_salt("incident_kinds_table")
        .max_height(180.0)
        .show(ui, |ui| {
            egui::Grid::new("incident_kinds_grid")
                .striped(true)
                .num_columns(table.columns.len())
                .show(ui, |ui| {
                    for c in &table.columns {
                        ui.strong(c);
                    }
                    ui.end_row();
                    for (r, row) in table.rows.iter().enumerate() {
                        for (c, cell) in row.iter().enumerate() {
                            let response = ui.label(cell.display());
                            super::table::copy_menu(&response, &table, r, c);
                        }
                        ui.end_row();
                    }
                });
        });
    let spec = incident_map(&kinds);
    ui.allocate_ui(egui::vec2(ui.available_width(), MAP_HEIGHT), |ui| {
        if let Some(format) = chart_ui(ui, &spec, "incident_kinds_map").export {
            app.export_chart(&spec, format);
        }
    });
}
