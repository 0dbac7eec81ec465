//! Layout of the window and the panels in it.

pub mod analysis;
pub mod anomalies;
pub mod anomaly_toolbar;
pub mod chart_row;
pub mod deep_training;
pub mod dialogs;
pub mod feature_table;
pub mod filters;
pub mod help;
pub mod incident_kinds;
pub mod kpi_result;
pub mod menu;
pub mod messages;
pub mod model_map;
pub mod nav;
pub mod overview;
pub mod score_charts;
pub mod segments;
pub mod session_filters;
pub mod session_live;
pub mod session_parts;
pub mod session_tiles;
pub mod sessions;
pub mod table;
pub mod table_setup;
pub mod traffic;
pub mod whatif;
pub mod whatif_learned;
pub mod whatif_office;
pub mod whatif_paths;

use std::collections::HashMap;

use super::App;
use super::nav::Tab;
use streamlens_engine::analysis::suite::AnalysisKind;
use streamlens_engine::progress::Progress;

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
    /// Sort of each analysis table, by table id.
    pub table_sort: HashMap<String, table::SortState>,
    /// The correlation heatmap cell (row, column) drilled into.
    pub correlation_pair: Option<(usize, usize)>,
    /// Chart specs and tables of the shown analysis.
    pub view_cache: Option<ViewCache>,
    /// Help ▸ Keyboard shortcuts is open.
    pub shortcuts_open: bool,
    /// Help ▸ Metric definitions is open.
    pub metrics_open: bool,
    /// Help ▸ About streamlens is open.
    pub about_open: bool,
}

/// A tab's charts and tables with what they were built from.
#[derive(Debug)]
pub struct ViewCache {
    pub kind: AnalysisKind,
    pub axis: streamlens_engine::analysis::over_time::TimeAxis,
    pub analyses: std::sync::Arc<streamlens_engine::analysis::suite::Analyses>,
    pub parts: std::sync::Arc<(
        Vec<streamlens_report::chart::ChartSpec>,
        Vec<streamlens_report::tables::TableSpec>,
    )>,
}

impl Default for UiState {
    fn default() -> Self {
        Self {
            facet_search: HashMap::new(),
            event_sort: (overview::EventColumn::Start, true),
            time_from: String::new(),
            time_to: String::new(),
            time_synced: (None, None),
            table_sort: HashMap::new(),
            correlation_pair: None,
            view_cache: None,
            shortcuts_open: false,
            metrics_open: false,
            about_open: false,
        }
    }
}

/// The whole window for one frame.
pub fn app_ui(app: &mut App, ui: &mut egui::Ui) {
    menu::shortcuts(app, ui.ctx());
    nav::view_shortcuts(app, ui.ctx());
    egui::Panel::top("menu_bar").show(ui, |ui| menu::menu_bar_ui(app, ui));
    if !app.messages.is_empty() {
        egui::Panel::bottom("messages")
            .resizable(true)
            .default_size(90.0)
            .show(ui, |ui| messages::messages_ui(app, ui));
    }
    egui::Panel::left("navigation")
        .resizable(false)
        .show(ui, |ui| nav::nav_ui(app, ui));
    if app.state.tab == Tab::Sessions && app.kpi_result.shown.is_none() {
        egui::Panel::left("session_filters")
            .resizable(true)
            .default_size(280.0)
            .min_size(220.0)
            .show(ui, |ui| session_filters::session_filters_ui(app, ui));
    } else if app.state.tab.uses_filters() && app.state.tab != Tab::Sessions {
        egui::Panel::left("filters")
            .resizable(true)
            .default_size(300.0)
            .min_size(220.0)
            .show(ui, |ui| filters::filters_ui(app, ui));
    }
    egui::CentralPanel::default_margins().show(ui, |ui| {
        nav::heading_ui(app.state.tab, ui);
        ui.separator();
        match app.state.tab {
            Tab::Overview => overview::overview_ui(app, ui),
            Tab::Analysis(kind) => analysis::analysis_ui(app, ui, kind),
            Tab::Traffic => traffic::traffic_ui(app, ui),
            Tab::Anomalies => anomalies::anomalies_ui(app, ui),
            Tab::Segments => segments::segments_ui(app, ui),
            Tab::Sessions => sessions::sessions_ui(app, ui),
            Tab::WhatIf => whatif::whatif_ui(app, ui),
        }
    });
    dialogs::mapping_dialog_ui(app, ui.ctx());
    dialogs::path_dialog_ui(app, ui.ctx());
    dialogs::drop_ui(app, ui.ctx());
    help::shortcuts_window(app, ui.ctx());
    help::metrics_window(app, ui.ctx());
    help::about_window(app, ui.ctx());
}

/// A progress bar for background work: share done and the current stage. The worker does not
/// repaint while it runs, so the window asks for a redraw to keep the bar moving.
pub fn progress_ui(ui: &mut egui::Ui, progress: &Progress) {
    let fraction = progress.fraction();
    let stage = progress.stage();
    let text = if stage.is_empty() {
        "starting…".to_string()
    } else {
        format!("{stage} · {:.0} %", 100.0 * fraction)
    };
    ui.add(
        egui::ProgressBar::new(fraction)
            .desired_width(320.0)
            .animate(true)
            .text(text),
    );
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(100));
}
