//! The Sessions view's two workers: one reads and sessionises the files, one answers each
//! question (the answer, the CDN report over its span, the charts and tables it draws, the
//! filter lists' counts). Everything here runs off the window's thread.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Mutex;

use streamlens_collector::live::{Collected, CollectedReader};
use streamlens_collector::live_remote::RemoteReader;
use streamlens_report::sessions_export::SessionsReport;
use streamlens_sessions::{
    AlertThresholds, Query, ReadReport, Sessions, alerts, answer, cdn_report_between,
    read_cdn_file, read_cdn_records, read_player_events, read_player_file,
};

use super::live_state::LiveRead;
use super::sessions::{
    Answerer, Ask, Loader, SAMPLE_CDN, SAMPLE_SESSIONS, SessionAnswer, SessionData, SessionFiles,
    SessionSource,
};
use super::worker::LatestWorker;

/// A live source's reader, keeping its Parquet parts between readings.
enum LiveReader {
    Folder(CollectedReader),
    Url(RemoteReader),
}

impl LiveReader {
    fn of(source: &SessionSource) -> Result<Self, String> {
        match source {
            SessionSource::CollectorUrl(url) => {
                let token = std::env::var("STREAMLENS_COLLECT_TOKEN")
                    .ok()
                    .filter(|t| !t.is_empty());
                Ok(Self::Url(RemoteReader::new(url, token)?))
            }
            SessionSource::Collector(dir) => Ok(Self::Folder(CollectedReader::new(dir))),
            SessionSource::Sample | SessionSource::File(_) => {
                Err("only a collector is read live".into())
            }
        }
    }

    fn read(&mut self) -> Result<Collected, String> {
        match self {
            Self::Folder(reader) => reader.read(),
            Self::Url(reader) => reader.read(),
        }
    }
}

/// Readers of the collectors opened.
type Readers = Mutex<HashMap<SessionSource, LiveReader>>;

/// Reads every file (player events are required; CDN logs optional) and sessionises.
fn load(files: &SessionFiles, readers: &Readers) -> Result<SessionData, String> {
    let mut log: Option<streamlens_sessions::PlayerLog> = None;
    let mut live: Option<LiveRead> = None;
    for source in &files.events {
        let read = match source {
            SessionSource::Sample => read_player_events(
                &source.name("sessions.csv.gz"),
                SAMPLE_SESSIONS,
                files.strict,
            )
            .map_err(|e| e.to_string())?,
            SessionSource::File(path) => {
                read_player_file(path, files.strict).map_err(|e| e.to_string())?
            }
            SessionSource::Collector(_) | SessionSource::CollectorUrl(_) => {
                let mut readers = readers.lock().map_err(|_| "the collector reader failed")?;
                let reader = match readers.entry(source.clone()) {
                    Entry::Occupied(found) => found.into_mut(),
                    Entry::Vacant(slot) => slot.insert(LiveReader::of(source)?),
                };
                let collected = reader.read()?;
                let found = live.get_or_insert(LiveRead {
                    events: 0,
                    unrolled_events: 0,
                    parquet_files: 0,
                });
                found.events += collected.events;
                found.unrolled_events += collected.unrolled_events;
                found.parquet_files += collected.parquet_files;
                // Nothing collected yet: an empty log, so the view waits with the strip on
                // screen and the next reading shows the first events.
                collected.log.unwrap_or_default()
            }
        };
        match &mut log {
            Some(log) => log.append(&read),
            None => log = Some(read),
        }
    }
    let log = log.ok_or("no player-event file")?;
    let mut cdn = Vec::new();
    let mut cdn_read: Option<ReadReport> = None;
    for source in &files.cdn {
        let (records, report) = match source {
            SessionSource::Sample => {
                read_cdn_records(&source.name("cdn.jsonl.gz"), SAMPLE_CDN, files.strict)
            }
            SessionSource::File(path) | SessionSource::Collector(path) => {
                read_cdn_file(path, files.strict)
            }
            SessionSource::CollectorUrl(url) => {
                return Err(format!(
                    "{url}: a collector holds player events, not a CDN log"
                ));
            }
        }
        .map_err(|e| e.to_string())?;
        cdn.extend(records);
        cdn_read
            .get_or_insert_with(ReadReport::default)
            .absorb(report);
    }
    let sessions = Sessions::new(log);
    let latest_event = sessions.latest_event();
    Ok(SessionData {
        files: files.clone(),
        sessions,
        cdn,
        cdn_read,
        latest_event,
        live,
    })
}

fn ask(
    data: &SessionData,
    query: &Query,
    thresholds: Option<AlertThresholds>,
) -> Result<SessionAnswer, String> {
    let answer = answer(&data.sessions, query)?;
    let alerts = match &thresholds {
        Some(t) => alerts(
            &data.sessions,
            &query.filter,
            query.by.first().map(String::as_str),
            t,
        )?,
        None => Vec::new(),
    };
    let value_counts = data.sessions.value_counts(&query.filter)?;
    let cdn = answer.span.and_then(|(from, to)| {
        let read = data.cdn_read.clone()?;
        cdn_report_between(&data.cdn, read, from, to)
    });
    let report = SessionsReport {
        source: "",
        filter: "",
        answer: &answer,
        cdn: cdn.as_ref(),
        charts: None,
    };
    let (charts, tables) = (report.charts(), report.tables());
    Ok(SessionAnswer {
        query: query.clone(),
        answer,
        cdn,
        charts,
        tables,
        value_counts,
        thresholds,
        alerts,
    })
}

/// The two threads behind the Sessions view.
pub(super) fn start_workers(
    repaint: &egui::Context,
    errors: &mut Vec<String>,
) -> (Option<Loader>, Option<Answerer>) {
    let readers = Readers::default();
    let loader = LatestWorker::start(
        "streamlens-sessions-load",
        repaint,
        move |files: SessionFiles| {
            let result = load(&files, &readers);
            (files, result)
        },
        errors,
    );
    let answerer = LatestWorker::start(
        "streamlens-sessions",
        repaint,
        |(generation, data, query, thresholds): Ask| {
            let result = ask(&data, &query, thresholds);
            (generation, query, result)
        },
        errors,
    );
    (loader, answerer)
}
