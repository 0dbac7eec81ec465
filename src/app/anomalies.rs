//! The App's side of the Anomalies tab: which dataset, filter, detector and labels a result
//! belongs to, asking the anomalies worker for it (with cancel), and the threshold the user
//! drags. The work itself is `engine::detect::events`.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::App;
use super::jobs::JobResult;
use super::state::Tab;
use crate::engine::Filter;
use crate::engine::dataset::Dataset;
use crate::engine::detect::events::features::WindowFeature;
use crate::engine::detect::events::labels::{
    EventLabel, normal_event_ids, parse_labels, read_labels,
};
use crate::engine::detect::events::saved::EventModel;
use crate::engine::detect::events::view::{ReportView, report_view};
use crate::engine::detect::events::{
    EventDetectError, EventDetectParams, EventRun, dataset_features, run_events,
};
use crate::engine::detect::model_map::LabelledMap;
use crate::engine::detect::{DetectError, ModelKind, ModelSpec};
use crate::engine::progress::Progress;

/// Labels of the built-in sample (the same file as `sample_data/labels.csv`).
const SAMPLE_LABELS: &str = include_str!("../../sample_data/labels.csv");
/// Bars of the event-score histogram.
const HISTOGRAM_BINS: usize = 40;

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
}

impl Default for AnomalySettings {
    fn default() -> Self {
        Self {
            model: ModelKind::Mahalanobis,
            min_viewers: 3.0,
            excluded_features: [false; WindowFeature::ALL.len()],
            fit_on_normal: false,
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
    /// A feature table (a CSV that is not telemetry) open in this tab.
    pub table: Option<super::feature_table::FeatureTableTab>,
    /// Show the feature table rather than the telemetry's events.
    pub show_table: bool,
}

/// A chart spec kept between frames while its inputs stay the same (building a map's spec
/// formats thousands of hover labels).
#[derive(Debug, Default)]
pub struct SpecCache {
    key: Option<(usize, usize, usize, u64)>,
    spec: Option<Arc<crate::chart::ChartSpec>>,
}

impl SpecCache {
    /// The spec for `key`, built by `build` only when the key changed.
    pub fn get(
        &mut self,
        key: (usize, usize, usize, u64),
        build: impl FnOnce() -> crate::chart::ChartSpec,
    ) -> Arc<crate::chart::ChartSpec> {
        match &self.spec {
            Some(spec) if self.key == Some(key) => Arc::clone(spec),
            _ => {
                let spec = Arc::new(build());
                self.key = Some(key);
                self.spec = Some(Arc::clone(&spec));
                spec
            }
        }
    }
}

/// One request to the anomalies worker.
pub struct AnomalyRequest {
    pub key: AnomalyKey,
    pub dataset: Arc<Dataset>,
    pub progress: Arc<Progress>,
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
        self.anomalies.running = Some(key.clone());
        self.anomalies.cancelled = None;
        self.jobs.request_anomalies(AnomalyRequest {
            key,
            dataset,
            progress,
        });
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
            Some(model) => self.start_export(super::jobs::ExportJob::EventModel(Box::new(model))),
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

    pub(super) fn on_anomalies(
        &mut self,
        key: AnomalyKey,
        result: Result<Box<ReportView>, String>,
    ) {
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
pub(super) fn spawn_worker(
    results: crossbeam_channel::Sender<JobResult>,
    repaint: egui::Context,
) -> Result<super::worker::LatestWorker<AnomalyRequest>, String> {
    super::worker::LatestWorker::spawn(
        "streamlens-anomalies",
        results,
        repaint,
        |request: AnomalyRequest| JobResult::Anomalies {
            result: compute(&request).map(Box::new),
            key: request.key,
        },
    )
}
