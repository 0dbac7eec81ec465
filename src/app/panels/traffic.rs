//! The Traffic tab: live vs VOD from packet captures. Captures and model in the toolbar; per
//! capture the verdicts table, throughput with spikes and idle gaps, chunk probabilities and
//! features; the leave-one-capture-out evaluation below. Results come from the traffic
//! worker; this file only lays them out.

use std::sync::Arc;

use super::super::App;
use super::super::file_dialogs::DialogKind;
use super::super::plot::chart_ui;
use super::super::traffic::TrafficParts;
use super::table::table_ui;
use streamlens_report::chart::traffic::{
    chunk_probabilities, confusion, connection_throughput, importance, throughput,
};
use streamlens_report::traffic_tables::{
    capture_chunks, capture_verdicts, evaluation_captures, evaluation_importance,
    evaluation_metrics,
};
use streamlens_traffic::chunk::{MAX_WINDOW_SECS, MIN_WINDOW_SECS};
use streamlens_traffic::model::Classifier;
use streamlens_traffic::workbench::TrafficResults;

const CHART_HEIGHT: f32 = 320.0;

pub fn traffic_ui(app: &mut App, ui: &mut egui::Ui) {
    toolbar_ui(app, ui);
    ui.separator();
    if app.traffic.sources.is_empty() {
        empty_ui(app, ui);
        return;
    }
    let running = app.traffic_running();
    ui.horizontal_wrapped(|ui| {
        if running {
            super::progress_ui(ui, &app.traffic.progress);
            if ui.button("Cancel").clicked() {
                app.cancel_traffic();
            }
        } else if app.traffic.cancelled.is_some() && ui.button("Run").clicked() {
            app.rerun_traffic();
        }
    });
    let Some((results, stale)) = app.traffic_results() else {
        if app.traffic.cancelled.is_some() {
            ui.label("Cancelled. Press Run to read, evaluate and classify the captures.");
        }
        return;
    };
    status_ui(ui, &results, stale || running);
    let parts = parts(app, &results);
    egui::ScrollArea::vertical()
        .id_salt("traffic")
        .show(ui, |ui| {
            captures_ui(app, ui, &parts);
            evaluation_ui(app, ui, &parts);
        });
}

fn toolbar_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        if ui
            .button("Add captures…")
            .on_hover_text("network-stats CSV files; `live` or `streaming` in a file name labels it")
            .clicked()
        {
            app.ask_for_path(DialogKind::OpenCaptures);
        }
        if ui
            .button("Add demo captures")
            .on_hover_text("Eight seeded synthetic captures (four live, four VOD), 300 s each")
            .clicked()
        {
            app.add_demo_captures();
        }
        if ui
            .add_enabled(!app.traffic.sources.is_empty(), egui::Button::new("Clear"))
            .clicked()
        {
            app.clear_captures();
        }
        ui.separator();
        let from_model = app.traffic.model.is_some();
        let window = &mut app.state.traffic.window;
        ui.add_enabled_ui(!from_model, |ui| {
            ui.label("Window");
            ui.add(
                egui::DragValue::new(&mut window.window_secs)
                    .range(MIN_WINDOW_SECS..=MAX_WINDOW_SECS)
                    .suffix(" s"),
            )
            .on_hover_text("Length of each chunk the classifier judges");
            let mut overlap = window.hop_secs.is_some();
            if ui
                .checkbox(&mut overlap, "hop")
                .on_hover_text("Start a chunk every hop seconds instead of every window")
                .changed()
            {
                window.hop_secs = overlap.then_some((window.window_secs / 2).max(1));
            }
            if let Some(hop) = &mut window.hop_secs {
                ui.add(
                    egui::DragValue::new(hop)
                        .range(1..=window.window_secs)
                        .suffix(" s"),
                );
            }
        })
        .response
        .on_disabled_hover_text("The model file sets the window it was trained with");
        if let Some(hop) = &mut window.hop_secs {
            *hop = (*hop).clamp(1, window.window_secs);
        }
        ui.separator();
        ui.label("Verdicts by");
        let classifier = &mut app.state.traffic.classifier;
        ui.radio_value(classifier, Classifier::RandomForest, "random forest");
        ui.radio_value(classifier, Classifier::LogisticRegression, "logistic regression");
        ui.separator();
        match app.traffic.model.clone() {
            Some(path) => {
                let name = path
                    .file_name()
                    .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
                ui.label(format!("Model: {name}"))
                    .on_hover_text(path.display().to_string());
                if ui.button("Use labelled captures").clicked() {
                    app.forget_model_file();
                }
            }
            None => {
                if ui
                    .button("Open model…")
                    .on_hover_text("Judge the captures with a model saved earlier (or by `streamlens traffic train`)")
                    .clicked()
                {
                    app.ask_for_path(DialogKind::OpenModel);
                }
            }
        }
        let trained = app
            .traffic
            .results
            .as_ref()
            .is_some_and(|(_, r)| r.trained.is_some());
        if ui
            .add_enabled(trained, egui::Button::new("Save trained model…"))
            .on_hover_text("The model trained on every labelled capture here")
            .on_disabled_hover_text("Needs labelled live and VOD captures")
            .clicked()
        {
            app.save_trained_model();
        }
    });
}

