//! Tables of the live-vs-VOD results (per capture, importance, chunk features), shared by the
//! CLI's CSV files and, later, the window's Traffic tab. Formatting only.

use crate::engine::traffic::classify::FileClassification;
use crate::engine::traffic::dataset::CaptureFeatures;
use crate::engine::traffic::evaluate::Evaluation;
use crate::engine::traffic::features::FEATURE_NAMES;
use crate::tables::{Cell, TableSpec};

fn text(t: impl Into<String>) -> Cell {
    Cell::Text(t.into())
}

fn num(value: f64, decimals: usize) -> Cell {
    Cell::Number { value, decimals }
}

fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|c| (*c).to_string()).collect()
}

/// One row per (classifier, held-out capture).
#[must_use]
pub fn evaluation_captures(e: &Evaluation) -> TableSpec {
    let mut rows = Vec::new();
    for r in &e.classifiers {
        for c in &r.captures {
            rows.push(vec![
                text(r.classifier.as_str()),
                text(&c.file),
                text(c.label.as_str()),
                num(c.verdict.chunks as f64, 0),
                num(c.verdict.live_chunks as f64, 0),
                text(c.verdict.majority.as_str()),
                num(c.verdict.mean_probability, 3),
                text(c.verdict.label.as_str()),
                text(if c.correct { "yes" } else { "no" }),
            ]);
        }
    }
    TableSpec {
        id: "captures".into(),
        title: "Leave-one-capture-out verdicts".into(),
        columns: columns(&[
            "classifier",
            "file",
            "label",
            "chunks",
            "live_chunks",
            "majority",
            "mean_probability",
            "verdict",
            "correct",
        ]),
        rows,
    }
}

/// Permutation importance per classifier and feature.
#[must_use]
pub fn evaluation_importance(e: &Evaluation) -> TableSpec {
    let rows = e
        .classifiers
        .iter()
        .flat_map(|r| {
            r.importance.iter().map(|i| {
                vec![
                    text(r.classifier.as_str()),
                    text(i.feature),
                    num(i.accuracy_drop_mean, 4),
                    num(i.accuracy_drop_std, 4),
                ]
            })
        })
        .collect();
    TableSpec {
        id: "importance".into(),
        title: "Permutation importance (out-of-fold accuracy drop)".into(),
        columns: columns(&[
            "classifier",
            "feature",
            "accuracy_drop_mean",
            "accuracy_drop_std",
        ]),
        rows,
    }
}

/// Every chunk's features.
#[must_use]
pub fn chunk_features(captures: &[CaptureFeatures]) -> TableSpec {
    let mut names = vec!["file", "label", "start_ms"];
    names.extend(FEATURE_NAMES);
    let rows = captures
        .iter()
        .flat_map(|c| {
            c.chunks.iter().map(|chunk| {
                let mut row = vec![
                    text(&c.name),
                    text(c.label.map_or("", |l| l.as_str())),
                    Cell::Time(chunk.start_ms),
                ];
                row.extend(chunk.features.values().iter().map(|&v| num(v, 4)));
                row
            })
        })
        .collect();
    TableSpec {
        id: "features".into(),
        title: "Chunk features".into(),
        columns: columns(&names),
        rows,
    }
}

/// One row per classified chunk.
#[must_use]
pub fn classification_chunks(files: &[FileClassification]) -> TableSpec {
    let rows = files
        .iter()
        .flat_map(|f| {
            f.chunks.iter().map(|c| {
                vec![
                    text(&f.file),
                    Cell::Time(c.start_ms),
                    text(c.label.as_str()),
                    num(c.probability, 3),
                ]
            })
        })
        .collect();
    TableSpec {
        id: "chunks".into(),
        title: "Chunk verdicts".into(),
        columns: columns(&["file", "start", "label", "probability"]),
        rows,
    }
}
