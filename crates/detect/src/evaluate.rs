//! The evaluation protocol on a window table: k-fold by a fold column (rows
//! with the same key stay together), each fold's model fitted on the normal
//! rows of the other folds only, τ = a quantile of that model's training
//! scores, window metrics pooled over folds and per fold, and group metrics
//! where a group's score is the p95 of its window scores and its label is the
//! label expression applied to its mean label value.

use serde::Serialize;

use super::DetectError;
use super::label::LabelExpr;
use super::metrics::{ThresholdMetrics, at_threshold, average_precision, from_flags, roc_auc};
use super::model::{Model, PipelineSpec};
use super::table::WindowTable;
use super::table_model::TableModel;
use super::tune::{TuneOptions, choose_specs};
use streamlens_engine::progress::Progress;
use streamlens_engine::stats::quantile_sorted;

/// Rows grouped into folds.
#[derive(Debug, Clone, Serialize)]
pub struct FoldPlan {
    /// Fold index of every row.
    #[serde(skip)]
    pub fold_of_row: Vec<usize>,
    /// Fold keys in each fold.
    pub keys: Vec<Vec<String>>,
}

/// The fold key of a fold-column value: the text before the first `sep` when given.
#[must_use]
pub fn fold_key<'a>(value: &'a str, sep: Option<&str>) -> &'a str {
    match sep {
        Some(sep) if !sep.is_empty() => value.split(sep).next().unwrap_or(value),
        _ => value,
    }
}

/// Assign keys to `k` folds as scikit-learn's `GroupKFold` does: keys by row
/// count, largest first (ties by name), each to the fold with the fewest rows.
pub fn assign_folds(
    values: &[String],
    k: usize,
    sep: Option<&str>,
) -> Result<FoldPlan, DetectError> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for v in values {
        *counts.entry(fold_key(v, sep)).or_default() += 1;
    }
    if k < 2 || counts.len() < k {
        return Err(DetectError::Evaluation(format!(
            "{k} folds need at least {k} distinct fold keys (and k ≥ 2); the fold column has {}",
            counts.len()
        )));
    }
    let mut by_size: Vec<(&str, usize)> = counts.into_iter().collect();
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut sizes = vec![0usize; k];
    let mut keys = vec![Vec::new(); k];
    let mut fold_of_key = std::collections::HashMap::new();
    for (key, n) in by_size {
        let (f, _) = sizes
            .iter()
            .enumerate()
            .min_by_key(|&(i, &s)| (s, i))
            .unwrap_or((0, &0));
        sizes[f] += n;
        keys[f].push(key.to_string());
        fold_of_key.insert(key, f);
    }
    let fold_of_row = values
        .iter()
        .map(|v| fold_of_key[fold_key(v, sep)])
        .collect();
    for k in &mut keys {
        k.sort();
    }
    Ok(FoldPlan { fold_of_row, keys })
}

/// Window metrics of a set of scored rows.
#[derive(Debug, Clone, Serialize)]
pub struct WindowMetrics {
    pub rows: usize,
    pub bad_rows: usize,
    pub roc_auc: Option<f64>,
    pub average_precision: Option<f64>,
    #[serde(flatten)]
    pub at_threshold: ThresholdMetrics,
}

/// Group metrics: group score = p95 of its window scores.
#[derive(Debug, Clone, Serialize)]
pub struct GroupMetrics {
    pub groups: usize,
    pub bad_groups: usize,
    pub roc_auc: Option<f64>,
    pub average_precision: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FoldReport {
    pub fold: usize,
    pub keys: Vec<String>,
    pub train_rows: usize,
    pub test_rows: usize,
    pub threshold: f64,
    /// Support vectors and σ of kernel models.
    pub support_vectors: Option<usize>,
    pub sigma: Option<f64>,
    /// The spec used (the inner-validation choice when tuning; the first one of a bag).
    pub spec: PipelineSpec,
    /// Every spec of a bag (tuning repeated with moved-on seeds), when there are several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bag: Vec<PipelineSpec>,
    pub window: WindowMetrics,
    pub group: Option<GroupMetrics>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    pub model: String,
    pub threshold_quantile: f64,
    pub tuned: bool,
    /// Pooled over all folds' test rows.
    pub window: WindowMetrics,
    pub group: Option<GroupMetrics>,
    pub folds: Vec<FoldReport>,
}

/// One scored row.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredRow {
    pub row: usize,
    pub group: String,
    pub fold: usize,
    pub score: f64,
    pub flagged: bool,
}

pub struct Evaluation {
    pub report: ModelReport,
    pub rows: Vec<ScoredRow>,
}

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

