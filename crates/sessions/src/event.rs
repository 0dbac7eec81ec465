//! One player beacon.

use serde::Serialize;

/// What a player reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Request,
    Start,
    Bitrate,
    StallStart,
    StallEnd,
    Pause,
    Resume,
    Heartbeat,
    Error,
    End,
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
        EventKind::Request,
        EventKind::Start,
        EventKind::Bitrate,
        EventKind::StallStart,
        EventKind::StallEnd,
        EventKind::Pause,
        EventKind::Resume,
        EventKind::Heartbeat,
        EventKind::Error,
        EventKind::End,
    ];

    /// The name players write (`stall_start`, …).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Request => "request",
            EventKind::Start => "start",
            EventKind::Bitrate => "bitrate",
            EventKind::StallStart => "stall_start",
            EventKind::StallEnd => "stall_end",
            EventKind::Pause => "pause",
            EventKind::Resume => "resume",
            EventKind::Heartbeat => "heartbeat",
            EventKind::Error => "error",
            EventKind::End => "end",
        }
    }

    /// The kind named by `text` (surrounding spaces and letter case ignored).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(text))
    }
}

/// One player event with its ids as dense codes (as the telemetry loader codes ids).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayerEvent {
    /// Unix milliseconds.
    pub ts_ms: i64,
    pub session: u32,
    /// Read from `request` rows only (a view's viewer is its first request's);
    /// [`crate::NOT_KEPT`] on other rows.
    pub viewer: u32,
    pub kind: EventKind,
    /// On `start`, `bitrate` and `heartbeat` events, when the player sent it.
    pub bitrate_kbps: Option<f64>,
}
