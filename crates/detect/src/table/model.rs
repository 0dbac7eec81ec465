//! A saved feature-table detector: the pipeline fitted on every normal row of a
//! table, with its threshold and the columns it reads, so another table of the
//! same kind (next month's windows) is scored the same way. JSON, written
//! atomically. Loading also takes the `model_<name>.json` files that
//! `streamlens detect --save-models` writes (a bare pipeline, no threshold; with
//! `--bags`, a table model whose score is the mean of several pipelines).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::eval::folds::{gather, spec_columns};
use crate::pipeline::PipelineSpec;
use crate::table::WindowTable;
use crate::{DetectError, Detector, Pipeline};
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
        crate::save_text(path, &serde_json::to_string(self)?)
    }

    pub fn load(path: &Path) -> Result<Self, DetectError> {
        let (file, text) = crate::read_text(path)?;
        Self::from_json(&file, &text)
    }
}

fn add_scores(total: &mut [f64], scores: &[f64]) {
    for (t, s) in total.iter_mut().zip(scores) {
        *t += s;
    }
}
