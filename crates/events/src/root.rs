//! The root cause of an event: among the spans where some unit's smoothed window score passes
//! its level's threshold, the one whose `QoE` drop is best explained by that unit alone.
//!
//! Strength of a candidate (unit, span) = (drop of the unit's mean `QoE` below its usual − drop
//! of the rest of the audience below theirs, if positive) × √(unit's samples in the span). A
//! city-wide problem makes its city drop and the rest stay calm; a problem everybody has makes
//! the rest of every city drop too, so the whole event wins; a drop confined to one country's
//! home workers is diluted in the whole event and shared with the rest in any one city, so
//! their segment wins; a scope that leaves affected viewers out loses samples or gains a drop
//! outside.

use std::fmt::Write as _;

use super::features::{WindowFeature, median};
use super::score::ScoredUnit;
use super::windows::{EventWindows, MINUTE_MS, Unit, Window};
use streamlens_engine::dataset::Dataset;
use streamlens_engine::schema::Canonical;

/// Where and when an event's anomaly was, in words and in the generator's scope syntax.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RootCause {
    pub unit: Unit,
    /// `all`, `city_id=12` or `country_id=3&viewer_type=WFH` (labels, not codes).
    pub scope: String,
    /// `city 12, 14:05–14:25 UTC: QoE 0.41 vs 0.93 usual`.
    pub text: String,
    pub start_ms: i64,
    /// End of the span's last minute (exclusive).
    pub end_ms: i64,
    pub qoe: f64,
    pub qoe_usual: f64,
    pub strength: f64,
}

/// Gaps up to this many minutes inside a run of high windows do not split it.
const MAX_GAP_MINUTES: i64 = 2;

/// A span of one unit's windows `[first, last]` (indices into its series).
struct Candidate {
    unit_index: usize,
    first: usize,
    last: usize,
}

/// The root cause of `event`, or `None` when no unit could be scored. `thresholds[level]` is
/// the smoothed-score threshold of each level; without any window over it, the single highest
/// window is reported (the event's most unusual minute).
#[must_use]
pub fn find_root_cause(
    dataset: &Dataset,
    event: &EventWindows,
    units: &[ScoredUnit],
    thresholds: &[f64],
    features: &[WindowFeature],
) -> Option<RootCause> {
    let mut candidates = Vec::new();
    for (ui, unit) in units.iter().enumerate() {
        let windows = &event.units[ui].windows;
        let level_tau = thresholds
            .get(unit.unit.level())
            .copied()
            .unwrap_or(f64::NAN);
        let mut open: Option<(usize, usize)> = None;
        for (w, &s) in unit.smooth.iter().enumerate() {
            if s.partial_cmp(&level_tau) != Some(std::cmp::Ordering::Greater) {
                continue;
            }
            open = match open {
                Some((first, last))
                    if windows[w].minute_ms - windows[last].minute_ms
                        <= (MAX_GAP_MINUTES + 1) * MINUTE_MS =>
                {
                    Some((first, w))
                }
                Some((first, last)) => {
                    candidates.push(Candidate {
                        unit_index: ui,
                        first,
                        last,
                    });
                    Some((w, w))
                }
                None => Some((w, w)),
            };
        }
        if let Some((first, last)) = open {
            candidates.push(Candidate {
                unit_index: ui,
                first,
                last,
            });
        }
    }
    if candidates.is_empty() {
        let (ui, w, _) = units
            .iter()
            .enumerate()
            .flat_map(|(ui, u)| u.smooth.iter().enumerate().map(move |(w, &s)| (ui, w, s)))
            .filter(|(_, _, s)| s.is_finite())
            .max_by(|a, b| a.2.total_cmp(&b.2))?;
        candidates.push(Candidate {
            unit_index: ui,
            first: w,
            last: w,
        });
    }
    let qoe_feature = features.iter().position(|f| *f == WindowFeature::QoeMean)?;
    let all_windows = &event.units.first()?.windows;
    let (best, strength) = candidates
        .iter()
        .map(|c| {
            let unit = &units[c.unit_index];
            let span = &event.units[c.unit_index].windows[c.first..=c.last];
            let (samples, qoe_sum) = totals(span.iter().map(|w| (w.samples, w.qoe_sum)));
            let drop_inside = unit.baseline.usual[qoe_feature].median - qoe_sum / samples;
            let drop_outside = if unit.unit == Unit::All {
                0.0
            } else {
                complement_drop(all_windows, &event.units[c.unit_index].windows, span)
            };
            (c, (drop_inside - drop_outside.max(0.0)) * samples.sqrt())
        })
        .max_by(|a, b| {
            // Units with the same viewers (an office city that is its country's only office)
            // tie up to rounding: name the most concrete place, then the widest scope.
            let tied = (a.1 - b.1).abs() <= 1e-9 * a.1.abs().max(b.1.abs());
            if tied {
                tie_rank(units[a.0.unit_index].unit).cmp(&tie_rank(units[b.0.unit_index].unit))
            } else {
                a.1.total_cmp(&b.1)
            }
        })?;
    let unit = &units[best.unit_index];
    let span = &event.units[best.unit_index].windows[best.first..=best.last];
    Some(describe(
        dataset,
        unit,
        span,
        qoe_feature,
        features,
        strength,
    ))
}

