//! The dismissible error and notice panel.

use super::super::App;

pub fn messages_ui(app: &mut App, ui: &mut egui::Ui) {
    let mut dismiss = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        for (i, m) in app.messages.iter().enumerate() {
            ui.horizontal(|ui| {
                if ui.button("×").on_hover_text("Dismiss").clicked() {
                    dismiss = Some(i);
                }
                let color = if m.is_error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().text_color()
                };
                let prefix = if m.is_error { "Error: " } else { "" };
                ui.label(egui::RichText::new(format!("{prefix}{}", m.text)).color(color));
            });
        }
    });
    if let Some(i) = dismiss {
        app.messages.remove(i);
    }
}
