//! What the live side of the Sessions view keeps between frames (the work is in
//! `sessions_live`): one reading of a collector folder, and the strip's state.

use std::time::{Duration, Instant, SystemTime};

use streamlens_sessions::AlertThresholds;

/// One reading of a collector folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveRead {
    pub events: u64,
    /// Events still in write-ahead segments, not yet rolled into Parquet.
    pub unrolled_events: u64,
    pub parquet_files: usize,
}

/// Runtime state of the live view.
#[derive(Debug, Default)]
pub struct LiveState {
    pub paused: bool,
    pub thresholds: AlertThresholds,
    /// A reading is on the load worker.
    pub refreshing: bool,
    pub last_request: Option<Instant>,
    /// When the last reading landed, and what it found.
    pub updated: Option<(SystemTime, LiveRead)>,
    /// Events per second between the last two readings.
    pub ingest_rate: Option<f64>,
    pub previous: Option<(Instant, u64)>,
    /// Why the last reading failed (the previous data stays on screen).
    pub error: Option<String>,
    /// From the last reading's start to its answer on screen: with the refresh period, the
    /// longest an acknowledged event waits to be shown.
    pub refresh_took: Option<Duration>,
    /// A reading landed and its answer is not in yet.
    pub awaiting_answer: bool,
}
