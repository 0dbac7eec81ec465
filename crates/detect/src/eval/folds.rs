//! The pieces of the evaluation protocol that everything above shares: folds by a key
//! (rows with the same key stay together), bad-class flags from a label expression, the
//! columns a pipeline reads, and the reports — window metrics pooled and per fold, and group
//! metrics where a group's score is the p95 of its window scores and its label is the label
//! expression applied to its mean label value. Knows nothing of tuning or saved models.

use serde::Serialize;

use crate::DetectError;
use crate::eval::metrics::{
    ThresholdMetrics, at_threshold, average_precision, from_flags, roc_auc,
};
use crate::pipeline::PipelineSpec;
use crate::table::WindowTable;
use crate::table::label::LabelExpr;
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

/// Window metrics of `scores` against the bad-class flags `bad`: row counts, ROC AUC and
/// average precision, and precision/recall/F1 at `threshold` (flagged = score > τ) or, without
/// one, of the given `flags`.
#[must_use]
pub fn window_metrics(
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
