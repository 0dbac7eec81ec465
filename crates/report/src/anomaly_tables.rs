//! Tables of the Anomalies tab (events above the threshold with their root causes), shared
//! by the window and its CSV export. Formatting only.

use crate::tables::{Cell, TableSpec};
use streamlens_clusters::incidents::IncidentKinds;
use streamlens_detect::table::view::TableView;
use streamlens_engine::time_fmt::format_iso;
use streamlens_events::view::ReportView;

/// Events scoring above `threshold`, highest first; with `kinds`, each event's incident kind
/// (empty for an event the kinds have not placed yet).
#[must_use]
pub fn flagged_events(
    view: &ReportView,
    threshold: f64,
    kinds: Option<&IncidentKinds>,
) -> TableSpec {
    let labelled = view.display.sweep.has_labels();
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
            ];
            if let Some(kinds) = kinds {
                row.push(text(kinds.kind_name(&e.event_id).map(str::to_string)));
            }
            row.extend([
                text(root.map(|r| r.scope.clone())),
                text(root.map(|r| format_iso(r.start_ms))),
                text(root.map(|r| format_iso(r.end_ms))),
                Cell::Number {
                    value: f64::from(e.peak_viewers),
                    decimals: 0,
                },
                text(root.map(|r| r.text.clone())),
            ]);
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
    let mut columns: Vec<String> = vec!["event_id".into(), "score".into()];
    if kinds.is_some() {
        columns.push("kind".into());
    }
    columns.extend(
        ["scope", "start", "end", "peak_viewers", "root_cause"]
            .iter()
            .map(|c| (*c).to_string()),
    );
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

/// Feature-table rows scoring above `threshold`, highest first: the row as numbered in a
/// spreadsheet (header = row 1), its group, fold, score and label.
#[must_use]
pub fn flagged_rows(view: &TableView, threshold: f64) -> TableSpec {
    let mut order: Vec<usize> = (0..view.scores.len())
        .filter(|&i| view.scores[i] > threshold)
        .collect();
    order.sort_by(|&a, &b| view.scores[b].total_cmp(&view.scores[a]));
    let labels = view.table.labels.as_ref().zip(view.setup.label.as_ref());
    let rows = order
        .into_iter()
        .map(|i| {
            let mut row = vec![
                Cell::Number {
                    value: (i + 2) as f64,
                    decimals: 0,
                },
                Cell::Text(
                    view.table
                        .groups
                        .as_ref()
                        .map(|g| g[i].clone())
                        .unwrap_or_default(),
                ),
                Cell::Number {
                    value: view.scores[i],
                    decimals: 3,
                },
            ];
            if let Some((values, _)) = labels {
                row.push(Cell::Number {
                    value: values[i],
                    decimals: 3,
                });
                row.push(Cell::Text(
                    if view.bad[i] { "bad" } else { "normal" }.into(),
                ));
            }
            row
        })
        .collect();
    let mut columns: Vec<String> = ["row", "group", "score"].map(String::from).to_vec();
    if let Some((_, expr)) = labels {
        columns.push(expr.column.clone());
        columns.push(format!("label ({expr})"));
    }
    TableSpec {
        id: "flagged_rows".into(),
        title: "Flagged rows".into(),
        columns,
        rows,
    }
}
