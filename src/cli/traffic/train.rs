//! `streamlens traffic train`: fit both classifiers on every labelled capture of a folder.

use std::path::PathBuf;

use clap::Args;

use super::{WindowArgs, write_file};
use streamlens_traffic::{labelled, read_dir_features, samples, train};

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Folder of captures labelled by file name (`live` → live, `streaming` → VOD).
    pub dir: PathBuf,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Model file to write (JSON).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let window = args.window.window()?;
    let (captures, skipped) = labelled(read_dir_features(&args.dir, &window)?)?;
    for s in &skipped {
        eprintln!("note: {} skipped: {}", s.file, s.reason);
    }
    let s = samples(&captures);
    let model = train(&s.rows, &s.live, window, &args.window.model_params())?;
    write_file(&args.out, serde_json::to_string(&model)?.as_bytes())?;
    eprintln!(
        "trained on {} chunks ({} live) from {} captures; model written to {}",
        model.training_chunks,
        model.training_live_chunks,
        captures.len(),
        args.out.display()
    );
    Ok(())
}
