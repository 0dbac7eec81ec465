//! Many traces × players: one session per pair, on all cores, and a summary per player.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::manifest::Manifest;
use crate::players::Algorithm;
use crate::sim::{SessionSummary, SimConfig, Simulation, simulate};
use crate::trace::Trace;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRow {
    pub trace: String,
    pub algorithm: &'static str,
    #[serde(flatten)]
    pub summary: SessionSummary,
}

/// Per player, over its sessions: means, and the median of `QoE_lin` (the mean of the two
/// middle values for an even count).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlgorithmSummary {
    pub algorithm: &'static str,
    pub sessions: usize,
    pub qoe_lin_mean: f64,
    pub qoe_lin_median: f64,
    pub bitrate_kbps_mean: f64,
    pub rebuffer_ratio_mean: f64,
    pub switches_mean: f64,
    pub startup_s_mean: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub config: SimConfig,
    pub traces: usize,
    /// Trace by trace, players in the order asked.
    pub sessions: Vec<SessionRow>,
    /// Players in the order asked.
    pub summary: Vec<AlgorithmSummary>,
}

/// Every trace with every player (a fresh player per session).
#[must_use]
pub fn evaluate(
    traces: &[Trace],
    manifest: &Manifest,
    algorithms: &[Algorithm],
    config: &SimConfig,
) -> Evaluation {
    let runs = simulate_all(traces, manifest, algorithms, config);
    let names: Vec<&'static str> = algorithms.iter().map(|a| a.name()).collect();
    summarise_runs(traces, &names, config, &runs)
}

/// Every trace with every player, each session with its segments: trace by trace, players
/// in the order asked (the order of [`Evaluation::sessions`]). On all cores.
#[must_use]
pub fn simulate_all(
    traces: &[Trace],
    manifest: &Manifest,
    algorithms: &[Algorithm],
    config: &SimConfig,
) -> Vec<Simulation> {
    run_jobs(traces.len() * algorithms.len(), |job| {
        let (t, a) = (job / algorithms.len(), job % algorithms.len());
        let mut player = algorithms[a].player(manifest, config.buffer_cap_s);
        simulate(&traces[t], manifest, player.as_mut(), config)
    })
}

/// `run(job)` for every job in `0..jobs` on all cores, results in job order.
pub(crate) fn run_jobs<T: Send>(jobs: usize, run: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(jobs.max(1));
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let job = next.fetch_add(1, Ordering::Relaxed);
                        if job >= jobs {
                            return out;
                        }
                        out.push((job, run(job)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a simulation thread panicked"))
            .collect()
    });
    done.sort_by_key(|d| d.0);
    done.into_iter().map(|(_, run)| run).collect()
}

/// The [`Evaluation`] of runs made by [`simulate_all`] with the same arguments.
#[must_use]
pub fn summarise_runs(
    traces: &[Trace],
    players: &[&'static str],
    config: &SimConfig,
    runs: &[Simulation],
) -> Evaluation {
    let sessions: Vec<SessionRow> = runs
        .iter()
        .enumerate()
        .map(|(job, run)| SessionRow {
            trace: traces[job / players.len()].name.clone(),
            algorithm: players[job % players.len()],
            summary: run.summary,
        })
        .collect();
    let summary = players.iter().map(|a| summarise(a, &sessions)).collect();
    Evaluation {
        config: *config,
        traces: traces.len(),
        sessions,
        summary,
    }
}

impl Evaluation {
    /// One player's `QoE_lin` per session, ascending (its empirical distribution).
    #[must_use]
    pub fn sorted_qoe(&self, algorithm: &str) -> Vec<f64> {
        let mut qoe: Vec<f64> = self
            .sessions
            .iter()
            .filter(|s| s.algorithm == algorithm)
            .map(|s| s.summary.qoe_lin)
            .collect();
        qoe.sort_by(f64::total_cmp);
        qoe
    }
}

fn summarise(algorithm: &'static str, sessions: &[SessionRow]) -> AlgorithmSummary {
    let mine: Vec<&SessionSummary> = sessions
        .iter()
        .filter(|s| s.algorithm == algorithm)
        .map(|s| &s.summary)
        .collect();
    let mean = |f: &dyn Fn(&SessionSummary) -> f64| {
        if mine.is_empty() {
            f64::NAN
        } else {
            mine.iter().map(|s| f(s)).sum::<f64>() / mine.len() as f64
        }
    };
    let mut qoe: Vec<f64> = mine.iter().map(|s| s.qoe_lin).collect();
    qoe.sort_by(f64::total_cmp);
    let median = match qoe.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => qoe[n / 2],
        n => f64::midpoint(qoe[n / 2 - 1], qoe[n / 2]),
    };
    AlgorithmSummary {
        algorithm,
        sessions: mine.len(),
        qoe_lin_mean: mean(&|s| s.qoe_lin),
        qoe_lin_median: median,
        bitrate_kbps_mean: mean(&|s| s.bitrate_kbps_mean),
        rebuffer_ratio_mean: mean(&|s| s.rebuffer_ratio),
        switches_mean: mean(&|s| s.switches as f64),
        startup_s_mean: mean(&|s| s.startup_s),
    }
}
