//! Sessions ▸ live: a collector folder watched from the window. Events appended to its
//! write-ahead segment (as a running collector does) reach the KPIs within a refresh, the
//! strip says when it updated, and the alerts of the thresholds are listed.

use std::path::Path;

use super::{
    App, harness_with, open_path_dialog, open_sessions_view, type_path_and_submit, wait_for,
};
use egui_kittest::kittest::Queryable;
use streamlens::app::sessions::SAMPLE_SESSIONS;
use streamlens_collector::beacons::Beacons;
use streamlens_collector::record::encode;
use streamlens_collector::segments::{segment_path, wal_dir};
use streamlens_collector::wal::Segment;
use streamlens_sessions::{Sessions, ViewFilter, read_player_events};

/// The sample's first `n` events as beacons, one JSON Lines batch.
fn beacon_lines(beacons: &Beacons, from: usize, to: usize) -> String {
    let start = 1_796_000_000_000;
    (from..to).map(|n| beacons.line(n, start) + "\n").collect()
}

/// Views of the latest event among `lines`, straight from the engine.
fn latest_views(lines: &str) -> u64 {
    let sessions = Sessions::new(read_player_events("expected", lines.as_bytes(), false).unwrap());
    let filter = ViewFilter {
        event: sessions.latest_event(),
        ..ViewFilter::default()
    };
    sessions.select(&filter).unwrap().len() as u64
}

fn shown_views(app: &App) -> Option<u64> {
    let t = &app.sessions;
    let a = t.answer.as_ref()?;
    (t.asking.is_none() && a.query == t.query && t.answered_generation == t.generation)
        .then_some(a.answer.kpis.views)
}

fn append(segment: &mut Segment, lines: &str) {
    segment.append(&[&encode(None, lines.as_bytes())]).unwrap();
}

#[test]
fn a_watched_collector_folder_refreshes_its_kpis_and_lists_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let root: &Path = dir.path();
    std::fs::create_dir_all(wal_dir(root)).unwrap();
    let mut segment = Segment::create(&segment_path(&wal_dir(root), 1)).unwrap();
    let log = read_player_events("sample", SAMPLE_SESSIONS, false).unwrap();
    let beacons = Beacons::of(&log);
    let first = beacon_lines(&beacons, 0, 4_000);
    append(&mut segment, &first);

    let mut h = harness_with(Vec::new());
    open_sessions_view(&mut h);
    open_path_dialog(&mut h, "Watch collector folder…");
    type_path_and_submit(&mut h, root);
    let want = latest_views(&first);
    wait_for(&mut h, "the collector's first views", |a| {
        shown_views(a) == Some(want)
    });
    h.get_by_label("LIVE");
    h.get_by_label_contains("updated ");
    h.get_by_label_contains("Alerts");

    // More events arrive: the next reading shows them, without any click.
    let more = beacon_lines(&beacons, 4_000, 9_000);
    append(&mut segment, &more);
    let want = latest_views(&(first.clone() + &more));
    wait_for(&mut h, "the refreshed views", |a| {
        shown_views(a) == Some(want)
    });
    let live = &h.state().sessions.live;
    assert_eq!(live.updated.map(|(_, r)| r.events), Some(9_000));
    assert!(live.error.is_none());

    // Thresholds low enough that every judged minute alerts: the list fills.
    h.state_mut().sessions.live.thresholds.failure_share = Some(0.0);
    h.state_mut().sessions.live.thresholds.min_views = 1;
    wait_for(&mut h, "alerts", |a| {
        a.sessions
            .answer
            .as_ref()
            .is_some_and(|x| !x.alerts.is_empty())
    });
    h.get_by_label("Minute (UTC)");
}

/// POSTs `lines` to the collector at `addr` (plain HTTP/1.1); true on a 200.
fn post(addr: std::net::SocketAddr, lines: &str) -> bool {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{lines}",
        lines.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.starts_with("HTTP/1.1 200")
}

#[test]
fn a_running_collector_watched_by_its_url_refreshes_its_kpis() {
    let dir = tempfile::tempdir().unwrap();
    let config = streamlens_collector::Config {
        dir: dir.path().to_path_buf(),
        token: None,
        roll: streamlens_collector::RollPolicy {
            max_bytes: 1 << 20,
            max_age: std::time::Duration::from_millis(500),
        },
        max_backlog_bytes: 1 << 30,
        scoring: None,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let listen = "127.0.0.1:0".parse().unwrap();
        streamlens_collector::run(&config, listen, |addr, _, _| tx.send(addr).unwrap()).unwrap();
    });
    let addr = rx.recv().unwrap();
    let log = read_player_events("sample", SAMPLE_SESSIONS, false).unwrap();
    let beacons = Beacons::of(&log);
    let first = beacon_lines(&beacons, 0, 4_000);

    let mut h = harness_with(Vec::new());
    open_sessions_view(&mut h);
    open_path_dialog(&mut h, "Watch collector URL…");
    h.run_steps(2);
    h.get_by_label("URL");
    type_path_and_submit(&mut h, Path::new(&format!("http://{addr}")));
    // Watched before any event arrives: the view waits, without an error.
    wait_for(&mut h, "an empty reading", |a| shown_views(a) == Some(0));
    h.get_by_label("LIVE");
    assert!(h.state().messages.is_empty(), "{:?}", h.state().messages);
    assert!(post(addr, &first));
    let want = latest_views(&first);
    wait_for(&mut h, "the collector's first views", |a| {
        shown_views(a) == Some(want)
    });
    h.get_by_label("LIVE");

    // More events, rolled into Parquet by the time they are read or not: all are shown.
    let more = beacon_lines(&beacons, 4_000, 9_000);
    assert!(post(addr, &more));
    let want = latest_views(&(first.clone() + &more));
    wait_for(&mut h, "the refreshed views", |a| {
        shown_views(a) == Some(want)
    });
    let live = &h.state().sessions.live;
    assert_eq!(live.updated.map(|(_, r)| r.events), Some(9_000));
    assert!(live.error.is_none());
}
