//! Timings of the network what-if: simulated segments per second on one core for each
//! player (one session after another), and the whole evaluation of all traces × players.
//!
//! `cargo bench --bench abr` (the real trace sets in `../shared/data/abr-traces` when
//! present, else 126 synthetic traces and a 199-segment synthetic manifest).
//! Prints one line per measurement; results go to BENCHMARKS.md by hand.

use std::path::PathBuf;
use std::time::Instant;

use streamlens_abr::capacity::advise;
use streamlens_abr::evaluate::evaluate;
use streamlens_abr::office::{Office, simulate_office};
use streamlens_abr::rl::{RlOptions, RlPlayer, train_policy};
use streamlens_abr::synthetic::{self, Profile};
use streamlens_abr::trace::read_traces;
use streamlens_abr::{Algorithm, Manifest, SimConfig, Trace, simulate};

fn inputs() -> anyhow::Result<(Vec<Trace>, Manifest, &'static str)> {
    let shared = PathBuf::from("../shared/data/abr-traces");
    if shared.is_dir() {
        let traces = read_traces(&[shared.join("norway-3g"), shared.join("lte-4g")])?;
        return Ok((traces, Manifest::read(&shared.join("bbb.json"))?, "real"));
    }
    let traces = (0..126)
        .map(|i| {
            let profile = if i < 86 {
                Profile::Mobile3g
            } else {
                Profile::Lte
            };
            synthetic::trace(profile, i, 900)
        })
        .collect();
    Ok((traces, synthetic::manifest(1, 199), "synthetic"))
}

fn main() -> anyhow::Result<()> {
    let (traces, manifest, kind) = inputs()?;
    let config = SimConfig::default();
    println!(
        "{} {kind} traces, {} segments × {} renditions",
        traces.len(),
        manifest.segments(),
        manifest.renditions()
    );
    for algorithm in Algorithm::ALL {
        // Enough rounds for about a second of work on the fast players.
        let rounds = if matches!(algorithm, Algorithm::Mpc | Algorithm::RobustMpc) {
            1
        } else {
            10
        };
        let t = Instant::now();
        let mut segments = 0usize;
        for _ in 0..rounds {
            for trace in &traces {
                let mut player = algorithm.player(&manifest, config.buffer_cap_s);
                segments += simulate(trace, &manifest, player.as_mut(), &config)
                    .summary
                    .segments;
            }
        }
        let seconds = t.elapsed().as_secs_f64();
        println!(
            "{:<11} one core: {segments} segments in {seconds:.3} s = {:.2} M segments/s",
            algorithm.name(),
            segments as f64 / seconds / 1e6
        );
    }
    rl_timings(&traces, &manifest, config)?;
    for _ in 0..3 {
        let t = Instant::now();
        let e = evaluate(&traces, &manifest, &Algorithm::ALL, &config);
        println!(
            "evaluate {} sessions (all cores): {:.3} s",
            e.sessions.len(),
            t.elapsed().as_secs_f64()
        );
    }
    for viewers in [100, 1_000, 10_000] {
        let office = Office {
            viewers,
            link_mbps: viewers as f64 * 1.5,
            latency_s: 0.02,
            buffer_cap_s: 25.0,
            join_s: 60.0,
            seed: 42,
        };
        let t = Instant::now();
        let run = simulate_office(&manifest, Algorithm::Bola, &office);
        let one = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let advice = advise(&manifest, Algorithm::Bola, &office);
        println!(
            "office, {viewers} viewers at 1.5 Mbit/s each, bola: one run {one:.3} s \
             ({:.1} M segments/s), every cap ({} runs, all cores) {:.3} s; rebuffer {:.3} %",
            (viewers * manifest.segments()) as f64 / one / 1e6,
            advice.outcomes.len(),
            t.elapsed().as_secs_f64(),
            100.0 * run.rebuffer_ratio_mean
        );
    }
    Ok(())
}

/// The rl player: training iterations per second (32 sessions each, both cores) and playing
/// on one core. Play costs the same whatever the policy learned, so a short training does.
fn rl_timings(traces: &[Trace], manifest: &Manifest, config: SimConfig) -> anyhow::Result<()> {
    let options = RlOptions {
        iterations: 50,
        ..RlOptions::default()
    };
    let t = Instant::now();
    let policy = train_policy(traces, manifest, &config, &options, &mut |_| true)?;
    let seconds = t.elapsed().as_secs_f64();
    println!(
        "rl training: {} iterations in {seconds:.2} s = {:.1} iterations/s",
        options.iterations,
        options.iterations as f64 / seconds
    );
    let policy = std::sync::Arc::new(policy);
    let t = Instant::now();
    let mut segments = 0usize;
    for _ in 0..3 {
        for trace in traces {
            let mut player = RlPlayer::new(std::sync::Arc::clone(&policy));
            segments += simulate(trace, manifest, &mut player, &config)
                .summary
                .segments;
        }
    }
    let seconds = t.elapsed().as_secs_f64();
    println!(
        "rl          one core: {segments} segments in {seconds:.3} s = {:.2} M segments/s",
        segments as f64 / seconds / 1e6
    );
    Ok(())
}
