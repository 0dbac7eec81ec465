//! The headless face: parse arguments, call the engine, print or write results.
//! No computation lives here.

pub mod abr;
pub mod analyze;
pub mod beacons;
pub mod cdn;
pub mod collect;
pub mod deep_report;
pub mod detect;
pub mod detect_events;
pub mod flags;
pub mod generate;
pub mod generate_sessions;
pub mod incident_kinds;
pub mod kpis;
pub mod kpis_alerts;
pub mod kpis_spark;
pub mod progress;
pub mod segments;
pub mod summary;
pub mod traffic;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use streamlens_engine::Filter;
use streamlens_engine::dataset::Dataset;
use streamlens_engine::io::LoadOptions;
use streamlens_engine::io::values::{parse_iso8601_ms, parse_number};

/// Analytics for live-video-streaming event telemetry.
#[derive(Debug, Parser)]
#[command(
    name = "streamlens",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Telemetry files (CSV, gzip CSV, Parquet) to open in the window.
    pub files: Vec<PathBuf>,
    /// Treat any bad row as an error instead of dropping it.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Dataset facts and Overview numbers for the filtered rows.
    Summary(summary::SummaryArgs),
    /// The seven analyses: analysis.json, charts, CSV tables and report.html in one folder.
    Analyze(analyze::AnalyzeArgs),
    /// Write seeded synthetic telemetry with labelled network anomalies.
    Generate(generate::GenerateArgs),
    /// Anomaly detectors on a window table (CSV of numeric features), k-fold evaluated.
    Detect(detect::DetectArgs),
    /// Which events had a network anomaly, where and when (root cause); scored per minute.
    DetectEvents(detect_events::DetectEventsArgs),
    /// Viewer segments: viewers clustered by engagement and `QoE` profile (k-means).
    Segments(segments::SegmentsArgs),
    /// Live or video on demand? Classify streaming traffic from network-stats captures.
    Traffic(traffic::TrafficArgs),
    /// Streaming KPIs from player events: views, start-up, failures, rebuffering, scores.
    Kpis(kpis::KpisArgs),
    /// CDN quality of service from Edgecast log records: errors, long responses, cache hits.
    Cdn(cdn::CdnArgs),
    /// Network what-if: adaptive-bitrate players replayed on throughput traces.
    Abr(abr::AbrArgs),
    /// Beacon collector: players POST events over HTTP; stored durably, rolled into Parquet.
    Collect(collect::CollectArgs),
    /// Beacon load: replay player events into a collector at a set rate, bounded in time.
    Beacons(beacons::BeaconsArgs),
}

/// Run a subcommand.
pub fn run(command: &Command) -> anyhow::Result<()> {
    match command {
        Command::Summary(args) => summary::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Detect(args) => detect::run(args),
        Command::DetectEvents(args) => detect_events::run(args),
        Command::Segments(args) => segments::run(args),
        Command::Traffic(args) => traffic::run(args),
        Command::Kpis(args) => kpis::run(args),
        Command::Cdn(args) => cdn::run(args),
        Command::Abr(args) => abr::run(args),
        Command::Collect(args) => collect::run(args),
        Command::Beacons(args) => beacons::run(args),
    }
}

/// Why the window should not open for these arguments, as a usage message: a word that is
/// neither a file nor a subcommand (a misspelt subcommand), or a subcommand placed after a
/// top-level option (`streamlens --strict summary f.csv`), which clap reads as files.
#[must_use]
pub fn window_arguments_problem(cli: &Cli) -> Option<String> {
    use clap::CommandFactory;
    let subcommands: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let missing = cli.files.iter().find(|f| !f.exists())?;
    let word = missing.to_string_lossy();
    if subcommands.iter().any(|s| *s == word) {
        return Some(format!(
            "`{word}` is a subcommand: put options such as --strict after it \
             (streamlens {word} --strict FILE…)"
        ));
    }
    Some(format!(
        "`{word}`: no such file, and not a subcommand (subcommands: {}); \
         see streamlens --help",
        subcommands.join(", ")
    ))
}

