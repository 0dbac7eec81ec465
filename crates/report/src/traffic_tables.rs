//! Tables of the live-vs-VOD results (per capture, importance, chunk features, verdicts),
//! shared by the CLI's CSV files and the window's Traffic tab. Formatting only.

use crate::tables::{Cell, TableSpec, columns, num, text};
use streamlens_traffic::chunk::ChunkFeatures;
use streamlens_traffic::classify::FileClassification;
use streamlens_traffic::dataset::CaptureFeatures;
use streamlens_traffic::evaluate::Evaluation;
use streamlens_traffic::features::FEATURE_NAMES;
use streamlens_traffic::metrics::Metrics;
use streamlens_traffic::model::Classifier;
use streamlens_traffic::workbench::TrafficResults;

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
                row.extend(feature_cells(chunk));
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

fn feature_cells(chunk: &ChunkFeatures) -> impl Iterator<Item = Cell> {
    chunk.features.values().into_iter().map(|v| num(v, 4))
}

/// One capture's chunks: verdict and probability (when judged), then every feature.
#[must_use]
pub fn capture_chunks(
    name: &str,
    chunks: &[ChunkFeatures],
    judged: Option<&FileClassification>,
) -> TableSpec {
    let mut names = vec!["start", "verdict", "p_live"];
    names.extend(FEATURE_NAMES);
    let rows = chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let verdict = judged.and_then(|j| j.chunks.get(i));
            let mut row = vec![
                Cell::Time(chunk.start_ms),
                verdict.map_or(Cell::Empty, |v| text(v.label.as_str())),
                verdict.map_or(Cell::Empty, |v| num(v.probability, 3)),
            ];
            row.extend(feature_cells(chunk));
            row
        })
        .collect();
    TableSpec {
        id: format!("chunks_{}", name.strip_suffix(".csv").unwrap_or(name)),
        title: format!("{name}: chunks and their features"),
        columns: columns(&names),
        rows,
    }
}

/// One row per capture of the Traffic tab, judged by `classifier`.
#[must_use]
pub fn capture_verdicts(results: &TrafficResults, classifier: Classifier) -> TableSpec {
    let rows = results
        .captures
        .iter()
        .zip(&results.verdicts)
        .map(|(c, v)| {
            let judged = v.as_ref().and_then(|v| v.get(classifier));
            let verdict = judged.and_then(|j| j.verdict);
            let correct = match (c.label, verdict) {
                (Some(label), Some(v)) => text(if v.label == label { "yes" } else { "no" }),
                _ => Cell::Empty,
            };
            vec![
                text(&c.name),
                text(c.label.map_or("unknown", |l| l.as_str())),
                num(c.series.second.len() as f64, 0),
                num(c.chunks.len() as f64, 0),
                verdict.map_or(Cell::Empty, |v| num(v.live_chunks as f64, 0)),
                verdict.map_or(Cell::Empty, |v| num(v.mean_probability, 3)),
                verdict.map_or(Cell::Empty, |v| text(v.label.as_str())),
                verdict.map_or(Cell::Empty, |v| text(v.majority.as_str())),
                correct,
                v.as_ref().map_or(Cell::Empty, |v| text(v.basis.describe())),
            ]
        })
        .collect();
    TableSpec {
        id: format!("capture_verdicts_{}", classifier.as_str()),
        title: format!("Captures judged by {}", classifier.as_str()),
        columns: columns(&[
            "file",
            "label_from_name",
            "seconds",
            "chunks",
            "live_chunks",
            "mean_p_live",
            "verdict",
            "majority",
            "correct",
            "verdict_from",
        ]),
        rows,
    }
}

/// Accuracy, precision, recall and F1 of every classifier, per chunk and per capture.
#[must_use]
pub fn evaluation_metrics(e: &Evaluation) -> TableSpec {
    let row = |classifier: &str, level: &str, m: &Metrics| {
        vec![
            text(classifier),
            text(level),
            num(m.confusion.total() as f64, 0),
            num(m.accuracy, 3),
            num(m.precision, 3),
            num(m.recall, 3),
            num(m.f1, 3),
        ]
    };
    let rows = e
        .classifiers
        .iter()
        .flat_map(|r| {
            let name = r.classifier.as_str();
            [
                row(name, "chunk", &r.chunk_metrics),
                row(name, "capture (mean probability)", &r.capture_metrics),
                row(name, "capture (majority)", &r.capture_majority_metrics),
            ]
        })
        .collect();
    TableSpec {
        id: "evaluation_metrics".into(),
        title: format!("{} metrics (live = positive)", e.protocol),
        columns: columns(&[
            "classifier",
            "level",
            "n",
            "accuracy",
            "precision",
            "recall",
            "f1",
        ]),
        rows,
    }
}
