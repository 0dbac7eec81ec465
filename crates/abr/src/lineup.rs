//! The players of one evaluation: rules from their papers, and learned players with the
//! model each was fitted to (on training traces only).

use std::sync::Arc;

use crate::evaluate::{Evaluation, run_jobs, summarise_runs};
use crate::learned::{LEARNED_MPC, ThroughputPredictor};
use crate::manifest::Manifest;
use crate::players::{Algorithm, Mpc, Player};
use crate::rl::{RL, RlPlayer, RlPolicy};
use crate::sim::{SimConfig, Simulation, simulate};
use crate::trace::Trace;

#[derive(Debug, Clone, PartialEq)]
pub enum Contender {
    Rule(Algorithm),
    /// robustMPC with a learned throughput predictor.
    LearnedMpc(Arc<ThroughputPredictor>),
    /// The reinforcement-learning policy.
    Rl(Arc<RlPolicy>),
}

impl Contender {
    /// The name on the command line and in outputs.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Rule(a) => a.name(),
            Self::LearnedMpc(_) => LEARNED_MPC,
            Self::Rl(_) => RL,
        }
    }

    /// A fresh player for one session with this buffer cap.
    #[must_use]
    pub fn player(&self, manifest: &Manifest, buffer_cap_s: f64) -> Box<dyn Player> {
        match self {
            Self::Rule(a) => a.player(manifest, buffer_cap_s),
            Self::LearnedMpc(p) => Box::new(Mpc::learned(Arc::clone(p))),
            Self::Rl(p) => Box::new(RlPlayer::new(Arc::clone(p))),
        }
    }
}

/// Every trace with every contender, each session with its segments: trace by trace,
/// contenders in the order given. On all cores.
#[must_use]
pub fn simulate_contenders(
    traces: &[Trace],
    manifest: &Manifest,
    contenders: &[Contender],
    config: &SimConfig,
) -> Vec<Simulation> {
    run_jobs(traces.len() * contenders.len(), |job| {
        let (t, c) = (job / contenders.len(), job % contenders.len());
        let mut player = contenders[c].player(manifest, config.buffer_cap_s);
        simulate(&traces[t], manifest, player.as_mut(), config)
    })
}

/// As [`crate::evaluate::evaluate`], for any contenders.
#[must_use]
pub fn evaluate_contenders(
    traces: &[Trace],
    manifest: &Manifest,
    contenders: &[Contender],
    config: &SimConfig,
) -> Evaluation {
    let runs = simulate_contenders(traces, manifest, contenders, config);
    let names: Vec<&'static str> = contenders.iter().map(Contender::name).collect();
    summarise_runs(traces, &names, config, &runs)
}
