//! Incident kinds of the Anomalies tab's flagged events: clustered off the UI thread (k-means
//! for several k plus silhouettes) whenever the scores or the threshold change; the window
//! keeps showing the previous kinds of the same scores meanwhile.

use std::sync::Arc;

use super::App;
use super::worker::{self, LatestWorker};
use streamlens_clusters::incidents::{IncidentKinds, kinds_of_flagged};
use streamlens_events::view::ReportView;

/// Which scores (by address of the shared view) and which threshold (bits) kinds are for.
pub type KindsKey = (usize, u64);

/// One request to the kinds worker.
pub struct KindsRequest {
    pub key: KindsKey,
    pub view: Arc<ReportView>,
    pub threshold: f64,
}

pub type KindsDone = (KindsKey, Result<IncidentKinds, String>);

/// State of the kinds computation.
#[derive(Debug, Default)]
pub struct KindsState {
    pub latest: Option<(KindsKey, Arc<IncidentKinds>)>,
    pub running: Option<KindsKey>,
    pub worker: Option<LatestWorker<KindsRequest, KindsDone>>,
}

impl App {
    /// The kinds of `view`'s events above `threshold`, asking for them when needed; while
    /// they are computed, the previous kinds of the same scores (another threshold), if any.
    pub fn incident_kinds(
        &mut self,
        view: &Arc<ReportView>,
        threshold: f64,
    ) -> Option<Arc<IncidentKinds>> {
        let key = (Arc::as_ptr(view) as usize, threshold.to_bits());
        let state = &mut self.anomalies.kinds;
        let current = state.latest.as_ref().is_some_and(|(k, _)| *k == key);
        if !current
            && state.running != Some(key)
            && let Some(worker) = &state.worker
        {
            worker.request(KindsRequest {
                key,
                view: Arc::clone(view),
                threshold,
            });
            state.running = Some(key);
        }
        state
            .latest
            .as_ref()
            .filter(|((scores, _), _)| *scores == key.0)
            .map(|(_, kinds)| Arc::clone(kinds))
    }

    pub(super) fn poll_incident_kinds(&mut self) {
        for (key, result) in worker::drain(self.anomalies.kinds.worker.as_ref()) {
            let state = &mut self.anomalies.kinds;
            if state.running == Some(key) {
                state.running = None;
            }
            match result {
                Ok(kinds) => state.latest = Some((key, Arc::new(kinds))),
                Err(message) => self.error(format!("Incident kinds: {message}")),
            }
        }
    }
}

/// The thread that clusters incidents.
pub(super) fn start_worker(
    repaint: &egui::Context,
    errors: &mut Vec<String>,
) -> Option<LatestWorker<KindsRequest, KindsDone>> {
    LatestWorker::start(
        "streamlens-incident-kinds",
        repaint,
        |request: KindsRequest| {
            let seed = request.view.report.params.score.seed;
            let kinds = kinds_of_flagged(&request.view.report, request.threshold, seed)
                .map_err(|e| e.to_string());
            (request.key, kinds)
        },
        errors,
    )
}