/// Bad-class flags of every row (all false without a label).
#[must_use]
pub fn row_labels(table: &WindowTable, label: Option<&LabelExpr>) -> Vec<bool> {
    match (label, &table.labels) {
        (Some(l), Some(values)) => values.iter().map(|&v| l.is_bad(v)).collect(),
        _ => vec![false; table.rows()],
    }
}

/// Group metrics for rows `idx` with their `scores` (same order).
#[must_use]
pub fn group_metrics(
    table: &WindowTable,
    label: Option<&LabelExpr>,
    idx: &[usize],
    scores: &[f64],
) -> Option<GroupMetrics> {
    let groups = table.groups.as_ref()?;
    let mut order: Vec<String> = Vec::new();
    let mut members: std::collections::HashMap<&str, (Vec<f64>, f64, usize)> =
        std::collections::HashMap::new();
    for (&i, &s) in idx.iter().zip(scores) {
        let g = groups[i].as_str();
        let entry = members.entry(g).or_insert_with(|| {
            order.push(g.to_string());
            (Vec::new(), 0.0, 0)
        });
        entry.0.push(s);
        entry.1 += table.labels.as_ref().map_or(0.0, |l| l[i]);
        entry.2 += 1;
    }
    let mut group_scores = Vec::with_capacity(order.len());
    let mut group_bad = Vec::with_capacity(order.len());
    for g in &order {
        let (s, label_sum, n) = &members[g.as_str()];
        let mut sorted = s.clone();
        sorted.sort_by(f64::total_cmp);
        // Invariant: every group in `order` got at least one score.
        group_scores.push(quantile_sorted(&sorted, 0.95).expect("non-empty group"));
        group_bad.push(label.is_some_and(|l| l.is_bad(label_sum / *n as f64)));
    }
    Some(GroupMetrics {
        groups: order.len(),
        bad_groups: group_bad.iter().filter(|&&b| b).count(),
        roc_auc: roc_auc(&group_scores, &group_bad),
        average_precision: average_precision(&group_scores, &group_bad),
    })
}

fn window_metrics(
    scores: &[f64],
    bad: &[bool],
    flags: &[bool],
    threshold: Option<f64>,
) -> WindowMetrics {
    WindowMetrics {
        rows: scores.len(),
        bad_rows: bad.iter().filter(|&&b| b).count(),
        roc_auc: roc_auc(scores, bad),
        average_precision: average_precision(scores, bad),
        at_threshold: match threshold {
            Some(t) => at_threshold(scores, bad, t),
            None => from_flags(flags, bad, None),
        },
    }
}

/// Rows `idx`, only the columns `cols`, row-major.
#[must_use]
pub fn gather(table: &WindowTable, idx: &[usize], cols: &[usize]) -> Vec<f64> {
    let dim = table.feature_names.len();
    idx.iter()
        .flat_map(|&i| cols.iter().map(move |&c| table.features[i * dim + c]))
        .collect()
}

/// The table columns a spec's preprocessing names, in the spec's order
/// (tuning may keep only some of the table's features).
pub fn spec_columns(table: &WindowTable, spec: &PipelineSpec) -> Result<Vec<usize>, DetectError> {
    spec.preprocess
        .features
        .iter()
        .map(|f| {
            table
                .feature_names
                .iter()
                .position(|n| *n == f.name)
                .ok_or_else(|| {
                    DetectError::Evaluation(format!("feature `{}` is not in the table", f.name))
                })
        })
        .collect()
}

fn kernel_info(model: &Model) -> (Option<usize>, Option<f64>) {
    match model {
        Model::Fisvdd(m) => (Some(m.support_count()), Some(m.sigma())),
        Model::Ocsvm(m) => (Some(m.support_count()), Some(m.sigma())),
        _ => (None, None),
    }
}

/// The report of scores from one fixed model (nothing refitted, every row scored).
#[must_use]
pub fn fixed_report(
    table: &WindowTable,
    label: Option<&LabelExpr>,
    scores: &[f64],
    threshold: f64,
    threshold_quantile: f64,
    model: &str,
) -> ModelReport {
    let bad = row_labels(table, label);
    let flags: Vec<bool> = scores.iter().map(|&s| s > threshold).collect();
    let all: Vec<usize> = (0..scores.len()).collect();
    ModelReport {
        model: model.to_string(),
        threshold_quantile,
        tuned: false,
        window: window_metrics(scores, &bad, &flags, Some(threshold)),
        group: group_metrics(table, label, &all, scores),
        folds: Vec::new(),
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