/// Preference among equally strong candidates: city, then whole event, then segment.
fn tie_rank(unit: Unit) -> u8 {
    match unit {
        Unit::City(_) => 2,
        Unit::All => 1,
        Unit::Segment { .. } => 0,
    }
}

/// Σ samples and Σ `QoE` of `(samples, qoe_sum)` pairs.
fn totals(pairs: impl Iterator<Item = (u32, f64)>) -> (f64, f64) {
    pairs.fold((0.0, 0.0), |(n, q), (s, sum)| (n + f64::from(s), q + sum))
}

/// How far the rest of the audience (whole event minus the unit) fell below its own usual
/// `QoE` during `span`: its usual is the median over the event of its per-minute mean.
fn complement_drop(all: &[Window], series: &[Window], span: &[Window]) -> f64 {
    // Per minute: (samples, Σ QoE) of the complement.
    let complement: Vec<(i64, u32, f64)> = all
        .iter()
        .filter_map(|a| {
            let own = series
                .binary_search_by_key(&a.minute_ms, |w| w.minute_ms)
                .ok()
                .map(|i| &series[i]);
            let samples = a.samples - own.map_or(0, |w| w.samples);
            let qoe_sum = a.qoe_sum - own.map_or(0.0, |w| w.qoe_sum);
            (samples > 0).then_some((a.minute_ms, samples, qoe_sum))
        })
        .collect();
    let usual = median(
        complement
            .iter()
            .map(|&(_, n, q)| q / f64::from(n))
            .collect(),
    );
    let (from, to) = (span[0].minute_ms, span[span.len() - 1].minute_ms);
    let (samples, qoe_sum) = totals(
        complement
            .iter()
            .filter(|&&(m, _, _)| m >= from && m <= to)
            .map(|&(_, n, q)| (n, q)),
    );
    if samples > 0.0 && usual.is_finite() {
        usual - qoe_sum / samples
    } else {
        0.0
    }
}

fn describe(
    dataset: &Dataset,
    unit: &ScoredUnit,
    span: &[Window],
    qoe_feature: usize,
    features: &[WindowFeature],
    strength: f64,
) -> RootCause {
    let (samples, qoe_sum) = totals(span.iter().map(|w| (w.samples, w.qoe_sum)));
    let qoe = qoe_sum / samples;
    let qoe_usual = unit.baseline.usual[qoe_feature].median;
    let start_ms = span[0].minute_ms;
    let end_ms = span[span.len() - 1].minute_ms + MINUTE_MS;
    let (who, scope) = unit_words(dataset, unit.unit);
    let mut text = format!(
        "{who}, {}–{} UTC: QoE {qoe:.2} vs {qoe_usual:.2} usual",
        clock(start_ms),
        clock(end_ms)
    );
    if let Some(b) = features
        .iter()
        .position(|f| *f == WindowFeature::BufferMean)
    {
        let buffer = span.iter().map(|w| w.buffer_sum).sum::<f64>() / samples;
        let usual = unit.baseline.usual[b].median;
        let _ = write!(
            text,
            "; buffering {:.1} s vs {:.1} s per sample",
            buffer / 1000.0,
            usual / 1000.0
        );
    }
    RootCause {
        unit: unit.unit,
        scope,
        text,
        start_ms,
        end_ms,
        qoe,
        qoe_usual,
        strength,
    }
}

/// Words for people and the scope in label syntax.
#[must_use]
pub fn unit_words(dataset: &Dataset, unit: Unit) -> (String, String) {
    match unit {
        Unit::All => ("all viewers".into(), "all".into()),
        Unit::City(c) => {
            let city = dataset.label(Canonical::CityId.name(), c);
            (format!("city {city}"), format!("city_id={city}"))
        }
        Unit::Segment {
            country,
            viewer_type,
        } => {
            let k = dataset.label(Canonical::CountryId.name(), country);
            let v = dataset.label(Canonical::ViewerType.name(), viewer_type);
            (
                format!("country {k}, {v}"),
                format!("country_id={k}&viewer_type={v}"),
            )
        }
    }
}

/// `HH:MM` (UTC) of a unix-ms instant.
fn clock(ms: i64) -> String {
    let (_, _, _, h, m, _) = streamlens_engine::time_fmt::civil_from_ms(ms);
    format!("{h:02}:{m:02}")
}
