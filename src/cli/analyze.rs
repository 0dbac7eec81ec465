//! `streamlens analyze`: the seven analyses on the filtered rows, written as
//! `analysis.json`, charts, CSV tables and `report.html` into one folder.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::flags::{number_in, share, whole_in};
use super::{FilterArgs, InputArgs};
use streamlens_engine::analysis::differences::DifferenceParams;
use streamlens_engine::analysis::over_time::{OverTimeParams, TimeAxis};
use streamlens_engine::analysis::rows::{GroupBy, Metric};
use streamlens_engine::analysis::suite::{AnalysisKind, AnalysisParams, run as run_analyses};
use streamlens_report::chart::render::ImageFormat;
use streamlens_report::export::{ReportInput, write_report};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChartFormat {
    Png,
    Svg,
    None,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GroupArg {
    Customer,
    Country,
    City,
    ViewerType,
    None,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CalendarArg {
    Hour,
    Day,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MetricArg {
    Qoe,
    Engagement,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Folder to write analysis.json, charts, CSV tables and report.html into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Chart image format.
    #[arg(long, value_enum, default_value = "png")]
    pub charts: ChartFormat,
    /// Over time: group the distributions by this column.
    #[arg(long, value_enum, default_value = "viewer-type")]
    pub group: GroupArg,
    /// Over time: groups shown by name (the rest become "other").
    #[arg(long, default_value_t = 6, value_parser = whole_in(1usize, 100))]
    pub top_k: usize,
    /// Over time: bin width in minutes since each event's start.
    #[arg(long, default_value_t = 1, value_name = "MINUTES", value_parser = whole_in(1u32, 10_080))]
    pub bin_minutes: u32,
    /// Over time: use calendar hours or days (UTC) instead of minutes since event start.
    #[arg(long, value_enum)]
    pub calendar: Option<CalendarArg>,
    /// Differences: the metric compared.
    #[arg(long, value_enum, default_value = "qoe")]
    pub metric: MetricArg,
    /// Differences: minimum samples in the group and in the rest of its customer.
    #[arg(long, default_value_t = 30, value_parser = whole_in(1usize, 1_000_000_000))]
    pub min_samples: usize,
    /// Differences: a group differs when q < this ...
    #[arg(long, default_value_t = 0.01, value_parser = share)]
    pub max_q: f64,
    /// ... and the KS statistic D ≥ this (the effect floor).
    #[arg(long, default_value_t = 0.1, value_parser = number_in(0.0, 1.0))]
    pub min_d: f64,
}

impl AnalyzeArgs {
    fn params(&self) -> AnalysisParams {
        let group = match self.group {
            GroupArg::Customer => Some(GroupBy::Customer),
            GroupArg::Country => Some(GroupBy::Country),
            GroupArg::City => Some(GroupBy::City),
            GroupArg::ViewerType => Some(GroupBy::ViewerType),
            GroupArg::None => None,
        };
        let axis = match self.calendar {
            Some(CalendarArg::Hour) => TimeAxis::Hour,
            Some(CalendarArg::Day) => TimeAxis::Day,
            None => TimeAxis::EventMinutes(self.bin_minutes.max(1)),
        };
        AnalysisParams {
            over_time: OverTimeParams {
                group,
                top_k: self.top_k,
                axis,
            },
            differences: DifferenceParams {
                metric: match self.metric {
                    MetricArg::Qoe => Metric::Qoe,
                    MetricArg::Engagement => Metric::Engagement,
                },
                min_samples: self.min_samples,
                max_q: self.max_q,
                min_d: self.min_d,
                ecdf_customer: None,
            },
        }
    }
}

pub fn run(args: &AnalyzeArgs) -> anyhow::Result<()> {
    let dataset = args.input.load()?;
    let filter = args.filter.to_filter(&dataset)?;
    for line in dataset.report.dropped_lines() {
        eprintln!("note: {line}");
    }
    let left_out = streamlens_engine::analysis::correlation::columns_left_out(&dataset);
    if left_out > 0 {
        eprintln!(
            "note: correlations use the first {} numeric columns; {left_out} more are left out",
            streamlens_engine::analysis::correlation::MAX_CORRELATED_COLUMNS
        );
    }
    let params = args.params();
    let analyses = run_analyses(&dataset, &filter, &params, &AnalysisKind::ALL)?;
    let charts = match args.charts {
        ChartFormat::Png => Some(ImageFormat::Png),
        ChartFormat::Svg => Some(ImageFormat::Svg),
        ChartFormat::None => None,
    };
    let written = write_report(
        &args.out,
        &ReportInput {
            dataset: &dataset,
            filter: &filter,
            params: &params,
            analyses: &analyses,
            charts,
        },
    )?;
    println!(
        "analysed {} rows; wrote {} files to {}",
        analyses.rows,
        written.len(),
        args.out.display()
    );
    Ok(())
}
