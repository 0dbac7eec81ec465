//! `streamlens detect`: anomaly detectors on a window table (any CSV of numeric
//! features), evaluated with the k-fold protocol; writes `scores.csv` and
//! `metrics.json`.

use std::collections::BTreeMap;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::flags::{number_in, open_share, share, whole_in};

use streamlens_detect::eval::folds::{Evaluation, FoldPlan, ModelReport, assign_folds};
use streamlens_detect::eval::kfold::{EvalSetup, evaluate};
use streamlens_detect::eval::tune::{TuneMetric, TuneOptions, choose_specs};
use streamlens_detect::pipeline::PipelineSpec;
use streamlens_detect::pipeline::preprocess::{Direction, FeatureSpec, PreprocessSpec};
use streamlens_detect::table::WindowTable;
use streamlens_detect::table::label::LabelExpr;
use streamlens_detect::table::model::TableModel;
use streamlens_detect::table::{TableRequest, read_table};
use streamlens_detect::{Detector, ModelKind, ModelSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    Fisvdd,
    Ocsvm,
    Iforest,
    Mahalanobis,
    Ensemble,
    /// Every detector above.
    All,
}

/// `--tune-metric`: what inner validation judges by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TuneMetricArg {
    Window,
    Group,
    Both,
}

impl From<TuneMetricArg> for TuneMetric {
    fn from(arg: TuneMetricArg) -> Self {
        match arg {
            TuneMetricArg::Window => Self::Window,
            TuneMetricArg::Group => Self::Group,
            TuneMetricArg::Both => Self::Both,
        }
    }
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// A CSV window table with a header.
    pub file: PathBuf,
    /// Feature columns, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub features: Vec<String>,
    /// Bad-class rule on a label column: `col<=v`, `col<v`, `col>=v`, `col>v` or `col==v`.
    #[arg(long)]
    pub label: Option<String>,
    /// Column naming each row's group (e.g. the video); group score = p95 of its windows.
    #[arg(long)]
    pub group_col: Option<String>,
    /// Orders each group's rows in time; needed by memory features such as
    /// `vmaf_mean@mean` (running mean), `@sum`, `@max`, `@min`, `@ewm10` (half-life 10 windows).
    #[arg(long)]
    pub order_col: Option<String>,
    /// Number of folds (needs --fold-col); without it the model is fitted on all normal rows.
    #[arg(long, value_parser = whole_in(2usize, 1000))]
    pub kfold: Option<usize>,
    /// Column whose value keeps rows in the same fold.
    #[arg(long)]
    pub fold_col: Option<String>,
    /// Use the fold column's text before the first occurrence of this separator.
    #[arg(long)]
    pub fold_prefix_sep: Option<String>,
    /// Detector(s), comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "fisvdd")]
    pub model: Vec<ModelArg>,
    /// τ = this quantile of the training scores; rows scoring above τ are flagged.
    #[arg(long, default_value_t = 0.95, value_parser = open_share)]
    pub threshold_quantile: f64,
    /// Kernel width for FISVDD and OCSVM (default: median heuristic).
    #[arg(long, value_parser = number_in(1e-3, 1e4))]
    pub sigma: Option<f64>,
    /// ν of the one-class SVM.
    #[arg(long, default_value_t = 0.05, value_parser = share)]
    pub nu: f64,
    /// FISVDD memory cap: at most this many support vectors.
    #[arg(long, value_parser = whole_in(1usize, 1_000_000))]
    pub max_svs: Option<usize>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Trees of the Isolation Forest (more trees, steadier scores).
    #[arg(long, default_value_t = 100, value_parser = whole_in(1usize, 10_000))]
    pub trees: usize,
    /// Features to transform with log1p (after clipping), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub log1p: Vec<String>,
    /// Features where only high values are anomalous (lower ones are raised to the training median).
    #[arg(long, value_delimiter = ',')]
    pub high_is_bad: Vec<String>,
    /// Features where only low values are anomalous (higher ones are lowered to the training median).
    #[arg(long, value_delimiter = ',')]
    pub low_is_bad: Vec<String>,
    /// Clip features to their training [q, 1−q] quantiles.
    #[arg(long, value_parser = number_in(0.0, 0.49))]
    pub clip_quantile: Option<f64>,
    /// Choose σ / ν / subsample / support fraction per fold by inner validation on the training folds.
    #[arg(long)]
    pub tune: bool,
    /// Features `--tune` may leave out: it adds them one at a time (forward selection
    /// judged on the training folds only) while that helps.
    #[arg(long, value_delimiter = ',', requires = "tune")]
    pub optional_features: Vec<String>,
    /// What `--tune` judges the inner folds by: window ROC AUC, group ROC AUC, or their mean.
    #[arg(long, value_enum, default_value = "both", requires = "tune")]
    pub tune_metric: TuneMetricArg,
    /// Repeat `--tune` N times with moved-on seeds and score with the mean of the N tuned
    /// pipelines (bagging: steadies the noisy feature choice of Isolation Forest).
    #[arg(long, default_value_t = 1, requires = "tune", value_parser = whole_in(1usize, 1000))]
    pub bags: usize,
    /// Also fit each model on all normal rows and save it as DIR/model_<name>.json.
    #[arg(long)]
    pub save_models: bool,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Serialize)]
