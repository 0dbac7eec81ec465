//! Alerts: minutes in which a KPI of the views requested then crossed a threshold a user
//! set, overall and per value of one dimension — what a live dashboard lists with time and
//! place. Each minute's KPIs are those of [`crate::minutes`] (views by request minute).

use serde::{Deserialize, Serialize};

use crate::report::{Sessions, ViewFilter};
use crate::series::minutes;
use crate::view::View;

/// The thresholds; a KPI without one is not watched.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AlertThresholds {
    /// Start-up time p95 (numpy linear) above this many seconds.
    pub startup_p95_s: Option<f64>,
    /// Σ stall time / Σ watch time of the started views above this share (0–1).
    pub rebuffer_share: Option<f64>,
    /// Failed views / requested views above this share (0–1).
    pub failure_share: Option<f64>,
    /// Minutes with fewer requested views than this are not judged (noise).
    pub min_views: u64,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        Self {
            startup_p95_s: Some(4.0),
            rebuffer_share: Some(0.02),
            failure_share: Some(0.05),
            min_views: 5,
        }
    }
}

/// One KPI over its threshold in one minute, for all views or one dimension value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// The minute's start, unix ms.
    pub minute_ms: i64,
    /// `all` for every view passing the filter, else the dimension's name.
    pub dimension: String,
    pub value: String,
    /// `startup_p95_s`, `rebuffer_share` or `failure_share`.
    pub kpi: &'static str,
    pub observed: f64,
    pub threshold: f64,
    /// Views requested in the minute (in this group).
    pub views: u64,
}

/// Longest series judged: alerts look at the last day at most.
const MAX_MINUTES: usize = 24 * 60;

/// Alerts of the views passing `filter`, over all of them and per value of `dimension`
/// (when given); the newest minute first, in it all views first, then values in
/// alphabetical order, KPIs in the order of [`AlertThresholds`]. The last day of the views
/// at most (older minutes are not judged).
///
/// # Errors
/// The filter or the dimension names something the sessions lack.
pub fn alerts(
    sessions: &Sessions,
    filter: &ViewFilter,
    dimension: Option<&str>,
    thresholds: &AlertThresholds,
) -> Result<Vec<Alert>, String> {
    let mut views = sessions.select(filter)?;
    if let Some(last) = views.iter().map(|v| v.t_last).max() {
        // The series runs to the last event; keep the views that touch the last day.
        let from = last - (MAX_MINUTES as i64 - 2) * 60_000;
        views.retain(|v| v.t_req >= from);
    }
    let mut out = Vec::new();
    judge(&views, "all", "all", thresholds, &mut out);
    if let Some(name) = dimension {
        for (value, group) in sessions.group_by(&views, name)? {
            judge(&group, name, &value, thresholds, &mut out);
        }
    }
    let kpi_rank = |k: &str| {
        ["startup_p95_s", "rebuffer_share", "failure_share"]
            .iter()
            .position(|x| *x == k)
    };
    out.sort_by(|a, b| {
        b.minute_ms
            .cmp(&a.minute_ms)
            .then((a.dimension != "all").cmp(&(b.dimension != "all")))
            .then(a.value.cmp(&b.value))
            .then(kpi_rank(a.kpi).cmp(&kpi_rank(b.kpi)))
    });
    Ok(out)
}

fn judge(views: &[View], dimension: &str, value: &str, t: &AlertThresholds, out: &mut Vec<Alert>) {
    let Some(series) = minutes(views, MAX_MINUTES) else {
        return;
    };
    for m in series
        .iter()
        .filter(|m| m.requested_views >= t.min_views.max(1))
    {
        let observed = [
            (
                "startup_p95_s",
                m.startup_p95_ms.map(|ms| ms / 1000.0),
                t.startup_p95_s,
            ),
            ("rebuffer_share", m.rebuffer_share, t.rebuffer_share),
            (
                "failure_share",
                Some(m.failures as f64 / m.requested_views as f64),
                t.failure_share,
            ),
        ];
        for (kpi, value_now, threshold) in observed {
            if let (Some(v), Some(limit)) = (value_now, threshold)
                && v > limit
            {
                out.push(Alert {
                    minute_ms: m.minute_ms,
                    dimension: dimension.to_string(),
                    value: value.to_string(),
                    kpi,
                    observed: v,
                    threshold: limit,
                    views: m.requested_views,
                });
            }
        }
    }
}

#[cfg(test)]
#[path = "alerts_tests.rs"]
mod tests;
