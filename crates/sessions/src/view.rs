//! One session's events → one view's measures.

use crate::event::{EventKind, PlayerEvent};

/// What one session amounts to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// No `request`: counted and reported, not a view.
    NoRequest {
        session: u32,
    },
    View(View),
}

/// One view (a session with a `request`), measured from its first request on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub session: u32,
    pub viewer: u32,
    /// Index in the input of the first `request` (its row carries the view's dimensions).
    pub first_request: usize,
    /// Time of the first `request`.
    pub t_req: i64,
    /// Time of the session's last event.
    pub t_last: i64,
    /// Time of the first `start` at or after the first request.
    pub t_start: Option<i64>,
    /// The view has an `error`.
    pub failed: bool,
    /// Video start failure: failed, and no start or the first error before the start.
    pub vsf: bool,
    /// Exit before video start: no start and not failed.
    pub ebvs: bool,
    /// Time in pauses (each from a `pause` to the next `resume`, else to `t_last`).
    pub paused_ms: i64,
    /// Stalls begun at or after the start, and their time (each from a `stall_start` to the
    /// next `stall_end`, `pause`, `end` or `error`, else to `t_last`).
    pub stall_count: u32,
    pub stall_ms: i64,
    /// `t_last − t_req` minus paused time.
    pub watch_ms: i64,
    /// From the start to `t_last`, outside pauses and stalls.
    pub playing_ms: i64,
    /// Playing time with a known rendition, and Σ rendition bitrate × that time (kbps·ms).
    pub rated_ms: i64,
    pub bitrate_ms: f64,
}

impl View {
    /// `t_start − t_req` for a started view.
    #[must_use]
    pub fn startup_ms(&self) -> Option<i64> {
        self.t_start.map(|t| t - self.t_req)
    }

    #[must_use]
    pub fn started(&self) -> bool {
        self.t_start.is_some()
    }
}

/// Every session's outcome. Events are put in (session, time, file order) order first — rows
/// may arrive interleaved and unsorted — and each session measured with [`measure`].
/// Outcomes come in session-code order.
#[must_use]
pub fn sessionize(events: &[PlayerEvent]) -> Vec<Outcome> {
    let (order, starts) = by_session(events);
    let sessions = starts.len() - 1;
    // Big logs are measured in one range of sessions per core, ranges cut by event count.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let threads = if events.len() < PARALLEL_EVENTS {
        1
    } else {
        cores
    };
    let mut cuts = vec![0];
    for k in 1..threads {
        let at = starts.partition_point(|&s| s < events.len() * k / threads);
        cuts.push(at.clamp(*cuts.last().unwrap_or(&0), sessions));
    }
    cuts.push(sessions);
    let measure_range = |range: std::ops::Range<usize>| {
        let mut outcomes = Vec::with_capacity(range.len());
        let mut indexed: Vec<(usize, PlayerEvent)> = Vec::new();
        for s in range {
            let session = &order[starts[s]..starts[s + 1]];
            if session.is_empty() {
                continue; // a code without events
            }
            indexed.clear();
            indexed.extend(session.iter().map(|&i| (i, events[i])));
            outcomes.push(measure(&indexed));
        }
        outcomes
    };
    if threads == 1 {
        return measure_range(0..sessions);
    }
    std::thread::scope(|scope| {
        let ranges: Vec<_> = cuts.windows(2).map(|w| w[0]..w[1]).collect();
        let handles: Vec<_> = ranges[1..]
            .iter()
            .map(|r| {
                let r = r.clone();
                std::thread::Builder::new()
                    .name("sessionize".into())
                    .spawn_scoped(scope, move || measure_range(r))
            })
            .collect();
        let mut outcomes = measure_range(ranges[0].clone());
        for (handle, range) in handles.into_iter().zip(&ranges[1..]) {
            // A thread that could not start, or failed, leaves its range to this one.
            let part = match handle {
                Ok(h) => h.join().unwrap_or_else(|_| measure_range(range.clone())),
                Err(_) => measure_range(range.clone()),
            };
            outcomes.extend(part);
        }
        outcomes
    })
}

/// Below this many events sessions are measured on one thread.
const PARALLEL_EVENTS: usize = 1 << 20;

/// Event indexes grouped by session code, each session's in (time, file order) order, and
/// where each group starts (one more entry than groups: the end). Groups are in code order;
/// with dense codes group `s` is session `s` (possibly empty).
fn by_session(events: &[PlayerEvent]) -> (Vec<usize>, Vec<usize>) {
    let Some(max) = events.iter().map(|e| e.session as usize).max() else {
        return (Vec::new(), vec![0]);
    };
    if max > events.len().saturating_mul(4).max(1 << 16) {
        // Sparse codes (not from a reader): sort instead of counting.
        let mut keys: Vec<(u32, i64, usize)> = events
            .iter()
            .enumerate()
            .map(|(i, e)| (e.session, e.ts_ms, i))
            .collect();
        keys.sort_unstable();
        let order: Vec<usize> = keys.iter().map(|k| k.2).collect();
        // Group boundaries: where the session changes.
        let mut bounds = vec![0];
        bounds.extend((1..keys.len()).filter(|&k| keys[k].0 != keys[k - 1].0));
        bounds.push(keys.len());
        return (order, bounds);
    }
    // A counting sort by session keeps file order within each session; then each (small)
    // group is sorted by time with a stable sort, so ties stay in file order.
    let mut starts = vec![0_usize; max + 2];
    for e in events {
        starts[e.session as usize + 1] += 1;
    }
    for s in 1..starts.len() {
        starts[s] += starts[s - 1];
    }
    let mut next = starts.clone();
    let mut order = vec![0_usize; events.len()];
    for (i, e) in events.iter().enumerate() {
        let slot = &mut next[e.session as usize];
        order[*slot] = i;
        *slot += 1;
    }
    for s in 0..=max {
        let group = &mut order[starts[s]..starts[s + 1]];
        if !group.is_sorted_by_key(|&i| events[i].ts_ms) {
            group.sort_by_key(|&i| events[i].ts_ms);
        }
    }
    (order, starts)
}

