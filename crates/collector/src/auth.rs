//! What every route shares: the bearer-token check (constant time) and the JSON body of a
//! refusal.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A JSON error body: `{"error": "...", "stored": false}`.
pub(crate) fn refusal(code: StatusCode, why: &str) -> Response {
    (
        code,
        Json(serde_json::json!({ "error": why, "stored": false })),
    )
        .into_response()
}

/// Compares two secrets in time that does not depend on where they first differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

/// `None` when the request may pass (no token set, or the right one sent); else the 401.
pub(crate) fn refuse_unauthorized(token: Option<&str>, headers: &HeaderMap) -> Option<Response> {
    let expected = token?;
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if same_secret(sent.as_bytes(), expected.as_bytes()) {
        return None;
    }
    let mut response = refusal(
        StatusCode::UNAUTHORIZED,
        "this collector needs `Authorization: Bearer <token>` with its token",
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_match_only_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"a"));
    }
}
