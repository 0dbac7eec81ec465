//! `streamlens abr office`: N viewers behind one office link — the ladder capped at each
//! bitrate, and the cap to recommend ([`streamlens_abr::capacity`]).

use std::fmt::Write as _;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use streamlens_abr::Algorithm;
use streamlens_abr::capacity::{REBUFFER_TARGET, STALLED_ALLOWED, advise};
use streamlens_abr::office::Office;
use streamlens_engine::Filter;
use streamlens_engine::analysis::concurrency::{CityPeak, peak_concurrent_by_city};
use streamlens_engine::io::{LoadOptions, load_paths};
use streamlens_engine::time_fmt;

use super::{PlayArgs, setup};
use crate::cli::flags::{number_in, whole_in};

#[derive(Debug, Args)]
pub struct OfficeArgs {
    /// Viewers behind the link (or --telemetry with --city to take a city's peak).
    #[arg(long, value_name = "N", value_parser = whole_in(1usize, 100_000),
          required_unless_present = "telemetry", conflicts_with = "telemetry")]
    pub viewers: Option<usize>,
    /// Telemetry files: the viewers are the peak concurrent in-office (WFO) viewers of
    /// --city — the most distinct viewers with a sample in one minute.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub telemetry: Vec<PathBuf>,
    /// The city (its `city_id` in the telemetry) whose office is asked about.
    #[arg(long, value_name = "ID", requires = "telemetry")]
    pub city: Option<String>,
    /// The office link's capacity in Mbit/s, shared fairly by the downloads in progress.
    #[arg(long = "link-mbps", value_name = "MBPS", value_parser = number_in(0.01, 1_000_000.0))]
    pub link_mbps: f64,
    /// Player: rate, bba, bola, mpc or robust-mpc.
    #[arg(long, value_name = "NAME", default_value = "bola")]
    pub algo: String,
    #[command(flatten)]
    pub play: PlayArgs,
    /// Latency per request in milliseconds.
    #[arg(long = "latency-ms", value_name = "MS", default_value_t = 20.0, value_parser = number_in(0.0, 60_000.0))]
    pub latency_ms: f64,
    /// Viewers join at random over this many seconds (the webcast's start).
    #[arg(long = "join-s", value_name = "SECONDS", default_value_t = 60.0, value_parser = number_in(0.0, 86_400.0))]
    pub join_s: f64,
    /// Random seed for the join times.
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &OfficeArgs) -> anyhow::Result<()> {
    let algorithm = Algorithm::parse(&args.algo)?;
    let (manifest, config) = setup(&args.play)?;
    let viewers = match (args.viewers, &args.city) {
        (Some(n), _) => n,
        (None, city) => {
            let peak = city_peak(&args.telemetry, city.as_deref())?;
            if !args.json {
                println!(
                    "{}: peak of {} concurrent in-office viewers (the minute from {} UTC)",
                    peak.city,
                    peak.viewers,
                    time_fmt::format_utc_minute(peak.minute_ms)
                );
            }
            peak.viewers as usize
        }
    };
    let office = Office {
        viewers,
        link_mbps: args.link_mbps,
        latency_s: args.latency_ms / 1000.0,
        buffer_cap_s: config.buffer_cap_s,
        join_s: args.join_s,
        seed: args.seed,
    };
    let advice = advise(&manifest, algorithm, &office);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&advice)?);
        return Ok(());
    }
    let mut text = format!(
        "{} viewers on {} Mbit/s ({:.0} kbit/s each if all download at once), {}, buffer cap {} s\n\
         {:>10} {:>9} {:>9} {:>9} {:>14} {:>9}\n",
        office.viewers,
        office.link_mbps,
        office.link_mbps * 1000.0 / office.viewers as f64,
        algorithm.name(),
        office.buffer_cap_s,
        "cap kbit/s",
        "QoE mean",
        "kbit/s",
        "rebuf %",
        "viewers ≥1 %",
        "start s",
    );
    for o in &advice.outcomes {
        writeln!(
            text,
            "{:>10.0} {:>9.3} {:>9.0} {:>9.3} {:>13.1}% {:>9.2}",
            o.cap_kbps,
            o.qoe_lin_mean,
            o.bitrate_kbps_mean,
            100.0 * o.rebuffer_ratio_mean,
            100.0 * o.stalled_share,
            o.startup_s_mean
        )?;
    }
    match advice.recommended_cap_kbps {
        Some(cap) => writeln!(
            text,
            "recommended: cap the ladder at {cap:.0} kbit/s (the highest cap with the mean \
             rebuffer ratio under {:.0} % and at most {:.0} % of viewers at or above it)",
            100.0 * REBUFFER_TARGET,
            100.0 * STALLED_ALLOWED
        )?,
        None => writeln!(
            text,
            "no cap keeps the rebuffer ratio under {:.0} %: even the lowest rendition \
             stalls — the link is too small for {} viewers",
            100.0 * REBUFFER_TARGET,
            office.viewers
        )?,
    }
    if let Some(best) = advice.best_qoe_cap_kbps {
        writeln!(
            text,
            "highest mean QoE_lin: with the cap at {best:.0} kbit/s"
        )?;
    }
    print!("{text}");
    Ok(())
}

/// The peak concurrent WFO viewers of `city` in the telemetry; without a city, an error
/// listing every city's peak so the user can choose.
fn city_peak(files: &[PathBuf], city: Option<&str>) -> anyhow::Result<CityPeak> {
    let dataset = load_paths(files, &LoadOptions::default())?;
    let mut filter = Filter::default();
    filter.toggle("viewer_type", "WFO");
    if let Some(city) = city {
        filter.toggle("city_id", city.trim());
    }
    filter
        .check_known(&dataset)
        .context("--city: not a city of the telemetry")?;
    let peaks = peak_concurrent_by_city(&dataset, &filter)?;
    match (city, peaks.as_slice()) {
        (Some(_), [peak]) => Ok(peak.clone()),
        (Some(city), _) => {
            anyhow::bail!("--city {city}: no in-office (WFO) viewers in the telemetry")
        }
        (None, []) => anyhow::bail!("the telemetry has no in-office (WFO) viewers"),
        (None, all) => {
            let mut list: Vec<&CityPeak> = all.iter().collect();
            list.sort_by(|a, b| b.viewers.cmp(&a.viewers).then(a.city.cmp(&b.city)));
            let shown: Vec<String> = list
                .iter()
                .take(20)
                .map(|p| format!("{} ({} viewers)", p.city, p.viewers))
                .collect();
            anyhow::bail!(
                "choose the office with --city; peak concurrent in-office viewers: {}{}",
                shown.join(", "),
                if list.len() > 20 { ", …" } else { "" }
            )
        }
    }
}
