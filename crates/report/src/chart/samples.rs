//! Hand-made specs of every kind, including degenerate ones, for the renderers' tests.

use super::{BarSeries, BoxStats, ChartKind, ChartSpec, ColorScale, Mark, Series};

fn spec(id: &str, title: &str, x: &str, y: &str, kind: ChartKind) -> ChartSpec {
    ChartSpec {
        id: id.into(),
        title: title.into(),
        x_label: x.into(),
        y_label: y.into(),
        kind,
    }
}

fn series(name: &str, color: usize, mark: Mark) -> Series {
    Series {
        name: name.into(),
        color,
        mark,
    }
}

/// Charts as analyses produce them.
#[must_use]
pub fn typical() -> Vec<ChartSpec> {
    let xs: Vec<f64> = (0..=120).map(|i| f64::from(i) * 0.5).collect();
    let qoe = |x: f64| 3.5 + 0.6 * (x / 9.0).sin() - 0.01 * x;
    let line: Vec<[f64; 2]> = xs.iter().map(|&x| [x, qoe(x)]).collect();
    let points: Vec<[f64; 2]> = xs
        .iter()
        .step_by(6)
        .map(|&x| [x, qoe(x) + 0.3 * (x * 1.7).cos()])
        .collect();
    let ecdf = |shift: f64| -> Vec<[f64; 2]> {
        (0..40)
            .map(|i| {
                let x = shift + f64::from(i) * 0.12 + 0.05 * f64::from(i % 3);
                [x, f64::from(i + 1) / 40.0]
            })
            .collect()
    };
    let bins: Vec<f64> = (0..30).map(|i| f64::from(i) * 0.2 + 0.1).collect();
    let hist = |mu: f64, n: f64| -> Vec<f64> {
        bins.iter()
            .map(|&x| (n * (-(x - mu).powi(2) / 0.8).exp()).round())
            .collect()
    };
    let categories: Vec<String> = ["web", "android", "ios", "smart tv", "console", "other"]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    let bar = |name: &str, color: usize, values: Vec<f64>| BarSeries {
        name: name.into(),
        color,
        values,
    };
    let bar_series = vec![
        bar("buffering", 5, vec![120.0, 340.0, 210.0, 90.0, 30.0, 12.0]),
        bar("startup failure", 1, vec![40.0, 80.0, 60.0, 20.0, 8.0, 3.0]),
        bar("playback error", 0, vec![15.0, 60.0, 22.0, 35.0, 5.0, 1.0]),
    ];
    let many: Vec<String> = (0..36)
        .map(|i| format!("customer-{i:02} (eu-west streaming region)"))
        .collect();
    let names = [
        "qoe",
        "engagement",
        "bitrate",
        "rebuffer ratio",
        "startup ms",
        "errors",
    ];
    let corr: Vec<Vec<f64>> = (0..6)
        .map(|r| {
            (0..6)
                .map(|c| {
                    if r == c {
                        1.0
                    } else {
                        let v = f64::from((r * 7 + c * 5) % 11) / 5.0 - 1.0;
                        (v * 100.0).round() / 100.0
                    }
                })
                .collect()
        })
        .collect();
    let hours: Vec<String> = (0..24).map(|h| format!("{h:02}:00")).collect();
    let days: Vec<String> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    let counts: Vec<Vec<f64>> = (0..7)
        .map(|d| {
            (0..24)
                .map(|h| {
                    if d == 2 && h == 5 {
                        f64::NAN
                    } else {
                        f64::from((h * 37 + d * 101) % 900 + 20 * h)
                    }
                })
                .collect()
        })
        .collect();
    let boxes = ["web", "android", "ios", "smart tv", "console"]
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let s = i as f64;
            BoxStats {
                label: (*label).to_string(),
                n: 1000 + 250 * i,
                whisker_low: 1.0 + 0.2 * s,
                q1: 2.6 + 0.1 * s,
                median: 3.2 + 0.15 * s,
                q3: 3.8 + 0.1 * s,
                whisker_high: 4.9 - 0.05 * s,
            }
        })
        .collect();
    vec![
        spec(
            "xy_lines",
            "Mean QoE over the event",
            "minutes since event start",
            "QoE score (1–5)",
            ChartKind::Xy {
                series: vec![
                    series(
                        "95% band",
                        0,
                        Mark::Band {
                            x: xs.clone(),
                            low: xs.iter().map(|&x| qoe(x) - 0.4).collect(),
                            high: xs.iter().map(|&x| qoe(x) + 0.4).collect(),
                        },
                    ),
                    series("mean QoE", 0, Mark::Line(line)),
                    series("sampled sessions", 5, Mark::Points(points)),
                ],
                y_range: None,
            },
        ),
        spec(
            "xy_ecdf",
            "ECDF of engagement by viewer type",
            "engagement (minutes)",
            "share of viewers",
            ChartKind::Xy {
                series: vec![
                    series("new viewers", 0, Mark::Steps(ecdf(0.0))),
                    series("returning viewers", 1, Mark::Steps(ecdf(1.0))),
                ],
                y_range: Some([0.0, 1.0]),
            },
        ),
        spec(
            "xy_histogram",
            "QoE distribution: anomalous vs normal sessions",
            "QoE score",
            "sessions",
            ChartKind::Xy {
                series: vec![
                    series(
                        "normal",
                        0,
                        Mark::Bars {
                            x: bins.clone(),
                            heights: hist(3.8, 900.0),
                            width: 0.2,
                        },
                    ),
                    series(
                        "anomalous",
                        5,
                        Mark::Bars {
                            x: bins.clone(),
                            heights: hist(2.4, 400.0),
                            width: 0.2,
                        },
                    ),
                ],
                y_range: None,
            },
        ),
        spec(
            "bars_grouped",
            "Errors by platform",
            "platform",
            "events",
            ChartKind::Bars {
                categories: categories.clone(),
                series: bar_series.clone(),
                stacked: false,
            },
        ),
        spec(
            "bars_stacked",
            "Errors by platform (stacked)",
            "platform",
            "events",
            ChartKind::Bars {
                categories,
                series: bar_series,
                stacked: true,
            },
        ),
        spec(
            "bars_many",
            "Sessions per customer",
            "customer",
            "sessions",
            ChartKind::Bars {
                categories: many,
                series: vec![bar(
                    "sessions",
                    2,
                    (0..36).map(|i| f64::from((i * 53) % 97 + 10)).collect(),
                )],
                stacked: false,
            },
        ),
        spec(
            "heatmap_corr",
            "Correlation of session metrics",
            "",
            "",
            ChartKind::Heatmap {
                x_labels: names.iter().map(|s| (*s).to_string()).collect(),
                y_labels: names.iter().map(|s| (*s).to_string()).collect(),
                values: corr,
                scale: ColorScale::Diverging {
                    min: -1.0,
                    max: 1.0,
                },
                show_values: true,
            },
        ),
        spec(
            "heatmap_counts",
            "Sessions by weekday and hour",
            "hour of day",
            "weekday",
            ChartKind::Heatmap {
                x_labels: hours,
                y_labels: days,
                values: counts,
                scale: ColorScale::Sequential { max: 1400.0 },
                show_values: true,
            },
        ),
        spec(
            "boxes",
            "QoE by platform",
            "platform",
            "QoE score",
            ChartKind::Boxes { boxes },
        ),
    ]
}

