//! A parsed capture: its connections and every packet (what [`super::reader`] produces).

use serde::{Deserialize, Serialize};

use super::TrafficLabel;

/// One 5-tuple and its totals over the capture (1→2 is upload, 2→1 download).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// `IP1:Port1 -> IP2:Port2 / Proto` as written in the file (ASCII arrow: the UI fonts lack →).
    pub key: String,
    pub up_bytes: u64,
    pub down_bytes: u64,
    pub up_packets: u64,
    pub down_packets: u64,
}

/// Every packet of a capture, in file order (struct of arrays).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Packets {
    pub time_ms: Vec<i64>,
    pub size_bytes: Vec<u32>,
    /// `true` for download (direction 2), `false` for upload (direction 1).
    pub down: Vec<bool>,
    /// Index into [`Capture::connections`].
    pub connection: Vec<u32>,
}

impl Packets {
    #[must_use]
    pub fn len(&self) -> usize {
        self.time_ms.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.time_ms.is_empty()
    }
}

/// A parsed capture.
#[derive(Clone, Debug, PartialEq)]
pub struct Capture {
    /// The file name (no directory), used in messages and reports.
    pub name: String,
    /// From the file name, see [`label_from_name`].
    pub label: Option<TrafficLabel>,
    /// Size of the CSV text, for throughput figures.
    pub text_bytes: usize,
    /// Smallest and largest `Time` (unix s).
    pub first_secs: i64,
    pub last_secs: i64,
    pub connections: Vec<Connection>,
    pub packets: Packets,
}

/// `live` in the file name (case-insensitive) → live; else `streaming` → VOD; else unknown.
#[must_use]
pub fn label_from_name(name: &str) -> Option<TrafficLabel> {
    let lower = name.to_ascii_lowercase();
    if lower.contains("live") {
        Some(TrafficLabel::Live)
    } else if lower.contains("streaming") {
        Some(TrafficLabel::Vod)
    } else {
        None
    }
}
