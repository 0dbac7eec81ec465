//! `streamlens detect-events`: which events of the telemetry had a network anomaly, where and
//! when; writes `events.csv` and, with `--labels`, `metrics.json`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::flags::{finite, number_in};
use super::{FilterArgs, InputArgs};
use streamlens_deep::{AutoencoderParams, ClassifierParams};
use streamlens_detect::{ModelKind, ModelSpec};
use streamlens_engine::files::{atomic_write, csv_text};
use streamlens_events::features::WindowFeature;
use streamlens_events::labels::{normal_event_ids, read_labels};
use streamlens_events::saved::EventModel;
use streamlens_events::view::report_view;
use streamlens_events::{EventDetectParams, EventReport, EventRun, run_events};

/// Bars of the score histogram in `--report`.
const REPORT_HISTOGRAM_BINS: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EventModelArg {
    Fisvdd,
    Ocsvm,
    Iforest,
    Mahalanobis,
    Ensemble,
    /// A GRU autoencoder of ten-minute window sequences per level (candle, CPU).
    Deep,
    /// A GRU sequence classifier trained on the labels (class-weighted), each event scored by
    /// a model that did not see it (five folds by event); needs --labels.
    DeepSupervised,
}

impl EventModelArg {
    /// The window detector family, `None` for the deep sequence model.
    fn kind(self) -> Option<ModelKind> {
        match self {
            Self::Fisvdd => Some(ModelKind::Fisvdd),
            Self::Ocsvm => Some(ModelKind::Ocsvm),
            Self::Iforest => Some(ModelKind::Iforest),
            Self::Mahalanobis => Some(ModelKind::Mahalanobis),
            Self::Ensemble => Some(ModelKind::Ensemble),
            Self::Deep | Self::DeepSupervised => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct DetectEventsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Ground truth (`event_id,anomalous,kind,start_ms,end_ms,scope`) → `DIR/metrics.json`.
    #[arg(long, value_name = "LABELS.csv")]
    pub labels: Option<PathBuf>,
    /// Detector fitted per level on the windows themselves.
    #[arg(long, value_enum, default_value = "mahalanobis")]
    pub model: EventModelArg,
    /// Event threshold [default: median + 2.5·1.4826·MAD of the events' excess, exp(score) − 1,
    /// on the score's scale].
    #[arg(long, value_parser = finite)]
    pub threshold: Option<f64>,
    /// A window joins an anomalous span when its smoothed score passes its level's median +
    /// this many robust standard deviations (1.4826·MAD).
    #[arg(long, default_value_t = 3.0, value_parser = number_in(0.0, 1e6))]
    pub window_mads: f64,
    /// Cities and segments with fewer viewers in a usual minute are not scored on their own.
    #[arg(long, default_value_t = 3.0, value_parser = number_in(0.0, 1e9))]
    pub min_viewers: f64,
    /// Window features the detectors see, comma-separated, from `qoe_mean`, `qoe_p10`, `bad_share`,
    /// `buffer_mean`, `buffer_p90`, `engagement_mean` [default: every one the data has].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "NAMES",
        conflicts_with = "use_model"
    )]
    pub window_features: Vec<String>,
    /// With `--model deep` or `deep-supervised`: most training epochs per candidate of the
    /// search or per fold (early stopping usually ends sooner).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub epochs: Option<u32>,
    /// Seed of the training subsample and of randomised detectors.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Also save the fitted detectors and thresholds, to score other telemetry the same way.
    #[arg(long, value_name = "MODEL.json")]
    pub save_model: Option<PathBuf>,
    /// Score with a saved model (its detectors, thresholds and settings) instead of fitting on
    /// this data; `--threshold` still overrides its event threshold.
    #[arg(long, value_name = "MODEL.json", conflicts_with_all = ["model", "window_mads", "min_viewers"])]
    pub use_model: Option<PathBuf>,
    /// Fit the detectors only on the windows of events the labels mark normal (instead of on
    /// every event, robust to the anomalous ones).
    #[arg(long, requires = "labels", conflicts_with = "use_model")]
    pub fit_on_normal: bool,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// With a deep model: also write `DIR/report.md` (features, architecture, loss, training,
    /// metric — with this run's numbers, beside Mahalanobis on the same data when labelled)
    /// and its SVG charts.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
}

