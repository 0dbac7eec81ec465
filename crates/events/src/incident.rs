//! What each flagged event's incident looked like, in numbers a person can read: where (scope),
//! how many (share of the audience), who (office vs home workers), how (buffering vs `QoE`), how
//! long, how it evolved, and when. Measured on the root cause's unit and span, from the
//! windows and rows the event run already has.

use std::collections::HashMap;

use super::EventVerdict;
use super::windows::{EventWindows, MINUTE_MS, Unit, Window};
use streamlens_engine::analysis::rows::{Metric, Rows};
use streamlens_engine::dataset::Dataset;
use streamlens_engine::error::AnalysisError;
use streamlens_engine::schema::Canonical;

/// Where an incident was: the root cause's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Everybody,
    OneCity,
    OneCountrySegment,
}

impl Scope {
    #[must_use]
    pub fn of(unit: Unit) -> Self {
        match unit {
            Unit::All => Self::Everybody,
            Unit::City(_) => Self::OneCity,
            Unit::Segment { .. } => Self::OneCountrySegment,
        }
    }
}

/// One flagged event's incident.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Incident {
    pub event_id: String,
    pub scope: Scope,
    /// `city 12`, `country 3, WFH` or `all viewers`.
    pub unit: String,
    /// Mean viewers of the unit per minute of the span over the event's peak viewers, 0–1.
    pub audience_share: f64,
    /// Office workers' share of the `QoE` drop: `d_WFO / (d_WFO + d_WFH)`, where `d` is a
    /// viewer type's mean `QoE` outside the span minus inside it in the unit (negative drops
    /// count 0); 0.5 when neither dropped.
    pub office_share: f64,
    /// Buffering's share of the harm: `b / (b + q)`, with `b` the rise of mean buffering and
    /// `q` the fall of mean `QoE` in the span, each in robust standard deviations (1.4826·MAD)
    /// of the unit's minutes outside the span (negative parts count 0); 0.5 when neither moved.
    pub buffering_share: f64,
    /// Usual `QoE` minus `QoE` in the span (the root cause's numbers).
    pub qoe_drop: f64,
    pub duration_min: f64,
    /// Share of the incident spent getting worse: over the span's minutes whose `QoE` deficit
    /// (usual minus the minute's mean) is at least 20 % of the worst, the minutes before the
    /// deficit first reaches 80 % of the worst, divided by all of them. Near 0 when it struck
    /// at once, near 1 when it worsened steadily to the end.
    pub worsening: f64,
    /// UTC hour of the span's start, 0–24 (shown, not clustered: it says when, not what).
    pub start_hour: f64,
}

impl Incident {
    /// Names of [`Self::clustered`]'s entries.
    pub const CLUSTERED: [&'static str; 7] = [
        "everybody (1) or a part (0)",
        "audience share",
        "office share of the drop",
        "buffering share of the harm",
        "QoE drop",
        "ln(1 + duration min)",
        "worsening",
    ];

    /// The numbers k-means sees (before standardising). A city and one country's office
    /// workers are told apart by the office share, not by the level that found them.
    #[must_use]
    pub fn clustered(&self) -> Vec<f64> {
        vec![
            f64::from(u8::from(self.scope == Scope::Everybody)),
            self.audience_share,
            self.office_share,
            self.buffering_share,
            self.qoe_drop,
            self.duration_min.ln_1p(),
            self.worsening,
        ]
    }
}

/// The incident of each verdict that has a root cause (`None` for the others); `events[i]`
/// is the windows behind `verdicts[i]`, `rows` the run's filtered rows.
pub fn measure_incidents(
    dataset: &Dataset,
    rows: &Rows,
    events: &[EventWindows],
    verdicts: &[EventVerdict],
) -> Result<Vec<Option<Incident>>, AnalysisError> {
    let drops = office_drops(rows, dataset, events, verdicts)?;
    Ok(verdicts
        .iter()
        .zip(drops)
        .map(|(v, (office, home))| v.root.as_ref().map(|_| measure(dataset, v, office, home)))
        .collect())
}

