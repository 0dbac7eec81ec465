//! Layout of the window and the panels in it.

pub mod dialogs;
pub mod filters;
pub mod menu;
pub mod messages;
pub mod overview;

use std::collections::HashMap;

use super::App;

/// Per-session UI state that is not worth persisting.
#[derive(Debug)]
pub struct UiState {
    /// Search text of each filter list, by column.
    pub facet_search: HashMap<String, String>,
    /// Events table sort: column and ascending.
    pub event_sort: (overview::EventColumn, bool),
    /// Time range text fields.
    pub time_from: String,
    pub time_to: String,
    /// The filter's time range the two fields were last written from.
    pub time_synced: (Option<i64>, Option<i64>),
}

impl Default for UiState {
    fn default() -> Self {
        Self {
            facet_search: HashMap::new(),
            event_sort: (overview::EventColumn::Start, true),
            time_from: String::new(),
            time_to: String::new(),
            time_synced: (None, None),
        }
    }
}

/// The whole window for one frame.
pub fn app_ui(app: &mut App, ui: &mut egui::Ui) {
    menu::shortcuts(app, ui.ctx());
    egui::Panel::top("menu_bar").show(ui, |ui| menu::menu_bar_ui(app, ui));
    if !app.messages.is_empty() {
        egui::Panel::bottom("messages")
            .resizable(true)
            .default_size(90.0)
            .show(ui, |ui| messages::messages_ui(app, ui));
    }
    egui::Panel::left("filters")
        .resizable(true)
        .default_size(300.0)
        .min_size(220.0)
        .show(ui, |ui| filters::filters_ui(app, ui));
    egui::CentralPanel::default_margins().show(ui, |ui| match app.state.tab {
        super::state::Tab::Overview => overview::overview_ui(app, ui),
    });
    dialogs::mapping_dialog_ui(app, ui.ctx());
    dialogs::path_dialog_ui(app, ui.ctx());
    dialogs::drop_ui(app, ui.ctx());
}
