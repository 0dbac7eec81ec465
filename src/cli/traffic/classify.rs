//! `streamlens traffic classify`: label each chunk and each capture with a trained model.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use streamlens_engine::time_fmt::format_iso;
use streamlens_traffic::model::Classifier;
use streamlens_traffic::{TrafficModel, classify, read_features};

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Capture files (network-stats CSV).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Model written by `streamlens traffic train`.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// `random_forest` or `logistic_regression`.
    #[arg(long, value_name = "NAME", default_value = "random_forest")]
    pub classifier: Classifier,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ClassifyArgs) -> anyhow::Result<()> {
    let text = streamlens_engine::files::read_text(&args.model, 256 << 20)
        .with_context(|| format!("reading {}", args.model.display()))?;
    let model: TrafficModel = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a traffic model", args.model.display()))?;
    model.check()?;
    let results = args
        .files
        .iter()
        .map(|f| {
            Ok(classify(
                &model,
                &read_features(f, &model.window)?,
                args.classifier,
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        return Ok(());
    }
    for r in &results {
        match &r.verdict {
            Some(v) => println!(
                "{}: {} (mean probability of live {:.3}; {}/{} chunks live, majority {})",
                r.file,
                v.label.as_str(),
                v.mean_probability,
                v.live_chunks,
                v.chunks,
                v.majority.as_str()
            ),
            None => println!(
                "{}: no verdict (shorter than one {} s window)",
                r.file, model.window.window_secs
            ),
        }
        for c in &r.chunks {
            println!(
                "  {}  {:<4}  {:.3}",
                format_iso(c.start_ms),
                c.label.as_str(),
                c.probability
            );
        }
    }
    Ok(())
}
