//! `streamlens kpis`: player sessions → views → streaming KPIs, overall and by dimension.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::parse_time;
use std::collections::{BTreeMap, BTreeSet};

use streamlens_report::chart::render::ImageFormat;
use streamlens_report::sessions_export::SessionsReport;
use streamlens_sessions::{
    Kpis, Minute, NamedComparison, PlayerLog, Query, ReadReport, Sessions, ViewFilter, answer,
    cdn_report_between, compare, minutes, read_cdn_file, read_player_file,
};

#[derive(Debug, Args)]
pub struct KpisArgs {
    /// Player-event files (CSV, gzip CSV, JSON Lines or Parquet); several are read as one log.
    /// A folder stands for the Parquet partitions a collector rolled into it.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Also break the KPIs down by these dimensions (comma-separated: country,device,cdn,…).
    #[arg(long, value_delimiter = ',', value_name = "DIMENSIONS")]
    pub by: Vec<String>,
    /// Only the views of this event (webcast or video) id.
    #[arg(long, value_name = "ID")]
    pub event: Option<String>,
    /// Only views whose first request carries this dimension value, as DIMENSION=VALUE
    /// (repeat: values of one dimension are alternatives, dimensions must all match).
    #[arg(long = "only", value_name = "DIMENSION=VALUE", value_parser = parse_only)]
    pub only: Vec<(String, String)>,
    /// Only views first requested at or after this time (unix ms or ISO-8601).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Only views first requested at or before this time (unix ms or ISO-8601).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Compare with the views first requested in a second period (with `--compare-to`):
    /// each KPI in both, the difference and a test where one applies, under `compare`.
    #[arg(long, value_name = "TIME", requires = "compare_to")]
    pub compare_from: Option<String>,
    #[arg(long, value_name = "TIME", requires = "compare_from")]
    pub compare_to: Option<String>,
    /// Compare with the views of other files (read as one log: another week's export, say)
    /// under the same filter, side by side like `--compare-from`.
    #[arg(long = "compare-files", value_name = "FILE", num_args = 1..,
          conflicts_with_all = ["compare_from", "compare_to"])]
    pub compare_files: Vec<PathBuf>,
    /// Also the series per UTC minute: concurrent views, and of the views requested in each
    /// minute failures, start-up p50/p95 and rebuffer share (`minutes` in JSON).
    #[arg(long)]
    pub minutes: bool,
    /// Write kpis.json, charts, CSV tables and report.html into this folder (created if
    /// missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Chart image format in --out.
    #[arg(long, value_enum, default_value = "png", requires = "out")]
    pub charts: super::analyze::ChartFormat,
    /// CDN log files (Edgecast JSON Lines) whose records in the views' time span go into
    /// the --out report.
    #[arg(long, value_name = "FILE", requires = "out")]
    pub cdn: Vec<PathBuf>,
    /// Any bad row is an error instead of being dropped.
    #[arg(long)]
    pub strict: bool,
    /// Alert when a KPI of the views requested in a minute crosses this threshold
    /// (repeat: `startup_p95_s=4`, `rebuffer_share=0.02`, `failure_share=0.05`, `min_views=5`);
    /// listed overall and per value of the first --by dimension (`alerts` in JSON).
    #[arg(long = "alert", value_name = "KPI=VALUE", value_parser = super::kpis_alerts::parse_alert)]
    pub alerts: Vec<(String, f64)>,
    /// Which engine computes: this process (`local`), or Apache Spark (`spark`: a Python job
    /// run with --python against --spark-remote or --spark-master; prints the JSON).
    #[arg(long, value_enum, default_value = "local")]
    pub engine: Engine,
    /// Spark Connect server for --engine spark, e.g. `sc://127.0.0.1:15002`.
    #[arg(long, value_name = "URL", conflicts_with = "spark_master")]
    pub spark_remote: Option<String>,
    /// Classic Spark master for --engine spark without --spark-remote.
    #[arg(long, value_name = "MASTER", default_value = "local[2]")]
    pub spark_master: String,
    /// A Spark SQL setting for --engine spark, e.g. `spark.sql.shuffle.partitions=64`
    /// (repeat).
    #[arg(long = "spark-conf", value_name = "KEY=VALUE")]
    pub spark_conf: Vec<String>,
    /// Python with pyspark for --engine spark (also `STREAMLENS_PYTHON`).
    #[arg(long, value_name = "PATH")]
    pub python: Option<String>,
    /// Print JSON: the KPI keys at the top level and `by` → dimension → value → the same keys.
    #[arg(long)]
    pub json: bool,
}

