//! The evaluation protocol on a window table: k-fold by a fold column, each fold's model
//! fitted on the normal rows of the other folds only (tuned on them, or a bag of tuned
//! pipelines), τ = a quantile of that model's training scores, then the reports of
//! `folds`.

use crate::DetectError;
use crate::eval::folds::{
    Evaluation, FoldPlan, FoldReport, ModelReport, ScoredRow, group_metrics, row_labels,
    window_metrics,
};
use crate::eval::tune::{TuneOptions, choose_specs};
use crate::pipeline::{Model, PipelineSpec};
use crate::table::WindowTable;
use crate::table::label::LabelExpr;
use crate::table::model::TableModel;
use streamlens_engine::progress::Progress;

/// What to evaluate and how.
pub struct EvalSetup<'a> {
    pub table: &'a WindowTable,
    pub label: Option<&'a LabelExpr>,
    /// `None` = fit on all normal rows and score every row in-sample.
    pub folds: Option<&'a FoldPlan>,
    pub threshold_quantile: f64,
    /// Told before each fold; cancelling it stops with [`DetectError::Cancelled`].
    pub progress: &'a Progress,
}

fn kernel_info(model: &Model) -> (Option<usize>, Option<f64>) {
    match model {
        Model::Fisvdd(m) => (Some(m.support_count()), Some(m.sigma())),
        Model::Ocsvm(m) => (Some(m.support_count()), Some(m.sigma())),
        _ => (None, None),
    }
}

/// Run the protocol for one model spec (or its tuning grid, or a bag of tuned specs).
pub fn evaluate(
    setup: &EvalSetup<'_>,
    spec: &PipelineSpec,
    tune: Option<&TuneOptions>,
) -> Result<Evaluation, DetectError> {
    let table = setup.table;
    let n = table.rows();
    let bad = row_labels(table, setup.label);
    let q = setup.threshold_quantile;
    if !(0.0..=1.0).contains(&q) {
        return Err(DetectError::BadParameter(format!(
            "threshold quantile must be in [0, 1], got {q}"
        )));
    }
    let (k, fold_of_row) = match setup.folds {
        Some(plan) => (plan.keys.len(), plan.fold_of_row.clone()),
        None => (1, vec![0; n]),
    };
    let mut scores = vec![f64::NAN; n];
    let mut flags = vec![false; n];
    let mut folds = Vec::with_capacity(k);
    for f in 0..k {
        if setup.progress.is_cancelled() {
            return Err(DetectError::Cancelled);
        }
        setup.progress.report(
            f as f64 / k as f64,
            &format!("fold {} of {k}: fitting and scoring", f + 1),
        );
        let test: Vec<usize> = (0..n).filter(|&i| fold_of_row[i] == f).collect();
        let train: Vec<usize> = (0..n)
            .filter(|&i| (k == 1 || fold_of_row[i] != f) && !bad[i])
            .collect();
        if train.is_empty() {
            return Err(DetectError::Evaluation(format!(
                "fold {f} has no normal training rows"
            )));
        }
        let chosen = match tune {
            Some(options) => {
                let pool: Vec<usize> = (0..n).filter(|&i| k == 1 || fold_of_row[i] != f).collect();
                choose_specs(table, setup.label, &pool, spec, options)?
            }
            None => vec![spec.clone()],
        };
        // One pipeline, or a bag scoring the mean of its members' calibrated scores.
        let model = TableModel::fit_bag(table, &train, &chosen, None, q)?;
        // Invariant: train is non-empty (checked above), so τ exists.
        let tau = model.threshold.expect("non-empty training scores");
        let test_scores = model.score_rows(table, &test)?;
        let test_bad: Vec<bool> = test.iter().map(|&i| bad[i]).collect();
        for (&i, &s) in test.iter().zip(&test_scores) {
            scores[i] = s;
            flags[i] = s > tau;
        }
        let pipeline = &model.pipeline;
        let (support_vectors, sigma) = kernel_info(&pipeline.model);
        folds.push(FoldReport {
            fold: f,
            keys: setup.folds.map(|p| p.keys[f].clone()).unwrap_or_default(),
            train_rows: train.len(),
            test_rows: test.len(),
            threshold: tau,
            support_vectors,
            sigma,
            spec: chosen[0].clone(),
            bag: if chosen.len() > 1 { chosen } else { Vec::new() },
            window: window_metrics(&test_scores, &test_bad, &[], Some(tau)),
            group: group_metrics(table, setup.label, &test, &test_scores),
        });
    }
    let all: Vec<usize> = (0..n).collect();
    let report = ModelReport {
        model: spec.model.kind().name().to_string(),
        threshold_quantile: q,
        tuned: tune.is_some(),
        window: window_metrics(
            &scores,
            &bad,
            &flags,
            if k == 1 {
                Some(folds[0].threshold)
            } else {
                None
            },
        ),
        group: group_metrics(table, setup.label, &all, &scores),
        folds,
    };
    let rows = (0..n)
        .map(|i| ScoredRow {
            row: i,
            group: table
                .groups
                .as_ref()
                .map(|g| g[i].clone())
                .unwrap_or_default(),
            fold: fold_of_row[i],
            score: scores[i],
            flagged: flags[i],
        })
        .collect();
    Ok(Evaluation { report, rows })
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact here.
mod tests {
    use super::*;
    use crate::eval::folds::{assign_folds, fold_key};

    #[test]
    fn folds_group_by_prefix_like_group_kfold() {
        let values: Vec<String> = ["a_1", "a_2", "a_1", "b_1", "c_9", "c_9", "b_2"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        let plan = assign_folds(&values, 2, Some("_")).unwrap();
        // a: 3 rows → fold 0; c: 2 rows → fold 1; b: 2 rows → fold 1 (2 < 3).
        assert_eq!(
            plan.keys,
            vec![vec!["a".to_string()], vec!["b".into(), "c".into()]]
        );
        assert_eq!(plan.fold_of_row, vec![0, 0, 0, 1, 1, 1, 1]);
        assert!(assign_folds(&values, 4, Some("_")).is_err());
        assert_eq!(fold_key("x_y_z", Some("_")), "x");
        assert_eq!(fold_key("x_y_z", None), "x_y_z");
    }

    #[test]
    fn group_score_is_p95_and_label_uses_group_mean() {
        let table = WindowTable {
            file: "t".into(),
            feature_names: vec!["x".into()],
            features: vec![0.0; 5],
            labels: Some(vec![1.0, -3.0, 1.0, 1.0, -1.0]),
            groups: Some(vec![
                "g1".into(),
                "g1".into(),
                "g2".into(),
                "g2".into(),
                "g3".into(),
            ]),
            folds: None,
        };
        let label = LabelExpr::parse("q<=0").unwrap();
        // g1 mean −1 → bad, p95 of [0.2, 0.9] = 0.865; g2 mean 1 → normal, p95 of [0.1, 0.3] = 0.29;
        // g3 mean −1 → bad, 0.05. Pairs: (0.865 > 0.29) 1, (0.05 < 0.29) 0 → AUC 0.5.
        let m = group_metrics(
            &table,
            Some(&label),
            &[0, 1, 2, 3, 4],
            &[0.2, 0.9, 0.1, 0.3, 0.05],
        )
        .unwrap();
        assert_eq!((m.groups, m.bad_groups), (3, 2));
        assert_eq!(m.roc_auc, Some(0.5));
    }
}
