//! Telemetry ▸ Viewer segments: the filtered viewers clustered by engagement and `QoE` profile
//! (k-means, k by silhouette), each segment's size and centroid in words, the viewers on
//! engagement × `QoE`, and how segments split by viewer type and country. Layout only.

use super::super::App;
use super::chart_row::{charts_row_ui, show_table};
use streamlens_report::segment_tables::{
    segments_scatter, segments_table, split_chart, viewers_table,
};

pub fn segments_ui(app: &mut App, ui: &mut egui::Ui) {
    let running = app.segments.running.is_some();
    ui.horizontal_wrapped(|ui| {
        if running {
            super::progress_ui(ui, &app.segments.progress);
            if ui.button("Cancel").clicked() {
                app.cancel_segments();
            }
        } else if app.segments.cancelled.is_some() && ui.button("Run").clicked() {
            app.rerun_segments();
        }
    });
    let Some((segments, stale)) = app.segment_results() else {
        if app.dataset.is_none() {
            ui.label("Open telemetry (File, then Open…) to segment its viewers.");
        } else if app.segments.cancelled.is_some() {
            ui.label("Cancelled. Press Run to segment the viewers.");
        }
        return;
    };
    ui.horizontal_wrapped(|ui| {
        if stale || running {
            ui.spinner();
            ui.weak("updating…");
        }
        ui.label(format!(
            "{} viewers in {} segments, clustered by k-means on mean engagement, mean QoE, \
             share of samples below QoE 0.8, mean buffering and samples per viewer \
             (standardised); k = {} chosen by silhouette{}.",
            segments.profiles.len(),
            segments.segments.len(),
            segments.segments.len(),
            segments
                .silhouette
                .map_or_else(String::new, |s| format!(" ({s:.2})"))
        ));
    });
    if segments.profiles.is_empty() {
        ui.label("No viewer passes the filters.");
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("segments")
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.strong("Segments");
                if ui
                    .button("Export viewers CSV…")
                    .on_hover_text("Every viewer with their segment and profile")
                    .clicked()
                    && let Some(dataset) = app.dataset.clone()
                {
                    app.export_table(&viewers_table(&dataset, &segments));
                }
            });
            show_table(app, ui, &segments_table(&segments), 160.0);
            let mut charts = vec![segments_scatter(&segments)];
            charts.extend(
                segments
                    .splits
                    .iter()
                    .filter(|s| s.dimension == "viewer type")
                    .map(|s| split_chart(&segments, s)),
            );
            charts_row_ui(app, ui, &charts, "segments");
            let by_country: Vec<_> = segments
                .splits
                .iter()
                .filter(|s| s.dimension == "country")
                .map(|s| split_chart(&segments, s))
                .collect();
            charts_row_ui(app, ui, &by_country, "segments_country");
        });
}
