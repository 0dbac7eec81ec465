//! Injected network anomalies: their kinds, the scope (which rows they touch), the time span and
//! the severity curve over that span.
//!
//! A scope is a conjunction of column filters; every row of the event that matches the scope and
//! whose timestamp lies in `[start_ms, end_ms]` is affected. This module decides *what* an anomaly
//! is; the simulation applies it.

use std::fmt;

use rand::Rng;
use rand::rngs::StdRng;

/// The kinds of injected anomaly, as written in the labels file's `kind` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AnomalyKind {
    /// One office's network saturates: that city's (office) viewers degrade sharply.
    OfficeCongestion,
    /// A home ISP fails in one country: that country's home workers degrade hard.
    IspOutage,
    /// The delivery network serves everybody badly, moderately.
    CdnDegradation,
    /// Quality erodes linearly over the span, for one city or for everybody.
    SlowDegradation,
}

impl AnomalyKind {
    pub const ALL: [Self; 4] = [
        Self::OfficeCongestion,
        Self::IspOutage,
        Self::CdnDegradation,
        Self::SlowDegradation,
    ];

    /// The label written for this kind (`office_congestion`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OfficeCongestion => "office_congestion",
            Self::IspOutage => "isp_outage",
            Self::CdnDegradation => "cdn_degradation",
            Self::SlowDegradation => "slow_degradation",
        }
    }

    /// Inverse of [`Self::as_str`].
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Which rows an anomaly touches. Text form (labels `scope` column): `all`, `city_id=N`, or
/// `country_id=N&viewer_type=WFH`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AnomalyScope {
    All,
    City(u32),
    CountryHomeWorkers(u32),
}

impl AnomalyScope {
    /// Whether a row with these attributes is inside the scope.
    #[must_use]
    pub fn contains(self, city_id: u32, country_id: u32, viewer_type_wfh: bool) -> bool {
        match self {
            Self::All => true,
            Self::City(c) => city_id == c,
            Self::CountryHomeWorkers(c) => viewer_type_wfh && country_id == c,
        }
    }

    /// Parses the text form; `None` for anything else.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        if text == "all" {
            return Some(Self::All);
        }
        if let Some(rest) = text.strip_prefix("city_id=") {
            return rest.parse().ok().map(Self::City);
        }
        let country = text
            .strip_prefix("country_id=")?
            .strip_suffix("&viewer_type=WFH")?;
        country.parse().ok().map(Self::CountryHomeWorkers)
    }
}

impl fmt::Display for AnomalyScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::City(c) => write!(f, "city_id={c}"),
            Self::CountryHomeWorkers(c) => write!(f, "country_id={c}&viewer_type=WFH"),
        }
    }
}

/// Where the anomaly may pick its scope from: the event's viewers as `(city, country, wfh)`.
pub(super) struct Audience<'a> {
    pub city_id: &'a [u32],
    pub country_id: &'a [u32],
    pub wfh: &'a [bool],
}

/// One injected anomaly inside one event.
#[derive(Clone, Debug)]
pub(super) struct Anomaly {
    pub kind: AnomalyKind,
    pub scope: AnomalyScope,
    pub start_ms: i64,
    pub end_ms: i64,
    /// Extra `QoE` deficit at full severity for a viewer of average susceptibility.
    pub amplitude: f32,
    /// Time from `start_ms` to full severity for sudden kinds.
    onset_ms: i64,
}

