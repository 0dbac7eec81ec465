//! The feature table's choices: feature, label, group and fold columns; per-feature shaping
//! (one-sided, log1p); memory features over each group's earlier rows or whole; the detector; and the
//! saved model to score with instead. Layout only: the worker rescores at each change.

use super::super::App;
use super::super::file_dialogs::DialogKind;
use streamlens_detect::ModelKind;
use streamlens_detect::pipeline::preprocess::Direction;
use streamlens_detect::table::inspect::TableSummary;
use streamlens_detect::table::label::{Comparison, LabelExpr};
use streamlens_detect::table::view::TableSetup;

/// Summaries offered for memory features (`column@kind`): running ones need an order column.
const MEMORY_KINDS: [(&str, &str, bool); 11] = [
    ("mean", "running mean", true),
    ("sum", "running sum", true),
    ("max", "running maximum", true),
    ("min", "running minimum", true),
    ("ewm5", "weighted mean, half-life 5 rows", true),
    ("ewm10", "weighted mean, half-life 10 rows", true),
    ("ewm20", "weighted mean, half-life 20 rows", true),
    ("group_mean", "mean of the whole group", false),
    ("group_sum", "sum of the whole group", false),
    ("group_max", "maximum of the whole group", false),
    ("group_min", "minimum of the whole group", false),
];

/// Feature, label, group and fold columns, feature shaping, memory features and the detector.
pub fn setup_ui(ui: &mut egui::Ui, summary: &TableSummary, setup: &mut TableSetup) {
    if setup.model_file.is_some() {
        model_setup_ui(ui, summary, setup);
        return;
    }
    let (numeric, all) = column_names(summary);
    ui.horizontal_wrapped(|ui| {
        ui.label("Features");
        let label_column = setup.label.as_ref().map(|l| l.column.clone());
        for &name in &numeric {
            if Some(name) == label_column.as_deref() {
                continue;
            }
            let mut on = setup.features.iter().any(|f| f == name);
            if ui.checkbox(&mut on, name).changed() {
                if on {
                    setup.features.push(name.to_owned());
                } else {
                    setup.features.retain(|f| f != name);
                }
            }
        }
    });
    memory_ui(ui, &numeric, setup);
    options_ui(ui, setup);
    ui.horizontal_wrapped(|ui| {
        ui.label("Bad when");
        let current = setup.label.as_ref().map_or("— no label —", |l| l.column.as_str());
        let mut column = setup.label.as_ref().map(|l| l.column.clone());
        egui::ComboBox::from_id_salt("table_label")
            .selected_text(current)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut column, None, "— no label —");
                for &name in &numeric {
                    ui.selectable_value(&mut column, Some(name.to_owned()), name);
                }
            });
        if column != setup.label.as_ref().map(|l| l.column.clone()) {
            setup.label = column.map(|c| LabelExpr {
                column: c,
                op: Comparison::Le,
                value: 0.0,
            });
            if let Some(l) = &setup.label {
                // The label is no feature, nor is its memory.
                setup
                    .features
                    .retain(|f| f.split('@').next() != Some(l.column.as_str()));
            }
        }
        if let Some(label) = &mut setup.label {
            egui::ComboBox::from_id_salt("table_label_op")
                .width(40.0)
                .selected_text(label.op.symbol())
                .show_ui(ui, |ui| {
                    for op in [Comparison::Le, Comparison::Lt, Comparison::Ge, Comparison::Gt, Comparison::Eq] {
                        ui.selectable_value(&mut label.op, op, op.symbol());
                    }
                });
            ui.add(egui::DragValue::new(&mut label.value).speed(0.05));
        }
        ui.separator();
        column_combo(ui, "Group", "table_group", &all, &mut setup.group)
            .on_hover_text("Rows of one group (video, session) are also judged together: group score = p95 of its rows");
        ui.separator();
        column_combo(ui, "Folds by", "table_folds", &all, &mut setup.fold_column)
            .on_hover_text("Each fold's detector learns from the other folds' normal rows; without folds every row is scored by a detector that saw it");
        if setup.fold_column.is_some() {
            ui.checkbox(&mut setup.fold_prefix, "text before first _");
            ui.add(egui::DragValue::new(&mut setup.folds).range(2..=10).suffix(" folds"));
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("Detector");
        egui::ComboBox::from_id_salt("table_detector")
            .selected_text(setup.model.name())
            .show_ui(ui, |ui| {
                for kind in ModelKind::ALL {
                    ui.selectable_value(&mut setup.model, kind, kind.name());
                }
            });
        ui.label("Default τ: quantile");
        ui.add(
            egui::DragValue::new(&mut setup.threshold_quantile)
                .range(0.5..=0.999)
                .speed(0.005)
                .max_decimals(3),
        )
        .on_hover_text("Each fold's threshold is this quantile of its training scores");
    });
}

