//! The App's side of Network ▸ What-if: the choices (persisted), three workers — the players
//! on the traces, the office link, and the cities' peak in-office viewers from the loaded
//! telemetry — and the latest answer of each. The work is `streamlens_abr::whatif` and
//! `streamlens_engine::analysis::concurrency`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use streamlens_abr::Algorithm;
use streamlens_abr::capacity::CapacityAdvice;
use streamlens_abr::error::AbrError;
use streamlens_abr::synthetic::Profile;
use streamlens_abr::whatif::{
    ManifestSource, OfficeRequest, TraceSource, WhatIfRequest, WhatIfResults, run_office,
    run_whatif, run_whatif_learning,
};
use streamlens_abr::whatif_learned::{LearnedCache, LearnedChoice, TrainingSource};
use streamlens_engine::Filter;
use streamlens_engine::analysis::concurrency::{CityPeak, peak_concurrent_by_city};
use streamlens_engine::dataset::Dataset;
use streamlens_report::chart::ChartSpec;
use streamlens_report::tables::TableSpec;

use super::App;
use super::nav::Tab;
use super::worker::{self, LatestWorker};

/// Synthetic traces the view starts with: enough for a distribution, quick to run.
pub const DEFAULT_TRACES: usize = 20;
const DEFAULT_SEED: u64 = 42;

/// The two halves of the view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WhatIfPart {
    /// Players replayed on traces.
    #[default]
    Players,
    /// One office behind one link.
    Office,
}

/// What the user chose (persisted with the workspace).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WhatIfSettings {
    pub part: WhatIfPart,
    pub traces: TraceSource,
    pub manifest: ManifestSource,
    pub algorithms: Vec<Algorithm>,
    /// Learned players (off by default: the rl player trains for about a minute).
    pub learned: LearnedChoice,
    pub buffer_s: f64,
    pub office_algorithm: Algorithm,
    pub viewers: usize,
    pub link_mbps: f64,
}

impl Default for WhatIfSettings {
    fn default() -> Self {
        Self {
            part: WhatIfPart::Players,
            traces: TraceSource::Synthetic {
                profile: Profile::Mobile3g,
                count: DEFAULT_TRACES,
                seed: DEFAULT_SEED,
            },
            manifest: ManifestSource::Synthetic { seed: DEFAULT_SEED },
            algorithms: Algorithm::ALL.to_vec(),
            learned: LearnedChoice::default(),
            buffer_s: 25.0,
            // A throughput rule (as many web players have) on a link that cannot give every
            // viewer the top rendition: the default shows a cap worth recommending.
            office_algorithm: Algorithm::RateBased,
            viewers: 200,
            link_mbps: 100.0,
        }
    }
}

impl WhatIfSettings {
    #[must_use]
    pub fn request(&self) -> WhatIfRequest {
        WhatIfRequest {
            traces: self.traces.clone(),
            manifest: self.manifest.clone(),
            algorithms: self.algorithms.clone(),
            buffer_s: self.buffer_s,
            learned: self.learned.clone(),
        }
    }

    #[must_use]
    pub fn office_request(&self) -> OfficeRequest {
        OfficeRequest {
            manifest: self.manifest.clone(),
            algorithm: self.office_algorithm,
            viewers: self.viewers,
            link_mbps: self.link_mbps,
            buffer_s: self.buffer_s,
        }
    }
}

type Worker<Req, Res> = LatestWorker<Req, (Req, Result<Res, String>)>;

/// The latest answer to one kind of request, what is being worked on, and the request that
/// failed (not retried until the inputs change; its error is in the messages).
#[derive(Debug)]
pub struct Latest<Req, Res> {
    pub answer: Option<(Req, Arc<Res>)>,
    pub running: Option<Req>,
    pub failed: Option<Req>,
    pub worker: Option<Worker<Req, Res>>,
}

impl<Req, Res> Default for Latest<Req, Res> {
    fn default() -> Self {
        Self {
            answer: None,
            running: None,
            failed: None,
            worker: None,
        }
    }
}

impl<Req: Clone + PartialEq + Send + 'static, Res: Send + 'static> Latest<Req, Res> {
    /// The latest answer and whether a newer one is on its way (an answer older than
    /// `wanted` while `wanted` failed stays, and nothing is coming); asks for `wanted` when it
    /// is neither answered, running nor failed.
    pub fn get(&mut self, wanted: &Req) -> Option<(Arc<Res>, bool)> {
        let stale = self.answer.as_ref().is_none_or(|(k, _)| k != wanted);
        let failed = self.failed.as_ref() == Some(wanted);
        if stale && self.running.as_ref() != Some(wanted) && !failed {
            self.running = Some(wanted.clone());
            if let Some(w) = &self.worker {
                w.request(wanted.clone());
            }
        }
        self.answer
            .as_ref()
            .map(|(_, r)| (Arc::clone(r), stale && !failed))
    }

