//! The per-viewer pass behind analyses 3, 6 and 7: rows ordered by (event,
//! viewer, timestamp) so that each sample's duration (until the same viewer's
//! next sample in the same event) and each viewer's first and last sample are
//! known.

use crate::analysis::rows::{Rows, code_count};
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::schema::Canonical;

/// A sample lasts until the viewer's next one, at most this long.
pub const MAX_SAMPLE_MS: i64 = 120_000;
/// Engagement levels 0.0, 0.1, …, 1.0.
pub const LEVELS: usize = 11;

/// Row order by (event, viewer, timestamp), computed with packed 128-bit keys sorted
/// on all cores (events are split between threads at event boundaries).
pub fn session_order(rows: &Rows, dataset: &Dataset) -> Result<Vec<u32>, AnalysisError> {
    let (ts, events, viewers) = (rows.timestamps()?, rows.events()?, rows.viewers()?);
    order_by_session(dataset, ts, events, viewers)
}

/// [`session_order`] of whole columns.
pub fn order_by_session(
    dataset: &Dataset,
    ts: &[i64],
    events: &[u32],
    viewers: &[u32],
) -> Result<Vec<u32>, AnalysisError> {
    let n = ts.len();
    if n == 0 {
        return Ok(Vec::new());
    }
    let n_events = code_count(dataset, Canonical::EventId.name())
        .max(events.iter().max().map_or(0, |&m| m as usize + 1));
    let n_viewers = code_count(dataset, Canonical::ViewerId.name())
        .max(viewers.iter().max().map_or(0, |&m| m as usize + 1)) as u128;
    if time_ordered_within_events(events, ts, n_events) {
        return Ok(counting_order(
            events,
            viewers,
            n_events,
            n_viewers as usize,
        ));
    }
    let min_ts = ts.iter().copied().min().unwrap_or(0);
    let max_offset = ts.iter().copied().max().unwrap_or(0) - min_ts;
    let pairs = n_events as u128 * n_viewers;
    // Layout: pair (53 bits) | time offset (43 bits, > 250 years of ms) | row (32 bits).
    if pairs >= 1 << 53 || max_offset >= 1 << 43 || n > u32::MAX as usize {
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by_key(|&i| {
            let i = i as usize;
            (events[i], viewers[i], ts[i])
        });
        return Ok(order);
    }
    // Counting sort by event first, so each thread can sort whole events.
    let mut start = vec![0usize; n_events + 1];
    for &e in events {
        start[e as usize + 1] += 1;
    }
    for e in 1..start.len() {
        start[e] += start[e - 1];
    }
    let mut next = start.clone();
    let mut keys = vec![0u128; n];
    for i in 0..n {
        let e = events[i] as usize;
        let pair = e as u128 * n_viewers + u128::from(viewers[i]);
        let offset = (ts[i] - min_ts) as u128;
        keys[next[e]] = (pair << 75) | (offset << 32) | i as u128;
        next[e] += 1;
    }
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut parts: Vec<&mut [u128]> = Vec::new();
    let mut rest: &mut [u128] = &mut keys;
    let mut taken = 0;
    for t in 1..threads {
        // Cut at the first event boundary past this thread's share.
        let target = n * t / threads;
        let cut = start.iter().copied().find(|&s| s >= target).unwrap_or(n);
        if cut > taken && cut < n {
            let (head, tail) = rest.split_at_mut(cut - taken);
            parts.push(head);
            rest = tail;
            taken = cut;
        }
    }
    parts.push(rest);
    std::thread::scope(|scope| {
        for part in parts {
            let spawned = std::thread::Builder::new()
                .name("session-sort".into())
                .spawn_scoped(scope, move || part.sort_unstable());
            if let Err(e) = spawned {
                return Err(AnalysisError::Worker(format!("session sort: {e}")));
            }
        }
        Ok(())
    })?;
    Ok(keys.into_iter().map(|k| k as u32).collect())
}

/// Are timestamps non-decreasing within every event, as in exports written in time order?
fn time_ordered_within_events(events: &[u32], ts: &[i64], n_events: usize) -> bool {
    let mut last = vec![i64::MIN; n_events];
    events.iter().zip(ts).all(|(&e, &t)| {
        let previous = std::mem::replace(&mut last[e as usize], t);
        previous <= t
    })
}

