//! Help ▸ Keyboard shortcuts: every key the window answers, from the same tables the
//! menu and the navigation use, so the list cannot drift from what the keys do.

use super::super::App;
use super::super::nav::{NEXT_VIEW, PREVIOUS_VIEW, Section, shortcut};
use super::menu::COMMANDS;

pub fn shortcuts_window(app: &mut App, ctx: &egui::Context) {
    let mut open = app.ui.shortcuts_open;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .resizable(false)
        .collapsible(false)
        .show(ctx, |ui| {
            egui::Grid::new("shortcut_grid")
                .num_columns(2)
                .striped(true)
                .spacing([24.0, 4.0])
                .show(ui, |ui| {
                    for command in &COMMANDS {
                        row(ui, &ctx.format_shortcut(&command.shortcut), command.label);
                    }
                    for section in Section::ALL {
                        for view in section.views() {
                            let what = format!("{} / {}", section.title(), view.title);
                            row(ui, &ctx.format_shortcut(&shortcut(view)), &what);
                        }
                    }
                    row(ui, &ctx.format_shortcut(&NEXT_VIEW), "Next view");
                    row(ui, &ctx.format_shortcut(&PREVIOUS_VIEW), "Previous view");
                    row(ui, "Esc", "Close a dialog");
                });
        });
    app.ui.shortcuts_open = open;
}

fn row(ui: &mut egui::Ui, keys: &str, what: &str) {
    ui.monospace(keys);
    ui.label(what);
    ui.end_row();
}
