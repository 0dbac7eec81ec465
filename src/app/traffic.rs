//! The App's side of the Traffic tab: which captures are open, the model file, asking the
//! traffic worker for results that match them, and saving the trained model. The work
//! itself is `streamlens_traffic::workbench`.

use std::path::PathBuf;
use std::sync::Arc;

use super::App;
use super::export::ExportJob;
use super::nav::Tab;
use super::worker::{self, LatestWorker};
use streamlens_engine::progress::Progress;
use streamlens_report::chart::ChartSpec;
use streamlens_report::tables::TableSpec;
use streamlens_traffic::chunk::WindowParams;
use streamlens_traffic::model::{Classifier, ModelParams};
use streamlens_traffic::workbench::{
    CaptureSource, TrafficRequest, TrafficResults, read_model, run_workbench_with,
};

/// Seed, count and length of the demo captures (synthetic, labelled by name).
const DEMO_SEED: u64 = 42;
const DEMO_CAPTURES: usize = 8;
const DEMO_SECONDS: u32 = 300;

/// The inputs a Traffic result belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficKey {
    pub sources: Vec<CaptureSource>,
    pub window: WindowParams,
    pub model: Option<PathBuf>,
}

/// Charts and tables of the shown result, rebuilt only when it or the selection changes.
#[derive(Debug)]
pub struct TrafficParts {
    pub selected: usize,
    pub connection: Option<usize>,
    pub classifier: Classifier,
    pub results: Arc<TrafficResults>,
    pub capture_charts: Vec<ChartSpec>,
    pub evaluation_charts: Vec<ChartSpec>,
    pub tables: Vec<TableSpec>,
    pub evaluation_tables: Vec<TableSpec>,
}

/// Runtime state of the Traffic tab (the window and classifier persist in `State`).
#[derive(Debug, Default)]
pub struct TrafficTab {
    pub sources: Vec<CaptureSource>,
    pub model: Option<PathBuf>,
    pub results: Option<(TrafficKey, Arc<TrafficResults>)>,
    /// Index into the result's captures.
    pub selected: usize,
    /// A connection of the selected capture to draw on its own (index into its series).
    pub connection: Option<usize>,
    pub parts: Option<Arc<TrafficParts>>,
    /// Reads, evaluates and classifies the captures off the UI thread.
    pub worker: Option<LatestWorker<TrafficJob, TrafficDone>>,
    /// The inputs being worked on.
    pub running: Option<TrafficKey>,
    /// Stage and share done of the running work; cancelling it stops the worker.
    pub progress: Arc<Progress>,
    /// Inputs the user cancelled: not asked for again until they change or Run is pressed.
    pub cancelled: Option<TrafficKey>,
}

/// What the Traffic worker is asked: the inputs and the progress it reports to.
pub struct TrafficJob {
    pub key: TrafficKey,
    pub progress: Arc<Progress>,
}

/// A finished Traffic computation and the inputs it was for; `None` when it was cancelled.
pub type TrafficDone = (TrafficKey, Option<Result<TrafficResults, String>>);

impl App {
    fn traffic_key(&self) -> TrafficKey {
        TrafficKey {
            sources: self.traffic.sources.clone(),
            window: self.state.traffic.window,
            model: self.traffic.model.clone(),
        }
    }

    /// The latest result and whether it is older than the inputs; asks for a fresh one when
    /// needed. `None` before the first result.
    pub fn traffic_results(&mut self) -> Option<(Arc<TrafficResults>, bool)> {
        let key = self.traffic_key();
        let current = self.traffic.results.as_ref();
        let stale = current.is_none_or(|(k, _)| *k != key);
        let cancelled = self.traffic.cancelled.as_ref() == Some(&key);
        if stale
            && !cancelled
            && !key.sources.is_empty()
            && self.traffic.running.as_ref() != Some(&key)
        {
            // Whatever runs is for older inputs: stop it, and report to a fresh progress.
            self.traffic.progress.cancel();
            let progress = Arc::new(Progress::new());
            self.traffic.progress = Arc::clone(&progress);
            self.traffic.running = Some(key.clone());
            if let Some(worker) = &self.traffic.worker {
                worker.request(TrafficJob { key, progress });
            }
        }
        current.map(|(_, r)| (Arc::clone(r), stale))
    }

    #[must_use]
    pub fn traffic_running(&self) -> bool {
        self.traffic.running.is_some()
    }

