//! Seeded synthetic viewer telemetry (Hive Streaming schema) with labelled network anomalies.
//!
//! Owns the generator and its CSV text form. It never prints, never touches egui, and never opens
//! files: callers receive one [`TelemetryBatch`] per event and decide where rows go.
//!
//! The world behind a seed: 20 countries (each with a home-broadband quality) and their cities;
//! 8 customers, each with a home country, up to 3 secondary countries, offices in some cities,
//! and 5 000–30 000 employees whose viewer ids are unique. An event belongs to one customer, runs
//! 30 min–3 h in business hours, and is watched by 20–5 000 distinct employees, each from their
//! office (`WFO`) or from home (`WFH`), sampled about every 30 s. See the submodules for the
//! exact `QoE`, buffering and engagement models; `sample_data/README.md` describes the columns.
//!
//! Determinism: output depends only on [`SynthParams`] (and the `rand` version — `StdRng` is
//! not portable across `rand` releases). Each event has its own RNG seeded from `(seed, index)`.

mod anomaly;
mod csv_out;
mod event;
mod frame;
mod profile;
mod viewer;
mod world;

#[cfg(test)]
mod export_tests;
#[cfg(test)]
mod subtle_tests;
#[cfg(test)]
mod tests;

use std::sync::mpsc;
use std::thread;

pub use anomaly::{AnomalyKind, AnomalyScope};
pub use csv_out::{
    LABELS_CSV_HEADER, TELEMETRY_CSV_HEADER, write_csv_batch, write_csv_batch_shaped,
    write_labels_csv,
};
pub use frame::{TELEMETRY_COLUMNS, telemetry_frame};
pub use profile::Shape;

/// 2024-03-04T00:00:00Z, a Monday.
pub const DEFAULT_START_MS: i64 = 1_709_510_400_000;
/// Number of events when neither `events` nor `rows` is given.
pub const DEFAULT_EVENTS: usize = 12;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthParams {
    pub seed: u64,
    /// Number of events. Ignored when `rows` is set.
    pub events: Option<usize>,
    /// Approximate number of rows: events are generated until the running total reaches this;
    /// the event that crosses it is emitted whole.
    pub rows: Option<usize>,
    /// Target share of events with an injected anomaly, clamped to `[0, 1]` (NaN counts as 0).
    pub anomaly_rate: f64,
    /// Origin of the schedule: should be a Monday 00:00 UTC. Event `i` runs on business day
    /// `i / n` counted Monday–Friday from here, `n` events a day as the shape says (in our own
    /// shape 4, and a few events fall on weekends).
    pub start_ms: i64,
    /// The shape of the world, schedule and text form (see [`Shape`]).
    pub shape: Shape,
    /// Hard mode for detectors: anomalies are subtle (`QoE` drops of 0.03–0.10 over 3–10
    /// minutes, 8–20 for a slow degradation) and about a third of all events get an unlabelled
    /// benign dip — the whole audience steps away for 3–10 minutes (engagement falls, two in
    /// five viewers pause) while the network is fine.
    pub subtle: bool,
}

impl Default for SynthParams {
    fn default() -> Self {
        Self {
            seed: 42,
            events: Some(DEFAULT_EVENTS),
            rows: None,
            anomaly_rate: 0.25,
            start_ms: DEFAULT_START_MS,
            shape: Shape::Generator,
            subtle: false,
        }
    }
}

/// Ground truth for one event: normal events have `anomalous = false`, `kind = "none"`, no span
/// and an empty scope; anomalous ones carry the kind, the span `[start_ms, end_ms]` (unix ms UTC,
/// inclusive) and the scope in [`AnomalyScope`] text form.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SynthLabel {
    pub event_id: u32,
    pub anomalous: bool,
    pub kind: String,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub scope: String,
}

impl SynthLabel {
    fn normal(event_id: u32) -> Self {
        Self {
            event_id,
            anomalous: false,
            kind: "none".to_owned(),
            start_ms: None,
            end_ms: None,
            scope: String::new(),
        }
    }
}

/// Rows of telemetry in columnar form; all columns have the same length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TelemetryBatch {
    /// Unix milliseconds, UTC.
    pub timestamp: Vec<i64>,
    pub customer_id: Vec<u32>,
    pub event_id: Vec<u32>,
    pub viewer_id: Vec<u32>,
    pub city_id: Vec<u32>,
    pub country_id: Vec<u32>,
    /// `true` = `WFH` (from home), `false` = `WFO` (from an office).
    pub viewer_type_wfh: Vec<bool>,
    /// Quality of experience in `[0, 1]`.
    pub qoe: Vec<f32>,
    /// Engagement level in `[0, 1]`.
    pub engagement: Vec<f32>,
    /// Time spent buffering during the sample, in milliseconds.
    pub buffer_ms: Vec<u32>,
}

