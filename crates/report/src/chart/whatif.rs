//! Charts of the Network ▸ What-if view: players compared (mean and median `QoE_lin`, the
//! distribution of `QoE_lin` over sessions, rebuffering), one session's timeline, and the
//! office link's outcome per ladder cap. Drawing data only: the numbers come from
//! `streamlens_abr`.

use super::{BarSeries, ChartKind, ChartSpec, Mark, Series};
use streamlens_abr::Simulation;
use streamlens_abr::capacity::CapacityAdvice;
use streamlens_abr::evaluate::Evaluation;

const BITRATE: usize = 0;
const THROUGHPUT: usize = 1;
const BUFFER: usize = 2;
const STALL: usize = 5;

fn players(e: &Evaluation) -> Vec<String> {
    e.summary.iter().map(|s| s.algorithm.to_string()).collect()
}

/// Mean and median `QoE_lin` per player (higher is better).
#[must_use]
pub fn players_qoe(e: &Evaluation) -> ChartSpec {
    ChartSpec {
        id: "whatif_qoe".into(),
        title: "QoE_lin per player (higher is better)".into(),
        x_label: "player".into(),
        y_label: "QoE_lin per segment".into(),
        kind: ChartKind::Bars {
            categories: players(e),
            series: vec![
                BarSeries {
                    name: "mean".into(),
                    color: 0,
                    values: e.summary.iter().map(|s| s.qoe_lin_mean).collect(),
                },
                BarSeries {
                    name: "median".into(),
                    color: 1,
                    values: e.summary.iter().map(|s| s.qoe_lin_median).collect(),
                },
            ],
            stacked: false,
        },
    }
}

/// Mean rebuffer ratio per player, in percent of the session.
#[must_use]
pub fn players_rebuffer(e: &Evaluation) -> ChartSpec {
    ChartSpec {
        id: "whatif_rebuffer".into(),
        title: "Rebuffering per player".into(),
        x_label: "player".into(),
        y_label: "% of session time stalled".into(),
        kind: ChartKind::Bars {
            categories: players(e),
            series: vec![BarSeries {
                name: "rebuffer ratio".into(),
                color: STALL,
                values: e
                    .summary
                    .iter()
                    .map(|s| 100.0 * s.rebuffer_ratio_mean)
                    .collect(),
            }],
            stacked: false,
        },
    }
}

/// The empirical CDF of `QoE_lin` over sessions, one step line per player.
#[must_use]
pub fn qoe_cdf(e: &Evaluation) -> ChartSpec {
    let series = e
        .summary
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let sorted = e.sorted_qoe(s.algorithm);
            let n = sorted.len() as f64;
            let mut points = Vec::with_capacity(sorted.len() + 1);
            if let Some(&first) = sorted.first() {
                points.push([first, 0.0]);
            }
            points.extend(
                sorted
                    .iter()
                    .enumerate()
                    .map(|(k, &q)| [q, (k + 1) as f64 / n]),
            );
            Series {
                name: s.algorithm.to_string(),
                color: i,
                mark: Mark::Steps(points),
            }
        })
        .collect();
    ChartSpec {
        id: "whatif_qoe_cdf".into(),
        title: "CDF of QoE_lin over sessions".into(),
        x_label: "QoE_lin per segment".into(),
        y_label: "share of sessions".into(),
        kind: ChartKind::Xy {
            series,
            y_range: Some([0.0, 1.0]),
        },
    }
}

/// One session: the rendition chosen for each segment (from its request on) and the
/// throughput its download measured (at its arrival).
#[must_use]
pub fn session_bitrate(run: &Simulation, label: &str) -> ChartSpec {
    let chosen = run
        .segments
        .iter()
        .map(|s| [s.request_s, s.bitrate_kbps])
        .collect();
    let measured = run
        .segments
        .iter()
        .map(|s| [s.request_s + s.download_s, s.throughput_kbps])
        .collect();
    ChartSpec {
        id: "whatif_session_bitrate".into(),
        title: format!("{label}: rendition, throughput"),
        x_label: "seconds since the first request".into(),
        y_label: "kbit/s".into(),
        kind: ChartKind::Xy {
            series: vec![
                Series {
                    name: "rendition".into(),
                    color: BITRATE,
                    mark: Mark::Steps(chosen),
                },
                Series {
                    name: "throughput".into(),
                    color: THROUGHPUT,
                    mark: Mark::Line(measured),
                },
            ],
            y_range: None,
        },
    }
}

