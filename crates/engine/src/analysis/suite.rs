//! The seven analyses together: which to run, their parameters, their results,
//! and the `analysis.json` shape the CLI writes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::analysis::coded;
use crate::analysis::correlation::{Correlation, correlation, numeric_columns};
use crate::analysis::differences::{DifferenceParams, Differences, differences};
use crate::analysis::drivers::{Drivers, drivers};
use crate::analysis::durations::{LevelDurations, level_durations};
use crate::analysis::event_table::{EventRow, event_table};
use crate::analysis::index::{code_all_values, codes_of, session_links};
use crate::analysis::linked;
use crate::analysis::over_time::{OverTime, OverTimeParams, over_time};
use crate::analysis::rows::{GroupBy, Rows};
use crate::analysis::selection::Selection;
use crate::analysis::sessions::{level_label, session_order};
use crate::analysis::viewer_type::{ViewerTypeComparison, viewer_types};
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::filter::Filter;
use crate::schema::Canonical;

/// One analysis (one tab in the window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AnalysisKind {
    OverTime,
    ViewerTypes,
    Durations,
    Differences,
    Correlations,
    Events,
    Drivers,
}

impl AnalysisKind {
    pub const ALL: [AnalysisKind; 7] = [
        AnalysisKind::OverTime,
        AnalysisKind::ViewerTypes,
        AnalysisKind::Durations,
        AnalysisKind::Differences,
        AnalysisKind::Correlations,
        AnalysisKind::Events,
        AnalysisKind::Drivers,
    ];

    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            AnalysisKind::OverTime => "Over time",
            AnalysisKind::ViewerTypes => "Viewer types",
            AnalysisKind::Durations => "Engagement levels",
            AnalysisKind::Differences => "Differences",
            AnalysisKind::Correlations => "Correlations",
            AnalysisKind::Events => "Events",
            AnalysisKind::Drivers => "Engagement drivers",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalysisParams {
    pub over_time: OverTimeParams,
    pub differences: DifferenceParams,
}

/// Results of the analyses that were run (`None` = not run or not possible).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analyses {
    pub rows: u64,
    pub over_time: Option<Vec<OverTime>>,
    /// `Some(None)`: run, but the data has no viewer type column.
    pub viewer_types: Option<Option<Vec<ViewerTypeComparison>>>,
    pub durations: Option<Vec<LevelDurations>>,
    pub differences: Option<Differences>,
    pub correlation: Option<Correlation>,
    pub events: Option<Vec<EventRow>>,
    pub drivers: Option<Drivers>,
}

/// Runs the `wanted` analyses on the rows passing `filter`.
pub fn run(
    dataset: &Dataset,
    filter: &Filter,
    params: &AnalysisParams,
    wanted: &[AnalysisKind],
) -> Result<Analyses, AnalysisError> {
    run_with(dataset, filter, params, wanted, true)
}

