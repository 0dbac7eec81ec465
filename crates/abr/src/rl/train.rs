//! Training the policy: advantage actor-critic (A2C) as Pensieve trains its player.
//!
//! Each iteration plays `episodes` sessions with the current policy *sampling* its renditions,
//! each on a training trace drawn at random and started at a random point of it (Pensieve's
//! augmentation; the trace loops). A segment's reward is its `QoE_lin` term; its return is the
//! discounted sum of rewards to the session's end. A critic network estimates the return; the
//! actor's loss is −log π(action) · advantage (return − estimate, normalised over the batch)
//! minus an entropy bonus that keeps exploring (its weight falls linearly over training); the
//! critic's loss is its squared error. One Adam step per iteration. Every `validate_every`
//! iterations the greedy policy plays every validation trace from its start; the weights with
//! the best mean `QoE_lin` there are kept. Seeded and deterministic.

use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::features::{feature_count, observe};
use super::mlp::{Mlp, Scratch};
use super::network::{Batch, Networks};
use super::{RlPlayer, RlPolicy};
use crate::error::AbrError;
use crate::evaluate::run_jobs;
use crate::manifest::Manifest;
use crate::players::{Player, PlayerState, REBUFFER_PENALTY};
use crate::sim::{SegmentRecord, SessionSummary, SimConfig, simulate};
use crate::trace::{Step, Trace};

/// Training settings; the defaults are the ones the README's results use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RlOptions {
    pub iterations: usize,
    /// Sessions played per iteration.
    pub episodes: usize,
    /// Units of each of the two hidden layers (actor and critic alike).
    pub hidden: usize,
    pub learning_rate: f64,
    /// Discount of future rewards per segment.
    pub gamma: f64,
    /// Weight of the entropy bonus at the first and at the last iteration.
    pub entropy_start: f64,
    pub entropy_end: f64,
    pub validate_every: usize,
    /// Each training session's trace has its bandwidth multiplied by a factor drawn
    /// log-uniformly from this range, so the policy meets links faster and slower than the
    /// training traces (3G traces alone never show a link above the top rendition).
    pub bandwidth_scale: (f64, f64),
    pub seed: u64,
}

impl Default for RlOptions {
    fn default() -> Self {
        Self {
            iterations: 4000,
            episodes: 32,
            hidden: 64,
            learning_rate: 1e-3,
            gamma: 0.95,
            entropy_start: 0.02,
            entropy_end: 0.001,
            validate_every: 10,
            bandwidth_scale: (0.5, 8.0),
            seed: 42,
        }
    }
}

/// The greedy policy's mean [`pensieve_qoe`] on the validation traces (as given and 4×
/// faster) after an iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub iteration: usize,
    pub validation_qoe_mean: f64,
    /// Mean [`pensieve_qoe`] of the iteration's sampled (exploring) training sessions.
    pub training_qoe_mean: f64,
}

/// Where training is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RlProgress {
    pub iteration: usize,
    pub iterations: usize,
    /// The best validation mean so far.
    pub best_validation_qoe: f64,
}

/// Returns are divided by this for the critic (a few tens of Mbit/s-segments, so near 1).
const RETURN_SCALE: f64 = 10.0;