impl Anomaly {
    /// Plans an anomaly of (preferably) `kind` for an event `[event_start_ms, event_end_ms]`.
    ///
    /// An office congestion needs office viewers and an ISP outage needs home workers; when the
    /// audience has none, the other of the two kinds is used.
    pub fn plan(
        rng: &mut StdRng,
        kind: AnomalyKind,
        audience: &Audience<'_>,
        event_start_ms: i64,
        event_end_ms: i64,
    ) -> Self {
        let any_home_worker = audience.wfh.iter().any(|&w| w);
        let any_office_worker = audience.wfh.iter().any(|&w| !w);
        let kind = match kind {
            AnomalyKind::IspOutage if !any_home_worker => AnomalyKind::OfficeCongestion,
            AnomalyKind::OfficeCongestion if !any_office_worker => AnomalyKind::IspOutage,
            other => other,
        };
        let random_viewer = |rng: &mut StdRng, wfh: Option<bool>| {
            let candidates: Vec<usize> = (0..audience.wfh.len())
                .filter(|&i| wfh.is_none_or(|w| audience.wfh[i] == w))
                .collect();
            candidates[rng.random_range(0..candidates.len())]
        };
        let scope = match kind {
            AnomalyKind::OfficeCongestion => {
                AnomalyScope::City(audience.city_id[random_viewer(rng, Some(false))])
            }
            AnomalyKind::IspOutage => AnomalyScope::CountryHomeWorkers(
                audience.country_id[random_viewer(rng, Some(true))],
            ),
            AnomalyKind::CdnDegradation => AnomalyScope::All,
            AnomalyKind::SlowDegradation => {
                if rng.random_bool(0.5) {
                    AnomalyScope::All
                } else {
                    AnomalyScope::City(audience.city_id[random_viewer(rng, None)])
                }
            }
        };
        let (length_min, amplitude, onset_ms): (f64, f32, i64) = match kind {
            AnomalyKind::OfficeCongestion => (
                rng.random_range(6.0..20.0),
                rng.random_range(0.22..0.40),
                60_000,
            ),
            AnomalyKind::IspOutage => (
                rng.random_range(5.0..25.0),
                rng.random_range(0.35..0.60),
                20_000,
            ),
            AnomalyKind::CdnDegradation => (
                rng.random_range(4.0..15.0),
                rng.random_range(0.12..0.25),
                120_000,
            ),
            AnomalyKind::SlowDegradation => (
                rng.random_range(15.0..45.0),
                rng.random_range(0.25..0.45),
                0,
            ),
        };
        let (start_ms, end_ms) = place_span(rng, length_min, event_start_ms, event_end_ms);
        Self {
            kind,
            scope,
            start_ms,
            end_ms,
            amplitude,
            onset_ms,
        }
    }

    /// Subtle mode: a `QoE` drop of 0.03–0.10 over 3–10 minutes (8–20 for a slow
    /// degradation), placed as [`Self::plan`] places spans.
    pub fn make_subtle(&mut self, rng: &mut StdRng, event_start_ms: i64, event_end_ms: i64) {
        let length_min: f64 = match self.kind {
            AnomalyKind::SlowDegradation => rng.random_range(8.0..20.0),
            _ => rng.random_range(3.0..10.0),
        };
        self.amplitude = rng.random_range(0.03..0.10);
        self.onset_ms = self.onset_ms.min(30_000);
        let (start_ms, end_ms) = place_span(rng, length_min, event_start_ms, event_end_ms);
        self.start_ms = start_ms;
        self.end_ms = end_ms;
    }

    /// Severity in `[0, 1]` at `t_ms`: 0 outside the span; sudden kinds reach 1 after the onset
    /// time, `slow_degradation` rises linearly from 0 at `start_ms` to 1 at `end_ms`.
    pub fn severity(&self, t_ms: i64) -> f32 {
        if t_ms < self.start_ms || t_ms > self.end_ms {
            return 0.0;
        }
        let ramp_ms = match self.kind {
            AnomalyKind::SlowDegradation => self.end_ms - self.start_ms,
            _ => self.onset_ms,
        };
        if ramp_ms <= 0 {
            1.0
        } else {
            ((t_ms - self.start_ms) as f32 / ramp_ms as f32).min(1.0)
        }
    }
}

fn round_to_second(t_ms: i64) -> i64 {
    (t_ms + 500).div_euclid(1000) * 1000
}

/// A span of `length_min` minutes well inside the event: it starts after the first 10 % and
/// ends before the last 5 %, and is at most 45 % of the event.
fn place_span(
    rng: &mut StdRng,
    length_min: f64,
    event_start_ms: i64,
    event_end_ms: i64,
) -> (i64, i64) {
    let duration = (event_end_ms - event_start_ms) as f64;
    let length = (length_min * 60_000.0).min(0.45 * duration);
    let offset = rng.random_range(0.10 * duration..=0.95 * duration - length);
    let start_ms = round_to_second(event_start_ms + offset as i64);
    (start_ms, round_to_second(start_ms + length as i64))
}

/// A benign whole-audience dip (subtle mode): a break or a dull segment, when viewers step
/// away. Not a network problem, so it is not labelled anomalous.
#[derive(Clone, Debug)]
pub(super) struct BenignDip {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl BenignDip {
    pub fn plan(rng: &mut StdRng, event_start_ms: i64, event_end_ms: i64) -> Self {
        let length_min = rng.random_range(3.0..10.0);
        let (start_ms, end_ms) = place_span(rng, length_min, event_start_ms, event_end_ms);
        Self { start_ms, end_ms }
    }
}