/// [`run`], optionally forcing the path that copies the filtered rows and sorts them
/// (`in_place = false`; tests compare both paths).
pub fn run_with(
    dataset: &Dataset,
    filter: &Filter,
    params: &AnalysisParams,
    wanted: &[AnalysisKind],
    in_place: bool,
) -> Result<Analyses, AnalysisError> {
    let rows_in = |columns: &[&str]| Rows::new(dataset, filter, columns);
    // In place (passing-row bitset over the loaded columns, value codes, session links)
    // where the data allows; otherwise each analysis copies the columns it reads.
    let sel = if in_place {
        Selection::new(dataset, filter)?
    } else {
        None
    };
    let sel = sel.as_ref();
    if sel.is_some() {
        code_all_values(dataset);
    }
    let coded = |column: &'static str| sel.and_then(|_| codes_of(dataset, column));
    let both = || {
        Some([
            coded(Canonical::Qoe.name())?,
            coded(Canonical::Engagement.name())?,
        ])
    };
    let mut out = Analyses::default();
    if let Some(s) = sel {
        out.rows = s.passing() as u64;
    }
    let wants = |k| wanted.contains(&k);
    let metrics = [Canonical::Qoe.name(), Canonical::Engagement.name()];
    if wants(AnalysisKind::OverTime) {
        let fast = match (sel, both()) {
            (Some(s), Some(c)) => coded::over_time::over_time(dataset, s, &params.over_time, c)?,
            _ => None,
        };
        out.over_time = Some(if let Some(o) = fast {
            o
        } else {
            let mut columns = vec![Canonical::Timestamp.name(), Canonical::EventId.name()];
            columns.extend(metrics);
            columns.extend(params.over_time.group.map(GroupBy::column));
            let rows = rows_in(&columns)?;
            out.rows = rows.len() as u64;
            over_time(dataset, &rows, &params.over_time)?
        });
    }
    if wants(AnalysisKind::ViewerTypes) {
        out.viewer_types = Some(if let (Some(s), Some(c)) = (sel, both()) {
            coded::viewer_type::viewer_types(dataset, s, c)?
        } else {
            let rows = rows_in(&[metrics[0], metrics[1], GroupBy::ViewerType.column()])?;
            out.rows = rows.len() as u64;
            viewer_types(dataset, &rows)?
        });
    }
    if wants(AnalysisKind::Differences) {
        let p = &params.differences;
        let fast = match (sel, coded(p.metric.column())) {
            (Some(s), Some(c)) => Some(coded::differences::differences(dataset, s, p, c)?),
            _ => None,
        };
        out.differences = Some(if let Some(d) = fast {
            d
        } else {
            let rows = rows_in(&[
                p.metric.column(),
                GroupBy::Customer.column(),
                GroupBy::Country.column(),
                GroupBy::City.column(),
            ])?;
            out.rows = rows.len() as u64;
            differences(dataset, &rows, p)?
        });
    }
    if wants(AnalysisKind::Correlations) {
        let fast = match sel {
            Some(s) => coded::correlation::correlation(dataset, s)?,
            None => None,
        };
        out.correlation = Some(if let Some(c) = fast {
            c
        } else {
            let columns = numeric_columns(dataset);
            let rows = rows_in(&columns.iter().map(String::as_str).collect::<Vec<_>>())?;
            out.rows = rows.len() as u64;
            correlation(dataset, &rows)?
        });
    }
    per_viewer(dataset, filter, sel, wanted, &mut out)?;
    Ok(out)
}

/// Analyses 3, 6 and 7: on session links in place, or on copied rows sorted by session.
fn per_viewer(
    dataset: &Dataset,
    filter: &Filter,
    sel: Option<&Selection>,
    wanted: &[AnalysisKind],
    out: &mut Analyses,
) -> Result<(), AnalysisError> {
    let wants = |k| wanted.contains(&k);
    if ![
        AnalysisKind::Durations,
        AnalysisKind::Events,
        AnalysisKind::Drivers,
    ]
    .iter()
    .any(|&k| wants(k))
    {
        return Ok(());
    }
    if let Some(sel) = sel {
        let links = session_links(dataset)?;
        if wants(AnalysisKind::Durations) {
            out.durations = Some(linked::level_durations(dataset, sel, links)?);
        }
        if wants(AnalysisKind::Events) || wants(AnalysisKind::Drivers) {
            let (events, pairs) = linked::event_table(dataset, sel, links)?;
            if wants(AnalysisKind::Drivers) {
                out.drivers = Some(drivers(dataset, &events, &pairs));
            }
            if wants(AnalysisKind::Events) {
                out.events = Some(events);
            }
        }
        return Ok(());
    }
    let metrics = [Canonical::Qoe.name(), Canonical::Engagement.name()];
    let rows = Rows::new(
        dataset,
        filter,
        &[
            Canonical::Timestamp.name(),
            Canonical::EventId.name(),
            Canonical::ViewerId.name(),
            metrics[0],
            metrics[1],
            Canonical::BufferMs.name(),
            GroupBy::Customer.column(),
            GroupBy::Country.column(),
            GroupBy::City.column(),
            GroupBy::ViewerType.column(),
        ],
    )?;
    out.rows = rows.len() as u64;
    let order = session_order(&rows, dataset)?;
    if wants(AnalysisKind::Durations) {
        out.durations = Some(level_durations(dataset, &rows, &order)?);
    }
    if wants(AnalysisKind::Events) || wants(AnalysisKind::Drivers) {
        let (events, pairs) = event_table(dataset, &rows, &order)?;
        if wants(AnalysisKind::Drivers) {
            out.drivers = Some(drivers(dataset, &events, &pairs));
        }
        if wants(AnalysisKind::Events) {
            out.events = Some(events);
        }
    }
    Ok(())
}