/// Inputs that must draw without panicking: empty, NaN, one point, zero width, infinities.
#[must_use]
pub fn degenerate() -> Vec<ChartSpec> {
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    vec![
        spec(
            "empty_xy",
            "Nothing",
            "x",
            "y",
            ChartKind::Xy {
                series: vec![],
                y_range: None,
            },
        ),
        spec(
            "nan_xy",
            "All NaN",
            "x",
            "y",
            ChartKind::Xy {
                series: vec![
                    series("nan line", 0, Mark::Line(vec![[nan, nan], [nan, 1.0]])),
                    series(
                        "nan band",
                        1,
                        Mark::Band {
                            x: vec![nan, nan],
                            low: vec![nan, 0.0],
                            high: vec![1.0],
                        },
                    ),
                ],
                y_range: Some([nan, 1.0]),
            },
        ),
        spec(
            "single_point",
            "One point",
            "x",
            "y",
            ChartKind::Xy {
                series: vec![
                    series("one", 0, Mark::Points(vec![[5.0, 5.0]])),
                    series("", 1, Mark::Steps(vec![[5.0, 5.0]])),
                    series(
                        "",
                        2,
                        Mark::Bars {
                            x: vec![5.0],
                            heights: vec![0.0],
                            width: 0.0,
                        },
                    ),
                ],
                y_range: Some([1.0, 1.0]),
            },
        ),
        spec(
            "infinite",
            "Infinities and huge values",
            "x",
            "y",
            ChartKind::Xy {
                series: vec![series(
                    "inf",
                    12,
                    Mark::Line(vec![[0.0, inf], [1.0, -inf], [2.0, 1e300], [3.0, -1e300]]),
                )],
                y_range: None,
            },
        ),
        spec(
            "empty_bars",
            "No categories",
            "",
            "",
            ChartKind::Bars {
                categories: vec![],
                series: vec![],
                stacked: true,
            },
        ),
        spec(
            "ragged_bars",
            "Ragged and NaN bars",
            "c",
            "v",
            ChartKind::Bars {
                categories: vec!["a".into(), "b".into()],
                series: vec![
                    BarSeries {
                        name: "short".into(),
                        color: 0,
                        values: vec![nan],
                    },
                    BarSeries {
                        name: "long".into(),
                        color: 1,
                        values: vec![-1.0, 2.0, 3.0],
                    },
                ],
                stacked: true,
            },
        ),
        spec(
            "empty_heatmap",
            "Empty grid",
            "",
            "",
            ChartKind::Heatmap {
                x_labels: vec![],
                y_labels: vec![],
                values: vec![],
                scale: ColorScale::Sequential { max: 0.0 },
                show_values: true,
            },
        ),
        spec(
            "ragged_heatmap",
            "Ragged grid",
            "x",
            "y",
            ChartKind::Heatmap {
                x_labels: vec!["only".into()],
                y_labels: vec![],
                values: vec![vec![nan, 1.0, 2.0], vec![], vec![inf]],
                scale: ColorScale::Diverging { min: 1.0, max: 1.0 },
                show_values: true,
            },
        ),
        spec(
            "empty_boxes",
            "No boxes",
            "",
            "",
            ChartKind::Boxes { boxes: vec![] },
        ),
        spec(
            "nan_boxes",
            "NaN box",
            "g",
            "v",
            ChartKind::Boxes {
                boxes: vec![BoxStats {
                    label: "nan".into(),
                    n: 0,
                    whisker_low: nan,
                    q1: nan,
                    median: 2.0,
                    q3: nan,
                    whisker_high: nan,
                }],
            },
        ),
    ]
}
