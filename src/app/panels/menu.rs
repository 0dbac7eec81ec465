//! Menu bar, keyboard shortcuts and the load progress line.

use super::super::App;
use super::super::file_dialogs::DialogKind;

/// A command with a key: the menu shows the key, the Help window lists it, `shortcuts` runs it.
pub struct Command {
    pub label: &'static str,
    pub shortcut: egui::KeyboardShortcut,
    pub run: fn(&mut App),
}

const OPEN: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O);
const SAVE: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::S);
const RESET: egui::KeyboardShortcut = egui::KeyboardShortcut::new(
    egui::Modifiers::COMMAND.plus(egui::Modifiers::SHIFT),
    egui::Key::R,
);
const UNDO: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Z);
const REDO: egui::KeyboardShortcut = egui::KeyboardShortcut::new(
    egui::Modifiers::COMMAND.plus(egui::Modifiers::SHIFT),
    egui::Key::Z,
);
const HELP: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::NONE, egui::Key::F1);

fn open(app: &mut App) {
    app.ask_for_path(DialogKind::Open);
}

fn save_workspace(app: &mut App) {
    app.ask_for_path(DialogKind::SaveWorkspace);
}

fn reset_filter(app: &mut App) {
    app.set_filter(streamlens_engine::Filter::default());
}

fn toggle_shortcuts(app: &mut App) {
    app.ui.shortcuts_open = !app.ui.shortcuts_open;
}

fn undo(app: &mut App) {
    app.undo();
}

fn redo(app: &mut App) {
    app.redo();
}

/// Redo comes before Undo: Ctrl+Z also matches Ctrl+Shift+Z when Shift is not asked for.
pub const COMMANDS: [Command; 6] = [
    Command {
        label: "Redo (filters, parameters, thresholds)",
        shortcut: REDO,
        run: redo,
    },
    Command {
        label: "Undo (filters, parameters, thresholds)",
        shortcut: UNDO,
        run: undo,
    },
    Command {
        label: "Open telemetry or captures…",
        shortcut: OPEN,
        run: open,
    },
    Command {
        label: "Save workspace…",
        shortcut: SAVE,
        run: save_workspace,
    },
    Command {
        label: "Reset the filter",
        shortcut: RESET,
        run: reset_filter,
    },
    Command {
        label: "Keyboard shortcuts",
        shortcut: HELP,
        run: toggle_shortcuts,
    },
];

pub fn shortcuts(app: &mut App, ctx: &egui::Context) {
    // A focused text field keeps Ctrl+Z for its own text.
    let typing = ctx.egui_wants_keyboard_input();
    for command in &COMMANDS {
        if typing && command.shortcut.logical_key == egui::Key::Z {
            continue;
        }
        if ctx.input_mut(|i| i.consume_shortcut(&command.shortcut)) {
            (command.run)(app);
        }
    }
}

pub fn menu_bar_ui(app: &mut App, ui: &mut egui::Ui) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui
                .add(egui::Button::new("Open…").shortcut_text(ui.ctx().format_shortcut(&OPEN)))
                .clicked()
            {
                app.ask_for_path(DialogKind::Open);
            }
            if ui.button("Open path…").clicked() {
                app.path_dialog = Some(super::super::PathDialog {
                    purpose: DialogKind::Open,
                    text: String::new(),
                    note: None,
                });
            }
            ui.menu_button("Recent", |ui| {
                if app.state.recent.is_empty() {
                    ui.label("No recent files");
                }
                for path in app.state.recent.clone() {
                    if ui.button(path.display().to_string()).clicked() {
                        app.open_paths(vec![path]);
                    }
                }
            });
            if ui.button("Open built-in sample").clicked() {
                app.open_sample_fresh();
            }
            ui.separator();
            if ui
                .add(
                    egui::Button::new("Save workspace…")
                        .shortcut_text(ui.ctx().format_shortcut(&SAVE)),
                )
                .clicked()
            {
                app.ask_for_path(DialogKind::SaveWorkspace);
            }
            if ui.button("Open workspace…").clicked() {
                app.ask_for_path(DialogKind::OpenWorkspace);
            }
            ui.separator();
            if ui
                .add_enabled(app.dataset.is_some(), egui::Button::new("Export report…"))
                .on_hover_text("All charts (PNG), analysis.json, every table as CSV and report.html, for the current filter")
                .clicked()
            {
                app.export_report();
            }
            ui.separator();
            ui.checkbox(
                &mut app.state.strict,
                "Strict loading (reject files with bad rows)",
            );
            ui.separator();
            if ui.button("Quit").clicked() {
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            }
        });
        ui.menu_button("Edit", |ui| {
            if ui
                .add_enabled(
                    app.history.can_undo(),
                    egui::Button::new("Undo").shortcut_text(ui.ctx().format_shortcut(&UNDO)),
                )
                .on_hover_text("Back to the filters, parameters and thresholds before the last change")
                .clicked()
            {
                app.undo();
            }
            if ui
                .add_enabled(
                    app.history.can_redo(),
                    egui::Button::new("Redo").shortcut_text(ui.ctx().format_shortcut(&REDO)),
                )
                .clicked()
            {
                app.redo();
            }
        });
        ui.menu_button("Help", |ui| {
            if ui
                .add(
                    egui::Button::new("Keyboard shortcuts")
                        .shortcut_text(ui.ctx().format_shortcut(&HELP)),
                )
                .clicked()
            {
                app.ui.shortcuts_open = true;
            }
            if ui.button("Metric definitions").clicked() {
                app.ui.metrics_open = true;
            }
            if ui.button("About streamlens").clicked() {
                app.ui.about_open = true;
            }
        });
        ui.separator();
        if let Some(ds) = &app.dataset {
            ui.label(format!(
                "{} · {} rows",
                ds.name,
                fmt_count(ds.rows() as u64)
            ));
        }
        load_progress_ui(app, ui);
    });
}

fn load_progress_ui(app: &mut App, ui: &mut egui::Ui) {
    let Some(running) = &app.jobs.loading else {
        return;
    };
    ui.separator();
    ui.spinner();
    let rows = running
        .progress
        .rows
        .load(std::sync::atomic::Ordering::Relaxed);
    let fraction = running.progress.fraction();
    ui.label(format!("Loading {}", running.label));
    ui.add(
        egui::ProgressBar::new(fraction)
            .desired_width(220.0)
            .text(format!(
                "{:.0} % · {} rows",
                fraction * 100.0,
                fmt_count(rows)
            )),
    );
    if ui.button("Cancel").clicked() {
        app.jobs.cancel_load();
    }
}

/// 1234567 → "1,234,567".
#[must_use]
pub fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped() {
        assert_eq!(super::fmt_count(0), "0");
        assert_eq!(super::fmt_count(999), "999");
        assert_eq!(super::fmt_count(1_234_567), "1,234,567");
    }
}
