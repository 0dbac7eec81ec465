//! Per-minute windows of each event's telemetry at three levels: the whole event, each city,
//! and each (country, viewer type) segment. A window summarises the samples of one unit in one
//! UTC minute; the detector scores windows, the root cause compares units.

use std::collections::HashMap;

use streamlens_engine::analysis::rows::Rows;
use streamlens_engine::error::AnalysisError;
use streamlens_engine::schema::Canonical;

pub const MINUTE_MS: i64 = 60_000;
/// A sample with `QoE` below this counts as a bad sample (the `bad_share` feature).
pub const BAD_QOE: f64 = 0.8;

/// The part of an event's audience a series of windows describes. City, country and viewer
/// type are the dataset's dictionary codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Unit {
    All,
    City(u32),
    Segment { country: u32, viewer_type: u32 },
}

impl Unit {
    /// 0 = whole event, 1 = city, 2 = country × viewer type: each level gets its own model.
    #[must_use]
    pub fn level(self) -> usize {
        match self {
            Unit::All => 0,
            Unit::City(_) => 1,
            Unit::Segment { .. } => 2,
        }
    }
}

/// Summary of one unit's samples in one minute.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Window {
    /// Start of the UTC minute, unix ms.
    pub minute_ms: i64,
    pub samples: u32,
    /// Distinct viewers with a sample in the minute.
    pub viewers: u32,
    pub qoe_sum: f64,
    pub qoe_mean: f64,
    pub qoe_median: f64,
    pub qoe_p10: f64,
    pub bad_share: f64,
    /// `NaN` when the dataset has no `buffer_ms` (likewise engagement).
    pub buffer_sum: f64,
    pub buffer_mean: f64,
    pub buffer_p90: f64,
    pub engagement_mean: f64,
    /// Relative change of `viewers` against the unit's previous window: `(n − prev) / prev`.
    pub viewer_change: f64,
}

/// One unit's windows in time order (minutes without samples are absent).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UnitSeries {
    pub unit: Unit,
    pub windows: Vec<Window>,
}

/// All windows of one event; `units[0]` is [`Unit::All`], then cities, then segments, each
/// sorted by code.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventWindows {
    /// The event's dictionary code.
    pub event: u32,
    pub first_ms: i64,
    pub last_ms: i64,
    pub units: Vec<UnitSeries>,
}

/// The columns windows are built from (borrowed from filtered [`Rows`]).
struct Columns<'a> {
    time: &'a [i64],
    event: &'a [u32],
    viewer: Option<&'a [u32]>,
    city: Option<&'a [u32]>,
    country: Option<&'a [u32]>,
    viewer_type: Option<&'a [u32]>,
    qoe: &'a [f64],
    engagement: Option<&'a [f64]>,
    buffer: Option<&'a [f64]>,
}

/// Columns [`build_windows`] reads.
pub const WINDOW_COLUMNS: [Canonical; 9] = [
    Canonical::Timestamp,
    Canonical::EventId,
    Canonical::ViewerId,
    Canonical::CityId,
    Canonical::CountryId,
    Canonical::ViewerType,
    Canonical::Qoe,
    Canonical::Engagement,
    Canonical::BufferMs,
];

/// Windows of every event in `rows`, events in code order. Needs `timestamp`, `event_id` and
/// `qoe`; levels whose columns are missing are left out.
pub fn build_windows(rows: &Rows) -> Result<Vec<EventWindows>, AnalysisError> {
    let cols = Columns {
        time: rows.timestamps()?,
        event: rows.events()?,
        viewer: rows.codes_of(Canonical::ViewerId.name()),
        city: rows.codes_of(Canonical::CityId.name()),
        country: rows.codes_of(Canonical::CountryId.name()),
        viewer_type: rows.codes_of(Canonical::ViewerType.name()),
        qoe: rows.metric(streamlens_engine::analysis::rows::Metric::Qoe)?,
        engagement: rows.numeric(Canonical::Engagement.name()),
        buffer: rows.numeric(Canonical::BufferMs.name()),
    };
    // Order rows by (event, minute) with one sort of packed keys.
    let mut order: Vec<(u64, u32)> = (0..cols.time.len())
        .map(|r| {
            let minute = cols.time[r].div_euclid(MINUTE_MS) as u32;
            (
                (u64::from(cols.event[r]) << 32) | u64::from(minute),
                r as u32,
            )
        })
        .collect();
    order.sort_unstable();

    let mut events = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let event_key = order[start].0 >> 32;
        let mut end = start;
        while end < order.len() && order[end].0 >> 32 == event_key {
            end += 1;
        }
        events.push(event_windows(&cols, &order[start..end]));
        start = end;
    }
    Ok(events)
}