impl DetectEventsArgs {
    fn params(&self) -> anyhow::Result<EventDetectParams> {
        if !(self.window_mads.is_finite() && self.window_mads > 0.0) {
            anyhow::bail!(
                "--window-mads {}: expected a positive number",
                self.window_mads
            );
        }
        let mut params = EventDetectParams {
            threshold: self.threshold,
            window_mads: self.window_mads,
            ..EventDetectParams::default()
        };
        if let Some(kind) = self.model.kind() {
            if self.epochs.is_some() {
                anyhow::bail!("--epochs applies to --model deep and deep-supervised only");
            }
            params.score.model = ModelSpec::default_for(kind, self.seed);
        } else if self.model == EventModelArg::DeepSupervised {
            if self.labels.is_none() {
                anyhow::bail!(
                    "--model deep-supervised learns from labels: add --labels LABELS.csv"
                );
            }
            if self.save_model.is_some() || self.fit_on_normal {
                anyhow::bail!(
                    "--model deep-supervised scores each event with a model trained on the other \
                     folds' events: there is no single model to save, and it trains on every \
                     labelled event (drop --save-model / --fit-on-normal)"
                );
            }
            let defaults = ClassifierParams::default();
            params.score.supervised = Some(ClassifierParams {
                epochs: self.epochs.map_or(defaults.epochs, |e| e as usize),
                seed: self.seed,
                ..defaults
            });
        } else {
            let defaults = AutoencoderParams::default();
            params.score.deep = Some(AutoencoderParams {
                epochs: self.epochs.map_or(defaults.epochs, |e| e as usize),
                seed: self.seed,
                ..defaults
            });
        }
        params.score.seed = self.seed;
        params.score.min_viewers = self.min_viewers;
        if !self.window_features.is_empty() {
            let features = self
                .window_features
                .iter()
                .map(|name| {
                    WindowFeature::from_name(name.trim()).with_context(|| {
                        let known: Vec<&str> =
                            WindowFeature::ALL.iter().map(|f| f.name()).collect();
                        format!(
                            "--window-features: unknown feature `{name}`; known: {}",
                            known.join(", ")
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            params.features = Some(features);
        }
        Ok(params)
    }
}

/// `events.csv`: one row per event, highest score first.
#[must_use]
pub fn events_csv(report: &EventReport) -> String {
    let mut order: Vec<usize> = (0..report.events.len()).collect();
    order.sort_by(|&a, &b| report.events[b].score.total_cmp(&report.events[a].score));
    let rows = order.into_iter().map(|i| {
        let e = &report.events[i];
        let (cause, scope, start, end) = e.root.as_ref().map_or_else(
            || (String::new(), String::new(), String::new(), String::new()),
            |r| {
                (
                    r.text.clone(),
                    r.scope.clone(),
                    r.start_ms.to_string(),
                    r.end_ms.to_string(),
                )
            },
        );
        // An event with no scored window (too few viewers at every level) has no score:
        // an empty cell, as in the other CSVs, not `NaN`.
        let score_cell = if e.score.is_finite() {
            format!("{:.6}", e.score)
        } else {
            String::new()
        };
        vec![
            e.event_id.clone(),
            score_cell,
            u8::from(e.flagged).to_string(),
            cause,
            scope,
            start,
            end,
        ]
    });
    csv_text(
        &[
            "event_id",
            "score",
            "flagged",
            "root_cause",
            "scope",
            "start_ms",
            "end_ms",
        ],
        rows,
    )
}

pub fn run(args: &DetectEventsArgs) -> anyhow::Result<()> {
    if let Some(path) = &args.save_model {
        super::check_output_file("--save-model", path)?;
    }
    let params = args.params()?;
    if args.report.is_some() && args.use_model.is_none() && params.score.deep.is_none() {
        anyhow::bail!(
            "--report describes a deep model: add --model deep (or --use-model with a saved deep model)"
        );
    }
    let labels = args.labels.as_deref().map(read_labels).transpose()?;
    let dataset = args.input.load()?;
    let filter = args.filter.to_filter(&dataset)?;
    let saved = args
        .use_model
        .as_deref()
        .map(EventModel::load)
        .transpose()?;
    if args.report.is_some()
        && saved
            .as_ref()
            .is_some_and(|m| m.params.score.deep.is_none())
    {
        anyhow::bail!("--report describes a deep model, and the --use-model file holds none");
    }
    let normal: Option<Vec<String>> = labels
        .as_deref()
        .filter(|_| args.fit_on_normal)
        .map(normal_event_ids);
    let run = EventRun {
        params: &params,
        saved: saved.as_ref(),
        maps: false,
        normal_events: normal.as_deref(),
        training: None,
        labels: labels.as_deref(),
    };
    let started = std::time::Instant::now();
    let out = super::progress::with_stage_lines(|progress| {
        run_events(&dataset, &filter, &run, progress)
    })?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.save_model {
        out.model.save(path)?;
        println!("saved the event model to {}", path.display());
    }
    let view = report_view(out.report, labels.as_deref(), REPORT_HISTOGRAM_BINS);
    if let Some(dir) = &args.report {
        let data = super::deep_report::DataRun {
            files: &args.input.files,
            dataset: &dataset,
            filter: &filter,
            run: &run,
            seconds,
        };
        super::deep_report::write(dir, &data, &view, &out.model)?;
    }
    let report = view.report;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let path = args.out.join("events.csv");
    atomic_write(&path, events_csv(&report).as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let flagged = report.events.iter().filter(|e| e.flagged).count();
    let scored = report.events.iter().filter(|e| e.score.is_finite()).count();
    let unscored = report.events.len() - scored;
    let unscored_note = if unscored > 0 {
        format!(" ({unscored} more had too few viewers in every minute to score; empty score)")
    } else {
        String::new()
    };
    println!(
        "{scored} events scored{unscored_note} ({} rows), {flagged} flagged at threshold {:.3}; wrote {}",
        report.rows,
        report.threshold,
        path.display()
    );
    let mut top: Vec<_> = report.events.iter().filter(|e| e.flagged).collect();
    top.sort_by(|a, b| b.score.total_cmp(&a.score));
    for e in top.iter().take(10) {
        let cause = e.root.as_ref().map_or("", |r| r.text.as_str());
        println!("  event {} score {:.2}: {cause}", e.event_id, e.score);
    }
    super::incident_kinds::write(&args.out, &report, labels.as_deref(), args.seed)?;
    if let Some(labels) = labels {
        let metrics = report.metrics(&labels);
        let path = args.out.join("metrics.json");
        atomic_write(&path, serde_json::to_string_pretty(&metrics)?.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!(
            "roc_auc {} average_precision {} scope_hit_rate {} ({} labelled, {} anomalous); wrote {}",
            fmt_opt(metrics.roc_auc),
            fmt_opt(metrics.average_precision),
            fmt_opt(metrics.scope_hit_rate),
            metrics.labelled_events,
            metrics.anomalous_events,
            path.display()
        );
    }
    Ok(())
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.4}"))
}
