//! A saved feature-table detector: the pipeline fitted on every normal row of a
//! table, with its threshold and the columns it reads, so another table of the
//! same kind (next month's windows) is scored the same way. JSON, written
//! atomically. Loading also takes the `model_<name>.json` files that
//! `streamlens detect --save-models` writes (a bare pipeline, no threshold).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::evaluate::{ModelReport, fixed_report, gather, row_labels, spec_columns};
use super::model::PipelineSpec;
use super::score_display::ScoreDisplay;
use super::table::{TableRequest, WindowTable, read_table};
use super::table_view::{TableSetup, TableView, rows_map};
use super::{DetectError, Detector, Pipeline};
use crate::engine::progress::Progress;
use crate::engine::stats::quantile_sorted;

/// Written into every file, checked on load.
pub const FORMAT: &str = "streamlens-table-model/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableModel {
    pub format: String,
    /// Group column that orders memory features (`column@kind`), if the features use any.
    pub order: Option<String>,
    pub pipeline: Pipeline,
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
        let cols = spec_columns(table, spec)?;
        let rows = gather(table, &normal, &cols);
        let pipeline = Pipeline::fit(&rows, cols.len(), spec)?;
        let mut scores = pipeline.score_batch(&rows);
        scores.sort_by(f64::total_cmp);
        Ok(Self {
            format: FORMAT.into(),
            order: setup.order.clone(),
            pipeline,
            threshold: quantile_sorted(&scores, setup.threshold_quantile),
        })
    }

    /// The columns the model reads, in its order.
    #[must_use]
    pub fn features(&self) -> Vec<String> {
        self.pipeline
            .preprocessor
            .names()
            .map(ToString::to_string)
            .collect()
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
                threshold: None,
            },
        };
        model.pipeline.validate().map_err(|e| bad(e.to_string()))?;
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
    let scores = model.pipeline.score_batch(&table.features);
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
    // Nothing here trained the model.
    let map = rows_map(
        &table,
        &bad,
        &model.pipeline,
        &[],
        &scores,
        threshold,
        setup.seed,
    )?;
    Ok(TableView {
        file: table.file.clone(),
        setup: setup.clone(),
        scores,
        bad,
        display,
        report,
        default_threshold: threshold,
        map: Some(map),
        model,
        table,
    })
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::engine::detect::ModelKind;
    use crate::engine::detect::label::LabelExpr;
    use crate::engine::detect::table_view::score_table;

    /// Normal rows on a small circle, bad rows far away; `shift` moves every row.
    fn write_table(path: &Path, shift: f64) {
        let mut text = String::from("video,t,x,y,quality\n");
        for i in 0..120 {
            let a = f64::from(i) / 120.0 * std::f64::consts::TAU;
            let video = if i % 2 == 0 { "a_1" } else { "b_1" };
            let (x, y) = (shift + a.sin() * 0.3, shift + a.cos() * 0.3);
            writeln!(text, "{video},{i},{x},{y},1").unwrap();
        }
        for i in 0..10 {
            writeln!(
                text,
                "c_{i},{i},{},{},-1",
                shift + 5.0 + f64::from(i),
                shift - 5.0
            )
            .unwrap();
        }
        std::fs::write(path, text).unwrap();
    }

    fn setup() -> TableSetup {
        TableSetup {
            features: vec!["x".into(), "y".into(), "x@mean".into()],
            label: Some(LabelExpr::parse("quality<=0").unwrap()),
            group: Some("video".into()),
            order: Some("t".into()),
            fold_column: Some("video".into()),
            fold_prefix: true,
            folds: 3,
            model: ModelKind::Mahalanobis,
            ..TableSetup::default()
        }
    }

    #[test]
    fn saved_model_scores_another_table_like_the_fitted_pipeline() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.csv");
        write_table(&first, 0.0);
        let view = score_table(&first, &setup(), 20, &Progress::new()).unwrap();
        assert_eq!(view.model.features(), vec!["x", "y", "x@mean"]);
        let tau = view.model.threshold.expect("a fitted model has τ");
        let model_path = dir.path().join("model.json");
        view.model.save(&model_path).unwrap();

        // A second table, shifted: scored by the saved model, nothing refitted.
        let second = dir.path().join("second.csv");
        write_table(&second, 0.5);
        let with_model = TableSetup {
            model_file: Some(model_path.clone()),
            ..setup()
        };
        let scored = score_table(&second, &with_model, 20, &Progress::new()).unwrap();
        assert!((scored.default_threshold - tau).abs() < 1e-9);
        let table = read_table(
            &second,
            &TableRequest {
                features: view.model.features(),
                group_column: Some("video".into()),
                order_column: Some("t".into()),
                ..TableRequest::default()
            },
        )
        .unwrap();
        let expected = view.model.pipeline.score_batch(&table.features);
        for (a, b) in scored.scores.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        assert_eq!(scored.report.window.roc_auc, Some(1.0));
        assert!(scored.report.folds.is_empty());
        let map = scored.map.expect("a map is drawn");
        assert_eq!(map.map.training_rows, 0);
    }

    #[test]
    fn bare_cli_pipelines_load_and_wrong_files_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.csv");
        write_table(&first, 0.0);
        let view = score_table(&first, &setup(), 20, &Progress::new()).unwrap();
        // As `detect --save-models` writes it: the pipeline alone, no τ.
        let bare = serde_json::to_string(&view.model.pipeline).unwrap();
        let model = TableModel::from_json("bare.json", &bare).unwrap();
        assert_eq!(model.threshold, None);
        assert_eq!(model.features(), vec!["x", "y", "x@mean"]);

        let e = TableModel::from_json("m.json", r#"{"format":"streamlens-event-model/1"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("m.json") && e.contains("not a feature-table model"),
            "{e}"
        );
        let e = TableModel::from_json("m.json", "{oops")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not JSON"), "{e}");

        // A table without the model's columns: the error names the model and the column.
        let other = dir.path().join("other.csv");
        std::fs::write(&other, "video,t,x,quality\na,0,1,1\n").unwrap();
        let model_path = dir.path().join("model.json");
        view.model.save(&model_path).unwrap();
        let with_model = TableSetup {
            model_file: Some(model_path),
            ..setup()
        };
        let e = score_table(&other, &with_model, 20, &Progress::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("model.json reads column `y`"), "{e}");
    }
}
