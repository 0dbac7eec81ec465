//! Tables of the Anomalies tab (events above the threshold with their root causes), shared
//! by the window and its CSV export. Formatting only.

use crate::engine::detect::events::view::ReportView;
use crate::engine::time_fmt::format_iso;
use crate::tables::{Cell, TableSpec};

/// Events scoring above `threshold`, highest first.
#[must_use]
pub fn flagged_events(view: &ReportView, threshold: f64) -> TableSpec {
    let labelled = view.sweep.has_labels();
    let mut order: Vec<usize> = (0..view.report.events.len())
        .filter(|&i| view.report.events[i].score > threshold)
        .collect();
    order.sort_by(|&a, &b| {
        view.report.events[b]
            .score
            .total_cmp(&view.report.events[a].score)
    });
    let rows = order
        .into_iter()
        .map(|i| {
            let e = &view.report.events[i];
            let root = e.root.as_ref();
            let text = |s: Option<String>| Cell::Text(s.unwrap_or_default());
            let mut row = vec![
                Cell::Text(e.event_id.clone()),
                Cell::Number {
                    value: e.score,
                    decimals: 2,
                },
                text(root.map(|r| r.scope.clone())),
                text(root.map(|r| format_iso(r.start_ms))),
                text(root.map(|r| format_iso(r.end_ms))),
                Cell::Number {
                    value: f64::from(e.peak_viewers),
                    decimals: 0,
                },
                text(root.map(|r| r.text.clone())),
            ];
            if labelled {
                let label = view.labels[i].as_ref();
                row.push(text(label.map(|l| {
                    if l.anomalous {
                        format!("{} ({})", l.kind, l.scope)
                    } else {
                        "normal".into()
                    }
                })));
            }
            row
        })
        .collect();
    let mut columns: Vec<String> = [
        "event_id",
        "score",
        "scope",
        "start",
        "end",
        "peak_viewers",
        "root_cause",
    ]
    .iter()
    .map(|c| (*c).to_string())
    .collect();
    if labelled {
        columns.push("label".into());
    }
    TableSpec {
        id: "flagged_events".into(),
        title: "Flagged events".into(),
        columns,
        rows,
    }
}
