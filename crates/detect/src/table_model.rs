//! A saved feature-table detector: the pipeline fitted on every normal row of a
//! table, with its threshold and the columns it reads, so another table of the
//! same kind (next month's windows) is scored the same way. JSON, written
//! atomically. Loading also takes the `model_<name>.json` files that
//! `streamlens detect --save-models` writes (a bare pipeline, no threshold; with
//! `--bags`, a table model whose score is the mean of several pipelines).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::evaluate::{ModelReport, fixed_report, gather, row_labels, spec_columns};
use super::model::PipelineSpec;
use super::score_display::ScoreDisplay;
use super::table::{TableRequest, WindowTable, read_table};
use super::table_view::{TableSetup, TableView, rows_map};
use super::{DetectError, Detector, Pipeline};
use streamlens_engine::progress::Progress;
use streamlens_engine::stats::quantile_sorted;

/// Written into every file, checked on load.
pub const FORMAT: &str = "streamlens-table-model/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableModel {
    pub format: String,
    /// Group column that orders memory features (`column@kind`), if the features use any.
    pub order: Option<String>,
    pub pipeline: Pipeline,
    /// More pipelines of a bag (`detect --bags`), each maybe over other columns: the score
    /// is the mean of every pipeline's calibrated score. Empty for one pipeline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bag: Vec<Pipeline>,
    /// Rows scoring above it are flagged; `None` for a bare pipeline from the CLI.
    pub threshold: Option<f64>,
}

impl TableModel {
    /// Fit on every normal row of `table`; τ = the setup's quantile of their scores.
    pub fn fit(
        table: &WindowTable,
        bad: &[bool],
        spec: &PipelineSpec,
        setup: &TableSetup,
    ) -> Result<Self, DetectError> {
        let normal: Vec<usize> = (0..table.rows()).filter(|&i| !bad[i]).collect();
        Self::fit_bag(
            table,
            &normal,
            std::slice::from_ref(spec),
            setup.order.clone(),
            setup.threshold_quantile,
        )
    }

    /// Fit each spec on the `rows` of `table` (a bag when there are several; the score is
    /// the mean of the pipelines' calibrated scores); τ = the `quantile` of those rows' scores.
    pub fn fit_bag(
        table: &WindowTable,
        rows: &[usize],
        specs: &[PipelineSpec],
        order: Option<String>,
        quantile: f64,
    ) -> Result<Self, DetectError> {
        let mut pipelines = Vec::with_capacity(specs.len());
        let mut scores = vec![0.0; rows.len()];
        for spec in specs {
            let cols = spec_columns(table, spec)?;
            let training = gather(table, rows, &cols);
            let pipeline = Pipeline::fit(&training, cols.len(), spec)?;
            add_scores(&mut scores, &pipeline.score_batch(&training));
            pipelines.push(pipeline);
        }
        let mut pipelines = pipelines.into_iter();
        let pipeline = pipelines
            .next()
            .ok_or_else(|| DetectError::BadParameter("no pipeline to fit".into()))?;
        let members = specs.len() as f64;
        for s in &mut scores {
            *s /= members;
        }
        scores.sort_by(f64::total_cmp);
        Ok(Self {
            format: FORMAT.into(),
            order,
            pipeline,
            bag: pipelines.collect(),
            threshold: quantile_sorted(&scores, quantile),
        })
    }

    /// The model's pipelines: the first, then the rest of a bag.
    pub fn pipelines(&self) -> impl Iterator<Item = &Pipeline> {
        std::iter::once(&self.pipeline).chain(&self.bag)
    }

