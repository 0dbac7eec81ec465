//! The telemetry views' side of the window: the Overview and the visible analysis, each
//! recomputed on its own worker for the newest (dataset, filter, parameters), and which
//! result belongs to the current inputs.

use std::sync::Arc;

use streamlens_engine::Filter;
use streamlens_engine::analysis::overview::{Overview, overview};
use streamlens_engine::analysis::suite::{Analyses, AnalysisKind, AnalysisParams};
use streamlens_engine::dataset::Dataset;

use super::App;
use super::worker::{self, LatestWorker};

/// The inputs an analysis result belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisKey {
    pub dataset_id: u64,
    pub filter: Filter,
    pub params: AnalysisParams,
    pub kind: AnalysisKind,
}

pub struct OverviewRequest {
    dataset: Arc<Dataset>,
    filter: Filter,
}

pub struct OverviewDone {
    dataset_id: u64,
    filter: Filter,
    result: Result<Box<Overview>, String>,
}

pub struct AnalysisRequest {
    dataset: Arc<Dataset>,
    key: AnalysisKey,
}

pub struct AnalysisDone {
    key: AnalysisKey,
    result: Result<Arc<Analyses>, String>,
}

/// The two telemetry workers and what each is computing.
pub struct TelemetryWorkers {
    /// Recomputes the Overview (fast) ...
    overview: Option<LatestWorker<OverviewRequest, OverviewDone>>,
    /// ... and, separately, the visible analysis (slower), so neither waits for the other.
    analysis: Option<LatestWorker<AnalysisRequest, AnalysisDone>>,
    /// The (dataset, filter) whose Overview is being computed.
    pub computing: Option<(u64, Filter)>,
    pub analysing: Option<AnalysisKey>,
}

impl TelemetryWorkers {
    /// Start both threads; a thread that cannot start is reported in `errors`.
    pub fn start(repaint: &egui::Context, errors: &mut Vec<String>) -> Self {
        let overview = LatestWorker::start(
            "streamlens-overview",
            repaint,
            |request: OverviewRequest| OverviewDone {
                dataset_id: request.dataset.id,
                result: overview(&request.dataset, &request.filter)
                    .map(Box::new)
                    .map_err(|e| e.to_string()),
                filter: request.filter,
            },
            errors,
        );
        let analysis = LatestWorker::start(
            "streamlens-analysis",
            repaint,
            |request: AnalysisRequest| {
                let key = request.key;
                let result = streamlens_engine::analysis::suite::run(
                    &request.dataset,
                    &key.filter,
                    &key.params,
                    &[key.kind],
                )
                .map(Arc::new)
                .map_err(|e| e.to_string());
                AnalysisDone { key, result }
            },
            errors,
        );
        Self {
            overview,
            analysis,
            computing: None,
            analysing: None,
        }
    }

    #[must_use]
    pub fn busy(&self) -> bool {
        self.computing.is_some() || self.analysing.is_some()
    }
}

impl App {
    /// Set the filter and ask for the views it changes.
    pub fn set_filter(&mut self, filter: Filter) {
        self.state.filter = filter;
        self.request_views();
    }

    /// Ask for the Overview of the current filter.
    pub fn request_views(&mut self) {
        let Some(dataset) = &self.dataset else {
            return;
        };
        self.telemetry.computing = Some((dataset.id, self.state.filter.clone()));
        if let Some(worker) = &self.telemetry.overview {
            worker.request(OverviewRequest {
                dataset: Arc::clone(dataset),
                filter: self.state.filter.clone(),
            });
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

    fn analysis_key(&self, kind: AnalysisKind) -> Option<AnalysisKey> {
        Some(AnalysisKey {
            dataset_id: self.dataset.as_ref()?.id,
            filter: self.state.filter.clone(),
            params: self.state.params.clone(),
            kind,
        })
    }

    /// The latest result of `kind` for this dataset and whether it is older than the
    /// current filter or parameters; asks for a fresh one when needed.
    pub fn analysis(&mut self, kind: AnalysisKind) -> Option<(Arc<Analyses>, bool)> {
        let key = self.analysis_key(kind)?;
        let cached = self
            .analyses
            .get(&kind)
            .filter(|(k, _)| k.dataset_id == key.dataset_id)
            .map(|(k, a)| (Arc::clone(a), *k != key));
        if cached.as_ref().is_none_or(|(_, stale)| *stale)
            && self.telemetry.analysing.as_ref() != Some(&key)
            && let Some(dataset) = self.dataset.clone()
        {
            self.telemetry.analysing = Some(key.clone());
            if let Some(worker) = &self.telemetry.analysis {
                worker.request(AnalysisRequest { dataset, key });
            }
        }
        cached
    }

    /// Is an analysis running for the current inputs?
    #[must_use]
    pub fn analysis_running(&self, kind: AnalysisKind) -> bool {
        self.telemetry
            .analysing
            .as_ref()
            .is_some_and(|k| k.kind == kind)
    }

    /// Take the telemetry workers' results; those for data no longer open are dropped.
    pub(super) fn poll_telemetry(&mut self) {
        let done = worker::drain(self.telemetry.overview.as_ref());
        for OverviewDone {
            dataset_id,
            filter,
            result,
        } in done
        {
            if self.telemetry.computing.as_ref() == Some(&(dataset_id, filter.clone())) {
                self.telemetry.computing = None;
            }
            if self.dataset.as_ref().map(|d| d.id) != Some(dataset_id) {
                continue;
            }
            match result {
                Ok(overview) => self.overview = Some((dataset_id, filter, Arc::from(overview))),
                Err(e) => self.error(format!("Could not compute the Overview: {e}")),
            }
        }
        let done = worker::drain(self.telemetry.analysis.as_ref());
        for AnalysisDone { key, result } in done {
            self.on_analysed(key, result);
        }
    }

    fn on_analysed(&mut self, key: AnalysisKey, result: Result<Arc<Analyses>, String>) {
        if self.telemetry.analysing.as_ref() == Some(&key) {
            self.telemetry.analysing = None;
        }
        if self.dataset.as_ref().map(|d| d.id) != Some(key.dataset_id) {
            return;
        }
        match result {
            Ok(analyses) => {
                self.analyses.insert(key.kind, (key, analyses));
            }
            Err(e) => {
                let title = key.kind.title();
                // Remember the failure for these inputs so it is not retried every frame.
                self.analyses
                    .insert(key.kind, (key, Arc::new(Analyses::default())));
                self.error(format!("Could not compute {title}: {e}"));
            }
        }
    }
}
