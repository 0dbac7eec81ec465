//! The simulator against sessions worked out by hand, and its invariants on random ones.
// The hand-worked times are exact in binary (halves and quarters of seconds).
#![allow(clippy::float_cmp)]

use proptest::prelude::*;
use streamlens_abr::Manifest;
use streamlens_abr::players::PlayerState;
use streamlens_abr::players::{Algorithm, Player};
use streamlens_abr::sim::{SimConfig, simulate};
use streamlens_abr::synthetic::{self, Profile};
use streamlens_abr::trace::{Step, Trace};

/// Always the same rendition.
struct Fixed(usize);

impl Player for Fixed {
    fn choose(&mut self, _: &PlayerState) -> usize {
        self.0
    }
}

fn step(duration_s: f64, bandwidth_kbps: f64, latency_s: f64) -> Step {
    Step {
        duration_s,
        bandwidth_kbps,
        latency_s,
    }
}

/// `n` segments of 2 s at 500 kbit/s: 1,000,000 bits each.
fn half_megabit(n: usize) -> Manifest {
    Manifest::new(2.0, vec![500.0], vec![vec![1_000_000.0]; n]).unwrap()
}

#[test]
fn constant_bandwidth_gives_known_download_times_and_no_rebuffering() {
    let trace = Trace::new("flat", vec![step(100.0, 1000.0, 0.0)]).unwrap();
    let config = SimConfig { buffer_cap_s: 30.0 };
    let run = simulate(&trace, &half_megabit(5), &mut Fixed(0), &config);
    // Each segment takes 1 s and adds 2 s: the buffer reads 2, 3, 4, 5, 6.
    let buffers: Vec<f64> = run.segments.iter().map(|s| s.buffer_s).collect();
    assert_eq!(buffers, vec![2.0, 3.0, 4.0, 5.0, 6.0]);
    assert!(run.segments.iter().all(|s| s.download_s == 1.0));
    assert_eq!(run.summary.startup_s, 1.0);
    assert_eq!(run.summary.rebuffer_s, 0.0);
    assert_eq!(run.summary.end_s, 5.0);
    // QoE_lin per segment: 0.5 Mbit/s, no stalls, no switches.
    assert_eq!(run.summary.qoe_lin, 0.5);
    assert_eq!(run.segments[3].throughput_kbps, 1000.0);
}

#[test]
fn a_full_buffer_makes_the_player_wait() {
    let trace = Trace::new("flat", vec![step(100.0, 1000.0, 0.0)]).unwrap();
    let config = SimConfig { buffer_cap_s: 4.0 };
    let run = simulate(&trace, &half_megabit(5), &mut Fixed(0), &config);
    // 2, 3, 4, then 5 → wait 1 s → 4; after the last segment nobody waits.
    let waits: Vec<f64> = run.segments.iter().map(|s| s.wait_s).collect();
    assert_eq!(waits, vec![0.0, 0.0, 0.0, 1.0, 0.0]);
    assert_eq!(run.summary.end_s, 6.0);
}

#[test]
fn a_zero_bandwidth_gap_gives_a_known_rebuffer() {
    let trace = Trace::new(
        "gap",
        vec![
            step(1.0, 1000.0, 0.0),
            step(3.0, 0.0, 0.0),
            step(100.0, 1000.0, 0.0),
        ],
    )
    .unwrap();
    let run = simulate(
        &trace,
        &half_megabit(2),
        &mut Fixed(0),
        &SimConfig::default(),
    );
    // Segment 2 is requested at 1 s, waits out the 3 s gap and downloads in 1 s: 4 s
    // against a 2 s buffer → 2 s of rebuffering.
    assert_eq!(run.segments[1].download_s, 4.0);
    assert_eq!(run.summary.rebuffer_s, 2.0);
    assert_eq!(run.summary.rebuffer_ratio, 2.0 / 6.0);
    // (0.5 + 0.5 − 4.3 · 2) / 2
    assert!((run.summary.qoe_lin - (-3.8)).abs() < 1e-12);
}

#[test]
fn latency_is_paid_per_request_and_traces_loop() {
    let trace = Trace::new("short", vec![step(1.0, 1000.0, 0.25)]).unwrap();
    let manifest = Manifest::new(2.0, vec![1500.0], vec![vec![3_000_000.0]; 2]).unwrap();
    let run = simulate(&trace, &manifest, &mut Fixed(0), &SimConfig::default());
    // 0.25 s latency, then 3 Mbit at 1 Mbit/s through a 1 s trace played three times over.
    assert_eq!(run.segments[0].download_s, 3.25);
    assert_eq!(run.segments[1].download_s, 3.25);
    assert_eq!(run.summary.rebuffer_s, 1.25);
}

#[test]
fn switches_cost_their_bitrate_change() {
    struct Alternate;
    impl Player for Alternate {
        fn choose(&mut self, s: &PlayerState) -> usize {
            s.index % 2
        }
    }
    let trace = Trace::new("fast", vec![step(100.0, 100_000.0, 0.0)]).unwrap();
    let manifest = Manifest::new(
        2.0,
        vec![1000.0, 3000.0],
        vec![vec![2_000_000.0, 6_000_000.0]; 4],
    )
    .unwrap();
    let run = simulate(&trace, &manifest, &mut Alternate, &SimConfig::default());
    assert_eq!(run.summary.switches, 3);
    // (1 + 3 + 1 + 3 − 3 · 2) / 4
    assert!((run.summary.qoe_lin - 0.5).abs() < 1e-12);
    assert_eq!(run.summary.bitrate_kbps_mean, 2000.0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// At every decision the buffer is within the cap, and time is conserved: the session's
    /// clock is start-up + rebuffering + the video played so far.
    #[test]
    fn buffer_stays_under_the_cap_and_time_is_conserved(
        seed in 0u64..1000,
        lte in any::<bool>(),
        cap in 6.0f64..60.0,
        algorithm in 0usize..Algorithm::ALL.len(),
    ) {
        let profile = if lte { Profile::Lte } else { Profile::Mobile3g };
        let trace = synthetic::trace(profile, seed, 300);
        let manifest = synthetic::manifest(seed, 40);
        let config = SimConfig { buffer_cap_s: cap };
        let algorithm = Algorithm::ALL[algorithm];
        let mut player = algorithm.player(&manifest, config.buffer_cap_s);
        let run = simulate(&trace, &manifest, player.as_mut(), &config);
        // The buffer each decision sees: after every segment but the last.
        let (_, decided) = run.segments.split_last().unwrap();
        for s in decided {
            prop_assert!(s.buffer_s <= cap + 1e-9, "{} > {cap}", s.buffer_s);
        }
        for s in &run.segments {
            prop_assert!(s.rebuffer_s >= 0.0 && s.download_s > 0.0);
        }
        let last = run.segments.last().unwrap();
        let played = manifest.segments() as f64 * manifest.segment_s - last.buffer_s;
        let accounted = run.summary.startup_s + run.summary.rebuffer_s + played;
        prop_assert!((accounted - run.summary.end_s).abs() < 1e-6 * run.summary.end_s.max(1.0),
            "{accounted} vs {}", run.summary.end_s);
        let spent: f64 = run.segments.iter().map(|s| s.download_s + s.wait_s).sum();
        prop_assert!((spent - run.summary.end_s).abs() < 1e-6 * run.summary.end_s.max(1.0));
    }
}
