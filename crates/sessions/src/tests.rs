//! Known answers worked out by hand from the definitions, one rule at a time.
#![allow(clippy::float_cmp)] // Known answers are exact here.

use proptest::prelude::*;

use crate::EventKind::{
    Bitrate, End, Error, Heartbeat, Pause, Request, Resume, StallEnd, StallStart, Start,
};
use crate::{EventKind, Outcome, PlayerEvent, View, kpis, sessionize};

pub(crate) fn ev(ts_ms: i64, kind: EventKind) -> PlayerEvent {
    PlayerEvent {
        ts_ms,
        session: 0,
        viewer: 0,
        kind,
        bitrate_kbps: None,
    }
}

fn at_kbps(ts_ms: i64, kind: EventKind, kbps: f64) -> PlayerEvent {
    PlayerEvent {
        bitrate_kbps: Some(kbps),
        ..ev(ts_ms, kind)
    }
}

/// The views among `outcomes`.
fn views_of(outcomes: &[Outcome]) -> Vec<View> {
    outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::View(v) => Some(*v),
            Outcome::NoRequest { .. } => None,
        })
        .collect()
}

fn one_view(events: &[PlayerEvent]) -> View {
    match sessionize(events).as_slice() {
        [Outcome::View(v)] => *v,
        other => panic!("expected one view, got {other:?}"),
    }
}

#[test]
fn a_plain_view_with_one_stall_and_one_pause() {
    // Requested at 0, started at 2 s, stalled 10–12 s, paused 20–25 s, ended at 30 s.
    let v = one_view(&[
        ev(0, Request),
        at_kbps(2_000, Start, 3_000.0),
        ev(10_000, StallStart),
        ev(12_000, StallEnd),
        ev(20_000, Pause),
        ev(25_000, Resume),
        ev(30_000, End),
    ]);
    assert_eq!((v.t_req, v.t_last, v.t_start), (0, 30_000, Some(2_000)));
    assert_eq!(v.startup_ms(), Some(2_000));
    assert_eq!((v.failed, v.vsf, v.ebvs), (false, false, false));
    assert_eq!((v.stall_count, v.stall_ms, v.paused_ms), (1, 2_000, 5_000));
    // 30 s span − 5 s paused.
    assert_eq!(v.watch_ms, 25_000);
    // 2 s → 30 s is 28 s, minus the 2 s stall and the 5 s pause.
    assert_eq!((v.playing_ms, v.rated_ms), (21_000, 21_000));
    assert_eq!(v.bitrate_ms, 3_000.0 * 21_000.0);
}

#[test]
fn a_pause_cuts_a_stall_and_open_intervals_last_until_the_last_event() {
    let v = one_view(&[
        ev(0, Request),
        ev(1_000, Start),
        ev(5_000, StallStart),
        ev(7_000, Pause), // the stall ends here: 2 s
        ev(9_000, Resume),
        ev(10_000, StallStart), // never ended: lasts until the last event
        ev(13_000, Heartbeat),
    ]);
    assert_eq!((v.stall_count, v.stall_ms), (2, 2_000 + 3_000));
    assert_eq!(v.paused_ms, 2_000);
    assert_eq!(v.watch_ms, 13_000 - 2_000);
    // Playing: 1–5 s and 9–10 s.
    assert_eq!(v.playing_ms, 5_000);
    // Unknown rendition: no bitrate time.
    assert_eq!(v.rated_ms, 0);

    let paused = one_view(&[
        ev(0, Request),
        ev(500, Start),
        ev(5_000, Pause),
        ev(6_000, Pause), // still the same pause
        ev(9_000, Heartbeat),
    ]);
    assert_eq!(paused.paused_ms, 4_000);
    assert_eq!(paused.watch_ms, 5_000);
}

