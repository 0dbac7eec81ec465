//! `streamlens beacons replay`: a bounded load generator for a collector. Player events of
//! files (any format `kpis` reads, e.g. what `generate sessions` or `abr sessions` wrote)
//! are sent (`POST`) as beacons at a set rate for a set time, stamped so the replay happens now.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use streamlens_collector::beacons::Beacons;
use streamlens_collector::replay::{ReplayPlan, ReplayReport, replay};
use streamlens_sessions::{
    DEFAULT_SESSIONS_START_MS, PlayerLog, read_player_events, read_player_file,
};

use super::abr::sessions::{SimulatedSessions, simulated_sessions_csv};
use super::flags::{number_in, whole_in};

#[derive(Debug, Args)]
pub struct BeaconsArgs {
    #[command(subcommand)]
    pub command: BeaconsCommand,
}

#[derive(Debug, Subcommand)]
pub enum BeaconsCommand {
    /// POST the events of files to a collector at a set rate for a set time (looping over
    /// the files, each pass with new session ids), and report acknowledgements and latency.
    Replay(ReplayArgs),
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Player-event files (CSV, gzip CSV, JSON Lines or Parquet), read as one log.
    #[arg(
        required_unless_present = "from_simulator",
        conflicts_with = "from_simulator"
    )]
    pub files: Vec<PathBuf>,
    /// Replay sessions simulated by the what-if's player simulator (as `abr sessions`
    /// writes them) instead of files: one session per trace × player.
    #[arg(long = "from-simulator", requires_all = ["traces", "manifest"])]
    pub from_simulator: bool,
    #[command(flatten)]
    pub simulator: SimulatorArgs,
    /// The collector: its address (`http://127.0.0.1:7070`) or its events URL.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Events per second.
    #[arg(long, value_name = "N", value_parser = number_in(1.0, 10_000_000.0))]
    pub rate: f64,
    /// Seconds to send for (at most an hour).
    #[arg(long, value_name = "S", value_parser = number_in(0.1, 3_600.0))]
    pub duration: f64,
    /// Stop after this many events (one pass over the files: their event count).
    #[arg(long, value_name = "N")]
    pub events: Option<u64>,
    /// Events per POST.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = whole_in(1usize, 100_000))]
    pub batch: usize,
    /// Requests in flight at most.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = whole_in(1usize, 1_024))]
    pub connections: usize,
    /// Bearer token (also read from `STREAMLENS_COLLECT_TOKEN`).
    #[arg(long)]
    pub token: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The simulator's options (used with `--from-simulator`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Simulator (with --from-simulator)")]
pub struct SimulatorArgs {
    /// Throughput trace files or folders of them.
    #[arg(long, value_name = "PATH", num_args = 1.., requires = "from_simulator")]
    pub traces: Vec<PathBuf>,
    /// Video manifest (segment duration, bitrate ladder, segment sizes).
    #[arg(long, value_name = "FILE", requires = "from_simulator")]
    pub manifest: Option<PathBuf>,
    /// Players, comma-separated: one session per trace and player.
    #[arg(long, value_name = "NAMES", default_value = "bola")]
    pub algos: String,
    /// Buffer cap in seconds.
    #[arg(long = "buffer-s", value_name = "SECONDS", default_value_t = 25.0,
          value_parser = number_in(1.0, 3600.0))]
    pub buffer_s: f64,
    /// Sessions join at random over this many seconds.
    #[arg(long = "join-s", value_name = "SECONDS", default_value_t = 60.0, value_parser = number_in(0.0, 86_400.0))]
    pub join_s: f64,
    /// The `event_id` and `customer_id` of every simulated session.
    #[arg(long = "event-id", value_name = "ID", default_value = "whatif")]
    pub event_id: String,
    #[arg(long, value_name = "ID", default_value = "simulated")]
    pub customer: String,
    /// Random seed for the join times.
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,
}

pub fn run(args: &BeaconsArgs) -> anyhow::Result<()> {
    match &args.command {
        BeaconsCommand::Replay(replay_args) => run_replay(replay_args),
    }
}

/// `http://host:port` → `http://host:port/v1/events`; a URL with a path is kept.
fn events_url(to: &str) -> anyhow::Result<String> {
    let rest = to
        .strip_prefix("http://")
        .or_else(|| to.strip_prefix("https://"))
        .ok_or_else(|| anyhow::anyhow!("--to {to}: expected an http:// or https:// URL"))?;
    Ok(match rest.split_once('/') {
        None | Some((_, "")) => format!("{}/v1/events", to.trim_end_matches('/')),
        Some(_) => to.to_string(),
    })
}

