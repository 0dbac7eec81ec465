//! Player sessions and streaming KPIs (issue 16, first part): the definitions only — a
//! session's events in time order become one view's measures, and views become the KPIs
//! and experience scores customer-success teams compare. Readers, breakdowns by dimension,
//! period comparison, the CLI and the window come later; nothing here names a file format.
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
//!   without `bitrate_kbps` leaves the rendition unknown until a `bitrate` event sets it).

mod event;
mod kpis;
mod view;

pub use event::{EventKind, PlayerEvent};
pub use kpis::{Kpis, Startup, kpis};
pub use view::{Outcome, View, measure, sessionize};

#[cfg(test)]
mod tests;
