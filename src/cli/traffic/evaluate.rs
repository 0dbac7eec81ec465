//! `streamlens traffic evaluate`: leave-one-capture-out results into a folder
//! (metrics.json, captures.csv, importance.csv, features.csv) and a summary on stdout.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{WindowArgs, write_file};
use streamlens_report::traffic_tables::{
    chunk_features, evaluation_captures, evaluation_importance,
};
use streamlens_traffic::{evaluate, labelled, read_dir_features};

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Folder of captures labelled by file name (`live` → live, `streaming` → VOD).
    pub dir: PathBuf,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Folder for the results (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: &EvaluateArgs) -> anyhow::Result<()> {
    let window = args.window.window()?;
    let (captures, skipped) = labelled(read_dir_features(&args.dir, &window)?)?;
    let evaluation = evaluate(&captures, skipped, window, &args.window.model_params())?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    write_file(
        &args.out.join("metrics.json"),
        serde_json::to_string_pretty(&evaluation)?.as_bytes(),
    )?;
    for table in [
        evaluation_captures(&evaluation),
        evaluation_importance(&evaluation),
        chunk_features(&captures),
    ] {
        write_file(
            &args.out.join(format!("{}.csv", table.id)),
            table.to_csv().as_bytes(),
        )?;
    }
    for s in &evaluation.skipped {
        eprintln!("note: {} skipped: {}", s.file, s.reason);
    }
    println!(
        "leave-one-capture-out: {} captures, {} chunks of {} s ({} live)",
        evaluation.captures, evaluation.chunks, window.window_secs, evaluation.live_chunks
    );
    for r in &evaluation.classifiers {
        let (m, c) = (&r.chunk_metrics, &r.capture_metrics);
        println!(
            "{:<20} chunks: accuracy {:.3} precision {:.3} recall {:.3} F1 {:.3} | captures: {}/{} right",
            r.classifier.as_str(),
            m.accuracy,
            m.precision,
            m.recall,
            m.f1,
            c.confusion.true_live + c.confusion.true_vod,
            c.confusion.total()
        );
    }
    println!("results in {}", args.out.display());
    Ok(())
}
