//! Office capacity what-if: `viewers` players behind one link of `link_mbps`.
//!
//! Definitions: viewers join at seeded times spread evenly at random over `join_s` seconds
//! (a webcast's first minute); each plays the whole video with its own player, as in
//! [`crate::sim`] (latency, start-up, rebuffering, buffer cap). The link is shared fairly: at
//! any moment each download in progress gets link / (downloads in progress) — recomputed
//! whenever one starts or ends; time spent in a request's latency uses no bandwidth. Per
//! viewer the same session figures as [`crate::sim::summarise`].
//!
//! Exact event simulation: with equal shares every active download receives the same
//! service, so each download's end is fixed in cumulative per-download service (start +
//! size) and only the next one is needed; buffers drain in real time between a viewer's own
//! events and are brought up to date when the viewer next acts.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;

use crate::manifest::Manifest;
use crate::players::{Algorithm, Player, PlayerState};
use crate::sim::{SegmentRecord, SessionSummary, summarise};

/// One office scenario.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Office {
    pub viewers: usize,
    pub link_mbps: f64,
    /// Per request, before its first bit.
    pub latency_s: f64,
    pub buffer_cap_s: f64,
    /// Viewers join over this many seconds.
    pub join_s: f64,
    pub seed: u64,
}

/// The office's viewers, and their means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfficeRun {
    pub viewers: Vec<SessionSummary>,
    pub qoe_lin_mean: f64,
    pub bitrate_kbps_mean: f64,
    pub rebuffer_ratio_mean: f64,
    /// Share of viewers whose rebuffer ratio is 1 % or more.
    pub stalled_share: f64,
    pub startup_s_mean: f64,
}

#[derive(Clone, Copy, PartialEq)]
enum Next {
    /// Join, or the end of a wait: choose and request the next segment.
    Request,
    /// The latency is over: the bits start to flow.
    Transfer,
}

/// A timed event, earliest first (ties by viewer, then kind, so runs are deterministic).
struct Event {
    at: f64,
    viewer: usize,
    next: Next,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .at
            .total_cmp(&self.at)
            .then(other.viewer.cmp(&self.viewer))
            .then((other.next == Next::Request).cmp(&(self.next == Next::Request)))
    }
}

/// A download in progress, finishing when the cumulative service reaches `done_at`.
struct Transfer {
    done_at: f64,
    viewer: usize,
}

impl PartialEq for Transfer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Transfer {}
impl PartialOrd for Transfer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Transfer {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .done_at
            .total_cmp(&self.done_at)
            .then(other.viewer.cmp(&self.viewer))
    }
}

/// One viewer's session state.
struct Viewer {
    player: Box<dyn Player>,
    joined: f64,
    /// Buffer as of `updated` (seconds of video).
    buffer: f64,
    updated: f64,
    started: bool,
    startup: f64,
    /// Rebuffering since the current request was sent.
    stall: f64,
    request_at: f64,
    rendition: usize,
    wait: f64,
    measured_kbps: Vec<f64>,
    took_s: Vec<f64>,
    segments: Vec<SegmentRecord>,
}

impl Viewer {
    /// Brings the buffer to time `now`: it drains while playing; below empty is a stall.
    fn drain_to(&mut self, now: f64) {
        if self.started {
            self.buffer -= now - self.updated;
            if self.buffer < 0.0 {
                self.stall -= self.buffer;
                self.buffer = 0.0;
            }
        }
        self.updated = now;
    }
}

