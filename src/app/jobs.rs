//! Background work: loading files on a load thread, recomputing views on a
//! compute thread, native file dialogs on their own thread. The UI thread only
//! sends requests and drains results.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, bounded};

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
    Cancelled,
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
    Picked(Picked),
}

struct ComputeRequest {
    dataset: Arc<Dataset>,
    filter: Filter,
}

/// A load in flight.
pub struct RunningLoad {
    pub progress: Arc<LoadProgress>,
    pub label: String,
    pub started: Instant,
}

/// Owns the worker threads and their channels.
pub struct Jobs {
    /// The newest compute request; the worker always takes the latest one.
    compute_slot: Arc<Mutex<Option<ComputeRequest>>>,
    /// Wakes the compute worker (capacity 1: one pending wake is enough).
    compute_wake: Sender<()>,
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
        let (compute_wake, wake_rx) = bounded::<()>(1);
        let compute_slot: Arc<Mutex<Option<ComputeRequest>>> = Arc::new(Mutex::new(None));
        let (results_tx, results_rx) = bounded::<JobResult>(64);
        let tx = results_tx.clone();
        let ctx = repaint.clone();
        let slot = Arc::clone(&compute_slot);
        let spawned = std::thread::Builder::new()
            .name("streamlens-compute".into())
            .spawn(move || {
                while wake_rx.recv().is_ok() {
                    // Only the newest filter matters: older requests were replaced.
                    let Some(request) = slot.lock().ok().and_then(|mut s| s.take()) else {
                        continue;
                    };
                    let started = Instant::now();
                    let result = compute_overview(&request.dataset, &request.filter).map(Box::new);
                    let message = JobResult::Computed {
                        dataset_id: request.dataset.id,
                        filter: request.filter,
                        result,
                        secs: started.elapsed().as_secs_f64(),
                    };
                    if tx.send(message).is_err() {
                        break;
                    }
                    ctx.request_repaint();
                }
            });
        if let Err(e) = spawned {
            // Without the thread nothing can be computed; say so instead of hanging.
            let _ = results_tx.try_send(JobResult::Computed {
                dataset_id: 0,
                filter: Filter::default(),
                result: Err(format!("cannot start the compute thread: {e}")),
                secs: 0.0,
            });
        }
        Self {
            compute_slot,
            compute_wake,
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
        let request = ComputeRequest {
            dataset: Arc::clone(dataset),
            filter: filter.clone(),
        };
        if let Ok(mut slot) = self.compute_slot.lock() {
            *slot = Some(request);
        }
        // A full wake channel means a wake is already pending; it will see this request.
        let _ = self.compute_wake.try_send(());
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

    /// Show a native file dialog without blocking the UI.
    pub fn pick(&mut self, kind: DialogKind) {
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
                JobResult::Computed { .. } => {}
            }
        }
        results
    }

    #[must_use]
    pub fn busy(&self) -> bool {
        self.loading.is_some() || self.computing.is_some() || self.dialog_open
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogKind {
    Open,
    SaveWorkspace,
    OpenWorkspace,
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