impl Analyses {
    /// The `analysis.json` document (keys as the analyses issue lists them, plus extras).
    pub fn to_json(&self) -> Result<Value, serde_json::Error> {
        let mut doc = serde_json::Map::new();
        doc.insert("rows".into(), json!(self.rows));
        if let Some(c) = &self.correlation {
            doc.insert("correlation".into(), serde_json::to_value(c)?);
        }
        if let Some(vt) = &self.viewer_types {
            let mut by_metric = serde_json::Map::new();
            for comparison in vt.iter().flatten() {
                by_metric.insert(
                    comparison.metric.column().into(),
                    serde_json::to_value(comparison)?,
                );
            }
            doc.insert("viewer_type".into(), Value::Object(by_metric));
        }
        if let Some(events) = &self.events {
            let map: BTreeMap<&str, &EventRow> =
                events.iter().map(|e| (e.event_id.as_str(), e)).collect();
            doc.insert("events".into(), serde_json::to_value(map)?);
        }
        if let Some(d) = &self.drivers {
            doc.insert("engagement_vs".into(), serde_json::to_value(&d.values)?);
        }
        if let Some(durations) = &self.durations {
            let section =
                |pick: &dyn Fn(&crate::analysis::durations::LevelGroup, usize) -> Value| {
                    let mut by_dim = serde_json::Map::new();
                    for dim in durations {
                        let key = match dim.dimension {
                            GroupBy::ViewerType => "by_viewer_type",
                            GroupBy::Country => "by_country",
                            GroupBy::City => "by_city",
                            GroupBy::Customer => "by_customer",
                        };
                        let mut cells = serde_json::Map::new();
                        for group in &dim.groups {
                            for level in 0..group.seconds.len() {
                                cells.insert(
                                    format!("{}|{}", group.group, level_label(level)),
                                    pick(group, level),
                                );
                            }
                        }
                        by_dim.insert(key.into(), Value::Object(cells));
                    }
                    Value::Object(by_dim)
                };
            doc.insert(
                "level_duration_s".into(),
                section(&|g, l| json!(g.seconds[l])),
            );
            doc.insert("level_share".into(), section(&|g, l| json!(g.share[l])));
            doc.insert(
                "level_mean_run_s".into(),
                section(&|g, l| json!(g.mean_run_s[l])),
            );
        }
        if let Some(d) = &self.differences {
            doc.insert("differences_metric".into(), json!(d.metric.column()));
            doc.insert(
                "country_differences".into(),
                serde_json::to_value(&d.countries)?,
            );
            doc.insert("city_differences".into(), serde_json::to_value(&d.cities)?);
        }
        if let Some(over_time) = &self.over_time {
            let mut by_metric = serde_json::Map::new();
            for series in over_time {
                by_metric.insert(
                    series.metric.column().into(),
                    serde_json::to_value(&series.rows)?,
                );
            }
            doc.insert("over_time".into(), Value::Object(by_metric));
        }
        Ok(Value::Object(doc))
    }
}
