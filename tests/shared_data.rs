//! The traffic classifier on the real live-vs-VOD captures in `../shared/data/live-vs-vod-vpn/`
//! (not part of the repository). Every test skips with a note when the folder is missing.

use std::path::PathBuf;
use std::process::Command;

use streamlens::engine::traffic::{
    CaptureSeries, TrafficLabel, WindowParams, extract, list_captures, read_capture,
};

fn data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/live-vs-vod-vpn");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} is missing; skipping the real-capture tests",
            dir.display()
        );
        None
    }
}

/// Each capture parses, its label comes from its name, and the series hold exactly the bytes
/// of the per-row `2->1Bytes` / `1->2Bytes` columns.
#[test]
fn real_captures_parse_and_series_keep_every_byte() {
    let Some(dir) = data_dir() else { return };
    let paths = list_captures(&dir).unwrap();
    assert_eq!(paths.len(), 7);
    let mut live = 0;
    for path in &paths {
        let capture = read_capture(path).unwrap();
        let label = capture.label.expect("labelled by name");
        live += usize::from(label == TrafficLabel::Live);
        let series = CaptureSeries::new(&capture);
        let down: u64 = capture.connections.iter().map(|c| c.down_bytes).sum();
        let up: u64 = capture.connections.iter().map(|c| c.up_bytes).sum();
        // Integer byte sums below 2^53 are exact in f64.
        assert_eq!(series.second.down_bytes.iter().sum::<f64>() as u64, down);
        assert_eq!(series.fine.up_bytes.iter().sum::<f64>() as u64, up);
        let (_, chunks) = extract(&capture, &WindowParams::default()).unwrap();
        assert!(
            (4..=5).contains(&chunks.len()),
            "{}: {}",
            capture.name,
            chunks.len()
        );
    }
    assert_eq!(live, 4);
}

/// The CLI evaluates the real captures leave-one-capture-out and writes its files.
#[test]
fn evaluate_cli_on_real_captures() {
    let Some(dir) = data_dir() else { return };
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_streamlens"))
        .args(["traffic", "evaluate"])
        .arg(&dir)
        .arg("--out")
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("metrics.json")).unwrap()).unwrap();
    assert_eq!(json["captures"], 7);
    assert_eq!(json["protocol"], "leave-one-capture-out");
    for r in json["classifiers"].as_array().unwrap() {
        let c = &r["chunk_metrics"]["confusion"];
        let total: u64 = ["true_live", "false_live", "true_vod", "false_vod"]
            .iter()
            .map(|k| c[k].as_u64().unwrap())
            .sum();
        assert_eq!(total, json["chunks"].as_u64().unwrap());
        assert_eq!(r["captures"].as_array().unwrap().len(), 7);
    }
    let captures = std::fs::read_to_string(out.path().join("captures.csv")).unwrap();
    assert_eq!(captures.lines().count(), 1 + 2 * 7);
}
