//! `streamlens abr sessions`: simulated sessions written as player events in the KPI schema
//! (the CSV `streamlens generate-sessions` writes and `streamlens kpis` and the Sessions view
//! read), one session per trace × player, joining at seeded random times.

use std::path::PathBuf;

use clap::Args;

use streamlens_abr::Algorithm;
use streamlens_abr::beacons::merged_beacons;
use streamlens_abr::evaluate::simulate_all;
use streamlens_abr::trace::read_traces;
use streamlens_sessions::{DEFAULT_SESSIONS_START_MS, SESSION_CSV_HEADER};

use super::{PlayArgs, setup};
use crate::cli::flags::number_in;
use crate::cli::{parse_time, write_atomically};

#[derive(Debug, Args)]
pub struct SessionsArgs {
    /// Trace files or folders of them.
    #[arg(long, value_name = "PATH", num_args = 1.., required = true)]
    pub traces: Vec<PathBuf>,
    /// Players, comma-separated: one session per trace and player.
    #[arg(long, value_name = "NAMES", default_value = "bola")]
    pub algos: String,
    #[command(flatten)]
    pub play: PlayArgs,
    /// Player-event CSV to write (replaced atomically).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// When the webcast starts (unix ms or ISO-8601); default 2026-11-12T15:00:00Z.
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// Sessions join at random over this many seconds from the start.
    #[arg(long = "join-s", value_name = "SECONDS", default_value_t = 60.0, value_parser = number_in(0.0, 86_400.0))]
    pub join_s: f64,
    /// The `event_id` (webcast) and `customer_id` of every session.
    #[arg(long = "event-id", value_name = "ID", default_value = "whatif")]
    pub event_id: String,
    #[arg(long, value_name = "ID", default_value = "simulated")]
    pub customer: String,
    /// Random seed for the join times.
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,
}

pub fn run(args: &SessionsArgs) -> anyhow::Result<()> {
    let spec = SimulatedSessions {
        traces: args.traces.clone(),
        algos: args.algos.clone(),
        manifest: args.play.manifest.clone(),
        buffer_s: args.play.buffer_s,
        start_ms: match &args.start {
            Some(text) => parse_time("start", text)?,
            None => DEFAULT_SESSIONS_START_MS,
        },
        join_s: args.join_s,
        event_id: args.event_id.clone(),
        customer: args.customer.clone(),
        seed: args.seed,
    };
    let simulated = simulated_sessions_csv(&spec)?;
    write_atomically(&args.out, |w| Ok(w.write_all(simulated.csv.as_bytes())?))?;
    println!(
        "wrote {} player events of {} to {}",
        simulated.events,
        simulated.describe(),
        args.out.display()
    );
    Ok(())
}

/// What to simulate: one session per trace × player, joining at seeded random times.
pub struct SimulatedSessions {
    pub traces: Vec<PathBuf>,
    /// Players, comma-separated.
    pub algos: String,
    pub manifest: PathBuf,
    pub buffer_s: f64,
    pub start_ms: i64,
    pub join_s: f64,
    pub event_id: String,
    pub customer: String,
    pub seed: u64,
}

/// Simulated sessions as player-event CSV text (with its header).
pub struct SimulatedCsv {
    pub csv: String,
    pub events: usize,
    pub sessions: usize,
    pub traces: usize,
    pub players: usize,
}

impl SimulatedCsv {
    /// "N sessions (T traces × P players)".
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "{} sessions ({} traces × {} players)",
            self.sessions, self.traces, self.players
        )
    }
}

/// Simulates the sessions of `spec` and writes their player events in the KPI schema.
pub fn simulated_sessions_csv(spec: &SimulatedSessions) -> anyhow::Result<SimulatedCsv> {
    let algorithms = Algorithm::parse_list(&spec.algos)?;
    let (manifest, config) = setup(&PlayArgs {
        manifest: spec.manifest.clone(),
        buffer_s: spec.buffer_s,
    })?;
    let traces = read_traces(&spec.traces)?;
    for (flag, value) in [
        ("--event-id", &spec.event_id),
        ("--customer", &spec.customer),
    ] {
        anyhow::ensure!(
            !value.trim().is_empty() && !value.contains([',', '"', '\n', '\r']),
            "{flag} `{value}`: expected a non-empty id without commas, quotes or line breaks"
        );
    }
    let runs = simulate_all(&traces, &manifest, &algorithms, &config);
    let rows = merged_beacons(
        &runs,
        manifest.segment_s,
        spec.start_ms,
        spec.join_s,
        spec.seed,
    );
    let players = algorithms.len();
    let mut text = String::with_capacity(rows.len() * 100);
    text.push_str(SESSION_CSV_HEADER);
    text.push('\n');
    for (b, job) in &rows {
        let (trace, algorithm) = (&traces[job / players], algorithms[job % players]);
        let fields = [
            b.ts_ms.to_string(),
            format!("sim-{job}"),
            format!("viewer-{job}"),
            spec.event_id.trim().to_string(),
            spec.customer.trim().to_string(),
            b.kind.name().to_string(),
            b.bitrate_kbps.map_or(String::new(), |k| format!("{k}")),
            // error_code, country, city, device, os, browser: none, or unknown for a
            // simulated player.
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            algorithm.name().to_string(),
            // cdn unknown; the trace stands for the viewer's access network (isp).
            String::new(),
            csv_field(&trace.name),
        ];
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    Ok(SimulatedCsv {
        csv: text,
        events: rows.len(),
        sessions: runs.len(),
        traces: traces.len(),
        players,
    })
}

/// A trace name as one CSV field (quoted when it holds a separator or quote).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
