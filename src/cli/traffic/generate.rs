//! `streamlens traffic generate`: seeded synthetic captures in the network-stats format.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::write_file;
use streamlens_traffic::synth::{synth_captures, write_csv};

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Folder to write the captures into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed; the same seed writes the same files.
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,
    /// Number of captures, alternating live and VOD.
    #[arg(long, value_name = "K", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub captures: u32,
    /// Length of each capture in seconds.
    #[arg(long = "duration-s", value_name = "S", default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub duration_secs: u32,
}

pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let captures = synth_captures(args.seed, args.captures as usize, args.duration_secs);
    for capture in &captures {
        let mut text = Vec::new();
        write_csv(capture, &mut text)?;
        write_file(&args.out.join(&capture.name), &text)?;
    }
    eprintln!(
        "wrote {} synthetic captures ({} s each) to {}",
        captures.len(),
        args.duration_secs,
        args.out.display()
    );
    Ok(())
}
