//! The Anomalies tab on a feature table: pick feature, label, group and fold columns and a
//! detector (scored on the worker at each change), then the score histogram with the
//! draggable threshold, live flag counts and P/R/F1, ROC and precision–recall curves, the
//! flagged rows and the detector map. Layout only; results come from the worker.

use std::fmt::Write as _;
use std::sync::Arc;

use super::super::App;
use super::super::plot::chart_ui;
use streamlens_detect::table::view::TableView;
use streamlens_report::anomaly_tables::flagged_rows;
use streamlens_report::chart::anomalies::ScoreCharts;
use streamlens_report::chart::model_map::model_map_chart;

const MAP_HEIGHT: f32 = 380.0;

pub fn feature_table_ui(app: &mut App, ui: &mut egui::Ui) {
    let Some(t) = app.anomalies.table.as_mut() else {
        return;
    };
    let name = t.path.file_name().map_or_else(
        || t.path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut close = false;
    let mut as_telemetry = false;
    ui.horizontal_wrapped(|ui| {
        ui.strong(format!("Feature table: {name}"))
            .on_hover_text(t.path.display().to_string());
        if let Some(s) = &t.summary {
            ui.label(format!("{} rows · {} columns", s.rows, s.columns.len()));
        }
        if ui.button("Close table").clicked() {
            close = true;
        }
        if t.as_telemetry.is_some()
            && ui
                .button("Load as telemetry…")
                .on_hover_text("Map this file's columns to the telemetry schema instead")
                .clicked()
        {
            as_telemetry = true;
        }
    });
    if as_telemetry {
        app.mapping_dialog = t.as_telemetry.clone();
    }
    if close {
        app.close_feature_table();
        return;
    }
    let Some(summary) = t.summary.clone() else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Reading the table's columns…");
        });
        return;
    };
    egui::CollapsingHeader::new("Columns and detector")
        .default_open(true)
        .show(ui, |ui| {
            super::table_setup::setup_ui(ui, &summary, &mut t.setup);
        });
    let failed = t
        .failed
        .as_ref()
        .filter(|(s, _)| *s == t.setup.scoring_key())
        .map(|(_, m)| m.clone());
    super::table_setup::model_row_ui(app, ui);
    let Some((view, stale)) = app.table_results() else {
        match failed {
            Some(message) => {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
            None if app
                .anomalies
                .table
                .as_ref()
                .is_some_and(|t| t.setup.features.is_empty()) =>
            {
                ui.label("Tick at least one feature column.");
            }
            None => {
                let progress = app
                    .anomalies
                    .table
                    .as_ref()
                    .map(|t| Arc::clone(&t.progress));
                ui.horizontal(|ui| {
                    ui.label("Scoring the rows:");
                    if let Some(p) = progress {
                        super::progress_ui(ui, &p);
                    }
                });
            }
        }
        return;
    };
    if let Some(message) = failed {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("{message} (showing the previous result)"),
        );
    }
    let threshold = app.table_threshold(&view);
    status_ui(app, ui, &view, threshold, stale);
    egui::ScrollArea::vertical()
        .id_salt("feature_table")
        .show(ui, |ui| {
            charts_ui(app, ui, &view, threshold);
            ui.separator();
            rows_ui(app, ui, &view, threshold);
            ui.separator();
            map_ui(app, ui, &view, threshold);
        });
}

fn status_ui(app: &mut App, ui: &mut egui::Ui, view: &TableView, threshold: f64, stale: bool) {
    let at = view.display.sweep.at(threshold);
    let pct = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{:.1} %", 100.0 * v));
    ui.horizontal_wrapped(|ui| {
        if stale && let Some(t) = app.anomalies.table.as_ref() {
            super::progress_ui(ui, &Arc::clone(&t.progress));
        }
        ui.label(format!(
            "{} rows · {} flagged ({:.1} %) at τ {threshold:.3}",
            view.scores.len(),
            at.flagged,
            100.0 * at.flag_rate
        ));
        let mut tau = threshold;
        if ui
            .add(egui::DragValue::new(&mut tau).speed(0.05).max_decimals(3))
            .on_hover_text(
                "Rows scoring above it are flagged; also set by pressing on the histogram",
            )
            .changed()
            && let Some(t) = app.anomalies.table.as_mut()
        {
            t.threshold = Some(tau);
        }
        if ui
            .button("Default")
            .on_hover_text("The median of the folds' thresholds")
            .clicked()
            && let Some(t) = app.anomalies.table.as_mut()
        {
            t.threshold = None;
        }
        if view.display.sweep.has_labels() {
            ui.label(format!(
                "· precision {} · recall {} · F1 {}",
                pct(at.precision),
                pct(at.recall),
                pct(at.f1)
            ));
            let w = &view.report.window;
            let auc = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{v:.3}"));
            let mut text = format!(
                "· rows: AUC {} · AP {}",
                auc(w.roc_auc),
                auc(w.average_precision)
            );
            if let Some(g) = &view.report.group {
                let _ = write!(text, " · groups ({}): AUC {}", g.groups, auc(g.roc_auc));
            }
            ui.label(text);
        }
    });
}