impl TelemetryBatch {
    #[must_use]
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            timestamp: Vec::with_capacity(rows),
            customer_id: Vec::with_capacity(rows),
            event_id: Vec::with_capacity(rows),
            viewer_id: Vec::with_capacity(rows),
            city_id: Vec::with_capacity(rows),
            country_id: Vec::with_capacity(rows),
            viewer_type_wfh: Vec::with_capacity(rows),
            qoe: Vec::with_capacity(rows),
            engagement: Vec::with_capacity(rows),
            buffer_ms: Vec::with_capacity(rows),
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.timestamp.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.timestamp.is_empty()
    }

    /// The rows at `order`, in that order.
    #[must_use]
    pub fn gather(&self, order: &[u32]) -> Self {
        fn pick<T: Copy>(column: &[T], order: &[u32]) -> Vec<T> {
            order.iter().map(|&i| column[i as usize]).collect()
        }
        Self {
            timestamp: pick(&self.timestamp, order),
            customer_id: pick(&self.customer_id, order),
            event_id: pick(&self.event_id, order),
            viewer_id: pick(&self.viewer_id, order),
            city_id: pick(&self.city_id, order),
            country_id: pick(&self.country_id, order),
            viewer_type_wfh: pick(&self.viewer_type_wfh, order),
            qoe: pick(&self.qoe, order),
            engagement: pick(&self.engagement, order),
            buffer_ms: pick(&self.buffer_ms, order),
        }
    }

    /// Appends the rows of `other` after the rows of `self`.
    pub fn append(&mut self, other: &Self) {
        self.timestamp.extend_from_slice(&other.timestamp);
        self.customer_id.extend_from_slice(&other.customer_id);
        self.event_id.extend_from_slice(&other.event_id);
        self.viewer_id.extend_from_slice(&other.viewer_id);
        self.city_id.extend_from_slice(&other.city_id);
        self.country_id.extend_from_slice(&other.country_id);
        self.viewer_type_wfh
            .extend_from_slice(&other.viewer_type_wfh);
        self.qoe.extend_from_slice(&other.qoe);
        self.engagement.extend_from_slice(&other.engagement);
        self.buffer_ms.extend_from_slice(&other.buffer_ms);
    }
}

/// Generates the dataset described by `params` and returns one label per emitted event. In our
/// own shape `emit` is called once per event (rows sorted by timestamp within the event) in
/// event order; in the export shape once per business day, with the rows of all that day's
/// events merged in timestamp order (ties keep event order).
///
/// Events are simulated on a named background thread, at most a few events ahead of `emit`, so
/// generation and writing overlap. The first error from `emit` stops generation and is returned.
pub fn generate<E>(
    params: &SynthParams,
    mut emit: impl FnMut(TelemetryBatch) -> Result<(), E>,
) -> Result<Vec<SynthLabel>, E> {
    let world = world::World::new(params.seed, params.shape.profile());
    let mut labels = Vec::new();
    thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<(TelemetryBatch, Vec<SynthLabel>)>(2);
        let world = &world;
        let spawned = thread::Builder::new()
            .name("synth-events".to_owned())
            .spawn_scoped(scope, move || {
                produce(world, params, |event| tx.send(event).is_ok());
            });
        if spawned.is_ok() {
            for (batch, batch_labels) in rx {
                labels.extend(batch_labels);
                emit(batch)?;
            }
            Ok(())
        } else {
            // No thread available: generate inline.
            let mut result = Ok(());
            produce(world, params, |(batch, batch_labels)| {
                labels.extend(batch_labels);
                result = emit(batch);
                result.is_ok()
            });
            result
        }
    })?;
    Ok(labels)
}

/// Generates events in order, handing each (or, when the shape interleaves events, each
/// business day's merged rows) to `sink` until `sink` returns `false` or the event or row
/// budget of `params` is spent.
fn produce(
    world: &world::World,
    params: &SynthParams,
    mut sink: impl FnMut((TelemetryBatch, Vec<SynthLabel>)) -> bool,
) {
    let profile = params.shape.profile();
    let anomaly_rate = if params.anomaly_rate.is_nan() {
        0.0
    } else {
        params.anomaly_rate.clamp(0.0, 1.0)
    };
    let mut rows = 0_usize;
    let mut day: Vec<(TelemetryBatch, SynthLabel)> = Vec::new();
    for index in 0.. {
        let done = match (params.rows, params.events) {
            (Some(target), _) => rows >= target,
            (None, events) => index >= events.unwrap_or(DEFAULT_EVENTS),
        };
        let day_ends = index % profile.events_per_business_day == 0;
        if profile.interleave_events
            && (done || day_ends)
            && !day.is_empty()
            && !sink(merge_by_time(std::mem::take(&mut day)))
        {
            return;
        }
        if done {
            break;
        }
        let (batch, label) = event::generate_event(
            world,
            profile,
            &event::EventPlan {
                seed: params.seed,
                start_ms: params.start_ms,
                anomaly_rate,
                subtle: params.subtle,
            },
            index,
        );
        rows += batch.len();
        if profile.interleave_events {
            day.push((batch, label));
        } else if !sink((batch, vec![label])) {
            break;
        }
    }
}

/// The rows of `events` (each sorted by timestamp) as one batch sorted by timestamp; rows with
/// equal timestamps keep event order. Events of one business day all end before the next
/// day's begin, so merging day by day sorts the whole file.
fn merge_by_time(events: Vec<(TelemetryBatch, SynthLabel)>) -> (TelemetryBatch, Vec<SynthLabel>) {
    let mut all = TelemetryBatch::with_capacity(events.iter().map(|(b, _)| b.len()).sum());
    let mut labels = Vec::with_capacity(events.len());
    for (batch, label) in events {
        all.append(&batch);
        labels.push(label);
    }
    let mut order: Vec<u32> = (0..all.len() as u32).collect();
    order.sort_by_key(|&i| all.timestamp[i as usize]);
    (all.gather(&order), labels)
}
