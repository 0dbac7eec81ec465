//! Tables of the Sessions view (KPIs, a breakdown, the comparison, minutes, CDN POPs),
//! shared by the window's grids, its CSV exports and `streamlens kpis --out`. Formatting
//! only.

use std::collections::BTreeMap;

use crate::tables::{Cell, TableSpec, columns, num, text};
use streamlens_sessions::{CdnReport, CdnStats, Kpis, Minute, NamedComparison};

fn opt(value: Option<f64>, decimals: usize) -> Cell {
    value.map_or(Cell::Empty, |v| num(v, decimals))
}

fn pct(value: Option<f64>) -> Cell {
    opt(value.map(|v| 100.0 * v), 2)
}

/// Every KPI as (key, value, unit) rows, in the order of the issue.
#[must_use]
pub fn kpi_rows(k: &Kpis) -> Vec<(&'static str, Option<f64>, &'static str)> {
    let count = |n: u64| Some(n as f64);
    let pct = |v: Option<f64>| v.map(|v| 100.0 * v);
    vec![
        ("views", count(k.views), "views"),
        (
            "sessions_without_request",
            count(k.sessions_without_request),
            "sessions",
        ),
        ("unique_viewers", count(k.unique_viewers), "viewers"),
        ("failure_share", pct(k.failure_share), "% of views"),
        ("vsf_share", pct(k.vsf_share), "% of views"),
        ("ebvs_share", pct(k.ebvs_share), "% of views"),
        ("startup_ms.mean", k.startup_ms.mean, "ms"),
        ("startup_ms.p50", k.startup_ms.p50, "ms"),
        ("startup_ms.p90", k.startup_ms.p90, "ms"),
        ("startup_ms.p95", k.startup_ms.p95, "ms"),
        ("watch_time_s", Some(k.watch_time_s), "s"),
        ("session_duration_s", k.session_duration_s, "s"),
        ("rebuffer_share", pct(k.rebuffer_share), "% of watch time"),
        ("stalls_per_hour", k.stalls_per_hour, "stalls / h"),
        ("mean_bitrate_kbps", k.mean_bitrate_kbps, "kbps"),
        (
            "peak_concurrent_views",
            count(k.peak_concurrent_views),
            "views",
        ),
        ("playback_success_score", k.playback_success_score, "0–100"),
        ("startup_score", k.startup_score, "0–100"),
        ("smoothness_score", k.smoothness_score, "0–100"),
        ("experience_score", k.experience_score, "0–100"),
    ]
}

/// The KPIs of the filtered views.
#[must_use]
pub fn kpi_table(k: &Kpis) -> TableSpec {
    let mut rows: Vec<Vec<Cell>> = kpi_rows(k)
        .into_iter()
        .map(|(key, value, unit)| vec![text(key), opt(value, 2), text(unit)])
        .collect();
    rows.push(vec![
        text("peak_minute"),
        k.peak_minute_ms.map_or(Cell::Empty, Cell::Time),
        text("UTC"),
    ]);
    TableSpec {
        id: "kpis".into(),
        title: "KPIs of the filtered views".into(),
        columns: columns(&["kpi", "value", "unit"]),
        rows,
    }
}

/// One row per value of `dimension`: views, failures, start-up, rebuffering, bitrate,
/// scores. The first column is the value (the window filters by it on a click).
#[must_use]
pub fn breakdown_table(dimension: &str, values: &BTreeMap<String, Kpis>) -> TableSpec {
    let rows = values
        .iter()
        .map(|(value, k)| {
            vec![
                text(value),
                num(k.views as f64, 0),
                num(k.unique_viewers as f64, 0),
                pct(k.failure_share),
                pct(k.vsf_share),
                pct(k.ebvs_share),
                opt(k.startup_ms.p50, 0),
                opt(k.startup_ms.p95, 0),
                pct(k.rebuffer_share),
                opt(k.stalls_per_hour, 2),
                opt(k.mean_bitrate_kbps, 0),
                num(k.watch_time_s / 3600.0, 1),
                opt(k.experience_score, 1),
            ]
        })
        .collect();
    TableSpec {
        id: format!("sessions_by_{dimension}"),
        title: format!("KPIs by {dimension}"),
        columns: columns(&[
            dimension,
            "views",
            "unique viewers",
            "failures %",
            "VSF %",
            "EBVS %",
            "startup p50 ms",
            "startup p95 ms",
            "rebuffering %",
            "stalls / h",
            "bitrate kbps",
            "watch h",
            "experience",
        ]),
        rows,
    }
}

/// Each KPI in both sets, the difference and the test's p-value where one applies.
#[must_use]
pub fn comparison_table(c: &NamedComparison) -> TableSpec {
    let rows = c
        .comparison
        .kpis
        .iter()
        .map(|(key, k)| {
            vec![
                text(*key),
                opt(k.first, 4),
                opt(k.second, 4),
                opt(k.difference, 4),
                k.test.map_or(Cell::Empty, text),
                opt(k.p_value, 4),
            ]
        })
        .collect();
    TableSpec {
        id: "sessions_comparison".into(),
        title: format!("{} compared with {}", c.first, c.second),
        columns: columns(&[
            "kpi",
            &c.first,
            &c.second,
            "difference (second − first)",
            "test",
            "p-value",
        ]),
        rows,
    }
}

/// The per-minute series.
#[must_use]
pub fn minutes_table(minutes: &[Minute]) -> TableSpec {
    let rows = minutes
        .iter()
        .map(|m| {
            vec![
                Cell::Time(m.minute_ms),
                num(m.concurrent_views as f64, 0),
                num(m.requested_views as f64, 0),
                num(m.failures as f64, 0),
                opt(m.startup_p50_ms, 0),
                opt(m.startup_p95_ms, 0),
                pct(m.rebuffer_share),
            ]
        })
        .collect();
    TableSpec {
        id: "sessions_minutes".into(),
        title: "Per minute (UTC)".into(),
        columns: columns(&[
            "minute",
            "concurrent views",
            "requested",
            "failed",
            "startup p50 ms",
            "startup p95 ms",
            "rebuffering %",
        ]),
        rows,
    }
}

fn cdn_row(name: &str, s: &CdnStats) -> Vec<Cell> {
    vec![
        text(name),
        num(s.requests as f64, 0),
        pct(Some(s.error_share)),
        pct(Some(s.non_2xx_share)),
        pct(Some(s.long_response_share)),
        pct(Some(s.cache_hit_share)),
        opt(s.throughput_bps.map(|b| b / 1e6), 1),
        opt(s.p95_write_time_s, 3),
    ]
}

/// One row per POP, then all POPs together.
#[must_use]
pub fn cdn_table(report: &CdnReport) -> TableSpec {
    let mut rows: Vec<Vec<Cell>> = report
        .by_pop
        .iter()
        .map(|(pop, s)| cdn_row(pop, s))
        .collect();
    rows.push(cdn_row("(all)", &report.overall));
    TableSpec {
        id: "cdn_by_pop".into(),
        title: "CDN quality of service per POP".into(),
        columns: columns(&[
            "POP",
            "requests",
            "errors % (≥ 400)",
            "non-2xx %",
            "long responses %",
            "cache hits %",
            "throughput Mbit/s",
            "p95 write time s",
        ]),
        rows,
    }
}