fn charts_ui(app: &mut App, ui: &mut egui::Ui, view: &TableView, threshold: f64) {
    let charts = ScoreCharts {
        display: &view.display,
        noun: "row",
        roc_auc: view.report.window.roc_auc,
        average_precision: view.report.window.average_precision,
    };
    let dragged = super::score_charts::score_charts_row(app, ui, &charts, threshold);
    if let (Some(x), Some(t)) = (dragged, app.anomalies.table.as_mut()) {
        t.threshold = Some(x);
    }
}

/// The flagged rows in the project's sortable table (rows drawn lazily, so all of them).
fn rows_ui(app: &mut App, ui: &mut egui::Ui, view: &Arc<TableView>, threshold: f64) {
    // Building the flagged rows is cached per (results, τ), not redone every frame.
    let key = (Arc::as_ptr(view) as usize, threshold.to_bits());
    let Some(t) = app.anomalies.table.as_mut() else {
        return;
    };
    let table = match &t.flagged {
        Some((ptr, bits, table)) if (*ptr, *bits) == key => Arc::clone(table),
        _ => {
            let table = Arc::new(flagged_rows(view, threshold));
            t.flagged = Some((key.0, key.1, Arc::clone(&table)));
            table
        }
    };
    if super::table::table_ui(ui, &table, &mut t.flagged_sort, 220.0) {
        app.export_table(&table);
    }
}

fn map_ui(app: &mut App, ui: &mut egui::Ui, view: &Arc<TableView>, threshold: f64) {
    let Some(t) = app.anomalies.table.as_mut() else {
        return;
    };
    let Some(map) = t.map.as_mut() else {
        if view.model.bag.is_empty() {
            ui.weak("No detector map: fewer than two normal rows.");
        } else {
            ui.weak(format!(
                "No detector map: the opened model averages {} detectors, each over its own \
                 features, so no one plane shows its boundary.",
                1 + view.model.bag.len()
            ));
        }
        return;
    };
    // The boundary follows the threshold in use (traced again on the stored score grid).
    if map.map.threshold.to_bits() != threshold.to_bits() {
        map.map.set_threshold(threshold);
    }
    let m = &map.map;
    let mut to_feed = None;
    ui.horizontal_wrapped(|ui| {
        ui.strong("Detector map");
        ui.label(format!(
            "detector fitted on {} normal rows, boundary at τ {:.2}",
            m.training_rows, m.threshold
        ));
        if m.support_count() > 0 {
            ui.label(format!("· {} support vectors", m.support_count()));
        }
        to_feed = super::model_map::feed_controls_ui(ui, m, "rows");
    });
    // Rebuilt only when the results, τ or the fed model change.
    let key = [
        Arc::as_ptr(view) as u64,
        0,
        m.fed as u64,
        threshold.to_bits(),
        0,
    ];
    let spec = t.map_spec.get(key, || model_map_chart(map));
    ui.allocate_ui(egui::vec2(ui.available_width(), MAP_HEIGHT), |ui| {
        if let Some(format) = chart_ui(ui, &spec, "table_map").export {
            app.export_chart(&spec, format);
        }
    });
    ui.weak(
        "Rows projected on the detector's first two principal components; the boundary is where \
         the score equals τ on this plane, so rows off the plane can sit across it. Hover a \
         point to see its row.",
    );
    match to_feed {
        Some(0) => app.reset_table_map(),
        Some(count) => app.feed_table_map(count),
        None => {}
    }
}
