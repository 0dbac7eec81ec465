//! Analysis results → chart specs. The window and the exports both call these,
//! so a chart is defined once.

use crate::chart::{BarSeries, ChartKind, ChartSpec, ColorScale, Mark, RAMP_BASE, Series};
use streamlens_engine::analysis::correlation::Correlation;
use streamlens_engine::analysis::differences::Differences;
use streamlens_engine::analysis::drivers::{Drivers, Scatter};
use streamlens_engine::analysis::durations::LevelDurations;
use streamlens_engine::analysis::groups::OTHER;
use streamlens_engine::analysis::over_time::{HISTOGRAM_BINS, OverTime, TimeAxis};
use streamlens_engine::analysis::sessions::{LEVELS, level_label};
use streamlens_engine::analysis::suite::{Analyses, AnalysisKind};
use streamlens_engine::analysis::viewer_type::ViewerTypeComparison;

/// Groups drawn per level-duration chart (most seconds first).
pub const DURATION_GROUPS: usize = 15;

/// Every chart of one analysis (empty when it has not run).
#[must_use]
pub fn charts(analyses: &Analyses, kind: AnalysisKind, axis: TimeAxis) -> Vec<ChartSpec> {
    match kind {
        AnalysisKind::OverTime => analyses
            .over_time
            .iter()
            .flatten()
            .flat_map(|o| [over_time_chart(o, axis), over_time_histogram(o)])
            .collect(),
        AnalysisKind::ViewerTypes => analyses
            .viewer_types
            .iter()
            .flatten()
            .flatten()
            .flat_map(|c| [viewer_type_ecdf(c), viewer_type_histogram(c)])
            .collect(),
        AnalysisKind::Durations => analyses
            .durations
            .iter()
            .flatten()
            .map(level_chart)
            .collect(),
        AnalysisKind::Differences => analyses
            .differences
            .iter()
            .flat_map(difference_charts)
            .collect(),
        AnalysisKind::Correlations => analyses
            .correlation
            .iter()
            .flat_map(|c| [correlation_chart(c, false), correlation_chart(c, true)])
            .collect(),
        AnalysisKind::Events => Vec::new(),
        AnalysisKind::Drivers => analyses.drivers.iter().flat_map(driver_charts).collect(),
    }
}

fn metric_name(column: &str) -> &str {
    match column {
        "qoe" => "QoE",
        "engagement" => "Engagement",
        other => other,
    }
}

fn group_color(groups: &[String], index: usize) -> usize {
    // "other" is always grey so it never looks like a named group.
    if groups.get(index).is_some_and(|g| g == OTHER) {
        7
    } else {
        index
    }
}

