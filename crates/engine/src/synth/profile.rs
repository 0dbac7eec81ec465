//! The two shapes the generator can give its data: our own (few large customers, events one
//! after another) and one shaped like a real telemetry export (many small customers, events
//! interleaved by time, continuous `QoE`, four engagement levels).
//!
//! Owns only numbers that size the world, the schedule and the text form; the models that use
//! them live in `world`, `event` and `viewer`.

use serde::{Deserialize, Serialize};

/// Which shape of data to generate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Shape {
    /// Our own shape: 20 countries, 8 customers with 5 000–30 000 employees each, four events
    /// per business day written event by event, `QoE` with 3 decimals, 8 engagement levels.
    #[default]
    Generator,
    /// Shaped like a real telemetry export: 9 countries with 29 cities, 177 customers with
    /// 500–11 000 employees each, 71 shorter events per business day (about 1 400 events in 20 M
    /// rows, about 210 k viewers), rows sorted by timestamp
    /// across all events of a day (events interleave), `QoE` with 6 decimals (hundreds of
    /// thousands of distinct values), buffering in 6 ms steps (about 5 000 distinct values),
    /// 4 engagement levels.
    Export,
}

impl Shape {
    /// Decimals of `qoe` in the CSV text form.
    #[must_use]
    pub const fn qoe_decimals(self) -> u32 {
        match self {
            Self::Generator => 3,
            Self::Export => 6,
        }
    }

    pub(super) const fn profile(self) -> &'static Profile {
        match self {
            Self::Generator => &GENERATOR,
            Self::Export => &EXPORT,
        }
    }
}

/// How many cities each country has.
pub(super) enum CityCount {
    /// Drawn uniformly from `lo..=hi` per country.
    Between(u32, u32),
    /// Exactly these counts, one per country.
    Fixed(&'static [u32]),
}

/// The numbers behind one [`Shape`].
pub(super) struct Profile {
    pub countries: u32,
    pub cities: CityCount,
    pub customers: u32,
    /// Employees per customer: log-uniform between these.
    pub population: (f64, f64),
    pub events_per_business_day: usize,
    /// Chance that an event falls on a weekend day instead.
    pub weekend_share: f64,
    /// Event lengths in minutes and their weights.
    pub durations_min: &'static [(i64, f64)],
    /// Smallest audience (the Pareto scale `x_m`) and largest.
    pub viewers: (usize, usize),
    /// The value written for each of the engagement chain's eight states.
    pub engagement_levels: [f32; 8],
    /// Buffering is reported in multiples of this many milliseconds.
    pub buffer_step_ms: u32,
    /// Rows of all events of a business day are merged in timestamp order.
    pub interleave_events: bool,
}

const GENERATOR: Profile = Profile {
    countries: 20,
    cities: CityCount::Between(4, 8),
    customers: 8,
    population: (5_000.0, 30_000.0),
    events_per_business_day: 4,
    weekend_share: 0.04,
    durations_min: &[
        (30, 2.0),
        (45, 2.0),
        (60, 4.0),
        (75, 1.0),
        (90, 3.0),
        (120, 3.0),
        (150, 1.0),
        (180, 1.0),
    ],
    viewers: (20, 5_000),
    engagement_levels: [0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0],
    buffer_step_ms: 1,
    interleave_events: false,
};

const EXPORT: Profile = Profile {
    countries: 9,
    cities: CityCount::Fixed(&[4, 4, 3, 3, 3, 3, 3, 3, 3]),
    customers: 177,
    population: (500.0, 11_000.0),
    events_per_business_day: 71,
    weekend_share: 0.0,
    durations_min: &[(20, 2.0), (30, 3.0), (45, 3.0), (60, 3.0), (90, 1.0)],
    viewers: (45, 5_000),
    engagement_levels: [0.0, 0.0, 0.3, 0.3, 0.7, 0.7, 1.0, 1.0],
    buffer_step_ms: 6,
    interleave_events: true,
};
