//! One playback attempt, simulated: request, start-up or failure, renditions, stalls,
//! pauses, heartbeats, errors and the end — as beacons, plus the CDN requests it made.

use rand::Rng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Exp, LogNormal};

use super::world::{CDNS, EDGECAST, LADDER, Profile};
use crate::event::EventKind;

/// Heartbeat period while a view is open.
pub(super) const HEARTBEAT_MS: i64 = 30_000;
/// Error codes a player sends (index 0: none).
pub(super) const ERROR_CODES: [&str; 4] = [
    "",
    "MANIFEST_LOAD_ERROR",
    "NETWORK_ERROR",
    "MEDIA_DECODE_ERROR",
];
/// Segment length behind each CDN request.
const SEGMENT_S: f64 = 6.0;

/// One beacon as sent (`ts_ms`) and as it reached the collector (`arrival_ms`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Beacon {
    pub ts_ms: i64,
    pub arrival_ms: i64,
    pub session: u32,
    pub kind: EventKind,
    /// 0: no bitrate on this beacon.
    pub bitrate_kbps: u16,
    /// Index into [`ERROR_CODES`].
    pub error: u8,
}

/// One segment request the CDN logged.
#[derive(Debug, Clone, Copy)]
pub(super) struct CdnHit {
    pub ts_ms: i64,
    pub session: u32,
    pub status: u16,
    pub bytes_out: u64,
    pub write_time_s: f64,
    pub cache_hit: bool,
    pub kbps: u16,
}

/// The webcast around a view: when it runs and when (if ever) the incident hits.
pub(super) struct Webcast {
    pub start_ms: i64,
    pub end_ms: i64,
    /// `[from, to)` during which Edgecast's Frankfurt POP fails German offices.
    pub incident: Option<(i64, i64)>,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    Played,
    Failed,
    LeftBeforeStart,
}

/// Where beacons and CDN requests of one attempt go.
pub(super) struct Sink<'a> {
    pub beacons: &'a mut Vec<Beacon>,
    pub cdn: &'a mut Vec<CdnHit>,
}

struct Attempt<'a, 'b> {
    rng: &'a mut StdRng,
    sink: &'a mut Sink<'b>,
    session: u32,
    hit_by_incident: bool,
    webcast: &'a Webcast,
    /// Median throughput from the POP to this office (Mbit/s).
    median_mbps: f64,
}

impl Attempt<'_, '_> {
    fn in_incident(&self, t: i64) -> bool {
        self.hit_by_incident
            && self
                .webcast
                .incident
                .is_some_and(|(a, b)| (a..b).contains(&t))
    }

    fn send(&mut self, ts_ms: i64, kind: EventKind, bitrate_kbps: u16, error: u8) {
        // Most beacons arrive within a second; a few are batched by a sleeping device.
        let delay = if self.rng.random::<f64>() < 0.005 {
            self.rng.random_range(5_000..40_000)
        } else {
            self.rng.random_range(80..900)
        };
        self.sink.beacons.push(Beacon {
            ts_ms,
            arrival_ms: ts_ms + delay,
            session: self.session,
            kind,
            bitrate_kbps,
            error,
        });
    }

    fn segment(&mut self, ts_ms: i64, kbps: u16) {
        let bad = self.in_incident(ts_ms);
        let median_mbps = if bad { 6.0 } else { self.median_mbps };
        let mbps = LogNormal::new(f64::ln(median_mbps), 0.5)
            .expect("finite parameters")
            .sample(self.rng);
        let r: f64 = self.rng.random();
        let status = match (bad, r) {
            (true, r) if r < 0.08 => 503,
            (true, r) if r < 0.10 => 504,
            (_, r) if r > 0.998 => 404,
            _ => 200,
        };
        let bytes_out = if status == 200 {
            (f64::from(kbps) * 1000.0 * SEGMENT_S / 8.0 * self.rng.random_range(0.9..1.1)) as u64
        } else {
            0
        };
        let latency = self.rng.random_range(0.005..0.04);
        let write_time_s = latency + bytes_out as f64 * 8.0 / (mbps * 1e6);
        let cache_hit = self.rng.random::<f64>() < if bad { 0.6 } else { 0.94 };
        let session = self.session;
        self.sink.cdn.push(CdnHit {
            ts_ms,
            session,
            status,
            bytes_out,
            write_time_s,
            cache_hit,
            kbps,
        });
    }
}

