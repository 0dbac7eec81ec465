//! `streamlens traffic …`: live-vs-VOD classification of network-stats captures.

pub mod classify;
pub mod evaluate;
pub mod generate;
pub mod train;

use std::path::Path;

use anyhow::Context;
use clap::{Args, Subcommand};

use streamlens_traffic::WindowParams;
use streamlens_traffic::model::{ForestParams, ModelParams};

#[derive(Debug, Args)]
pub struct TrafficArgs {
    #[command(subcommand)]
    pub command: TrafficCommand,
}

#[derive(Debug, Subcommand)]
pub enum TrafficCommand {
    /// Leave-one-capture-out evaluation of both classifiers on labelled captures.
    Evaluate(evaluate::EvaluateArgs),
    /// Train on every labelled capture in a folder and write the model as JSON.
    Train(train::TrainArgs),
    /// Classify captures with a trained model, per chunk and per file.
    Classify(classify::ClassifyArgs),
    /// Write seeded synthetic live and VOD captures.
    Generate(generate::GenerateArgs),
}

pub fn run(args: &TrafficArgs) -> anyhow::Result<()> {
    match &args.command {
        TrafficCommand::Evaluate(a) => evaluate::run(a),
        TrafficCommand::Train(a) => train::run(a),
        TrafficCommand::Classify(a) => classify::run(a),
        TrafficCommand::Generate(a) => generate::run(a),
    }
}

/// How captures are cut into chunks and the model seeded.
#[derive(Debug, Clone, Args)]
pub struct WindowArgs {
    /// Chunk length in seconds (30–300).
    #[arg(long = "window-s", value_name = "S", default_value_t = 60)]
    pub window_secs: u32,
    /// Step between chunk starts in seconds [default: the window length].
    #[arg(long = "hop-s", value_name = "S")]
    pub hop_secs: Option<u32>,
    /// Seed of the random forest and of the permutation importance.
    #[arg(long, value_name = "N", default_value_t = ForestParams::default().seed)]
    pub seed: u64,
}

impl WindowArgs {
    pub fn window(&self) -> anyhow::Result<WindowParams> {
        let w = WindowParams {
            window_secs: self.window_secs,
            hop_secs: self.hop_secs,
        };
        w.validate()?;
        Ok(w)
    }

    #[must_use]
    pub fn model_params(&self) -> ModelParams {
        let mut p = ModelParams::default();
        p.forest.seed = self.seed;
        p
    }
}

/// Writes `text` to `path` atomically (see `streamlens_engine::files`).
pub(crate) fn write_file(path: &Path, text: &[u8]) -> anyhow::Result<()> {
    streamlens_engine::files::atomic_write(path, text)
        .with_context(|| format!("writing {}", path.display()))
}