/// One session: the buffer after each download, and each stall's length where it ended.
#[must_use]
pub fn session_buffer(run: &Simulation, label: &str) -> ChartSpec {
    let buffer = run
        .segments
        .iter()
        .map(|s| [s.request_s + s.download_s, s.buffer_s])
        .collect();
    let stalls: Vec<[f64; 2]> = run
        .segments
        .iter()
        .filter(|s| s.rebuffer_s > 0.0)
        .map(|s| [s.request_s + s.download_s, s.rebuffer_s])
        .collect();
    let mut series = vec![Series {
        name: "buffer".into(),
        color: BUFFER,
        mark: Mark::Line(buffer),
    }];
    if !stalls.is_empty() {
        series.push(Series {
            name: "stall".into(),
            color: STALL,
            mark: Mark::Points(stalls),
        });
    }
    ChartSpec {
        id: "whatif_session_buffer".into(),
        title: format!(
            "{label}: buffer, stalls ({} in all, {:.1} s)",
            run.segments.iter().filter(|s| s.rebuffer_s > 0.0).count(),
            run.summary.rebuffer_s
        ),
        x_label: "seconds since the first request".into(),
        y_label: "seconds of video".into(),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}

/// The office per ladder cap: mean rebuffer and the share of viewers stalling ≥ 1 %.
#[must_use]
pub fn office_rebuffer(advice: &CapacityAdvice) -> ChartSpec {
    let categories = advice
        .outcomes
        .iter()
        .map(|o| format!("{:.0}", o.cap_kbps))
        .collect();
    ChartSpec {
        id: "whatif_office_rebuffer".into(),
        title: format!(
            "{} viewers on {} Mbit/s: rebuffering by ladder cap",
            advice.office.viewers, advice.office.link_mbps
        ),
        x_label: "highest rendition allowed (kbit/s)".into(),
        y_label: "%".into(),
        kind: ChartKind::Bars {
            categories,
            series: vec![
                BarSeries {
                    name: "mean rebuffer ratio".into(),
                    color: STALL,
                    values: advice
                        .outcomes
                        .iter()
                        .map(|o| 100.0 * o.rebuffer_ratio_mean)
                        .collect(),
                },
                BarSeries {
                    name: "viewers stalled ≥ 1 % of the time".into(),
                    color: 3,
                    values: advice
                        .outcomes
                        .iter()
                        .map(|o| 100.0 * o.stalled_share)
                        .collect(),
                },
            ],
            stacked: false,
        },
    }
}

/// The office per ladder cap: mean `QoE_lin`.
#[must_use]
pub fn office_qoe(advice: &CapacityAdvice) -> ChartSpec {
    ChartSpec {
        id: "whatif_office_qoe".into(),
        title: format!("Mean QoE_lin by ladder cap ({})", advice.algorithm),
        x_label: "highest rendition allowed (kbit/s)".into(),
        y_label: "QoE_lin per segment".into(),
        kind: ChartKind::Bars {
            categories: advice
                .outcomes
                .iter()
                .map(|o| format!("{:.0}", o.cap_kbps))
                .collect(),
            series: vec![BarSeries {
                name: "mean QoE_lin".into(),
                color: 0,
                values: advice.outcomes.iter().map(|o| o.qoe_lin_mean).collect(),
            }],
            stacked: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use streamlens_abr::Algorithm;
    use streamlens_abr::synthetic::Profile;
    use streamlens_abr::whatif::{ManifestSource, TraceSource, WhatIfRequest, run_whatif};

    #[test]
    fn cdf_ends_at_one_and_session_charts_follow_the_segments() {
        let r = run_whatif(&WhatIfRequest {
            traces: TraceSource::Synthetic {
                profile: Profile::Mobile3g,
                count: 4,
                seed: 3,
            },
            manifest: ManifestSource::Synthetic { seed: 1 },
            algorithms: vec![Algorithm::Bola, Algorithm::Bba],
            buffer_s: 25.0,
            learned: streamlens_abr::whatif_learned::LearnedChoice::default(),
        })
        .unwrap();
        let ChartKind::Xy { series, .. } = qoe_cdf(&r.evaluation).kind else {
            panic!("an x-y chart");
        };
        assert_eq!(series.len(), 2);
        for s in &series {
            let Mark::Steps(points) = &s.mark else {
                panic!("steps")
            };
            assert_eq!(points.len(), 5);
            assert!(points[0][1].abs() < 1e-12);
            assert!((points[4][1] - 1.0).abs() < 1e-12);
        }
        let run = r.session(0, "bola").unwrap();
        let ChartKind::Xy { series, .. } = session_bitrate(run, "x").kind else {
            panic!("an x-y chart");
        };
        let Mark::Steps(chosen) = &series[0].mark else {
            panic!("steps")
        };
        assert_eq!(chosen.len(), run.segments.len());
        let ChartKind::Bars { series, .. } = players_qoe(&r.evaluation).kind else {
            panic!("bars");
        };
        assert_eq!(
            series[0].values[0].to_bits(),
            r.evaluation.summary[0].qoe_lin_mean.to_bits()
        );
    }
}
