//! Background work: loading files on a load thread, recomputing views on a
//! compute thread, native file dialogs on their own thread. The UI thread only
//! sends requests and drains results.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, bounded};

use super::worker::LatestWorker;
use crate::chart::ChartSpec;
use crate::chart::render::ImageFormat;
use crate::engine::analysis::suite::{Analyses, AnalysisKind, AnalysisParams};
use crate::tables::TableSpec;

pub use crate::engine::analysis::overview::Overview;
use crate::engine::analysis::overview::overview;
use crate::engine::analysis::summary::Summary;
use crate::engine::dataset::Dataset;
use crate::engine::error::LoadError;
use crate::engine::filter::Filter;
use crate::engine::io::{FilePreview, LoadOptions, LoadProgress, Source, load, preview};

/// Compute the Overview (engine calls only; errors as text for the message panel).
pub fn compute_overview(dataset: &Dataset, filter: &Filter) -> Result<Overview, String> {
    overview(dataset, filter).map_err(|e| e.to_string())
}

/// A finished load.
pub struct Loaded {
    pub dataset: Arc<Dataset>,
    /// Unfiltered facts, computed once per dataset.
    pub facts: Summary,
    /// The Overview for the filter the load was started with.
    pub first_view: Option<(Filter, Overview)>,
    pub files: Vec<PathBuf>,
    pub load_secs: f64,
}

/// A failed load; `preview` is set when the columns need mapping by hand.
pub struct LoadFailure {
    pub message: String,
    pub preview: Option<FilePreview>,
    pub sources: Vec<Source>,
    pub cancelled: bool,
}

/// What a file dialog returned.
pub enum Picked {
    Open(Vec<PathBuf>),
    SaveWorkspace(PathBuf),
    OpenWorkspace(PathBuf),
    /// Where to write the pending export.
    ExportTo(PathBuf),
    /// Network-stats captures for the Traffic tab.
    OpenCaptures(Vec<PathBuf>),
    /// A traffic model file to judge captures with.
    OpenModel(PathBuf),
    /// Event labels for the Anomalies tab.
    OpenLabels(PathBuf),
    /// A saved event detector for the Anomalies tab.
    OpenEventModel(PathBuf),
    /// A saved feature-table detector for the Anomalies tab.
    OpenTableModel(PathBuf),
    Cancelled,
}

/// The inputs an analysis result belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisKey {
    pub dataset_id: u64,
    pub filter: Filter,
    pub params: AnalysisParams,
    pub kind: AnalysisKind,
}

/// Something the user asked to save; written on its own thread.
#[derive(Debug, Clone)]
pub enum ExportJob {
    Chart(Box<ChartSpec>, ImageFormat),
    Table(Box<TableSpec>),
    /// A trained live-vs-VOD model as JSON.
    Model(Arc<crate::engine::traffic::model::TrafficModel>),
    /// The Anomalies tab's event detector as JSON.
    EventModel(Box<crate::engine::detect::events::saved::EventModel>),
    /// The feature table's detector as JSON.
    TableModel(Box<crate::engine::detect::table_model::TableModel>),
    /// All analyses on the current filter, into a folder.
    Report {
        dataset: Arc<Dataset>,
        filter: Filter,
        params: AnalysisParams,
    },
}

pub enum JobResult {
    /// The load's number and its outcome.
    Loaded(u64, Box<Result<Loaded, LoadFailure>>),
    Computed {
        dataset_id: u64,
        filter: Filter,
        result: Result<Box<Overview>, String>,
        secs: f64,
    },
    Analysed {
        key: AnalysisKey,
        result: Result<Arc<Analyses>, String>,
        secs: f64,
    },
    /// Traffic tab results for these inputs.
    Traffic {
        key: super::traffic::TrafficKey,
        result: Result<crate::engine::traffic::workbench::TrafficResults, String>,
    },
    /// Anomalies tab results for these inputs.
    Anomalies {
        key: super::anomalies::AnomalyKey,
        result: Result<Box<crate::engine::detect::events::view::ReportView>, String>,
    },
    /// A feature table inspected or scored.
    Table(super::feature_table::TableOutcome),
    /// A finished export: what to tell the user.
    Exported(Result<String, String>),
    Picked(Picked),
}

struct ComputeRequest {
    dataset: Arc<Dataset>,
    filter: Filter,
}

struct AnalysisRequest {
    dataset: Arc<Dataset>,
    key: AnalysisKey,
}

