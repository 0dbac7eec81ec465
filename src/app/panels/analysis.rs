//! One tab per analysis: its parameters, its charts (drawn from the shared chart
//! specs) and its tables; the last result stays on screen with a spinner while a
//! new one is computed.

use super::super::App;
use super::super::plot::chart_ui;
use super::table::table_ui;
use streamlens_engine::analysis::over_time::TimeAxis;
use streamlens_engine::analysis::rows::{GroupBy, Metric};
use streamlens_engine::analysis::suite::AnalysisKind;
use streamlens_report::chart::specs::{charts, pair_chart};
use streamlens_report::tables::tables;

const CHART_HEIGHT: f32 = 340.0;

pub fn analysis_ui(app: &mut App, ui: &mut egui::Ui, kind: AnalysisKind) {
    params_ui(app, ui, kind);
    let result = app.analysis(kind);
    let running = app.analysis_running(kind);
    let Some((analyses, stale)) = result else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("Computing {}…", kind.title().to_lowercase()));
        });
        return;
    };
    ui.horizontal(|ui| {
        ui.label(format!(
            "{} rows analysed",
            super::menu::fmt_count(analyses.rows)
        ));
        if stale || running {
            ui.spinner();
            ui.weak("updating for the current filter…");
        }
    });
    ui.separator();
    let axis = app.state.params.over_time.axis;
    // Specs and tables are rebuilt only when the result changes, not every frame. The
    // cache holds the result itself, so a new result can never reuse its address.
    let fresh = app.ui.view_cache.as_ref().is_none_or(|c| {
        c.kind != kind || c.axis != axis || !std::sync::Arc::ptr_eq(&c.analyses, &analyses)
    });
    if fresh {
        app.ui.view_cache = Some(super::ViewCache {
            kind,
            axis,
            analyses: std::sync::Arc::clone(&analyses),
            parts: std::sync::Arc::new((charts(&analyses, kind, axis), tables(&analyses, kind))),
        });
    }
    let Some(view) = app
        .ui
        .view_cache
        .as_ref()
        .map(|c| std::sync::Arc::clone(&c.parts))
    else {
        return;
    };
    let (specs, tables) = (&view.0, &view.1);
    egui::ScrollArea::vertical()
        .id_salt(("analysis", kind))
        .show(ui, |ui| {
            let width = ui.available_width();
            let columns = if width > 1100.0 && specs.len() > 1 { 2 } else { 1 };
            for row in specs.chunks(columns) {
                ui.columns(columns, |cols| {
                    for (col, spec) in cols.iter_mut().zip(row) {
                        col.set_height(CHART_HEIGHT);
                        let response = chart_ui(col, spec, &spec.id);
                        if let Some(format) = response.export {
                            app.export_chart(spec, format);
                        }
                        if kind == AnalysisKind::Correlations
                            && let Some(cell) = response.clicked_cell
                        {
                            app.ui.correlation_pair = Some(cell);
                        }
                    }
                });
                ui.add_space(8.0);
            }
            if kind == AnalysisKind::Correlations {
                let left_out = app
                    .dataset
                    .as_ref()
                    .map_or(0, |d| streamlens_engine::analysis::correlation::columns_left_out(d));
                if left_out > 0 {
                    ui.weak(format!(
                        "Correlations use the first {} numeric columns; {left_out} more are left \
                         out (each pair keeps a 2-D histogram, so cost grows with the square).",
                        streamlens_engine::analysis::correlation::MAX_CORRELATED_COLUMNS
                    ));
                }
                let pair = app.ui.correlation_pair.and_then(|(r, c)| {
                    analyses.correlation.as_ref().and_then(|corr| pair_chart(corr, r, c))
                });
                match pair {
                    Some(spec) => {
                        ui.allocate_ui(egui::vec2(ui.available_width(), CHART_HEIGHT + 60.0), |ui| {
                            let response = chart_ui(ui, &spec, "pair");
                            if let Some(format) = response.export {
                                app.export_chart(&spec, format);
                            }
                        });
                    }
                    None => {
                        ui.weak("Click an off-diagonal cell of a heatmap to see that pair as a 2-D histogram.");
                    }
                }
            }
            if kind == AnalysisKind::Events {
                ui.weak("Click an event in the Overview tab to filter to it; this table follows the filter.");
            }
            for table in tables {
                ui.add_space(8.0);
                let sort = app.ui.table_sort.entry(table.id.clone()).or_default();
                if table_ui(ui, table, sort, 360.0) {
                    app.export_table(table);
                }
            }
        });
}

fn params_ui(app: &mut App, ui: &mut egui::Ui, kind: AnalysisKind) {
    let mut params = app.state.params.clone();
    match kind {
        AnalysisKind::OverTime => {
            ui.horizontal_wrapped(|ui| {
                let p = &mut params.over_time;
                ui.label("Group by");
                egui::ComboBox::from_id_salt("over_time_group")
                    .selected_text(p.group.map_or("nothing", GroupBy::noun))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut p.group, None, "nothing");
                        for g in GroupBy::ALL {
                            ui.selectable_value(&mut p.group, Some(g), g.noun());
                        }
                    });
                ui.label("Top");
                ui.add(egui::DragValue::new(&mut p.top_k).range(1..=12))
                    .on_hover_text("Groups shown by name; the rest are \"other\"");
                ui.separator();
                ui.label("Time axis");
                let minutes = match p.axis {
                    TimeAxis::EventMinutes(m) => m,
                    _ => 1,
                };
                ui.radio_value(
                    &mut p.axis,
                    TimeAxis::EventMinutes(minutes),
                    "minutes since event start",
                );
                if let TimeAxis::EventMinutes(m) = &mut p.axis {
                    ui.label("bin");
                    ui.add(egui::DragValue::new(m).range(1..=240).suffix(" min"));
                }
                ui.radio_value(&mut p.axis, TimeAxis::Hour, "calendar hours");
                ui.radio_value(&mut p.axis, TimeAxis::Day, "calendar days");
            });
        }
        AnalysisKind::Differences => {
            ui.horizontal_wrapped(|ui| {
                let p = &mut params.differences;
                ui.label("Metric");
                ui.radio_value(&mut p.metric, Metric::Qoe, "QoE");
                ui.radio_value(&mut p.metric, Metric::Engagement, "engagement");
                ui.separator();
                ui.label("differs when q <");
                ui.add(egui::DragValue::new(&mut p.max_q).range(1e-6..=0.5).speed(0.001).max_decimals(4));
                ui.label("and D ≥");
                ui.add(egui::DragValue::new(&mut p.min_d).range(0.0..=1.0).speed(0.005).max_decimals(3))
                    .on_hover_text("With millions of rows almost everything is significant; D is the effect size floor.");
                ui.label("min samples");
                ui.add(egui::DragValue::new(&mut p.min_samples).range(2..=100_000));
                ui.separator();
                ui.label("ECDFs for customer");
                let customers: Vec<String> = app
                    .dataset
                    .as_ref()
                    .and_then(|d| d.dictionary(GroupBy::Customer.column()))
                    .map(|d| d.codes_by_label().into_iter().map(|c| d.label(c)).collect())
                    .unwrap_or_default();
                egui::ComboBox::from_id_salt("ecdf_customer")
                    .selected_text(p.ecdf_customer.clone().unwrap_or_else(|| "largest".into()))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut p.ecdf_customer, None, "largest");
                        for c in customers {
                            ui.selectable_value(&mut p.ecdf_customer, Some(c.clone()), c);
                        }
                    });
            });
        }
        _ => {}
    }
    if params != app.state.params {
        app.state.params = params;
    }
}