/// A label and a column picker with a "none" entry.
pub(super) fn column_combo(
    ui: &mut egui::Ui,
    label: &str,
    id: &str,
    columns: &[&str],
    value: &mut Option<String>,
) -> egui::Response {
    ui.label(label);
    egui::ComboBox::from_id_salt(id)
        .selected_text(value.as_deref().unwrap_or("— none —"))
        .show_ui(ui, |ui| {
            ui.selectable_value(value, None, "— none —");
            for &name in columns {
                ui.selectable_value(value, Some(name.to_owned()), name);
            }
        })
        .response
}

/// Memory features: a column summarised over the group's earlier rows (and this one), or
/// over the whole group.
fn memory_ui(ui: &mut egui::Ui, numeric: &[&str], setup: &mut TableSetup) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Memory");
        if setup.group.is_none() {
            ui.weak("(choose a Group column to summarise each group's earlier rows)");
            return;
        }
        let label_column = setup.label.as_ref().map(|l| l.column.clone());
        let columns: Vec<&str> = numeric
            .iter()
            .copied()
            .filter(|&c| Some(c) != label_column.as_deref())
            .collect();
        column_combo(ui, "in order of", "table_order", &columns, &mut setup.order)
            .on_hover_text("The column that puts a group's rows in time order (e.g. t_start)");
        let memory: Vec<String> = setup
            .features
            .iter()
            .filter(|f| f.contains('@'))
            .cloned()
            .collect();
        for name in memory {
            let mut on = true;
            if ui.checkbox(&mut on, &name).changed() && !on {
                setup.features.retain(|f| *f != name);
            }
        }
        let ordered = setup.order.is_some();
        ui.menu_button("Add…", |ui| {
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .show(ui, |ui| {
                    for &column in &columns {
                        ui.menu_button(column, |ui| {
                            for (kind, what, running) in MEMORY_KINDS {
                                if kind == "group_mean" {
                                    ui.separator();
                                }
                                let name = format!("{column}@{kind}");
                                let usable =
                                    !setup.features.contains(&name) && (ordered || !running);
                                let button = ui.add_enabled(usable, egui::Button::new(what));
                                if running && !ordered {
                                    button.on_disabled_hover_text(
                                        "Choose the \"in order of\" column first",
                                    );
                                } else if button.clicked() {
                                    setup.features.push(name);
                                    ui.close();
                                }
                            }
                        });
                    }
                });
        })
        .response
        .on_hover_text(
            "A column summarised over the group's rows up to this one (viewers remember a stall \
             or a stretch of low quality, so the past explains a window's QoE), or over the \
             whole group (a finished session judged as a whole)",
        );
    });
}

