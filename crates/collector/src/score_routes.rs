//! `POST /v1/score`, `POST /v1/score_batch` and `GET /v1/model`: the scoring service's
//! HTTP face. Each scoring answer carries `Server-Timing: score;dur=<ms>`, the time from
//! the body in hand to the answer built (reading JSON, scoring, learning).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::auth::{refusal, refuse_unauthorized};
use crate::scoring::Scorer;
use crate::windows::{read_window, read_windows};

/// What the scoring routes need of the collector.
pub(crate) struct ScoreState {
    pub scorer: Option<Arc<Scorer>>,
    pub token: Option<String>,
}

/// The three routes, with their state.
pub(crate) fn router(state: ScoreState) -> Router {
    Router::new()
        .route("/v1/score", post(score_one))
        .route("/v1/score_batch", post(score_batch))
        .route("/v1/model", get(model))
        .with_state(Arc::new(state))
}

/// The 404 of a collector started without a model: how to start one.
fn no_model() -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        "this collector scores nothing: start it with --model FILE (a saved feature-table model)",
    )
}

/// Reads and scores `body` off the async workers; `batch` says which shape it has.
async fn answer(state: Arc<ScoreState>, headers: HeaderMap, body: Bytes, batch: bool) -> Response {
    if let Some(refused) = refuse_unauthorized(state.token.as_deref(), &headers) {
        return refused;
    }
    let Some(scorer) = state.scorer.clone() else {
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

async fn score_one(
    State(state): State<Arc<ScoreState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(state, headers, body, false).await
}

async fn score_batch(
    State(state): State<Arc<ScoreState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(state, headers, body, true).await
}

async fn model(State(state): State<Arc<ScoreState>>, headers: HeaderMap) -> Response {
    if let Some(refused) = refuse_unauthorized(state.token.as_deref(), &headers) {
        return refused;
    }
    match &state.scorer {
        Some(scorer) => Json(scorer.describe()).into_response(),
        None => no_model(),
    }
}
