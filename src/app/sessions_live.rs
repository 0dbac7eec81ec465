//! The live side of the Sessions view: a collector folder open as player events is read
//! again every two seconds on the load worker (never on the window's thread), its answer
//! kept on screen until the next one is in; the view shows when it last updated, how fast
//! events arrive, and the alerts of the user's thresholds.

use std::time::{Duration, Instant, SystemTime};

use streamlens_collector::live_remote::collector_base;

use super::App;
use super::live_state::{LiveRead, LiveState};
use super::sessions::{SessionData, SessionFiles, SessionSource};

/// How often a collector folder is read again.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);

impl SessionFiles {
    /// Whether a collector folder is among the player-event sources.
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.events.iter().any(|s| {
            matches!(
                s,
                SessionSource::Collector(_) | SessionSource::CollectorUrl(_)
            )
        })
    }
}

impl App {
    /// The answer of the latest reading is on screen: note how long the refresh took.
    pub(super) fn live_answered(&mut self) {
        let live = &mut self.sessions.live;
        if live.awaiting_answer {
            live.awaiting_answer = false;
            live.refresh_took = live.last_request.map(|t| t.elapsed());
        }
    }

    /// Shows the player events a collector writes into `dir`, read again every two seconds.
    pub fn watch_collector(&mut self, dir: std::path::PathBuf) {
        if !dir.is_dir() {
            self.error(format!(
                "{}: not a folder; choose the folder a running `streamlens collect --dir` writes into.",
                dir.display()
            ));
            return;
        }
        self.sessions.live = LiveState {
            thresholds: self.sessions.live.thresholds,
            ..LiveState::default()
        };
        self.open_session_files(vec![SessionSource::Collector(dir)], Vec::new());
    }

    /// Shows the player events of the running collector at `url`, read again every two
    /// seconds (a token it needs comes from `STREAMLENS_COLLECT_TOKEN`).
    pub fn watch_collector_url(&mut self, url: &str) {
        let base = match collector_base(url) {
            Ok(base) => base,
            Err(why) => {
                self.error(format!("{why}; type the address `streamlens collect --listen` serves, e.g. http://127.0.0.1:7070"));
                return;
            }
        };
        self.sessions.live = LiveState {
            thresholds: self.sessions.live.thresholds,
            ..LiveState::default()
        };
        self.open_session_files(vec![SessionSource::CollectorUrl(base)], Vec::new());
    }

    /// Starts the next reading of an open collector folder when it is due; returns how
    /// long until the one after, for the repaint (`None`: nothing live is open).
    pub fn live_tick(&mut self) -> Option<Duration> {
        let files = self
            .sessions
            .loading
            .clone()
            .or_else(|| self.sessions.files.clone())?;
        if !files.is_live() {
            return None;
        }
        let live = &mut self.sessions.live;
        // One reading at a time, its answer included: readings never pile up.
        if live.paused || live.refreshing || live.awaiting_answer || self.sessions.loading.is_some()
        {
            return Some(REFRESH_EVERY);
        }
        let since = live.last_request.map_or(REFRESH_EVERY, |t| t.elapsed());
        if let Some(wait) = REFRESH_EVERY.checked_sub(since).filter(|w| !w.is_zero()) {
            return Some(wait);
        }
        live.refreshing = true;
        live.last_request = Some(Instant::now());
        if let Some(w) = &self.sessions.loader {
            w.request(files);
        }
        Some(REFRESH_EVERY)
    }

    /// Takes a reading of the open live folder: returns true when `files` was one (handled
    /// here), false for any other load.
    pub(super) fn live_refreshed(
        &mut self,
        files: &SessionFiles,
        result: &Result<SessionData, String>,
    ) -> bool {
        if !files.is_live() {
            return false;
        }
        let live_open = self.sessions.files.as_ref() == Some(files)
            || self.sessions.loading.is_none() && self.sessions.data.is_none();
        self.sessions.live.refreshing = false;
        match result {
            Ok(data) => {
                let read = data.live.unwrap_or(LiveRead {
                    events: 0,
                    unrolled_events: 0,
                    parquet_files: 0,
                });
                let live = &mut self.sessions.live;
                let now = Instant::now();
                if let Some((then, events)) = live.previous {
                    let seconds = now.duration_since(then).as_secs_f64();
                    if seconds > 0.0 {
                        live.ingest_rate =
                            Some(read.events.saturating_sub(events) as f64 / seconds);
                    }
                }
                live.previous = Some((now, read.events));
                live.updated = Some((SystemTime::now(), read));
                live.error = None;
                live.awaiting_answer = true;
                false
            }
            Err(_) if !live_open => false,
            Err(message) => {
                // Waiting for the first events, or a file mid-write: say so in the live
                // strip, keep what is on screen, and try again at the next tick.
                self.sessions.live.error = Some(message.clone());
                if self.sessions.files.is_none() {
                    self.sessions.files = Some(files.clone());
                }
                true
            }
        }
    }
}
