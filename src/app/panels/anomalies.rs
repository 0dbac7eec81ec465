//! The Anomalies tab: which events of the filtered telemetry had a network anomaly. Detector
//! and labels in the toolbar; the event-score histogram with the threshold you press or drag,
//! live flag counts and (with labels) precision / recall / F1, ROC and precision–recall curves
//! with the operating point; the flagged events; the selected event's root cause and timeline.
//! Results come from the anomalies worker; this file only lays them out.

use std::sync::Arc;

use super::super::App;
use super::super::file_dialogs::DialogKind;
use super::super::plot::chart_ui;
use streamlens_events::root::unit_words;
use streamlens_events::score::MIN_LEVEL_WINDOWS;
use streamlens_events::view::ReportView;
use streamlens_report::anomaly_tables::flagged_events;
use streamlens_report::chart::anomalies::{ScoreCharts, event_timeline};
use streamlens_report::tables::Cell;

use super::score_charts::{CHART_HEIGHT, score_charts_row};

pub fn anomalies_ui(app: &mut App, ui: &mut egui::Ui) {
    if let Some(table) = &app.anomalies.table {
        let name = table.path.file_name().map_or_else(
            || table.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        ui.horizontal(|ui| {
            ui.label("Show");
            ui.selectable_value(&mut app.anomalies.show_table, false, "Telemetry events");
            ui.selectable_value(
                &mut app.anomalies.show_table,
                true,
                format!("Feature table {name}"),
            );
        });
        ui.separator();
    }
    if app.anomalies.show_table && app.anomalies.table.is_some() {
        super::feature_table::feature_table_ui(app, ui);
        return;
    }
    toolbar_ui(app, ui);
    ui.separator();
    let running = app.anomalies.running.is_some();
    let Some((view, stale)) = app.anomaly_results() else {
        if app.dataset.is_none() {
            ui.label("Open telemetry (File, then Open…) to look for anomalous events.");
        } else if app.anomalies.cancelled.is_some() {
            ui.label("Cancelled. Press Run to score the events.");
        } else {
            ui.horizontal(|ui| {
                ui.label("Scoring events:");
                super::progress_ui(ui, &app.anomalies.progress);
            });
            super::deep_training::live_training_ui(app, ui);
        }
        return;
    };
    if view.report.levels.iter().all(|l| l.windows_scored == 0) {
        ui.label(format!(
            "Too few per-minute windows to fit a detector: each level needs at least {} \
             (one per unit and minute), and the {} filtered rows give fewer. Widen the filters \
             or open more data.",
            MIN_LEVEL_WINDOWS, view.report.rows
        ));
        return;
    }
    let threshold = app.anomaly_threshold(&view);
    status_ui(ui, &view, threshold, stale || running);
    egui::ScrollArea::vertical()
        .id_salt("anomalies")
        .show(ui, |ui| {
            if running {
                super::deep_training::live_training_ui(app, ui);
            }
            charts_ui(app, ui, &view, threshold);
            ui.separator();
            flagged_ui(app, ui, &view, threshold);
            ui.separator();
            super::incident_kinds::kinds_ui(app, ui, &view, threshold);
            ui.separator();
            selected_ui(app, ui, &view);
            ui.separator();
            super::model_map::model_map_ui(app, ui, &view, threshold);
            super::deep_training::trained_model_ui(app, ui, &view);
        });
}

fn toolbar_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Detector");
        super::deep_training::detector_choice_ui(app, ui);
        let settings = &mut app.state.anomalies;
        ui.label("Min viewers");
        ui.add(
            egui::DragValue::new(&mut settings.min_viewers)
                .range(1.0..=100.0)
                .speed(0.2),
        )
        .on_hover_text("Cities and segments with fewer viewers in a usual minute are only seen through the whole event");
        super::anomaly_toolbar::features_menu_ui(app, ui);
        ui.separator();
        if let Some(path) = app.anomalies.labels_file.clone() {
            {
                let name = path
                    .file_name()
                    .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
                ui.label(format!("Labels: {name}"))
                    .on_hover_text(path.display().to_string());
                if ui.button("Forget labels").clicked() {
                    app.forget_labels_file();
                }
            }
        } else {
            {
                if app.state.files.is_empty() {
                    ui.label("Labels: the sample's");
                }
                if ui
                    .button("Open labels…")
                    .on_hover_text("CSV: event_id,anomalous,kind,start_ms,end_ms,scope (as `streamlens generate` writes)")
                    .clicked()
                {
                    app.ask_for_path(DialogKind::OpenLabels);
                }
            }
        }
        let has_labels = app.anomalies.labels_file.is_some() || app.state.files.is_empty();
        ui.add_enabled(
            has_labels && app.anomalies.model_file.is_none(),
            egui::Checkbox::new(
                &mut app.state.anomalies.fit_on_normal,
                "Fit on normal events",
            ),
        )
        .on_hover_text(
            "Fit the detectors only on events the labels mark normal, instead of on every event \
             (robust to the anomalous ones)",
        )
        .on_disabled_hover_text("Needs labels, and no saved model");
        ui.separator();
        super::anomaly_toolbar::model_file_ui(app, ui);
        ui.separator();
        if app.anomalies.running.is_some() {
            super::progress_ui(ui, &app.anomalies.progress);
            if ui.button("Cancel").clicked() {
                app.cancel_anomalies();
            }
        } else if app.anomalies.cancelled.is_some() && ui.button("Run").clicked() {
            app.rerun_anomalies();
        }
        let Some((_, view)) = app.anomalies.results.clone() else {
            return;
        };
        ui.separator();
        let mut threshold = app.anomaly_threshold(&view);
        if !threshold.is_finite() {
            // No event could be scored: there is nothing to threshold.
            ui.weak("No threshold: no event could be scored");
            return;
        }
        ui.label("Threshold");
        if ui
            .add(egui::DragValue::new(&mut threshold).speed(0.05).max_decimals(3))
            .on_hover_text("Events scoring above it are flagged; also set by pressing on the histogram")
            .changed()
        {
            app.anomalies.threshold = Some(threshold);
        }
        if ui
            .add_enabled(app.anomalies.threshold.is_some(), egui::Button::new("Default"))
            .on_hover_text(
                "Median + 2.5 × 1.4826 × MAD of the events' excess (exp(score) − 1), on the \
                 score's scale",
            )
            .clicked()
        {
            app.anomalies.threshold = None;
        }
    });
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{:.1} %", 100.0 * v))
}