/// Accumulates one unit's samples within one minute.
#[derive(Default)]
struct Bucket {
    viewers: Vec<u32>,
    qoe: Vec<f64>,
    buffer: Vec<f64>,
    engagement_sum: f64,
}

fn event_windows(cols: &Columns, rows: &[(u64, u32)]) -> EventWindows {
    let event = (rows[0].0 >> 32) as u32;
    let mut series: HashMap<Unit, Vec<Window>> = HashMap::new();
    let mut buckets: HashMap<Unit, Bucket> = HashMap::new();
    let mut first_ms = i64::MAX;
    let mut last_ms = i64::MIN;
    let mut start = 0;
    while start < rows.len() {
        let minute_key = rows[start].0;
        let mut end = start;
        while end < rows.len() && rows[end].0 == minute_key {
            let r = rows[end].1 as usize;
            first_ms = first_ms.min(cols.time[r]);
            last_ms = last_ms.max(cols.time[r]);
            for unit in units_of(cols, r) {
                let b = buckets.entry(unit).or_default();
                b.viewers.push(cols.viewer.map_or(r as u32, |v| v[r]));
                b.qoe.push(cols.qoe[r]);
                if let Some(buf) = cols.buffer {
                    b.buffer.push(buf[r]);
                }
                b.engagement_sum += cols.engagement.map_or(f64::NAN, |e| e[r]);
            }
            end += 1;
        }
        let minute_ms = i64::from((minute_key & 0xFFFF_FFFF) as u32) * MINUTE_MS;
        for (unit, bucket) in buckets.drain() {
            let list = series.entry(unit).or_default();
            let previous = list.last().map(|w| w.viewers);
            list.push(summarise(minute_ms, bucket, previous));
        }
        start = end;
    }
    let mut units: Vec<UnitSeries> = series
        .into_iter()
        .map(|(unit, mut windows)| {
            windows.sort_by_key(|w| w.minute_ms);
            UnitSeries { unit, windows }
        })
        .collect();
    units.sort_by_key(|s| s.unit);
    EventWindows {
        event,
        first_ms,
        last_ms,
        units,
    }
}

/// The units a row belongs to: always the whole event, plus its city and its segment when the
/// dataset has those columns.
fn units_of(cols: &Columns, r: usize) -> impl Iterator<Item = Unit> {
    let city = cols.city.map(|c| Unit::City(c[r]));
    let segment = match (cols.country, cols.viewer_type) {
        (Some(k), Some(v)) => Some(Unit::Segment {
            country: k[r],
            viewer_type: v[r],
        }),
        _ => None,
    };
    std::iter::once(Unit::All).chain(city).chain(segment)
}

fn summarise(minute_ms: i64, mut b: Bucket, previous_viewers: Option<u32>) -> Window {
    let samples = b.qoe.len();
    let n = samples as f64;
    b.viewers.sort_unstable();
    b.viewers.dedup();
    let viewers = b.viewers.len() as u32;
    let qoe_sum: f64 = b.qoe.iter().sum();
    let bad = b.qoe.iter().filter(|&&q| q < BAD_QOE).count();
    b.qoe.sort_unstable_by(f64::total_cmp);
    let (buffer_sum, buffer_mean, buffer_p90) = if b.buffer.is_empty() {
        (f64::NAN, f64::NAN, f64::NAN)
    } else {
        let sum: f64 = b.buffer.iter().sum();
        b.buffer.sort_unstable_by(f64::total_cmp);
        (sum, sum / n, quantile(&b.buffer, 0.9))
    };
    Window {
        minute_ms,
        samples: samples as u32,
        viewers,
        qoe_sum,
        qoe_mean: qoe_sum / n,
        qoe_median: quantile(&b.qoe, 0.5),
        qoe_p10: quantile(&b.qoe, 0.1),
        bad_share: bad as f64 / n,
        buffer_sum,
        buffer_mean,
        buffer_p90,
        engagement_mean: b.engagement_sum / n,
        viewer_change: previous_viewers.map_or(0.0, |p| {
            (f64::from(viewers) - f64::from(p)) / f64::from(p.max(1))
        }),
    }
}

/// Linear-interpolation quantile (numpy's default) of sorted, non-empty values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    streamlens_engine::stats::quantile_sorted(sorted, q).unwrap_or(f64::NAN)
}
