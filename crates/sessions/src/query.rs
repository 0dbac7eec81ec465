//! One question the Sessions view asks — a filter, a breakdown, a comparison — and
//! everything it shows for it, computed in one call (off the window's thread).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::compare::{Comparison, compare};
use crate::kpis::{Kpis, kpis};
use crate::report::{Sessions, ViewFilter};
use crate::series::{Minute, minutes};
use crate::view::View;

/// Longest per-minute series computed (two days); longer spans need a narrower filter.
pub const MAX_SERIES_MINUTES: usize = 2 * 24 * 60;

/// What the filtered views are compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareWith {
    /// The same filter on another event (webcast) id.
    Event(String),
    /// Views first requested before this instant (unix ms) against those from it on.
    SplitAt(i64),
    /// The same filter on the views first requested in `[from_ms, to_ms]` instead.
    Period { from_ms: i64, to_ms: i64 },
}

/// A question.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    pub filter: ViewFilter,
    /// Break the KPIs down by each of these dimensions.
    pub by: Vec<String>,
    pub compare: Option<CompareWith>,
}

/// Two named sets of views compared KPI by KPI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedComparison {
    pub first: String,
    pub second: String,
    pub comparison: Comparison,
}

/// Everything shown for one query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub kpis: Kpis,
    /// Per dimension asked for: its name and value → KPIs.
    pub breakdowns: Vec<(String, BTreeMap<String, Kpis>)>,
    /// First request and last event of the views (`None` without views).
    pub span: Option<(i64, i64)>,
    /// Per UTC minute; `None` when the views span more than [`MAX_SERIES_MINUTES`].
    pub minutes: Option<Vec<Minute>>,
    pub comparison: Option<NamedComparison>,
}

/// Answers `query` on `sessions`; unknown events or dimensions are errors naming the known
/// ones.
pub fn answer(sessions: &Sessions, query: &Query) -> Result<Answer, String> {
    let views = sessions.select(&query.filter)?;
    let breakdowns = query
        .by
        .iter()
        .map(|name| Ok((name.clone(), sessions.breakdown(&views, name)?)))
        .collect::<Result<_, String>>()?;
    let span = views
        .iter()
        .map(|v| v.t_req)
        .min()
        .zip(views.iter().map(|v| v.t_last).max());
    let comparison = match &query.compare {
        None => None,
        Some(with) => Some(compared(sessions, query, &views, with)?),
    };
    Ok(Answer {
        kpis: kpis(&views, sessions.no_request),
        breakdowns,
        span,
        minutes: minutes(&views, MAX_SERIES_MINUTES),
        comparison,
    })
}

fn compared(
    sessions: &Sessions,
    query: &Query,
    views: &[View],
    with: &CompareWith,
) -> Result<NamedComparison, String> {
    let none = sessions.no_request;
    Ok(match with {
        CompareWith::Event(event) => {
            let other = ViewFilter {
                event: Some(event.clone()),
                ..query.filter.clone()
            };
            let second = sessions.select(&other)?;
            NamedComparison {
                first: query
                    .filter
                    .event
                    .clone()
                    .unwrap_or_else(|| "all events".into()),
                second: event.clone(),
                comparison: compare((views, none), (&second, none)),
            }
        }
        CompareWith::Period { from_ms, to_ms } => {
            let other = ViewFilter {
                from_ms: Some(*from_ms),
                to_ms: Some(*to_ms),
                ..query.filter.clone()
            };
            let second = sessions.select(&other)?;
            let iso = streamlens_engine::time_fmt::format_iso;
            NamedComparison {
                first: "the filter".into(),
                second: format!("{} to {}", iso(*from_ms), iso(*to_ms)),
                comparison: compare((views, none), (&second, none)),
            }
        }
        CompareWith::SplitAt(at) => {
            let (before, after): (Vec<View>, Vec<View>) = views.iter().partition(|v| v.t_req < *at);
            let when = streamlens_engine::time_fmt::format_iso(*at);
            NamedComparison {
                first: format!("before {when}"),
                second: format!("from {when}"),
                comparison: compare((&before, none), (&after, none)),
            }
        }
    })
}