fn empty_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.add_space(12.0);
    ui.heading("Live or video on demand?");
    ui.label(
        "Add network-stats packet captures (CSV: Time, IP1, Port1, IP2, Port2, Proto, byte and \
         packet counts, packet_times, packet_sizes, packet_dirs) by dropping them on the window \
         or with \"Add captures…\". Each capture is cut into windows; every window gets \
         throughput, spike, burst and spectral features and a probability of live.",
    );
    ui.label(
        "File names that contain `live` or `streaming` label a capture. With two labelled \
         captures of each kind the classifiers are evaluated leave-one-capture-out, and each \
         labelled capture is judged by the model that never saw it.",
    );
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        if ui.button("Add captures…").clicked() {
            app.ask_for_path(DialogKind::OpenCaptures);
        }
        if ui.button("Try the demo captures").clicked() {
            app.add_demo_captures();
        }
    });
}

fn status_ui(ui: &mut egui::Ui, results: &TrafficResults, updating: bool) {
    ui.horizontal_wrapped(|ui| {
        let chunks: usize = results.captures.iter().map(|c| c.chunks.len()).sum();
        let w = results.window;
        let hop = w
            .hop_secs
            .map_or(String::new(), |h| format!(", a new one every {h} s"));
        ui.label(format!(
            "{} captures, {chunks} chunks of {} s{hop}",
            results.captures.len(),
            w.window_secs
        ));
        if updating {
            ui.spinner();
            ui.weak("updating…");
        }
    });
    for note in &results.notes {
        ui.weak(note);
    }
}

/// The cached charts and tables, rebuilt when the result, selection or classifier changes.
fn parts(app: &mut App, results: &Arc<TrafficResults>) -> Arc<TrafficParts> {
    let classifier = app.state.traffic.classifier;
    if app.traffic.selected >= results.captures.len() {
        app.traffic.selected = 0;
    }
    let (selected, connection) = (app.traffic.selected, app.traffic.connection);
    if let Some(p) = &app.traffic.parts
        && Arc::ptr_eq(&p.results, results)
        && p.selected == selected
        && p.connection == connection
        && p.classifier == classifier
    {
        return Arc::clone(p);
    }
    let parts = Arc::new(build_parts(results, selected, connection, classifier));
    app.traffic.parts = Some(Arc::clone(&parts));
    parts
}

fn build_parts(
    results: &Arc<TrafficResults>,
    selected: usize,
    connection: Option<usize>,
    classifier: Classifier,
) -> TrafficParts {
    let mut capture_charts = Vec::new();
    let mut tables = vec![capture_verdicts(results, classifier)];
    if let Some(view) = results.captures.get(selected) {
        capture_charts.push(throughput(view));
        if let Some(spec) = connection.and_then(|c| connection_throughput(view, c)) {
            capture_charts.push(spec);
        }
        let judged = results
            .verdicts
            .get(selected)
            .and_then(|v| v.as_ref())
            .and_then(|v| v.get(classifier));
        if let Some(judged) = judged {
            capture_charts.push(chunk_probabilities(
                view,
                judged,
                results.window.window_secs,
            ));
        }
        tables.push(capture_chunks(&view.name, &view.chunks, judged));
    }
    let mut evaluation_charts = Vec::new();
    let mut evaluation_tables = Vec::new();
    if let Some(e) = &results.evaluation {
        if let Some(r) = e.classifiers.iter().find(|r| r.classifier == classifier) {
            let name = classifier.as_str();
            evaluation_charts.push(confusion(
                &format!("confusion_chunks_{name}"),
                "Chunks, out of fold",
                &r.chunk_metrics,
            ));
            evaluation_charts.push(confusion(
                &format!("confusion_captures_{name}"),
                "Captures by mean probability",
                &r.capture_metrics,
            ));
            evaluation_charts.push(importance(r));
        }
        evaluation_tables.extend([
            evaluation_metrics(e),
            evaluation_captures(e),
            evaluation_importance(e),
        ]);
    }
    TrafficParts {
        selected,
        connection,
        classifier,
        results: Arc::clone(results),
        capture_charts,
        evaluation_charts,
        tables,
        evaluation_tables,
    }
}

