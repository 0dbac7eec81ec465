//! The Sessions view's two workers: one reads and sessionises the files, one answers each
//! question (the answer, the CDN report over its span, the charts and tables it draws, the
//! filter lists' counts). Everything here runs off the window's thread.

use streamlens_report::sessions_export::SessionsReport;
use streamlens_sessions::{
    Query, ReadReport, Sessions, answer, cdn_report_between, read_cdn_file, read_cdn_records,
    read_player_events, read_player_file,
};

use super::sessions::{
    Answerer, Ask, Loader, SAMPLE_CDN, SAMPLE_SESSIONS, SessionAnswer, SessionData, SessionFiles,
    SessionSource,
};
use super::worker::LatestWorker;

/// Reads every file (player events are required; CDN logs optional) and sessionises.
fn load(files: &SessionFiles) -> Result<SessionData, String> {
    let mut log: Option<streamlens_sessions::PlayerLog> = None;
    for source in &files.events {
        let read = match source {
            SessionSource::Sample => read_player_events(
                &source.name("sessions.csv.gz"),
                SAMPLE_SESSIONS,
                files.strict,
            ),
            SessionSource::File(path) => read_player_file(path, files.strict),
        }
        .map_err(|e| e.to_string())?;
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
            SessionSource::File(path) => read_cdn_file(path, files.strict),
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
    })
}

fn ask(data: &SessionData, query: &Query) -> Result<SessionAnswer, String> {
    let answer = answer(&data.sessions, query)?;
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
    })
}

/// The two threads behind the Sessions view.
pub(super) fn start_workers(
    repaint: &egui::Context,
    errors: &mut Vec<String>,
) -> (Option<Loader>, Option<Answerer>) {
    let loader = LatestWorker::start(
        "streamlens-sessions-load",
        repaint,
        |files: SessionFiles| {
            let result = load(&files);
            (files, result)
        },
        errors,
    );
    let answerer = LatestWorker::start(
        "streamlens-sessions",
        repaint,
        |(generation, data, query): Ask| {
            let result = ask(&data, &query);
            (generation, query, result)
        },
        errors,
    );
    (loader, answerer)
}
