//! The segment-level session simulator.
//!
//! Definitions (seeded nothing: the simulation is deterministic):
//! - Download time of a segment = the latency of the trace step where the request starts,
//!   then its size integrated over the steps' bandwidths (the trace loops when it ends).
//! - Playback starts when the first segment has arrived; the start-up delay is that time.
//!   After that the buffer drains in real time while downloading; time with an empty buffer
//!   is rebuffering. Each arrival adds one segment duration to the buffer.
//! - Above the buffer cap the player waits (the link's time passes) until the buffer is back
//!   at the cap, so at every decision the buffer is at most the cap (a cap under one
//!   segment acts as one segment). After the last segment nobody waits.
//! - `QoE_lin` of a session (Pensieve, Mao et al. 2017): (Σ bitrate − 4.3 · Σ rebuffer −
//!   Σ |Δ bitrate|) / segments, bitrates in Mbit/s and rebuffering in seconds. The start-up
//!   delay is reported on its own and not counted as rebuffering (Pensieve counts it in the
//!   first segment's rebuffer term).
//! - Rebuffer ratio = rebuffering / (rebuffering + played time), played time being
//!   segments × segment duration.

use serde::Serialize;

use crate::manifest::Manifest;
use crate::players::{Player, PlayerState};
use crate::trace::{Step, Trace};

/// Pensieve's rebuffering penalty per second, in `QoE_lin` (bitrate in Mbit/s).
pub use crate::players::REBUFFER_PENALTY;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SimConfig {
    /// The player waits while its buffer is above this (seconds).
    pub buffer_cap_s: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self { buffer_cap_s: 25.0 }
    }
}

/// One downloaded segment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SegmentRecord {
    pub index: usize,
    pub rendition: usize,
    pub bitrate_kbps: f64,
    /// Session clock when the request was sent.
    pub request_s: f64,
    pub download_s: f64,
    pub throughput_kbps: f64,
    pub rebuffer_s: f64,
    /// Waiting after the download because the buffer was above the cap.
    pub wait_s: f64,
    /// Buffer after the download and any wait.
    pub buffer_s: f64,
}

/// A session's figures (definitions in the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SessionSummary {
    pub segments: usize,
    pub qoe_lin: f64,
    pub bitrate_kbps_mean: f64,
    pub rebuffer_s: f64,
    pub rebuffer_ratio: f64,
    pub switches: usize,
    pub startup_s: f64,
    /// Session clock when the last segment had arrived.
    pub end_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    pub summary: SessionSummary,
    pub segments: Vec<SegmentRecord>,
}

/// A position on a looping trace.
pub(crate) struct Link<'a> {
    steps: &'a [Step],
    step: usize,
    /// Seconds already spent in the current step.
    into: f64,
    /// One pass through the trace: its seconds and the bits it carries.
    pass_s: f64,
    pass_bits: f64,
}

impl<'a> Link<'a> {
    pub(crate) fn new(trace: &'a Trace) -> Self {
        Self {
            steps: &trace.steps,
            step: 0,
            into: 0.0,
            pass_s: trace.duration_s(),
            pass_bits: trace
                .steps
                .iter()
                .map(|s| s.duration_s * s.bandwidth_kbps * 1000.0)
                .sum(),
        }
    }

    fn next_step(&mut self) {
        self.step = (self.step + 1) % self.steps.len();
        self.into = 0.0;
    }

    /// Lets `seconds` pass with nothing downloaded. Whole passes through the trace end
    /// where they began, so only the remainder is walked.
    pub(crate) fn wait(&mut self, seconds: f64) {
        let mut seconds = if seconds >= self.pass_s {
            seconds % self.pass_s
        } else {
            seconds.max(0.0)
        };
        loop {
            let left = self.steps[self.step].duration_s - self.into;
            if seconds < left {
                self.into += seconds;
                return;
            }
            seconds -= left;
            self.next_step();
        }
    }

