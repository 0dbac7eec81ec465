//! A file's views under a filter, their KPIs overall and per value of any dimension.

use serde::Serialize;

use crate::kpis::{Kpis, kpis};
use crate::log::PlayerLog;
use crate::view::{Outcome, View, sessionize};

/// Which views count: those of one webcast (`event_id` label) and whose first request lies
/// in `[from_ms, to_ms]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewFilter {
    pub event: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

/// KPIs of the views passing a filter: overall, and per dimension → value (a view takes the
/// dimension values of its first `request` row), values in label order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiReport {
    #[serde(flatten)]
    pub overall: Kpis,
    pub by: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Kpis>>,
}

/// The views passing `filter`, and how many sessions had no request.
pub fn select(log: &PlayerLog, filter: &ViewFilter) -> Result<(Vec<View>, u64), String> {
    let outcomes = sessionize(&log.events);
    let webcast = match &filter.event {
        None => None,
        Some(label) => Some(
            log.webcasts
                .labels
                .iter()
                .position(|l| l == label)
                .ok_or_else(|| {
                    format!(
                        "no event `{label}`; the events are: {}",
                        log.webcasts.labels.join(", ")
                    )
                })? as u32,
        ),
    };
    let in_time = |v: &View| {
        filter.from_ms.is_none_or(|f| v.t_req >= f) && filter.to_ms.is_none_or(|t| v.t_req <= t)
    };
    let mut views = Vec::new();
    let mut no_request = 0;
    for outcome in &outcomes {
        match outcome {
            Outcome::View(v) => {
                if webcast.is_none_or(|w| log.webcast_of[v.first_request] == w) && in_time(v) {
                    views.push(*v);
                }
            }
            Outcome::NoRequest { .. } => no_request += 1,
        }
    }
    Ok((views, no_request))
}

/// The KPIs of the views passing `filter`, overall and by each dimension in `by`;
/// dimension names the file lacks are an error naming what it has.
pub fn report(log: &PlayerLog, filter: &ViewFilter, by: &[String]) -> Result<KpiReport, String> {
    let (views, no_request) = select(log, filter)?;
    let mut breakdowns = std::collections::BTreeMap::new();
    for name in by {
        let dimension = log
            .dimensions
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let names: Vec<&str> = log.dimensions.iter().map(|d| d.name.as_str()).collect();
                format!("no dimension `{name}`; the file has: {}", names.join(", "))
            })?;
        let mut per_value = std::collections::BTreeMap::new();
        for (code, label) in dimension.labels.labels.iter().enumerate() {
            let of_value: Vec<View> = views
                .iter()
                .filter(|v| dimension.codes[v.first_request] == code as u32)
                .copied()
                .collect();
            if !of_value.is_empty() {
                per_value.insert(label.clone(), kpis(&of_value, 0));
            }
        }
        breakdowns.insert(dimension.name.clone(), per_value);
    }
    Ok(KpiReport {
        overall: kpis(&views, no_request),
        by: breakdowns,
    })
}
