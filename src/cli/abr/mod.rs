//! `streamlens abr`: the network what-if — adaptive-bitrate players replayed on throughput
//! traces (`simulate` one session, `evaluate` traces × players, `generate` synthetic
//! traces and a manifest). The work is [`streamlens_abr`]'s.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use streamlens_abr::evaluate::Evaluation;
use streamlens_abr::lineup::evaluate_contenders;
use streamlens_abr::synthetic::{self, Profile};
use streamlens_abr::trace::{read_trace, read_traces};
use streamlens_abr::{Manifest, SimConfig, simulate};
use streamlens_engine::files::csv_text;

mod learned;
mod office;
pub(crate) mod sessions;

use super::flags::{number_in, whole_in};
use super::write_atomically;

#[derive(Debug, Args)]
pub struct AbrArgs {
    #[command(subcommand)]
    pub command: AbrCommand,
}

#[derive(Debug, Subcommand)]
pub enum AbrCommand {
    /// One session: a player downloading the manifest's video over one trace.
    Simulate(SimulateArgs),
    /// Every trace with every player: per-session CSV and a summary per player.
    Evaluate(EvaluateArgs),
    /// Seeded synthetic traces (3G-like and 4G-like) and a manifest, to try the what-if
    /// without the real trace sets.
    Generate(GenerateArgs),
    /// An office: N viewers sharing one link. Quality with the ladder capped at each bitrate,
    /// and the highest cap that keeps the mean rebuffer ratio under 1 %.
    Office(office::OfficeArgs),
    /// Sessions as player events in the KPI schema (request, start, bitrate changes,
    /// stalls, heartbeats, end) for `streamlens kpis`, the Sessions view and load tests.
    Sessions(sessions::SessionsArgs),
}

/// Flags shared by simulate and evaluate.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// Video manifest: JSON with the segment duration, the bitrate ladder and each segment's size.
    #[arg(long, value_name = "FILE")]
    pub manifest: PathBuf,
    /// Buffer cap in seconds: above it the player waits.
    #[arg(long = "buffer-s", value_name = "SECONDS", default_value_t = 25.0,
          value_parser = number_in(1.0, 3600.0))]
    pub buffer_s: f64,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Throughput trace (Sabre JSON steps or Pensieve `time_s bandwidth_mbps` text).
    #[arg(long, value_name = "FILE")]
    pub trace: PathBuf,
    /// Player: rate, bba, bola, mpc, robust-mpc, or rl with --policy.
    #[arg(long, value_name = "NAME", default_value = "robust-mpc")]
    pub algo: String,
    /// The rl player's policy, as `abr evaluate --out` saves it (`rl-policy.json`).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub play: PlayArgs,
    /// Print JSON (summary and every segment) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Trace files or folders of them.
    #[arg(long, value_name = "PATH", num_args = 1.., required = true)]
    pub traces: Vec<PathBuf>,
    /// Players, comma-separated: rate, bba, bola, mpc, robust-mpc, and the learned
    /// learned-mpc and rl (which need --train, or --policy for rl).
    #[arg(
        long,
        value_name = "NAMES",
        default_value = "rate,bba,bola,mpc,robust-mpc"
    )]
    pub algos: String,
    #[command(flatten)]
    pub play: PlayArgs,
    /// Training traces (files or folders) for the learned players: learned-mpc's throughput
    /// predictor and the rl policy are fitted on these only (both are added when --algos
    /// names neither). A trace also given in --traces is refused.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub train: Vec<PathBuf>,
    /// A policy saved by an earlier run (`rl-policy.json`) to play as rl instead of training.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Training iterations of the rl player (each plays 32 sessions).
    #[arg(long = "rl-iterations", value_name = "N", default_value_t = 4000,
          value_parser = whole_in(1usize, 1_000_000))]
    pub rl_iterations: usize,
    /// Random seed of the rl player's training.
    #[arg(long = "rl-seed", value_name = "N", default_value_t = 42)]
    pub rl_seed: u64,
    /// Folder for sessions.csv, summary.csv and evaluation.json (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the evaluation as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Folder to write traces/*.json and manifest.json into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Traces of each profile (3G-like and 4G-like).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = whole_in(1usize, 10_000))]
    pub traces: usize,
    /// Length of each trace in seconds (sessions outlasting it loop it).
    #[arg(long, value_name = "SECONDS", default_value_t = 600, value_parser = whole_in(10usize, 86_400))]
    pub seconds: usize,
    /// Segments of the manifest's video (3 s each).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = whole_in(1usize, 100_000))]
    pub segments: usize,
    /// Random seed; the same seed and options write the same files.
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,
}