/// Trains a policy for `manifest` on `traces` (the training split): every fifth trace by name
/// validates (chooses the iteration kept) when there are at least five, else all do both.
/// `progress` is called after each iteration; returning `false` stops early with the best
/// weights so far.
pub fn train_policy(
    traces: &[Trace],
    manifest: &Manifest,
    config: &SimConfig,
    options: &RlOptions,
    progress: &mut dyn FnMut(&RlProgress) -> bool,
) -> Result<RlPolicy, AbrError> {
    if traces.is_empty() {
        return Err(AbrError::Invalid(
            "no training traces for the rl player".into(),
        ));
    }
    if options.iterations == 0 || options.episodes == 0 || options.hidden == 0 {
        return Err(AbrError::Invalid(
            "rl training needs at least one iteration, one episode and one hidden unit".into(),
        ));
    }
    let mut sorted: Vec<&Trace> = traces.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let (fit, validate_as_given): (Vec<&Trace>, Vec<&Trace>) = if sorted.len() >= 5 {
        let (v, f): (Vec<_>, Vec<_>) = sorted.iter().enumerate().partition(|(i, _)| i % 5 == 4);
        (
            f.into_iter().map(|(_, t)| *t).collect(),
            v.into_iter().map(|(_, t)| *t).collect(),
        )
    } else {
        (sorted.clone(), sorted.clone())
    };
    // Validation plays each validation trace as given and 4× faster.
    let faster: Vec<Trace> = validate_as_given.iter().map(|t| scaled(t, 4.0)).collect();
    let validate: Vec<&Trace> = validate_as_given.iter().copied().chain(&faster).collect();
    let renditions = manifest.renditions();
    let nets = Networks::new(
        feature_count(renditions),
        options.hidden,
        renditions,
        options.seed,
    )
    .map_err(|e| candle_error(&e))?;
    let mut optimiser = AdamW::new(
        nets.vars.all_vars(),
        ParamsAdamW {
            lr: options.learning_rate,
            weight_decay: 0.0,
            ..ParamsAdamW::default()
        },
    )
    .map_err(|e| candle_error(&e))?;
    let mut actor = nets.actor_weights().map_err(|e| candle_error(&e))?;
    let mut policy = RlPolicy {
        bitrates_kbps: manifest.bitrates_kbps.clone(),
        segment_s: manifest.segment_s,
        actor: actor.clone(),
        options: *options,
        trained_on: fit.iter().map(|t| t.name.clone()).collect(),
        validated_on: validate_as_given.iter().map(|t| t.name.clone()).collect(),
        curve: Vec::new(),
        best_iteration: 0,
    };
    let mut best = validation_qoe(&policy, &validate, manifest, *config);
    for iteration in 1..=options.iterations {
        let episodes = run_jobs(options.episodes, |e| {
            let mut rng = StdRng::seed_from_u64(
                options.seed ^ (iteration as u64).wrapping_mul(0x9E37_79B9) ^ (e as u64) << 40,
            );
            let trace = fit[rng.random_range(0..fit.len())];
            let start = rng.random_range(0.0..trace.duration_s().max(1e-9));
            let (low, high) = options.bandwidth_scale;
            let factor = if high > low && low > 0.0 {
                rng.random_range(low.ln()..high.ln()).exp()
            } else {
                low.max(f64::MIN_POSITIVE)
            };
            let trace = scaled(&rotated(trace, start), factor);
            play_exploring(&trace, manifest, *config, &actor, rng)
        });
        let batch = batch_of(&episodes, options.gamma, feature_count(renditions));
        let qoe_mean =
            episodes.iter().map(|e| e.qoe_lin).sum::<f64>() / episodes.len().max(1) as f64;
        let progress_done = iteration as f64 / options.iterations as f64;
        let beta =
            options.entropy_start + (options.entropy_end - options.entropy_start) * progress_done;
        let loss = nets.loss(&batch, beta).map_err(|e| candle_error(&e))?;
        optimiser
            .backward_step(&loss)
            .map_err(|e| candle_error(&e))?;
        actor = nets.actor_weights().map_err(|e| candle_error(&e))?;
        if iteration % options.validate_every.max(1) == 0 || iteration == options.iterations {
            let candidate = RlPolicy {
                actor: actor.clone(),
                ..policy.clone()
            };
            let q = validation_qoe(&candidate, &validate, manifest, *config);
            policy.curve.push(CurvePoint {
                iteration,
                validation_qoe_mean: q,
                training_qoe_mean: qoe_mean,
            });
            if q > best {
                best = q;
                policy.actor = actor.clone();
                policy.best_iteration = iteration;
            }
        }
        let go_on = progress(&RlProgress {
            iteration,
            iterations: options.iterations,
            best_validation_qoe: best,
        });
        if !go_on {
            break;
        }
    }
    Ok(policy)
}

fn candle_error(e: &candle_core::Error) -> AbrError {
    AbrError::Invalid(format!("training the rl player: {e}"))
}

/// Pensieve's `QoE_lin` of a session: this crate's, with the start-up delay counted as the
/// first segment's rebuffering (the mean of [`rewards`]). What training maximises and
/// validation compares.
#[must_use]
pub fn pensieve_qoe(summary: &SessionSummary) -> f64 {
    summary.qoe_lin - REBUFFER_PENALTY * summary.startup_s / summary.segments.max(1) as f64
}

/// Mean [`pensieve_qoe`] of the greedy policy on `traces`, each from its start.
fn validation_qoe(
    policy: &RlPolicy,
    traces: &[&Trace],
    manifest: &Manifest,
    config: SimConfig,
) -> f64 {
    let shared = std::sync::Arc::new(policy.clone());
    let runs = run_jobs(traces.len(), |t| {
        let mut player = RlPlayer::new(std::sync::Arc::clone(&shared));
        pensieve_qoe(&simulate(traces[t], manifest, &mut player, &config).summary)
    });
    runs.iter().sum::<f64>() / runs.len().max(1) as f64
}