fn captures_ui(app: &mut App, ui: &mut egui::Ui, parts: &TrafficParts) {
    let results = &parts.results;
    if let Some(table) = parts.tables.first() {
        show_table(app, ui, table, 240.0);
    }
    ui.add_space(8.0);
    let Some(view) = results.captures.get(parts.selected) else {
        return;
    };
    ui.horizontal(|ui| {
        ui.label("Capture");
        let mut selected = parts.selected;
        egui::ComboBox::from_id_salt("traffic_capture")
            .selected_text(&view.name)
            .width(320.0)
            .show_ui(ui, |ui| {
                for (i, c) in results.captures.iter().enumerate() {
                    ui.selectable_value(&mut selected, i, &c.name);
                }
            });
        if ui
            .add_enabled(parts.selected > 0, egui::Button::new("Previous"))
            .clicked()
        {
            selected -= 1;
        }
        if ui
            .add_enabled(
                parts.selected + 1 < results.captures.len(),
                egui::Button::new("Next"),
            )
            .clicked()
        {
            selected += 1;
        }
        if selected != app.traffic.selected {
            app.traffic.selected = selected;
            app.traffic.connection = None;
        }
        if ui.button("Remove this capture").clicked() {
            app.remove_capture(&view.source);
        }
    });
    connection_ui(app, ui, parts);
    for spec in &parts.capture_charts {
        ui.allocate_ui(egui::vec2(ui.available_width(), CHART_HEIGHT), |ui| {
            if let Some(format) = chart_ui(ui, spec, &spec.id).export {
                app.export_chart(spec, format);
            }
        });
        ui.add_space(8.0);
    }
    if let Some(table) = parts.tables.get(1) {
        show_table(app, ui, table, 260.0);
    }
}

/// Draw one connection of the capture on its own, busiest first.
fn connection_ui(app: &mut App, ui: &mut egui::Ui, parts: &TrafficParts) {
    const ALL: &str = "all, summed (what the classifier sees)";
    let Some(view) = parts.results.captures.get(parts.selected) else {
        return;
    };
    let connections = &view.series.per_connection;
    let name = |i: usize| {
        let c = &connections[i].connection;
        format!(
            "{}  ({:.2} MB down, {:.2} MB up)",
            c.key,
            c.down_bytes as f64 / 1e6,
            c.up_bytes as f64 / 1e6
        )
    };
    ui.horizontal(|ui| {
        ui.label(format!(
            "Connection ({} in this capture)",
            connections.len()
        ));
        let mut chosen = parts.connection;
        egui::ComboBox::from_id_salt("traffic_connection")
            .selected_text(chosen.map_or_else(|| ALL.to_string(), name))
            .width(460.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut chosen, None, ALL);
                for &i in &view.busiest_connections {
                    ui.selectable_value(&mut chosen, Some(i), name(i));
                }
            });
        app.traffic.connection = chosen;
    });
}

fn evaluation_ui(app: &mut App, ui: &mut egui::Ui, parts: &TrafficParts) {
    let Some(e) = &parts.results.evaluation else {
        return;
    };
    ui.add_space(12.0);
    ui.heading("Leave-one-capture-out evaluation");
    ui.label(format!(
        "{} labelled captures, {} chunks ({} live). Each capture is judged by models trained on \
         the other captures only. With few captures every error moves accuracy a lot.",
        e.captures, e.chunks, e.live_chunks
    ));
    let charts = &parts.evaluation_charts;
    if charts.len() >= 2 {
        ui.columns(2, |cols| {
            for (col, spec) in cols.iter_mut().zip(&charts[..2]) {
                col.set_height(CHART_HEIGHT - 40.0);
                if let Some(format) = chart_ui(col, spec, &spec.id).export {
                    app.export_chart(spec, format);
                }
            }
        });
        ui.add_space(8.0);
    }
    for spec in charts.iter().skip(2) {
        ui.allocate_ui(egui::vec2(ui.available_width(), CHART_HEIGHT), |ui| {
            if let Some(format) = chart_ui(ui, spec, &spec.id).export {
                app.export_chart(spec, format);
            }
        });
        ui.add_space(8.0);
    }
    for table in &parts.evaluation_tables {
        show_table(app, ui, table, 260.0);
        ui.add_space(8.0);
    }
}

fn show_table(
    app: &mut App,
    ui: &mut egui::Ui,
    table: &streamlens_report::tables::TableSpec,
    height: f32,
) {
    let sort = app.ui.table_sort.entry(table.id.clone()).or_default();
    if table_ui(ui, table, sort, height) {
        app.export_table(table);
    }
}