    /// The columns the model reads, in order of first use.
    #[must_use]
    pub fn features(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for name in self.pipelines().flat_map(|p| p.preprocessor.names()) {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
        names
    }

    /// Score the `rows` of `table` (which holds the model's columns, in any order): the
    /// mean of the pipelines' scores.
    pub fn score_rows(&self, table: &WindowTable, rows: &[usize]) -> Result<Vec<f64>, DetectError> {
        let mut total = vec![0.0; rows.len()];
        for p in self.pipelines() {
            let cols = p
                .preprocessor
                .names()
                .map(|name| {
                    table
                        .feature_names
                        .iter()
                        .position(|f| f == name)
                        .ok_or_else(|| {
                            DetectError::BadModel(format!(
                                "the table lacks the model's column `{name}`"
                            ))
                        })
                })
                .collect::<Result<Vec<usize>, _>>()?;
            add_scores(&mut total, &p.score_batch(&gather(table, rows, &cols)));
        }
        let members = (1 + self.bag.len()) as f64;
        Ok(total.into_iter().map(|t| t / members).collect())
    }

    /// Parse and check a saved model or a bare CLI pipeline; `file` names it in errors.
    pub fn from_json(file: &str, text: &str) -> Result<Self, DetectError> {
        let bad = |message: String| DetectError::BadModel(format!("{file}: {message}"));
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(format!("not JSON ({e})")))?;
        let model = match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => serde_json::from_value::<Self>(value)
                .map_err(|e| bad(format!("unexpected content ({e})")))?,
            Some(other) => {
                return Err(bad(format!(
                    "not a feature-table model (format `{other}`, expected `{FORMAT}`)"
                )));
            }
            None => Self {
                format: FORMAT.into(),
                order: None,
                pipeline: serde_json::from_value(value).map_err(|e| {
                    bad(format!(
                        "neither a streamlens table model nor a `detect --save-models` model ({e})"
                    ))
                })?,
                bag: Vec::new(),
                threshold: None,
            },
        };
        for p in model.pipelines() {
            p.validate().map_err(|e| bad(e.to_string()))?;
        }
        if model.threshold.is_some_and(|t| !t.is_finite()) {
            return Err(bad("the threshold is not a number".into()));
        }
        Ok(model)
    }

    pub fn save(&self, path: &Path) -> Result<(), DetectError> {
        super::save_text(path, &serde_json::to_string(self)?)
    }

    pub fn load(path: &Path) -> Result<Self, DetectError> {
        let (file, text) = super::read_text(path)?;
        Self::from_json(&file, &text)
    }
}

fn add_scores(total: &mut [f64], scores: &[f64]) {
    for (t, s) in total.iter_mut().zip(scores) {
        *t += s;
    }
}

/// Score the table at `path` with the saved model at `model_path` (every row,
/// nothing refitted). Label and group columns still come from `setup`.
pub fn score_with_model(
    path: &Path,
    model_path: &Path,
    setup: &TableSetup,
    bins: usize,
    progress: &Progress,
) -> Result<TableView, DetectError> {
    progress.report(0.0, "reading the model");
    let model = TableModel::load(model_path)?;
    let model_file = model_path.display().to_string();
    let request = TableRequest {
        features: model.features(),
        label_column: setup.label.as_ref().map(|l| l.column.clone()),
        group_column: setup.group.clone(),
        fold_column: None,
        order_column: model.order.clone().or_else(|| setup.order.clone()),
    };
    progress.report(0.2, "reading the table");
    let table = read_table(path, &request).map_err(|e| match e {
        DetectError::MissingColumn { column, found, .. } => DetectError::BadModel(format!(
            "{model_file} reads column `{column}`, which {} lacks (columns: {found})",
            path.display()
        )),
        other => other,
    })?;
    if progress.is_cancelled() {
        return Err(DetectError::Cancelled);
    }
    progress.report(0.5, "scoring every row");
    let all: Vec<usize> = (0..table.rows()).collect();
    let scores = model.score_rows(&table, &all)?;
    let bad = row_labels(&table, setup.label.as_ref());
    // A bare pipeline has no τ: the setup's quantile of this table's normal rows.
    let threshold = model.threshold.unwrap_or_else(|| {
        let mut normal: Vec<f64> = (0..table.rows())
            .filter(|&i| !bad[i])
            .map(|i| scores[i])
            .collect();
        normal.sort_by(f64::total_cmp);
        quantile_sorted(&normal, setup.threshold_quantile).unwrap_or(0.0)
    });
    let report: ModelReport = fixed_report(
        &table,
        setup.label.as_ref(),
        &scores,
        threshold,
        setup.threshold_quantile,
        model.pipeline.model.kind().name(),
    );
    let display = ScoreDisplay::new(
        &scores,
        setup.label.is_some().then_some(bad.as_slice()),
        bins,
    );
    progress.report(0.8, "drawing the detector map");
    // Nothing here trained the model. A bag's pipelines see different columns: no one map.
    let map = if model.bag.is_empty() {
        Some(rows_map(
            &table,
            &bad,
            &model.pipeline,
            &[],
            &scores,
            threshold,
            setup.seed,
        )?)
    } else {
        None
    };
    Ok(TableView {
        file: table.file.clone(),
        setup: setup.clone(),
        scores,
        bad,
        display,
        report,
        default_threshold: threshold,
        map,
        model,
        table,
    })
}
