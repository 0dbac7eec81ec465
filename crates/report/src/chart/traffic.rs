//! Charts of the Traffic tab (live vs VOD): a capture's throughput with its spikes and idle
//! gaps, its chunk probabilities, the evaluation's confusion matrices and feature importances.
//! Drawing data only: the numbers come from `streamlens_traffic`.

use super::{BarSeries, ChartKind, ChartSpec, ColorScale, Mark, Series};
use streamlens_traffic::classify::FileClassification;
use streamlens_traffic::evaluate::ClassifierReport;
use streamlens_traffic::metrics::Metrics;
use streamlens_traffic::workbench::CaptureView;

const DOWNLOAD: usize = 0;
const UPLOAD: usize = 2;
const SPIKE: usize = 5;
const GAP: usize = 8;
/// Importance bars shown (the table lists every feature).
const TOP_FEATURES: usize = 8;

/// Download and upload kB/s per second, download spikes as points, idle gaps between the
/// peaks of a window shaded.
#[must_use]
pub fn throughput(view: &CaptureView) -> ChartSpec {
    let second = &view.series.second;
    let top = second.down_bytes.iter().copied().fold(0.0, f64::max) / 1000.0;
    let mut gap_x = Vec::new();
    let (mut low, mut high) = (Vec::new(), Vec::new());
    for (i, &[from, to]) in view.marks.gaps.iter().enumerate() {
        if i > 0 {
            // A NaN breaks the band between two gaps.
            gap_x.push(f64::NAN);
            low.push(f64::NAN);
            high.push(f64::NAN);
        }
        gap_x.extend([from as f64, to as f64]);
        low.extend([0.0, 0.0]);
        high.extend([top, top]);
    }
    let spikes = view
        .marks
        .spike_seconds
        .iter()
        .filter_map(|&s| {
            second
                .down_bytes
                .get(s)
                .map(|&b| [s as f64 + 0.5, b / 1000.0])
        })
        .collect();
    let mut series = vec![Series {
        name: "idle gap between spikes".into(),
        color: GAP,
        mark: Mark::Band {
            x: gap_x,
            low,
            high,
        },
    }];
    series.extend(down_up_lines(&second.down_bytes, &second.up_bytes));
    series.push(Series {
        name: "download spike".into(),
        color: SPIKE,
        mark: Mark::Points(spikes),
    });
    ChartSpec {
        id: format!("throughput_{}", stem(&view.name)),
        title: format!(
            "{}: throughput per second (spike = a second above its window's mean)",
            view.name
        ),
        x_label: "seconds since capture start".into(),
        y_label: "kB/s".into(),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}

/// One connection's download and upload kB/s per second.
#[must_use]
pub fn connection_throughput(view: &CaptureView, connection: usize) -> Option<ChartSpec> {
    let c = view.series.per_connection.get(connection)?;
    Some(ChartSpec {
        id: format!("throughput_{}_connection_{connection}", stem(&view.name)),
        title: format!("{}: {} per second", view.name, c.connection.key),
        x_label: "seconds since capture start".into(),
        y_label: "kB/s".into(),
        kind: ChartKind::Xy {
            series: down_up_lines(&c.down_bytes, &c.up_bytes).into(),
            y_range: None,
        },
    })
}

/// Probability of live per chunk (a step per window) with the 0.5 decision line.
#[must_use]
pub fn chunk_probabilities(
    view: &CaptureView,
    classification: &FileClassification,
    window_secs: u32,
) -> ChartSpec {
    let start = view.series.second.start_ms;
    let secs = |ms: i64| (ms - start) as f64 / 1000.0;
    let mut points: Vec<[f64; 2]> = classification
        .chunks
        .iter()
        .map(|c| [secs(c.start_ms), c.probability])
        .collect();
    // Close the last step at its window's end.
    if let Some(last) = classification.chunks.last() {
        points.push([
            secs(last.start_ms) + f64::from(window_secs),
            last.probability,
        ]);
    }
    let end = points.last().map_or(1.0, |p| p[0]);
    let first = points.first().map_or(0.0, |p| p[0]);
    ChartSpec {
        id: format!("chunk_probability_{}", stem(&view.name)),
        title: format!(
            "{}: probability of live per {window_secs} s chunk ({})",
            view.name,
            classification.classifier.as_str()
        ),
        x_label: "seconds since capture start".into(),
        y_label: "P(live)".into(),
        kind: ChartKind::Xy {
            series: vec![
                Series {
                    name: "P(live)".into(),
                    color: DOWNLOAD,
                    mark: Mark::Steps(points),
                },
                Series {
                    name: "decision line 0.5".into(),
                    color: 7,
                    mark: Mark::Line(vec![[first, 0.5], [end, 0.5]]),
                },
            ],
            y_range: Some([0.0, 1.0]),
        },
    }
}

/// A 2×2 confusion matrix: rows are the truth, columns the prediction.
#[must_use]
pub fn confusion(id: &str, title: &str, m: &Metrics) -> ChartSpec {
    let c = m.confusion;
    let values = vec![
        vec![c.true_live as f64, c.false_vod as f64],
        vec![c.false_live as f64, c.true_vod as f64],
    ];
    let max = values.iter().flatten().copied().fold(0.0, f64::max);
    ChartSpec {
        id: id.into(),
        title: format!(
            "{title}: accuracy {:.3}, precision {:.3}, recall {:.3}, F1 {:.3}",
            m.accuracy, m.precision, m.recall, m.f1
        ),
        x_label: "predicted".into(),
        y_label: "truth".into(),
        kind: ChartKind::Heatmap {
            x_labels: vec!["live".into(), "vod".into()],
            y_labels: vec!["live".into(), "vod".into()],
            values,
            scale: ColorScale::Sequential { max },
            show_values: true,
        },
    }
}

/// The largest permutation importances of one classifier.
#[must_use]
pub fn importance(report: &ClassifierReport) -> ChartSpec {
    let top: Vec<_> = report.importance.iter().take(TOP_FEATURES).collect();
    ChartSpec {
        id: format!("importance_{}", report.classifier.as_str()),
        title: format!(
            "Permutation importance ({}, top {})",
            report.classifier.as_str(),
            top.len()
        ),
        x_label: "feature".into(),
        y_label: "accuracy drop when shuffled".into(),
        kind: ChartKind::Bars {
            categories: top.iter().map(|i| i.feature.to_string()).collect(),
            series: vec![BarSeries {
                name: "mean accuracy drop".into(),
                color: DOWNLOAD,
                values: top.iter().map(|i| i.accuracy_drop_mean).collect(),
            }],
            stacked: false,
        },
    }
}

/// Download and upload bytes per second as two lines.
fn down_up_lines(down: &[f64], up: &[f64]) -> [Series; 2] {
    [
        Series {
            name: "download".into(),
            color: DOWNLOAD,
            mark: Mark::Line(kb_per_s(down)),
        },
        Series {
            name: "upload".into(),
            color: UPLOAD,
            mark: Mark::Line(kb_per_s(up)),
        },
    ]
}

/// Bytes per second as kB/s; bin i covers [i, i + 1) s and is drawn at its centre.
fn kb_per_s(bytes: &[f64]) -> Vec<[f64; 2]> {
    bytes
        .iter()
        .enumerate()
        .map(|(i, &b)| [i as f64 + 0.5, b / 1000.0])
        .collect()
}

/// A file name as an export id: letters, digits, `-` and `_` only.
fn stem(name: &str) -> String {
    let base = name.strip_suffix(".csv").unwrap_or(name);
    base.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use streamlens_traffic::chunk::WindowParams;
    use streamlens_traffic::model::{Classifier, ModelParams};
    use streamlens_traffic::workbench::{CaptureSource, TrafficRequest, run_workbench};

    #[test]
    fn traffic_charts_carry_the_results() {
        let r = run_workbench(&TrafficRequest {
            sources: CaptureSource::demo(3, 4, 120),
            window: WindowParams::default(),
            params: ModelParams::default(),
            model: None,
        });
        let view = &r.captures[1];
        let spec = throughput(view);
        let ChartKind::Xy { series, .. } = &spec.kind else {
            panic!("throughput is an x–y chart");
        };
        let Mark::Points(spikes) = &series[3].mark else {
            panic!("spikes are points");
        };
        assert_eq!(spikes.len(), view.marks.spike_seconds.len());
        let Mark::Band { x, .. } = &series[0].mark else {
            panic!("gaps are a band");
        };
        // Two edges per gap plus a NaN between gaps.
        let gaps = view.marks.gaps.len();
        assert_eq!(x.len(), if gaps == 0 { 0 } else { 3 * gaps - 1 });
        assert!(spec.id.starts_with("throughput_synth"));
        let busiest = view.busiest_connections[0];
        let one = connection_throughput(view, busiest).unwrap();
        let ChartKind::Xy { series: lines, .. } = &one.kind else {
            panic!("x–y");
        };
        let Mark::Line(down) = &lines[0].mark else {
            panic!("line");
        };
        let summed: f64 = down.iter().map(|p| p[1]).sum();
        let c = &view.series.per_connection[busiest].connection;
        assert!((summed - c.down_bytes as f64 / 1000.0).abs() < 1e-6);
        assert!(connection_throughput(view, usize::MAX).is_none());
        let png = crate::chart::render::to_png(&spec, 1600, 1000).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        if let Ok(dir) = std::env::var("STREAMLENS_LOOK") {
            std::fs::write(format!("{dir}/throughput.png"), &png).unwrap();
        }

        let forest = r.verdicts[1]
            .as_ref()
            .unwrap()
            .get(Classifier::RandomForest)
            .unwrap();
        let spec = chunk_probabilities(view, forest, 60);
        let ChartKind::Xy { series, .. } = &spec.kind else {
            panic!("x–y");
        };
        let Mark::Steps(steps) = &series[0].mark else {
            panic!("steps");
        };
        assert_eq!(steps.len(), forest.chunks.len() + 1);
        assert!((steps.last().unwrap()[0] - 120.0).abs() < 1e-9);

        let report = &r.evaluation.as_ref().unwrap().classifiers[0];
        let spec = confusion("c", "Chunks", &report.chunk_metrics);
        let ChartKind::Heatmap { values, .. } = &spec.kind else {
            panic!("heatmap");
        };
        let total: f64 = values.iter().flatten().sum();
        assert_eq!(total as usize, report.chunk_metrics.confusion.total());
        let spec = importance(report);
        let ChartKind::Bars { categories, .. } = &spec.kind else {
            panic!("bars");
        };
        assert_eq!(categories[0], report.importance[0].feature);
    }
}
