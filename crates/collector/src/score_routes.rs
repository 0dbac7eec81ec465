//! `POST /v1/score`, `POST /v1/score_batch` and `GET /v1/model`: the scoring service's
//! HTTP face. Each scoring answer carries `Server-Timing: score;dur=<ms>`, the time from
//! the body in hand to the answer built (reading JSON, scoring, learning).

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::server::{Collector, refusal};
use crate::windows::{read_window, read_windows};

/// The 404 of a collector started without a model: how to start one.
fn no_model() -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        "this collector scores nothing: start it with --model FILE (a saved feature-table model)",
    )
}

/// Reads and scores `body` off the async workers; `batch` says which shape it has.
async fn answer(
    collector: Arc<Collector>,
    headers: HeaderMap,
    body: Bytes,
    batch: bool,
) -> Response {
    if let Some(refused) = collector.refuse_unauthorized(&headers) {
        return refused;
    }
    let Some(scorer) = collector.scorer() else {
        return no_model();
    };
    let work = move || {
        let started = Instant::now();
        let read = if batch {
            read_windows(&body, scorer.features())
        } else {
            read_window(&body, scorer.features()).map(|row| (row, 1))
        };
        let (rows, n) = match read {
            Ok(read) => read,
            Err(why) => return refusal(StatusCode::BAD_REQUEST, &why),
        };
        let result = scorer.score(&rows, n);
        let body = if batch {
            serde_json::to_value(&result).unwrap_or_default()
        } else {
            let mut one = serde_json::json!({
                "score": result.scores[0],
                "threshold": result.threshold,
                "flag": result.flags[0],
            });
            if let Some(learned) = result.learned {
                one["learned"] = (learned > 0).into();
            }
            one
        };
        let mut response = (StatusCode::OK, Json(body)).into_response();
        let ms = started.elapsed().as_secs_f64() * 1e3;
        if let Ok(timing) = HeaderValue::from_str(&format!("score;dur={ms:.3}")) {
            response.headers_mut().insert("server-timing", timing);
        }
        response
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(response) => response,
        Err(e) => refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("scoring failed: {e}"),
        ),
    }
}

pub(crate) async fn score_one(
    State(collector): State<Arc<Collector>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(collector, headers, body, false).await
}

pub(crate) async fn score_batch(
    State(collector): State<Arc<Collector>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(collector, headers, body, true).await
}

pub(crate) async fn model(State(collector): State<Arc<Collector>>, headers: HeaderMap) -> Response {
    if let Some(refused) = collector.refuse_unauthorized(&headers) {
        return refused;
    }
    match collector.scorer() {
        Some(scorer) => Json(scorer.describe()).into_response(),
        None => no_model(),
    }
}
