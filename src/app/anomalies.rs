//! The App's side of the Anomalies tab: which dataset, filter, detector and labels a result
//! belongs to, asking the anomalies worker for it (with cancel), and the threshold the user
//! drags. The work itself is `streamlens_events`.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::App;
use super::nav::Tab;
use super::spec_cache::SpecCache;
use super::worker::{self, LatestWorker};
use streamlens_deep::{AutoencoderParams, ClassifierParams};
use streamlens_detect::map::LabelledMap;
use streamlens_detect::{DetectError, ModelKind, ModelSpec};
use streamlens_engine::Filter;
use streamlens_engine::dataset::Dataset;
use streamlens_engine::progress::Progress;
use streamlens_events::deep::TrainingTrace;
use streamlens_events::features::WindowFeature;
use streamlens_events::labels::{EventLabel, normal_event_ids, parse_labels, read_labels};
use streamlens_events::saved::EventModel;
use streamlens_events::view::{ReportView, report_view};
use streamlens_events::{
    EventDetectError, EventDetectParams, EventRun, dataset_features, run_events,
};

/// Labels of the built-in sample (the same file as `sample_data/labels.csv`).
const SAMPLE_LABELS: &str = include_str!("../../sample_data/labels.csv");
/// Bars of the event-score histogram.
const HISTOGRAM_BINS: usize = 40;

/// Most epochs the window lets the deep model train per candidate.
pub const MAX_DEEP_EPOCHS: u32 = 500;
/// The deep model's epochs per candidate unless the user sets them.
pub const DEFAULT_DEEP_EPOCHS: u32 = 30;

/// Settings of the Anomalies tab that survive a restart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnomalySettings {
    pub model: ModelKind,
    /// Cities and segments with fewer viewers in a usual minute are not scored on their own.
    pub min_viewers: f64,
    /// Window features left out, in [`WindowFeature::ALL`] order.
    pub excluded_features: [bool; WindowFeature::ALL.len()],
    /// Fit the detectors only on events the labels mark normal (when there are labels).
    pub fit_on_normal: bool,
    /// Score with the deep sequence model instead of the window detector `model`.
    pub deep: bool,
    /// Score with the supervised sequence classifier (needs labels); wins over `deep`.
    pub supervised: bool,
    /// Most training epochs per candidate of the deep model's search.
    pub deep_epochs: u32,
}

impl Default for AnomalySettings {
    fn default() -> Self {
        Self {
            model: ModelKind::Mahalanobis,
            min_viewers: 3.0,
            excluded_features: [false; WindowFeature::ALL.len()],
            fit_on_normal: false,
            deep: false,
            supervised: false,
            deep_epochs: DEFAULT_DEEP_EPOCHS,
        }
    }
}

impl AnomalySettings {
    /// Whether the user left `feature` out.
    #[must_use]
    pub fn excludes(&self, feature: WindowFeature) -> bool {
        WindowFeature::ALL
            .iter()
            .position(|&f| f == feature)
            .is_some_and(|i| self.excluded_features[i])
    }
}

/// Where event labels come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelSource {
    /// The labels shipped with the built-in sample.
    Sample,
    File(PathBuf),
}

/// The inputs an Anomalies result belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyKey {
    pub dataset_id: u64,
    pub filter: Filter,
    pub settings: AnomalySettings,
    pub labels: Option<LabelSource>,
    /// Score with this saved event model instead of fitting on the data.
    pub model_file: Option<PathBuf>,
}

/// Runtime state of the Anomalies tab.
#[derive(Debug, Default)]
pub struct AnomaliesTab {
    pub results: Option<(AnomalyKey, Arc<ReportView>)>,
    pub running: Option<AnomalyKey>,
    /// The running (or last) computation's progress; cancelling it stops that run.
    pub progress: Arc<Progress>,
    /// The running (or last) computation's deep-training epochs, for the live loss curve.
    pub training: Arc<TrainingTrace>,
    /// A key the user cancelled: not asked for again until the inputs change or Run is pressed.
    pub cancelled: Option<AnomalyKey>,
    /// A labels file the user opened (the sample's labels are used without asking).
    pub labels_file: Option<PathBuf>,
    /// A saved event model the user opened (read on the worker).
    pub model_file: Option<PathBuf>,
    /// The threshold the user set; `None` = the report's default.
    pub threshold: Option<f64>,
    /// The event whose timeline is shown.
    pub selected: Option<String>,
    /// Which level's detector map is drawn (index into the view's maps).
    pub map_level: usize,
    /// A level's map after the user fed its FISVDD model more windows.
    pub fed_map: Option<(usize, LabelledMap)>,
    /// The drawn map's chart spec.
    pub map_spec: SpecCache,
    /// Colour the map's windows by their event's incident kind, not by side of the boundary.
    pub map_by_kind: bool,
    /// A feature table (a CSV that is not telemetry) open in this tab.
    pub table: Option<super::feature_table::FeatureTableTab>,
    /// Show the feature table rather than the telemetry's events.
    pub show_table: bool,
    /// Scores the events of the filtered telemetry off the UI thread.
    pub worker: Option<LatestWorker<AnomalyRequest, AnomaliesDone>>,
    /// Incident kinds of the flagged events.
    pub kinds: super::incident_kinds::KindsState,
    /// Inspects and scores feature tables off the UI thread.
    pub table_worker:
        Option<LatestWorker<super::feature_table::TableJob, super::feature_table::TableOutcome>>,
}

