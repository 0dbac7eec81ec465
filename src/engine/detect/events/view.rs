//! What the Anomalies tab shows for one report: event labels joined on, the threshold sweep,
//! the score histogram and the ROC / precision–recall curves — computed on the worker, so the
//! window only draws.

use std::collections::HashMap;

use super::EventReport;
use super::labels::{EventLabel, EventMetrics};
use crate::engine::detect::sweep::ThresholdSweep;

/// Bars of the event-score histogram, split by label when labels exist.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreHistogram {
    /// Bin centres and the common width.
    pub centres: Vec<f64>,
    pub width: f64,
    /// Events without an anomaly label (all events when there are no labels).
    pub normal: Vec<f64>,
    /// Events labelled anomalous.
    pub anomalous: Vec<f64>,
}

/// A report with its labels, ready to draw.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub report: EventReport,
    /// Per event: the label, when the labels file has one.
    pub labels: Vec<Option<EventLabel>>,
    pub sweep: ThresholdSweep,
    pub histogram: ScoreHistogram,
    pub metrics: Option<EventMetrics>,
    pub roc: Option<Vec<[f64; 2]>>,
    pub precision_recall: Option<Vec<[f64; 2]>>,
}

/// Joins `labels` (if any) onto the report's events and precomputes the sweep and curves.
#[must_use]
pub fn report_view(report: EventReport, labels: Option<&[EventLabel]>, bins: usize) -> ReportView {
    let by_id: HashMap<&str, &EventLabel> = labels
        .unwrap_or_default()
        .iter()
        .map(|l| (l.event_id.as_str(), l))
        .collect();
    let joined: Vec<Option<EventLabel>> = report
        .events
        .iter()
        .map(|e| by_id.get(e.event_id.as_str()).map(|l| (*l).clone()))
        .collect();
    let scores: Vec<f64> = report.events.iter().map(|e| e.score).collect();
    let positive: Vec<bool> = joined
        .iter()
        .map(|l| l.as_ref().is_some_and(|l| l.anomalous))
        .collect();
    let labelled = labels.is_some();
    let sweep = ThresholdSweep::new(&scores, labelled.then_some(positive.as_slice()));
    let metrics = labels.map(|labels| report.metrics(labels));
    let histogram = histogram(&scores, &positive, bins);
    ReportView {
        roc: sweep.roc(),
        precision_recall: sweep.precision_recall(),
        labels: joined,
        sweep,
        histogram,
        metrics,
        report,
    }
}

/// Equal-width bins over the finite scores' range.
fn histogram(scores: &[f64], positive: &[bool], bins: usize) -> ScoreHistogram {
    let finite = || scores.iter().copied().filter(|s| s.is_finite());
    let lo = finite().fold(f64::INFINITY, f64::min);
    let hi = finite().fold(f64::NEG_INFINITY, f64::max);
    let bins = bins.max(1);
    if !lo.is_finite() {
        return ScoreHistogram {
            centres: Vec::new(),
            width: 1.0,
            normal: Vec::new(),
            anomalous: Vec::new(),
        };
    }
    let width = if hi > lo {
        (hi - lo) / bins as f64
    } else {
        1.0
    };
    let mut normal = vec![0.0; bins];
    let mut anomalous = vec![0.0; bins];
    for (&s, &p) in scores.iter().zip(positive) {
        if !s.is_finite() {
            continue;
        }
        let b = (((s - lo) / width) as usize).min(bins - 1);
        if p {
            anomalous[b] += 1.0;
        } else {
            normal[b] += 1.0;
        }
    }
    ScoreHistogram {
        centres: (0..bins).map(|b| lo + (b as f64 + 0.5) * width).collect(),
        width,
        normal,
        anomalous,
    }
}