fn measure(dataset: &Dataset, event: &EventVerdict, office: f64, home: f64) -> Incident {
    let root = event
        .root
        .as_ref()
        .expect("measured only with a root cause");
    let windows = &event.timeline.windows;
    let inside = |minute_ms: i64| minute_ms >= root.start_ms && minute_ms < root.end_ms;
    let (span, rest): (Vec<&Window>, Vec<&Window>) =
        windows.iter().partition(|w| inside(w.minute_ms));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let viewers: Vec<f64> = span.iter().map(|w| f64::from(w.viewers)).collect();
    let audience_share = (mean(&viewers) / f64::from(event.peak_viewers.max(1))).clamp(0.0, 1.0);
    let rise = |f: fn(&Window) -> f64, sign: f64| {
        let usual: Vec<f64> = rest
            .iter()
            .map(|w| f(w))
            .filter(|x| x.is_finite())
            .collect();
        let now: Vec<f64> = span
            .iter()
            .map(|w| f(w))
            .filter(|x| x.is_finite())
            .collect();
        if usual.is_empty() || now.is_empty() {
            return 0.0;
        }
        let (median, scale) = robust(&usual);
        (sign * (mean(&now) - median) / scale).max(0.0)
    };
    let b = rise(|w| w.buffer_mean, 1.0);
    let q = rise(|w| w.qoe_mean, -1.0);
    let deficits: Vec<f64> = span.iter().map(|w| root.qoe_usual - w.qoe_mean).collect();
    let (_, _, _, h, m, _) = streamlens_engine::time_fmt::civil_from_ms(root.start_ms);
    Incident {
        event_id: event.event_id.clone(),
        scope: Scope::of(root.unit),
        unit: super::root::unit_words(dataset, root.unit).0,
        audience_share,
        office_share: share(office, home),
        buffering_share: share(b, q),
        qoe_drop: root.qoe_usual - root.qoe,
        duration_min: (root.end_ms - root.start_ms) as f64 / MINUTE_MS as f64,
        worsening: worsening_share(&deficits),
        start_hour: f64::from(h) + f64::from(m) / 60.0,
    }
}

/// `a / (a + b)` of two non-negative amounts; 0.5 when both are 0.
fn share(a: f64, b: f64) -> f64 {
    let (a, b) = (a.max(0.0), b.max(0.0));
    if a + b > 0.0 { a / (a + b) } else { 0.5 }
}

/// Median and 1.4826·MAD (floored at 1e-3 of the median's size, at least 1e-6).
fn robust(values: &[f64]) -> (f64, f64) {
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            f64::midpoint(v[n / 2 - 1], v[n / 2])
        }
    };
    let mut v = values.to_vec();
    let m = median(&mut v);
    let mut dev: Vec<f64> = values.iter().map(|x| (x - m).abs()).collect();
    let mad = 1.4826 * median(&mut dev);
    (m, mad.max(1e-3 * m.abs()).max(1e-6))
}

/// See [`Incident::worsening`]; 0 when nothing got worse.
fn worsening_share(deficits: &[f64]) -> f64 {
    let worst = deficits.iter().copied().fold(0.0_f64, f64::max);
    if worst <= 0.0 {
        return 0.0;
    }
    let first = deficits.iter().position(|&d| d >= 0.2 * worst);
    let last = deficits.iter().rposition(|&d| d >= 0.2 * worst);
    let high = deficits.iter().position(|&d| d >= 0.8 * worst);
    match (first, last, high) {
        (Some(a), Some(b), Some(c)) => (c - a) as f64 / (b - a + 1) as f64,
        _ => 0.0,
    }
}

