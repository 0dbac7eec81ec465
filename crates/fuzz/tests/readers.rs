//! The short fuzzing run: every reader, a fixed seed and a fixed number of mutated inputs
//! (a few seconds each in a debug build), no panic allowed; and every input that once made a
//! reader panic (`tests/hostile/fuzz/`) read again without one.

use streamlens_fuzz::panics::catch;
use streamlens_fuzz::seeds::hostile;
use streamlens_fuzz::{Config, NAMES, fuzz, target};

const SEED: u64 = 20;

fn short_run(name: &str, iterations: u64) {
    let t = target(name, false).expect("a known reader");
    let s = fuzz(&t, &Config::short(SEED, iterations));
    eprintln!(
        "{name}: {} seeds, {} inputs in {:.1} s: {} read, {} refused ({} kinds), {} panics",
        t.seeds.len(),
        s.iterations,
        s.elapsed.as_secs_f64(),
        s.ok,
        s.errors,
        s.distinct_errors,
        s.crash_count()
    );
    let crashes: Vec<String> = s
        .crashes
        .iter()
        .map(|c| {
            format!(
                "iteration {}: {} (input {:?})",
                c.iteration,
                c.message,
                String::from_utf8_lossy(&c.input)
            )
        })
        .collect();
    assert!(crashes.is_empty(), "{name}: {crashes:#?}");
    assert_eq!(s.iterations, iterations);
    // The run must reach past the first checks: some inputs read, some are refused.
    assert!(s.errors > 0, "{name}: no input was refused");
}

#[test]
fn telemetry_csv() {
    short_run("telemetry-csv", 2_000);
}

#[test]
fn telemetry_gzip() {
    short_run("telemetry-gzip", 1_000);
}

#[test]
fn telemetry_parquet() {
    short_run("telemetry-parquet", 3_000);
}

#[test]
fn feature_table() {
    short_run("feature-table", 5_000);
}

#[test]
fn table_model() {
    short_run("table-model", 2_000);
}

#[test]
fn event_labels() {
    short_run("event-labels", 8_000);
}

#[test]
fn event_model() {
    short_run("event-model", 600);
}

#[test]
fn traffic_capture() {
    short_run("traffic-capture", 3_000);
}

#[test]
fn traffic_model() {
    short_run("traffic-model", 5_000);
}

#[test]
fn player_events() {
    short_run("player-events", 3_000);
}

#[test]
fn cdn_jsonl() {
    short_run("cdn-jsonl", 3_000);
}

#[test]
fn abr_trace() {
    short_run("abr-trace", 3_000);
}

#[test]
fn abr_manifest() {
    short_run("abr-manifest", 3_000);
}

#[test]
fn every_reader_has_a_short_run_here() {
    let source = include_str!("readers.rs");
    for name in NAMES {
        assert!(source.contains(&format!("short_run(\"{name}\"")), "{name}");
    }
}

#[test]
fn former_crashes_read_without_panic() {
    for name in NAMES {
        let t = target(name, false).expect("a known reader");
        for (file, bytes) in hostile(name) {
            let outcome = catch(|| (t.read)(&bytes));
            assert!(outcome.is_ok(), "{file}: {outcome:?}");
        }
    }
}