    /// Finished work: kept when it succeeded; the errors are returned to report.
    fn take_done(&mut self) -> Vec<String> {
        let mut errors = Vec::new();
        for (req, result) in worker::drain(self.worker.as_ref()) {
            // A newer request is running: nobody waits for this one's failure (a stopped
            // training, or inputs since replaced).
            let superseded = self.running.as_ref().is_some_and(|r| *r != req);
            if self.running.as_ref() == Some(&req) {
                self.running = None;
            }
            match result {
                Ok(res) => self.answer = Some((req, Arc::new(res))),
                Err(_) if superseded => {}
                Err(e) => {
                    errors.push(e);
                    self.failed = Some(req);
                }
            }
        }
        errors
    }
}

/// Charts and tables of one result and one chosen session (built once per change).
#[derive(Debug)]
pub struct WhatIfParts {
    pub results: Arc<WhatIfResults>,
    pub session: usize,
    pub players: Vec<ChartSpec>,
    pub summary: TableSpec,
    pub sessions: TableSpec,
    pub timeline: Vec<ChartSpec>,
    pub segments: Option<TableSpec>,
}

/// Peak concurrent viewers per city of one dataset (by its id).
pub type PeaksRequest = (u64, Arc<Dataset>);
type PeaksWorker = LatestWorker<PeaksRequest, (u64, Result<Vec<CityPeak>, String>)>;

/// Runtime state of the What-if view.
#[derive(Debug, Default)]
pub struct WhatIfTab {
    pub players: Latest<WhatIfRequest, WhatIfResults>,
    pub office: Latest<OfficeRequest, CapacityAdvice>,
    /// Peaks by dataset id (the dataset itself is only lent to the worker).
    pub peaks: Option<(u64, Arc<Vec<CityPeak>>)>,
    pub peaks_running: Option<u64>,
    pub peaks_worker: Option<PeaksWorker>,
    /// The session whose timeline is shown: index into the evaluation's sessions.
    pub session: usize,
    /// The city whose peak set the viewers.
    pub city: Option<String>,
    pub parts: Option<Arc<WhatIfParts>>,
    /// The rl player's training, in thousandths, while the players' worker trains it.
    pub rl_progress: Arc<AtomicU32>,
    /// Set when the request being trained for is no longer wanted: the training stops.
    pub stop_training: Arc<AtomicBool>,
    /// The rule players' results of a request with learned players, shown while those are
    /// fitted (keyed by the whole request).
    pub rules_first: Arc<Mutex<Option<RulesFirst>>>,
}

impl WhatIfTab {
    /// How far the rl player's training is (0–1), while it trains.
    #[must_use]
    pub fn rl_training(&self) -> Option<f32> {
        let permille = self.rl_progress.load(Ordering::Relaxed);
        (self.players.running.is_some() && permille > 0 && permille < 1000)
            .then(|| permille as f32 / 1000.0)
    }

    /// The players' results for `wanted` and whether newer ones are coming: the latest
    /// answer, or while learned players are being fitted for `wanted`, the rule players'
    /// results. A training for another fit than `wanted` (other training traces, traces,
    /// manifest or buffer; not merely other rule players) is stopped first.
    pub fn players_for(&mut self, wanted: &WhatIfRequest) -> Option<(Arc<WhatIfResults>, bool)> {
        if let Some(running) = &self.players.running
            && !same_fit(running, wanted)
        {
            self.stop_training.store(true, Ordering::Relaxed);
        }
        let got = self.players.get(wanted);
        if got.as_ref().is_some_and(|(_, coming)| !coming) {
            return got;
        }
        let rules = self
            .rules_first
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .filter(|(key, _)| key == wanted)
            .map(|(_, results)| Arc::clone(results));
        rules.map(|r| (r, true)).or(got)
    }
}

/// A request with learned players, and its rule players' results.
pub type RulesFirst = (WhatIfRequest, Arc<WhatIfResults>);

/// Whether learned players fitted for `a` serve `b` too: all but the rule players agree.
fn same_fit(a: &WhatIfRequest, b: &WhatIfRequest) -> bool {
    a.learned == b.learned
        && a.traces == b.traces
        && a.manifest == b.manifest
        && a.buffer_s.to_bits() == b.buffer_s.to_bits()
}

impl App {
    /// Show the What-if view with trace files (or folders) instead of synthetic traces.
    pub fn use_trace_files(&mut self, paths: Vec<PathBuf>) {
        self.state.whatif.traces = TraceSource::Files(paths);
        self.whatif.session = 0;
        self.state.tab = Tab::WhatIf;
    }

    /// Fit the learned players on these trace files (or folders).
    pub fn use_training_trace_files(&mut self, paths: Vec<PathBuf>) {
        self.state.whatif.learned.training = TrainingSource::Files(paths);
        self.state.tab = Tab::WhatIf;
    }

    pub fn use_manifest_file(&mut self, path: PathBuf) {
        self.state.whatif.manifest = ManifestSource::File(path);
        self.state.tab = Tab::WhatIf;
    }

