//! The row of score charts the Anomalies view shows for events and for feature tables alike.

use super::super::App;
use super::super::plot::{chart_ui, draggable_chart_ui};
use streamlens_report::chart::anomalies::{ScoreCharts, precision_recall, roc, score_histogram};

pub(super) const CHART_HEIGHT: f32 = 300.0;

/// The score histogram (press or drag on it to set τ) beside the ROC and precision–recall
/// curves, each exportable; returns the x the user pressed on the histogram.
pub(super) fn score_charts_row(
    app: &mut App,
    ui: &mut egui::Ui,
    charts: &ScoreCharts<'_>,
    threshold: f64,
) -> Option<f64> {
    let histogram = score_histogram(charts, threshold);
    let curves: Vec<_> = [roc(charts, threshold), precision_recall(charts, threshold)]
        .into_iter()
        .flatten()
        .collect();
    let mut exports = Vec::new();
    let mut dragged = None;
    ui.columns(1 + curves.len(), |columns| {
        columns[0].set_height(CHART_HEIGHT);
        let response = draggable_chart_ui(&mut columns[0], &histogram, &histogram.id);
        dragged = response.dragged_x;
        if let Some(format) = response.export {
            exports.push((histogram.clone(), format));
        }
        for (spec, column) in curves.iter().zip(&mut columns[1..]) {
            column.set_height(CHART_HEIGHT);
            if let Some(format) = chart_ui(column, spec, &spec.id).export {
                exports.push((spec.clone(), format));
            }
        }
    });
    for (spec, format) in exports {
        app.export_chart(&spec, format);
    }
    dragged
}