/// The player events of `files` as one log.
fn read_log(files: &[PathBuf], strict: bool) -> anyhow::Result<PlayerLog> {
    let mut log: Option<PlayerLog> = None;
    let mut expanded = Vec::new();
    for path in files {
        if path.is_dir() {
            let rolled = streamlens_collector::roll::rolled_files(path)
                .with_context(|| format!("{}: cannot list its partitions", path.display()))?;
            if rolled.is_empty() {
                anyhow::bail!(
                    "{}: no Parquet partitions (date=…/hour=…/*.parquet) yet; a collector rolls \
                     its segments into them seconds after their first batch",
                    path.display()
                );
            }
            expanded.extend(rolled);
        } else {
            expanded.push(path.clone());
        }
    }
    for path in &expanded {
        let read = read_player_file(path, strict)?;
        match &mut log {
            Some(log) => log.append(&read),
            None => log = Some(read),
        }
    }
    log.context("no files")
}

/// File names as one label.
fn names(files: &[PathBuf]) -> String {
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

/// Where the KPIs are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    Local,
    Spark,
}

pub fn run(args: &KpisArgs) -> anyhow::Result<()> {
    if args.engine == Engine::Spark {
        let target = super::kpis_spark::SparkTarget {
            remote: args.spark_remote.clone(),
            master: args.spark_master.clone(),
            python: args
                .python
                .clone()
                .or_else(|| std::env::var("STREAMLENS_PYTHON").ok())
                .unwrap_or_else(|| "python3".into()),
        };
        refuse_local_only(args)?;
        let job = super::kpis_spark::SparkJob {
            files: &args.files,
            by: &args.by,
            minutes: args.minutes,
            out: args.out.as_deref(),
            conf: &args.spark_conf,
        };
        return super::kpis_spark::run(&job, &target);
    }
    let log = read_log(&args.files, args.strict)?;
    let filter = ViewFilter {
        event: args.event.clone(),
        from_ms: args
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?,
        to_ms: args
            .to
            .as_deref()
            .map(|t| parse_time("to", t))
            .transpose()?,
        values: only_values(&args.only),
    };
    let sessions = Sessions::new(log);
    let result = sessions
        .report(&filter, &args.by)
        .map_err(anyhow::Error::msg)?;
    let series = if args.minutes {
        let views = sessions.select(&filter).map_err(anyhow::Error::msg)?;
        Some(minutes(&views, MAX_MINUTES).with_context(|| {
            format!("the views span more than {MAX_MINUTES} minutes; narrow them with --from/--to")
        })?)
    } else {
        None
    };
    let alerts = if args.alerts.is_empty() {
        None
    } else {
        let thresholds = super::kpis_alerts::thresholds(&args.alerts);
        let by = args.by.first().map(String::as_str);
        Some(
            streamlens_sessions::alerts(&sessions, &filter, by, &thresholds)
                .map_err(anyhow::Error::msg)?,
        )
    };
    let comparison = match (&args.compare_from, &args.compare_to) {
        (Some(from), Some(to)) => {
            let second = ViewFilter {
                from_ms: Some(parse_time("compare-from", from)?),
                to_ms: Some(parse_time("compare-to", to)?),
                ..filter.clone()
            };
            let a = sessions.select(&filter).map_err(anyhow::Error::msg)?;
            let b = sessions.select(&second).map_err(anyhow::Error::msg)?;
            let none = sessions.no_request;
            Some(NamedComparison {
                first: "the filter".into(),
                second: format!("{from} to {to}"),
                comparison: compare((&a, none), (&b, none)),
            })
        }
        _ if !args.compare_files.is_empty() => {
            let other = Sessions::new(read_log(&args.compare_files, args.strict)?);
            let a = sessions.select(&filter).map_err(anyhow::Error::msg)?;
            let b = other
                .select(&filter)
                .map_err(|e| anyhow::anyhow!("{}: {e}", names(&args.compare_files)))?;
            Some(NamedComparison {
                first: names(&args.files),
                second: names(&args.compare_files),
                comparison: compare((&a, sessions.no_request), (&b, other.no_request)),
            })
        }
        _ => None,
    };
    if let Some(dir) = &args.out {
        write_folder(args, &sessions, &filter, comparison.as_ref(), dir)?;
    }
    let r = &sessions.log.report;
    if let Some(first) = &r.first_drop {
        let dropped: u64 = r.dropped.values().sum();
        let rows = if dropped == 1 { "row" } else { "rows" };
        eprintln!("note: {dropped} {rows} dropped (first: {first})");
    }
    if !r.columns_left_out.is_empty() {
        eprintln!(
            "note: Parquet columns of a type streamlens cannot read, left out: {}",
            r.columns_left_out.join(", ")
        );
    }
    if args.json {
        let mut json = serde_json::to_value(&result)?;
        if let Some(object) = json.as_object_mut() {
            if let Some(c) = &comparison {
                object.insert("compare".into(), serde_json::to_value(&c.comparison.kpis)?);
            }
            if let Some(series) = &series {
                object.insert("minutes".into(), serde_json::to_value(series)?);
            }
            if let Some(alerts) = &alerts {
                object.insert("alerts".into(), serde_json::to_value(alerts)?);
            }
        }
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    print!("{}", render_text(&result.overall));
    for (dimension, values) in &result.by {
        println!("\nby {dimension}:");
        for (value, k) in values {
            println!(
                "  {value}: {} views, failures {}, startup p50 {} ms, rebuffering {}, experience {}",
                k.views,
                percent(k.failure_share),
                fixed(k.startup_ms.p50, 0),
                percent(k.rebuffer_share),
                fixed(k.experience_score, 1),
            );
        }
    }
    if let Some(series) = &series {
        print!("\n{}", render_minutes(series));
    }
    if let Some(c) = &comparison {
        print!("\n{}", render_comparison(c));
    }
    if let Some(alerts) = &alerts {
        print!("\n{}", super::kpis_alerts::render(alerts));
    }
    Ok(())
}

/// `--engine spark` computes every view's KPIs, breakdowns and minutes: the filters and
/// comparisons are the local engine's, refused by name.
fn refuse_local_only(args: &KpisArgs) -> anyhow::Result<()> {
    let local_only = [
        ("--event", args.event.is_some()),
        ("--only", !args.only.is_empty()),
        ("--from", args.from.is_some()),
        ("--to", args.to.is_some()),
        ("--compare-from", args.compare_from.is_some()),
        ("--compare-files", !args.compare_files.is_empty()),
        ("--cdn", !args.cdn.is_empty()),
        ("--alert", !args.alerts.is_empty()),
        ("--strict", args.strict),
    ];
    let used: Vec<&str> = local_only
        .iter()
        .filter(|(_, on)| *on)
        .map(|(f, _)| *f)
        .collect();
    anyhow::ensure!(
        used.is_empty(),
        "--engine spark computes the KPIs of every view, their --by breakdowns and --minutes; \
         {} need the local engine (drop --engine spark)",
        used.join(", ")
    );
    Ok(())
}

fn parse_only(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!(
            "`{text}`: expected DIMENSION=VALUE, e.g. country=Germany"
        )),
    }
}

