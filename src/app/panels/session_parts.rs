//! Pieces the Sessions view and a KPI result's page share: a chart with its exports, a table
//! by id, and charts laid out two by two.

use super::super::App;
use super::super::plot::chart_ui;
use super::super::sessions::SessionAnswer;
use streamlens_report::chart::ChartSpec;
use streamlens_report::tables::TableSpec;

pub const CHART_HEIGHT: f32 = 300.0;

pub fn chart(app: &mut App, ui: &mut egui::Ui, spec: &ChartSpec) {
    if let Some(format) = chart_ui(ui, spec, &spec.id).export {
        app.export_chart(spec, format);
    }
}

#[must_use]
pub fn table<'a>(answer: &'a SessionAnswer, id: &str) -> Option<&'a TableSpec> {
    answer.tables.iter().find(|t| t.id == id)
}

/// `charts` two per row.
pub fn chart_pairs(app: &mut App, ui: &mut egui::Ui, charts: &[&ChartSpec]) {
    for pair in charts.chunks(2) {
        ui.columns(2, |cols| {
            for (col, spec) in cols.iter_mut().zip(pair) {
                col.set_height(CHART_HEIGHT);
                chart(app, col, spec);
            }
        });
        ui.add_space(8.0);
    }
}