/// Plays `office.viewers` sessions of `manifest` with `algorithm` over the shared link.
#[must_use]
pub fn simulate_office(manifest: &Manifest, algorithm: Algorithm, office: &Office) -> OfficeRun {
    let cap = office.buffer_cap_s.max(manifest.segment_s);
    let link_bps = office.link_mbps.max(1e-9) * 1e6;
    let latency = office.latency_s.max(0.0);
    let mut rng = StdRng::seed_from_u64(office.seed);
    let mut events = BinaryHeap::new();
    let mut viewers: Vec<Viewer> = (0..office.viewers)
        .map(|viewer| {
            let joined = rng.random::<f64>() * office.join_s.max(0.0);
            events.push(Event {
                at: joined,
                viewer,
                next: Next::Request,
            });
            Viewer {
                player: algorithm.player(manifest, cap),
                joined,
                buffer: 0.0,
                updated: joined,
                started: false,
                startup: 0.0,
                stall: 0.0,
                request_at: joined,
                rendition: 0,
                wait: 0.0,
                measured_kbps: Vec::with_capacity(manifest.segments()),
                took_s: Vec::with_capacity(manifest.segments()),
                segments: Vec::with_capacity(manifest.segments()),
            }
        })
        .collect();
    let mut transfers = BinaryHeap::new();
    // Cumulative bits served to each active download since the start.
    let (mut served, mut now) = (0.0_f64, 0.0_f64);
    loop {
        let active = transfers.len() as f64;
        let transfer_end = transfers
            .peek()
            .map(|t: &Transfer| now + (t.done_at - served) * active / link_bps);
        let event_at = events.peek().map(|e: &Event| e.at);
        let finishing = match (transfer_end, event_at) {
            (None, None) => break,
            (Some(t), Some(e)) => t <= e,
            (t, _) => t.is_some(),
        };
        let at = if finishing {
            transfer_end.unwrap_or(now)
        } else {
            event_at.unwrap_or(now)
        }
        .max(now);
        if active > 0.0 {
            served += (at - now) * link_bps / active;
        }
        now = at;
        if finishing {
            let Some(done) = transfers.pop() else { break };
            served = served.max(done.done_at);
            arrive(
                &mut viewers[done.viewer],
                done.viewer,
                manifest,
                cap,
                now,
                &mut events,
            );
            continue;
        }
        let Some(event) = events.pop() else { break };
        let v = &mut viewers[event.viewer];
        match event.next {
            Next::Request => request(v, event.viewer, manifest, cap, latency, now, &mut events),
            Next::Transfer => {
                let bits = manifest.sizes_bits[v.segments.len()][v.rendition];
                transfers.push(Transfer {
                    done_at: served + bits,
                    viewer: event.viewer,
                });
            }
        }
    }
    summarise_office(manifest, &viewers)
}

/// Viewer `v` chooses its next rendition and sends the request.
fn request(
    v: &mut Viewer,
    index: usize,
    manifest: &Manifest,
    cap: f64,
    latency: f64,
    now: f64,
    events: &mut BinaryHeap<Event>,
) {
    v.drain_to(now);
    let state = PlayerState {
        manifest,
        index: v.segments.len(),
        buffer_s: v.buffer,
        buffer_cap_s: cap,
        last: v.segments.last().map(|s| s.rendition),
        throughputs_kbps: &v.measured_kbps,
        downloads_s: &v.took_s,
    };
    v.rendition = v.player.choose(&state).min(manifest.renditions() - 1);
    v.request_at = now;
    v.stall = 0.0;
    events.push(Event {
        at: now + latency,
        viewer: index,
        next: Next::Transfer,
    });
}

/// Viewer `v` (number `viewer`): its segment has arrived at `now`; the next request
/// follows after any wait for the buffer cap.
fn arrive(
    v: &mut Viewer,
    viewer: usize,
    manifest: &Manifest,
    cap: f64,
    now: f64,
    events: &mut BinaryHeap<Event>,
) {
    v.drain_to(now);
    let index = v.segments.len();
    let bits = manifest.sizes_bits[index][v.rendition];
    let download_s = now - v.request_at;
    if !v.started {
        v.started = true;
        v.startup = now - v.joined;
    }
    v.buffer += manifest.segment_s;
    let last = index + 1 == manifest.segments();
    v.wait = if last { 0.0 } else { (v.buffer - cap).max(0.0) };
    let throughput_kbps = bits / 1000.0 / download_s.max(f64::MIN_POSITIVE);
    v.measured_kbps.push(throughput_kbps);
    v.took_s.push(download_s);
    v.segments.push(SegmentRecord {
        index,
        rendition: v.rendition,
        bitrate_kbps: manifest.bitrates_kbps[v.rendition],
        request_s: v.request_at - v.joined,
        download_s,
        throughput_kbps,
        rebuffer_s: v.stall,
        wait_s: v.wait,
        buffer_s: v.buffer - v.wait,
    });
    if !last {
        events.push(Event {
            at: now + v.wait,
            viewer,
            next: Next::Request,
        });
    }
}

fn summarise_office(manifest: &Manifest, viewers: &[Viewer]) -> OfficeRun {
    let summaries: Vec<SessionSummary> = viewers
        .iter()
        .map(|v| {
            let end = v
                .segments
                .last()
                .map_or(0.0, |s| s.request_s + s.download_s);
            summarise(&v.segments, manifest.segment_s, v.startup, end)
        })
        .collect();
    let n = summaries.len().max(1) as f64;
    let mean = |f: fn(&SessionSummary) -> f64| summaries.iter().map(f).sum::<f64>() / n;
    OfficeRun {
        qoe_lin_mean: mean(|s| s.qoe_lin),
        bitrate_kbps_mean: mean(|s| s.bitrate_kbps_mean),
        rebuffer_ratio_mean: mean(|s| s.rebuffer_ratio),
        stalled_share: mean(|s| f64::from(u8::from(s.rebuffer_ratio >= 0.01))),
        startup_s_mean: mean(|s| s.startup_s),
        viewers: summaries,
    }
}