fn only_values(only: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut values: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, value) in only {
        values
            .entry(name.clone())
            .or_default()
            .insert(value.clone());
    }
    values
}

/// `--out`: the report folder (with the comparison asked for), with the CDN records of the
/// views' time span.
fn write_folder(
    args: &KpisArgs,
    sessions: &Sessions,
    filter: &ViewFilter,
    comparison: Option<&NamedComparison>,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let query = Query {
        filter: filter.clone(),
        by: args.by.clone(),
        compare: None,
    };
    let mut answer = answer(sessions, &query).map_err(anyhow::Error::msg)?;
    answer.comparison = comparison.cloned();
    let mut records = Vec::new();
    let mut read = ReadReport::default();
    for path in &args.cdn {
        let (more, report) = read_cdn_file(path, args.strict)?;
        records.extend(more);
        read.absorb(report);
    }
    let cdn = answer
        .span
        .and_then(|(from, to)| cdn_report_between(&records, read, from, to));
    let report = SessionsReport {
        source: &names(&args.files),
        filter: &filter.describe(),
        answer: &answer,
        cdn: cdn.as_ref(),
        charts: match args.charts {
            super::analyze::ChartFormat::Png => Some(ImageFormat::Png),
            super::analyze::ChartFormat::Svg => Some(ImageFormat::Svg),
            super::analyze::ChartFormat::None => None,
        },
    };
    let written = report.write(dir)?;
    eprintln!("wrote {} files to {}", written.len(), dir.display());
    Ok(())
}