    /// Downloads `bits`: the latency of the current step, then the bits at the steps'
    /// bandwidths. Returns the seconds it took. A whole pass through the trace, from
    /// anywhere, carries the same bits, so whole passes are counted, not walked.
    pub(crate) fn download(&mut self, bits: f64) -> f64 {
        let latency = self.steps[self.step].latency_s;
        self.wait(latency);
        let passes = ((bits / self.pass_bits).floor() - 1.0).max(0.0);
        let mut elapsed = latency + passes * self.pass_s;
        let mut bits = (bits - passes * self.pass_bits).max(0.0);
        loop {
            let step = self.steps[self.step];
            let left = step.duration_s - self.into;
            let rate = step.bandwidth_kbps * 1000.0;
            let here = if left > 0.0 { rate * left } else { 0.0 };
            if rate > 0.0 && bits <= here {
                let t = bits / rate;
                self.into += t;
                return elapsed + t;
            }
            bits -= here;
            elapsed += left.max(0.0);
            self.next_step();
        }
    }
}

/// Plays the whole video of `manifest` over `trace` with `player`.
pub fn simulate(
    trace: &Trace,
    manifest: &Manifest,
    player: &mut dyn Player,
    config: &SimConfig,
) -> Simulation {
    let n = manifest.segments();
    // A cap under one segment (or not a number) acts as one segment.
    let cap = config.buffer_cap_s.max(manifest.segment_s);
    let mut link = Link::new(trace);
    let mut segments = Vec::with_capacity(n);
    let mut measured_kbps = Vec::with_capacity(n);
    let mut took_s = Vec::with_capacity(n);
    let (mut clock, mut buffer, mut startup) = (0.0_f64, 0.0_f64, 0.0_f64);
    let mut last: Option<usize> = None;
    for index in 0..n {
        let state = PlayerState {
            manifest,
            index,
            buffer_s: buffer,
            buffer_cap_s: cap,
            last,
            throughputs_kbps: &measured_kbps,
            downloads_s: &took_s,
        };
        let rendition = player.choose(&state).min(manifest.renditions() - 1);
        let bits = manifest.sizes_bits[index][rendition];
        let request_s = clock;
        let download_s = link.download(bits);
        clock += download_s;
        let rebuffer_s = if index == 0 {
            startup = download_s;
            0.0
        } else {
            let stall = (download_s - buffer).max(0.0);
            buffer = (buffer - download_s).max(0.0);
            stall
        };
        buffer += manifest.segment_s;
        // After the last segment there is nothing to wait for.
        let wait_s = if index + 1 < n {
            (buffer - cap).max(0.0)
        } else {
            0.0
        };
        if wait_s > 0.0 {
            link.wait(wait_s);
            clock += wait_s;
            buffer -= wait_s;
        }
        let throughput_kbps = bits / 1000.0 / download_s.max(f64::MIN_POSITIVE);
        measured_kbps.push(throughput_kbps);
        took_s.push(download_s);
        segments.push(SegmentRecord {
            index,
            rendition,
            bitrate_kbps: manifest.bitrates_kbps[rendition],
            request_s,
            download_s,
            throughput_kbps,
            rebuffer_s,
            wait_s,
            buffer_s: buffer,
        });
        last = Some(rendition);
    }
    let summary = summarise(&segments, manifest.segment_s, startup, clock);
    Simulation { summary, segments }
}

/// The session figures of downloaded segments.
#[must_use]
pub fn summarise(
    segments: &[SegmentRecord],
    seconds_per_segment: f64,
    startup_s: f64,
    end_s: f64,
) -> SessionSummary {
    let n = segments.len();
    let mbps = |s: &SegmentRecord| s.bitrate_kbps / 1000.0;
    let bitrate: f64 = segments.iter().map(mbps).sum();
    let rebuffer_s: f64 = segments.iter().map(|s| s.rebuffer_s).sum();
    let smoothness: f64 = segments
        .windows(2)
        .map(|w| (mbps(&w[1]) - mbps(&w[0])).abs())
        .sum();
    let switches = segments
        .windows(2)
        .filter(|w| w[0].rendition != w[1].rendition)
        .count();
    let played = n as f64 * seconds_per_segment;
    let per = |v: f64| if n == 0 { 0.0 } else { v / n as f64 };
    SessionSummary {
        segments: n,
        qoe_lin: per(bitrate - REBUFFER_PENALTY * rebuffer_s - smoothness),
        bitrate_kbps_mean: per(bitrate * 1000.0),
        rebuffer_s,
        rebuffer_ratio: if played + rebuffer_s > 0.0 {
            rebuffer_s / (played + rebuffer_s)
        } else {
            0.0
        },
        switches,
        startup_s,
        end_s,
    }
}
