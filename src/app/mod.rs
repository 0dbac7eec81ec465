//! The window: egui only. Each view sends work to its own worker (`telemetry`,
//! `traffic`, `anomalies`, `feature_table`); loads, dialogs and exports go through `jobs`.
//! Draws engine results, never computes statistics itself.

pub mod anomalies;
pub mod export;
pub mod feature_table;
pub mod file_dialogs;
pub mod incident_kinds;
pub mod jobs;
pub mod kpi_result;
pub mod live_state;
mod loading;
pub mod nav;
pub mod panels;
pub mod plot;
pub mod segments;
pub mod sessions;
pub mod sessions_live;
mod sessions_worker;
mod side_files;
mod spec_cache;
pub mod state;
pub mod telemetry;
pub mod traffic;
pub mod undo;
pub mod whatif;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;

use streamlens_engine::Filter;
use streamlens_engine::analysis::overview::Overview;
use streamlens_engine::analysis::summary::Summary;
use streamlens_engine::dataset::Dataset;
use streamlens_engine::io::{FilePreview, Source};

use file_dialogs::{DialogKind, Mode, Picked};
use jobs::{JobResult, Jobs};
use state::State;
use telemetry::TelemetryWorkers;

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
    pub mapping: streamlens_engine::schema::ColumnMapping,
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
    /// The Overview's and the visible analysis's workers.
    pub telemetry: TelemetryWorkers,
    pub messages: Vec<Message>,
    pub mapping_dialog: Option<MappingDialog>,
    pub path_dialog: Option<PathDialog>,
    pub ui: panels::UiState,
    /// Latest result per analysis tab, with the inputs it was computed for.
    pub analyses: std::collections::HashMap<
        streamlens_engine::analysis::suite::AnalysisKind,
        (
            telemetry::AnalysisKey,
            Arc<streamlens_engine::analysis::suite::Analyses>,
        ),
    >,
    /// An export waiting for its path.
    pub pending_export: Option<export::ExportJob>,
    /// Use the native file dialog when one can exist (tests turn it off to type paths).
    pub use_native_dialogs: bool,
    /// Clear the filter when the running load succeeds (new data, not a reload).
    reset_filter_on_load: bool,
    /// Captures, model file and results of the Traffic tab.
    pub traffic: traffic::TrafficTab,
    /// Detector results, labels and threshold of the Anomalies tab.
    pub anomalies: anomalies::AnomaliesTab,
    /// Player sessions, the question asked and its answer.
    pub sessions: sessions::SessionsTab,
    /// A KPI result (Parquet tables) shown in the Sessions view instead of the events' answer.
    pub kpi_result: kpi_result::KpiResultState,
    /// Players on traces, the office link and the cities' peaks of Network ▸ What-if.
    pub whatif: whatif::WhatIfTab,
    /// Viewer segments of the filtered telemetry.
    pub segments: segments::SegmentsTab,
    /// Undo and redo of filters, parameters and thresholds.
    pub history: undo::History,
}

