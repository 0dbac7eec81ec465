//! A named background thread that works on the newest request only: a request
//! replaces any not yet started, so a burst of filter changes costs one
//! computation, not one per change.

use std::sync::{Arc, Mutex};

use crossbeam_channel::{Sender, bounded};

use super::jobs::JobResult;

pub struct LatestWorker<Req> {
    slot: Arc<Mutex<Option<Req>>>,
    /// Capacity 1: one pending wake is enough, it will see the newest request.
    wake: Sender<()>,
}

impl<Req: Send + 'static> LatestWorker<Req> {
    /// Start the thread; each request's result goes to `results`, then a repaint.
    pub fn spawn(
        name: &str,
        results: Sender<JobResult>,
        repaint: egui::Context,
        work: impl Fn(Req) -> JobResult + Send + 'static,
    ) -> Result<Self, String> {
        let (wake, wake_rx) = bounded::<()>(1);
        let slot: Arc<Mutex<Option<Req>>> = Arc::new(Mutex::new(None));
        let thread_slot = Arc::clone(&slot);
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                while wake_rx.recv().is_ok() {
                    let Some(request) = thread_slot.lock().ok().and_then(|mut s| s.take()) else {
                        continue;
                    };
                    if results.send(work(request)).is_err() {
                        break;
                    }
                    repaint.request_repaint();
                }
            })
            .map_err(|e| format!("cannot start the {name} thread: {e}"))?;
        Ok(Self { slot, wake })
    }

    pub fn request(&self, request: Req) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some(request);
        }
        // A full channel means a wake is already pending; it will see this request.
        let _ = self.wake.try_send(());
    }
}