/// The outcome of one session, given its events in (time, file order) order with their
/// input indexes.
#[must_use]
pub fn measure(events: &[(usize, PlayerEvent)]) -> Outcome {
    let Some(first) = events
        .iter()
        .position(|(_, e)| e.kind == EventKind::Request)
    else {
        return Outcome::NoRequest {
            session: events.first().map_or(0, |(_, e)| e.session),
        };
    };
    // Events before the first request are ignored.
    let events = &events[first..];
    let (first_request, head) = events[0];
    let t_req = head.ts_ms;
    let t_last = events.iter().map(|(_, e)| e.ts_ms).max().unwrap_or(t_req);
    let position = |kind: EventKind| events.iter().position(|(_, e)| e.kind == kind);
    let start = position(EventKind::Start);
    let first_error = position(EventKind::Error);
    let failed = first_error.is_some();
    let vsf = match (first_error, start) {
        (Some(error), Some(start)) => error < start,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let mut walk = Walk::default();
    for (k, (_, e)) in events.iter().enumerate() {
        walk.advance_to(e.ts_ms);
        walk.apply(e, Some(k) == start);
    }
    walk.close(t_last);
    View {
        session: head.session,
        viewer: head.viewer,
        first_request,
        t_req,
        t_last,
        t_start: start.map(|k| events[k].1.ts_ms),
        failed,
        vsf,
        ebvs: start.is_none() && !failed,
        paused_ms: walk.paused_ms,
        stall_count: walk.stall_count,
        stall_ms: walk.stall_ms,
        watch_ms: (t_last - t_req) - walk.paused_ms,
        playing_ms: walk.playing_ms,
        rated_ms: walk.rated_ms,
        bitrate_ms: walk.bitrate_ms,
    }
    .into()
}

impl From<View> for Outcome {
    fn from(view: View) -> Self {
        Outcome::View(view)
    }
}

/// The player's state while walking a view's events: each stretch of time between two
/// events belongs to the state left by the earlier one.
#[derive(Default)]
struct Walk {
    now: Option<i64>,
    started: bool,
    pause_since: Option<i64>,
    stall_since: Option<i64>,
    rendition: Option<f64>,
    paused_ms: i64,
    stall_count: u32,
    stall_ms: i64,
    playing_ms: i64,
    rated_ms: i64,
    bitrate_ms: f64,
}

impl Walk {
    fn advance_to(&mut self, t: i64) {
        if let Some(now) = self.now {
            let dt = t - now;
            if self.started && self.pause_since.is_none() && self.stall_since.is_none() {
                self.playing_ms += dt;
                if let Some(kbps) = self.rendition {
                    self.rated_ms += dt;
                    self.bitrate_ms += kbps * dt as f64;
                }
            }
        }
        self.now = Some(t);
    }

    fn end_stall(&mut self, t: i64) {
        if let Some(since) = self.stall_since.take() {
            self.stall_ms += t - since;
        }
    }

    fn apply(&mut self, e: &PlayerEvent, is_start: bool) {
        let t = e.ts_ms;
        match e.kind {
            EventKind::Start => {
                if is_start {
                    self.started = true;
                }
                self.rendition = e.bitrate_kbps.or(self.rendition);
            }
            EventKind::Bitrate => self.rendition = e.bitrate_kbps.or(self.rendition),
            EventKind::StallStart => {
                // A paused player is not stalling: stall time stays inside watch time.
                if self.started && self.stall_since.is_none() && self.pause_since.is_none() {
                    self.stall_since = Some(t);
                    self.stall_count += 1;
                }
            }
            EventKind::StallEnd | EventKind::End | EventKind::Error => self.end_stall(t),
            EventKind::Pause => {
                self.end_stall(t);
                if self.pause_since.is_none() {
                    self.pause_since = Some(t);
                }
            }
            EventKind::Resume => {
                if let Some(since) = self.pause_since.take() {
                    self.paused_ms += t - since;
                }
            }
            EventKind::Request | EventKind::Heartbeat => {}
        }
    }

    /// Pauses and stalls still open at the last event last until it.
    fn close(&mut self, t_last: i64) {
        self.end_stall(t_last);
        if let Some(since) = self.pause_since.take() {
            self.paused_ms += t_last - since;
        }
    }
}
