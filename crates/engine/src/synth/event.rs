//! One event end to end: its customer, schedule, audience, optional anomaly, and the sorted batch
//! of rows it produces.
//!
//! Every event draws from its own RNG seeded from `(seed, event index)`, so events can be
//! generated independently and in any order with identical results.

use rand::rngs::StdRng;
use rand::seq::{SliceRandom, index};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};

use super::anomaly::{Anomaly, AnomalyKind, Audience, BenignDip};
use super::profile::Profile;
use super::viewer::{self, MIN_GAP_MS, Sample, Session};
use super::world::{World, mix64, unit};
use super::{SynthLabel, TelemetryBatch};

/// Event id of the first event; ids then increase by one per event.
pub(super) const FIRST_EVENT_ID: u32 = 1001;
/// Tail index of the truncated Pareto audience-size distribution (smaller = heavier tail).
const AUDIENCE_TAIL: f64 = 1.0;
const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;
const EVENT_SALT: u64 = 0x5EED_0F7E_1E7A_0003;
const ANOMALY_SALT: u64 = 0x5EED_0F7E_1E7A_0004;
const KIND_SALT: u64 = 0x5EED_0F7E_1E7A_0005;
/// In subtle mode: share of events with a benign dip, and share of viewers who pause in it.
const BENIGN_DIP_SHARE: f64 = 0.35;
const BENIGN_PAUSE_SHARE: f64 = 0.4;
/// Golden-ratio conjugate: the step of the Weyl sequence that picks anomalous events.
const WEYL_STEP: f64 = 0.618_033_988_749_894_9;

/// Whether event `index` gets an anomaly: `frac(u₀ + index · φ⁻¹) < rate` with `u₀` derived from
/// the seed. This low-discrepancy rule keeps the anomalous share of every prefix of events within
/// about one event of `rate`, yet spreads anomalous events irregularly.
pub(super) fn is_anomalous(seed: u64, index: usize, rate: f64) -> bool {
    let u0 = unit(mix64(seed ^ ANOMALY_SALT));
    (u0 + index as f64 * WEYL_STEP).fract() < rate
}

/// The kind planned for anomalous event `index`. Anomalous events are numbered in order; each
/// run of four (numbers `4k..4k+3`) gets every kind once, in an order shuffled per run, so kinds
/// stay balanced in any prefix without a fixed pattern.
fn anomaly_kind(seed: u64, index: usize, rate: f64) -> AnomalyKind {
    let ordinal = (0..index).filter(|&j| is_anomalous(seed, j, rate)).count();
    let mut kinds = AnomalyKind::ALL;
    let block = (ordinal / kinds.len()) as u64;
    kinds.shuffle(&mut StdRng::seed_from_u64(mix64(
        seed ^ mix64(KIND_SALT ^ block),
    )));
    kinds[ordinal % kinds.len()]
}

/// The dataset-wide settings an event is generated from.
pub(super) struct EventPlan {
    pub seed: u64,
    pub start_ms: i64,
    pub anomaly_rate: f64,
    pub subtle: bool,
}

