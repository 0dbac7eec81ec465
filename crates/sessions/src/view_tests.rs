//! Sessionising by counting (and on several threads) equals the plain way: sort every
//! event, then measure each session in turn.

use crate::tests::ev;
use crate::{EventKind, Outcome, PlayerEvent, sessionize};

/// Sessionised the plain way: every event sorted by (session, time, file order), then each
/// session measured in turn.
fn sessionized_by_sorting(events: &[PlayerEvent]) -> Vec<Outcome> {
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| (events[i].session, events[i].ts_ms, i));
    order
        .chunk_by(|&a, &b| events[a].session == events[b].session)
        .map(|group| {
            let indexed: Vec<(usize, PlayerEvent)> =
                group.iter().map(|&i| (i, events[i])).collect();
            crate::measure(&indexed)
        })
        .collect()
}

#[test]
fn counting_and_parallel_sessionising_equal_sorting() {
    // Enough events for the parallel path; times repeat so ties are common; sessions
    // interleave, and a few codes (and sparse ones, in the second log) have no events.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let events: Vec<PlayerEvent> = (0..1_200_000)
        .map(|_| {
            let r = next();
            PlayerEvent {
                session: (r % 150_000) as u32 * 2,
                viewer: (r % 7) as u32,
                ..ev(
                    ((r >> 20) % 90) as i64 * 1_000,
                    EventKind::ALL[(r >> 40) as usize % 10],
                )
            }
        })
        .collect();
    assert_eq!(sessionize(&events), sessionized_by_sorting(&events));
    let sparse: Vec<PlayerEvent> = events[..5_000]
        .iter()
        .map(|e| PlayerEvent {
            session: e.session.wrapping_mul(40_503),
            ..*e
        })
        .collect();
    assert_eq!(sessionize(&sparse), sessionized_by_sorting(&sparse));
}