fn status_ui(ui: &mut egui::Ui, view: &ReportView, threshold: f64, updating: bool) {
    let at = view.display.sweep.at(threshold);
    ui.horizontal_wrapped(|ui| {
        if updating {
            ui.spinner();
            ui.weak("updating…");
        }
        if !threshold.is_finite() {
            ui.label(format!(
                "{} events ({} rows): none could be scored. A level needs at least 20 minute \
                 windows to fit its detector; load more telemetry or widen the filters.",
                view.report.events.len(),
                view.report.rows,
            ));
            return;
        }
        ui.label(format!(
            "{} events ({} rows) · {} flagged ({:.1} %) at threshold {threshold:.3} (press or drag on the histogram to move it)",
            view.report.events.len(),
            view.report.rows,
            at.flagged,
            100.0 * at.flag_rate,
        ));
        if let Some(m) = &view.metrics {
            ui.separator();
            ui.label(format!(
                "precision {} · recall {} · F1 {}",
                pct(at.precision),
                pct(at.recall),
                at.f1.map_or_else(|| "–".into(), |f| format!("{f:.3}"))
            ));
            ui.separator();
            ui.label(format!(
                "ROC AUC {} · AP {} · scope hit {} of {} labelled anomalous",
                m.roc_auc.map_or_else(|| "–".into(), |v| format!("{v:.3}")),
                m.average_precision
                    .map_or_else(|| "–".into(), |v| format!("{v:.3}")),
                pct(m.scope_hit_rate),
                m.anomalous_events
            ));
        }
    });
}