    /// The cities' peaks for the loaded telemetry, asked for when missing.
    pub fn city_peaks(&mut self) -> Option<Arc<Vec<CityPeak>>> {
        let dataset = self.dataset.clone()?;
        let id = dataset.id;
        match &self.whatif.peaks {
            Some((have, peaks)) if *have == id => Some(Arc::clone(peaks)),
            _ => {
                if self.whatif.peaks_running != Some(id) {
                    self.whatif.peaks_running = Some(id);
                    if let Some(w) = &self.whatif.peaks_worker {
                        w.request((id, dataset));
                    }
                }
                None
            }
        }
    }

    /// Set the office's viewers to `city`'s peak.
    pub fn choose_office_city(&mut self, peak: &CityPeak) {
        self.whatif.city = Some(peak.city.clone());
        self.state.whatif.viewers = usize::try_from(peak.viewers).unwrap_or(usize::MAX).max(1);
    }

    /// Take finished work from the What-if workers.
    pub(super) fn poll_whatif(&mut self) {
        let mut errors = self.whatif.players.take_done();
        errors.extend(self.whatif.office.take_done());
        for (id, result) in worker::drain(self.whatif.peaks_worker.as_ref()) {
            if self.whatif.peaks_running == Some(id) {
                self.whatif.peaks_running = None;
            }
            match result {
                Ok(peaks) => self.whatif.peaks = Some((id, Arc::new(peaks))),
                Err(e) => {
                    errors.push(format!("peak viewers per city: {e}"));
                    self.whatif.peaks = Some((id, Arc::new(Vec::new())));
                }
            }
        }
        for e in errors {
            self.error(format!("What-if: {e}"));
        }
    }

    #[must_use]
    pub fn whatif_busy(&self) -> bool {
        self.whatif.players.running.is_some()
            || self.whatif.office.running.is_some()
            || self.whatif.peaks_running.is_some()
    }
}

/// The What-if view's threads; one that cannot start is reported in `errors`.
pub(super) fn start_workers(repaint: &egui::Context, errors: &mut Vec<String>) -> WhatIfTab {
    let mut tab = WhatIfTab::default();
    let progress = Arc::clone(&tab.rl_progress);
    let stop = Arc::clone(&tab.stop_training);
    let rules_first = Arc::clone(&tab.rules_first);
    let cache = Mutex::new(LearnedCache::default());
    // The last request answered with learned players: one with the same fit finds them
    // cached, so its rule players need not be shown (and simulated) first.
    let last_fitted: Mutex<Option<WhatIfRequest>> = Mutex::new(None);
    let ui = repaint.clone();
    tab.players.worker = LatestWorker::start(
        "streamlens-whatif",
        repaint,
        move |req: WhatIfRequest| {
            // Set for an earlier request, if at all: this one is wanted.
            stop.store(false, Ordering::Relaxed);
            let mut cache = cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            progress.store(0, Ordering::Relaxed);
            let learned = req.learned.learned_mpc || req.learned.rl;
            let mut last = last_fitted
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let cached = last.as_ref().is_some_and(|l| same_fit(l, &req));
            if learned && !cached && !req.algorithms.is_empty() {
                // The rule players take milliseconds: shown while the learned ones are fitted.
                let mut rules = req.clone();
                rules.learned.learned_mpc = false;
                rules.learned.rl = false;
                if let Ok(results) = run_whatif(&rules) {
                    *rules_first
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) =
                        Some((req.clone(), Arc::new(results)));
                    ui.request_repaint();
                }
            }
            let mut shown = 0;
            let result = run_whatif_learning(&req, &mut cache, &mut |done| {
                let permille = (done * 1000.0).round().clamp(1.0, 1000.0) as u32;
                progress.store(permille, Ordering::Relaxed);
                // Repaint once per percent so the bar moves without flooding the UI.
                if permille / 10 != shown {
                    shown = permille / 10;
                    ui.request_repaint();
                }
                !stop.load(Ordering::Relaxed)
            })
            .map_err(|e| match e {
                AbrError::Stopped => "the rl training was stopped for a newer request".into(),
                e => e.to_string(),
            });
            progress.store(0, Ordering::Relaxed);
            if learned && result.is_ok() {
                *last = Some(req.clone());
            }
            (req, result)
        },
        errors,
    );
    tab.office.worker = LatestWorker::start(
        "streamlens-office",
        repaint,
        |req: OfficeRequest| {
            let result = run_office(&req).map_err(|e| e.to_string());
            (req, result)
        },
        errors,
    );
    tab.peaks_worker = LatestWorker::start(
        "streamlens-peaks",
        repaint,
        |(id, dataset): PeaksRequest| (id, in_office_peaks(&dataset)),
        errors,
    );
    tab
}

/// Peak concurrent in-office (WFO) viewers per city; none when the telemetry has no WFO.
fn in_office_peaks(dataset: &Dataset) -> Result<Vec<CityPeak>, String> {
    let mut filter = Filter::default();
    filter.toggle("viewer_type", "WFO");
    if filter.check_known(dataset).is_err() {
        return Ok(Vec::new());
    }
    peak_concurrent_by_city(dataset, &filter).map_err(|e| e.to_string())
}
