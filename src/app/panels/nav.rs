//! The side navigation: sections, each with its views, and the keys that switch views.

use super::super::App;
use super::super::nav::{NEXT_VIEW, PREVIOUS_VIEW, Section, Tab, shortcut, step};

/// Width of the navigation panel; wide enough for "Traffic (live vs VOD)".
const WIDTH: f32 = 190.0;

/// Ctrl+digit opens a view; Ctrl+PageDown / Ctrl+PageUp step through them.
pub fn view_shortcuts(app: &mut App, ctx: &egui::Context) {
    for view in &super::super::nav::VIEWS {
        if ctx.input_mut(|i| i.consume_shortcut(&shortcut(view))) {
            app.state.tab = view.tab;
        }
    }
    if ctx.input_mut(|i| i.consume_shortcut(&NEXT_VIEW)) {
        app.state.tab = step(app.state.tab, 1);
    }
    if ctx.input_mut(|i| i.consume_shortcut(&PREVIOUS_VIEW)) {
        app.state.tab = step(app.state.tab, -1);
    }
}

/// The navigation panel's contents: every section open, its views as selectable rows.
pub fn nav_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.set_min_width(WIDTH);
    egui::ScrollArea::vertical().show(ui, |ui| {
        for section in Section::ALL {
            ui.add_space(4.0);
            ui.label(egui::RichText::new(section.title()).strong())
                .on_hover_text(section.about());
            for view in section.views() {
                let selected = app.state.tab == view.tab;
                let response = ui
                    .selectable_label(selected, view.title)
                    .on_hover_text(ui.ctx().format_shortcut(&shortcut(view)));
                if response.clicked() {
                    app.state.tab = view.tab;
                }
            }
            ui.add_space(4.0);
        }
    });
}

/// "Section / View" above the central panel, so the user always knows where they are.
pub fn heading_ui(tab: Tab, ui: &mut egui::Ui) {
    let view = tab.view();
    // One label, not three: the bare view title stays unique to the navigation row.
    ui.heading(format!("{} / {}", view.section.title(), view.title));
}
