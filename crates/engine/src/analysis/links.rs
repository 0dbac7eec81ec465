//! Session links: for every row, the same viewer's next sample in the same event, so that
//! durations and per-viewer spans under any filter are one pass in storage order.
//!
//! Built on the dataset's numbered (event, viewer) pairs. When each pair's rows already
//! come in time order (files sorted by time, or event by event and by time within each
//! event, as exports and our generator write them) the links are one pass over the rows;
//! otherwise the rows are sorted by (event, viewer, time) once.

use std::sync::Arc;

use crate::analysis::pairs::EventViewerPairs;
use crate::error::AnalysisError;

/// No next sample.
pub const NONE: u32 = u32::MAX;

/// Every viewer's samples per event, linked in time order.
#[derive(Debug)]
pub struct SessionLinks {
    /// The dataset's (event, viewer) pairs, numbered by first appearance (shared with the
    /// Overview).
    pub pairs: Arc<EventViewerPairs>,
    /// Pair numbers in (event code, viewer code) order, so each event's pairs are
    /// consecutive.
    pub by_event: Vec<u32>,
    /// Per row, the same pair's next row in time (ties by row), or [`NONE`].
    pub next: Vec<u32>,
}

/// Links the rows of `pairs` by time. `session_order` gives the rows sorted by (event,
/// viewer, time, row); it is only called when some pair's rows are not in time order.
pub fn link_sessions(
    pairs: Arc<EventViewerPairs>,
    ts: &[i64],
    viewers: &[u32],
    session_order: impl FnOnce() -> Result<Vec<u32>, AnalysisError>,
) -> Result<SessionLinks, AnalysisError> {
    let n_pairs = pairs.pair_event.len();
    let mut latest = vec![NONE; n_pairs];
    let mut viewer_of = vec![0_u32; n_pairs];
    let mut next = vec![NONE; pairs.pair.len()];
    let mut in_time_order = true;
    for (r, &p) in pairs.pair.iter().enumerate() {
        let p = p as usize;
        let previous = latest[p];
        if previous == NONE {
            viewer_of[p] = viewers[r];
        } else {
            in_time_order &= ts[r] >= ts[previous as usize];
            next[previous as usize] = r as u32;
        }
        latest[p] = r as u32;
    }
    if !in_time_order {
        next.fill(NONE);
        let order = session_order()?;
        for step in order.windows(2) {
            let (a, b) = (step[0] as usize, step[1] as usize);
            if pairs.pair[a] == pairs.pair[b] {
                next[a] = b as u32;
            }
        }
    }
    let by_event = in_event_viewer_order(&pairs.pair_event, &viewer_of);
    Ok(SessionLinks {
        pairs,
        by_event,
        next,
    })
}

/// Pair numbers ordered by (event, viewer): counted into events, then sorted by viewer
/// within each event.
fn in_event_viewer_order(pair_event: &[u32], viewer_of: &[u32]) -> Vec<u32> {
    let n_events = pair_event.iter().max().map_or(0, |&e| e as usize + 1);
    let mut start = vec![0_usize; n_events + 1];
    for &e in pair_event {
        start[e as usize + 1] += 1;
    }
    for e in 1..start.len() {
        start[e] += start[e - 1];
    }
    let mut fill = start.clone();
    let mut order = vec![0_u32; pair_event.len()];
    for (p, &e) in pair_event.iter().enumerate() {
        order[fill[e as usize]] = p as u32;
        fill[e as usize] += 1;
    }
    for e in 0..n_events {
        order[start[e]..start[e + 1]].sort_unstable_by_key(|&p| viewer_of[p as usize]);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::pairs::number_pairs;

    /// Next rows by the definition: the same pair's earliest later (time, row).
    fn expected_next(events: &[u32], viewers: &[u32], ts: &[i64]) -> Vec<u32> {
        (0..ts.len())
            .map(|r| {
                (0..ts.len())
                    .filter(|&s| events[s] == events[r] && viewers[s] == viewers[r])
                    .filter(|&s| (ts[s], s) > (ts[r], r))
                    .min_by_key(|&s| (ts[s], s))
                    .map_or(NONE, |s| s as u32)
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn links_follow_time_whatever_the_row_order(
            rows in proptest::collection::vec((0u32..4, 0u32..6, 0i64..20), 0..80),
            sorted in proptest::bool::ANY,
        ) {
            let mut rows = rows;
            if sorted {
                rows.sort_by_key(|&(_, _, t)| t);
            }
            let events: Vec<u32> = rows.iter().map(|r| r.0).collect();
            let viewers: Vec<u32> = rows.iter().map(|r| r.1).collect();
            let ts: Vec<i64> = rows.iter().map(|r| r.2).collect();
            let pairs = Arc::new(number_pairs(&events, &viewers, 6));
            let order = || {
                let mut order: Vec<u32> = (0..ts.len() as u32).collect();
                order.sort_by_key(|&r| {
                    let r = r as usize;
                    (events[r], viewers[r], ts[r], r)
                });
                Ok(order)
            };
            let links = link_sessions(Arc::clone(&pairs), &ts, &viewers, order).unwrap();
            proptest::prop_assert_eq!(&links.next, &expected_next(&events, &viewers, &ts));
            let keys: Vec<(u32, u32)> = links
                .by_event
                .iter()
                .map(|&p| {
                    let first = pairs.pair.iter().position(|&q| q == p).unwrap();
                    (events[first], viewers[first])
                })
                .collect();
            let mut sorted_keys = keys.clone();
            sorted_keys.sort_unstable();
            sorted_keys.dedup();
            proptest::prop_assert_eq!(keys, sorted_keys);
        }
    }
}