/// A finished event computation and the inputs it was for.
pub type AnomaliesDone = (AnomalyKey, Result<Box<ReportView>, String>);

/// One request to the anomalies worker.
pub struct AnomalyRequest {
    pub key: AnomalyKey,
    pub dataset: Arc<Dataset>,
    pub progress: Arc<Progress>,
    pub training: Arc<TrainingTrace>,
}

impl App {
    fn anomaly_key(&self) -> Option<AnomalyKey> {
        let dataset = self.dataset.as_ref()?;
        let labels = match &self.anomalies.labels_file {
            Some(p) => Some(LabelSource::File(p.clone())),
            None if self.state.files.is_empty() => Some(LabelSource::Sample),
            None => None,
        };
        Some(AnomalyKey {
            dataset_id: dataset.id,
            filter: self.state.filter.clone(),
            settings: self.state.anomalies,
            labels,
            model_file: self.anomalies.model_file.clone(),
        })
    }

    /// The latest result and whether it is older than the inputs; asks for a fresh one when
    /// needed (unless the user cancelled these inputs).
    pub fn anomaly_results(&mut self) -> Option<(Arc<ReportView>, bool)> {
        let key = self.anomaly_key()?;
        let current = self
            .anomalies
            .results
            .as_ref()
            .map(|(k, r)| (*k != key, Arc::clone(r)));
        let stale = current.as_ref().is_none_or(|(stale, _)| *stale);
        let cancelled = self.anomalies.cancelled.as_ref() == Some(&key);
        if stale && !cancelled && self.anomalies.running.as_ref() != Some(&key) {
            self.start_anomalies(key);
        }
        current.map(|(_, r)| (r, stale))
    }

    fn start_anomalies(&mut self, key: AnomalyKey) {
        let Some(dataset) = self.dataset.clone() else {
            return;
        };
        // The running request (if any) is superseded: stop it.
        self.anomalies.progress.cancel();
        let progress = Arc::new(Progress::new());
        self.anomalies.progress = Arc::clone(&progress);
        let training = Arc::new(TrainingTrace::default());
        self.anomalies.training = Arc::clone(&training);
        self.anomalies.running = Some(key.clone());
        self.anomalies.cancelled = None;
        if let Some(worker) = &self.anomalies.worker {
            worker.request(AnomalyRequest {
                key,
                dataset,
                progress,
                training,
            });
        }
    }

    /// Stop the running computation; the last result stays on screen.
    pub fn cancel_anomalies(&mut self) {
        self.anomalies.progress.cancel();
        self.anomalies.cancelled = self.anomalies.running.take();
    }

    /// Compute again after a cancel.
    pub fn rerun_anomalies(&mut self) {
        self.anomalies.cancelled = None;
    }

    /// Judge the events against this labels file (read on the worker).
    pub fn use_labels_file(&mut self, path: PathBuf) {
        self.anomalies.labels_file = Some(path);
        self.state.tab = Tab::Anomalies;
    }

    pub fn forget_labels_file(&mut self) {
        self.anomalies.labels_file = None;
    }

    /// Score events with this saved model (read and checked on the worker).
    pub fn use_event_model_file(&mut self, path: PathBuf) {
        self.anomalies.model_file = Some(path);
        self.anomalies.show_table = false;
        self.state.tab = Tab::Anomalies;
    }

    /// Fit on the data again.
    pub fn forget_event_model(&mut self) {
        self.anomalies.model_file = None;
    }

    /// Save the detectors behind the current event scores.
    pub fn save_event_model(&mut self) {
        let model = self
            .anomalies
            .results
            .as_ref()
            .and_then(|(_, view)| view.model.clone());
        match model {
            Some(model) => self.start_export(super::export::ExportJob::EventModel(Box::new(model))),
            None => self.error("No event model to save yet: wait for the event scores."),
        }
    }

    /// The threshold in use: the user's, else the report's default.
    #[must_use]
    pub fn anomaly_threshold(&self, view: &ReportView) -> f64 {
        self.anomalies.threshold.unwrap_or(view.report.threshold)
    }

    /// Feed `count` more normal windows to the FISVDD model of `level`'s map (a copy: the
    /// event scores stay those of the fitted model). Bounded work: a few hundred incremental
    /// updates and one redraw of a 61 × 61 score grid.
    pub fn feed_model_map(&mut self, level: usize, count: usize) {
        let Some((_, view)) = &self.anomalies.results else {
            return;
        };
        let fresh = !matches!(&self.anomalies.fed_map, Some((l, _)) if *l == level);
        if fresh {
            let Some(map) = view.maps.get(level) else {
                return;
            };
            self.anomalies.fed_map = Some((level, map.clone()));
        }
        if let Some((_, map)) = &mut self.anomalies.fed_map {
            map.map.feed(count);
        }
    }