/// Per feature: which side is anomalous and whether to take log1p.
fn options_ui(ui: &mut egui::Ui, setup: &mut TableSetup) {
    if setup.features.is_empty() {
        return;
    }
    egui::CollapsingHeader::new("Feature shaping")
        .id_salt("table_shaping")
        .show(ui, |ui| {
            egui::Grid::new("table_shaping_grid")
                .striped(true)
                .show(ui, |ui| {
                    ui.strong("feature");
                    ui.strong("anomalous when");
                    ui.strong("log1p");
                    ui.end_row();
                    for name in setup.features.clone() {
                        ui.label(&name);
                        let mut direction =
                            setup.directions.get(&name).copied().unwrap_or_default();
                        egui::ComboBox::from_id_salt(("table_direction", &name))
                            .selected_text(direction_text(direction))
                            .show_ui(ui, |ui| {
                                for d in
                                    [Direction::Both, Direction::HighIsBad, Direction::LowIsBad]
                                {
                                    ui.selectable_value(&mut direction, d, direction_text(d));
                                }
                            });
                        if direction == Direction::Both {
                            setup.directions.remove(&name);
                        } else {
                            setup.directions.insert(name.clone(), direction);
                        }
                        let mut log = setup.log1p.contains(&name);
                        if ui.checkbox(&mut log, "").changed() {
                            if log {
                                setup.log1p.push(name.clone());
                            } else {
                                setup.log1p.retain(|f| *f != name);
                            }
                        }
                        ui.end_row();
                    }
                });
            ui.weak(
                "One-sided: values on the harmless side of the training median count as usual \
                 (a VMAF above the usual is not an anomaly).",
            );
        });
}

fn direction_text(direction: Direction) -> &'static str {
    match direction {
        Direction::Both => "too high or too low",
        Direction::HighIsBad => "high",
        Direction::LowIsBad => "low",
    }
}

/// The table's numeric column names, and all of them.
fn column_names(summary: &TableSummary) -> (Vec<&str>, Vec<&str>) {
    let numeric = summary
        .columns
        .iter()
        .filter(|c| c.numeric)
        .map(|c| c.name.as_str())
        .collect();
    let all = summary.columns.iter().map(|c| c.name.as_str()).collect();
    (numeric, all)
}

/// With a saved model: its features are fixed; label and group still judge the scores.
fn model_setup_ui(ui: &mut egui::Ui, summary: &TableSummary, setup: &mut TableSetup) {
    let (numeric, all) = column_names(summary);
    ui.horizontal_wrapped(|ui| {
        ui.label("Bad when");
        let mut column = setup.label.as_ref().map(|l| l.column.clone());
        column_combo(ui, "", "table_model_label", &numeric, &mut column);
        if column != setup.label.as_ref().map(|l| l.column.clone()) {
            setup.label = column.map(|c| LabelExpr {
                column: c,
                op: Comparison::Le,
                value: 0.0,
            });
        }
        if let Some(label) = &mut setup.label {
            ui.label(label.op.symbol());
            ui.add(egui::DragValue::new(&mut label.value).speed(0.05));
        }
        ui.separator();
        column_combo(ui, "Group", "table_model_group", &all, &mut setup.group);
    });
}

/// Open a saved model, forget it, or save the detector behind the scores.
pub fn model_row_ui(app: &mut App, ui: &mut egui::Ui) {
    let Some(t) = app.anomalies.table.as_ref() else {
        return;
    };
    let file = t.setup.model_file.clone();
    let saved_features = t
        .results
        .as_ref()
        .filter(|(s, _)| s.model_file.is_some())
        .map(|(_, v)| v.model.features().join(", "));
    let has_results = t.results.is_some();
    ui.horizontal_wrapped(|ui| {
        if let Some(path) = &file {
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into(),
            );
            ui.label(format!("Scored with the saved model {name}"))
                .on_hover_text(path.display().to_string());
            if let Some(features) = saved_features {
                ui.weak(format!("(features: {features})"));
            }
            if ui
                .button("Fit on this table")
                .on_hover_text("Forget the saved model and fit the detector on this table's folds")
                .clicked()
            {
                app.forget_table_model();
            }
        }
        if ui
            .button("Open model…")
            .on_hover_text(
                "Score every row with a detector saved from another table (Save model…, or \
                 `streamlens detect --save-models`)",
            )
            .clicked()
        {
            app.ask_for_path(DialogKind::OpenTableModel);
        }
        if ui
            .add_enabled(has_results, egui::Button::new("Save model…"))
            .on_hover_text("The detector fitted on every normal row, with its threshold, as JSON")
            .clicked()
        {
            app.save_table_model();
        }
    });
}
