//! Charts of the Anomalies tab: event-score histogram with the threshold, ROC and
//! precision–recall curves with the operating point, and one event's timeline with its
//! anomalous span shaded.

use super::{ChartKind, ChartSpec, Mark, Series};
use streamlens_detect::eval::score_display::ScoreDisplay;
use streamlens_events::EventVerdict;
use streamlens_events::view::ReportView;
use streamlens_events::windows::MINUTE_MS;

const BLUE: usize = 0;
const ORANGE: usize = 1;
const VERMILLION: usize = 5;
const DARK_GREY: usize = 7;
const LIGHT_GREY: usize = 8;

fn xy(
    id: &str,
    title: String,
    x: &str,
    y: &str,
    series: Vec<Series>,
    y_range: Option<[f64; 2]>,
) -> ChartSpec {
    ChartSpec {
        id: id.into(),
        title,
        x_label: x.into(),
        y_label: y.into(),
        kind: ChartKind::Xy { series, y_range },
    }
}

/// What the score charts are drawn from: the scores' display data, what one score is
/// (`event`, `window`) and, with labels, the ranking metrics for the titles.
pub struct ScoreCharts<'a> {
    pub display: &'a ScoreDisplay,
    pub noun: &'a str,
    pub roc_auc: Option<f64>,
    pub average_precision: Option<f64>,
}

impl<'a> ScoreCharts<'a> {
    /// The charts of an event report.
    #[must_use]
    pub fn of_events(view: &'a ReportView) -> Self {
        Self {
            display: &view.display,
            noun: "event",
            roc_auc: view.metrics.as_ref().and_then(|m| m.roc_auc),
            average_precision: view.metrics.as_ref().and_then(|m| m.average_precision),
        }
    }
}

/// Scores as bars (normal / labelled anomalous) and the threshold as a vertical line.
#[must_use]
pub fn score_histogram(charts: &ScoreCharts<'_>, threshold: f64) -> ChartSpec {
    let h = &charts.display.histogram;
    let noun = charts.noun;
    let labelled = charts.display.sweep.has_labels();
    let mut series = vec![Series {
        name: if labelled {
            format!("normal {noun}s")
        } else {
            format!("{noun}s")
        },
        color: BLUE,
        mark: Mark::Bars {
            x: h.centres.clone(),
            heights: h.normal.clone(),
            width: h.width,
        },
    }];
    if labelled {
        series.push(Series {
            name: "labelled anomalous".into(),
            color: VERMILLION,
            mark: Mark::Bars {
                x: h.centres.clone(),
                heights: h.anomalous.clone(),
                width: h.width,
            },
        });
    }
    let top = h
        .normal
        .iter()
        .zip(&h.anomalous)
        .map(|(a, b)| a.max(*b))
        .fold(1.0, f64::max);
    series.push(Series {
        name: "threshold".into(),
        color: DARK_GREY,
        mark: Mark::Line(vec![[threshold, 0.0], [threshold, top * 1.05]]),
    });
    let mut title = format!("{noun} scores");
    if let Some(first) = title.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    xy(
        &format!("{noun}_scores"),
        title,
        &format!("{noun} score"),
        &format!("{noun}s"),
        series,
        // Headroom above the tallest bar keeps the legend (top right, where the most
        // anomalous scores are) off the bars.
        Some([0.0, top * 1.6]),
    )
}

/// ROC curve with the chance diagonal and the threshold's operating point.
#[must_use]
pub fn roc(charts: &ScoreCharts<'_>, threshold: f64) -> Option<ChartSpec> {
    let curve = charts.display.roc.clone()?;
    let auc = charts.roc_auc;
    let mut series = vec![
        Series {
            name: "chance".into(),
            color: LIGHT_GREY,
            mark: Mark::Line(vec![[0.0, 0.0], [1.0, 1.0]]),
        },
        Series {
            name: "ROC".into(),
            color: BLUE,
            mark: Mark::Line(curve),
        },
    ];
    if let Some(p) = charts.display.sweep.roc_point(threshold) {
        series.push(Series {
            name: "at threshold".into(),
            color: VERMILLION,
            mark: Mark::Points(vec![p]),
        });
    }
    let title = auc.map_or_else(|| "ROC".into(), |a| format!("ROC (AUC {a:.3})"));
    Some(xy(
        &format!("{}_roc", charts.noun),
        title,
        "false-positive rate",
        "true-positive rate",
        series,
        Some([0.0, 1.0]),
    ))
}

/// Precision–recall curve with the threshold's operating point.
#[must_use]
pub fn precision_recall(charts: &ScoreCharts<'_>, threshold: f64) -> Option<ChartSpec> {
    let curve = charts.display.precision_recall.clone()?;
    let ap = charts.average_precision;
    let mut series = vec![Series {
        name: "precision–recall".into(),
        color: BLUE,
        mark: Mark::Line(curve),
    }];
    let at = charts.display.sweep.at(threshold);
    if let (Some(p), Some(r)) = (at.precision, at.recall) {
        series.push(Series {
            name: "at threshold".into(),
            color: VERMILLION,
            mark: Mark::Points(vec![[r, p]]),
        });
    }
    let title = ap.map_or_else(
        || "Precision–recall".into(),
        |a| format!("Precision–recall (AP {a:.3})"),
    );
    Some(xy(
        &format!("{}_precision_recall", charts.noun),
        title,
        "recall",
        "precision",
        series,
        Some([0.0, 1.0]),
    ))
}

/// `QoE` median and p10 per minute of the event's root-cause unit, its anomalous span shaded.
#[must_use]
pub fn event_timeline(event: &EventVerdict, unit_words: &str) -> ChartSpec {
    let minutes = |ms: i64| (ms - event.first_ms) as f64 / MINUTE_MS as f64;
    let points = |f: fn(&streamlens_events::windows::Window) -> f64| {
        event
            .timeline
            .windows
            .iter()
            .map(|w| [minutes(w.minute_ms), f(w)])
            .collect::<Vec<_>>()
    };
    let mut series = Vec::new();
    if let Some(root) = &event.root {
        series.push(Series {
            name: "anomalous span".into(),
            color: VERMILLION,
            mark: Mark::Band {
                x: vec![minutes(root.start_ms), minutes(root.end_ms)],
                low: vec![0.0, 0.0],
                high: vec![1.0, 1.0],
            },
        });
    }
    series.push(Series {
        name: "QoE median".into(),
        color: BLUE,
        mark: Mark::Line(points(|w| w.qoe_median)),
    });
    series.push(Series {
        name: "QoE p10".into(),
        color: ORANGE,
        mark: Mark::Line(points(|w| w.qoe_p10)),
    });
    xy(
        &format!("event_{}_timeline", event.event_id),
        format!("Event {}: QoE of {unit_words} per minute", event.event_id),
        "minutes since the event's first sample",
        "QoE",
        series,
        Some([0.0, 1.0]),
    )
}
