//! Background work that is not a view's: loading files on a load thread, native file
//! dialogs on their own thread, exports on theirs. The UI thread only sends requests and
//! drains results; each view's computations run on that view's own worker.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, bounded};

use super::export::{ExportJob, run_export};
use super::file_dialogs::{DialogKind, Picked, pick};
use streamlens_engine::Filter;
use streamlens_engine::analysis::overview::{Overview, overview, prepare_filter_changes};
use streamlens_engine::analysis::summary::Summary;
use streamlens_engine::dataset::Dataset;
use streamlens_engine::error::LoadError;
use streamlens_engine::io::{FilePreview, LoadOptions, LoadProgress, Source, load, preview};

/// A finished load.
pub struct Loaded {
    pub dataset: Arc<Dataset>,
    /// Unfiltered facts, computed once per dataset.
    pub facts: Summary,
    /// The Overview for the filter the load was started with.
    pub first_view: Option<(Filter, Overview)>,
    pub files: Vec<PathBuf>,
}

/// A failed load; `preview` is set when the columns need mapping by hand.
pub struct LoadFailure {
    pub message: String,
    pub preview: Option<FilePreview>,
    pub sources: Vec<Source>,
    pub cancelled: bool,
}

pub enum JobResult {
    /// The load's number and its outcome.
    Loaded(u64, Box<Result<Loaded, LoadFailure>>),
    /// A finished export: what to tell the user.
    Exported(Result<String, String>),
    Picked(Picked),
}

/// A load in flight.
pub struct RunningLoad {
    pub progress: Arc<LoadProgress>,
    pub label: String,
    pub started: Instant,
}

/// Owns the load, dialog and export threads' channel.
pub struct Jobs {
    pub exporting: usize,
    /// Number of the newest load; results of older loads are dropped.
    load_seq: u64,
    results_tx: Sender<JobResult>,
    results_rx: Receiver<JobResult>,
    pub loading: Option<RunningLoad>,
    pub dialog_open: bool,
    repaint: egui::Context,
}

impl Jobs {
    #[must_use]
    pub fn new(repaint: egui::Context) -> Self {
        let (results_tx, results_rx) = bounded::<JobResult>(64);
        Self {
            exporting: 0,
            load_seq: 0,
            results_tx,
            results_rx,
            loading: None,
            dialog_open: false,
            repaint,
        }
    }

    /// Write an export to `path` on its own thread.
    pub fn export(&mut self, job: ExportJob, path: PathBuf) {
        let tx = self.results_tx.clone();
        let ctx = self.repaint.clone();
        let spawned = std::thread::Builder::new()
            .name("streamlens-export".into())
            .spawn(move || {
                let _ = tx.send(JobResult::Exported(run_export(job, &path)));
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
                let _ = tx.send(JobResult::Picked(pick(kind, &suggested_name)));
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
            }
        }
        results
    }

    #[must_use]
    pub fn busy(&self) -> bool {
        self.loading.is_some() || self.exporting > 0 || self.dialog_open
    }
}

fn run_load(
    sources: Vec<Source>,
    options: &LoadOptions,
    progress: &LoadProgress,
) -> Result<Loaded, Box<LoadFailure>> {
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
    let dataset = Arc::new(dataset);
    // Filter changes are answered from cells once these are grouped; until then (about one
    // Overview's time) they take the row scan, so nothing waits for this thread.
    let for_cells = Arc::clone(&dataset);
    let _ = std::thread::Builder::new()
        .name("filter-cells".into())
        .spawn(move || prepare_filter_changes(&for_cells));
    Ok(Loaded {
        dataset,
        facts: facts.summary.clone(),
        first_view: Some((Filter::default(), facts)),
        files,
    })
}
