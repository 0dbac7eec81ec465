//! The App's side of the Sessions view: which player-event and CDN files are open, the
//! question asked (filter, breakdown, comparison), and two workers — one reads and
//! sessionises the files, one answers each question (in `sessions_worker`). The work itself is
//! `streamlens_sessions`; the specs drawn are `streamlens_report`'s.

use std::path::PathBuf;
use std::sync::Arc;

use super::App;
use super::live_state::{LiveRead, LiveState};
use super::nav::Tab;
use super::worker::{self, LatestWorker};
use streamlens_report::chart::ChartSpec;
use streamlens_report::tables::TableSpec;
use streamlens_sessions::{
    Alert, AlertThresholds, Answer, CdnReport, CdnRequest, Query, ReadReport, Sessions,
};

/// The built-in samples (the same files as `sample_data/`).
pub const SAMPLE_SESSIONS: &[u8] = include_bytes!("../../sample_data/sessions.csv.gz");
pub const SAMPLE_CDN: &[u8] = include_bytes!("../../sample_data/cdn.jsonl.gz");

/// Where player events or CDN records come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SessionSource {
    Sample,
    File(PathBuf),
    /// A collector's folder (`streamlens collect --dir`), read again every few seconds.
    Collector(PathBuf),
    /// A running collector's URL (`http://host:7070`), read again every few seconds.
    CollectorUrl(String),
}

impl SessionSource {
    /// The name in messages and reports: the path, or the sample's file in `sample_data/`.
    #[must_use]
    pub fn name(&self, sample_file: &str) -> String {
        match self {
            SessionSource::Sample => format!("built-in sample (sample_data/{sample_file})"),
            SessionSource::File(p) => p.display().to_string(),
            SessionSource::Collector(p) => format!("collector folder {}", p.display()),
            SessionSource::CollectorUrl(url) => format!("collector {url}"),
        }
    }

    /// A folder is a collector's; anything else a file.
    #[must_use]
    pub fn of_path(path: PathBuf) -> Self {
        if path.is_dir() {
            SessionSource::Collector(path)
        } else {
            SessionSource::File(path)
        }
    }

    /// The path behind the source, if it has one.
    #[must_use]
    pub fn path(&self) -> Option<&PathBuf> {
        match self {
            SessionSource::Sample | SessionSource::CollectorUrl(_) => None,
            SessionSource::File(p) | SessionSource::Collector(p) => Some(p),
        }
    }

    /// The short name the toolbar shows: the file name, or "built-in sample".
    #[must_use]
    pub fn short_name(&self) -> String {
        match self {
            SessionSource::Sample => "built-in sample".into(),
            SessionSource::File(p) => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            SessionSource::Collector(p) => format!("{} (live collector)", p.display()),
            SessionSource::CollectorUrl(url) => format!("{url} (live collector)"),
        }
    }
}

/// What the load worker is asked to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFiles {
    pub events: Vec<SessionSource>,
    pub cdn: Vec<SessionSource>,
    pub strict: bool,
}

/// Read and sessionised files.
#[derive(Debug)]
pub struct SessionData {
    pub files: SessionFiles,
    pub sessions: Sessions,
    pub cdn: Vec<CdnRequest>,
    pub cdn_read: Option<ReadReport>,
    /// The event (webcast) whose views were requested last: the default question.
    pub latest_event: Option<String>,
    /// What reading a collector folder found (`None` for files).
    pub live: Option<LiveRead>,
}

/// An answer with the CDN quality of service over the same time span.
#[derive(Debug)]
pub struct SessionAnswer {
    pub query: Query,
    pub answer: Answer,
    pub cdn: Option<CdnReport>,
    /// What the view draws (built on the worker, as the report folder builds them).
    pub charts: Vec<ChartSpec>,
    pub tables: Vec<TableSpec>,
    /// Facet counts of the filter lists: per dimension, views per value code.
    pub value_counts: Vec<Vec<u64>>,
    /// The thresholds asked for and the alerts they raised (live collector folders).
    pub thresholds: Option<AlertThresholds>,
    pub alerts: Vec<Alert>,
}

pub(super) type LoadDone = (SessionFiles, Result<SessionData, String>);
pub(super) type AnswerDone = (u64, Query, Result<SessionAnswer, String>);
/// A question for the answer worker: the load generation, the data, the query and the
/// alert thresholds (live folders only).
pub(super) type Ask = (u64, Arc<SessionData>, Query, Option<AlertThresholds>);
pub(super) type Loader = LatestWorker<SessionFiles, LoadDone>;
pub(super) type Answerer = LatestWorker<Ask, AnswerDone>;

