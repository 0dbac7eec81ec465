//! A feature table scored for the Anomalies tab: the `detect` protocol (out-of-fold scores
//! when a fold column is chosen, each fold's detector fitted on the other folds' normal rows),
//! the threshold display of those scores, and the detector fitted on all normal rows drawn on
//! its PCA plane.

mod saved;
use std::collections::BTreeMap;
use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use serde::{Deserialize, Serialize};

use crate::eval::folds::{ModelReport, assign_folds, row_labels};
use crate::eval::kfold::{EvalSetup, evaluate};
use crate::eval::score_display::ScoreDisplay;
use crate::map::{LabelledMap, MapRequest, ModelMap};
use crate::pipeline::PipelineSpec;
use crate::pipeline::preprocess::{Direction, FeatureSpec, PreprocessSpec};
use crate::table::label::LabelExpr;
use crate::table::model::TableModel;
use crate::table::view::saved::score_with_model;
use crate::table::{TableRequest, WindowTable, read_table};
use crate::{DetectError, Detector, ModelKind, ModelSpec, Pipeline};
use streamlens_engine::progress::Progress;
use streamlens_engine::stats::quantile_sorted;

/// The user's choices for a feature table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSetup {
    pub features: Vec<String>,
    /// Which rows are bad (for metrics and for leaving them out of training).
    pub label: Option<LabelExpr>,
    /// Rows of one group (video, session) are summarised together.
    pub group: Option<String>,
    /// Folds by this column (`None`: fit on every normal row and score in-sample).
    pub fold_column: Option<String>,
    /// Orders each group's rows in time, for memory features (`column@kind`).
    #[serde(default)]
    pub order: Option<String>,
    /// Features where only one side is anomalous (the other is set to the training median).
    #[serde(default)]
    pub directions: BTreeMap<String, Direction>,
    /// Features transformed with `log1p` before standardising.
    #[serde(default)]
    pub log1p: Vec<String>,
    /// Score with this saved model (every row, nothing refitted) instead of fitting folds.
    #[serde(default)]
    pub model_file: Option<std::path::PathBuf>,
    /// Fold by the fold column's text before its first `_`.
    pub fold_prefix: bool,
    pub folds: usize,
    pub model: ModelKind,
    /// τ of each fold = this quantile of its training scores.
    pub threshold_quantile: f64,
    pub seed: u64,
}

impl Default for TableSetup {
    fn default() -> Self {
        Self {
            features: Vec::new(),
            label: None,
            group: None,
            fold_column: None,
            order: None,
            model_file: None,
            directions: BTreeMap::new(),
            log1p: Vec::new(),
            fold_prefix: false,
            folds: 5,
            model: ModelKind::Fisvdd,
            threshold_quantile: 0.95,
            seed: 7,
        }
    }
}

impl TableSetup {
    /// The setup as scoring sees it: the order column only when a memory feature needs it,
    /// shaping only of chosen features, and with a saved model, nothing of the fitting
    /// choices. Two setups with the same key give the same scores.
    #[must_use]
    pub fn scoring_key(&self) -> Self {
        let mut key = self.clone();
        if key.model_file.is_some() {
            return Self {
                label: key.label,
                group: key.group,
                order: key.order,
                model_file: key.model_file,
                threshold_quantile: key.threshold_quantile,
                ..Self::default()
            };
        }
        let needs_order = key.features.iter().any(|f| {
            crate::table::memory::FeatureRef::parse(f).is_ok_and(|r| {
                r.memory
                    .is_some_and(crate::table::memory::MemoryKind::needs_order)
            })
        });
        if !needs_order {
            key.order = None;
        }
        key.directions
            .retain(|name, _| self.features.contains(name));
        key.log1p.retain(|name| self.features.contains(name));
        key
    }
}

/// The scored table, ready to draw.
#[derive(Debug, Clone)]
pub struct TableView {
    pub file: String,
    pub setup: TableSetup,
    pub table: WindowTable,
    /// Out-of-fold (or in-sample) score of every row.
    pub scores: Vec<f64>,
    /// Per row: bad by the label expression (all false without one).
    pub bad: Vec<bool>,
    pub display: ScoreDisplay,
    pub report: ModelReport,
    /// The median of the folds' thresholds.
    pub default_threshold: f64,
    pub map: Option<LabelledMap>,
    /// The detector fitted on every normal row (or the opened model), ready to save.
    pub model: TableModel,
}

