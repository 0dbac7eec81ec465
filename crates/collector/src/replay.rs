//! A bounded load generator (`streamlens beacons replay`): beacons `POST`ed to a collector
//! at a set rate for a set time, in batches over a bounded number of connections, every
//! acknowledgement timed. Nothing is retried: a refused or deferred batch is counted, so
//! the report says what the collector did under that load.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::beacons::Beacons;

/// What to send, where, how fast and for how long.
#[derive(Debug, Clone)]
pub struct ReplayPlan {
    /// The collector's events URL (`http://HOST:PORT/v1/events`).
    pub url: String,
    /// Events per second over all connections.
    pub rate: f64,
    pub duration: Duration,
    /// Stop after this many events even before `duration` (the last batch is cut short).
    pub max_events: Option<u64>,
    /// Events per POST.
    pub batch: usize,
    /// Requests in flight at most.
    pub connections: usize,
    pub token: Option<String>,
    /// The first beacon's time (unix ms); the rest keep their offsets from it.
    pub start_ms: i64,
}

/// What the replay did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ReplayReport {
    pub url: String,
    pub seconds: f64,
    pub sent_events: u64,
    /// Events in batches answered 200.
    pub acked_events: u64,
    pub acked_events_per_s: f64,
    pub batches_acked: u64,
    /// Answered 4xx (the body says why: `first_error`).
    pub batches_refused: u64,
    /// Answered 503: the collector's disk queue was over its bound.
    pub batches_deferred: u64,
    /// No answer, or another status.
    pub batches_failed: u64,
    /// Batches sent later than planned because every connection was busy.
    pub batches_late: u64,
    pub ack_ms_p50: f64,
    pub ack_ms_p90: f64,
    pub ack_ms_p99: f64,
    pub ack_ms_max: f64,
    /// CPU seconds this process used (Linux; `None` elsewhere).
    pub client_cpu_s: Option<f64>,
    pub first_error: Option<String>,
}

#[derive(Default)]
struct Tally {
    acked_events: u64,
    acked: u64,
    refused: u64,
    deferred: u64,
    failed: u64,
    latencies_ms: Vec<f64>,
    first_error: Option<String>,
}

impl Tally {
    fn error(&mut self, why: String) {
        if self.first_error.is_none() {
            self.first_error = Some(why);
        }
    }
}

/// Progress once a second: seconds so far, events sent, events acknowledged.
pub type Progress<'a> = &'a mut dyn FnMut(f64, u64, u64);

