//! Charts of the Sessions view: the per-minute series (concurrent views, start-up p50/p95,
//! rebuffering, failures), the experience scores per value of a dimension, and the CDN's
//! quality of service per POP. Drawing data only: the numbers come from
//! `streamlens_sessions`.

use std::collections::BTreeMap;

use super::{BarSeries, ChartKind, ChartSpec, Mark, Series};
use streamlens_engine::time_fmt::format_iso;
use streamlens_sessions::{CdnReport, Kpis, Minute};

/// Categories drawn in a breakdown chart (the table lists every value).
pub const TOP_VALUES: usize = 15;

fn xy(id: &str, title: &str, x_label: &str, y_label: &str, series: Vec<Series>) -> ChartSpec {
    ChartSpec {
        id: id.into(),
        title: title.into(),
        x_label: x_label.into(),
        y_label: y_label.into(),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}

fn line(name: &str, color: usize, points: Vec<[f64; 2]>) -> Series {
    Series {
        name: name.into(),
        color,
        mark: Mark::Line(points),
    }
}

/// "minutes since 2026-11-12 15:00 UTC" for a series starting at `first_ms`.
fn minutes_axis(first_ms: i64) -> String {
    let iso = format_iso(first_ms);
    format!("minutes since {} {} UTC", &iso[..10], &iso[11..16])
}

/// Concurrent views, start-up p50/p95, rebuffering and failures per minute; empty without
/// minutes.
#[must_use]
pub fn minute_charts(minutes: &[Minute]) -> Vec<ChartSpec> {
    let Some(first) = minutes.first().map(|m| m.minute_ms) else {
        return Vec::new();
    };
    let x = |m: &Minute| (m.minute_ms - first) as f64 / 60_000.0;
    let points = |f: &dyn Fn(&Minute) -> Option<f64>| -> Vec<[f64; 2]> {
        minutes
            .iter()
            .map(|m| [x(m), f(m).unwrap_or(f64::NAN)])
            .collect()
    };
    let bars = |name: &str, color: usize, count: &dyn Fn(&Minute) -> u64| Series {
        name: name.into(),
        color,
        mark: Mark::Bars {
            x: minutes.iter().map(x).collect(),
            heights: minutes.iter().map(|m| count(m) as f64).collect(),
            width: 0.9,
        },
    };
    let axis = minutes_axis(first);
    vec![
        xy(
            "sessions_concurrent_views",
            "Concurrent views per minute",
            &axis,
            "views",
            vec![line(
                "concurrent views",
                0,
                points(&|m| Some(m.concurrent_views as f64)),
            )],
        ),
        xy(
            "sessions_startup",
            "Start-up time by request minute",
            &axis,
            "ms",
            vec![
                line("p50", 0, points(&|m| m.startup_p50_ms)),
                line("p95", 1, points(&|m| m.startup_p95_ms)),
            ],
        ),
        xy(
            "sessions_rebuffering",
            "Rebuffering by request minute (stall ÷ watch time)",
            &axis,
            "% of watch time",
            vec![line(
                "rebuffer share",
                5,
                points(&|m| m.rebuffer_share.map(|s| 100.0 * s)),
            )],
        ),
        ChartSpec {
            id: "sessions_failures".into(),
            title: "Views requested and failed each minute".into(),
            x_label: axis.clone(),
            y_label: "views".into(),
            kind: ChartKind::Xy {
                series: vec![
                    bars("requested", 8, &|m| m.requested_views),
                    bars("failed", 5, &|m| m.failures),
                ],
                y_range: None,
            },
        },
    ]
}

/// The four experience scores per value of `dimension`, the values with the most views
/// first (at most [`TOP_VALUES`]).
#[must_use]
pub fn breakdown_scores(dimension: &str, values: &BTreeMap<String, Kpis>) -> ChartSpec {
    let mut order: Vec<(&String, &Kpis)> = values.iter().collect();
    order.sort_by(|a, b| b.1.views.cmp(&a.1.views).then(a.0.cmp(b.0)));
    order.truncate(TOP_VALUES);
    let series = |name: &str, color: usize, f: fn(&Kpis) -> Option<f64>| BarSeries {
        name: name.into(),
        color,
        values: order
            .iter()
            .map(|(_, k)| f(k).unwrap_or(f64::NAN))
            .collect(),
    };
    ChartSpec {
        id: format!("sessions_scores_by_{dimension}"),
        title: format!("Experience scores by {dimension} (most views first)"),
        x_label: dimension.into(),
        y_label: "score (0–100)".into(),
        kind: ChartKind::Bars {
            categories: order.iter().map(|(v, _)| (*v).clone()).collect(),
            series: vec![
                series("playback success", 2, |k| k.playback_success_score),
                series("startup", 0, |k| k.startup_score),
                series("smoothness", 4, |k| k.smoothness_score),
                series("experience", 1, |k| k.experience_score),
            ],
            stacked: false,
        },
    }
}

/// Error, long-response and cache-miss shares per POP; and each POP's error share per
/// minute (empty when the log spans more than `max_minutes`).
#[must_use]
pub fn cdn_charts(report: &CdnReport, max_minutes: usize) -> Vec<ChartSpec> {
    let pops: Vec<&String> = report.by_pop.keys().collect();
    let share =
        |name: &str, color: usize, f: fn(&streamlens_sessions::CdnStats) -> f64| BarSeries {
            name: name.into(),
            color,
            values: report.by_pop.values().map(|s| 100.0 * f(s)).collect(),
        };
    let mut charts = vec![ChartSpec {
        id: "cdn_by_pop".into(),
        title: "CDN quality of service per POP".into(),
        x_label: "POP".into(),
        y_label: "% of requests".into(),
        kind: ChartKind::Bars {
            categories: pops.iter().map(|p| (*p).clone()).collect(),
            series: vec![
                share("errors (status ≥ 400)", 5, |s| s.error_share),
                share("long responses (> 0.2 s)", 1, |s| s.long_response_share),
                share("cache misses", 7, |s| 1.0 - s.cache_hit_share),
            ],
            stacked: false,
        },
    }];
    let (Some(&first), Some(&last)) = (report.minutes.keys().next(), report.minutes.keys().last())
    else {
        return charts;
    };
    if ((last - first) / 60_000) as usize >= max_minutes {
        return charts;
    }
    let series = pops
        .iter()
        .enumerate()
        .map(|(i, pop)| {
            let points = report
                .minutes
                .iter()
                .map(|(&minute, by_pop)| {
                    let y = by_pop.get(*pop).map_or(f64::NAN, |s| 100.0 * s.error_share);
                    [(minute - first) as f64 / 60_000.0, y]
                })
                .collect();
            line(pop, i, points)
        })
        .collect();
    charts.push(xy(
        "cdn_errors_per_minute",
        "CDN error share per minute and POP (status ≥ 400)",
        &minutes_axis(first),
        "% of requests",
        series,
    ));
    charts
}
