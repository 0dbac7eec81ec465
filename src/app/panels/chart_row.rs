//! Rows of charts and tables with their export buttons, for views that lay out several
//! side by side (Network ▸ What-if).

use streamlens_report::chart::ChartSpec;
use streamlens_report::tables::TableSpec;

use super::super::App;
use super::super::plot::chart_ui;
use super::table::table_ui;

pub const CHART_HEIGHT: f32 = 300.0;

/// Charts side by side, each with its export buttons.
pub fn charts_row_ui(app: &mut App, ui: &mut egui::Ui, charts: &[ChartSpec], salt: &str) {
    if charts.is_empty() {
        return;
    }
    let mut export = None;
    ui.columns(charts.len(), |columns| {
        for (column, spec) in columns.iter_mut().zip(charts) {
            column.allocate_ui(egui::vec2(column.available_width(), CHART_HEIGHT), |ui| {
                if let Some(format) = chart_ui(ui, spec, (salt, &spec.id)).export {
                    export = Some((spec.clone(), format));
                }
            });
        }
    });
    if let Some((spec, format)) = export {
        app.export_chart(&spec, format);
    }
    ui.add_space(8.0);
}

pub fn show_table(app: &mut App, ui: &mut egui::Ui, table: &TableSpec, height: f32) {
    let sort = app.ui.table_sort.entry(table.id.clone()).or_default();
    if table_ui(ui, table, sort, height) {
        app.export_table(table);
    }
}
