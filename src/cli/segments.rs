//! `streamlens segments`: viewers of the filtered telemetry clustered by their engagement and
//! `QoE` profile; writes the segments, their split by country and viewer type, every viewer's
//! segment, and two charts.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{FilterArgs, InputArgs};
use streamlens_clusters::viewers::viewer_segments;
use streamlens_engine::files::atomic_write;
use streamlens_report::chart::render::{self, ImageFormat};
use streamlens_report::export::CHART_SIZE;
use streamlens_report::segment_tables::{
    segments_scatter, segments_table, split_chart, split_table, viewers_table,
};

#[derive(Debug, Args)]
pub struct SegmentsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Seed of k-means' starts.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: &SegmentsArgs) -> anyhow::Result<()> {
    let dataset = args.input.load()?;
    let filter = args.filter.to_filter(&dataset)?;
    let segments = super::progress::with_stage_lines(|progress| {
        viewer_segments(&dataset, &filter, args.seed, progress)
    })?;
    if segments.profiles.is_empty() {
        anyhow::bail!("no viewer passes the filters: nothing to segment");
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    for table in [
        segments_table(&segments),
        split_table(&segments),
        viewers_table(&dataset, &segments),
    ] {
        let path = args.out.join(format!("{}.csv", table.id));
        atomic_write(&path, table.to_csv().as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut charts = vec![segments_scatter(&segments)];
    charts.extend(segments.splits.iter().map(|s| split_chart(&segments, s)));
    for spec in &charts {
        let path = args.out.join(format!("{}.svg", spec.id));
        render::save(spec, &path, ImageFormat::Svg, CHART_SIZE.0, CHART_SIZE.1)?;
    }
    println!(
        "{} viewers in {} segments{}; wrote {}",
        segments.profiles.len(),
        segments.segments.len(),
        segments
            .silhouette
            .map_or_else(String::new, |s| format!(" (silhouette {s:.3})")),
        args.out.join("viewer_segments.csv").display()
    );
    for g in &segments.segments {
        println!(
            "  {} viewers ({:.1} %) · {}: {}",
            g.viewers,
            100.0 * g.share,
            g.name,
            g.description
        );
    }
    Ok(())
}
