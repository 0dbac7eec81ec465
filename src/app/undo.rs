//! Undo and redo (Ctrl+Z, Ctrl+Shift+Z / Ctrl+Y) of what a user changes while exploring: the
//! filters, the analysis parameters, the Anomalies settings and its threshold. The state is
//! compared after each frame; a burst of changes to one part (a threshold dragged over many
//! frames, a value typed key by key) is one step, closed after a short pause or when another
//! part changes. Opening other data
//! starts a new history: the old filters name values the new data may not have.

use std::time::{Duration, Instant};

use streamlens_engine::Filter;
use streamlens_engine::analysis::suite::AnalysisParams;

use super::App;
use super::anomalies::AnomalySettings;

/// Changes closer together than this are one step.
const PAUSE: Duration = Duration::from_millis(600);
/// Steps kept.
const DEPTH: usize = 100;

/// What one undo step restores.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub filter: Filter,
    pub params: AnalysisParams,
    pub anomalies: AnomalySettings,
    pub threshold: Option<f64>,
}

impl Snapshot {
    /// Which parts differ from `other`, one bit each: filter, parameters, settings, threshold.
    fn parts_changed(&self, other: &Snapshot) -> u8 {
        u8::from(self.filter != other.filter)
            | u8::from(self.params != other.params) << 1
            | u8::from(self.anomalies != other.anomalies) << 2
            | u8::from(self.threshold != other.threshold) << 3
    }
}

/// The history of [`Snapshot`]s.
#[derive(Debug, Default)]
pub struct History {
    /// The state as last seen, and the data it belongs to.
    seen: Option<(usize, Snapshot)>,
    /// The state before the current burst of changes, when the burst last changed and which
    /// parts it changes.
    burst: Option<(Snapshot, Instant, u8)>,
    past: Vec<Snapshot>,
    future: Vec<Snapshot>,
}

impl History {
    /// Whether Undo has a step to go back to.
    #[must_use]
    pub fn can_undo(&self) -> bool {
        self.burst.is_some() || !self.past.is_empty()
    }

    #[must_use]
    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }

    /// Record `now` (the state of data `data`) at time `at`.
    pub fn observe(&mut self, data: usize, now: Snapshot, at: Instant) {
        // Other data: a new history. Otherwise the state before a change, and what changed.
        let change = match &self.seen {
            Some((d, _)) if *d != data => Err(()),
            Some((_, seen)) if *seen != now => Ok(Some((seen.clone(), seen.parts_changed(&now)))),
            _ => Ok(None),
        };
        match change {
            Err(()) => {
                *self = History::default();
            }
            Ok(Some((seen, parts))) => {
                // Another part changing (a filter after a threshold) starts a new step.
                if self.burst.as_ref().is_some_and(|(_, _, p)| *p != parts) {
                    self.close_burst();
                }
                if self.burst.is_none() {
                    self.burst = Some((seen, at, parts));
                }
                if let Some((_, changed, _)) = &mut self.burst {
                    *changed = at;
                }
                self.future.clear();
            }
            Ok(None) => {}
        }
        if self
            .burst
            .as_ref()
            .is_some_and(|(_, changed, _)| at.duration_since(*changed) >= PAUSE)
        {
            self.close_burst();
        }
        self.seen = Some((data, now));
    }

    fn close_burst(&mut self) {
        if let Some((before, _, _)) = self.burst.take() {
            self.past.push(before);
            if self.past.len() > DEPTH {
                self.past.remove(0);
            }
        }
    }

    /// The state to go back to, if any (the current one becomes redoable).
    pub fn undo(&mut self) -> Option<Snapshot> {
        self.close_burst();
        let back = self.past.pop()?;
        let (data, current) = self.seen.take()?;
        self.future.push(current);
        self.seen = Some((data, back.clone()));
        Some(back)
    }

    /// The state undone last, if any.
    pub fn redo(&mut self) -> Option<Snapshot> {
        let forward = self.future.pop()?;
        let (data, current) = self.seen.take()?;
        self.past.push(current);
        self.seen = Some((data, forward.clone()));
        Some(forward)
    }
}

impl App {
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            filter: self.state.filter.clone(),
            params: self.state.params.clone(),
            anomalies: self.state.anomalies,
            threshold: self.anomalies.threshold,
        }
    }

    fn restore(&mut self, s: Snapshot) {
        self.state.filter = s.filter;
        self.state.params = s.params;
        self.state.anomalies = s.anomalies;
        self.anomalies.threshold = s.threshold;
    }

    /// After a frame: note what changed.
    pub fn observe_for_undo(&mut self) {
        let data = self
            .dataset
            .as_ref()
            .map_or(0, |d| std::sync::Arc::as_ptr(d) as usize);
        let now = self.snapshot();
        self.history.observe(data, now, Instant::now());
    }

    pub fn undo(&mut self) {
        if let Some(s) = self.history.undo() {
            self.restore(s);
        }
    }

    pub fn redo(&mut self) {
        if let Some(s) = self.history.redo() {
            self.restore(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(threshold: f64) -> Snapshot {
        Snapshot {
            filter: Filter::default(),
            params: AnalysisParams::default(),
            anomalies: AnomalySettings::default(),
            threshold: Some(threshold),
        }
    }

    #[test]
    fn a_burst_is_one_step_and_redo_returns() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut h = History::default();
        h.observe(1, state(0.1), at(0));
        // Dragged 0.1 → 0.2 → 0.3 within the pause: one step.
        h.observe(1, state(0.2), at(50));
        h.observe(1, state(0.3), at(100));
        h.observe(1, state(0.3), at(1_000));
        // Then 0.5, a second step (still open when undone).
        h.observe(1, state(0.5), at(2_000));
        assert!(h.can_undo());
        assert_eq!(h.undo(), Some(state(0.3)));
        assert_eq!(h.undo(), Some(state(0.1)));
        assert_eq!(h.undo(), None);
        assert_eq!(h.redo(), Some(state(0.3)));
        assert_eq!(h.redo(), Some(state(0.5)));
        assert!(!h.can_redo());
        // A new change after an undo drops what could be redone.
        h.undo();
        h.observe(1, state(0.9), at(3_000));
        assert!(!h.can_redo());
        // A filter right after a threshold is a step of its own.
        let mut filtered = state(0.9);
        filtered.filter.toggle("viewer_type", "WFH");
        h.observe(1, filtered, at(3_050));
        assert_eq!(h.undo(), Some(state(0.9)));
        // Other data: a fresh history.
        h.observe(2, state(0.9), at(4_000));
        assert!(!h.can_undo());
    }
}
