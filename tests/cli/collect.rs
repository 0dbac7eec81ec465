//! `streamlens collect`: the real binary on a loopback port, spoken to over plain HTTP/1.1
//! sockets. What a 200 promises (the batch survives kill -9), what 400/401/413 say, and that
//! `kpis DIR` reads what was collected.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{bin, run, run_ok};

/// A collector process; killed (SIGKILL) when dropped.
pub(super) struct Running {
    child: Child,
    pub(super) addr: SocketAddr,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `collect` on a free loopback port over `dir`, waiting for its "listening" line.
pub(super) fn start(dir: &Path, extra: &[&str]) -> Running {
    // Segments roll after a second unless the test says otherwise.
    let roll: &[&str] = if extra.contains(&"--roll-secs") {
        &[]
    } else {
        &["--roll-secs", "1"]
    };
    let mut child = bin()
        .args(["collect", "--listen", "127.0.0.1:0", "--dir"])
        .arg(dir)
        .args(roll)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .strip_prefix("listening on http://")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no listening line: {line:?}"));
    Running { child, addr }
}

/// One HTTP/1.1 request; the status code and body (`None`: the connection failed).
pub(super) fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &[u8],
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer).to_string();
    let code = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Some((code, body))
}

fn post(addr: SocketAddr, body: &str) -> Option<(u16, String)> {
    request(addr, "POST", "/v1/events", "", body.as_bytes())
}

/// One view's three events (request, start, end) as JSON Lines, session `id`.
fn view(id: &str, ts: i64) -> String {
    let line = |dt: i64, kind: &str| {
        format!(
            r#"{{"ts": {}, "session_id": "{id}", "viewer_id": "v-{id}", "event_id": "all-hands", "event_type": "{kind}", "city": "Oslo"}}"#,
            ts + dt
        )
    };
    format!(
        "{}\n{}\n{}\n",
        line(0, "request"),
        line(1_500, "start"),
        line(60_000, "end")
    )
}