#[test]
fn failures_start_failures_and_exits_before_start() {
    // An error mid-play: failed, but the video had started.
    let mid = one_view(&[
        ev(0, Request),
        ev(1_000, Start),
        ev(4_000, StallStart),
        ev(5_000, Error), // ends the stall
        ev(6_000, Heartbeat),
    ]);
    assert_eq!((mid.failed, mid.vsf, mid.ebvs), (true, false, false));
    assert_eq!(mid.stall_ms, 1_000);
    // An error and no start; an error before a late start.
    let never = one_view(&[ev(0, Request), ev(3_000, Error)]);
    assert_eq!((never.failed, never.vsf, never.ebvs), (true, true, false));
    let late = one_view(&[ev(0, Request), ev(500, Error), ev(1_000, Start)]);
    assert_eq!((late.failed, late.vsf, late.ebvs), (true, true, false));
    // Left before the start, no error.
    let left = one_view(&[ev(0, Request), ev(2_000, Heartbeat), ev(4_000, End)]);
    assert_eq!((left.failed, left.vsf, left.ebvs), (false, false, true));
    assert_eq!(
        (left.startup_ms(), left.watch_ms, left.playing_ms),
        (None, 4_000, 0)
    );
}

#[test]
fn sessions_without_a_request_are_not_views() {
    let outcomes = sessionize(&[ev(0, Start), ev(5_000, End)]);
    assert_eq!(outcomes, vec![Outcome::NoRequest { session: 0 }]);
}

#[test]
fn events_before_the_request_are_ignored_and_row_order_does_not_matter() {
    let rows = [
        ev(9_000, End),
        ev(-1_000, Start), // before the request: not the view's start
        ev(3_000, Start),
        ev(0, Request),
    ];
    let v = one_view(&rows);
    assert_eq!((v.t_req, v.t_start, v.t_last), (0, Some(3_000), 9_000));
    assert_eq!(v.first_request, 3);
}

#[test]
fn equal_times_keep_file_order() {
    // A stall_start written before the start at the same millisecond precedes it: no stall.
    let before = one_view(&[
        ev(0, Request),
        ev(1_000, StallStart),
        ev(1_000, Start),
        ev(4_000, End),
    ]);
    assert_eq!(before.stall_count, 0);
    let after = one_view(&[
        ev(0, Request),
        ev(1_000, Start),
        ev(1_000, StallStart),
        ev(4_000, End),
    ]);
    assert_eq!((after.stall_count, after.stall_ms), (1, 3_000));
    // An error written before a start at the same time is a start failure.
    let vsf = one_view(&[ev(0, Request), ev(800, Error), ev(800, Start)]);
    assert!(vsf.vsf);
}

#[test]
fn bitrate_is_weighted_by_playing_time() {
    let v = one_view(&[
        ev(0, Request),
        at_kbps(1_000, Start, 1_000.0),
        at_kbps(5_000, Bitrate, 2_000.0),
        ev(9_000, End),
    ]);
    let k = kpis(&[v], 0);
    // 4 s at 1000 kbps and 4 s at 2000 kbps.
    assert_eq!(k.mean_bitrate_kbps, Some(1_500.0));
}

/// Three views of two viewers, worked out by hand.
fn three_views() -> Vec<PlayerEvent> {
    let mut events = Vec::new();
    let mut push = |session: u32, viewer: u32, rows: &[(i64, EventKind)]| {
        for &(ts_ms, kind) in rows {
            events.push(PlayerEvent {
                session,
                viewer,
                ..ev(ts_ms, kind)
            });
        }
    };
    // View 0: starts after 1 s, one 6 s stall, 60 s span → watch 60 s.
    push(
        0,
        7,
        &[
            (0, Request),
            (1_000, Start),
            (30_000, StallStart),
            (36_000, StallEnd),
            (60_000, End),
        ],
    );
    // View 1, same viewer: starts after 3 s, no stall, 120 s span (minutes 1 and 2 and 3).
    push(1, 7, &[(61_000, Request), (64_000, Start), (181_000, End)]);
    // View 2: fails before starting at minute 0.
    push(2, 9, &[(10_000, Request), (20_000, Error)]);
    // Not a view.
    push(3, 9, &[(5_000, Heartbeat)]);
    events
}