fn run_replay(args: &ReplayArgs) -> anyhow::Result<()> {
    let url = events_url(&args.to)?;
    let log = if args.from_simulator {
        simulated_log(&args.simulator)?
    } else {
        read_files(&args.files)?
    };
    let beacons = Arc::new(Beacons::of(&log));
    drop(log);
    let token = args
        .token
        .clone()
        .or_else(|| std::env::var("STREAMLENS_COLLECT_TOKEN").ok())
        .filter(|t| !t.is_empty());
    let plan = ReplayPlan {
        url,
        rate: args.rate,
        duration: Duration::from_secs_f64(args.duration),
        max_events: args.events,
        batch: args.batch,
        connections: args.connections,
        token,
        start_ms: now_ms(),
    };
    eprintln!(
        "replaying {} events ({} per pass) to {} at {} events/s for {} s",
        args.events
            .map_or(args.rate * args.duration, |n| (n as f64)
                .min(args.rate * args.duration))
            .round(),
        beacons.len(),
        plan.url,
        args.rate,
        args.duration
    );
    let mut progress = |seconds: f64, sent: u64, acked: u64| {
        eprintln!("  {seconds:>5.0} s: {sent} sent, {acked} acknowledged");
    };
    let report = replay(&beacons, &plan, &mut progress).map_err(anyhow::Error::msg)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", describe(&report));
    }
    if report.acked_events == 0 {
        anyhow::bail!(
            "the collector acknowledged nothing{}",
            report
                .first_error
                .as_ref()
                .map_or(String::new(), |e| format!(": {e}"))
        );
    }
    Ok(())
}

fn read_files(files: &[PathBuf]) -> anyhow::Result<PlayerLog> {
    let mut log: Option<PlayerLog> = None;
    for path in files {
        let read = read_player_file(path, false)?;
        match &mut log {
            None => log = Some(read),
            Some(log) => log.append(&read),
        }
    }
    log.ok_or_else(|| anyhow::anyhow!("no files"))
}

/// The events of simulated sessions; their clock is shifted to now by the replay.
fn simulated_log(sim: &SimulatorArgs) -> anyhow::Result<PlayerLog> {
    let manifest = sim
        .manifest
        .clone()
        .ok_or_else(|| anyhow::anyhow!("--from-simulator needs --manifest"))?;
    let spec = SimulatedSessions {
        traces: sim.traces.clone(),
        algos: sim.algos.clone(),
        manifest,
        buffer_s: sim.buffer_s,
        start_ms: DEFAULT_SESSIONS_START_MS,
        join_s: sim.join_s,
        event_id: sim.event_id.clone(),
        customer: sim.customer.clone(),
        seed: sim.seed,
    };
    let simulated = simulated_sessions_csv(&spec)?;
    eprintln!("simulated {}", simulated.describe());
    Ok(read_player_events(
        "simulated sessions",
        simulated.csv.as_bytes(),
        true,
    )?)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn describe(r: &ReplayReport) -> String {
    let cpu = r
        .client_cpu_s
        .map_or(String::new(), |c| format!("client CPU {c:.2} s\n"));
    let error = r
        .first_error
        .as_ref()
        .map_or(String::new(), |e| format!("first error: {e}\n"));
    format!(
        "{} events sent in {:.1} s to {}\n\
         acknowledged: {} events ({:.0}/s) in {} batches; refused {}, deferred (503) {}, \
         failed {}, sent late {}\n\
         ack latency ms: p50 {:.1}, p90 {:.1}, p99 {:.1}, max {:.1}\n{cpu}{error}",
        r.sent_events,
        r.seconds,
        r.url,
        r.acked_events,
        r.acked_events_per_s,
        r.batches_acked,
        r.batches_refused,
        r.batches_deferred,
        r.batches_failed,
        r.batches_late,
        r.ack_ms_p50,
        r.ack_ms_p90,
        r.ack_ms_p99,
        r.ack_ms_max
    )
}

#[cfg(test)]
mod tests {
    use super::events_url;

    #[test]
    fn a_bare_address_gets_the_events_path() {
        assert_eq!(
            events_url("http://127.0.0.1:7070").unwrap(),
            "http://127.0.0.1:7070/v1/events"
        );
        assert_eq!(events_url("http://h:1/").unwrap(), "http://h:1/v1/events");
        assert_eq!(
            events_url("https://h/x/v1/events").unwrap(),
            "https://h/x/v1/events"
        );
        assert!(events_url("h:1").is_err());
    }
}