    /// Stop the running Traffic work; the inputs are not worked on again until they change
    /// or [`App::rerun_traffic`].
    pub fn cancel_traffic(&mut self) {
        self.traffic.progress.cancel();
        self.traffic.cancelled = self.traffic.running.take();
    }

    pub fn rerun_traffic(&mut self) {
        self.traffic.cancelled = None;
    }

    /// Add capture files (already open ones are skipped) and show the Traffic tab.
    pub fn add_captures(&mut self, paths: Vec<PathBuf>) {
        for path in paths {
            let source = CaptureSource::File(path);
            if !self.traffic.sources.contains(&source) {
                self.traffic.sources.push(source);
            }
        }
        self.state.tab = Tab::Traffic;
    }

    /// Add the seeded synthetic demo captures.
    pub fn add_demo_captures(&mut self) {
        for source in CaptureSource::demo(DEMO_SEED, DEMO_CAPTURES, DEMO_SECONDS) {
            if !self.traffic.sources.contains(&source) {
                self.traffic.sources.push(source);
            }
        }
        self.state.tab = Tab::Traffic;
    }

    /// Close one capture.
    pub fn remove_capture(&mut self, source: &CaptureSource) {
        self.traffic.sources.retain(|s| s != source);
        self.traffic.selected = 0;
        self.traffic.connection = None;
    }

    pub fn clear_captures(&mut self) {
        self.traffic.sources.clear();
        self.traffic.results = None;
        self.traffic.parts = None;
        self.traffic.selected = 0;
        self.traffic.connection = None;
    }

    /// Judge every capture with this model file (read on the worker).
    pub fn use_model_file(&mut self, path: PathBuf) {
        self.traffic.model = Some(path);
        self.state.tab = Tab::Traffic;
    }

    pub fn forget_model_file(&mut self) {
        self.traffic.model = None;
    }

    /// Save the model trained on the labelled captures.
    pub fn save_trained_model(&mut self) {
        let trained = self
            .traffic
            .results
            .as_ref()
            .and_then(|(_, r)| r.trained.clone());
        match trained {
            Some(model) => self.start_export(ExportJob::Model(model)),
            None => self.error("No trained model to save: add labelled captures of both kinds."),
        }
    }

    /// Take the Traffic worker's results.
    pub(super) fn poll_traffic(&mut self) {
        let done = worker::drain(self.traffic.worker.as_ref());
        for (key, result) in done {
            // A cancelled run answers nothing; `running` was cleared when it was cancelled
            // (or now belongs to newer inputs).
            if let Some(result) = result {
                self.on_traffic(key, result);
            }
        }
    }

    fn on_traffic(&mut self, key: TrafficKey, result: Result<TrafficResults, String>) {
        if self.traffic.running.as_ref() == Some(&key) {
            self.traffic.running = None;
        }
        match result {
            Ok(results) => {
                for (_, message) in &results.failed {
                    self.error(format!("Not added to Traffic: {message}"));
                }
                // Captures that failed leave the inputs so they are not retried.
                let failed: Vec<&CaptureSource> = results.failed.iter().map(|(s, _)| s).collect();
                if !failed.is_empty() && key == self.traffic_key() {
                    self.traffic.sources.retain(|s| !failed.contains(&s));
                    let mut kept = key;
                    kept.sources.clone_from(&self.traffic.sources);
                    self.traffic.results = Some((kept, Arc::new(results)));
                } else {
                    self.traffic.results = Some((key, Arc::new(results)));
                }
            }
            Err(message) => {
                self.error(message);
                // A model file that cannot be read is forgotten; the labelled captures remain.
                if key.model.is_some() && key.model == self.traffic.model {
                    self.traffic.model = None;
                }
            }
        }
    }
}

/// The thread behind the Traffic tab: reads the model file (if any), then runs the workbench.
pub(super) fn start_worker(
    repaint: &egui::Context,
    errors: &mut Vec<String>,
) -> Option<LatestWorker<TrafficJob, TrafficDone>> {
    LatestWorker::start(
        "streamlens-traffic",
        repaint,
        |TrafficJob { key, progress }: TrafficJob| {
            progress.report(0.0, "reading the model file");
            let model = match &key.model {
                Some(path) => match read_model(path) {
                    Ok(m) => Some(Arc::new(m)),
                    Err(e) => return (key, Some(Err(e))),
                },
                None => None,
            };
            let request = TrafficRequest {
                sources: key.sources.clone(),
                window: key.window,
                params: ModelParams::default(),
                model,
            };
            let result = run_workbench_with(&request, &progress).map(Ok);
            (key, result)
        },
        errors,
    )
}