fn charts_ui(app: &mut App, ui: &mut egui::Ui, view: &ReportView, threshold: f64) {
    if let Some(x) = score_charts_row(app, ui, &ScoreCharts::of_events(view), threshold) {
        app.anomalies.threshold = Some(x);
    }
}

fn flagged_ui(app: &mut App, ui: &mut egui::Ui, view: &Arc<ReportView>, threshold: f64) {
    let kinds = app.incident_kinds(view, threshold);
    let table = flagged_events(view, threshold, kinds.as_deref());
    ui.horizontal(|ui| {
        ui.strong(format!("{} ({})", table.title, table.rows.len()));
        if ui
            .button("Export CSV…")
            .on_hover_text("Save the flagged events as CSV")
            .clicked()
        {
            app.export_table(&table);
        }
        super::table::copy_button_ui(ui, &table);
    });
    if table.rows.is_empty() {
        ui.label("No event scores above the threshold. Press further left on the histogram to flag more.");
        return;
    }
    // Both ways: long root causes scroll inside the table instead of widening the page.
    egui::ScrollArea::both()
        .id_salt("flagged_events")
        .max_height(220.0)
        .show(ui, |ui| {
            egui::Grid::new("flagged_grid")
                .striped(true)
                .num_columns(table.columns.len())
                .show(ui, |ui| {
                    for c in &table.columns {
                        ui.strong(c);
                    }
                    ui.end_row();
                    for (r, row) in table.rows.iter().enumerate() {
                        let Some(Cell::Text(id)) = row.first() else {
                            continue;
                        };
                        let selected = app.anomalies.selected.as_deref() == Some(id.as_str());
                        let response = ui.selectable_label(selected, id);
                        if response.clicked() {
                            app.anomalies.selected = Some(id.clone());
                        }
                        super::table::copy_menu(&response, &table, r, 0);
                        for (c, cell) in row.iter().enumerate().skip(1) {
                            let response = ui.label(cell.display());
                            super::table::copy_menu(&response, &table, r, c);
                        }
                        ui.end_row();
                    }
                });
        });
}

fn selected_ui(app: &mut App, ui: &mut egui::Ui, view: &ReportView) {
    // Default to the highest-scoring event, so the tab opens on something to look at.
    let chosen = app
        .anomalies
        .selected
        .as_deref()
        .and_then(|id| view.report.events.iter().position(|e| e.event_id == id))
        .or_else(|| {
            (0..view.report.events.len()).max_by(|&a, &b| {
                view.report.events[a]
                    .score
                    .total_cmp(&view.report.events[b].score)
            })
        });
    let Some(i) = chosen else {
        return;
    };
    let event = &view.report.events[i];
    let Some(dataset) = app.dataset.clone() else {
        return;
    };
    let (words, _) = unit_words(&dataset, event.timeline.unit);
    ui.strong(format!(
        "Event {} · score {:.2}{}",
        event.event_id,
        event.score,
        if event.flagged_at(app.anomaly_threshold(view)) {
            " · flagged"
        } else {
            ""
        }
    ));
    match &event.root {
        Some(root) => {
            ui.label(format!("Root cause: {}", root.text));
        }
        None => {
            ui.label("No unit of this event could be scored (too few viewers).");
        }
    }
    if let Some(label) = &view.labels[i] {
        ui.weak(if label.anomalous {
            format!("Label: {} in {}", label.kind, label.scope)
        } else {
            "Label: normal".into()
        });
    }
    let spec = event_timeline(event, &words);
    ui.allocate_ui(egui::vec2(ui.available_width(), CHART_HEIGHT), |ui| {
        if let Some(format) = chart_ui(ui, &spec, "event_timeline").export {
            app.export_chart(&spec, format);
        }
    });
}
