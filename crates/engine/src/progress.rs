//! How far a long computation is, and whether its requester still wants it:
//! shared between a worker thread (which reports) and the window (which
//! draws a progress bar and may press Cancel). Lock-free except the stage
//! text, which changes a handful of times per run.

use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

#[derive(Debug, Default)]
pub struct Progress {
    cancelled: AtomicBool,
    /// Done share in ten-thousandths (0 to 10 000).
    done: AtomicU32,
    stage: Mutex<String>,
}

impl Progress {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Record that `fraction` (clamped to 0..=1) is done and what runs now.
    pub fn report(&self, fraction: f64, stage: &str) {
        let f = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        // In 0..=10_000 after the clamp, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        self.done
            .store((f * 10_000.0).round() as u32, Ordering::Relaxed);
        let mut text = self.stage.lock().unwrap_or_else(PoisonError::into_inner);
        if *text != stage {
            stage.clone_into(&mut text);
        }
    }

    /// The done share, 0..=1.
    #[must_use]
    pub fn fraction(&self) -> f32 {
        // At most 10_000: exact in f32.
        #[allow(clippy::cast_precision_loss)]
        let done = self.done.load(Ordering::Relaxed) as f32;
        done / 10_000.0
    }

    /// What runs now (empty before the first report).
    #[must_use]
    pub fn stage(&self) -> String {
        self.stage
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_clamped_fraction_stage_and_cancel() {
        let p = Progress::new();
        assert!((p.fraction() - 0.0).abs() < f32::EPSILON);
        assert_eq!(p.stage(), "");
        p.report(0.25, "fold 2 of 5");
        assert!((p.fraction() - 0.25).abs() < 1e-6);
        assert_eq!(p.stage(), "fold 2 of 5");
        p.report(7.0, "done");
        assert!((p.fraction() - 1.0).abs() < 1e-6);
        p.report(f64::NAN, "odd");
        assert!((p.fraction() - 0.0).abs() < 1e-6);
        assert!(!p.is_cancelled());
        p.cancel();
        assert!(p.is_cancelled());
    }
}