/// Simulates the attempt `session` of a viewer with `profile`, first requested at `t_req`;
/// the viewer means to stay until `leave_ms` (cut short by failures). Returns how it ended
/// and when its last beacon was sent.
pub(super) fn play(
    rng: &mut StdRng,
    sink: &mut Sink<'_>,
    webcast: &Webcast,
    profile: &Profile,
    session: u32,
    t_req: i64,
    leave_ms: i64,
) -> (Ending, i64) {
    let (office, device) = (profile.office(), profile.device());
    let hit_by_incident = profile.cdn == EDGECAST && office.country == "Germany";
    let logs_cdn = profile.cdn == EDGECAST;
    let mut a = Attempt {
        rng,
        sink,
        session,
        hit_by_incident,
        webcast,
        median_mbps: 200.0 / office.startup_factor,
    };
    a.send(t_req, EventKind::Request, 0, 0);
    let bad_start = a.in_incident(t_req);
    let median_ms = 1100.0
        * office.startup_factor
        * device.startup_factor
        * CDNS[profile.cdn].2
        * if bad_start { 3.0 } else { 1.0 };
    let startup = LogNormal::new(f64::ln(median_ms), 0.55)
        .expect("finite parameters")
        .sample(a.rng) as i64;
    let vsf = 0.01 + if bad_start { 0.15 } else { 0.0 };
    if a.rng.random::<f64>() < vsf {
        let t = t_req + (startup as f64 * a.rng.random_range(0.3..1.0)) as i64;
        let code = if a.rng.random::<f64>() < 0.6 { 1 } else { 2 };
        a.send(t, EventKind::Error, 0, code);
        return (Ending::Failed, t);
    }
    let patience_lost = if startup > 6_000 { 0.45 } else { 0.0 };
    if a.rng.random::<f64>() < 0.008 + device.ebvs_extra + patience_lost {
        let t = t_req + (startup as f64 * a.rng.random_range(0.2..0.95)) as i64;
        a.send(t, EventKind::End, 0, 0);
        return (Ending::LeftBeforeStart, t);
    }
    let t_start = t_req + startup;
    let top = LADDER
        .iter()
        .rposition(|&k| k <= device.max_kbps)
        .unwrap_or(0);
    let mut ladder_step = top.saturating_sub(a.rng.random_range(0..=2));
    a.send(t_start, EventKind::Start, LADDER[ladder_step], 0);
    let leave = leave_ms.max(t_start + a.rng.random_range(5_000..60_000));
    // Time to the next switch, pause and mid-play error (exponential waits).
    let switch_wait = Exp::new(1.0 / 150_000.0).expect("positive rate");
    let pause_at = (a.rng.random::<f64>() < 0.08).then(|| a.rng.random_range(t_start..leave));
    let mut paused_once = false;
    let mut next_beat = t_start + HEARTBEAT_MS;
    let mut next_segment = t_start;
    let mut t = t_start;
    let mut ending = Ending::Played;
    while t < leave {
        let incident = a.in_incident(t);
        let stalls_per_hour = if incident {
            40.0
        } else {
            office.stalls_per_hour
        };
        let errors_per_hour = if incident { 0.5 } else { 0.008 };
        let wait = |rng: &mut StdRng, per_hour: f64| {
            (Exp::new(per_hour / 3.6e6)
                .expect("positive rate")
                .sample(rng)) as i64
        };
        // Look ahead at most one minute so an incident starting later is noticed.
        let horizon = t + 60_000;
        let stall = t + wait(a.rng, stalls_per_hour);
        let error = t + wait(a.rng, errors_per_hour);
        let switch = t + switch_wait.sample(a.rng) as i64;
        let pause = pause_at
            .filter(|&p| p >= t && !paused_once)
            .unwrap_or(i64::MAX);
        let next = stall
            .min(error)
            .min(switch)
            .min(pause)
            .min(horizon)
            .min(leave);
        while next_beat <= next {
            a.send(next_beat, EventKind::Heartbeat, LADDER[ladder_step], 0);
            next_beat += HEARTBEAT_MS;
        }
        if logs_cdn {
            while next_segment <= next {
                a.segment(next_segment, LADDER[ladder_step]);
                next_segment += HEARTBEAT_MS;
            }
        }
        t = next;
        if t >= leave || t == horizon {
            continue;
        }
        if t == stall {
            a.send(t, EventKind::StallStart, 0, 0);
            let median = if incident { 5_000.0 } else { 1_800.0 };
            let length = LogNormal::new(f64::ln(median), 0.7)
                .expect("finite parameters")
                .sample(a.rng) as i64;
            if t + length >= leave {
                // Never recovered: the viewer gives up while stalled.
                t = leave;
                break;
            }
            t += length;
            a.send(t, EventKind::StallEnd, 0, 0);
            if ladder_step > 0 {
                ladder_step -= 1;
                a.send(t, EventKind::Bitrate, LADDER[ladder_step], 0);
            }
        } else if t == error {
            let code = if incident { 2 } else { 3 };
            a.send(t, EventKind::Error, 0, code);
            ending = Ending::Failed;
            break;
        } else if t == switch {
            let up = ladder_step < top && a.rng.random::<f64>() < 0.6;
            let new = if up {
                ladder_step + 1
            } else {
                ladder_step.saturating_sub(1)
            };
            if new != ladder_step {
                ladder_step = new;
                a.send(t, EventKind::Bitrate, LADDER[ladder_step], 0);
            }
        } else if t == pause {
            paused_once = true;
            a.send(t, EventKind::Pause, 0, 0);
            if a.rng.random::<f64>() < 0.15 {
                // Never resumed: the tab is closed while paused.
                t = leave.min(t + a.rng.random_range(30_000..600_000));
                a.send(t, EventKind::End, 0, 0);
                return (Ending::Played, t);
            }
            t += a.rng.random_range(20_000..240_000);
            a.send(t, EventKind::Resume, 0, 0);
        }
    }
    if ending == Ending::Played && a.rng.random::<f64>() < 0.97 {
        a.send(t, EventKind::End, 0, 0);
    }
    (ending, t)
}
