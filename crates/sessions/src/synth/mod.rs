//! Seeded player sessions and CDN logs: weekly all-hands webcasts watched from ten offices
//! on desktops, phones, tablets and TVs over three CDNs, for the sample, tests and benchmarks.
//!
//! The world: two customers (`acme` runs two weekly all-hands of every three webcasts,
//! `globex` the third); each webcast lasts `minutes` and draws employees of its customer,
//! who keep their office, device, software, CDN and ISP from week to week. Viewers join
//! mostly in the first minutes, some before the start and some late, and stay to the end
//! or leave early. Each attempt may fail to start (≈ 1 %), be abandoned while starting
//! (more on phones, most when start-up exceeds 6 s), stall (per office: Bangalore and
//! São Paulo most), switch renditions, pause (8 %, of which 15 % never resume), fail
//! mid-play, and retry after a failure (75 %). A few sessions only send heartbeats (no
//! request). In the last webcast, from 20 % to 40 % of its time, Edgecast's Frankfurt POP
//! fails the German offices: start-up ×3, failures, long stalls, 5xx and slow responses.
//! Beacons are written in the order they reach a collector (network delay; a few batched
//! up to 40 s late), so the file is not sorted by `ts`. Only Edgecast writes a CDN log,
//! one record per viewer every 30 s of playback (a sampled log). Output depends only on
//! the parameters (and the `rand` version).

mod playback;
mod world;

#[cfg(test)]
mod tests;

use std::io::{self, Write};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp};

use playback::{Beacon, CdnHit, ERROR_CODES, Ending, Sink, Webcast, play};
use world::{EDGECAST, Profile, mix64};

/// The player-event CSV header written by [`generate_sessions`].
pub const SESSION_CSV_HEADER: &str = "ts,session_id,viewer_id,event_id,customer_id,event_type,\
bitrate_kbps,error_code,country,city,device,os,browser,player,cdn,isp";

/// 2026-11-12T15:00:00Z, a Thursday afternoon in Europe.
pub const DEFAULT_SESSIONS_START_MS: i64 = 1_794_495_600_000;
const WEEK_MS: i64 = 7 * 24 * 3_600_000;
const CUSTOMERS: [&str; 2] = ["acme", "globex"];

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSynthParams {
    pub seed: u64,
    /// About this many viewers in all (each makes one attempt, more after failures).
    pub viewers: usize,
    /// Webcasts, one a week from `start_ms`.
    pub webcasts: usize,
    /// Length of each webcast.
    pub minutes: u32,
    pub start_ms: i64,
    /// Whether the last webcast has the Frankfurt incident.
    pub incident: bool,
}