/// A load in flight.
pub struct RunningLoad {
    pub progress: Arc<LoadProgress>,
    pub label: String,
    pub started: Instant,
}

/// Owns the worker threads and their channels.
pub struct Jobs {
    /// Recomputes the Overview (fast) ...
    compute: Option<LatestWorker<ComputeRequest>>,
    /// ... and, separately, the visible analysis (slower), so neither waits for the other.
    analysis: Option<LatestWorker<AnalysisRequest>>,
    pub analysing: Option<AnalysisKey>,
    /// Reads, evaluates and classifies the Traffic tab's captures.
    traffic: Option<LatestWorker<super::traffic::TrafficKey>>,
    pub traffic_running: Option<super::traffic::TrafficKey>,
    /// Scores the events of the filtered telemetry for the Anomalies tab.
    anomalies: Option<LatestWorker<super::anomalies::AnomalyRequest>>,
    /// Inspects and scores feature tables for the Anomalies tab.
    tables: Option<LatestWorker<super::feature_table::TableJob>>,
    pub exporting: usize,
    /// Number of the newest load; results of older loads are dropped.
    load_seq: u64,
    results_tx: Sender<JobResult>,
    results_rx: Receiver<JobResult>,
    pub loading: Option<RunningLoad>,
    pub computing: Option<(u64, Filter)>,
    pub dialog_open: bool,
    repaint: egui::Context,
}

impl Jobs {
    #[must_use]
    pub fn new(repaint: egui::Context) -> Self {
        let (results_tx, results_rx) = bounded::<JobResult>(64);
        let compute = LatestWorker::spawn(
            "streamlens-compute",
            results_tx.clone(),
            repaint.clone(),
            |request: ComputeRequest| {
                let started = Instant::now();
                let result = compute_overview(&request.dataset, &request.filter).map(Box::new);
                JobResult::Computed {
                    dataset_id: request.dataset.id,
                    filter: request.filter,
                    result,
                    secs: started.elapsed().as_secs_f64(),
                }
            },
        );
        let analysis = LatestWorker::spawn(
            "streamlens-analysis",
            results_tx.clone(),
            repaint.clone(),
            |request: AnalysisRequest| {
                let started = Instant::now();
                let key = request.key;
                let result = crate::engine::analysis::suite::run(
                    &request.dataset,
                    &key.filter,
                    &key.params,
                    &[key.kind],
                )
                .map(Arc::new)
                .map_err(|e| e.to_string());
                JobResult::Analysed {
                    key,
                    result,
                    secs: started.elapsed().as_secs_f64(),
                }
            },
        );
        let traffic = super::traffic::spawn_worker(results_tx.clone(), repaint.clone());
        let anomalies = super::anomalies::spawn_worker(results_tx.clone(), repaint.clone());
        let tables = super::feature_table::spawn_worker(results_tx.clone(), repaint.clone());
        // Without a worker nothing can be computed; say so instead of hanging.
        for e in [
            compute.as_ref().err(),
            analysis.as_ref().err(),
            traffic.as_ref().err(),
            anomalies.as_ref().err(),
            tables.as_ref().err(),
        ]
        .into_iter()
        .flatten()
        {
            let _ = results_tx.try_send(JobResult::Exported(Err(e.clone())));
        }
        Self {
            compute: compute.ok(),
            analysis: analysis.ok(),
            analysing: None,
            traffic: traffic.ok(),
            traffic_running: None,
            anomalies: anomalies.ok(),
            tables: tables.ok(),
            exporting: 0,
            load_seq: 0,
            results_tx,
            results_rx,
            loading: None,
            computing: None,
            dialog_open: false,
            repaint,
        }
    }

    /// Ask for the Overview of `filter` on `dataset`.
    pub fn request_compute(&mut self, dataset: &Arc<Dataset>, filter: &Filter) {
        self.computing = Some((dataset.id, filter.clone()));
        if let Some(worker) = &self.compute {
            worker.request(ComputeRequest {
                dataset: Arc::clone(dataset),
                filter: filter.clone(),
            });
        }
    }

    /// Ask for one analysis; a request not yet started is replaced.
    pub fn request_analysis(&mut self, dataset: &Arc<Dataset>, key: AnalysisKey) {
        if self.analysing.as_ref() == Some(&key) {
            return;
        }
        self.analysing = Some(key.clone());
        if let Some(worker) = &self.analysis {
            worker.request(AnalysisRequest {
                dataset: Arc::clone(dataset),
                key,
            });
        }
    }

