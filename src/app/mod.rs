//! The window: egui only. Sends work to `jobs`, draws engine results, never
//! computes statistics itself.

mod analysis_view;
pub mod anomalies;
mod export;
pub mod feature_table;
pub mod jobs;
pub mod panels;
pub mod plot;
pub mod state;
pub mod traffic;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::Filter;
use crate::engine::analysis::summary::Summary;
use crate::engine::dataset::Dataset;
use crate::engine::io::{FilePreview, LoadOptions, Source};
use jobs::{DialogKind, JobResult, Jobs, Overview, Picked};
use state::State;

/// Key of the persisted [`State`] in eframe's storage.
const STATE_KEY: &str = "streamlens_state";

/// The built-in sample (the same file as `sample_data/telemetry.csv`).
pub const SAMPLE_CSV: &[u8] = include_bytes!("../../sample_data/telemetry.csv");
pub const SAMPLE_NAME: &str = "built-in sample (sample_data/telemetry.csv)";

/// The sample as a load source.
#[must_use]
pub fn sample_source() -> Source {
    Source::Bytes {
        name: SAMPLE_NAME.into(),
        bytes: Arc::from(SAMPLE_CSV),
    }
}

/// A message in the error/notice panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub is_error: bool,
}

/// A column-mapping dialog for a file whose required columns were not recognised.
#[derive(Debug, Clone)]
pub struct MappingDialog {
    pub preview: FilePreview,
    pub mapping: crate::engine::schema::ColumnMapping,
    pub sources: Vec<Source>,
}

/// A "type a path" dialog, used where no native dialog exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathDialog {
    pub purpose: DialogKind,
    pub text: String,
    pub note: Option<String>,
}

/// The application.
pub struct App {
    pub state: State,
    pub dataset: Option<Arc<Dataset>>,
    pub facts: Option<Summary>,
    /// Last computed Overview and the (dataset, filter) it belongs to.
    pub overview: Option<(u64, Filter, Arc<Overview>)>,
    pub jobs: Jobs,
    pub messages: Vec<Message>,
    pub mapping_dialog: Option<MappingDialog>,
    pub path_dialog: Option<PathDialog>,
    pub ui: panels::UiState,
    /// Latest result per analysis tab, with the inputs it was computed for.
    pub analyses: std::collections::HashMap<
        crate::engine::analysis::suite::AnalysisKind,
        (
            jobs::AnalysisKey,
            Arc<crate::engine::analysis::suite::Analyses>,
        ),
    >,
    /// An export waiting for its path.
    pub pending_export: Option<jobs::ExportJob>,
    /// Use the native file dialog when one can exist (tests turn it off to type paths).
    pub use_native_dialogs: bool,
    /// Clear the filter when the running load succeeds (new data, not a reload).
    reset_filter_on_load: bool,
    /// Captures, model file and results of the Traffic tab.
    pub traffic: traffic::TrafficTab,
    /// Detector results, labels and threshold of the Anomalies tab.
    pub anomalies: anomalies::AnomaliesTab,
}

impl App {
    /// Create the app and start loading `files` (or the restored files, or the sample).
    #[must_use]
    pub fn new(ctx: &egui::Context, mut state: State, files: Vec<PathBuf>, strict: bool) -> Self {
        if strict {
            state.strict = true;
        }
        let mut app = Self {
            jobs: Jobs::new(ctx.clone()),
            state,
            dataset: None,
            facts: None,
            overview: None,
            messages: Vec::new(),
            mapping_dialog: None,
            path_dialog: None,
            ui: panels::UiState::default(),
            analyses: std::collections::HashMap::new(),
            pending_export: None,
            use_native_dialogs: native_dialog_available(),
            reset_filter_on_load: false,
            traffic: traffic::TrafficTab::default(),
            anomalies: anomalies::AnomaliesTab::default(),
        };
        let restored: Vec<PathBuf> = app
            .state
            .files
            .iter()
            .filter(|p| p.exists())
            .cloned()
            .collect();
        if !files.is_empty() {
            app.open_paths(files);
            // Only captures were given: the telemetry tabs still get the sample.
            if app.jobs.loading.is_none() {
                app.open_sample();
            }
        } else if !restored.is_empty() {
            app.open_paths_keep_filter(restored);
        } else {
            app.open_sample();
        }
        app
    }

    pub fn open_sample(&mut self) {
        self.start_load(vec![sample_source()], "built-in sample".into());
    }

    /// Load `sources` as new data: the filter is reset once they load.
    pub fn start_fresh_load(&mut self, sources: Vec<Source>, label: String) {
        self.start_load(sources, label);
        self.reset_filter_on_load = true;
    }

    /// Open the built-in sample as new data (the filter is reset once it loads).
    pub fn open_sample_fresh(&mut self) {
        self.open_sample();
        self.reset_filter_on_load = true;
    }