fn over_time_chart(o: &OverTime, axis: TimeAxis) -> ChartSpec {
    let metric = metric_name(o.metric.column());
    // Calendar bins are drawn as hours since the first bin, which reads better than epoch hours.
    let first_ms = o
        .rows
        .iter()
        .filter_map(|r| r.bin_start_ms)
        .min()
        .unwrap_or(0);
    let mut series = Vec::new();
    for (gi, group) in o.groups.iter().enumerate() {
        let rows: Vec<_> = o.rows.iter().filter(|r| &r.group == group).collect();
        let x: Vec<f64> = rows
            .iter()
            .map(|r| match (r.minute, r.bin_start_ms) {
                (Some(m), _) => m as f64,
                (None, Some(ms)) => (ms - first_ms) as f64 / 3_600_000.0,
                (None, None) => 0.0,
            })
            .collect();
        let color = group_color(&o.groups, gi);
        series.push(Series {
            name: format!("{group} p10–p90"),
            color,
            mark: Mark::Band {
                x: x.clone(),
                low: rows.iter().map(|r| r.p10).collect(),
                high: rows.iter().map(|r| r.p90).collect(),
            },
        });
        series.push(Series {
            name: format!("{group} p25–p75"),
            color,
            mark: Mark::Band {
                x: x.clone(),
                low: rows.iter().map(|r| r.p25).collect(),
                high: rows.iter().map(|r| r.p75).collect(),
            },
        });
        series.push(Series {
            name: format!("{group} median"),
            color,
            mark: Mark::Line(x.iter().zip(&rows).map(|(&x, r)| [x, r.p50]).collect()),
        });
    }
    let x_label = match axis {
        TimeAxis::EventMinutes(_) => "minutes since event start".to_string(),
        TimeAxis::Hour | TimeAxis::Day => format!(
            "hours since {} UTC",
            streamlens_engine::time_fmt::format_utc_minute(first_ms)
        ),
    };
    ChartSpec {
        id: format!("over_time_{}", o.metric.column()),
        title: format!("{metric} over time: median, p25–p75 and p10–p90"),
        x_label,
        y_label: format!("{metric} (0–1)"),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}

fn histogram_series(name: &str, color: usize, shares: &[f64]) -> Series {
    let width = 1.0 / HISTOGRAM_BINS as f64;
    Series {
        name: name.to_string(),
        color,
        mark: Mark::Bars {
            x: (0..shares.len())
                .map(|b| (b as f64 + 0.5) * width)
                .collect(),
            heights: shares.to_vec(),
            width,
        },
    }
}

fn over_time_histogram(o: &OverTime) -> ChartSpec {
    let metric = metric_name(o.metric.column());
    let width = 1.0 / HISTOGRAM_BINS as f64;
    let series = o
        .groups
        .iter()
        .zip(&o.histograms)
        .enumerate()
        .map(|(gi, (group, shares))| Series {
            name: group.clone(),
            color: group_color(&o.groups, gi),
            mark: Mark::Line(
                shares
                    .iter()
                    .enumerate()
                    .map(|(b, &s)| [(b as f64 + 0.5) * width, s])
                    .collect(),
            ),
        })
        .collect();
    ChartSpec {
        id: format!("distribution_{}", o.metric.column()),
        title: format!("{metric} distribution per group"),
        x_label: format!("{metric} (0–1, bins of {width})"),
        y_label: "share of the group's samples".into(),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}

fn viewer_type_ecdf(c: &ViewerTypeComparison) -> ChartSpec {
    let metric = metric_name(c.metric.column());
    let series = c
        .groups
        .iter()
        .enumerate()
        .map(|(i, (name, g))| Series {
            name: format!("{name} (n = {})", g.n),
            color: i,
            mark: Mark::Steps(g.ecdf.clone()),
        })
        .collect();
    let title = match (c.ks_statistic, c.ks_p_value) {
        (Some(d), Some(p)) => format!(
            "{metric} ECDF by viewer type (KS D = {d:.3}, {})",
            p_text("p", p)
        ),
        _ => format!("{metric} ECDF by viewer type"),
    };
    ChartSpec {
        id: format!("viewer_type_{}_ecdf", c.metric.column()),
        title,
        x_label: format!("{metric} (0–1)"),
        y_label: "share of samples ≤ x".into(),
        kind: ChartKind::Xy {
            series,
            y_range: Some([0.0, 1.0]),
        },
    }
}

/// A p- or q-value as text; one that underflows to 0 reads as a bound, not as "0".
fn p_text(name: &str, p: f64) -> String {
    if p > 0.0 {
        format!("{name} = {p:.3e}")
    } else {
        format!("{name} < 1e-300")
    }
}

fn viewer_type_histogram(c: &ViewerTypeComparison) -> ChartSpec {
    let metric = metric_name(c.metric.column());
    let series = c
        .groups
        .iter()
        .enumerate()
        .map(|(i, (name, g))| histogram_series(name, i, &g.histogram))
        .collect();
    ChartSpec {
        id: format!("viewer_type_{}_histogram", c.metric.column()),
        title: format!("{metric} histogram by viewer type"),
        x_label: format!("{metric} (0–1)"),
        y_label: "share of the type's samples".into(),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}

fn level_chart(d: &LevelDurations) -> ChartSpec {
    let groups: Vec<_> = d.groups.iter().take(DURATION_GROUPS).collect();
    let series = (0..LEVELS)
        .map(|level| BarSeries {
            name: format!("engagement {}", level_label(level)),
            color: RAMP_BASE + level,
            values: groups.iter().map(|g| g.share[level]).collect(),
        })
        .collect();
    let noun = d.dimension.noun();
    let shown = if d.groups.len() > DURATION_GROUPS {
        format!(" (top {DURATION_GROUPS} of {} by time)", d.groups.len())
    } else {
        String::new()
    };
    ChartSpec {
        id: format!("level_duration_{}", d.dimension.column()),
        title: format!("Time at each engagement level by {noun}{shown}"),
        x_label: noun.to_string(),
        y_label: "share of viewing time".into(),
        kind: ChartKind::Bars {
            categories: groups.iter().map(|g| g.group.clone()).collect(),
            series,
            stacked: true,
        },
    }
}

fn difference_charts(d: &Differences) -> Vec<ChartSpec> {
    let metric = metric_name(d.metric.column());
    let customer = d.ecdf_customer.clone().unwrap_or_default();
    d.ecdfs
        .iter()
        .map(|g| {
            let verdict = d
                .countries
                .iter()
                .find(|r| r.customer_id == customer && r.group() == g.group)
                .map_or(String::new(), |r| {
                    format!(", D = {:.3}, {}", r.ks_statistic, p_text("q", r.q_value))
                });
            ChartSpec {
                id: format!("differences_{customer}_country_{}", g.group),
                title: format!("Customer {customer}, country {}{verdict}", g.group),
                x_label: format!("{metric} (0–1)"),
                y_label: "share ≤ x".into(),
                kind: ChartKind::Xy {
                    series: vec![
                        Series {
                            name: format!("country {} (n = {})", g.group, g.n),
                            color: 0,
                            mark: Mark::Steps(g.group_ecdf.clone()),
                        },
                        Series {
                            name: "rest of customer".into(),
                            color: 7,
                            mark: Mark::Steps(g.rest_ecdf.clone()),
                        },
                    ],
                    y_range: Some([0.0, 1.0]),
                },
            }
        })
        .collect()
}

fn correlation_chart(c: &Correlation, spearman: bool) -> ChartSpec {
    let matrix = if spearman { &c.spearman } else { &c.pearson };
    let name = if spearman { "Spearman" } else { "Pearson" };
    ChartSpec {
        id: format!("correlation_{}", name.to_lowercase()),
        title: format!("{name} correlation"),
        x_label: String::new(),
        y_label: String::new(),
        kind: ChartKind::Heatmap {
            x_labels: c.columns.clone(),
            y_labels: c.columns.clone(),
            values: matrix
                .iter()
                .map(|row| row.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
                .collect(),
            scale: ColorScale::Diverging {
                min: -1.0,
                max: 1.0,
            },
            show_values: true,
        },
    }
}

/// The 2-D histogram of columns `row` (y) and `col` (x) of the correlation matrix.
#[must_use]
pub fn pair_chart(c: &Correlation, row: usize, col: usize) -> Option<ChartSpec> {
    let (i, j) = (row.min(col), row.max(col));
    let pair = c.pairs.get(i)?.get(j)?.as_ref()?;
    // pairs[i][j] has x = column j, y = column i.
    let (x_name, y_name) = (&c.columns[j], &c.columns[i]);
    let edges = |r: [f64; 2], n: usize| -> Vec<String> {
        (0..n)
            .map(|b| format!("{:.3}", r[0] + (r[1] - r[0]) * (b as f64 + 0.5) / n as f64))
            .collect()
    };
    let n = pair.counts.len();
    let max = pair.counts.iter().flatten().copied().max().unwrap_or(0) as f64;
    Some(ChartSpec {
        id: format!("pair_{x_name}_{y_name}"),
        title: format!("{y_name} vs {x_name}: samples per cell"),
        x_label: format!("{x_name} (bin centre)"),
        y_label: format!("{y_name} (bin centre)"),
        kind: ChartKind::Heatmap {
            x_labels: edges(pair.x_range, n),
            // Row 0 is drawn on top: put the highest y bin first.
            y_labels: edges(pair.y_range, n).into_iter().rev().collect(),
            values: pair
                .counts
                .iter()
                .rev()
                .map(|row| row.iter().map(|&c| c as f64).collect())
                .collect(),
            scale: ColorScale::Sequential { max },
            show_values: false,
        },
    })
}

fn scatter_chart(id: &str, title: &str, x_label: &str, s: &Scatter) -> ChartSpec {
    let mut series = vec![Series {
        name: "events".into(),
        color: 0,
        mark: Mark::Points(s.points.clone()),
    }];
    if id == "engagement_vs_retention" {
        series[0].name = "viewers (sample)".into();
    }
    if let (Some(slope), Some(intercept)) = (s.slope, s.intercept) {
        let (lo, hi) = s
            .points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p[0]), b.max(p[0]))
            });
        if lo.is_finite() {
            series.push(Series {
                name: format!(
                    "least squares: y = {intercept:.3} {} {:.3e}·x",
                    if slope < 0.0 { "−" } else { "+" },
                    slope.abs()
                ),
                color: 5,
                mark: Mark::Line(vec![
                    [lo, intercept + slope * lo],
                    [hi, intercept + slope * hi],
                ]),
            });
        }
    }
    ChartSpec {
        id: id.to_string(),
        title: title.to_string(),
        x_label: x_label.to_string(),
        y_label: "mean engagement (0–1)".into(),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}

fn driver_charts(d: &Drivers) -> Vec<ChartSpec> {
    let r = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.3}"));
    vec![
        scatter_chart(
            "engagement_vs_viewers",
            &format!("Event engagement vs viewers (r = {})", r(d.values.viewers)),
            "distinct viewers per event",
            &d.viewers,
        ),
        scatter_chart(
            "engagement_vs_duration",
            &format!(
                "Event engagement vs duration (r = {})",
                r(d.values.duration)
            ),
            "event duration (s)",
            &d.duration,
        ),
        scatter_chart(
            "engagement_vs_retention",
            &format!(
                "Viewer engagement vs retention (r = {})",
                r(d.values.retention)
            ),
            "retention (share of the event watched)",
            &d.retention,
        ),
        ChartSpec {
            id: "engagement_by_weekday".into(),
            title: format!("Event engagement by weekday (η = {})", r(d.values.weekday)),
            x_label: "weekday of event start (UTC)".into(),
            y_label: "event mean engagement (0–1)".into(),
            kind: ChartKind::Boxes {
                boxes: d.by_weekday.clone(),
            },
        },
        ChartSpec {
            id: "engagement_by_country".into(),
            title: format!("Viewer engagement by country (η = {})", r(d.values.country)),
            x_label: "country (15 with the most viewers)".into(),
            y_label: "viewer mean engagement (0–1)".into(),
            kind: ChartKind::Boxes {
                boxes: d.by_country.clone(),
            },
        },
    ]
}
