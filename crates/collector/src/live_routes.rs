//! `GET /v1/live` and `GET /v1/live/parts/…`: a running collector read from elsewhere, the
//! way [`crate::live::CollectedReader`] reads its folder. `/v1/live?have=N:OFFSET,…` answers
//! JSON Lines: first an index line `{"parts": [{"path": "date=…/hour=…/part-N.parquet",
//! "bytes": …}], "segments": [{"number": N, "from": …, "to": …, "bytes": …}]}`, then each
//! listed segment's new events (`bytes` of them, in the listed order): those after the
//! offset the reader says it has (`from` 0: the whole segment). A reader fetches each part
//! once (parts never change) and each batch once.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::auth::{refusal, refuse_unauthorized};
use crate::live::{SegmentSlice, snapshot};
use crate::roll::rolled_files;

/// What the live routes need of the collector.
pub(crate) struct LiveRoutes {
    pub dir: PathBuf,
    pub token: Option<String>,
}

/// The two routes, with their state.
pub(crate) fn router(state: LiveRoutes) -> Router {
    Router::new()
        .route("/v1/live", get(index))
        .route("/v1/live/parts/{*path}", get(part))
        .with_state(Arc::new(state))
}

/// The index line of `/v1/live`: every part as a path relative to the folder (with `/`),
/// and where each segment's events start and end.
#[must_use]
pub fn index_line(root: &Path, parts: &[PathBuf], segments: &[SegmentSlice]) -> String {
    let parts: Vec<serde_json::Value> = parts
        .iter()
        .filter_map(|p| {
            let relative = p.strip_prefix(root).ok()?;
            let names: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let bytes = std::fs::metadata(p).map_or(0, |m| m.len());
            Some(serde_json::json!({ "path": names.join("/"), "bytes": bytes }))
        })
        .collect();
    let segments: Vec<serde_json::Value> = segments
        .iter()
        .map(|s| {
            serde_json::json!({
                "number": s.number, "from": s.from, "to": s.to, "bytes": s.lines.len()
            })
        })
        .collect();
    serde_json::json!({ "parts": parts, "segments": segments }).to_string()
}

/// `have=N:OFFSET,M:OFFSET` → segment number → offset.
fn offsets(query: &HashMap<String, String>) -> Result<BTreeMap<u64, u64>, String> {
    let Some(have) = query.get("have").filter(|h| !h.is_empty()) else {
        return Ok(BTreeMap::new());
    };
    have.split(',')
        .map(|pair| {
            let (n, at) = pair.split_once(':').unwrap_or((pair, ""));
            match (n.parse(), at.parse()) {
                (Ok(n), Ok(at)) => Ok((n, at)),
                _ => Err(format!(
                    "have: `{pair}`: expected SEGMENT:OFFSET pairs separated by commas"
                )),
            }
        })
        .collect()
}

async fn index(
    State(state): State<Arc<LiveRoutes>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refuse_unauthorized(state.token.as_deref(), &headers) {
        return refused;
    }
    let have = match offsets(&query) {
        Ok(have) => have,
        Err(why) => return refusal(StatusCode::BAD_REQUEST, &why),
    };
    let work = move || {
        let now = snapshot(&state.dir, &have)?;
        let mut body = index_line(&state.dir, &now.parts, &now.segments).into_bytes();
        body.push(b'\n');
        for segment in &now.segments {
            body.extend_from_slice(&segment.lines);
        }
        Ok::<_, String>(body)
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(body)) => ndjson(body),
        Ok(Err(why)) => refusal(StatusCode::INTERNAL_SERVER_ERROR, &why),
        Err(_) => refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "reading the collector folder failed",
        ),
    }
}

/// One part's bytes, served only when the path names a part the folder lists now.
async fn part(
    State(state): State<Arc<LiveRoutes>>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refuse_unauthorized(state.token.as_deref(), &headers) {
        return refused;
    }
    let relative = Path::new(&path);
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return refusal(
            StatusCode::BAD_REQUEST,
            "a part path is relative, without `..`",
        );
    }
    let wanted = state.dir.join(relative);
    let work = move || -> Result<Option<Vec<u8>>, String> {
        let listed = rolled_files(&state.dir).map_err(|e| e.to_string())?;
        if !listed.contains(&wanted) {
            return Ok(None);
        }
        std::fs::read(&wanted)
            .map(Some)
            .map_err(|e| format!("{}: {e}", wanted.display()))
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(Some(bytes))) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.apache.parquet"),
            )],
            bytes,
        )
            .into_response(),
        Ok(Ok(None)) => refusal(
            StatusCode::NOT_FOUND,
            &format!("{path}: no such part; GET /v1/live lists them"),
        ),
        Ok(Err(why)) => refusal(StatusCode::INTERNAL_SERVER_ERROR, &why),
        Err(_) => refusal(StatusCode::INTERNAL_SERVER_ERROR, "reading the part failed"),
    }
}

fn ndjson(body: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-ndjson"),
        )],
        body,
    )
        .into_response()
}
