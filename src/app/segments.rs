//! The App's side of Telemetry ▸ Viewer segments: which dataset and filter a result belongs
//! to, asking the segments worker for it (with progress and cancel). The work itself is
//! `streamlens_clusters::viewers`.

use std::sync::Arc;

use super::App;
use super::worker::{self, LatestWorker};
use streamlens_clusters::viewers::{ViewerSegments, viewer_segments};
use streamlens_engine::Filter;
use streamlens_engine::dataset::Dataset;
use streamlens_engine::progress::Progress;

/// Seed of k-means' starts in the window (the CLI's default).
const SEED: u64 = 7;

/// The inputs a segments result belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentsKey {
    pub dataset_id: u64,
    pub filter: Filter,
}

pub struct SegmentsRequest {
    pub key: SegmentsKey,
    pub dataset: Arc<Dataset>,
    pub progress: Arc<Progress>,
}

pub type SegmentsDone = (SegmentsKey, Result<ViewerSegments, String>);

/// Runtime state of the Viewer segments view.
#[derive(Debug, Default)]
pub struct SegmentsTab {
    pub results: Option<(SegmentsKey, Arc<ViewerSegments>)>,
    pub running: Option<SegmentsKey>,
    pub progress: Arc<Progress>,
    /// Inputs the user cancelled: not asked for again until they change or Run is pressed.
    pub cancelled: Option<SegmentsKey>,
    pub worker: Option<LatestWorker<SegmentsRequest, SegmentsDone>>,
}

impl App {
    /// The latest segments and whether they are older than the inputs; asks for fresh ones
    /// when needed.
    pub fn segment_results(&mut self) -> Option<(Arc<ViewerSegments>, bool)> {
        let dataset = self.dataset.clone()?;
        let key = SegmentsKey {
            dataset_id: dataset.id,
            filter: self.state.filter.clone(),
        };
        let tab = &mut self.segments;
        let current = tab
            .results
            .as_ref()
            .map(|(k, r)| (*k != key, Arc::clone(r)));
        let stale = current.as_ref().is_none_or(|(stale, _)| *stale);
        let cancelled = tab.cancelled.as_ref() == Some(&key);
        if stale && !cancelled && tab.running.as_ref() != Some(&key) {
            tab.progress.cancel();
            let progress = Arc::new(Progress::new());
            tab.progress = Arc::clone(&progress);
            tab.running = Some(key.clone());
            if let Some(worker) = &tab.worker {
                worker.request(SegmentsRequest {
                    key,
                    dataset,
                    progress,
                });
            }
        }
        current.map(|(_, r)| (r, stale))
    }

    pub fn cancel_segments(&mut self) {
        self.segments.progress.cancel();
        self.segments.cancelled = self.segments.running.take();
    }

    pub fn rerun_segments(&mut self) {
        self.segments.cancelled = None;
    }

    pub(super) fn poll_segments(&mut self) {
        for (key, result) in worker::drain(self.segments.worker.as_ref()) {
            if matches!(&result, Err(m) if m == "cancelled") {
                continue;
            }
            if self.segments.running.as_ref() == Some(&key) {
                self.segments.running = None;
            }
            match result {
                Ok(segments) => self.segments.results = Some((key, Arc::new(segments))),
                Err(message) => {
                    self.segments.cancelled = Some(key);
                    self.error(format!("Viewer segments: {message}"));
                }
            }
        }
    }
}

/// The thread behind the Viewer segments view.
pub(super) fn start_worker(
    repaint: &egui::Context,
    errors: &mut Vec<String>,
) -> Option<LatestWorker<SegmentsRequest, SegmentsDone>> {
    LatestWorker::start(
        "streamlens-segments",
        repaint,
        |r: SegmentsRequest| {
            let result = viewer_segments(&r.dataset, &r.key.filter, SEED, &r.progress)
                .map_err(|e| e.to_string());
            (r.key, result)
        },
        errors,
    )
}