    /// Open files as a new dataset (the filter is reset); network-stats captures among them
    /// go to the Traffic tab instead.
    pub fn open_paths(&mut self, paths: Vec<PathBuf>) {
        let (captures, paths): (Vec<PathBuf>, Vec<PathBuf>) = paths
            .into_iter()
            .partition(|p| crate::engine::traffic::workbench::looks_like_capture(p));
        if !captures.is_empty() {
            self.add_captures(captures);
        }
        if paths.is_empty() {
            return;
        }
        self.open_paths_keep_filter(paths);
        self.reset_filter_on_load = true;
    }

    fn open_paths_keep_filter(&mut self, paths: Vec<PathBuf>) {
        let label = match paths.as_slice() {
            [one] => one.file_name().map_or_else(
                || one.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            many => format!("{} files", many.len()),
        };
        self.start_load(paths.into_iter().map(Source::Path).collect(), label);
    }

    /// Load `sources` with the user's strictness and remembered column mappings.
    pub fn start_load(&mut self, sources: Vec<Source>, label: String) {
        self.reset_filter_on_load = false;
        let options = LoadOptions {
            strict: self.state.strict,
            mappings: self.state.mappings.clone(),
            ..LoadOptions::default()
        };
        self.jobs.start_load(sources, options, label);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.messages.push(Message {
            text: text.into(),
            is_error: true,
        });
    }

    pub fn notice(&mut self, text: impl Into<String>) {
        self.messages.push(Message {
            text: text.into(),
            is_error: false,
        });
    }

    /// Set the filter and ask for the views it changes.
    pub fn set_filter(&mut self, filter: Filter) {
        self.state.filter = filter;
        self.request_views();
    }

    pub fn request_views(&mut self) {
        if let Some(ds) = &self.dataset {
            let ds = Arc::clone(ds);
            self.jobs.request_compute(&ds, &self.state.filter);
        }
    }

    /// The Overview for the current dataset (possibly for an older filter while recomputing).
    #[must_use]
    pub fn current_overview(&self) -> Option<Arc<Overview>> {
        let ds = self.dataset.as_ref()?;
        self.overview
            .as_ref()
            .filter(|(id, _, _)| *id == ds.id)
            .map(|(_, _, o)| Arc::clone(o))
    }

    /// Is the shown Overview older than the filter?
    #[must_use]
    pub fn overview_is_stale(&self) -> bool {
        match (&self.overview, &self.dataset) {
            (Some((id, f, _)), Some(ds)) => *id != ds.id || *f != self.state.filter,
            _ => true,
        }
    }

    /// A file whose telemetry columns were not all recognised: one that cannot be telemetry
    /// (no recognised column, no column of instants: a table of `QoE` windows, say) opens as a
    /// feature table in the Anomalies tab; otherwise the user maps the columns.
    fn on_not_telemetry(&mut self, dialog: MappingDialog, message: String) {
        let not_telemetry = !dialog.preview.could_be_telemetry();
        match dialog.sources.as_slice() {
            [Source::Path(path)] if not_telemetry => {
                let path = path.clone();
                self.notice(format!(
                    "{} has no telemetry columns: opened as a feature table in the Anomalies tab.",
                    dialog.preview.file
                ));
                self.open_feature_table(path, Some(dialog));
            }
            _ => {
                self.mapping_dialog = Some(dialog);
                self.error(message);
            }
        }
    }

    /// Apply results from the workers.
    pub fn handle_results(&mut self) {
        for result in self.jobs.drain() {
            match result {
                JobResult::Loaded(_, loaded) => match *loaded {
                    Ok(loaded) => self.on_loaded(loaded),
                    Err(failure) => {
                        self.reset_filter_on_load = false;
                        if failure.cancelled {
                            self.notice("Loading cancelled; the previous data is still open.");
                        } else if let Some(preview) = failure.preview {
                            let dialog = MappingDialog {
                                mapping: preview.recognised.clone(),
                                preview,
                                sources: failure.sources,
                            };
                            self.on_not_telemetry(dialog, failure.message);
                        } else {
                            let message = failure.message.trim_end_matches('.');
                            if self.dataset.is_some() {
                                self.error(format!("{message}. The previous data is still open."));
                            } else {
                                self.error(message);
                            }
                        }
                    }
                },
                JobResult::Computed {
                    dataset_id,
                    filter,
                    result,
                    ..
                } => {
                    if self.jobs.computing.as_ref() == Some(&(dataset_id, filter.clone())) {
                        self.jobs.computing = None;
                    }
                    // Results for a dataset that is no longer open are of no use.
                    if self.dataset.as_ref().map(|d| d.id) != Some(dataset_id) {
                        continue;
                    }
                    match result {
                        Ok(overview) => {
                            self.overview = Some((dataset_id, filter, Arc::from(overview)));
                        }
                        Err(e) => self.error(format!("Could not compute the Overview: {e}")),
                    }
                }
                JobResult::Analysed { key, result, .. } => self.on_analysed(key, result),
                JobResult::Traffic { key, result } => self.on_traffic(key, result),
                JobResult::Anomalies { key, result } => self.on_anomalies(key, result),
                JobResult::Table(outcome) => self.on_table(outcome),
                JobResult::Exported(Ok(text)) => self.notice(text),
                JobResult::Exported(Err(text)) => self.error(text),
                JobResult::Picked(picked) => self.on_picked(picked),
            }
        }
    }

    fn on_loaded(&mut self, loaded: jobs::Loaded) {
        let ds = loaded.dataset;
        // Results of the previous data are of no use and hold memory.
        self.analyses.clear();
        self.ui.correlation_pair = None;
        if std::mem::take(&mut self.reset_filter_on_load) {
            self.state.filter = Filter::default();
            self.ui.time_from.clear();
            self.ui.time_to.clear();
        }
        // Whatever was being computed belonged to the previous data.
        self.jobs.computing = None;
        // A restored filter may name values this data does not have.
        let unknown = self.state.filter.unknown_labels(&ds);
        for (column, label) in &unknown {
            if let Some(set) = self.state.filter.selections.get_mut(column) {
                set.remove(label);
            }
        }
        self.state.filter.selections.retain(|_, s| !s.is_empty());
        if !unknown.is_empty() {
            self.notice(format!(
                "{} filter value(s) not in this data were removed.",
                unknown.len()
            ));
        }
        let dropped = ds.report.dropped_lines();
        if !dropped.is_empty() {
            self.notice(format!(
                "Loaded {} with some rows dropped:\n{}",
                ds.name,
                dropped.join("\n")
            ));
        }
        if !loaded.files.is_empty() {
            self.state.remember_recent(&loaded.files);
        }
        self.state.files = loaded.files;
        self.facts = Some(loaded.facts);
        self.overview = loaded.first_view.map(|(f, o)| (ds.id, f, Arc::new(o)));
        self.dataset = Some(ds);
        if self.overview_is_stale() {
            self.request_views();
        }
    }

    fn on_picked(&mut self, picked: Picked) {
        match picked {
            Picked::Open(paths) => self.open_paths(paths),
            Picked::SaveWorkspace(path) => self.save_workspace(&path),
            Picked::OpenWorkspace(path) => self.open_workspace(&path),
            Picked::ExportTo(path) => self.export_to(path),
            Picked::OpenCaptures(paths) => self.add_captures(paths),
            Picked::OpenModel(path) => self.use_model_file(path),
            Picked::OpenLabels(path) => self.use_labels_file(path),
            Picked::OpenEventModel(path) => self.use_event_model_file(path),
            Picked::OpenTableModel(path) => self.use_table_model_file(path),
            Picked::Cancelled => self.pending_export = None,
        }
    }

    pub fn save_workspace(&mut self, path: &std::path::Path) {
        match self.state.write_workspace(path) {
            Ok(()) => self.notice(format!("Workspace saved to {}", path.display())),
            Err(e) => self.error(e),
        }
    }

    pub fn open_workspace(&mut self, path: &std::path::Path) {
        match State::read_workspace(path) {
            Ok(state) => {
                let files = state.files.clone();
                let recent = std::mem::take(&mut self.state.recent);
                self.state = state;
                self.state.recent = recent;
                if files.is_empty() {
                    self.open_sample();
                } else {
                    self.open_paths_keep_filter(files);
                }
            }
            Err(e) => self.error(e),
        }
    }

    /// File ▸ Open: a native dialog where one can exist, else a path field.
    pub fn ask_for_path(&mut self, kind: DialogKind) {
        self.ask_for_path_named(kind, String::new());
    }

    /// As [`App::ask_for_path`], proposing `suggested` as the file name.
    pub fn ask_for_path_named(&mut self, kind: DialogKind, suggested: String) {
        if self.use_native_dialogs {
            self.jobs.pick(kind, suggested);
        } else {
            self.path_dialog = Some(PathDialog {
                purpose: kind,
                text: suggested,
                note: Some(
                    "No file dialog is available here (it needs xdg-desktop-portal or zenity). Type a path, or drop files onto the window."
                        .into(),
                ),
            });
        }
    }
}

/// rfd needs a desktop portal (on the session bus) or zenity.
#[must_use]
pub fn native_dialog_available() -> bool {
    let has_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    let has_zenity = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|p| p.join("zenity").is_file()));
    has_bus || has_zenity
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.handle_results();
        panels::app_ui(self, ui);
        if self.jobs.busy() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STATE_KEY, &self.state);
    }
}

/// Open the window.
pub fn run_native(files: Vec<PathBuf>, strict: bool) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("streamlens")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([800.0, 500.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "streamlens",
        options,
        Box::new(move |cc| {
            let state: State = cc
                .storage
                .and_then(|s| eframe::get_value(s, STATE_KEY))
                .unwrap_or_default();
            Ok(Box::new(App::new(&cc.egui_ctx, state, files, strict)))
        }),
    )
    .map_err(|e| format!("cannot open the window: {e}"))
}
