//! Modal dialogs (column mapping, typed path) and drag-and-drop.

use super::super::App;
use super::super::file_dialogs::{Mode, Picked};
use streamlens_engine::schema::Canonical;

/// Column mapping: a dropdown per canonical column plus a preview of the file.
pub fn mapping_dialog_ui(app: &mut App, ctx: &egui::Context) {
    let Some(dialog) = &mut app.mapping_dialog else {
        return;
    };
    let mut close = false;
    let mut load = false;
    egui::Window::new("Map columns")
        .collapsible(false)
        .resizable(true)
        .default_width(640.0)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(format!(
                "{}: some required columns were not recognised. Choose which column holds each value.",
                dialog.preview.file
            ));
            egui::Grid::new("mapping_grid").striped(true).show(ui, |ui| {
                for canonical in Canonical::ALL {
                    let required = if canonical.is_required() { " (required)" } else { "" };
                    let l = ui.label(format!("{}{required}", canonical.name()));
                    let current = dialog
                        .mapping
                        .source_of(canonical)
                        .unwrap_or("— none —")
                        .to_string();
                    egui::ComboBox::from_id_salt(("map", canonical.name()))
                        .selected_text(current)
                        .show_ui(ui, |ui| {
                            if ui.selectable_label(dialog.mapping.source_of(canonical).is_none(), "— none —").clicked() {
                                dialog.mapping.columns.remove(&canonical);
                            }
                            for header in &dialog.preview.headers {
                                let selected = dialog.mapping.source_of(canonical) == Some(header.as_str());
                                if ui.selectable_label(selected, header).clicked() {
                                    dialog.mapping.columns.insert(canonical, header.clone());
                                }
                            }
                        })
                        .response
                        .labelled_by(l.id);
                    ui.end_row();
                }
            });
            ui.separator();
            ui.label("First rows of the file:");
            egui::ScrollArea::both().max_height(160.0).show(ui, |ui| {
                egui::Grid::new("mapping_preview").striped(true).show(ui, |ui| {
                    for h in &dialog.preview.headers {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for row in &dialog.preview.rows {
                        for cell in row {
                            ui.label(cell);
                        }
                        ui.end_row();
                    }
                });
            });
            let missing = dialog.mapping.missing_required();
            ui.horizontal(|ui| {
                let ok = ui.add_enabled(missing.is_empty(), egui::Button::new("Load with this mapping"));
                if ok.clicked() {
                    load = true;
                }
                if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    close = true;
                }
                if !missing.is_empty() {
                    let names: Vec<&str> = missing.iter().map(|c| c.name()).collect();
                    ui.colored_label(ui.visuals().warn_fg_color, format!("Still needed: {}", names.join(", ")));
                }
            });
        });
    if load {
        if let Some(dialog) = app.mapping_dialog.take() {
            app.state
                .mappings
                .insert(dialog.preview.signature.clone(), dialog.mapping.clone());
            let label = dialog.preview.file.clone();
            app.start_fresh_load(dialog.sources, label);
        }
    } else if close {
        app.mapping_dialog = None;
    }
}

/// A path typed by hand, for systems without a file dialog.
pub fn path_dialog_ui(app: &mut App, ctx: &egui::Context) {
    let Some(dialog) = &mut app.path_dialog else {
        return;
    };
    let spec = dialog.purpose.spec();
    let mut submit = false;
    let mut close = false;
    egui::Window::new(spec.title)
        .collapsible(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            if let Some(note) = &dialog.note {
                ui.label(note);
            }
            ui.horizontal(|ui| {
                let l = ui.label(if spec.mode == Mode::TypedAddress {
                    "URL"
                } else {
                    "Path"
                });
                let r = ui.add(
                    egui::TextEdit::singleline(&mut dialog.text)
                        .hint_text(spec.hint)
                        .desired_width(420.0),
                );
                let r = r.labelled_by(l.id);
                // Focus the field when the dialog opens, without fighting Enter's focus release.
                if ui.memory(|m| m.focused().is_none()) && !r.lost_focus() {
                    r.request_focus();
                }
                if (r.has_focus() || r.lost_focus())
                    && ui.input(|i| i.key_pressed(egui::Key::Enter))
                {
                    submit = true;
                }
            });
            ui.horizontal(|ui| {
                submit |= ui.button("OK").clicked();
                close |=
                    ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape));
            });
        });
    if submit {
        let dialog = app.path_dialog.take();
        if let Some(dialog) = dialog {
            let paths: Vec<std::path::PathBuf> = dialog
                .text
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(std::path::PathBuf::from)
                .collect();
            app.on_picked(Picked {
                kind: dialog.purpose,
                paths,
            });
        }
    } else if close {
        app.path_dialog = None;
        app.pending_export = None;
    }
}

/// Overlay while files hover the window; load them when dropped.
pub fn drop_ui(app: &mut App, ctx: &egui::Context) {
    let hovering = ctx.input(|i| i.raw.hovered_files.len());
    if hovering > 0 {
        let painter = ctx.layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::unique("drop_overlay"),
        ));
        let rect = ctx.content_rect();
        painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(170));
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            format!(
                "Drop to open {hovering} file{}",
                if hovering == 1 { "" } else { "s" }
            ),
            egui::FontId::proportional(28.0),
            egui::Color32::WHITE,
        );
    }
    let dropped: Vec<std::path::PathBuf> = ctx.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .collect()
    });
    if dropped.is_empty() {
        return;
    }
    if app.state.tab == super::super::nav::Tab::Sessions {
        // On the Sessions view files are player events, or CDN logs when named so.
        let (cdn, events): (Vec<_>, Vec<_>) = dropped.into_iter().partition(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().contains("cdn"))
        });
        // A KPI result folder (or its kpis.parquet) opens as a result.
        let (results, events): (Vec<_>, Vec<_>) = events
            .into_iter()
            .partition(|p| streamlens_sessions::result::is_kpi_result(p));
        if let Some(result) = results.into_iter().next() {
            app.open_kpi_result(result);
        }
        if !events.is_empty() {
            app.open_session_paths(events);
        }
        if !cdn.is_empty() {
            app.open_cdn_paths(cdn);
        }
    } else {
        app.open_paths(dropped);
    }
}