/// Longest series printed or written (≈ 69 days of minutes).
const MAX_MINUTES: usize = 100_000;

/// The per-minute series as a table.
fn render_minutes(series: &[Minute]) -> String {
    let mut out = String::from(
        "minute (UTC)          concurrent  requested  failures  startup p50 / p95 (ms)  rebuffering\n",
    );
    for m in series {
        let _ = writeln!(
            out,
            "{:<20}  {:>10}  {:>9}  {:>8}  {:>22}  {:>11}",
            streamlens_engine::time_fmt::format_iso(m.minute_ms),
            m.concurrent_views,
            m.requested_views,
            m.failures,
            format!(
                "{} / {}",
                fixed(m.startup_p50_ms, 0),
                fixed(m.startup_p95_ms, 0)
            ),
            percent(m.rebuffer_share),
        );
    }
    out
}

/// Each compared KPI: first, second, difference and the test's p-value.
fn render_comparison(named: &NamedComparison) -> String {
    let c = &named.comparison;
    let mut out = format!(
        "{} compared with {} (second − first):\n",
        named.first, named.second
    );
    let width = c.kpis.keys().map(|k| k.len()).max().unwrap_or(0);
    for (key, k) in &c.kpis {
        let p = match (k.test, k.p_value) {
            (Some(test), Some(p)) => format!("  ({test}: p = {p:.3})"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{key:>width$}: {} → {}  ({}){p}",
            fixed(k.first, 4),
            fixed(k.second, 4),
            fixed(k.difference, 4),
        );
    }
    out
}

fn fixed(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.digits$}"))
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{:.2} %", v * 100.0))
}

/// The overall KPIs as aligned `key: value` lines.
#[must_use]
pub fn render_text(k: &Kpis) -> String {
    let peak_minute = k
        .peak_minute_ms
        .map_or_else(|| "n/a".into(), streamlens_engine::time_fmt::format_iso);
    let lines = [
        ("views", k.views.to_string()),
        (
            "sessions without request",
            k.sessions_without_request.to_string(),
        ),
        ("unique viewers", k.unique_viewers.to_string()),
        ("failures", percent(k.failure_share)),
        ("video start failures", percent(k.vsf_share)),
        ("exits before start", percent(k.ebvs_share)),
        ("startup mean (ms)", fixed(k.startup_ms.mean, 0)),
        (
            "startup p50 / p90 / p95 (ms)",
            format!(
                "{} / {} / {}",
                fixed(k.startup_ms.p50, 0),
                fixed(k.startup_ms.p90, 0),
                fixed(k.startup_ms.p95, 0)
            ),
        ),
        ("watch time (h)", format!("{:.2}", k.watch_time_s / 3600.0)),
        ("mean session (s)", fixed(k.session_duration_s, 1)),
        ("rebuffering", percent(k.rebuffer_share)),
        ("stalls per hour", fixed(k.stalls_per_hour, 2)),
        ("mean bitrate (kbps)", fixed(k.mean_bitrate_kbps, 0)),
        (
            "peak concurrent views",
            format!("{} at {peak_minute}", k.peak_concurrent_views),
        ),
        ("playback success score", fixed(k.playback_success_score, 1)),
        ("startup score", fixed(k.startup_score, 1)),
        ("smoothness score", fixed(k.smoothness_score, 1)),
        ("experience score", fixed(k.experience_score, 1)),
    ];
    let width = lines.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (key, value) in lines {
        let _ = writeln!(out, "{key:>width$}: {value}");
    }
    out
}