/// For rows already in time order within each event: two stable counting sorts (by
/// viewer, then by event) give (event, viewer, time) order in linear time.
fn counting_order(events: &[u32], viewers: &[u32], n_events: usize, n_viewers: usize) -> Vec<u32> {
    let stable_by = |input: &[u32], key: &[u32], buckets: usize| {
        let mut start = vec![0usize; buckets + 1];
        for &r in input {
            start[key[r as usize] as usize + 1] += 1;
        }
        for b in 1..start.len() {
            start[b] += start[b - 1];
        }
        let mut out = vec![0u32; input.len()];
        for &r in input {
            let slot = &mut start[key[r as usize] as usize];
            out[*slot] = r;
            *slot += 1;
        }
        out
    };
    // The first sort reads rows in storage order, so it needs no identity permutation.
    let mut start = vec![0usize; n_viewers + 1];
    for &v in viewers {
        start[v as usize + 1] += 1;
    }
    for b in 1..start.len() {
        start[b] += start[b - 1];
    }
    let mut by_viewer = vec![0u32; viewers.len()];
    for (r, &v) in viewers.iter().enumerate() {
        let slot = &mut start[v as usize];
        by_viewer[*slot] = r as u32;
        *slot += 1;
    }
    stable_by(&by_viewer, events, n_events)
}

/// The engagement level of a value: rounded to one decimal (half away from zero,
/// applied to value × 10, as Rust's `round` does; numpy's `round` would take halves to
/// even), as an index 0..=10.
#[inline]
#[must_use]
pub fn level_of(engagement: f64) -> usize {
    ((engagement * 10.0).round() as usize).min(LEVELS - 1)
}

/// What a level index reads as.
#[must_use]
pub fn level_label(level: usize) -> String {
    format!("{:.1}", level as f64 / 10.0)
}

/// One viewer's samples in one event, in time order.
pub struct Session<'a> {
    pub event: u32,
    pub viewer: u32,
    /// Row indices, ascending in time.
    pub rows: &'a [u32],
}

/// The sessions of an order from [`session_order`].
pub fn sessions<'a>(
    order: &'a [u32],
    events: &'a [u32],
    viewers: &'a [u32],
) -> impl Iterator<Item = Session<'a>> + 'a {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= order.len() {
            return None;
        }
        let first = order[start] as usize;
        let (event, viewer) = (events[first], viewers[first]);
        let mut end = start + 1;
        while end < order.len() {
            let r = order[end] as usize;
            if events[r] != event || viewers[r] != viewer {
                break;
            }
            end += 1;
        }
        let session = Session {
            event,
            viewer,
            rows: &order[start..end],
        };
        start = end;
        Some(session)
    })
}

/// Each sample's duration in ms within its session: the gap to the next sample,
/// capped at [`MAX_SAMPLE_MS`]; the last sample lasts 0.
pub fn durations_ms<'a>(session: &'a Session<'a>, ts: &'a [i64]) -> impl Iterator<Item = i64> + 'a {
    session.rows.iter().enumerate().map(move |(k, &r)| {
        session.rows.get(k + 1).map_or(0, |&next| {
            (ts[next as usize] - ts[r as usize]).min(MAX_SAMPLE_MS)
        })
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The linear path for time-ordered data and the general sort agree.
        #[test]
        fn counting_order_matches_sorting(rows in prop::collection::vec((0u32..4, 0u32..6, 0i64..50), 1..300)) {
            let mut rows = rows;
            rows.sort_by_key(|r| r.2);
            let events: Vec<u32> = rows.iter().map(|r| r.0).collect();
            let viewers: Vec<u32> = rows.iter().map(|r| r.1).collect();
            let ts: Vec<i64> = rows.iter().map(|r| r.2).collect();
            prop_assert!(time_ordered_within_events(&events, &ts, 4));
            let fast = counting_order(&events, &viewers, 4, 6);
            let key = |&i: &u32| (events[i as usize], viewers[i as usize], ts[i as usize]);
            let mut expected: Vec<u32> = (0..rows.len() as u32).collect();
            expected.sort_by_key(key);
            prop_assert_eq!(fast.iter().map(key).collect::<Vec<_>>(), expected.iter().map(key).collect::<Vec<_>>());
        }
    }
}
