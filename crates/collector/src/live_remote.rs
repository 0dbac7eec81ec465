//! Reading a running collector by its URL (`GET /v1/live`), for a live dashboard on another
//! machine than the collector's folder: each Parquet part is fetched once and kept (parts
//! never change), the events not yet rolled are fetched with every reading.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Deserialize;
use streamlens_sessions::{PlayerLog, read_player_events};

use crate::live::{Collected, SegmentSlice, UnrolledEvents, collected};

/// How long one request may take before the reading fails (and is tried again later).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
struct Index {
    parts: Vec<IndexedPart>,
    #[serde(default)]
    segments: Vec<IndexedSegment>,
}

#[derive(Deserialize)]
struct IndexedSegment {
    number: u64,
    from: u64,
    to: u64,
    bytes: usize,
}

#[derive(Deserialize)]
struct IndexedPart {
    path: String,
}

/// Reads a collector at a URL again and again, keeping the parts it fetched.
pub struct RemoteReader {
    base: String,
    token: Option<String>,
    parts: BTreeMap<String, PlayerLog>,
    unrolled: UnrolledEvents,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

/// `http://host:port` (any path after it dropped to its `/v1/…` root) as the base URL.
///
/// # Errors
/// Not an `http://` or `https://` URL.
pub fn collector_base(url: &str) -> Result<String, String> {
    let trimmed = url.trim();
    let rest = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"))
        .ok_or_else(|| format!("{trimmed}: expected the collector's http:// or https:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("{trimmed}: the URL has no host"));
    }
    let base = match trimmed.find("/v1/") {
        Some(at) => &trimmed[..at],
        None => trimmed.trim_end_matches('/'),
    };
    Ok(base.to_string())
}

impl RemoteReader {
    /// A reader of the collector at `url` sending `token` as a bearer token.
    ///
    /// # Errors
    /// The URL is not an http(s) one, or the HTTP client cannot start.
    pub fn new(url: &str, token: Option<String>) -> Result<Self, String> {
        let base = collector_base(url)?;
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| e.to_string())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            base,
            token,
            parts: BTreeMap::new(),
            unrolled: UnrolledEvents::default(),
            client,
            runtime,
        })
    }

    /// Everything the collector has stored now.
    ///
    /// # Errors
    /// The collector cannot be reached or answers an error (its message is kept), or what
    /// it sends does not read as player events.
    pub fn read(&mut self) -> Result<Collected, String> {
        let have: Vec<String> = self
            .unrolled
            .offsets()
            .iter()
            .map(|(n, at)| format!("{n}:{at}"))
            .collect();
        let body = self.get(&format!("/v1/live?have={}", have.join(",")))?;
        let (first, unrolled) = match body.iter().position(|&b| b == b'\n') {
            Some(at) => (&body[..at], &body[at + 1..]),
            None => (&body[..], &[][..]),
        };
        let index: Index = serde_json::from_slice(first).map_err(|e| {
            format!(
                "{}/v1/live: not a collector's answer (the first line should list its parts: {e})",
                self.base
            )
        })?;
        for part in &index.parts {
            if !self.parts.contains_key(&part.path) {
                let bytes = self.get(&format!("/v1/live/parts/{}", part.path))?;
                let name = format!("{}/v1/live/parts/{}", self.base, part.path);
                let log = read_player_events(&name, &bytes, false).map_err(|e| e.to_string())?;
                self.parts.insert(part.path.clone(), log);
            }
        }
        let listed: BTreeSet<&String> = index.parts.iter().map(|p| &p.path).collect();
        self.parts.retain(|path, _| listed.contains(path));
        let mut slices = Vec::with_capacity(index.segments.len());
        let mut rest = unrolled;
        for segment in &index.segments {
            let Some((lines, after)) = rest.split_at_checked(segment.bytes) else {
                return Err(format!(
                    "{}/v1/live: the answer ends inside segment {}",
                    self.base, segment.number
                ));
            };
            rest = after;
            slices.push(SegmentSlice {
                number: segment.number,
                from: segment.from,
                to: segment.to,
                lines: lines.to_vec(),
            });
        }
        self.unrolled.take(&self.base, &slices)?;
        Ok(collected(
            index.parts.iter().map(|p| &self.parts[&p.path]),
            &self.unrolled,
        ))
    }

    /// The body of `GET base+path`; an error answer's `error` text in the message.
    fn get(&self, path: &str) -> Result<Vec<u8>, String> {
        let url = format!("{}{path}", self.base);
        let mut request = self.client.get(&url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        self.runtime.block_on(async {
            let response = request
                .send()
                .await
                .map_err(|e| format!("{url}: {}", error_chain(&e)))?;
            let status = response.status();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| format!("{url}: {}", error_chain(&e)))?;
            if !status.is_success() {
                let said = serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|v| v["error"].as_str().map(str::to_string))
                    .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
                return Err(format!("{url}: {status}: {said}"));
            }
            Ok(bytes.to_vec())
        })
    }
}

/// An error with its causes ("error sending request: connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::collector_base;

    #[test]
    fn a_url_is_taken_to_its_collector_root() {
        assert_eq!(
            collector_base("http://127.0.0.1:7070").unwrap(),
            "http://127.0.0.1:7070"
        );
        assert_eq!(
            collector_base(" https://h/x/v1/live ").unwrap(),
            "https://h/x"
        );
        assert_eq!(collector_base("http://h:1/").unwrap(), "http://h:1");
        assert!(collector_base("h:1").is_err());
        assert!(collector_base("http://").is_err());
    }
}

#[cfg(test)]
#[path = "live_remote_tests.rs"]
mod http_tests;
