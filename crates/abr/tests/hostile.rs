//! Inputs built to hang or crash the simulator: each is refused with a message, or runs to
//! its (extreme) answer at once.
// The expected times are exact in binary.
#![allow(clippy::float_cmp)]

use streamlens_abr::Manifest;
use streamlens_abr::players::{Algorithm, Player, PlayerState};
use streamlens_abr::sim::{SimConfig, simulate};
use streamlens_abr::trace::{Step, Trace, read_trace};

struct Fixed;

impl Player for Fixed {
    fn choose(&mut self, _: &PlayerState) -> usize {
        0
    }
}

fn step(duration_s: f64, bandwidth_kbps: f64, latency_s: f64) -> Step {
    Step {
        duration_s,
        bandwidth_kbps,
        latency_s,
    }
}

#[test]
fn a_terabit_segment_over_a_one_millisecond_trace_is_counted_not_walked() {
    // 1 kbit/s for 1 ms: a pass carries 1 bit, so 10¹² bits take 10⁹ s — 10¹² passes that
    // must not be looped through one by one.
    let trace = Trace::new("tiny", vec![step(0.001, 1.0, 0.0)]).unwrap();
    let manifest = Manifest::new(3.0, vec![1000.0], vec![vec![1e12]; 2]).unwrap();
    let run = simulate(&trace, &manifest, &mut Fixed, &SimConfig::default());
    let took = run.segments[0].download_s;
    assert!((took - 1e9).abs() < 1.0, "{took}");
}

#[test]
fn a_long_latency_on_a_short_trace_is_counted_not_walked() {
    let trace = Trace::new("short", vec![step(0.001, 8000.0, 60.0)]).unwrap();
    let manifest = Manifest::new(1.0, vec![1000.0], vec![vec![8000.0]]).unwrap();
    let run = simulate(&trace, &manifest, &mut Fixed, &SimConfig::default());
    // 60 s of latency, then 8000 bits at 8 Mbit/s.
    assert!((run.segments[0].download_s - 60.001).abs() < 1e-9);
}

#[test]
fn steps_without_time_are_dropped_and_bounds_are_named() {
    let trace = Trace::new("flash", vec![step(0.0, 1e9, 0.0), step(1.0, 1000.0, 0.0)]).unwrap();
    assert_eq!(trace.steps.len(), 1);
    let e = Trace::new("fast", vec![step(1.0, 1e12, 0.0)]).unwrap_err();
    assert!(e.contains("kbit/s"), "{e}");
    let e = Trace::new("slow", vec![step(1.0, 1.0, 1e23)]).unwrap_err();
    assert!(e.contains("latency"), "{e}");
    let e = Manifest::new(3.0, (1..=40).map(f64::from).collect(), vec![vec![1.0; 40]]);
    assert!(e.unwrap_err().contains("32 renditions"));
    assert!(Manifest::new(1e9, vec![1.0], vec![vec![1.0]]).is_err());
    assert!(Manifest::new(3.0, vec![1.0], vec![vec![1e300]]).is_err());
}

#[test]
fn a_buffer_cap_under_one_segment_acts_as_one_segment() {
    let trace = Trace::new("flat", vec![step(100.0, 1000.0, 0.0)]).unwrap();
    let manifest = Manifest::new(2.0, vec![500.0], vec![vec![1_000_000.0]; 3]).unwrap();
    for cap in [-5.0, 0.0, f64::NAN, 1.0] {
        let config = SimConfig { buffer_cap_s: cap };
        for algorithm in Algorithm::ALL {
            let mut player = algorithm.player(&manifest, cap);
            let run = simulate(&trace, &manifest, player.as_mut(), &config);
            // Before each decision (after every segment but the last) the buffer is within
            // one segment.
            let (last, before) = run.segments.split_last().unwrap();
            assert!(
                before
                    .iter()
                    .all(|s| s.buffer_s <= 2.0 && s.buffer_s >= 0.0)
            );
            assert!(last.buffer_s <= 4.0);
            assert!(
                run.summary.qoe_lin.is_finite(),
                "{cap} {}",
                algorithm.name()
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("trace.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("note: mkfifo is not available; skipping");
        return;
    }
    let e = read_trace(&fifo).unwrap_err().to_string();
    assert!(e.contains("not a regular file"), "{e}");
}