    /// Take the Anomalies workers' results (events and feature tables).
    pub(super) fn poll_anomalies(&mut self) {
        let done = worker::drain(self.anomalies.worker.as_ref());
        for (key, result) in done {
            self.on_anomalies(key, result);
        }
        self.poll_incident_kinds();
        let done = worker::drain(self.anomalies.table_worker.as_ref());
        for outcome in done {
            self.on_table(outcome);
        }
    }

    fn on_anomalies(&mut self, key: AnomalyKey, result: Result<Box<ReportView>, String>) {
        // A cancelled run was superseded (or stopped by the user): its newer request reports.
        if matches!(&result, Err(m) if m == "cancelled") {
            return;
        }
        if self.anomalies.running.as_ref() == Some(&key) {
            self.anomalies.running = None;
        }
        match result {
            Ok(view) => {
                let same_detector = self.anomalies.results.as_ref().is_some_and(|(k, _)| {
                    k.dataset_id == key.dataset_id
                        && k.settings == key.settings
                        && k.model_file == key.model_file
                });
                if !same_detector {
                    self.anomalies.threshold = None;
                }
                self.anomalies.results = Some((key, Arc::from(view)));
                self.anomalies.fed_map = None;
            }
            Err(message) => {
                if let Some(p) = &key.model_file
                    && self.anomalies.model_file.as_ref() == Some(p)
                    && message.contains(&p.display().to_string())
                {
                    // A model file that cannot be used is forgotten; the scores remain.
                    self.anomalies.model_file = None;
                } else if let Some(LabelSource::File(p)) = &key.labels
                    && self.anomalies.labels_file.as_ref() == Some(p)
                {
                    // A labels file that cannot be read is forgotten; the scores remain.
                    self.anomalies.labels_file = None;
                } else {
                    self.anomalies.cancelled = Some(key);
                }
                self.error(message);
            }
        }
    }
}

fn labels_of(source: Option<&LabelSource>) -> Result<Option<Vec<EventLabel>>, String> {
    match source {
        None => Ok(None),
        Some(LabelSource::Sample) => parse_labels("sample_data/labels.csv", SAMPLE_LABELS)
            .map(Some)
            .map_err(|e| e.to_string()),
        Some(LabelSource::File(p)) => read_labels(p).map(Some).map_err(|e| e.to_string()),
    }
}

/// The work of one request: labels, scoring, the view.
fn compute(request: &AnomalyRequest) -> Result<ReportView, String> {
    let labels = labels_of(request.key.labels.as_ref())?;
    let settings = request.key.settings;
    let mut params = EventDetectParams::default();
    params.score.model = ModelSpec::default_for(settings.model, params.score.seed);
    if settings.supervised {
        params.score.supervised = Some(ClassifierParams {
            epochs: settings.deep_epochs.clamp(1, MAX_DEEP_EPOCHS) as usize,
            seed: params.score.seed,
            ..ClassifierParams::default()
        });
    } else if settings.deep {
        params.score.deep = Some(AutoencoderParams {
            epochs: settings.deep_epochs.clamp(1, MAX_DEEP_EPOCHS) as usize,
            seed: params.score.seed,
            ..AutoencoderParams::default()
        });
    }
    params.score.min_viewers = settings.min_viewers;
    if settings.excluded_features.contains(&true) {
        params.features = Some(
            dataset_features(&request.dataset)
                .into_iter()
                .filter(|&f| !settings.excludes(f))
                .collect(),
        );
    }
    let saved = match &request.key.model_file {
        Some(path) => Some(EventModel::load(path).map_err(|e| e.to_string())?),
        None => None,
    };
    let normal: Option<Vec<String>> = labels
        .as_deref()
        .filter(|_| settings.fit_on_normal)
        .map(normal_event_ids);
    let run = EventRun {
        params: &params,
        saved: saved.as_ref(),
        maps: true,
        normal_events: normal.as_deref(),
        training: Some(&request.training),
        labels: labels.as_deref(),
    };
    let out = run_events(
        &request.dataset,
        &request.key.filter,
        &run,
        &request.progress,
    )
    .map_err(|e| match (&request.key.model_file, e) {
        // Say which file when the saved model does not fit this data.
        (Some(path), EventDetectError::Detect(e @ DetectError::BadModel(_))) => {
            format!("{}: {e}", path.display())
        }
        (_, e) => e.to_string(),
    })?;
    let mut view = report_view(out.report, labels.as_deref(), HISTOGRAM_BINS);
    view.maps = out.maps;
    view.model = Some(out.model);
    Ok(view)
}

/// The thread behind the Anomalies tab.
pub(super) fn start_worker(
    repaint: &egui::Context,
    errors: &mut Vec<String>,
) -> Option<LatestWorker<AnomalyRequest, AnomaliesDone>> {
    LatestWorker::start(
        "streamlens-anomalies",
        repaint,
        |request: AnomalyRequest| (request.key.clone(), compute(&request).map(Box::new)),
        errors,
    )
}
