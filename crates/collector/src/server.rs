//! The HTTP face of the collector (axum on tokio): `POST /v1/events`, `GET /v1/health`,
//! `GET /v1/status`, the scoring routes of `score_routes` and the reading routes of
//! `live_routes`. A 200 on events means the
//! batch is in the write-ahead log and synced.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::channel;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::auth::{refusal, refuse_unauthorized};
use crate::batch::{MAX_BODY_BYTES, Refusal, check};
use crate::commit::{Committer, Stored};
use crate::keys::KeyIndex;
use crate::live_routes::{self, LiveRoutes};
use crate::record::MAX_KEY_BYTES;
use crate::roll::roll_segment;
use crate::score_routes::{self, ScoreState};
use crate::scoring::{Scorer, ScoringConfig};
use crate::segments::{RollPolicy, Segments, existing, wal_dir};
use crate::status::{Counters, now_ms};

/// How the collector is run.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where the write-ahead log (`wal/`) and the Parquet partitions go.
    pub dir: PathBuf,
    /// A bearer token every request but `/v1/health` must carry.
    pub token: Option<String>,
    pub roll: RollPolicy,
    /// Above this many bytes not yet in Parquet, batches are answered 503 (retry later).
    pub max_backlog_bytes: u64,
    /// Serve `/v1/score` with a saved model.
    pub scoring: Option<ScoringConfig>,
}

/// What the start found and finished from a previous run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Segments left by the previous run, rolled into Parquet before serving.
    pub segments: u64,
    pub events: u64,
}

/// A running collector: the commit and roll threads and the counters.
pub struct Collector {
    dir: PathBuf,
    committer: Committer,
    counters: Arc<Counters>,
    token: Option<String>,
    max_backlog_bytes: u64,
    scorer: Option<Arc<Scorer>>,
}

impl Collector {
    /// Finishes what a previous run left in `config.dir` (its segments, a torn tail cut by
    /// checksum, are rolled into Parquet), then starts a new segment and the threads.
    ///
    /// # Errors
    /// The directory cannot be used, or a leftover segment cannot be rolled (it is kept;
    /// the message says which and why).
    pub fn open(config: &Config) -> Result<(Arc<Self>, Recovery), String> {
        let root = &config.dir;
        let wal = wal_dir(root);
        std::fs::create_dir_all(&wal).map_err(|e| format!("{}: {e}", wal.display()))?;
        let scorer = match &config.scoring {
            Some(scoring) => Some(Scorer::open(scoring, root)?),
            None => None,
        };
        let mut recovery = Recovery::default();
        for leftover in existing(&wal).map_err(|e| format!("{}: {e}", wal.display()))? {
            let rolled = roll_segment(root, &leftover)?;
            recovery.segments += 1;
            recovery.events += rolled.events as u64;
        }
        let counters = Arc::new(Counters::default());
        let (sealed_tx, sealed_rx) = channel();
        crate::roller::start(root.clone(), sealed_rx, Arc::clone(&counters))
            .map_err(|e| e.to_string())?;
        let keys = KeyIndex::load(root, now_ms())
            .map_err(|e| format!("{}: {e}", crate::keys::keys_dir(root).display()))?;
        let segments = Segments::open(root, config.roll, sealed_tx)
            .map_err(|e| format!("{}: {e}", wal.display()))?;
        let (committer, _thread) =
            Committer::start(segments, keys, Arc::clone(&counters)).map_err(|e| e.to_string())?;
        let collector = Self {
            dir: root.clone(),
            committer,
            counters,
            token: config.token.clone(),
            max_backlog_bytes: config.max_backlog_bytes,
            scorer,
        };
        Ok((Arc::new(collector), recovery))
    }