#[test]
fn kpis_of_three_views_by_hand() {
    let views = views_of(&sessionize(&three_views()));
    let k = kpis(&views, 1);
    assert_eq!(
        (k.views, k.sessions_without_request, k.unique_viewers),
        (3, 1, 2)
    );
    assert_eq!(k.failure_share, Some(1.0 / 3.0));
    assert_eq!(k.vsf_share, Some(1.0 / 3.0));
    assert_eq!(k.ebvs_share, Some(0.0));
    // Start-ups 1000 and 3000 ms: mean 2000, p50 2000, p90 = 1000 + 0.9·2000.
    assert_eq!(k.startup_ms.mean, Some(2_000.0));
    assert_eq!(k.startup_ms.p50, Some(2_000.0));
    assert_eq!(k.startup_ms.p90, Some(2_800.0));
    assert_eq!(k.startup_ms.p95, Some(2_900.0));
    // Watch: 60 + 120 + 10 s.
    assert_eq!(k.watch_time_s, 190.0);
    assert_eq!(k.session_duration_s, Some(190.0 / 3.0));
    // Started views: 6 s of stall in 180 s of watching; one stall in 0.05 h.
    assert_eq!(k.rebuffer_share, Some(6.0 / 180.0));
    assert_eq!(k.stalls_per_hour, Some(1.0 / (180_000.0 / 3.6e6)));
    // Minute 0: views 0 and 2; minute 1: views 0 (t_last 60 s ≥ 60 s) and 1 → the earliest
    // minute with two wins.
    assert_eq!((k.peak_concurrent_views, k.peak_minute_ms), (2, Some(0)));
    // Scores: success 100, 100, 0.
    assert_eq!(k.playback_success_score, Some(200.0 / 3.0));
    let startup = |s: f64| 100.0 * 8.0 / (8.0 + s);
    assert_eq!(
        k.startup_score,
        Some(f64::midpoint(startup(1.0), startup(3.0)))
    );
    let smooth0 = f64::midpoint(
        100.0 / (1.0_f64 + 0.25).sqrt(),
        100.0 * (-10.0 * 6.0 / 60.0_f64).exp(),
    );
    let smooth1 = 100.0;
    assert_eq!(k.smoothness_score, Some(f64::midpoint(smooth0, smooth1)));
    let experience = [
        (100.0 + startup(1.0) + smooth0) / 3.0,
        (100.0 + startup(3.0) + smooth1) / 3.0,
        0.0,
    ];
    let expected = experience.iter().sum::<f64>() / 3.0;
    assert!((k.experience_score.unwrap() - expected).abs() < 1e-12);
}

#[test]
fn no_views_give_no_shares() {
    let k = kpis(&[], 4);
    assert_eq!((k.views, k.sessions_without_request), (0, 4));
    assert_eq!(
        (k.failure_share, k.startup_ms.p50, k.rebuffer_share),
        (None, None, None)
    );
    assert_eq!((k.peak_concurrent_views, k.peak_minute_ms), (0, None));
}

fn kind() -> impl Strategy<Value = EventKind> {
    proptest::sample::select(EventKind::ALL.to_vec())
}

proptest! {
    #[test]
    fn shares_and_scores_stay_in_range_and_order_never_matters(
        rows in proptest::collection::vec((0u32..6, -5_000i64..200_000, kind()), 0..120),
        seed in any::<u64>(),
    ) {
        let events: Vec<PlayerEvent> = rows
            .iter()
            .map(|&(session, ts_ms, kind)| PlayerEvent { session, viewer: session % 3, ..ev(ts_ms, kind) })
            .collect();
        let outcomes = sessionize(&events);
        let views = views_of(&outcomes);
        for v in &views {
            prop_assert!(v.t_req <= v.t_last);
            prop_assert!(v.paused_ms >= 0 && v.stall_ms >= 0 && v.playing_ms >= 0);
            prop_assert!(v.watch_ms >= 0 && v.watch_ms <= v.t_last - v.t_req);
            prop_assert!(v.playing_ms + v.stall_ms <= v.t_last - v.t_req);
            prop_assert!(v.stall_ms <= v.watch_ms);
            prop_assert!(v.failed || !v.vsf);
            prop_assert!(!v.failed || !v.ebvs);
        }
        let k = kpis(&views, 0);
        for s in [k.failure_share, k.vsf_share, k.ebvs_share, k.rebuffer_share].into_iter().flatten() {
            prop_assert!((0.0..=1.0).contains(&s));
        }
        for s in [k.playback_success_score, k.startup_score, k.smoothness_score, k.experience_score]
            .into_iter()
            .flatten()
        {
            prop_assert!((0.0..=100.0).contains(&s));
        }
        prop_assert!(k.peak_concurrent_views <= k.views);
        // The same rows in another order (ties kept in file order) give the same views.
        let mut shuffled: Vec<(usize, PlayerEvent)> = events.iter().copied().enumerate().collect();
        // Rows of one (session, time) move together and keep their order.
        let scramble = |e: &PlayerEvent| {
            (u64::from(e.session) << 40 ^ e.ts_ms as u64).wrapping_mul(seed | 1).rotate_left(17)
        };
        shuffled.sort_by_key(|(i, e)| (scramble(e), *i));
        let reordered: Vec<PlayerEvent> = shuffled.iter().map(|&(_, e)| e).collect();
        let again: Vec<Outcome> = sessionize(&reordered)
            .into_iter()
            .map(|o| match o {
                Outcome::View(mut v) => { v.first_request = shuffled[v.first_request].0; Outcome::View(v) }
                Outcome::NoRequest { session } => Outcome::NoRequest { session },
            })
            .collect();
        prop_assert_eq!(again, outcomes);
    }
}