/// `trace` started `offset_s` into it (the step there split), looping as before.
pub(crate) fn rotated(trace: &Trace, offset_s: f64) -> Trace {
    let mut at = offset_s.rem_euclid(trace.duration_s().max(1e-9));
    let mut steps = Vec::with_capacity(trace.steps.len() + 1);
    let mut head = Vec::new();
    for s in &trace.steps {
        if at >= s.duration_s {
            at -= s.duration_s;
            head.push(*s);
        } else if at > 0.0 {
            head.push(Step {
                duration_s: at,
                ..*s
            });
            steps.push(Step {
                duration_s: s.duration_s - at,
                ..*s
            });
            at = 0.0;
        } else {
            steps.push(*s);
        }
    }
    steps.extend(head);
    Trace {
        name: trace.name.clone(),
        steps,
    }
}

/// `trace` with every bandwidth multiplied by `factor`.
pub(crate) fn scaled(trace: &Trace, factor: f64) -> Trace {
    Trace {
        name: trace.name.clone(),
        steps: trace
            .steps
            .iter()
            .map(|s| Step {
                bandwidth_kbps: s.bandwidth_kbps * factor,
                ..*s
            })
            .collect(),
    }
}

/// One session played by the sampling policy: its inputs, actions and per-segment rewards.
struct Episode {
    inputs: Vec<f32>,
    actions: Vec<u32>,
    rewards: Vec<f64>,
    qoe_lin: f64,
}

struct Explorer<'a> {
    actor: &'a Mlp,
    rng: StdRng,
    input: Vec<f32>,
    scratch: Scratch,
    inputs: Vec<f32>,
    actions: Vec<u32>,
}

impl Player for Explorer<'_> {
    fn choose(&mut self, state: &PlayerState) -> usize {
        observe(state, &mut self.input);
        self.inputs.extend_from_slice(&self.input);
        let logits = self.actor.forward(&self.input, &mut self.scratch);
        let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let weights: Vec<f64> = logits.iter().map(|&l| f64::from(l - top).exp()).collect();
        let mut pick = self.rng.random::<f64>() * weights.iter().sum::<f64>();
        let mut action = weights.len() - 1;
        for (i, w) in weights.iter().enumerate() {
            if pick < *w {
                action = i;
                break;
            }
            pick -= w;
        }
        self.actions.push(action as u32);
        action
    }
}

fn play_exploring(
    trace: &Trace,
    manifest: &Manifest,
    config: SimConfig,
    actor: &Mlp,
    rng: StdRng,
) -> Episode {
    let mut player = Explorer {
        actor,
        rng,
        input: Vec::new(),
        scratch: Scratch::default(),
        inputs: Vec::new(),
        actions: Vec::new(),
    };
    let run = simulate(trace, manifest, &mut player, &config);
    Episode {
        rewards: rewards(&run.segments, run.summary.startup_s),
        qoe_lin: pensieve_qoe(&run.summary),
        inputs: player.inputs,
        actions: player.actions,
    }
}

/// Each segment's term of Pensieve's `QoE_lin`: bitrate − 4.3 · rebuffer − |Δ bitrate|
/// (Mbit/s, s), where the start-up delay counts as the first segment's rebuffering (as in
/// Pensieve). The `QoE_lin` reported here leaves the start-up out; without this term a policy
/// learns to buy a top first rendition with a start-up of half a minute on 3G.
pub(crate) fn rewards(segments: &[SegmentRecord], startup_s: f64) -> Vec<f64> {
    let mut previous: Option<f64> = None;
    segments
        .iter()
        .map(|s| {
            let mbps = s.bitrate_kbps / 1000.0;
            let change = previous.map_or(0.0, |p: f64| (mbps - p).abs());
            let startup = if previous.is_none() { startup_s } else { 0.0 };
            previous = Some(mbps);
            mbps - REBUFFER_PENALTY * (s.rebuffer_s + startup) - change
        })
        .collect()
}

/// An iteration's sessions as one batch: returns discounted and ÷ [`RETURN_SCALE`].
fn batch_of(episodes: &[Episode], gamma: f64, width: usize) -> Batch {
    let mut b = Batch {
        inputs: Vec::new(),
        actions: Vec::new(),
        returns: Vec::new(),
        rows: 0,
        width,
    };
    for e in episodes {
        b.inputs.extend_from_slice(&e.inputs);
        b.actions.extend_from_slice(&e.actions);
        let mut g = 0.0;
        let mut returns = vec![0.0; e.rewards.len()];
        for (k, r) in e.rewards.iter().enumerate().rev() {
            g = r + gamma * g;
            returns[k] = (g / RETURN_SCALE) as f32;
        }
        b.returns.extend(returns);
        b.rows += e.rewards.len();
    }
    b
}