    /// The routes, sharing this collector.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/v1/events", post(post_events))
            .route("/v1/health", get(health))
            .route("/v1/status", get(status))
            .with_state(Arc::clone(self))
            .merge(score_routes::router(ScoreState {
                scorer: self.scorer.clone(),
                token: self.token.clone(),
            }))
            .merge(live_routes::router(LiveRoutes {
                dir: self.dir.clone(),
                token: self.token.clone(),
            }))
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
    }

    /// The scoring service, when started with a model.
    #[must_use]
    pub fn scorer(&self) -> Option<Arc<Scorer>> {
        self.scorer.clone()
    }

    /// `None` when the request may pass; else the 401 to send.
    pub(crate) fn refuse_unauthorized(&self, headers: &HeaderMap) -> Option<Response> {
        refuse_unauthorized(self.token.as_deref(), headers)
    }

    /// Checks and stores one body (blocking: runs off the async workers).
    fn accept(&self, body: &[u8], key: Option<String>) -> Response {
        let batch = match check(body) {
            Ok(batch) => batch,
            Err(refused) => {
                self.counters.rejected_batches.fetch_add(1, Relaxed);
                let code = match refused {
                    Refusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                    Refusal::Invalid(_) => StatusCode::BAD_REQUEST,
                };
                return refusal(code, &refused.to_string());
            }
        };
        let bytes = batch.lines.len() as u64;
        match self.committer.commit(batch.lines, key) {
            Ok(Stored::New) => {
                let c = &self.counters;
                c.accepted_batches.fetch_add(1, Relaxed);
                c.accepted_events.fetch_add(batch.events as u64, Relaxed);
                c.accepted_bytes.fetch_add(bytes, Relaxed);
                (
                    StatusCode::OK,
                    Json(serde_json::json!({ "accepted": batch.events, "stored": true })),
                )
                    .into_response()
            }
            Ok(Stored::Duplicate) => {
                self.counters.duplicate_batches.fetch_add(1, Relaxed);
                (
                    StatusCode::OK,
                    Json(serde_json::json!({
                        "accepted": batch.events, "stored": true, "duplicate": true
                    })),
                )
                    .into_response()
            }
            Err(why) => refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("the batch could not be stored, send it again: {why}"),
            ),
        }
    }
}

async fn post_events(
    State(collector): State<Arc<Collector>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = collector.refuse_unauthorized(&headers) {
        return refused;
    }
    let backlog = collector.counters.backlog_bytes();
    if backlog > collector.max_backlog_bytes {
        collector.counters.deferred_batches.fetch_add(1, Relaxed);
        let mut response = refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!(
                "{backlog} bytes wait to be written as Parquet (bound {}); send this batch again later",
                collector.max_backlog_bytes
            ),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return response;
    }
    let key = match idempotency_key(&headers) {
        Ok(key) => key,
        Err(why) => {
            collector.counters.rejected_batches.fetch_add(1, Relaxed);
            return refusal(StatusCode::BAD_REQUEST, &why);
        }
    };
    let worker = Arc::clone(&collector);
    match tokio::task::spawn_blocking(move || worker.accept(&body, key)).await {
        Ok(response) => response,
        Err(e) => refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the batch was not stored ({e}); send it again"),
        ),
    }
}

/// The request's `Idempotency-Key`: 1 to 255 visible ASCII characters (spaces allowed).
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, String> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let text = value.to_str().ok().filter(|t| {
        !t.is_empty() && t.len() <= MAX_KEY_BYTES && t.bytes().all(|b| (b' '..=b'~').contains(&b))
    });
    text.map(|t| Some(t.to_string())).ok_or_else(|| {
        format!("Idempotency-Key must be 1 to {MAX_KEY_BYTES} visible ASCII characters")
    })
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn status(State(collector): State<Arc<Collector>>, headers: HeaderMap) -> Response {
    if let Some(refused) = collector.refuse_unauthorized(&headers) {
        return refused;
    }
    Json(collector.counters.snapshot(now_ms())).into_response()
}

/// Serves `config` on `listen` until the process ends, after calling `ready` with the
/// address bound (port 0 picks a free one), what the start recovered and the scorer.
///
/// # Errors
/// The collector cannot open its directory, or the address cannot be bound.
pub fn run(
    config: &Config,
    listen: SocketAddr,
    ready: impl FnOnce(SocketAddr, Recovery, Option<&Scorer>),
) -> Result<(), String> {
    let (collector, recovery) = Collector::open(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        ready(bound, recovery, collector.scorer.as_deref());
        axum::serve(listener, collector.router())
            .await
            .map_err(|e| e.to_string())
    })
}