/// Runtime state of the Sessions view.
#[derive(Debug, Default)]
pub struct SessionsTab {
    pub files: Option<SessionFiles>,
    pub data: Option<Arc<SessionData>>,
    /// Bumped per load, so an answer for older data is never shown.
    pub generation: u64,
    pub query: Query,
    pub answer: Option<Arc<SessionAnswer>>,
    pub loading: Option<SessionFiles>,
    pub asking: Option<Query>,
    /// The load generation and alert thresholds of the shown answer and of the question asked.
    pub answered_generation: u64,
    pub asked_thresholds: Option<AlertThresholds>,
    /// The live view of a collector folder.
    pub live: LiveState,
    /// Text of the time fields and of the "split at" field.
    pub from_text: String,
    pub to_text: String,
    pub split_text: String,
    /// Text of the "another period" fields: from, to.
    pub period_texts: [String; 2],
    pub loader: Option<Loader>,
    pub answerer: Option<Answerer>,
    /// A saved question waiting for its files (restart or workspace): asked once they load.
    pub restore: Option<Query>,
}

impl App {
    /// Read these files (replacing what is open) — player events, and CDN logs.
    pub fn open_session_files(&mut self, events: Vec<SessionSource>, cdn: Vec<SessionSource>) {
        let files = SessionFiles {
            events,
            cdn,
            strict: self.state.strict,
        };
        self.sessions.loading = Some(files.clone());
        self.kpi_result.shown = None;
        if let Some(w) = &self.sessions.loader {
            w.request(files);
        }
        self.state.tab = Tab::Sessions;
    }

    /// What the last run (or the opened workspace) had open, with its question; the
    /// sample when it had nothing.
    pub fn open_saved_sessions(&mut self) {
        let saved = &self.state.sessions;
        let events: Vec<SessionSource> = if saved.events.is_empty() {
            vec![SessionSource::Sample]
        } else {
            saved
                .events
                .iter()
                .cloned()
                .map(SessionSource::of_path)
                .collect()
        };
        let cdn: Vec<SessionSource> = if saved.events.is_empty() {
            vec![SessionSource::Sample]
        } else {
            saved.cdn.iter().cloned().map(SessionSource::File).collect()
        };
        let query = saved.query.clone();
        self.sessions.restore = (query != Query::default()).then_some(query);
        let tab = self.state.tab;
        self.open_session_files(events, cdn);
        self.state.tab = tab;
    }

    /// The built-in sample sessions and CDN log.
    pub fn open_session_sample(&mut self) {
        self.open_session_files(vec![SessionSource::Sample], vec![SessionSource::Sample]);
    }

    /// Player-event files chosen in a dialog; the open CDN log stays.
    pub fn open_session_paths(&mut self, paths: Vec<PathBuf>) {
        let cdn = self.current_session_files().cdn;
        self.open_session_files(paths.into_iter().map(SessionSource::of_path).collect(), cdn);
    }

    /// CDN log files chosen in a dialog; the open player events stay.
    pub fn open_cdn_paths(&mut self, paths: Vec<PathBuf>) {
        let events = self.current_session_files().events;
        if events.is_empty() {
            self.error("Open player events first: the CDN log is shown for their views.");
            return;
        }
        self.open_session_files(events, paths.into_iter().map(SessionSource::File).collect());
    }

    fn current_session_files(&self) -> SessionFiles {
        let t = &self.sessions;
        t.loading
            .clone()
            .or_else(|| t.files.clone())
            .unwrap_or(SessionFiles {
                events: Vec::new(),
                cdn: Vec::new(),
                strict: self.state.strict,
            })
    }

    /// The newest answer, and whether it is older than the question; asks when needed.
    pub fn session_answer(&mut self) -> Option<(Arc<SessionAnswer>, bool)> {
        let data = self.sessions.data.clone()?;
        let thresholds = data.live.map(|_| self.sessions.live.thresholds);
        let t = &mut self.sessions;
        let stale = t.answered_generation != t.generation
            || t.answer
                .as_ref()
                .is_none_or(|a| a.query != t.query || a.thresholds != thresholds);
        let asked = t.asking.as_ref() == Some(&t.query) && t.asked_thresholds == thresholds;
        if stale && !asked {
            t.asking = Some(t.query.clone());
            t.asked_thresholds = thresholds;
            if let Some(w) = &t.answerer {
                w.request((t.generation, data, t.query.clone(), thresholds));
            }
        }
        t.answer.as_ref().map(|a| (Arc::clone(a), stale))
    }