/// Reads `path` and scores it as `setup` says.
pub fn score_table(
    path: &Path,
    setup: &TableSetup,
    bins: usize,
    progress: &Progress,
) -> Result<TableView, DetectError> {
    if let Some(model_path) = &setup.model_file {
        return score_with_model(path, model_path, setup, bins, progress);
    }
    if setup.features.is_empty() {
        return Err(DetectError::NoFeatures);
    }
    let request = TableRequest {
        features: setup.features.clone(),
        label_column: setup.label.as_ref().map(|l| l.column.clone()),
        group_column: setup.group.clone(),
        fold_column: setup.fold_column.clone(),
        order_column: setup.order.clone(),
    };
    let table = read_table(path, &request)?;
    let plan = match &table.folds {
        Some(values) => Some(assign_folds(
            values,
            setup.folds,
            setup.fold_prefix.then_some("_"),
        )?),
        None => None,
    };
    let spec = pipeline_spec(&table, setup);
    let evaluation = evaluate(
        &EvalSetup {
            table: &table,
            label: setup.label.as_ref(),
            folds: plan.as_ref(),
            threshold_quantile: setup.threshold_quantile,
            progress,
        },
        &spec,
        None,
    )?;
    if progress.is_cancelled() {
        return Err(DetectError::Cancelled);
    }
    progress.report(0.9, "fitting the detector on every normal row");
    let scores: Vec<f64> = evaluation.rows.iter().map(|r| r.score).collect();
    let bad = row_labels(&table, setup.label.as_ref());
    let mut taus: Vec<f64> = evaluation
        .report
        .folds
        .iter()
        .map(|f| f.threshold)
        .collect();
    taus.sort_by(f64::total_cmp);
    let default_threshold = quantile_sorted(&taus, 0.5).unwrap_or(0.0);
    let display = ScoreDisplay::new(
        &scores,
        setup.label.is_some().then_some(bad.as_slice()),
        bins,
    );
    // Fit on every normal row; τ = the setup's quantile of their scores.
    let normal: Vec<usize> = (0..table.rows()).filter(|&i| !bad[i]).collect();
    let model = TableModel::fit_bag(
        &table,
        &normal,
        std::slice::from_ref(&spec),
        setup.order.clone(),
        setup.threshold_quantile,
    )?;
    progress.report(0.95, "fitting the detector map");
    let map = table_map(&table, &bad, &spec, setup, &model)?;
    Ok(TableView {
        model,
        file: table.file.clone(),
        setup: setup.clone(),
        scores,
        bad,
        display,
        report: evaluation.report,
        default_threshold,
        map,
        table,
    })
}

fn pipeline_spec(table: &WindowTable, setup: &TableSetup) -> PipelineSpec {
    PipelineSpec {
        preprocess: PreprocessSpec {
            features: table
                .feature_names
                .iter()
                .map(|name| FeatureSpec {
                    name: name.clone(),
                    log1p: setup.log1p.contains(name),
                    direction: setup.directions.get(name).copied().unwrap_or_default(),
                })
                .collect(),
            clip_quantile: None,
        },
        model: ModelSpec::default_for(setup.model, setup.seed),
    }
}

/// The detector fitted on the normal rows drawn with every row it scores: the saved-model
/// fit itself, except for FISVDD, which is fitted again on half of them (seeded) so the
/// other half is left to feed incrementally.
fn table_map(
    table: &WindowTable,
    bad: &[bool],
    spec: &PipelineSpec,
    setup: &TableSetup,
    fitted: &TableModel,
) -> Result<Option<LabelledMap>, DetectError> {
    let mut training: Vec<usize> = (0..table.rows()).filter(|&i| !bad[i]).collect();
    if training.len() < 2 {
        return Ok(None);
    }
    if setup.model != ModelKind::Fisvdd || training.len() < 4 {
        let scores = fitted.pipeline.score_batch(&table.features);
        let threshold = fitted.threshold.unwrap_or(0.0);
        return rows_map(
            table,
            bad,
            &fitted.pipeline,
            &training,
            &scores,
            threshold,
            setup.seed,
        )
        .map(Some);
    }
    let mut rng = StdRng::seed_from_u64(setup.seed);
    training.shuffle(&mut rng);
    training.truncate(training.len() / 2);
    training.sort_unstable();
    let dim = table.feature_names.len();
    let train_rows: Vec<f64> = training
        .iter()
        .flat_map(|&i| table.features[i * dim..(i + 1) * dim].iter().copied())
        .collect();
    let pipeline = Pipeline::fit(&train_rows, dim, spec)?;
    let scores = pipeline.score_batch(&table.features);
    let mut train_scores: Vec<f64> = training.iter().map(|&i| scores[i]).collect();
    train_scores.sort_by(f64::total_cmp);
    let threshold = quantile_sorted(&train_scores, setup.threshold_quantile).unwrap_or(0.0);
    rows_map(
        table, bad, &pipeline, &training, &scores, threshold, setup.seed,
    )
    .map(Some)
}

