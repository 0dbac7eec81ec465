//! A feature table scored with a saved model: every row, nothing refitted; label and group
//! columns still come from the setup.

use std::path::Path;

use crate::DetectError;
use crate::eval::folds::{ModelReport, fixed_report, row_labels};
use crate::eval::score_display::ScoreDisplay;
use crate::table::model::TableModel;
use crate::table::view::{TableSetup, TableView, rows_map};
use crate::table::{TableRequest, read_table};
use streamlens_engine::progress::Progress;
use streamlens_engine::stats::quantile_sorted;

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
            "{model_file} reads column `{column}`, which {} lacks (columns: {})",
            path.display(),
            streamlens_engine::error::quote(&found)
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