impl App {
    /// Create the app and start loading `files` (or the restored files, or the sample).
    #[must_use]
    pub fn new(ctx: &egui::Context, mut state: State, files: Vec<PathBuf>, strict: bool) -> Self {
        if strict {
            state.strict = true;
        }
        let mut thread_errors = Vec::new();
        let telemetry = TelemetryWorkers::start(ctx, &mut thread_errors);
        let traffic = traffic::TrafficTab {
            worker: traffic::start_worker(ctx, &mut thread_errors),
            ..traffic::TrafficTab::default()
        };
        let anomalies = anomalies::AnomaliesTab {
            worker: anomalies::start_worker(ctx, &mut thread_errors),
            table_worker: feature_table::start_worker(ctx, &mut thread_errors),
            kinds: incident_kinds::KindsState {
                worker: incident_kinds::start_worker(ctx, &mut thread_errors),
                ..incident_kinds::KindsState::default()
            },
            ..anomalies::AnomaliesTab::default()
        };
        let (loader, answerer) = sessions_worker::start_workers(ctx, &mut thread_errors);
        let sessions = sessions::SessionsTab {
            loader,
            answerer,
            ..sessions::SessionsTab::default()
        };
        let whatif = whatif::start_workers(ctx, &mut thread_errors);
        let mut app = Self {
            jobs: Jobs::new(ctx.clone()),
            telemetry,
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
            traffic,
            anomalies,
            sessions,
            kpi_result: kpi_result::KpiResultState::default(),
            whatif,
            segments: segments::SegmentsTab {
                worker: segments::start_worker(ctx, &mut thread_errors),
                ..segments::SegmentsTab::default()
            },
            history: undo::History::default(),
        };
        // Without a worker nothing can be computed there; say so instead of hanging.
        for e in thread_errors {
            app.error(e);
        }
        app.restore_side_files();
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

    pub fn error(&mut self, text: impl Into<String>) {
        self.messages.push(Message {
            text: streamlens_engine::error::bounded_message(text.into()),
            is_error: true,
        });
    }

    pub fn notice(&mut self, text: impl Into<String>) {
        self.messages.push(Message {
            text: streamlens_engine::error::bounded_message(text.into()),
            is_error: false,
        });
    }

    /// Apply results from the jobs and from every view's worker.
    pub fn handle_results(&mut self) {
        for result in self.jobs.drain() {
            match result {
                JobResult::Loaded(_, loaded) => self.on_load_result(*loaded),
                JobResult::Exported(Ok(text)) => self.notice(text),
                JobResult::Exported(Err(text)) => self.error(text),
                JobResult::Picked(picked) => self.on_picked(picked),
            }
        }
        self.poll_telemetry();
        self.poll_traffic();
        self.poll_anomalies();
        self.poll_sessions();
        self.poll_kpi_result();
        self.poll_whatif();
        self.poll_segments();
    }

    /// A file dialog (native or typed) returned: no path means cancelled.
    pub fn on_picked(&mut self, picked: Picked) {
        let Picked { kind, paths } = picked;
        let Some(first) = paths.first().cloned() else {
            self.pending_export = None;
            return;
        };
        match kind {
            DialogKind::Open => self.open_paths(paths),
            DialogKind::OpenCaptures => self.add_captures(paths),
            DialogKind::SaveWorkspace => self.save_workspace(&first),
            DialogKind::OpenWorkspace => self.open_workspace(&first),
            DialogKind::Export | DialogKind::ExportFolder => self.export_to(first),
            DialogKind::OpenModel => self.use_model_file(first),
            DialogKind::OpenLabels => self.use_labels_file(first),
            DialogKind::OpenEventModel => self.use_event_model_file(first),
            DialogKind::OpenTableModel => self.use_table_model_file(first),
            DialogKind::OpenSessions => self.open_session_paths(paths),
            DialogKind::OpenCdn => self.open_cdn_paths(paths),
            DialogKind::WatchCollector => self.watch_collector(first),
            DialogKind::OpenKpiResult => self.open_kpi_result(first),
            DialogKind::WatchCollectorUrl => {
                self.watch_collector_url(&first.to_string_lossy());
            }
            DialogKind::OpenTraces => self.use_trace_files(paths),
            DialogKind::OpenManifest => self.use_manifest_file(first),
            DialogKind::OpenTrainingTraces => self.use_training_trace_files(paths),
        }
    }

    /// File ▸ Open: a native dialog where one can exist, else a path field.
    pub fn ask_for_path(&mut self, kind: DialogKind) {
        self.ask_for_path_named(kind, String::new());
    }

    /// As [`App::ask_for_path`], proposing `suggested` as the file name.
    pub fn ask_for_path_named(&mut self, kind: DialogKind, suggested: String) {
        if kind.spec().mode == Mode::TypedAddress {
            self.path_dialog = Some(PathDialog {
                purpose: kind,
                text: suggested,
                note: Some(
                    "A token the collector needs is read from STREAMLENS_COLLECT_TOKEN.".into(),
                ),
            });
        } else if self.use_native_dialogs {
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
        self.observe_for_undo();
        let sessions_busy = self.sessions.loading.is_some()
            || self.sessions.asking.is_some()
            || self.kpi_result.opening.is_some();
        if self.jobs.busy()
            || self.telemetry.busy()
            || self.traffic.running.is_some()
            || sessions_busy
            || self.whatif_busy()
        {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.remember_side_files();
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