/// A table's rows on `pipeline`'s map, each point labelled with its row; rows labelled bad
/// are never fed to the model as normal.
pub(crate) fn rows_map(
    table: &WindowTable,
    bad: &[bool],
    pipeline: &Pipeline,
    training: &[usize],
    scores: &[f64],
    threshold: f64,
    seed: u64,
) -> Result<LabelledMap, DetectError> {
    let normal: Vec<bool> = bad.iter().map(|b| !b).collect();
    let map = ModelMap::build(&MapRequest {
        pipeline,
        rows: &table.features,
        training,
        feedable: Some(&normal),
        scores,
        threshold,
        seed,
    })?;
    let labels = map
        .points
        .iter()
        .map(|p| row_label(table, bad, p.row))
        .collect();
    let groups = map.points.iter().map(|p| p.row).collect();
    Ok(LabelledMap {
        name: "table rows".into(),
        features: table.feature_names.clone(),
        map,
        labels,
        groups,
    })
}

/// `row 12 · AirShow_….mat · bad` (rows numbered as in a spreadsheet: the header is row 1).
#[must_use]
pub fn row_label(table: &WindowTable, bad: &[bool], row: usize) -> String {
    let mut text = format!("row {}", row + 2);
    if let Some(g) = table.groups.as_ref().and_then(|g| g.get(row)) {
        text.push_str(" · ");
        text.push_str(g);
    }
    if bad.get(row).copied().unwrap_or(false) {
        text.push_str(" · labelled bad");
    }
    text
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    /// Two groups of normal rows near the origin, one group far away labelled bad.
    fn write_table(dir: &Path) -> std::path::PathBuf {
        let mut text = String::from("video,x,y,quality\n");
        for i in 0..120 {
            let t = f64::from(i) / 120.0;
            let video = if i % 2 == 0 { "a_1" } else { "b_1" };
            writeln!(text, "{video},{},{},1", t.sin() * 0.3, t.cos() * 0.3).unwrap();
        }
        for i in 0..10 {
            writeln!(text, "c_{i},{},{},-1", 5.0 + f64::from(i), -5.0).unwrap();
        }
        let path = dir.join("table.csv");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn far_bad_rows_rank_on_top_and_the_map_is_drawn() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_table(dir.path());
        let setup = TableSetup {
            features: vec!["x".into(), "y".into()],
            label: Some(LabelExpr::parse("quality<=0").unwrap()),
            group: Some("video".into()),
            fold_column: Some("video".into()),
            fold_prefix: true,
            folds: 3,
            model: ModelKind::Mahalanobis,
            ..TableSetup::default()
        };
        let view = score_table(&path, &setup, 20, &Progress::new()).unwrap();
        assert_eq!(view.scores.len(), 130);
        assert_eq!(view.bad.iter().filter(|&&b| b).count(), 10);
        assert_eq!(view.report.window.roc_auc, Some(1.0));
        assert_eq!(view.report.folds.len(), 3);
        let at = view.display.sweep.at(view.default_threshold);
        assert_eq!(
            at.recall,
            Some(1.0),
            "every far row flagged at the default τ"
        );
        let map = view.map.unwrap();
        assert_eq!(map.labels.len(), map.map.points.len());
        assert!(map.labels[0].contains("labelled bad"), "{}", map.labels[0]);
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_table(dir.path());
        let none = TableSetup::default();
        assert!(matches!(
            score_table(&path, &none, 20, &Progress::new()),
            Err(DetectError::NoFeatures)
        ));
        let missing = TableSetup {
            features: vec!["nope".into()],
            ..TableSetup::default()
        };
        let e = score_table(&path, &missing, 20, &Progress::new()).unwrap_err();
        assert!(e.to_string().contains("`nope`"), "{e}");
        let fine = TableSetup {
            features: vec!["x".into()],
            ..TableSetup::default()
        };
        assert!(matches!(
            score_table(&path, &fine, 20, &{
                let p = Progress::new();
                p.cancel();
                p
            }),
            Err(DetectError::Cancelled)
        ));
    }

    #[test]
    fn scoring_key_drops_choices_that_cannot_change_scores() {
        let mut setup = TableSetup {
            features: vec!["x".into()],
            order: Some("t".into()),
            ..TableSetup::default()
        };
        setup.directions.insert("gone".into(), Direction::LowIsBad);
        setup.log1p.push("x".into());
        let key = setup.scoring_key();
        assert_eq!(key.order, None, "no memory feature uses the order");
        assert!(key.directions.is_empty());
        assert_eq!(key.log1p, vec!["x".to_string()]);
        setup.features.push("x@mean".into());
        assert_eq!(setup.scoring_key().order.as_deref(), Some("t"));
        let with_model = TableSetup {
            model_file: Some("m.json".into()),
            ..setup.clone()
        };
        let key = with_model.scoring_key();
        assert!(key.features.is_empty() && key.model_file.is_some());
        assert_eq!(key.order.as_deref(), Some("t"));
    }
}
