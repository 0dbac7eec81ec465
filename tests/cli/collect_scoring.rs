//! `collect --model`: windows scored over HTTP by a model `detect --save-models` wrote,
//! flagged above the threshold, learned with `--learn` and resumed after a restart.

use std::path::{Path, PathBuf};

use super::collect::{request, start};
use super::detect::detect_table;
use super::run_ok;

/// A FISVDD model fitted on the normal windows of `detect_table` (a, b near 0; the bad
/// ones sit near (6, −6)).
fn fisvdd_model(dir: &Path) -> PathBuf {
    let table = detect_table(dir);
    let out = dir.join("fit");
    run_ok(&[
        "detect",
        table.to_str().unwrap(),
        "--features",
        "a,b",
        "--label",
        "QoE_win<0",
        "--model",
        "fisvdd",
        "--save-models",
        "--out",
        out.to_str().unwrap(),
    ]);
    out.join("model_fisvdd.json")
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[test]
fn windows_are_scored_flagged_and_refused_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let model = fisvdd_model(dir.path());
    let model = model.to_str().unwrap();
    // A bare pipeline has no threshold: the start says so.
    let out = super::run(&[
        "collect",
        "--dir",
        dir.path().join("refused").to_str().unwrap(),
        "--model",
        model,
    ]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && text.contains("--threshold"),
        "{text}"
    );

    let collector = start(
        &dir.path().join("c"),
        &["--model", model, "--threshold", "1.5"],
    );
    let addr = collector.addr;
    let one = |body: &str| request(addr, "POST", "/v1/score", "", body.as_bytes()).unwrap();
    let (code, body) = one(r#"{"a": 0.1, "b": -0.2, "window": "w1"}"#);
    assert_eq!(code, 200, "{body}");
    let normal = json(&body);
    assert_eq!(
        (normal["flag"].as_bool(), normal["threshold"].as_f64()),
        (Some(false), Some(1.5))
    );
    let (_, body) = one(r#"{"a": 6.0, "b": -6.0}"#);
    let far = json(&body);
    assert_eq!(far["flag"], true, "{far}");
    assert!(far["score"].as_f64() > normal["score"].as_f64());

    // A batch scores each window as a single request would.
    let batch = r#"[{"a": 0.1, "b": -0.2}, {"b": -6.0, "a": 6.0}, {"a": 0.3, "b": 0.2}]"#;
    let (code, body) = request(addr, "POST", "/v1/score_batch", "", batch.as_bytes()).unwrap();
    assert_eq!(code, 200, "{body}");
    let scored = json(&body);
    assert_eq!(scored["flags"], serde_json::json!([false, true, false]));
    assert_eq!(scored["flagged"], 1);
    let batch_scores = scored["scores"].as_array().unwrap();
    assert!((batch_scores[0].as_f64().unwrap() - normal["score"].as_f64().unwrap()).abs() < 1e-12);
    assert!((batch_scores[1].as_f64().unwrap() - far["score"].as_f64().unwrap()).abs() < 1e-12);

    let (code, body) = one(r#"{"a": 1}"#);
    assert_eq!(code, 400);
    assert!(body.contains("lacks feature `b`"), "{body}");
    let (code, body) = request(
        addr,
        "POST",
        "/v1/score_batch",
        "",
        br#"[{"a": 1, "b": "x"}]"#,
    )
    .unwrap();
    assert_eq!(code, 400);
    assert!(body.contains("window 0, feature `b`"), "{body}");

    let (code, body) = request(addr, "GET", "/v1/model", "", b"").unwrap();
    assert_eq!(code, 200);
    let state = json(&body);
    assert_eq!(state["kind"], "fisvdd");
    assert_eq!(state["features"], serde_json::json!(["a", "b"]));
    assert_eq!(state["scored"], 5);
    assert_eq!(state["flagged"], 2);
    assert_eq!(state["learning"], false);
}

#[test]
fn learning_grows_the_model_from_normal_windows_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let model = fisvdd_model(dir.path());
    let model = model.to_str().unwrap();
    let root = dir.path().join("c");
    let args = ["--model", model, "--threshold", "1.5", "--learn"];
    let collector = start(&root, &args);
    let addr = collector.addr;
    let model_state = |addr| json(&request(addr, "GET", "/v1/model", "", b"").unwrap().1);
    let before = model_state(addr)["support_vector_count"].as_u64().unwrap();
    // Normal windows spread over the normal cloud's edge, and one far window.
    let mut windows: Vec<String> = (0..40)
        .map(|i| {
            let t = f64::from(i) * 0.61;
            format!(r#"{{"a": {}, "b": {}}}"#, 0.55 * t.cos(), 0.55 * t.sin())
        })
        .collect();
    windows.push(r#"{"a": 6.0, "b": -6.0}"#.into());
    let batch = format!("[{}]", windows.join(","));
    let (code, body) = request(addr, "POST", "/v1/score_batch", "", batch.as_bytes()).unwrap();
    assert_eq!(code, 200, "{body}");
    let scored = json(&body);
    assert_eq!(scored["flags"][40], true);
    let state = model_state(addr);
    let updates = &state["updates"];
    let learned: u64 = [
        "first",
        "inside",
        "expanded",
        "outlier",
        "duplicate",
        "rejected",
    ]
    .iter()
    .map(|k| updates[*k].as_u64().unwrap())
    .sum();
    let flagged = scored["flagged"].as_u64().unwrap();
    assert_eq!(
        learned,
        41 - flagged,
        "every normal window went through the update: {state}"
    );
    let after = state["support_vector_count"].as_u64().unwrap();
    assert!(updates["expanded"].as_u64().unwrap() > 0, "{state}");
    assert_ne!(before, after, "{state}");

    // The saver writes within five seconds; then a restart resumes the learned model.
    let saved = root.join("model").join("learned.json");
    let start_wait = std::time::Instant::now();
    while !saved.is_file() && start_wait.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(saved.is_file());
    drop(collector);
    let again = start(&root, &args);
    let resumed = model_state(again.addr);
    assert_eq!(
        resumed["support_vector_count"], state["support_vector_count"],
        "{resumed}"
    );
    assert!(
        resumed["file"].as_str().unwrap().ends_with("learned.json"),
        "{resumed}"
    );
}

#[test]
fn without_a_model_the_scoring_routes_say_how_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    let collector = start(dir.path(), &[]);
    let (code, body) = request(collector.addr, "POST", "/v1/score", "", br#"{"a": 1}"#).unwrap();
    assert_eq!(code, 404);
    assert!(body.contains("--model"), "{body}");
}