struct KFoldInfo<'a> {
    k: usize,
    fold_col: &'a str,
    prefix_sep: Option<&'a str>,
    #[serde(flatten)]
    plan: &'a FoldPlan,
}

#[derive(Serialize)]
struct MetricsFile<'a> {
    file: String,
    rows: usize,
    features: &'a [String],
    label: Option<String>,
    group_col: Option<&'a str>,
    kfold: Option<KFoldInfo<'a>>,
    preprocess: &'a PreprocessSpec,
    models: BTreeMap<&'static str, &'a ModelReport>,
}

fn kinds(args: &[ModelArg]) -> Vec<ModelKind> {
    let mut out: Vec<ModelKind> = Vec::new();
    for a in args {
        let add: &[ModelKind] = match a {
            ModelArg::Fisvdd => &[ModelKind::Fisvdd],
            ModelArg::Ocsvm => &[ModelKind::Ocsvm],
            ModelArg::Iforest => &[ModelKind::Iforest],
            ModelArg::Mahalanobis => &[ModelKind::Mahalanobis],
            ModelArg::Ensemble => &[ModelKind::Ensemble],
            ModelArg::All => &ModelKind::ALL,
        };
        for k in add {
            if !out.contains(k) {
                out.push(*k);
            }
        }
    }
    out
}

/// The model spec of a family with the command-line overrides.
fn model_spec(kind: ModelKind, args: &DetectArgs) -> ModelSpec {
    let apply = |spec: ModelSpec| match spec {
        ModelSpec::Fisvdd(p) => {
            ModelSpec::Fisvdd(streamlens_detect::detectors::fisvdd::FisvddParams {
                sigma: args.sigma,
                max_svs: args.max_svs,
                ..p
            })
        }
        ModelSpec::Ocsvm(p) => ModelSpec::Ocsvm(streamlens_detect::detectors::ocsvm::OcsvmParams {
            sigma: args.sigma,
            nu: args.nu,
            ..p
        }),
        ModelSpec::Iforest(p) => {
            ModelSpec::Iforest(streamlens_detect::detectors::iforest::IForestParams {
                trees: args.trees,
                ..p
            })
        }
        other => other,
    };
    match apply(ModelSpec::default_for(kind, args.seed)) {
        ModelSpec::Ensemble(mut e) => {
            e.members = e.members.into_iter().map(apply).collect();
            ModelSpec::Ensemble(e)
        }
        other => other,
    }
}

fn preprocess_spec(args: &DetectArgs) -> anyhow::Result<PreprocessSpec> {
    for (flag, names) in [
        ("--log1p", &args.log1p),
        ("--high-is-bad", &args.high_is_bad),
        ("--low-is-bad", &args.low_is_bad),
        ("--optional-features", &args.optional_features),
    ] {
        if let Some(unknown) = names.iter().find(|n| !args.features.contains(n)) {
            anyhow::bail!("{flag} names `{unknown}`, which is not in --features");
        }
    }
    if let Some(both) = args
        .high_is_bad
        .iter()
        .find(|n| args.low_is_bad.contains(n))
    {
        anyhow::bail!("`{both}` is in both --high-is-bad and --low-is-bad");
    }
    Ok(PreprocessSpec {
        features: args
            .features
            .iter()
            .map(|name| FeatureSpec {
                name: name.clone(),
                log1p: args.log1p.contains(name),
                direction: if args.high_is_bad.contains(name) {
                    Direction::HighIsBad
                } else if args.low_is_bad.contains(name) {
                    Direction::LowIsBad
                } else {
                    Direction::Both
                },
            })
            .collect(),
        clip_quantile: args.clip_quantile,
    })
}

fn write_scores(path: &Path, eval: &Evaluation) -> anyhow::Result<()> {
    let rows = eval.rows.iter().map(|r| {
        vec![
            r.row.to_string(),
            r.group.clone(),
            r.fold.to_string(),
            r.score.to_string(),
            r.flagged.to_string(),
        ]
    });
    let text =
        streamlens_engine::files::csv_text(&["row", "group", "fold", "score", "flagged"], rows);
    streamlens_engine::files::atomic_write(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.4}"))
}

