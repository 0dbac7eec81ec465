//! A real collector on a loopback port read through its URL: the same events as its
//! folder, the token required, and part paths outside the listing refused.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use super::RemoteReader;
use crate::live::CollectedReader;
use crate::segments::RollPolicy;
use crate::server::{Config, run};

fn start(dir: &Path, token: &str) -> SocketAddr {
    let config = Config {
        dir: dir.to_path_buf(),
        token: Some(token.to_string()),
        roll: RollPolicy {
            max_bytes: 1 << 20,
            max_age: Duration::from_millis(300),
        },
        max_backlog_bytes: 1 << 30,
        scoring: None,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
        run(&config, listen, |addr, _, _| tx.send(addr).unwrap()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(30)).unwrap()
}

/// Two sessions' worth of events for session `id`, starting at `ts`.
fn events(id: &str, ts: i64) -> String {
    format!(
        "{{\"ts\":{ts},\"session_id\":\"{id}\",\"viewer_id\":\"v\",\"event_id\":\"w\",\"event_type\":\"request\",\"country\":\"Sweden\"}}\n\
         {{\"ts\":{},\"session_id\":\"{id}\",\"viewer_id\":\"v\",\"event_id\":\"w\",\"event_type\":\"start\",\"bitrate_kbps\":3000}}\n",
        ts + 1500
    )
}

fn send(addr: SocketAddr, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let url = format!("http://{addr}{path}");
        let request = match method {
            "POST" => client.post(url).body(body.to_string()),
            _ => client.get(url),
        };
        let response = request.bearer_auth(token).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    })
}

#[test]
fn a_collector_read_by_url_gives_what_its_folder_holds() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(dir.path(), "s3cret");
    let url = format!("http://{addr}");
    let refused = RemoteReader::new(&url, None).unwrap().read().err().unwrap();
    assert!(
        refused.contains("401") && refused.contains("Bearer"),
        "{refused}"
    );

    let mut remote = RemoteReader::new(&format!("{url}/v1/live"), Some("s3cret".into())).unwrap();
    let first = remote.read().unwrap();
    assert_eq!(first.events, 0);
    assert!(first.log.is_none());

    let body = events("a", 1_000_000) + &events("b", 1_060_000);
    assert_eq!(send(addr, "POST", "/v1/events", "s3cret", &body).0, 200);
    // Seen at once, from the write-ahead log …
    let read = remote.read().unwrap();
    assert_eq!(read.events, 4);
    // … and the same once rolled into Parquet, fetched as a part.
    let started = Instant::now();
    let rolled = loop {
        let read = remote.read().unwrap();
        if read.parquet_files > 0 && read.unrolled_events == 0 {
            break read;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never rolled");
        std::thread::sleep(Duration::from_millis(100));
    };
    let local = CollectedReader::new(dir.path()).read().unwrap();
    assert_eq!(
        (local.events, local.parquet_files),
        (4, rolled.parquet_files),
        "{:?}",
        crate::roll::rolled_files(dir.path())
    );
    assert_eq!(rolled.events, 4);
    assert_eq!(
        send(
            addr,
            "POST",
            "/v1/events",
            "s3cret",
            &events("c", 1_120_000)
        )
        .0,
        200
    );
    let remote_now = remote.read().unwrap();
    let local_now = CollectedReader::new(dir.path()).read().unwrap();
    assert_eq!(remote_now.events, 6);
    assert_eq!(local_now.events, remote_now.events);
    let sessions = |log: &streamlens_sessions::PlayerLog| {
        let mut ids = log.sessions.labels.clone();
        ids.sort();
        ids
    };
    assert_eq!(
        sessions(remote_now.log.as_ref().unwrap()),
        sessions(local_now.log.as_ref().unwrap())
    );
    assert_eq!(sessions(remote_now.log.as_ref().unwrap()), ["a", "b", "c"]);

    let (code, text) = send(
        addr,
        "GET",
        "/v1/live/parts/date=x/hour=1/part-9.parquet",
        "s3cret",
        "",
    );
    assert_eq!(code, 404, "{text}");
    // Sent as is (an HTTP client would resolve the `..` itself).
    let raw = raw_get(
        addr,
        "/v1/live/parts/date=x/..%2F..%2Fwal/00000001.wal",
        "s3cret",
    );
    assert!(raw.starts_with("HTTP/1.1 400"), "{raw}");
}

fn raw_get(addr: SocketAddr, path: &str, token: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}
