//! `streamlens collect`: the beacon collector over HTTP (see the collector crate).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use streamlens_collector::{Config, RollPolicy, ScoringConfig};

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Address to listen on. Only loopback unless a token is given.
    #[arg(long, default_value = "127.0.0.1:7070")]
    pub listen: SocketAddr,
    /// Folder for the write-ahead log (`wal/`) and the hourly Parquet partitions
    /// (`date=…/hour=…/`) that `streamlens kpis DIR` reads.
    #[arg(long)]
    pub dir: PathBuf,
    /// Bearer token every request but /v1/health must carry (also read from
    /// `STREAMLENS_COLLECT_TOKEN`); required to listen beyond loopback.
    #[arg(long)]
    pub token: Option<String>,
    /// Seal a segment and roll it into Parquet this many seconds after its first batch.
    #[arg(long, default_value_t = 10)]
    pub roll_secs: u64,
    /// … or when it holds this many MiB.
    #[arg(long, default_value_t = 64)]
    pub roll_mib: u64,
    /// Answer 503 (Retry-After) while more than this many MiB wait to become Parquet.
    #[arg(long, default_value_t = 1024)]
    pub max_backlog_mib: u64,
    /// Also score feature windows (`POST /v1/score`, `/v1/score_batch`; `GET /v1/model`) with
    /// this saved feature-table model.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Flag windows scoring above this instead of the model's own threshold.
    #[arg(long, requires = "model")]
    pub threshold: Option<f64>,
    /// Learn every window scored normal into the (FISVDD) model, saved in DIR/model/ and
    /// resumed from there after a restart.
    #[arg(long, requires = "model")]
    pub learn: bool,
}

pub fn run(args: &CollectArgs) -> anyhow::Result<()> {
    let token = args
        .token
        .clone()
        .or_else(|| std::env::var("STREAMLENS_COLLECT_TOKEN").ok())
        .filter(|t| !t.is_empty());
    if !args.listen.ip().is_loopback() && token.is_none() {
        anyhow::bail!(
            "listening on {} (beyond this machine) needs --token (or STREAMLENS_COLLECT_TOKEN); \
             put it behind a TLS proxy too (README: Collector)",
            args.listen
        );
    }
    let config = Config {
        dir: args.dir.clone(),
        token,
        roll: RollPolicy {
            max_bytes: args.roll_mib.max(1) << 20,
            max_age: Duration::from_secs(args.roll_secs),
        },
        max_backlog_bytes: args.max_backlog_mib << 20,
        scoring: args.model.clone().map(|model| ScoringConfig {
            model,
            threshold: args.threshold,
            learn: args.learn,
        }),
    };
    streamlens_collector::run(&config, args.listen, |bound, recovery, scorer| {
        if let Some(scorer) = scorer {
            eprintln!(
                "scoring windows of {} feature(s): {}{}",
                scorer.features().len(),
                scorer.features().join(", "),
                if scorer.resumed() {
                    " (learning resumed from the saved model in DIR/model/)"
                } else {
                    ""
                }
            );
        }
        if recovery.segments > 0 {
            eprintln!(
                "recovered {} events from {} segment(s) left by the previous run",
                recovery.events, recovery.segments
            );
        }
        // Tests and scripts read the bound address (port 0 picks one) from this line.
        println!(
            "listening on http://{bound} (events into {})",
            args.dir.display()
        );
        let _ = std::io::stdout().flush();
    })
    .map_err(|e| anyhow::anyhow!("{}: {e}", args.dir.display()))
}
