//! A simulated session as the beacons a real player sends (the player-session KPI schema's
//! `request`, `start`, `bitrate`, `stall_start`, `stall_end`, `heartbeat`, `end`), so demos
//! and load tests of the Sessions view and the collector run on realistic sessions.
//!
//! The timeline follows the simulator's definitions: the request at the session's start;
//! playback starts when the first segment has arrived; segment k plays for one segment
//! duration right after segment k − 1, unless the buffer ran empty first — then a stall runs
//! from that moment until segment k arrives (its `rebuffer_s`); a `bitrate` beacon marks each
//! segment that plays in another rendition than the one before; `end` when the last segment
//! has played out. Heartbeats every [`HEARTBEAT_S`] from the request on, as players send them.

use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::sim::Simulation;

/// Seconds between two heartbeats.
pub const HEARTBEAT_S: f64 = 10.0;

/// The beacon kinds a simulated session sends, by their names in the KPI schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeaconKind {
    Request,
    Start,
    Bitrate,
    StallStart,
    StallEnd,
    Heartbeat,
    End,
}

impl BeaconKind {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Start => "start",
            Self::Bitrate => "bitrate",
            Self::StallStart => "stall_start",
            Self::StallEnd => "stall_end",
            Self::Heartbeat => "heartbeat",
            Self::End => "end",
        }
    }
}

/// One beacon: when (unix ms), what, and the rendition on `start` and `bitrate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Beacon {
    pub ts_ms: i64,
    pub kind: BeaconKind,
    pub bitrate_kbps: Option<f64>,
}

/// The beacons of `run` (segments of `segment_s`) for a session requested at `start_ms`,
/// in time order. Times are rounded to the millisecond.
#[must_use]
pub fn session_beacons(run: &Simulation, segment_s: f64, start_ms: i64) -> Vec<Beacon> {
    let at = |s: f64| start_ms + (s * 1000.0).round() as i64;
    let mut out = vec![Beacon {
        ts_ms: start_ms,
        kind: BeaconKind::Request,
        bitrate_kbps: None,
    }];
    let Some(first) = run.segments.first() else {
        out.push(beacon(start_ms, BeaconKind::End, None));
        return out;
    };
    let mut playing = first.request_s + first.download_s;
    out.push(beacon(
        at(playing),
        BeaconKind::Start,
        Some(first.bitrate_kbps),
    ));
    let mut rendition = first.bitrate_kbps;
    playing += segment_s;
    for s in &run.segments[1..] {
        if s.rebuffer_s > 0.0 {
            out.push(beacon(at(playing), BeaconKind::StallStart, None));
            playing += s.rebuffer_s;
            out.push(beacon(at(playing), BeaconKind::StallEnd, None));
        }
        if s.bitrate_kbps.to_bits() != rendition.to_bits() {
            rendition = s.bitrate_kbps;
            out.push(beacon(at(playing), BeaconKind::Bitrate, Some(rendition)));
        }
        playing += segment_s;
    }
    let end = at(playing);
    let mut heartbeat = HEARTBEAT_S;
    while at(heartbeat) < end {
        out.push(beacon(at(heartbeat), BeaconKind::Heartbeat, None));
        heartbeat += HEARTBEAT_S;
    }
    out.push(beacon(end, BeaconKind::End, None));
    // Stable: a heartbeat at the same millisecond as a playback beacon comes after it.
    out.sort_by_key(|b| b.ts_ms);
    out
}

/// Every run's beacons with its index, each session requested at a seeded uniform time
/// within `join_s` seconds of `start_ms`, merged by time (ties by session): the order a
/// collector receives them in.
#[must_use]
pub fn merged_beacons(
    runs: &[Simulation],
    segment_s: f64,
    start_ms: i64,
    join_s: f64,
    seed: u64,
) -> Vec<(Beacon, usize)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut rows = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let joined = start_ms + (rng.random::<f64>() * join_s.max(0.0) * 1000.0).round() as i64;
        rows.extend(
            session_beacons(run, segment_s, joined)
                .into_iter()
                .map(|b| (b, i)),
        );
    }
    rows.sort_by_key(|(b, i)| (b.ts_ms, *i));
    rows
}

fn beacon(ts_ms: i64, kind: BeaconKind, bitrate_kbps: Option<f64>) -> Beacon {
    Beacon {
        ts_ms,
        kind,
        bitrate_kbps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::players::Algorithm;
    use crate::sim::{SimConfig, simulate};
    use crate::synthetic::{self, Profile};

    #[test]
    fn stalls_line_up_with_the_simulator_and_playback_ends_when_the_buffer_is_spent() {
        let manifest = synthetic::manifest(1, 60);
        for seed in 0..6 {
            let trace = synthetic::trace(Profile::Mobile3g, seed, 300);
            let mut player = Algorithm::RateBased.player(&manifest, 25.0);
            let run = simulate(
                &trace,
                &manifest,
                player.as_mut(),
                &SimConfig { buffer_cap_s: 25.0 },
            );
            let beacons = session_beacons(&run, manifest.segment_s, 1_000_000);
            // Each stall ends when its segment arrives (to the rounding of ms).
            let arrivals: Vec<i64> = run
                .segments
                .iter()
                .filter(|s| s.rebuffer_s > 0.0 && s.index > 0)
                .map(|s| 1_000_000 + ((s.request_s + s.download_s) * 1000.0).round() as i64)
                .collect();
            let ends: Vec<i64> = beacons
                .iter()
                .filter(|b| b.kind == BeaconKind::StallEnd)
                .map(|b| b.ts_ms)
                .collect();
            assert_eq!(ends.len(), arrivals.len(), "seed {seed}");
            for (e, a) in ends.iter().zip(&arrivals) {
                assert!(
                    (e - a).abs() <= 2,
                    "seed {seed}: stall ends {e}, arrival {a}"
                );
            }
            // Playback ends when the buffer left after the last download has played out.
            let last = run.segments.last().unwrap();
            let spent = last.request_s + last.download_s + last.buffer_s;
            let end = beacons.last().unwrap();
            assert_eq!(end.kind, BeaconKind::End);
            assert!((end.ts_ms - 1_000_000 - (spent * 1000.0).round() as i64).abs() <= 2);
            assert!(beacons.windows(2).all(|w| w[0].ts_ms <= w[1].ts_ms));
            let start = beacons
                .iter()
                .find(|b| b.kind == BeaconKind::Start)
                .unwrap();
            assert_eq!(
                start.ts_ms - 1_000_000,
                (run.summary.startup_s * 1000.0).round() as i64
            );
        }
    }
}