/// An error and its causes on one line, each cause once: a message that already quotes its
/// cause (as "cannot read the file: No such file" does) is not followed by it again.
#[must_use]
pub fn error_message(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    streamlens_engine::error::bounded_message(text)
}

/// Checks before any work that `path` (given with `flag`) can be written later: its folder
/// exists and is a folder, so a long run does not fail only at its end.
pub fn check_output_file(flag: &str, path: &Path) -> anyhow::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !folder.is_dir() {
        anyhow::bail!(
            "{flag} {}: the folder {} does not exist",
            path.display(),
            folder.display()
        );
    }
    if path.is_dir() {
        anyhow::bail!(
            "{flag} {}: is a folder, expected a file name",
            path.display()
        );
    }
    Ok(())
}

/// Files to load and how.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Telemetry files (CSV with , ; tab or | delimiters, gzip CSV, Parquet); several make one dataset.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Treat any bad row as an error instead of dropping it.
    #[arg(long)]
    pub strict: bool,
}

impl InputArgs {
    pub fn load(&self) -> anyhow::Result<Dataset> {
        let options = LoadOptions {
            strict: self.strict,
            ..LoadOptions::default()
        };
        Ok(progress::load_with_bar(&self.files, &options)?)
    }
}

/// The filter flags every analysing subcommand takes (each repeatable).
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Keep only this customer (repeat for several).
    #[arg(long = "customer", value_name = "ID")]
    pub customers: Vec<String>,
    /// Keep only this country.
    #[arg(long = "country", value_name = "ID")]
    pub countries: Vec<String>,
    /// Keep only this city.
    #[arg(long = "city", value_name = "ID")]
    pub cities: Vec<String>,
    /// Keep only this viewer type (WFH or WFO).
    #[arg(long = "viewer-type", value_name = "TYPE")]
    pub viewer_types: Vec<String>,
    /// Keep only this event.
    #[arg(long = "event", value_name = "ID")]
    pub events: Vec<String>,
    /// Keep samples at or after this time (unix ms or ISO-8601).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Keep samples at or before this time (unix ms or ISO-8601).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
}

/// Writes through `write` atomically (see `streamlens_engine::files`): on failure `path` is
/// left untouched and no temporary file remains.
pub fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut value = None;
    let mut failure = None;
    let written = streamlens_engine::files::atomic_write_with(path, |out| match write(out) {
        Ok(v) => {
            value = Some(v);
            Ok(())
        }
        Err(e) => {
            let message = e.to_string();
            failure = Some(e);
            Err(std::io::Error::other(message))
        }
    });
    if let Some(e) = failure {
        return Err(e.context(format!("writing {}", path.display())));
    }
    written.with_context(|| format!("writing {}", path.display()))?;
    value.ok_or_else(|| anyhow::anyhow!("writing {}: nothing written", path.display()))
}

fn parse_time(flag: &str, text: &str) -> anyhow::Result<i64> {
    parse_number(text)
        .map(|v| v as i64)
        .or_else(|| parse_iso8601_ms(text))
        .with_context(|| {
            format!("--{flag} `{text}`: expected unix ms or ISO-8601 like 2024-03-04T10:00:00Z")
        })
}

impl FilterArgs {
    /// The filter, checked against the dataset so a typo names the known values.
    pub fn to_filter(&self, dataset: &Dataset) -> anyhow::Result<Filter> {
        let mut filter = Filter::default();
        for (column, values) in [
            ("customer_id", &self.customers),
            ("country_id", &self.countries),
            ("city_id", &self.cities),
            ("viewer_type", &self.viewer_types),
            ("event_id", &self.events),
        ] {
            for v in values {
                let label = if column == "viewer_type" {
                    v.trim().to_uppercase()
                } else {
                    v.trim().to_string()
                };
                filter
                    .selections
                    .entry(column.to_string())
                    .or_default()
                    .insert(label);
            }
        }
        filter.time_from_ms = self
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?;
        filter.time_to_ms = self
            .to
            .as_deref()
            .map(|t| parse_time("to", t))
            .transpose()?;
        filter.check_known(dataset)?;
        Ok(filter)
    }
}