/// Generates event number `index` (0-based) of the dataset described by `world`, `profile` and
/// the plan, returning its rows sorted by timestamp and its label.
pub(super) fn generate_event(
    world: &World,
    profile: &Profile,
    plan: &EventPlan,
    index: usize,
) -> (TelemetryBatch, SynthLabel) {
    let EventPlan {
        seed,
        start_ms,
        anomaly_rate,
        subtle,
    } = *plan;
    let mut rng = StdRng::seed_from_u64(mix64(seed ^ mix64(EVENT_SALT ^ index as u64)));
    let event_id = FIRST_EVENT_ID + index as u32;
    let customer = world.pick_customer(rng.random());

    // Schedule: business day `index / events_per_business_day` counted Monday–Friday from
    // `start_ms`, a few on weekends; start between 07:00 and 15:30 UTC on a quarter hour.
    let business_day = (index / profile.events_per_business_day) as i64;
    let weekday = if rng.random_bool(profile.weekend_share) {
        rng.random_range(5..=6)
    } else {
        business_day % 5
    };
    let day = business_day / 5 * 7 + weekday;
    let start_minute = 7 * 60 + 15 * rng.random_range(0..=34_i64);
    let event_start_ms = start_ms + day * DAY_MS + start_minute * MINUTE_MS;
    let duration_ms = pick_duration_min(&mut rng, profile.durations_min) * MINUTE_MS;
    let event_end_ms = event_start_ms + duration_ms;

    // Audience: distinct employees of the customer; ~WFH share of them at home.
    let n = audience_size(&mut rng, profile.viewers).min(customer.population as usize);
    let mut employees: Vec<usize> =
        index::sample(&mut rng, customer.population as usize, n).into_vec();
    employees.sort_unstable();
    let device = LogNormal::new(0.0, 0.35).expect("constant parameters are valid");
    let mut viewer_id = Vec::with_capacity(n);
    let mut city_id = Vec::with_capacity(n);
    let mut country_id = Vec::with_capacity(n);
    let mut wfh = Vec::with_capacity(n);
    let mut sessions = Vec::with_capacity(n);
    for &idx in &employees {
        let employee = world.employee(customer, idx as u32);
        let at_home = rng.random_bool(customer.wfh_share);
        let (city, country, network_deficit) = if at_home {
            let isp = world.country(employee.home_country).isp_deficit;
            (employee.home_city, employee.home_country, isp)
        } else {
            let office = &customer.offices[employee.office];
            (office.city_id, office.country_id, office.net_deficit)
        };
        viewer_id.push(employee.viewer_id);
        city_id.push(city);
        country_id.push(country);
        wfh.push(at_home);
        let (join_ms, leave_ms) = attendance(&mut rng, event_start_ms, event_end_ms);
        sessions.push(Session {
            join_ms,
            leave_ms,
            base_deficit: network_deficit * device.sample(&mut rng) as f32,
            susceptibility: rng.random_range(0.5..1.5),
            distracted: rng.random_bool(0.2),
        });
    }

    let anomaly = is_anomalous(seed, index, anomaly_rate).then(|| {
        let kind = anomaly_kind(seed, index, anomaly_rate);
        let audience = Audience {
            city_id: &city_id,
            country_id: &country_id,
            wfh: &wfh,
        };
        let mut anomaly = Anomaly::plan(&mut rng, kind, &audience, event_start_ms, event_end_ms);
        if subtle {
            anomaly.make_subtle(&mut rng, event_start_ms, event_end_ms);
        }
        anomaly
    });
    // Drawn after everything the default mode draws, so that mode's output is unchanged.
    let benign = (subtle && rng.random_bool(BENIGN_DIP_SHARE))
        .then(|| BenignDip::plan(&mut rng, event_start_ms, event_end_ms));

    let expected_rows: usize = sessions
        .iter()
        .map(|s| ((s.leave_ms - s.join_ms) / MIN_GAP_MS) as usize + 1)
        .sum();
    let mut samples: Vec<Sample> = Vec::with_capacity(expected_rows);
    for (slot, session) in sessions.iter().enumerate() {
        let in_scope = anomaly
            .as_ref()
            .filter(|a| a.scope.contains(city_id[slot], country_id[slot], wfh[slot]));
        let levels = &profile.engagement_levels;
        let away = benign.as_ref().map(|dip| viewer::Away {
            start_ms: dip.start_ms,
            end_ms: dip.end_ms,
            paused: rng.random_bool(BENIGN_PAUSE_SHARE),
        });
        viewer::simulate(
            &mut rng,
            session,
            slot as u32,
            &viewer::Conditions {
                anomaly: in_scope,
                away,
            },
            levels,
            &mut samples,
        );
    }
    samples.sort_unstable_by_key(|s| (s.timestamp, s.slot));

    let mut batch = TelemetryBatch::with_capacity(samples.len());
    for s in &samples {
        let slot = s.slot as usize;
        batch.timestamp.push(s.timestamp);
        batch.customer_id.push(customer.id);
        batch.event_id.push(event_id);
        batch.viewer_id.push(viewer_id[slot]);
        batch.city_id.push(city_id[slot]);
        batch.country_id.push(country_id[slot]);
        batch.viewer_type_wfh.push(wfh[slot]);
        batch.qoe.push(s.qoe);
        batch.engagement.push(s.engagement);
        let step = profile.buffer_step_ms;
        batch.buffer_ms.push((s.buffer_ms + step / 2) / step * step);
    }
    let label = match anomaly {
        Some(a) => SynthLabel {
            event_id,
            anomalous: true,
            kind: a.kind.as_str().to_owned(),
            start_ms: Some(a.start_ms),
            end_ms: Some(a.end_ms),
            scope: a.scope.to_string(),
        },
        None => SynthLabel::normal(event_id),
    };
    (batch, label)
}

fn pick_duration_min(rng: &mut StdRng, durations: &[(i64, f64)]) -> i64 {
    let total: f64 = durations.iter().map(|(_, w)| w).sum();
    let mut u = rng.random::<f64>() * total;
    for &(minutes, weight) in durations {
        u -= weight;
        if u < 0.0 {
            return minutes;
        }
    }
    durations[durations.len() - 1].0
}

/// Audience size: a Pareto(`x_m` = min, α = 1) draw — Zipf-like: most events small, a few
/// large — redrawn until it is ≤ max. With our shape's (20, 5000): median 40, mean ≈
/// 20·ln 250 ≈ 110, and 1 event in 50 has more than 1000 viewers.
fn audience_size(rng: &mut StdRng, (min, max): (usize, usize)) -> usize {
    loop {
        let u: f64 = rng.random();
        let n = (min as f64 * (1.0 - u).powf(-1.0 / AUDIENCE_TAIL)).floor();
        if n <= max as f64 {
            return n as usize;
        }
    }
}

/// Join and leave times of one viewer. 78 % join in the first 4 minutes, the rest join late
/// (up to 60 % into the event); 70 % stay until the last 3 minutes, the rest leave early.
/// Every viewer watches at least 2 minutes.
fn attendance(rng: &mut StdRng, event_start_ms: i64, event_end_ms: i64) -> (i64, i64) {
    let duration = event_end_ms - event_start_ms;
    let join_offset = if rng.random_bool(0.78) {
        rng.random_range(0..4 * MINUTE_MS)
    } else {
        rng.random_range(4 * MINUTE_MS..=duration * 3 / 5)
    };
    let join_ms = event_start_ms + join_offset;
    let earliest_leave = join_ms + 2 * MINUTE_MS;
    let leave_ms = if rng.random_bool(0.7) {
        event_end_ms - rng.random_range(0..3 * MINUTE_MS)
    } else {
        rng.random_range(earliest_leave..=event_end_ms)
    };
    (join_ms, leave_ms.max(earliest_leave).min(event_end_ms))
}
