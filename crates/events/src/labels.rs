//! Ground truth for events (the generator's labels file) and the event-level metrics:
//! ROC AUC, average precision, precision/recall/F1 at the threshold, and the scope hit rate.

use std::collections::HashMap;
use std::path::Path;

use streamlens_detect::DetectError;
use streamlens_detect::eval::metrics::{
    ThresholdMetrics, at_threshold, average_precision, roc_auc,
};
use streamlens_engine::files::read_text;

/// One row of a labels file: `event_id,anomalous,kind,start_ms,end_ms,scope` (`kind`,
/// `start_ms`, `end_ms` and `scope` may be empty for normal events; extra columns are ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLabel {
    pub event_id: String,
    pub anomalous: bool,
    pub kind: String,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub scope: String,
}

/// The ids of the events the labels mark normal (to fit on them alone).
#[must_use]
pub fn normal_event_ids(labels: &[EventLabel]) -> Vec<String> {
    labels
        .iter()
        .filter(|l| !l.anomalous)
        .map(|l| l.event_id.clone())
        .collect()
}

/// Reads a labels CSV; errors name the file, row (1 = header) and column.
pub fn read_labels(path: &Path) -> Result<Vec<EventLabel>, DetectError> {
    let file = path.display().to_string();
    let text = read_text(path, u64::MAX).map_err(|source| DetectError::Io {
        file: file.clone(),
        source,
    })?;
    parse_labels(&file, &text)
}

/// [`read_labels`] on text already read; `file` names it in errors.
pub fn parse_labels(file: &str, text: &str) -> Result<Vec<EventLabel>, DetectError> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| DetectError::Table {
            file: file.to_owned(),
            message: "the labels file is empty".into(),
        })?
        .split(',')
        .map(str::trim)
        .collect();
    let column = |name: &str| -> Result<usize, DetectError> {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| DetectError::MissingColumn {
                file: file.to_owned(),
                column: name.to_owned(),
                found: header.join(", "),
            })
    };
    let (id_col, anomalous_col) = (column("event_id")?, column("anomalous")?);
    let optional = |name: &str| header.iter().position(|h| *h == name);
    let (kind_col, start_col, end_col, scope_col) = (
        optional("kind"),
        optional("start_ms"),
        optional("end_ms"),
        optional("scope"),
    );
    let mut labels = Vec::new();
    let mut first_row: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row = i + 2;
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let cell = |c: Option<usize>| c.and_then(|c| cells.get(c)).copied().unwrap_or("");
        let bad = |column: &str, expected: &str, found: &str| DetectError::Cell {
            file: file.to_owned(),
            row,
            column: column.to_owned(),
            expected: expected.to_owned(),
            found: found.to_owned(),
        };
        let event_id = cell(Some(id_col));
        if event_id.is_empty() {
            return Err(bad("event_id", "an event id", ""));
        }
        // Two labels for one event contradict or repeat each other: which one holds cannot be told.
        if let Some(first) = first_row.insert(event_id.to_owned(), row) {
            return Err(bad(
                "event_id",
                &format!("each event labelled once (this one also at row {first})"),
                event_id,
            ));
        }
        let anomalous = match cell(Some(anomalous_col)) {
            "1" | "true" | "True" => true,
            "0" | "false" | "False" => false,
            other => return Err(bad("anomalous", "0 or 1", other)),
        };
        let time = |name: &str, c: Option<usize>| -> Result<Option<i64>, DetectError> {
            match cell(c) {
                "" => Ok(None),
                t => t
                    .parse()
                    .map(Some)
                    .map_err(|_| bad(name, "unix milliseconds", t)),
            }
        };
        labels.push(EventLabel {
            event_id: event_id.to_owned(),
            anomalous,
            kind: cell(kind_col).to_owned(),
            start_ms: time("start_ms", start_col)?,
            end_ms: time("end_ms", end_col)?,
            scope: cell(scope_col).to_owned(),
        });
    }
    Ok(labels)
}

/// How well event scores and root causes match the labels.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventMetrics {
    /// Events scored that have a label.
    pub labelled_events: usize,
    pub anomalous_events: usize,
    /// Events scored without a label (left out of every metric).
    pub unlabelled_events: usize,
    pub roc_auc: Option<f64>,
    pub average_precision: Option<f64>,
    /// Share of labelled anomalous events whose root-cause scope equals the label's scope.
    pub scope_hit_rate: Option<f64>,
    /// Share of labelled anomalous events whose root-cause span overlaps the label's span.
    pub span_overlap_rate: Option<f64>,
    #[serde(flatten)]
    pub at_threshold: ThresholdMetrics,
}

/// One scored event as the metrics see it.
pub struct ScoredEvent<'a> {
    pub event_id: &'a str,
    pub score: f64,
    pub scope: Option<&'a str>,
    pub span: Option<(i64, i64)>,
}

#[must_use]
pub fn event_metrics(
    events: &[ScoredEvent<'_>],
    labels: &[EventLabel],
    threshold: f64,
) -> EventMetrics {
    let by_id: HashMap<&str, &EventLabel> =
        labels.iter().map(|l| (l.event_id.as_str(), l)).collect();
    let (mut scores, mut positive) = (Vec::new(), Vec::new());
    let (mut scope_hits, mut span_hits) = (0usize, 0usize);
    let mut unlabelled = 0;
    for e in events {
        let Some(label) = by_id.get(e.event_id) else {
            unlabelled += 1;
            continue;
        };
        scores.push(e.score);
        positive.push(label.anomalous);
        if label.anomalous {
            scope_hits += usize::from(e.scope == Some(label.scope.as_str()));
            let overlaps = match (e.span, label.start_ms, label.end_ms) {
                (Some((s, t)), Some(ls), Some(le)) => s <= le && ls < t,
                _ => false,
            };
            span_hits += usize::from(overlaps);
        }
    }
    let anomalous = positive.iter().filter(|&&p| p).count();
    let rate = |hits: usize| (anomalous > 0).then(|| hits as f64 / anomalous as f64);
    EventMetrics {
        labelled_events: scores.len(),
        anomalous_events: anomalous,
        unlabelled_events: unlabelled,
        roc_auc: roc_auc(&scores, &positive),
        average_precision: average_precision(&scores, &positive),
        scope_hit_rate: rate(scope_hits),
        span_overlap_rate: rate(span_hits),
        at_threshold: at_threshold(&scores, &positive, threshold),
    }
}