impl Default for SessionSynthParams {
    fn default() -> Self {
        Self {
            seed: 42,
            viewers: 1_200,
            webcasts: 3,
            minutes: 60,
            start_ms: DEFAULT_SESSIONS_START_MS,
            incident: true,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SynthSummary {
    pub rows: u64,
    pub sessions: u64,
    pub cdn_records: u64,
    /// The webcasts' `event_id`s in time order.
    pub webcasts: Vec<String>,
}

/// One attempt's ids.
struct Session {
    id: String,
    viewer: String,
    profile: Profile,
}

/// Writes the player events (CSV with [`SESSION_CSV_HEADER`]) to `events` and, when given,
/// the Edgecast log records (JSON Lines) to `cdn`.
pub fn generate_sessions(
    params: &SessionSynthParams,
    events: &mut dyn Write,
    mut cdn: Option<&mut dyn Write>,
) -> io::Result<SynthSummary> {
    let mut summary = SynthSummary::default();
    writeln!(events, "{SESSION_CSV_HEADER}")?;
    let per_webcast = params.viewers.div_ceil(params.webcasts.max(1));
    for w in 0..params.webcasts {
        let customer = usize::from(w % 3 == 2);
        let start_ms = params.start_ms + w as i64 * WEEK_MS;
        let length_ms = i64::from(params.minutes.max(1)) * 60_000;
        let webcast = Webcast {
            start_ms,
            end_ms: start_ms + length_ms,
            incident: (params.incident && w + 1 == params.webcasts)
                .then_some((start_ms + length_ms / 5, start_ms + length_ms * 2 / 5)),
        };
        let date = &streamlens_engine::time_fmt::format_iso(start_ms)[..10];
        let event_id = format!("{}-allhands-{date}", CUSTOMERS[customer]);
        let mut rng = StdRng::seed_from_u64(mix64(params.seed ^ mix64(0xc457 ^ w as u64)));
        let mut beacons = Vec::new();
        let mut hits = Vec::new();
        let mut sink = Sink {
            beacons: &mut beacons,
            cdn: &mut hits,
        };
        let sessions = simulate(&mut rng, &mut sink, &webcast, params, customer, per_webcast);
        beacons.sort_by_key(|b| (b.arrival_ms, b.session, b.ts_ms));
        hits.sort_by_key(|h| (h.ts_ms, h.session));
        let ids = Ids {
            event: &event_id,
            customer: CUSTOMERS[customer],
            sessions: &sessions,
        };
        write_beacons(events, &beacons, &ids)?;
        if let Some(out) = cdn.as_deref_mut() {
            write_cdn(out, &hits, &ids)?;
        }
        summary.rows += beacons.len() as u64;
        summary.sessions += sessions.len() as u64;
        summary.cdn_records += hits.len() as u64;
        summary.webcasts.push(event_id);
    }
    events.flush()?;
    if let Some(out) = cdn {
        out.flush()?;
    }
    Ok(summary)
}

/// Every attendee's attempts in one webcast; returns the sessions by code.
fn simulate(
    rng: &mut StdRng,
    sink: &mut Sink<'_>,
    webcast: &Webcast,
    params: &SessionSynthParams,
    customer: usize,
    attendees: usize,
) -> Vec<Session> {
    let population = attendees + attendees / 4 + 1;
    let chosen = rand::seq::index::sample(rng, population, attendees.min(population));
    let length = webcast.end_ms - webcast.start_ms;
    let stay = Exp::new(1.0 / (0.75 * length as f64)).expect("positive rate");
    let mut sessions = Vec::new();
    for number in chosen {
        let profile = Profile::of(params.seed, customer, number);
        let viewer = format!("{}-u{number:06}", CUSTOMERS[customer]);
        let r: f64 = rng.random();
        let join = if r < 0.1 {
            webcast.start_ms - rng.random_range(0..300_000)
        } else if r < 0.8 {
            webcast.start_ms + (Exp::new(1.0 / 120_000.0).expect("rate").sample(rng) as i64)
        } else {
            webcast.start_ms + rng.random_range(0..length * 5 / 6)
        };
        let leave = (webcast.end_ms + rng.random_range(0..90_000))
            .min(join + 60_000 + stay.sample(rng) as i64);
        let mut new_session = |rng: &mut StdRng| {
            sessions.push(Session {
                id: format!("{:012x}", rng.random::<u64>() >> 16),
                viewer: viewer.clone(),
                profile,
            });
            (sessions.len() - 1) as u32
        };
        if rng.random::<f64>() < 0.004 {
            // A player that only sends heartbeats (reloaded page, no new request).
            let session = new_session(rng);
            let beats = rng.random_range(2..10);
            for i in 0..beats {
                let t = join + i * playback::HEARTBEAT_MS;
                sink.beacons.push(Beacon {
                    ts_ms: t,
                    arrival_ms: t + 300,
                    session,
                    kind: crate::event::EventKind::Heartbeat,
                    bitrate_kbps: 800,
                    error: 0,
                });
            }
        }
        let mut t_req = join;
        for _ in 0..4 {
            let session = new_session(rng);
            let (ending, t_last) = play(rng, sink, webcast, &profile, session, t_req, leave);
            let retry = match ending {
                Ending::Played => 0.0,
                Ending::Failed => 0.75,
                Ending::LeftBeforeStart => 0.3,
            };
            if rng.random::<f64>() >= retry {
                break;
            }
            t_req = t_last + rng.random_range(3_000..20_000);
            if t_req >= leave {
                break;
            }
        }
    }
    sessions
}

/// The labels rows are written with.
struct Ids<'a> {
    event: &'a str,
    customer: &'a str,
    sessions: &'a [Session],
}

fn write_beacons(out: &mut dyn Write, beacons: &[Beacon], ids: &Ids<'_>) -> io::Result<()> {
    let mut line = String::with_capacity(200);
    for b in beacons {
        use std::fmt::Write as _;
        let s = &ids.sessions[b.session as usize];
        line.clear();
        let _ = write!(
            line,
            "{},{},{},{},{},{},",
            b.ts_ms,
            s.id,
            s.viewer,
            ids.event,
            ids.customer,
            b.kind.name()
        );
        if b.bitrate_kbps > 0 {
            let _ = write!(line, "{}", b.bitrate_kbps);
        }
        let _ = write!(line, ",{}", ERROR_CODES[b.error as usize]);
        for label in s.profile.labels() {
            line.push(',');
            line.push_str(label);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn write_cdn(out: &mut dyn Write, hits: &[CdnHit], ids: &Ids<'_>) -> io::Result<()> {
    for (n, h) in hits.iter().enumerate() {
        let s = &ids.sessions[h.session as usize];
        debug_assert_eq!(s.profile.cdn, EDGECAST);
        let [_, _, device, os, browser, ..] = s.profile.labels();
        let cache = if h.cache_hit { "TCP_HIT" } else { "TCP_MISS" };
        writeln!(
            out,
            "{{\"timestamp\": {:.3}, \"pop\": \"{}\", \"status_code\": {}, \"write_time\": {:.4}, \
\"bytes_out\": {}, \"bytes_in\": 412, \"file_size\": {}, \"cache_status\": \"{cache}\", \
\"method\": \"GET\", \"host\": \"live.{}.example\", \"path\": \"/{}/{}k/seg{n}.ts\", \
\"user_agent\": \"streamlens-synth ({device}; {os}; {browser})\", \"server_port\": 443}}",
            h.ts_ms as f64 / 1000.0,
            s.profile.office().pop,
            h.status,
            h.write_time_s,
            h.bytes_out,
            h.bytes_out,
            ids.customer,
            ids.event,
            h.kbps,
        )?;
    }
    Ok(())
}