#[test]
fn two_proportion_test_by_hand() {
    // 10/100 against 20/100: pooled 0.15, z = −0.1 / √(0.15 · 0.85 · 0.02); scipy's normal sf.
    let p = crate::two_proportion_p(10, 100, 20, 100).unwrap();
    assert!((p - 0.047_670_380_656_161_44).abs() < 1e-12, "{p}");
    assert_eq!(crate::two_proportion_p(0, 5, 0, 7), None);
    assert_eq!(crate::two_proportion_p(1, 0, 0, 7), None);
}

#[test]
fn comparing_two_sets_of_views() {
    let views = views_of(&sessionize(&three_views()));
    // First: views 0 and 2 (one failed); second: view 1.
    let first = [views[0], views[2]];
    let second = [views[1]];
    let c = crate::compare((&first, 1), (&second, 0));
    let failure = &c.kpis["failure_share"];
    assert_eq!(
        (failure.first, failure.second, failure.difference),
        (Some(0.5), Some(0.0), Some(-0.5))
    );
    assert_eq!(failure.test, Some("two_proportion_z"));
    assert!((failure.p_value.unwrap() - 0.386_476_230_771_232_8).abs() < 1e-12);
    let startup = &c.kpis["startup_ms"];
    assert_eq!(
        (startup.first, startup.second),
        (Some(1_000.0), Some(3_000.0))
    );
    // scipy mannwhitneyu([1000], [3000], method="asymptotic"): p = 1.
    assert_eq!(
        (startup.test, startup.p_value),
        (Some("mann_whitney"), Some(1.0))
    );
    assert_eq!(c.kpis["views"].difference, Some(-1.0));
    assert_eq!(c.first.sessions_without_request, 1);
}

#[test]
fn per_minute_series_by_hand() {
    let views = views_of(&sessionize(&three_views()));
    let series = crate::minutes(&views, 100).unwrap();
    // Minutes 0 … 3 (view 1 ends at 181 s).
    let starts: Vec<i64> = series.iter().map(|m| m.minute_ms).collect();
    assert_eq!(starts, [0, 60_000, 120_000, 180_000]);
    let concurrent: Vec<u64> = series.iter().map(|m| m.concurrent_views).collect();
    assert_eq!(concurrent, [2, 2, 1, 1]);
    // Minute 0: views 0 (started after 1 s, 6 s of stall in 60 s) and 2 (failed).
    let m0 = &series[0];
    assert_eq!((m0.requested_views, m0.failures), (2, 1));
    assert_eq!(
        (m0.startup_p50_ms, m0.startup_p95_ms),
        (Some(1_000.0), Some(1_000.0))
    );
    assert_eq!(m0.rebuffer_share, Some(0.1));
    // Minute 1: view 1, no stall.
    assert_eq!(
        (series[1].requested_views, series[1].rebuffer_share),
        (1, Some(0.0))
    );
    assert_eq!(series[2].startup_p50_ms, None);
    assert_eq!(crate::minutes(&views, 3), None);
    assert_eq!(crate::minutes(&[], 3), Some(Vec::new()));
}