    pub(super) fn poll_sessions(&mut self) {
        for (files, result) in worker::drain(self.sessions.loader.as_ref()) {
            if self.sessions.loading.as_ref() == Some(&files) {
                self.sessions.loading = None;
            }
            if self.live_refreshed(&files, &result) {
                continue;
            }
            match result {
                Ok(data) => self.on_sessions_loaded(data),
                Err(message) => {
                    self.sessions.restore = None;
                    let kept = if self.sessions.data.is_some() {
                        " The previous sessions are still open."
                    } else {
                        ""
                    };
                    self.error(format!("{}.{kept}", message.trim_end_matches('.')));
                }
            }
        }
        for (generation, query, result) in worker::drain(self.sessions.answerer.as_ref()) {
            if self.sessions.asking.as_ref() == Some(&query) {
                self.sessions.asking = None;
            }
            if generation != self.sessions.generation {
                continue;
            }
            match result {
                Ok(answer) => {
                    self.sessions.answer = Some(Arc::new(answer));
                    self.sessions.answered_generation = generation;
                    self.live_answered();
                }
                Err(message) => {
                    self.live_answered();
                    self.error(format!("Sessions: {message}"));
                    // Go back to the question that was answered, so the view stays usable.
                    if let Some(a) = &self.sessions.answer {
                        self.sessions.query = a.query.clone();
                    } else {
                        self.sessions.query = Query::default();
                    }
                }
            }
        }
        // The question survives a restart once it is the open files' question.
        let t = &self.sessions;
        if t.data.is_some() && t.restore.is_none() && self.state.sessions.query != t.query {
            self.state.sessions.query = t.query.clone();
        }
    }

    pub(super) fn on_sessions_loaded(&mut self, data: SessionData) {
        let log = &data.sessions.log;
        let dropped: u64 = log.report.dropped.values().sum();
        if let Some(first) = &log.report.first_drop {
            self.notice(format!(
                "Player events: {dropped} bad rows dropped (first: {first})."
            ));
        }
        if !log.report.columns_left_out.is_empty() {
            self.notice(format!(
                "Player events: Parquet columns of a type streamlens cannot read, left out: {}.",
                log.report.columns_left_out.join(", ")
            ));
        }
        if let Some(first) = data.cdn_read.as_ref().and_then(|r| r.first_drop.as_ref()) {
            self.notice(format!("CDN log: bad records dropped (first: {first})."));
        }
        let new_files = self.sessions.files.as_ref().map(|f| &f.events) != Some(&data.files.events);
        // A live collector read before its first events: the defaults (latest event, a
        // breakdown) are chosen again once there are events to choose from.
        let was_empty = self
            .sessions
            .data
            .as_ref()
            .is_some_and(|d| d.sessions.log.events.is_empty());
        let restore = self.sessions.restore.take();
        if let Some(query) = restore.filter(|q| restorable(q, &data.sessions)) {
            self.sessions.query = query;
        } else if new_files || was_empty {
            self.sessions.query = Query {
                filter: streamlens_sessions::ViewFilter {
                    event: data.latest_event.clone(),
                    ..Default::default()
                },
                by: default_breakdown(&data.sessions).into_iter().collect(),
                compare: None,
            };
        }
        self.sessions.files = Some(data.files.clone());
        let paths = |sources: &[SessionSource]| -> Vec<PathBuf> {
            sources
                .iter()
                .filter_map(SessionSource::path)
                .cloned()
                .collect()
        };
        self.state.sessions.events = paths(&data.files.events);
        self.state.sessions.cdn = paths(&data.files.cdn);
        self.sessions.generation += 1;
        if new_files {
            self.sessions.answer = None;
        }
        // A live folder read again keeps its answer on screen until the new one is in.
        self.sessions.asking = None;
        self.sessions.data = Some(Arc::new(data));
    }
}

/// A saved question fits these sessions when its event, filter and breakdown dimensions
/// are in them (else the default question is asked instead).
fn restorable(query: &Query, sessions: &Sessions) -> bool {
    let dimensions: Vec<&str> = sessions.dimensions().iter().map(|d| d.0).collect();
    let event_known = query
        .filter
        .event
        .as_ref()
        .is_none_or(|e| sessions.log.webcasts.labels.contains(e));
    event_known
        && query
            .by
            .iter()
            .chain(query.filter.values.keys())
            .all(|d| dimensions.contains(&d.as_str()))
}

/// `city` when the file has it, else its first dimension.
fn default_breakdown(sessions: &Sessions) -> Option<String> {
    let names: Vec<&str> = sessions.dimensions().iter().map(|d| d.0).collect();
    ["city", "country", "cdn", "device"]
        .iter()
        .find(|n| names.contains(n))
        .or_else(|| names.first())
        .map(|n| (*n).to_string())
}