/// Per verdict: (office workers' `QoE` drop, home workers' `QoE` drop) in its root unit, outside
/// the span minus inside it; 0 for a viewer type with no samples on either side.
fn office_drops(
    rows: &Rows,
    dataset: &Dataset,
    events: &[EventWindows],
    verdicts: &[EventVerdict],
) -> Result<Vec<(f64, f64)>, AnalysisError> {
    let time = rows.timestamps()?;
    let event = rows.events()?;
    let qoe = rows.metric(Metric::Qoe)?;
    let city = rows.codes_of(Canonical::CityId.name());
    let country = rows.codes_of(Canonical::CountryId.name());
    let Some(viewer_type) = rows.codes_of(Canonical::ViewerType.name()) else {
        return Ok(vec![(0.0, 0.0); verdicts.len()]);
    };
    let code_of = |label: &str| {
        dataset
            .dictionary(Canonical::ViewerType.name())
            .and_then(|d| d.key_of(label))
    };
    let (wfo, wfh) = (code_of("WFO"), code_of("WFH"));
    let by_code: HashMap<u32, usize> = events
        .iter()
        .enumerate()
        .filter(|(i, _)| verdicts[*i].root.is_some())
        .map(|(i, e)| (e.event, i))
        .collect();
    // Per verdict: [WFO, WFH][outside, inside] → (QoE sum, samples).
    let mut sums = vec![[[(0.0_f64, 0usize); 2]; 2]; verdicts.len()];
    for r in 0..time.len() {
        let Some(&i) = by_code.get(&event[r]) else {
            continue;
        };
        let Some(root) = verdicts[i].root.as_ref() else {
            continue;
        };
        let in_unit = match root.unit {
            Unit::All => true,
            Unit::City(c) => city.is_some_and(|v| v[r] == c),
            Unit::Segment {
                country: k,
                viewer_type: t,
            } => country.is_some_and(|v| v[r] == k) && viewer_type[r] == t,
        };
        let kind = if Some(viewer_type[r]) == wfo {
            0
        } else if Some(viewer_type[r]) == wfh {
            1
        } else {
            continue;
        };
        if in_unit {
            let minute = time[r].div_euclid(MINUTE_MS) * MINUTE_MS;
            let inside = usize::from(minute >= root.start_ms && minute < root.end_ms);
            let cell = &mut sums[i][kind][inside];
            cell.0 += qoe[r];
            cell.1 += 1;
        }
    }
    Ok(sums
        .iter()
        .map(|s| {
            let drop = |t: usize| {
                let [(out_sum, out_n), (in_sum, in_n)] = s[t];
                if out_n == 0 || in_n == 0 {
                    0.0
                } else {
                    out_sum / out_n as f64 - in_sum / in_n as f64
                }
            };
            (drop(0), drop(1))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{share, worsening_share};

    #[test]
    fn a_sudden_drop_barely_worsens_and_a_ramp_worsens_throughout() {
        // Struck at once, held for 9 minutes, then one recovery minute.
        let sudden = [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.0];
        assert!(worsening_share(&sudden).abs() < 1e-12);
        // A linear ramp 0.05 … 0.5: from ≥ 0.1 (index 1) it takes until ≥ 0.4 (index 7) of
        // the 9 minutes ≥ 0.1: 6 / 9.
        let ramp: Vec<f64> = (1..=10).map(|i| 0.05 * f64::from(i)).collect();
        assert!((worsening_share(&ramp) - 6.0 / 9.0).abs() < 1e-12);
        assert!(worsening_share(&[0.0, -0.1]).abs() < 1e-12);
    }

    #[test]
    fn shares_ignore_negative_parts_and_split_evenly_when_nothing_moved() {
        assert!((share(3.0, 1.0) - 0.75).abs() < 1e-12);
        assert!((share(2.0, -5.0) - 1.0).abs() < 1e-12);
        assert!((share(0.0, 0.0) - 0.5).abs() < 1e-12);
    }
}
