//! `streamlens cdn`: CDN quality of service from Edgecast real-time log records.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use streamlens_sessions::{CdnStats, ReadReport, cdn_report, read_cdn_file};

#[derive(Debug, Args)]
pub struct CdnArgs {
    /// Edgecast log files (JSON Lines, plain or gzip); several are read as one log.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Any bad record is an error instead of being dropped.
    #[arg(long)]
    pub strict: bool,
    /// Print JSON: the overall keys at the top level, `by_pop` → POP → the same keys, and
    /// `minutes` → minute start (unix ms) → POP → the same keys.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &CdnArgs) -> anyhow::Result<()> {
    let mut requests = Vec::new();
    let mut report = ReadReport::default();
    for path in &args.files {
        let (read, file_report) = read_cdn_file(path, args.strict)?;
        requests.extend(read);
        report.absorb(file_report);
    }
    if let Some(first) = &report.first_drop {
        let dropped: u64 = report.dropped.values().sum();
        let records = if dropped == 1 { "record" } else { "records" };
        eprintln!("note: {dropped} {records} dropped (first: {first})");
    }
    let result = cdn_report(&requests, report).context("no valid records")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
        return Ok(());
    }
    let mut out = String::from(
        "POP                requests   errors  non-2xx     long   cache hit   throughput (Mbit/s)  p95 write (s)\n",
    );
    for (pop, s) in std::iter::once(("(all)", &result.overall))
        .chain(result.by_pop.iter().map(|(p, s)| (p.as_str(), s)))
    {
        let _ = writeln!(out, "{pop:<16} {}", row(s));
    }
    print!("{out}");
    Ok(())
}

fn row(s: &CdnStats) -> String {
    let pct = |v: f64| format!("{:.2} %", v * 100.0);
    let opt = |v: Option<f64>, scale: f64, digits: usize| {
        v.map_or_else(|| "n/a".into(), |v| format!("{:.digits$}", v / scale))
    };
    format!(
        "{:>10} {:>8} {:>8} {:>8} {:>11} {:>21} {:>14}",
        s.requests,
        pct(s.error_share),
        pct(s.non_2xx_share),
        pct(s.long_response_share),
        pct(s.cache_hit_share),
        opt(s.throughput_bps, 1e6, 2),
        opt(s.p95_write_time_s, 1.0, 3),
    )
}