pub fn run(args: &DetectArgs) -> anyhow::Result<()> {
    let label = args.label.as_deref().map(LabelExpr::parse).transpose()?;
    if args.kfold.is_some() != args.fold_col.is_some() {
        anyhow::bail!("--kfold and --fold-col go together");
    }
    let request = TableRequest {
        features: args.features.clone(),
        label_column: label.as_ref().map(|l| l.column.clone()),
        group_column: args.group_col.clone(),
        fold_column: args.fold_col.clone(),
        order_column: args.order_col.clone(),
    };
    let table = read_table(&args.file, &request)?;
    let plan = match (args.kfold, table.folds.as_ref()) {
        (Some(k), Some(values)) => Some(assign_folds(values, k, args.fold_prefix_sep.as_deref())?),
        _ => None,
    };
    let preprocess = preprocess_spec(args)?;
    let tune = args.tune.then(|| TuneOptions {
        fold_sep: args.fold_prefix_sep.clone(),
        optional_features: args.optional_features.clone(),
        metric: args.tune_metric.into(),
        bags: args.bags,
        ..TuneOptions::default()
    });
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let kinds = kinds(&args.model);
    // Tuning with bags can run for minutes: the terminal shows how far it is.
    let evaluations = super::progress::with_stage_lines(|progress| -> anyhow::Result<Vec<_>> {
        let setup = EvalSetup {
            table: &table,
            label: label.as_ref(),
            folds: plan.as_ref(),
            threshold_quantile: args.threshold_quantile,
            progress,
        };
        let mut evaluations = Vec::with_capacity(kinds.len());
        for &kind in &kinds {
            let spec = PipelineSpec {
                preprocess: preprocess.clone(),
                model: model_spec(kind, args),
            };
            let eval = evaluate(&setup, &spec, tune.as_ref())
                .with_context(|| format!("model {}", kind.name()))?;
            let name = if kinds.len() == 1 {
                "scores.csv".to_string()
            } else {
                format!("scores_{}.csv", kind.name())
            };
            write_scores(&args.out.join(name), &eval)?;
            if args.save_models {
                save_model(&table, label.as_ref(), &spec, tune.as_ref(), args, kind)?;
            }
            let r = &eval.report;
            println!(
                "{:<12} window AUC {}  AP {}  F1 {}  flag rate {:.3}  group AUC {}",
                kind.name(),
                fmt_opt(r.window.roc_auc),
                fmt_opt(r.window.average_precision),
                fmt_opt(r.window.at_threshold.f1),
                r.window.at_threshold.flag_rate,
                fmt_opt(r.group.as_ref().and_then(|g| g.roc_auc)),
            );
            evaluations.push((kind, eval));
        }
        Ok(evaluations)
    })?;
    let metrics = MetricsFile {
        file: args.file.display().to_string(),
        rows: table.rows(),
        features: &args.features,
        label: label.as_ref().map(ToString::to_string),
        group_col: args.group_col.as_deref(),
        kfold: plan.as_ref().map(|p| KFoldInfo {
            k: p.keys.len(),
            fold_col: args.fold_col.as_deref().unwrap_or_default(),
            prefix_sep: args.fold_prefix_sep.as_deref(),
            plan: p,
        }),
        preprocess: &preprocess,
        models: evaluations
            .iter()
            .map(|(k, e)| (k.name(), &e.report))
            .collect(),
    };
    let path = args.out.join("metrics.json");
    streamlens_engine::files::atomic_write(
        &path,
        serde_json::to_string_pretty(&metrics)?.as_bytes(),
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `--save-models`: the model fitted on every normal row (tuned on all rows with `--tune`).
/// One pipeline is saved bare; a bag (`--bags` > 1) as a table model with its τ.
fn save_model(
    table: &WindowTable,
    label: Option<&LabelExpr>,
    spec: &PipelineSpec,
    tune: Option<&TuneOptions>,
    args: &DetectArgs,
    kind: ModelKind,
) -> anyhow::Result<()> {
    let all: Vec<usize> = (0..table.rows()).collect();
    let chosen = match tune {
        Some(options) => choose_specs(table, label, &all, spec, options)?,
        None => vec![spec.clone()],
    };
    let bad = streamlens_detect::eval::folds::row_labels(table, label);
    let normal: Vec<usize> = all.into_iter().filter(|&i| !bad[i]).collect();
    let model = TableModel::fit_bag(
        table,
        &normal,
        &chosen,
        args.order_col.clone(),
        args.threshold_quantile,
    )?;
    let path = args.out.join(format!("model_{}.json", kind.name()));
    if model.bag.is_empty() {
        streamlens_detect::save_text(&path, &model.pipeline.to_json()?)?;
    } else {
        model.save(&path)?;
    }
    Ok(())
}
