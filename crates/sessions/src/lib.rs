//! Player sessions and streaming KPIs (issue 16): the definitions — a
//! session's events in time order become one view's measures, and views become the KPIs
//! and experience scores customer-success teams compare; player events are read from CSV,
//! gzip CSV, JSON Lines or Parquet with every bad row located; CDN logs give quality of
//! service per POP; a seeded generator writes realistic sessions and CDN logs.
//!
//! Definitions follow the issue word for word where it is explicit. Where it is silent:
//! - "before" and "after" between two events mean their place in the session's order
//!   (time, then file order), so of two events at the same millisecond the one written
//!   first comes first;
//! - a `pause` while already paused, or a `stall_start` while already stalled, continues
//!   the same pause or stall (intervals are never counted twice), and a `stall_start` while
//!   paused is ignored (a stall ends at a pause, so stall time lies inside watch time and
//!   the rebuffer share stays within [0, 1]);
//! - a view's mean bitrate weighs only playing time with a known rendition (a `start`
//!   without `bitrate_kbps` leaves the rendition unknown until a `bitrate` event sets it);
//! - a view takes its viewer id and dimension values from its first `request` (as the issue
//!   says for dimensions), so those are coded on `request` rows only ([`NOT_KEPT`] elsewhere).

mod alerts;
mod cdn;
mod compare;
mod event;
mod kpis;
mod log;
mod query;
mod read;
mod read_csv;
mod report;
pub mod result;
mod rows;
mod series;
mod synth;
mod view;

pub use alerts::{Alert, AlertThresholds, alerts};
pub use cdn::{
    CdnReport, CdnRequest, CdnStats, LONG_RESPONSE_S, MAX_CDN_TEXT_BYTES, cdn_report,
    cdn_report_between, cdn_stats, read_cdn_file, read_cdn_records,
};
pub use compare::{Compared, Comparison, compare, two_proportion_p};
pub use event::{EventKind, PlayerEvent};
pub use kpis::{Kpis, Startup, kpis};
pub use log::{Dimension, Labels, Located, NOT_KEPT, PlayerLog, ReadError, ReadReport};
pub use query::{Answer, CompareWith, MAX_SERIES_MINUTES, NamedComparison, Query, answer};
pub use read::{read_player_events, read_player_file};
pub use report::{CUSTOMER, KpiReport, Sessions, ViewFilter, report};
pub use series::{Minute, minutes};
pub use synth::{
    DEFAULT_SESSIONS_START_MS, SESSION_CSV_HEADER, SessionSynthParams, SynthSummary,
    generate_sessions,
};
pub use view::{Outcome, View, measure, sessionize};

#[cfg(test)]
mod read_tests;
#[cfg(test)]
mod result_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod view_tests;