pub fn run(args: &AbrArgs) -> anyhow::Result<()> {
    match &args.command {
        AbrCommand::Simulate(a) => run_simulate(a),
        AbrCommand::Evaluate(a) => run_evaluate(a),
        AbrCommand::Generate(a) => run_generate(a),
        AbrCommand::Office(a) => office::run(a),
        AbrCommand::Sessions(a) => sessions::run(a),
    }
}

pub(super) fn setup(play: &PlayArgs) -> anyhow::Result<(Manifest, SimConfig)> {
    let manifest = Manifest::read(&play.manifest)?;
    let config = SimConfig {
        buffer_cap_s: play.buffer_s,
    };
    anyhow::ensure!(
        config.buffer_cap_s >= manifest.segment_s,
        "--buffer-s {} is shorter than one segment ({} s)",
        config.buffer_cap_s,
        manifest.segment_s
    );
    Ok((manifest, config))
}

fn run_simulate(args: &SimulateArgs) -> anyhow::Result<()> {
    let (manifest, config) = setup(&args.play)?;
    let contender = learned::simulated_player(&args.algo, args.policy.as_deref(), &manifest)?;
    let trace = read_trace(&args.trace)?;
    let mut player = contender.player(&manifest, config.buffer_cap_s);
    let run = simulate(&trace, &manifest, player.as_mut(), &config);
    if args.json {
        let json = serde_json::json!({
            "trace": trace.name,
            "algorithm": contender.name(),
            "config": config,
            "summary": run.summary,
            "segments": run.segments,
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    let s = &run.summary;
    let mut text = format!(
        "{} on {} ({} segments of {} s, buffer cap {} s)\n",
        contender.name(),
        trace.name,
        s.segments,
        manifest.segment_s,
        config.buffer_cap_s
    );
    writeln!(
        text,
        "QoE_lin {:.3}  bitrate {:.0} kbit/s  rebuffer {:.2} s ({:.2} %)  switches {}  start-up {:.2} s",
        s.qoe_lin,
        s.bitrate_kbps_mean,
        s.rebuffer_s,
        100.0 * s.rebuffer_ratio,
        s.switches,
        s.startup_s
    )?;
    writeln!(
        text,
        "\n{:>7} {:>9} {:>9} {:>11} {:>9} {:>9}",
        "segment", "kbit/s", "download", "throughput", "rebuffer", "buffer"
    )?;
    for r in &run.segments {
        writeln!(
            text,
            "{:>7} {:>9.0} {:>8.2}s {:>11.0} {:>8.2}s {:>8.2}s",
            r.index + 1,
            r.bitrate_kbps,
            r.download_s,
            r.throughput_kbps,
            r.rebuffer_s,
            r.buffer_s
        )?;
    }
    print!("{text}");
    Ok(())
}

fn run_evaluate(args: &EvaluateArgs) -> anyhow::Result<()> {
    let (manifest, config) = setup(&args.play)?;
    let traces = read_traces(&args.traces)?;
    let lineup = learned::lineup(args, &traces, &manifest, config)?;
    let evaluation = evaluate_contenders(&traces, &manifest, &lineup.contenders, &config);
    if let Some(out) = &args.out {
        write_evaluation(out, &evaluation)?;
        learned::write_models(out, &lineup)?;
    }
    if !args.json {
        for line in learned::describe(&lineup) {
            println!("{line}");
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&evaluation)?);
    } else {
        print!("{}", summary_table(&evaluation));
        if let Some(out) = &args.out {
            println!(
                "wrote sessions.csv, summary.csv and evaluation.json to {}",
                out.display()
            );
        }
    }
    Ok(())
}

fn summary_table(e: &Evaluation) -> String {
    let mut text = format!(
        "{} traces, buffer cap {} s\n{:<11} {:>9} {:>11} {:>11} {:>9} {:>9} {:>9}\n",
        e.traces,
        e.config.buffer_cap_s,
        "player",
        "sessions",
        "QoE mean",
        "QoE median",
        "kbit/s",
        "rebuf %",
        "switches",
    );
    for s in &e.summary {
        let _ = writeln!(
            text,
            "{:<11} {:>9} {:>11.3} {:>11.3} {:>9.0} {:>9.3} {:>9.1}",
            s.algorithm,
            s.sessions,
            s.qoe_lin_mean,
            s.qoe_lin_median,
            s.bitrate_kbps_mean,
            100.0 * s.rebuffer_ratio_mean,
            s.switches_mean
        );
    }
    text
}

fn write_evaluation(out: &std::path::Path, e: &Evaluation) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let number = |v: f64| format!("{v}");
    let sessions = csv_text(
        &[
            "trace",
            "algorithm",
            "segments",
            "qoe_lin",
            "bitrate_kbps_mean",
            "rebuffer_s",
            "rebuffer_ratio",
            "switches",
            "startup_s",
            "end_s",
        ],
        e.sessions.iter().map(|s| {
            let m = &s.summary;
            vec![
                s.trace.clone(),
                s.algorithm.to_string(),
                m.segments.to_string(),
                number(m.qoe_lin),
                number(m.bitrate_kbps_mean),
                number(m.rebuffer_s),
                number(m.rebuffer_ratio),
                m.switches.to_string(),
                number(m.startup_s),
                number(m.end_s),
            ]
        }),
    );
    let summary = csv_text(
        &[
            "algorithm",
            "sessions",
            "qoe_lin_mean",
            "qoe_lin_median",
            "bitrate_kbps_mean",
            "rebuffer_ratio_mean",
            "switches_mean",
            "startup_s_mean",
        ],
        e.summary.iter().map(|s| {
            vec![
                s.algorithm.to_string(),
                s.sessions.to_string(),
                number(s.qoe_lin_mean),
                number(s.qoe_lin_median),
                number(s.bitrate_kbps_mean),
                number(s.rebuffer_ratio_mean),
                number(s.switches_mean),
                number(s.startup_s_mean),
            ]
        }),
    );
    let json = serde_json::to_string_pretty(e)?;
    for (name, text) in [
        ("sessions.csv", sessions),
        ("summary.csv", summary),
        ("evaluation.json", json),
    ] {
        write_atomically(&out.join(name), |w| Ok(w.write_all(text.as_bytes())?))?;
    }
    Ok(())
}

fn run_generate(args: &GenerateArgs) -> anyhow::Result<()> {
    let traces_dir = args.out.join("traces");
    std::fs::create_dir_all(&traces_dir)
        .with_context(|| format!("cannot create {}", traces_dir.display()))?;
    for i in 0..args.traces {
        for profile in [Profile::Mobile3g, Profile::Lte] {
            let seed = args.seed.wrapping_mul(1_000_003).wrapping_add(i as u64);
            let trace = synthetic::trace(profile, seed, args.seconds);
            let path = traces_dir.join(format!("{}.json", trace.name));
            write_atomically(&path, |w| Ok(w.write_all(trace.to_json().as_bytes())?))?;
        }
    }
    let manifest = synthetic::manifest(args.seed, args.segments);
    write_atomically(&args.out.join("manifest.json"), |w| {
        Ok(w.write_all(manifest.to_json().as_bytes())?)
    })?;
    println!(
        "wrote {} traces to {} and manifest.json ({} segments of 3 s, 10 renditions)",
        2 * args.traces,
        traces_dir.display(),
        args.segments
    );
    Ok(())
}
