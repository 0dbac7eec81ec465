//! Incident kinds as tables and a chart, shared by the window and `detect-events`' files:
//! every incident with its kind and features, the kinds with their sizes and descriptions,
//! the incidents on the 2-D projection coloured by kind, and a detector map coloured by kind.
//! Formatting only.

use crate::chart::model_map::{PointClasses, model_map_by_class};
use crate::chart::{ChartKind, ChartSpec, Mark, Series, category_colour};
use crate::tables::{Cell, TableSpec};
use streamlens_clusters::incidents::IncidentKinds;
use streamlens_detect::map::LabelledMap;
use streamlens_events::EventReport;

fn number(value: f64, decimals: usize) -> Cell {
    Cell::Number { value, decimals }
}

/// One row per incident: event, kind, where, and the numbers it was clustered on.
#[must_use]
pub fn incidents_table(kinds: &IncidentKinds) -> TableSpec {
    let rows = kinds
        .incidents
        .iter()
        .zip(&kinds.kind_of)
        .map(|(c, &k)| {
            vec![
                Cell::Text(c.event_id.clone()),
                Cell::Text(kinds.kinds[k].name.clone()),
                Cell::Text(c.unit.clone()),
                number(c.audience_share, 3),
                number(c.office_share, 3),
                number(c.buffering_share, 3),
                number(c.qoe_drop, 3),
                number(c.duration_min, 0),
                number(c.worsening, 2),
                number(c.start_hour, 2),
            ]
        })
        .collect();
    TableSpec {
        id: "incidents".into(),
        title: "Incidents of the flagged events".into(),
        columns: [
            "event_id",
            "kind",
            "unit",
            "audience_share",
            "office_share",
            "buffering_share",
            "qoe_drop",
            "duration_min",
            "worsening",
            "start_hour_utc",
        ]
        .iter()
        .map(|c| (*c).to_string())
        .collect(),
        rows,
    }
}

/// One row per kind: its size and its centroid in words.
#[must_use]
pub fn kinds_table(kinds: &IncidentKinds) -> TableSpec {
    TableSpec {
        id: "incident_kinds".into(),
        title: "Incident kinds".into(),
        columns: vec!["kind".into(), "incidents".into(), "description".into()],
        rows: kinds
            .kinds
            .iter()
            .map(|k| {
                vec![
                    Cell::Text(k.name.clone()),
                    number(k.size as f64, 0),
                    Cell::Text(k.description.clone()),
                ]
            })
            .collect(),
    }
}

/// The incidents on the first two principal axes of their standardised features, one colour
/// per kind; hovering a point names its event.
#[must_use]
pub fn incident_map(kinds: &IncidentKinds) -> ChartSpec {
    let series = kinds
        .kinds
        .iter()
        .map(|kind| {
            let members: Vec<usize> = (0..kinds.incidents.len())
                .filter(|&i| kinds.kind_of[i] == kind.id)
                .collect();
            Series {
                name: format!("{} ({})", kind.name, kind.size),
                color: category_colour(kind.id),
                mark: Mark::LabelledPoints {
                    points: members.iter().map(|&i| kinds.projection[i]).collect(),
                    labels: members
                        .iter()
                        .map(|&i| {
                            let c = &kinds.incidents[i];
                            format!("event {}: {}", c.event_id, c.unit)
                        })
                        .collect(),
                },
            }
        })
        .collect();
    ChartSpec {
        id: "incident_kinds_map".into(),
        title: match kinds.silhouette {
            Some(s) => format!(
                "Incident kinds: {} incidents in {} kinds (silhouette {s:.2})",
                kinds.incidents.len(),
                kinds.kinds.len()
            ),
            None => format!("Incident kinds: {} incidents", kinds.incidents.len()),
        },
        x_label: "first principal axis (standardised features)".into(),
        y_label: "second principal axis".into(),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}

/// A detector map of `report`'s windows with each window coloured by its event's incident
/// kind (the kind map's colours); windows of events that are not incidents in dark grey.
#[must_use]
pub fn map_by_kind(map: &LabelledMap, kinds: &IncidentKinds, report: &EventReport) -> ChartSpec {
    let names: Vec<String> = kinds.kinds.iter().map(|k| k.name.clone()).collect();
    let of_group = kinds.kind_per_event(report);
    model_map_by_class(
        map,
        &PointClasses {
            names: &names,
            of_group: &of_group,
            unclassed: "windows of events not flagged",
        },
    )
}