fn status(addr: SocketAddr, headers: &str) -> serde_json::Value {
    let (code, body) = request(addr, "GET", "/v1/status", headers, b"").unwrap();
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Waits until the collector reports `key` ≥ `at_least`.
fn wait_for(addr: SocketAddr, key: &str, at_least: u64) {
    let start = Instant::now();
    while status(addr, "")[key].as_u64().unwrap_or(0) < at_least {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{key} never reached {at_least}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Events per session label over every Parquet file rolled under `dir`.
fn stored_sessions(dir: &Path) -> HashMap<String, usize> {
    let mut per_session = HashMap::new();
    for file in streamlens_collector::roll::rolled_files(dir).unwrap() {
        let log = streamlens_sessions::read_player_file(&file, true).unwrap();
        for event in &log.events {
            let label = log.sessions.labels[event.session as usize].clone();
            *per_session.entry(label).or_insert(0) += 1;
        }
    }
    per_session
}

#[test]
fn a_200_means_stored_and_refusals_say_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let collector = start(dir.path(), &[]);
    let addr = collector.addr;
    let (code, body) = request(addr, "GET", "/v1/health", "", b"").unwrap();
    assert_eq!((code, body.contains("ok")), (200, true), "{body}");

    let (code, body) = post(addr, &view("good", 1_733_400_000_000)).unwrap();
    assert_eq!(code, 200, "{body}");
    assert!(body.contains(r#""accepted":3"#), "{body}");

    // One bad event refuses the whole batch: line 2, its column, nothing stored.
    let bad = view("bad", 1_733_400_000_000)
        .replace(r#""event_type": "start""#, r#""event_type": "teleport""#);
    let (code, body) = post(addr, &bad).unwrap();
    assert_eq!(code, 400, "{body}");
    assert!(
        body.contains("event_type") && body.contains('2') && body.contains("nothing of this batch"),
        "{body}"
    );
    let (code, body) = post(addr, "[1]").unwrap();
    assert_eq!(code, 400);
    assert!(body.contains("element 1"), "{body}");
    // One byte over the bound: the collector reads all of it before it answers, so its
    // close cannot reset a connection with body bytes still unread.
    let (code, _) = post(addr, &"x".repeat((16 << 20) + 1)).unwrap();
    assert_eq!(code, 413);

    wait_for(addr, "parquet_files_written", 1);
    let now = status(addr, "");
    assert_eq!(now["accepted_events"], 3);
    assert_eq!(now["accepted_batches"], 1);
    assert_eq!(now["rejected_batches"], 2, "{now}");
    let sessions = stored_sessions(dir.path());
    assert_eq!(sessions, HashMap::from([("good".to_string(), 3)]));

    // What was collected is a KPI source like any file.
    let out = run_ok(&["kpis", dir.path().to_str().unwrap(), "--json"]);
    let kpis: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(kpis["views"], 1, "{kpis}");
}

#[test]
fn a_token_is_required_when_set_and_beyond_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let collector = start(dir.path(), &["--token", "s3cret"]);
    let (code, body) = post(collector.addr, &view("a", 1_733_400_000_000)).unwrap();
    assert_eq!(code, 401, "{body}");
    let auth = "Authorization: Bearer s3cret\r\n";
    let (code, body) = request(
        collector.addr,
        "POST",
        "/v1/events",
        auth,
        view("a", 1_733_400_000_000).as_bytes(),
    )
    .unwrap();
    assert_eq!(code, 200, "{body}");
    assert_eq!(status(collector.addr, auth)["accepted_events"], 3);
    // Health needs no token (load balancers probe it).
    assert_eq!(
        request(collector.addr, "GET", "/v1/health", "", b"")
            .unwrap()
            .0,
        200
    );

    let out = run(&[
        "collect",
        "--listen",
        "0.0.0.0:0",
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --token"));
}

/// The issue's fault test: writers post as fast as they can, the collector is killed with
/// SIGKILL mid-stream, and restarted. Every batch that got a 200 must be stored exactly once
/// (a batch cut off before its answer may be stored or not, but never twice).
#[test]
fn kill_9_under_load_loses_no_acknowledged_event_and_duplicates_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut collector = start(dir.path(), &[]);
    let addr = collector.addr;
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (acknowledged, stop) = (Arc::clone(&acknowledged), Arc::clone(&stop));
            std::thread::spawn(move || {
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let id = format!("w{w}-{i}");
                    match post(addr, &view(&id, 1_733_400_000_000 + i * 1000)) {
                        Some((200, _)) => {
                            acknowledged.lock().unwrap().insert(id);
                        }
                        Some((code, body)) => panic!("{code}: {body}"),
                        None => break, // the collector is gone
                    }
                }
            })
        })
        .collect();
    // Killed once a segment has been rolled while batches keep coming, so that both the
    // rolled and the still-open segments are at stake.
    let start_time = Instant::now();
    while acknowledged.lock().unwrap().len() < 400 && start_time.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_for(addr, "parquet_files_written", 1);
    std::thread::sleep(Duration::from_millis(200));
    collector.child.kill().unwrap();
    collector.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 400,
        "only {} acknowledged",
        acknowledged.len()
    );

    // The restart rolls what the killed run left before it answers.
    let restarted = start(dir.path(), &[]);
    drop(restarted);
    let stored = stored_sessions(dir.path());
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains_key(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged views lost, e.g. {:?}",
        missing.len(),
        missing.first()
    );
    let wrong: Vec<(&String, &usize)> = stored.iter().filter(|(_, n)| **n != 3).collect();
    assert!(wrong.is_empty(), "views stored other than once: {wrong:?}");
}

#[test]
fn over_the_backlog_bound_batches_are_deferred_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    // A bound of 0 MiB: once the first batch is on disk, anything not yet rolled is over it.
    let collector = start(
        dir.path(),
        &["--max-backlog-mib", "0", "--roll-secs", "3600"],
    );
    let (code, body) = post(collector.addr, &view("first", 1_733_400_000_000)).unwrap();
    assert_eq!(code, 200, "{body}");
    let mut stream = TcpStream::connect(collector.addr).unwrap();
    let body = view("second", 1_733_400_000_000);
    write!(
        stream,
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 5"),
        "{answer}"
    );
    assert!(answer.contains("send this batch again later"), "{answer}");
    assert_eq!(status(collector.addr, "")["deferred_batches"], 1);
}

#[test]
fn a_retried_batch_with_its_idempotency_key_is_stored_once_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let body = view("retried", 1_733_400_000_000);
    let key = "Idempotency-Key: player-42-batch-7\r\n";
    let collector = start(dir.path(), &[]);
    let (code, first) =
        request(collector.addr, "POST", "/v1/events", key, body.as_bytes()).unwrap();
    assert_eq!(code, 200, "{first}");
    assert!(!first.contains("duplicate"), "{first}");
    let (code, again) =
        request(collector.addr, "POST", "/v1/events", key, body.as_bytes()).unwrap();
    assert_eq!(code, 200, "{again}");
    assert!(again.contains(r#""duplicate":true"#), "{again}");
    assert_eq!(status(collector.addr, "")["duplicate_batches"], 1);
    let bad = request(
        collector.addr,
        "POST",
        "/v1/events",
        "Idempotency-Key: \u{1}\r\n",
        body.as_bytes(),
    );
    assert_eq!(bad.map(|(c, _)| c), Some(400));
    // Killed, restarted (the segment is rolled, its key kept beside it), retried once more.
    drop(collector);
    let restarted = start(dir.path(), &[]);
    let (code, late) = request(restarted.addr, "POST", "/v1/events", key, body.as_bytes()).unwrap();
    assert_eq!(code, 200, "{late}");
    assert!(late.contains(r#""duplicate":true"#), "{late}");
    wait_for(restarted.addr, "duplicate_batches", 1);
    drop(restarted);
    assert_eq!(
        stored_sessions(dir.path()),
        HashMap::from([("retried".to_string(), 3)])
    );
}