    /// Ask for the Traffic tab's results; a request not yet started is replaced.
    pub fn request_traffic(&mut self, key: super::traffic::TrafficKey) {
        if self.traffic_running.as_ref() == Some(&key) {
            return;
        }
        self.traffic_running = Some(key.clone());
        if let Some(worker) = &self.traffic {
            worker.request(key);
        }
    }

    /// Ask for the Anomalies tab's results; a request not yet started is replaced.
    pub fn request_anomalies(&mut self, request: super::anomalies::AnomalyRequest) {
        if let Some(worker) = &self.anomalies {
            worker.request(request);
        }
    }

    /// Ask the feature-table worker; a request not yet started is replaced.
    pub fn request_table(&mut self, job: super::feature_table::TableJob) {
        if let Some(worker) = &self.tables {
            worker.request(job);
        }
    }

    /// Write an export to `path` on its own thread.
    pub fn export(&mut self, job: ExportJob, path: PathBuf) {
        let tx = self.results_tx.clone();
        let ctx = self.repaint.clone();
        let spawned = std::thread::Builder::new()
            .name("streamlens-export".into())
            .spawn(move || {
                let _ = tx.send(JobResult::Exported(super::export::run_export(job, &path)));
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => self.exporting += 1,
            Err(e) => {
                let _ = self.results_tx.try_send(JobResult::Exported(Err(format!(
                    "cannot start the export: {e}"
                ))));
            }
        }
    }

    /// Start loading `sources` on a new thread; a running load is cancelled.
    pub fn start_load(&mut self, sources: Vec<Source>, options: LoadOptions, label: String) {
        if let Some(running) = &self.loading {
            running
                .progress
                .cancel
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        self.load_seq += 1;
        let seq = self.load_seq;
        let progress = Arc::new(LoadProgress::default());
        let thread_progress = Arc::clone(&progress);
        let tx = self.results_tx.clone();
        let ctx = self.repaint.clone();
        let spawned = std::thread::Builder::new()
            .name("streamlens-load".into())
            .spawn(move || {
                let result = run_load(sources, &options, &thread_progress);
                let _ = tx.send(JobResult::Loaded(seq, Box::new(result.map_err(|e| *e))));
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => {
                self.loading = Some(RunningLoad {
                    progress,
                    label,
                    started: Instant::now(),
                });
            }
            Err(e) => {
                let _ = self.results_tx.try_send(JobResult::Loaded(
                    seq,
                    Box::new(Err(LoadFailure {
                        message: format!("cannot start the load thread: {e}"),
                        preview: None,
                        sources: Vec::new(),
                        cancelled: false,
                    })),
                ));
            }
        }
    }

    pub fn cancel_load(&self) {
        if let Some(running) = &self.loading {
            running
                .progress
                .cancel
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Show a native file dialog without blocking the UI; `suggested_name` is the
    /// file name a save dialog proposes.
    pub fn pick(&mut self, kind: DialogKind, suggested_name: String) {
        if self.dialog_open {
            return;
        }
        self.dialog_open = true;
        let tx = self.results_tx.clone();
        let ctx = self.repaint.clone();
        let spawned = std::thread::Builder::new()
            .name("streamlens-dialog".into())
            .spawn(move || {
                let picked = match kind {
                    DialogKind::Open => rfd::FileDialog::new()
                        .add_filter("Telemetry", &["csv", "tsv", "txt", "gz", "parquet", "pq"])
                        .add_filter("All files", &["*"])
                        .pick_files()
                        .map_or(Picked::Cancelled, Picked::Open),
                    DialogKind::SaveWorkspace => rfd::FileDialog::new()
                        .add_filter("Workspace", &["json"])
                        .set_file_name("workspace.streamlens.json")
                        .save_file()
                        .map_or(Picked::Cancelled, Picked::SaveWorkspace),
                    DialogKind::OpenWorkspace => rfd::FileDialog::new()
                        .add_filter("Workspace", &["json"])
                        .pick_file()
                        .map_or(Picked::Cancelled, Picked::OpenWorkspace),
                    DialogKind::Export => {
                        let mut dialog = rfd::FileDialog::new().set_file_name(&suggested_name);
                        if let Some(ext) = suggested_name.rsplit_once('.').map(|(_, e)| e) {
                            dialog = dialog.add_filter(ext.to_uppercase(), &[ext]);
                        }
                        dialog
                            .save_file()
                            .map_or(Picked::Cancelled, Picked::ExportTo)
                    }
                    DialogKind::ExportFolder => rfd::FileDialog::new()
                        .pick_folder()
                        .map_or(Picked::Cancelled, Picked::ExportTo),
                    DialogKind::OpenCaptures => rfd::FileDialog::new()
                        .add_filter("network-stats captures", &["csv"])
                        .add_filter("All files", &["*"])
                        .pick_files()
                        .map_or(Picked::Cancelled, Picked::OpenCaptures),
                    DialogKind::OpenModel => rfd::FileDialog::new()
                        .add_filter("Traffic model", &["json"])
                        .pick_file()
                        .map_or(Picked::Cancelled, Picked::OpenModel),
                    DialogKind::OpenLabels => rfd::FileDialog::new()
                        .add_filter("Event labels", &["csv"])
                        .pick_file()
                        .map_or(Picked::Cancelled, Picked::OpenLabels),
                    DialogKind::OpenEventModel => rfd::FileDialog::new()
                        .add_filter("Event model", &["json"])
                        .pick_file()
                        .map_or(Picked::Cancelled, Picked::OpenEventModel),
                    DialogKind::OpenTableModel => rfd::FileDialog::new()
                        .add_filter("Feature-table model", &["json"])
                        .pick_file()
                        .map_or(Picked::Cancelled, Picked::OpenTableModel),
                };
                let _ = tx.send(JobResult::Picked(picked));
                ctx.request_repaint();
            });
        if spawned.is_err() {
            self.dialog_open = false;
        }
    }

    /// Results that arrived since the last frame.
    pub fn drain(&mut self) -> Vec<JobResult> {
        let mut results: Vec<JobResult> = self.results_rx.try_iter().collect();
        // A load replaced by a newer one reports nothing.
        results.retain(|r| !matches!(r, JobResult::Loaded(seq, _) if *seq != self.load_seq));
        for r in &results {
            match r {
                JobResult::Loaded(..) => self.loading = None,
                JobResult::Picked(_) => self.dialog_open = false,
                JobResult::Exported(_) => self.exporting = self.exporting.saturating_sub(1),
                JobResult::Computed { .. }
                | JobResult::Analysed { .. }
                | JobResult::Traffic { .. }
                | JobResult::Anomalies { .. }
                | JobResult::Table(_) => {}
            }
        }
        results
    }

    #[must_use]
    pub fn busy(&self) -> bool {
        self.loading.is_some()
            || self.computing.is_some()
            || self.analysing.is_some()
            || self.traffic_running.is_some()
            || self.exporting > 0
            || self.dialog_open
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogKind {
    Open,
    SaveWorkspace,
    OpenWorkspace,
    /// Save the pending export (a chart or table) to a file.
    Export,
    /// Choose a folder for the pending report.
    ExportFolder,
    /// Captures for the Traffic tab.
    OpenCaptures,
    /// A traffic model file.
    OpenModel,
    /// Event labels for the Anomalies tab.
    OpenLabels,
    /// A saved event detector for the Anomalies tab.
    OpenEventModel,
    /// A saved feature-table detector for the Anomalies tab.
    OpenTableModel,
}

fn run_load(
    sources: Vec<Source>,
    options: &LoadOptions,
    progress: &LoadProgress,
) -> Result<Loaded, Box<LoadFailure>> {
    let started = Instant::now();
    let failure = |e: LoadError, sources: Vec<Source>| {
        let preview = match &e {
            LoadError::MissingColumn { file, .. } => sources
                .iter()
                .find(|s| s.name() == *file)
                .and_then(|s| preview(s).ok()),
            _ => None,
        };
        LoadFailure {
            cancelled: matches!(e, LoadError::Cancelled),
            message: e.to_string(),
            preview,
            sources,
        }
    };
    let dataset = match load(&sources, options, progress) {
        Ok(d) => d,
        Err(e) => return Err(Box::new(failure(e, sources))),
    };
    let facts = overview(&dataset, &Filter::default()).map_err(|e| {
        Box::new(LoadFailure {
            message: e.to_string(),
            preview: None,
            sources: sources.clone(),
            cancelled: false,
        })
    })?;
    let files = sources
        .iter()
        .filter_map(|s| match s {
            Source::Path(p) => Some(p.clone()),
            Source::Bytes { .. } => None,
        })
        .collect();
    Ok(Loaded {
        dataset: Arc::new(dataset),
        facts: facts.summary.clone(),
        first_view: Some((Filter::default(), facts)),
        files,
        load_secs: started.elapsed().as_secs_f64(),
    })
}
