//! Tables of the Network ▸ What-if view: the summary per player, every session, one
//! session's segments and the office per ladder cap. Formatting only; the same columns as
//! the CLI's `abr evaluate` and `abr office` where they overlap.

use crate::tables::{Cell, TableSpec, columns, num, text};
use streamlens_abr::Simulation;
use streamlens_abr::capacity::CapacityAdvice;
use streamlens_abr::evaluate::Evaluation;
use streamlens_engine::analysis::concurrency::CityPeak;

/// One row per player.
#[must_use]
pub fn players_summary(e: &Evaluation) -> TableSpec {
    TableSpec {
        id: "whatif_summary".into(),
        title: format!(
            "Players over {} traces, buffer cap {} s",
            e.traces, e.config.buffer_cap_s
        ),
        columns: columns(&[
            "player",
            "sessions",
            "qoe_lin_mean",
            "qoe_lin_median",
            "bitrate_kbps_mean",
            "rebuffer_pct_mean",
            "switches_mean",
            "startup_s_mean",
        ]),
        rows: e
            .summary
            .iter()
            .map(|s| {
                vec![
                    text(s.algorithm),
                    num(s.sessions as f64, 0),
                    num(s.qoe_lin_mean, 3),
                    num(s.qoe_lin_median, 3),
                    num(s.bitrate_kbps_mean, 0),
                    num(100.0 * s.rebuffer_ratio_mean, 3),
                    num(s.switches_mean, 1),
                    num(s.startup_s_mean, 2),
                ]
            })
            .collect(),
    }
}

/// One row per session (trace × player), in the evaluation's order.
#[must_use]
pub fn sessions(e: &Evaluation) -> TableSpec {
    TableSpec {
        id: "whatif_sessions".into(),
        title: "Sessions (click one to see its timeline)".into(),
        columns: columns(&[
            "trace",
            "player",
            "qoe_lin",
            "bitrate_kbps_mean",
            "rebuffer_s",
            "rebuffer_pct",
            "switches",
            "startup_s",
        ]),
        rows: e
            .sessions
            .iter()
            .map(|s| {
                let m = &s.summary;
                vec![
                    text(&s.trace),
                    text(s.algorithm),
                    num(m.qoe_lin, 3),
                    num(m.bitrate_kbps_mean, 0),
                    num(m.rebuffer_s, 2),
                    num(100.0 * m.rebuffer_ratio, 3),
                    num(m.switches as f64, 0),
                    num(m.startup_s, 2),
                ]
            })
            .collect(),
    }
}

/// One session's segments.
#[must_use]
pub fn segments(run: &Simulation, label: &str) -> TableSpec {
    TableSpec {
        id: "whatif_segments".into(),
        title: format!("{label}: segments"),
        columns: columns(&[
            "segment",
            "bitrate_kbps",
            "request_s",
            "download_s",
            "throughput_kbps",
            "rebuffer_s",
            "wait_s",
            "buffer_s",
        ]),
        rows: run
            .segments
            .iter()
            .map(|r| {
                vec![
                    num((r.index + 1) as f64, 0),
                    num(r.bitrate_kbps, 0),
                    num(r.request_s, 2),
                    num(r.download_s, 3),
                    num(r.throughput_kbps, 0),
                    num(r.rebuffer_s, 3),
                    num(r.wait_s, 2),
                    num(r.buffer_s, 2),
                ]
            })
            .collect(),
    }
}

/// One row per ladder cap, highest first, with whether it keeps the office smooth.
#[must_use]
pub fn office_outcomes(advice: &CapacityAdvice) -> TableSpec {
    TableSpec {
        id: "whatif_office".into(),
        title: format!(
            "{} viewers on {} Mbit/s with {}",
            advice.office.viewers, advice.office.link_mbps, advice.algorithm
        ),
        columns: columns(&[
            "cap_kbps",
            "qoe_lin_mean",
            "bitrate_kbps_mean",
            "rebuffer_pct_mean",
            "viewers_stalled_pct",
            "startup_s_mean",
            "smooth",
        ]),
        rows: advice
            .outcomes
            .iter()
            .map(|o| {
                vec![
                    num(o.cap_kbps, 0),
                    num(o.qoe_lin_mean, 3),
                    num(o.bitrate_kbps_mean, 0),
                    num(100.0 * o.rebuffer_ratio_mean, 3),
                    num(100.0 * o.stalled_share, 1),
                    num(o.startup_s_mean, 2),
                    text(if o.keeps_viewers_smooth() {
                        "yes"
                    } else {
                        "no"
                    }),
                ]
            })
            .collect(),
    }
}

/// Peak concurrent in-office viewers per city, busiest first (ties by city).
#[must_use]
pub fn city_peaks(peaks: &[CityPeak]) -> TableSpec {
    let mut sorted: Vec<&CityPeak> = peaks.iter().collect();
    sorted.sort_by(|a, b| b.viewers.cmp(&a.viewers).then(a.city.cmp(&b.city)));
    TableSpec {
        id: "whatif_city_peaks".into(),
        title: "Cities by peak in-office viewers (click one to use its peak)".into(),
        columns: columns(&["city", "peak_viewers", "minute_utc"]),
        rows: sorted
            .into_iter()
            .map(|p| {
                vec![
                    text(&p.city),
                    num(p.viewers as f64, 0),
                    Cell::Time(p.minute_ms),
                ]
            })
            .collect(),
    }
}
