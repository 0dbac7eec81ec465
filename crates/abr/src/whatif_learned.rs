//! The what-if's learned players: which to add, the traces they are fitted on (never the
//! evaluated ones), and a cache so that choosing other players, another session or another
//! trace set to judge on does not fit them again.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::AbrError;
use crate::learned::ThroughputPredictor;
use crate::lineup::Contender;
use crate::manifest::Manifest;
use crate::rl::{RlOptions, RlPolicy, train_policy};
use crate::sim::SimConfig;
use crate::synthetic::Profile;
use crate::trace::{Trace, read_traces};
use crate::whatif_inputs::TraceSource;

/// Synthetic training traces when none are chosen.
pub const TRAINING_TRACES: usize = 40;
/// Added to the evaluated traces' seed for the synthetic training traces (their names carry
/// the seed, so the two sets never share a trace).
const TRAINING_SEED_OFFSET: u64 = 7_919;
/// Training iterations of the rl player in the window: a quarter of the CLI's default, so it
/// trains in about a minute on two cores.
pub const WINDOW_RL_ITERATIONS: usize = 1000;
/// Most training iterations a request may ask for (a workspace file is not trusted).
pub const MAX_RL_ITERATIONS: usize = 20_000;

/// Where the learned players' training traces come from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TrainingSource {
    /// [`TRAINING_TRACES`] seeded synthetic traces of the evaluated profile (3G when the
    /// evaluated traces are files), seeded apart from the evaluated ones.
    #[default]
    Synthetic,
    Files(Vec<PathBuf>),
}

impl TrainingSource {
    /// The training traces for judging on `evaluated`.
    pub fn traces(&self, evaluated: &TraceSource) -> Result<Vec<Trace>, AbrError> {
        match self {
            Self::Synthetic => {
                let (profile, seed) = match evaluated {
                    TraceSource::Synthetic { profile, seed, .. } => (*profile, *seed),
                    TraceSource::Files(_) => (Profile::Mobile3g, 42),
                };
                TraceSource::Synthetic {
                    profile,
                    count: TRAINING_TRACES,
                    seed: seed.wrapping_add(TRAINING_SEED_OFFSET),
                }
                .traces()
            }
            Self::Files(paths) => read_traces(paths),
        }
    }
}

/// The learned players to add to a what-if.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct LearnedChoice {
    pub learned_mpc: bool,
    pub rl: bool,
    pub training: TrainingSource,
    pub rl_iterations: usize,
}

impl Default for LearnedChoice {
    fn default() -> Self {
        Self {
            learned_mpc: false,
            rl: false,
            training: TrainingSource::Synthetic,
            rl_iterations: WINDOW_RL_ITERATIONS,
        }
    }
}

/// What a fitted model was fitted on: the training traces and the manifest themselves (not
/// their names: another file may reuse a name), the buffer cap, and for the rl player the
/// training length.
#[derive(Debug, Clone, PartialEq)]
struct FitKey {
    traces: Vec<Trace>,
    manifest: Manifest,
    buffer_s: u64,
    rl_iterations: Option<usize>,
}

/// The models fitted last, reused while what they were fitted on is unchanged.
#[derive(Debug, Default)]
pub struct LearnedCache {
    predictor: Option<(FitKey, Arc<ThroughputPredictor>)>,
    policy: Option<(FitKey, Arc<RlPolicy>)>,
}

/// The learned contenders of `choice` for judging on `evaluated`, fitted (or taken from
/// `cache`). `progress` sees the rl player's training from 0 to 1 and answers whether to go
/// on: `false` stops it with [`AbrError::Stopped`], caching nothing. A trace in both sets
/// is refused.
pub fn learned_contenders(
    choice: &LearnedChoice,
    evaluated: &[Trace],
    evaluated_source: &TraceSource,
    manifest: &Manifest,
    config: &SimConfig,
    cache: &mut LearnedCache,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<Vec<Contender>, AbrError> {
    if !choice.learned_mpc && !choice.rl {
        return Ok(Vec::new());
    }
    let training = choice.training.traces(evaluated_source)?;
    if let Some(both) = training
        .iter()
        .find(|t| evaluated.iter().any(|e| e.name == t.name))
    {
        return Err(AbrError::Invalid(format!(
            "trace `{}` is among both the training and the evaluated traces: learned players \
             must be judged on traces they never saw",
            both.name
        )));
    }
    let iterations = choice.rl_iterations.clamp(1, MAX_RL_ITERATIONS);
    let key = FitKey {
        traces: training,
        manifest: manifest.clone(),
        buffer_s: config.buffer_cap_s.to_bits(),
        rl_iterations: None,
    };
    let mut out = Vec::new();
    if choice.learned_mpc {
        let predictor = match &cache.predictor {
            Some((k, p)) if *k == key => Arc::clone(p),
            _ => {
                let p = Arc::new(ThroughputPredictor::train(&key.traces, manifest, config)?);
                cache.predictor = Some((key.clone(), Arc::clone(&p)));
                p
            }
        };
        out.push(Contender::LearnedMpc(predictor));
    }
    if choice.rl {
        let key = FitKey {
            rl_iterations: Some(iterations),
            ..key
        };
        let policy = match &cache.policy {
            Some((k, p)) if *k == key => Arc::clone(p),
            _ => {
                let options = RlOptions {
                    iterations,
                    ..RlOptions::default()
                };
                let mut stopped = false;
                let p = Arc::new(train_policy(
                    &key.traces,
                    manifest,
                    config,
                    &options,
                    &mut |p| {
                        stopped = !progress(p.iteration as f64 / p.iterations as f64);
                        !stopped
                    },
                )?);
                if stopped {
                    return Err(AbrError::Stopped);
                }
                cache.policy = Some((key, Arc::clone(&p)));
                p
            }
        };
        out.push(Contender::Rl(policy));
    }
    Ok(out)
}
