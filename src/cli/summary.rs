//! `streamlens summary`: the Overview numbers, as text or JSON.

use std::fmt::Write as _;

use clap::Args;

use super::{FilterArgs, InputArgs};
use streamlens_engine::analysis::overview::overview;
use streamlens_engine::analysis::summary::Summary;
use streamlens_engine::time_fmt::format_iso;

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &SummaryArgs) -> anyhow::Result<()> {
    let dataset = args.input.load()?;
    let filter = args.filter.to_filter(&dataset)?;
    let summary = overview(&dataset, &filter)?.summary;
    for line in dataset.report.dropped_lines() {
        eprintln!("note: {line}");
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", render_text(&summary));
    }
    Ok(())
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "n/a".into(), |v| v.to_string())
}

fn opt_f(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.digits$}"))
}

/// The summary as aligned `key: value` lines.
#[must_use]
pub fn render_text(s: &Summary) -> String {
    let lines = [
        ("rows", s.rows.to_string()),
        ("events", s.events.to_string()),
        ("viewers", s.viewers.to_string()),
        ("customers", opt(s.customers)),
        ("countries", opt(s.countries)),
        ("cities", opt(s.cities)),
        ("start", opt(s.start_ms.map(format_iso))),
        ("end", opt(s.end_ms.map(format_iso))),
        ("mean qoe", opt_f(s.mean_qoe, 4)),
        ("median qoe", opt_f(s.median_qoe, 4)),
        (
            "qoe < 0.8 share",
            opt_f(s.bad_qoe_share.map(|v| v * 100.0), 2) + " %",
        ),
        ("mean engagement", opt_f(s.mean_engagement, 4)),
        (
            "total buffering",
            opt_f(s.total_buffer_ms.map(|v| v / 1000.0), 1) + " s",
        ),
    ];
    let mut out = String::new();
    for (k, v) in lines {
        let _ = writeln!(out, "{k:>16}: {v}");
    }
    for (reason, count) in &s.dropped_rows {
        let _ = writeln!(out, "{:>16}: {count} ({reason})", "dropped rows");
    }
    out
}
