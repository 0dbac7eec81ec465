//! `abr evaluate`'s learned players: which of the named players are learned, fitting them on
//! the training traces (or reading a saved policy) and writing their models beside the
//! evaluation.

use std::path::Path;
use std::sync::Arc;

use streamlens_abr::learned::{LEARNED_MPC, ThroughputPredictor};
use streamlens_abr::lineup::Contender;
use streamlens_abr::rl::{RL, RlOptions, RlPolicy, train_policy};
use streamlens_abr::trace::read_traces;
use streamlens_abr::{Algorithm, Manifest, SimConfig, Trace};

use super::super::write_atomically;
use super::EvaluateArgs;

/// The players of an evaluation and the models of its learned ones.
pub(super) struct Lineup {
    pub contenders: Vec<Contender>,
    pub predictor: Option<Arc<ThroughputPredictor>>,
    pub policy: Option<Arc<RlPolicy>>,
}

/// Reads `--algos` (rules, `learned-mpc`, `rl`), fits what needs fitting on `--train` and
/// reads `--policy`. With `--train` and no learned player named, both are added.
pub(super) fn lineup(
    args: &EvaluateArgs,
    traces: &[Trace],
    manifest: &Manifest,
    config: SimConfig,
) -> anyhow::Result<Lineup> {
    let mut names: Vec<String> = Vec::new();
    for name in args
        .algos
        .split(',')
        .map(|n| n.trim().to_lowercase().replace('_', "-"))
    {
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    anyhow::ensure!(!names.is_empty(), "no players named in --algos");
    let learned = |n: &String| n == LEARNED_MPC || n == RL;
    if (!args.train.is_empty() || args.policy.is_some()) && !names.iter().any(learned) {
        if !args.train.is_empty() {
            names.push(LEARNED_MPC.into());
        }
        names.push(RL.into());
    }
    anyhow::ensure!(
        args.policy.is_none() || names.iter().any(|n| n == RL),
        "--policy is the rl player's: name rl in --algos"
    );
    let training = if args.train.is_empty() {
        Vec::new()
    } else {
        read_traces(&args.train)?
    };
    if let Some(both) = training
        .iter()
        .find(|t| traces.iter().any(|u| u.name == t.name))
    {
        anyhow::bail!(
            "trace `{}` is in both --train and --traces: the learned players must be judged on \
             traces they never saw",
            both.name
        );
    }
    let mut out = Lineup {
        contenders: Vec::new(),
        predictor: None,
        policy: None,
    };
    for name in &names {
        let contender = match name.as_str() {
            LEARNED_MPC => {
                anyhow::ensure!(
                    !training.is_empty(),
                    "learned-mpc is fitted on training traces: give --train PATH…"
                );
                let p = Arc::new(ThroughputPredictor::train(&training, manifest, &config)?);
                out.predictor = Some(Arc::clone(&p));
                Contender::LearnedMpc(p)
            }
            RL => {
                let policy = if let Some(path) = &args.policy {
                    read_policy(path, manifest)?
                } else {
                    anyhow::ensure!(
                        !training.is_empty(),
                        "rl is trained on training traces: give --train PATH… (or a saved \
                         --policy FILE)"
                    );
                    train_rl(&training, manifest, config, args)?
                };
                let p = Arc::new(policy);
                out.policy = Some(Arc::clone(&p));
                Contender::Rl(p)
            }
            other => Contender::Rule(Algorithm::parse(other).map_err(|_| {
                anyhow::anyhow!(
                    "unknown player `{other}`; players: {}, {LEARNED_MPC}, {RL}",
                    Algorithm::names()
                )
            })?),
        };
        out.contenders.push(contender);
    }
    Ok(out)
}

fn train_rl(
    training: &[Trace],
    manifest: &Manifest,
    config: SimConfig,
    args: &EvaluateArgs,
) -> anyhow::Result<RlPolicy> {
    let options = RlOptions {
        iterations: args.rl_iterations,
        seed: args.rl_seed,
        ..RlOptions::default()
    };
    let quiet = args.json;
    let mut shown = 0;
    let policy = train_policy(training, manifest, &config, &options, &mut |p| {
        // A line per tenth of training, on stderr (stdout may be JSON).
        let tenth = p.iteration * 10 / p.iterations;
        if !quiet && tenth > shown {
            shown = tenth;
            eprintln!(
                "training rl: iteration {}/{}, best validation QoE_lin (start-up counted) {:.3}",
                p.iteration, p.iterations, p.best_validation_qoe
            );
        }
        true
    })?;
    Ok(policy)
}

fn read_policy(path: &Path, manifest: &Manifest) -> anyhow::Result<RlPolicy> {
    let policy = RlPolicy::read(path)?;
    policy
        .check(manifest)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(policy)
}

/// The player of `abr simulate`: a rule, or rl from a saved `--policy`.
pub(super) fn simulated_player(
    name: &str,
    policy: Option<&Path>,
    manifest: &Manifest,
) -> anyhow::Result<Contender> {
    let wanted = name.trim().to_lowercase();
    if wanted == RL {
        let path = policy.ok_or_else(|| {
            anyhow::anyhow!("rl plays a trained policy: give --policy FILE (rl-policy.json)")
        })?;
        return Ok(Contender::Rl(Arc::new(read_policy(path, manifest)?)));
    }
    anyhow::ensure!(
        policy.is_none(),
        "--policy is the rl player's; --algo is `{name}`"
    );
    anyhow::ensure!(
        wanted != LEARNED_MPC,
        "learned-mpc is fitted on training traces: use `abr evaluate --train PATH…`"
    );
    Ok(Contender::Rule(Algorithm::parse(name)?))
}

/// `predictor.json` and `rl-policy.json` beside the evaluation, for what was fitted.
pub(super) fn write_models(out: &Path, lineup: &Lineup) -> anyhow::Result<()> {
    if let Some(p) = &lineup.predictor {
        let json = serde_json::to_string_pretty(p.as_ref())?;
        write_atomically(&out.join("predictor.json"), |w| {
            Ok(w.write_all(json.as_bytes())?)
        })?;
    }
    if let Some(p) = &lineup.policy {
        let json = serde_json::to_string(p.as_ref())?;
        write_atomically(&out.join("rl-policy.json"), |w| {
            Ok(w.write_all(json.as_bytes())?)
        })?;
    }
    Ok(())
}

/// What was fitted, in words, for the text output.
pub(super) fn describe(lineup: &Lineup) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(p) = &lineup.predictor {
        lines.push(format!(
            "learned-mpc: predictor fitted on {} training traces ({} samples); mean absolute \
             error of ln throughput in training {:.3} (the harmonic mean's {:.3})",
            p.trained_on.len(),
            p.samples,
            p.train_mae_log,
            p.harmonic_mae_log
        ));
    }
    if let Some(p) = &lineup.policy {
        let best = p
            .curve
            .iter()
            .find(|c| c.iteration == p.best_iteration)
            .map_or(String::from("the initial weights"), |c| {
                format!(
                    "iteration {} (validation QoE_lin with start-up {:.3})",
                    c.iteration, c.validation_qoe_mean
                )
            });
        lines.push(format!(
            "rl: policy trained on {} traces, validated on {}, {} iterations; kept {best}",
            p.trained_on.len(),
            p.validated_on.len(),
            p.options.iterations
        ));
    }
    lines
}
