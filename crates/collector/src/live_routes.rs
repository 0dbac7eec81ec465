//! `GET /v1/live` and `GET /v1/live/parts/…`: a running collector read from elsewhere, the
//! way [`crate::live::CollectedReader`] reads its folder. `/v1/live` answers JSON Lines:
//! first an index line `{"parts": [{"path": "date=…/hour=…/part-N.parquet", "bytes": …}]}`,
//! then the events of the batches not yet rolled. A reader fetches each part it has not
//! seen once (parts never change) and the unrolled events every time.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::auth::{refusal, refuse_unauthorized};
use crate::live::snapshot;
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

/// The index line of `/v1/live`: every part as a path relative to the folder (with `/`).
#[must_use]
pub fn index_line(root: &Path, parts: &[PathBuf]) -> String {
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
    serde_json::json!({ "parts": parts }).to_string()
}

async fn index(State(state): State<Arc<LiveRoutes>>, headers: HeaderMap) -> Response {
    if let Some(refused) = refuse_unauthorized(state.token.as_deref(), &headers) {
        return refused;
    }
    let work = move || {
        let now = snapshot(&state.dir)?;
        let mut body = index_line(&state.dir, &now.parts).into_bytes();
        body.push(b'\n');
        body.extend_from_slice(&now.unrolled);
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
