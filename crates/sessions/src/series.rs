//! KPIs per UTC minute. Concurrency counts the views active in each minute (the rule of
//! `peak_concurrent_views`); every other column is of the views first requested in that
//! minute, each view's whole start-up, stall and watch time counting in its request minute
//! (as dashboards plot metrics "by view start").

use serde::Serialize;
use streamlens_engine::stats::quantile_sorted;

use crate::view::View;

const MINUTE_MS: i64 = 60_000;

/// One UTC minute of the series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Minute {
    /// The minute's start, unix ms.
    pub minute_ms: i64,
    /// Views active in the minute (`t_req < m + 60 s` and `t_last ≥ m`).
    pub concurrent_views: u64,
    /// Views first requested in the minute, and of those: failed ones, start-up quantiles
    /// (numpy linear) and Σ `stall_ms` / Σ `watch_ms` over the started ones.
    pub requested_views: u64,
    pub failures: u64,
    pub startup_p50_ms: Option<f64>,
    pub startup_p95_ms: Option<f64>,
    pub rebuffer_share: Option<f64>,
}

/// Every minute from the first request to the last event of `views`, in order (empty
/// without views; at most `max_minutes`, else `None`: the caller should narrow the range).
#[must_use]
pub fn minutes(views: &[View], max_minutes: usize) -> Option<Vec<Minute>> {
    let first = views.iter().map(|v| v.t_req.div_euclid(MINUTE_MS)).min();
    let last = views.iter().map(|v| v.t_last.div_euclid(MINUTE_MS)).max();
    let (Some(first), Some(last)) = (first, last) else {
        return Some(Vec::new());
    };
    let n = usize::try_from(last - first + 1).ok()?;
    if n > max_minutes {
        return None;
    }
    let mut active = vec![0_i64; n + 1];
    let mut requested: Vec<Vec<&View>> = vec![Vec::new(); n];
    for v in views {
        let from = (v.t_req.div_euclid(MINUTE_MS) - first) as usize;
        let to = (v.t_last.div_euclid(MINUTE_MS) - first) as usize;
        active[from] += 1;
        active[to + 1] -= 1;
        requested[from].push(v);
    }
    let mut running = 0;
    Some(
        requested
            .iter()
            .enumerate()
            .map(|(k, of_minute)| {
                running += active[k];
                let mut startups: Vec<f64> = of_minute
                    .iter()
                    .filter_map(|v| v.startup_ms())
                    .map(|ms| ms as f64)
                    .collect();
                startups.sort_by(f64::total_cmp);
                let started = of_minute.iter().filter(|v| v.started());
                let watch: i64 = started.clone().map(|v| v.watch_ms).sum();
                let stall: i64 = started.map(|v| v.stall_ms).sum();
                Minute {
                    minute_ms: (first + k as i64) * MINUTE_MS,
                    concurrent_views: running as u64,
                    requested_views: of_minute.len() as u64,
                    failures: of_minute.iter().filter(|v| v.failed).count() as u64,
                    startup_p50_ms: quantile_sorted(&startups, 0.5),
                    startup_p95_ms: quantile_sorted(&startups, 0.95),
                    rebuffer_share: (watch > 0).then(|| stall as f64 / watch as f64),
                }
            })
            .collect(),
    )
}