/// Sends `beacons` (looping over them) by `plan`; calls `progress` about once a second.
///
/// # Errors
/// The plan is unusable (no beacons, a rate, batch or connection count of zero) or the
/// HTTP client cannot start.
pub fn replay(
    beacons: &Arc<Beacons>,
    plan: &ReplayPlan,
    progress: Progress,
) -> Result<ReplayReport, String> {
    if beacons.is_empty() {
        return Err("the file has no events to replay".into());
    }
    if !(plan.rate.is_finite() && plan.rate > 0.0) || plan.batch == 0 || plan.connections == 0 {
        return Err("rate, batch and connections must be above zero".into());
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(plan.connections)
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let cpu_before = process_cpu_seconds();
    let tally = Arc::new(Mutex::new(Tally::default()));
    let (seconds, sent, late) =
        runtime.block_on(send_all(beacons, plan, &client, &tally, progress));
    let cpu = process_cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
    let mut tally = std::mem::take(&mut *tally.lock().unwrap_or_else(PoisonError::into_inner));
    tally.latencies_ms.sort_by(f64::total_cmp);
    let at = |q: f64| nearest_rank(&tally.latencies_ms, q);
    Ok(ReplayReport {
        url: plan.url.clone(),
        seconds,
        sent_events: sent,
        acked_events: tally.acked_events,
        acked_events_per_s: tally.acked_events as f64 / seconds.max(1e-9),
        batches_acked: tally.acked,
        batches_refused: tally.refused,
        batches_deferred: tally.deferred,
        batches_failed: tally.failed,
        batches_late: late,
        ack_ms_p50: at(0.5),
        ack_ms_p90: at(0.9),
        ack_ms_p99: at(0.99),
        ack_ms_max: tally.latencies_ms.last().copied().unwrap_or(0.0),
        client_cpu_s: cpu,
        first_error: tally.first_error,
    })
}

/// The pacing loop: batch `i` leaves at `i · batch / rate` seconds, when a connection is
/// free. Returns the seconds until the last answer, events sent and late batches.
async fn send_all(
    beacons: &Arc<Beacons>,
    plan: &ReplayPlan,
    client: &reqwest::Client,
    tally: &Arc<Mutex<Tally>>,
    progress: Progress<'_>,
) -> (f64, u64, u64) {
    let gate = Arc::new(tokio::sync::Semaphore::new(plan.connections));
    let every = Duration::from_secs_f64(plan.batch as f64 / plan.rate);
    let started = tokio::time::Instant::now();
    let (mut sent, mut late, mut next_report) = (0u64, 0u64, 1.0);
    for i in 0usize.. {
        let due = started + every.mul_f64(i as f64);
        let first = i * plan.batch;
        let limit = plan
            .max_events
            .map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX));
        if due.duration_since(started) >= plan.duration || first >= limit {
            break;
        }
        let last = (first + plan.batch).min(limit);
        tokio::time::sleep_until(due).await;
        let Ok(permit) = Arc::clone(&gate).acquire_owned().await else {
            break;
        };
        if due.elapsed() > every {
            late += 1;
        }
        let body: Vec<String> = (first..last)
            .map(|n| beacons.line(n, plan.start_ms))
            .collect();
        sent += (last - first) as u64;
        let request = client
            .post(&plan.url)
            .header("content-type", "application/x-ndjson")
            .body(body.join("\n"));
        let request = match &plan.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let (shared, events) = (Arc::clone(tally), (last - first) as u64);
        tokio::spawn(async move {
            let sent_at = Instant::now();
            let answer = request.send().await;
            let ms = sent_at.elapsed().as_secs_f64() * 1e3;
            let outcome = match answer {
                Ok(r) => {
                    let status = r.status().as_u16();
                    (status, r.text().await.unwrap_or_default())
                }
                Err(e) => (0, e.to_string()),
            };
            let mut t = shared.lock().unwrap_or_else(PoisonError::into_inner);
            match outcome {
                (200, _) => {
                    t.acked += 1;
                    t.acked_events += events;
                    t.latencies_ms.push(ms);
                }
                (503, _) => t.deferred += 1,
                (code @ 400..=499, why) => {
                    t.refused += 1;
                    t.error(format!("{code}: {why}"));
                }
                (code, why) => {
                    t.failed += 1;
                    t.error(if code == 0 {
                        why
                    } else {
                        format!("{code}: {why}")
                    });
                }
            }
            drop(permit);
        });
        let now = started.elapsed().as_secs_f64();
        if now >= next_report {
            let acked = tally
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .acked_events;
            progress(now, sent, acked);
            next_report = now.floor() + 1.0;
        }
    }
    // Wait for the batches in flight: every permit back.
    let all = u32::try_from(plan.connections).unwrap_or(u32::MAX);
    drop(gate.acquire_many(all).await);
    (started.elapsed().as_secs_f64(), sent, late)
}

/// The nearest-rank `q` quantile of sorted values (0 when there are none).
fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// User plus system CPU seconds of this process, from `/proc/self/stat` (Linux ticks of
/// 1/100 s, the kernel's fixed `USER_HZ`).
#[must_use]
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at its closing paren.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the paren.
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::float_cmp)] // Picked, not computed.
    fn nearest_rank_picks_observed_values() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(nearest_rank(&v, 0.5), 5.0);
        assert_eq!(nearest_rank(&v, 0.9), 9.0);
        assert_eq!(nearest_rank(&v, 0.99), 10.0);
        assert_eq!(nearest_rank(&v, 0.0), 1.0);
        assert_eq!(nearest_rank(&[], 0.5), 0.0);
    }

    #[test]
    fn cpu_seconds_are_read_on_linux() {
        if cfg!(target_os = "linux") {
            let cpu = process_cpu_seconds().unwrap();
            assert!(cpu >= 0.0);
        }
    }
}
