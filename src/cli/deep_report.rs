//! `detect-events --report DIR`: the deep model's report, with Mahalanobis fitted on the same
//! events as the side-by-side baseline when there are labels to judge both.

use std::path::{Path, PathBuf};

use anyhow::Context;

use streamlens_detect::{ModelKind, ModelSpec};
use streamlens_engine::Filter;
use streamlens_engine::dataset::Dataset;
use streamlens_engine::progress::Progress;
use streamlens_events::saved::EventModel;
use streamlens_events::view::ReportView;
use streamlens_events::{EventDetectParams, EventRun, run_events};
use streamlens_report::deep_report::{DeepReportInput, write_deep_report};

/// The deep run the report is about.
pub struct DataRun<'a> {
    /// The telemetry files it read.
    pub files: &'a [PathBuf],
    pub dataset: &'a Dataset,
    pub filter: &'a Filter,
    pub run: &'a EventRun<'a>,
    pub seconds: f64,
}

/// Writes the report of `view` (scored by `model`) into `dir`.
pub fn write(
    dir: &Path,
    data: &DataRun<'_>,
    view: &ReportView,
    model: &EventModel,
) -> anyhow::Result<()> {
    let baseline = match &view.metrics {
        Some(_) => {
            let labels: Vec<_> = view.labels.iter().flatten().cloned().collect();
            let report = baseline_run(data, model)?;
            Some(report.metrics(&labels))
        }
        None => None,
    };
    let files: Vec<String> = data.files.iter().map(|p| p.display().to_string()).collect();
    let filter = data.filter.describe(data.dataset);
    let description = if filter.is_empty() {
        files.join(", ")
    } else {
        format!("{} (filter: {})", files.join(", "), filter.join("; "))
    };
    let input = DeepReportInput {
        view,
        model,
        data: &description,
        baseline: baseline.as_ref().map(|m| ("Mahalanobis", m)),
        seconds: data.seconds,
    };
    let written = write_deep_report(dir, &input)
        .with_context(|| format!("cannot write the report into {}", dir.display()))?;
    println!(
        "wrote the deep model's report ({} files) to {}",
        written.len(),
        dir.join("report.md").display()
    );
    Ok(())
}

/// The classical baseline: robust Mahalanobis per level, on the same features, viewers
/// floor, seed and training events as the deep run.
fn baseline_run(
    data: &DataRun<'_>,
    model: &EventModel,
) -> anyhow::Result<streamlens_events::EventReport> {
    let deep = &model.params;
    let mut params = EventDetectParams {
        features: Some(model.features.clone()),
        // Its own default threshold: the two detectors' scores are on different scales.
        threshold: None,
        ..deep.clone()
    };
    params.score.deep = None;
    params.score.model = ModelSpec::default_for(ModelKind::Mahalanobis, deep.score.seed);
    let run = EventRun {
        params: &params,
        saved: None,
        maps: false,
        normal_events: data.run.normal_events,
        training: None,
        labels: None,
    };
    eprintln!("fitting Mahalanobis on the same events for the report's comparison");
    let out = run_events(data.dataset, data.filter, &run, &Progress::new())?;
    Ok(out.report)
}
