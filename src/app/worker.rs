//! A named background thread that works on the newest request only: a request
//! replaces any not yet started, so a burst of filter changes costs one
//! computation, not one per change. Each worker owns its results channel, so the
//! view that asks is the view that reads the answer.

use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};

pub struct LatestWorker<Req, Res> {
    slot: Arc<Mutex<Option<Req>>>,
    /// Capacity 1: one pending wake is enough, it will see the newest request.
    wake: Sender<()>,
    results: Receiver<Res>,
}

impl<Req: Send + 'static, Res: Send + 'static> LatestWorker<Req, Res> {
    /// Start the thread; each request's result is kept for [`LatestWorker::drain`], then
    /// the window is asked to repaint.
    pub fn spawn(
        name: &str,
        repaint: egui::Context,
        work: impl Fn(Req) -> Res + Send + 'static,
    ) -> Result<Self, String> {
        let (wake, wake_rx) = bounded::<()>(1);
        let (results_tx, results) = unbounded::<Res>();
        let slot: Arc<Mutex<Option<Req>>> = Arc::new(Mutex::new(None));
        let thread_slot = Arc::clone(&slot);
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                while wake_rx.recv().is_ok() {
                    let Some(request) = thread_slot.lock().ok().and_then(|mut s| s.take()) else {
                        continue;
                    };
                    if results_tx.send(work(request)).is_err() {
                        break;
                    }
                    repaint.request_repaint();
                }
            })
            .map_err(|e| format!("cannot start the {name} thread: {e}"))?;
        Ok(Self {
            slot,
            wake,
            results,
        })
    }

    /// As [`LatestWorker::spawn`]; a thread that cannot start is reported in `errors` and
    /// leaves no worker (nothing can be computed, and the user is told why).
    pub fn start(
        name: &str,
        repaint: &egui::Context,
        work: impl Fn(Req) -> Res + Send + 'static,
        errors: &mut Vec<String>,
    ) -> Option<Self> {
        Self::spawn(name, repaint.clone(), work)
            .map_err(|e| errors.push(e))
            .ok()
    }

    pub fn request(&self, request: Req) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some(request);
        }
        // A full channel means a wake is already pending; it will see this request.
        let _ = self.wake.try_send(());
    }

    /// Results that arrived since the last call.
    pub fn drain(&self) -> Vec<Res> {
        self.results.try_iter().collect()
    }
}

/// The results of a worker that may not exist (a thread that could not start has none).
pub fn drain<Req: Send + 'static, Res: Send + 'static>(
    worker: Option<&LatestWorker<Req, Res>>,
) -> Vec<Res> {
    worker.map(LatestWorker::drain).unwrap_or_default()
}

impl<Req, Res> std::fmt::Debug for LatestWorker<Req, Res> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LatestWorker")
    }
}
