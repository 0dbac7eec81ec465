//! What the Anomalies tab shows for one report: event labels joined on, the threshold sweep,
//! the score histogram and the ROC / precision–recall curves — computed on the worker, so the
//! window only draws.

use std::collections::HashMap;

use super::EventReport;
use super::labels::{EventLabel, EventMetrics};
use super::saved::EventModel;
use streamlens_detect::eval::score_display::ScoreDisplay;
use streamlens_detect::map::LabelledMap;

/// A report with its labels, ready to draw.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub report: EventReport,
    /// Per event: the label, when the labels file has one.
    pub labels: Vec<Option<EventLabel>>,
    /// Sweep, histogram and curves of the event scores.
    pub display: ScoreDisplay,
    pub metrics: Option<EventMetrics>,
    /// The detector of each level drawn on its PCA plane (empty unless asked for).
    pub maps: Vec<LabelledMap>,
    /// The detectors and thresholds behind the scores, to save.
    pub model: Option<EventModel>,
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
    let display = ScoreDisplay::new(
        &scores,
        labels.is_some().then_some(positive.as_slice()),
        bins,
    );
    let metrics = labels.map(|labels| report.metrics(labels));
    ReportView {
        labels: joined,
        display,
        metrics,
        maps: Vec::new(),
        model: None,
        report,
    }
}
