//! Views → the KPIs and experience scores of the issue, over whichever views are passed in.

use serde::Serialize;
use streamlens_engine::stats::quantile_sorted;

use crate::view::View;

/// One UTC minute in milliseconds.
const MINUTE_MS: i64 = 60_000;

/// Start-up time of the started views (numpy's linear quantiles).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Startup {
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
}

/// The KPIs; `None` where no view is eligible.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpis {
    pub views: u64,
    /// Sessions without a `request`, reported beside the views.
    pub sessions_without_request: u64,
    pub unique_viewers: u64,
    /// Views with an error, with a video start failure, exiting before video start; ÷ views.
    pub failure_share: Option<f64>,
    pub vsf_share: Option<f64>,
    pub ebvs_share: Option<f64>,
    pub startup_ms: Startup,
    /// Σ `watch_ms` / 1000.
    pub watch_time_s: f64,
    /// Mean `watch_ms` / 1000 over views.
    pub session_duration_s: Option<f64>,
    /// Σ `stall_ms` / Σ `watch_ms` over started views.
    pub rebuffer_share: Option<f64>,
    /// Σ `stall_count` / (Σ `watch_ms` / 3.6e6) over started views.
    pub stalls_per_hour: Option<f64>,
    /// Σ bitrate × playing time / Σ playing time (time with a known rendition).
    pub mean_bitrate_kbps: Option<f64>,
    /// Most views active in one UTC minute — a view is active in minute `m` when
    /// `t_req < m + 60 s` and `t_last ≥ m` — and the earliest such minute (unix ms).
    pub peak_concurrent_views: u64,
    pub peak_minute_ms: Option<i64>,
    /// 0 failed, 50 EBVS, 100 otherwise; mean over all views.
    pub playback_success_score: Option<f64>,
    /// 100 · 8 / (8 + start-up seconds); mean over started views.
    pub startup_score: Option<f64>,
    /// Mean of 100 / √(1 + (`stall_count` / 2)²) and 100 · e^(−10 · `stall_ms` / `watch_ms`);
    /// mean over started views with `watch_ms` > 0.
    pub smoothness_score: Option<f64>,
    /// Ours (Mux does not publish theirs): per view, the mean of the scores above that
    /// apply to it (a view that never started has its playback success alone); mean over
    /// all views.
    pub experience_score: Option<f64>,
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0_u64), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn share(count: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| count as f64 / of as f64)
}

/// Per view: its playback success score.
fn success_score(v: &View) -> f64 {
    if v.failed {
        0.0
    } else if v.ebvs {
        50.0
    } else {
        100.0
    }
}

/// Per started view: its start-up score.
fn startup_score(v: &View) -> Option<f64> {
    v.startup_ms()
        .map(|ms| 100.0 * 8.0 / (8.0 + ms as f64 / 1000.0))
}

/// Per started view with watch time: its smoothness score.
fn smoothness_score(v: &View) -> Option<f64> {
    (v.started() && v.watch_ms > 0).then(|| {
        let stalls = 100.0 / (1.0 + (f64::from(v.stall_count) / 2.0).powi(2)).sqrt();
        let share = 100.0 * (-10.0 * v.stall_ms as f64 / v.watch_ms as f64).exp();
        f64::midpoint(stalls, share)
    })
}

/// The KPIs of `views` (and the count of sessions without a request, reported as is).
#[must_use]
pub fn kpis(views: &[View], sessions_without_request: u64) -> Kpis {
    let n = views.len();
    let started: Vec<&View> = views.iter().filter(|v| v.started()).collect();
    let mut startups: Vec<f64> = started
        .iter()
        .filter_map(|v| v.startup_ms())
        .map(|ms| ms as f64)
        .collect();
    startups.sort_by(f64::total_cmp);
    let mut viewers: Vec<u32> = views.iter().map(|v| v.viewer).collect();
    viewers.sort_unstable();
    viewers.dedup();
    let started_watch: i64 = started.iter().map(|v| v.watch_ms).sum();
    let started_stall: i64 = started.iter().map(|v| v.stall_ms).sum();
    let started_stalls: u64 = started.iter().map(|v| u64::from(v.stall_count)).sum();
    let rated: i64 = views.iter().map(|v| v.rated_ms).sum();
    let (peak, peak_minute) = peak_concurrency(views);
    Kpis {
        views: n as u64,
        sessions_without_request,
        unique_viewers: viewers.len() as u64,
        failure_share: share(views.iter().filter(|v| v.failed).count(), n),
        vsf_share: share(views.iter().filter(|v| v.vsf).count(), n),
        ebvs_share: share(views.iter().filter(|v| v.ebvs).count(), n),
        startup_ms: Startup {
            mean: mean(startups.iter().copied()),
            p50: quantile_sorted(&startups, 0.5),
            p90: quantile_sorted(&startups, 0.9),
            p95: quantile_sorted(&startups, 0.95),
        },
        watch_time_s: views.iter().map(|v| v.watch_ms).sum::<i64>() as f64 / 1000.0,
        session_duration_s: mean(views.iter().map(|v| v.watch_ms as f64 / 1000.0)),
        rebuffer_share: (started_watch > 0).then(|| started_stall as f64 / started_watch as f64),
        stalls_per_hour: (started_watch > 0)
            .then(|| started_stalls as f64 / (started_watch as f64 / 3.6e6)),
        mean_bitrate_kbps: (rated > 0)
            .then(|| views.iter().map(|v| v.bitrate_ms).sum::<f64>() / rated as f64),
        peak_concurrent_views: peak,
        peak_minute_ms: peak_minute,
        playback_success_score: mean(views.iter().map(success_score)),
        startup_score: mean(views.iter().filter_map(startup_score)),
        smoothness_score: mean(views.iter().filter_map(smoothness_score)),
        experience_score: mean(views.iter().map(|v| {
            let scores = [
                Some(success_score(v)),
                startup_score(v),
                smoothness_score(v),
            ];
            mean(scores.into_iter().flatten()).unwrap_or(0.0)
        })),
    }
}

/// The most views active in one UTC minute, and the earliest minute with that many. A view
/// is active in minutes ⌊`t_req` / 1 min⌋ … ⌊`t_last` / 1 min⌋: `t_req < m + 60 s` and
/// `t_last ≥ m` for exactly those minute starts `m`.
fn peak_concurrency(views: &[View]) -> (u64, Option<i64>) {
    // (minute, +1 when views become active, −1 the minute after they stop).
    let mut changes: Vec<(i64, i64)> = views
        .iter()
        .flat_map(|v| {
            [
                (v.t_req.div_euclid(MINUTE_MS), 1),
                (v.t_last.div_euclid(MINUTE_MS) + 1, -1),
            ]
        })
        .collect();
    changes.sort_unstable();
    let (mut active, mut peak, mut peak_minute) = (0_i64, 0_i64, None);
    let mut k = 0;
    while k < changes.len() {
        let minute = changes[k].0;
        while k < changes.len() && changes[k].0 == minute {
            active += changes[k].1;
            k += 1;
        }
        if active > peak {
            peak = active;
            peak_minute = Some(minute * MINUTE_MS);
        }
    }
    (peak as u64, peak_minute)
}
