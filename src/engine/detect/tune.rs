//! Inner validation: choose σ, ν, subsample or support fraction using only the
//! rows of the training folds. Those rows are split again into folds by the
//! same fold key; each candidate is fitted on the normal rows of the inner
//! training folds and judged on the inner test folds by the mean of window
//! ROC AUC and group ROC AUC (window AUC alone without groups). The outer
//! test fold is never seen.

use super::ensemble::EnsembleParams;
use super::evaluate::{assign_folds, group_metrics, row_labels};
use super::label::LabelExpr;
use super::metrics::roc_auc;
use super::model::{ModelSpec, Pipeline, PipelineSpec};
use super::table::WindowTable;
use super::{DetectError, Detector};

#[derive(Debug, Clone)]
pub struct TuneOptions {
    /// Inner folds (fewer when the training folds hold fewer keys).
    pub inner_folds: usize,
    /// Fold-key separator (as for the outer folds).
    pub fold_sep: Option<String>,
}

impl Default for TuneOptions {
    fn default() -> Self {
        Self {
            inner_folds: 4,
            fold_sep: None,
        }
    }
}

/// The grid tried for one model family.
#[must_use]
pub fn candidates(model: &ModelSpec) -> Vec<ModelSpec> {
    match model {
        ModelSpec::Fisvdd(p) if p.sigma.is_none() => [0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
            .into_iter()
            .map(|s| ModelSpec::Fisvdd(super::fisvdd::FisvddParams { sigma_scale: s, ..*p }))
            .collect(),
        ModelSpec::Ocsvm(p) => {
            let scales: &[f64] = if p.sigma.is_none() { &[0.5, 1.0, 2.0] } else { &[1.0] };
            let mut out = Vec::new();
            for &nu in &[0.01, 0.05, 0.1, 0.2] {
                for &s in scales {
                    out.push(ModelSpec::Ocsvm(super::ocsvm::OcsvmParams {
                        nu,
                        sigma_scale: s,
                        ..*p
                    }));
                }
            }
            out
        }
        ModelSpec::Iforest(p) => [64, 256, 1024]
            .into_iter()
            .map(|sample_size| ModelSpec::Iforest(super::iforest::IForestParams { sample_size, ..*p }))
            .collect(),
        ModelSpec::Mahalanobis(_) => [0.5, 0.75, 1.0]
            .into_iter()
            .map(|support_fraction| {
                ModelSpec::Mahalanobis(super::mahalanobis::MahalanobisParams { support_fraction })
            })
            .collect(),
        other => vec![other.clone()],
    }
}

/// The best spec for the rows `pool` (the outer training folds, normal and bad).
pub fn choose_spec(
    table: &WindowTable,
    label: Option<&LabelExpr>,
    pool: &[usize],
    base: &PipelineSpec,
    options: &TuneOptions,
) -> Result<PipelineSpec, DetectError> {
    let label = label.ok_or_else(|| {
        DetectError::Evaluation("tuning by inner validation needs a label expression".into())
    })?;
    let keys_source = table.folds.as_ref().or(table.groups.as_ref()).ok_or_else(|| {
        DetectError::Evaluation("tuning needs a fold or group column to split the training rows".into())
    })?;
    let pool_keys: Vec<String> = pool.iter().map(|&i| keys_source[i].clone()).collect();
    let distinct = {
        let mut k: Vec<&str> = pool_keys
            .iter()
            .map(|v| super::evaluate::fold_key(v, options.fold_sep.as_deref()))
            .collect();
        k.sort_unstable();
        k.dedup();
        k.len()
    };
    let inner_k = options.inner_folds.min(distinct);
    if inner_k < 2 {
        return Err(DetectError::Evaluation(
            "the training folds hold fewer than 2 fold keys; cannot tune".into(),
        ));
    }
    let plan = assign_folds(&pool_keys, inner_k, options.fold_sep.as_deref())?;
    let bad = row_labels(table, Some(label));
    let judge = |spec: &PipelineSpec| -> Result<f64, DetectError> {
        let dim = table.feature_names.len();
        let mut idx_all = Vec::with_capacity(pool.len());
        let mut scores_all = Vec::with_capacity(pool.len());
        for f in 0..inner_k {
            let pick = |test: bool| -> Vec<usize> {
                pool.iter()
                    .zip(&plan.fold_of_row)
                    .filter(|&(&i, &fo)| if test { fo == f } else { fo != f && !bad[i] })
                    .map(|(&i, _)| i)
                    .collect()
            };
            let (train, test) = (pick(false), pick(true));
            let gather = |idx: &[usize]| -> Vec<f64> {
                idx.iter()
                    .flat_map(|&i| table.features[i * dim..(i + 1) * dim].iter().copied())
                    .collect()
            };
            let pipeline = Pipeline::fit(&gather(&train), dim, spec)?;
            scores_all.extend(pipeline.score_batch(&gather(&test)));
            idx_all.extend(test);
        }
        let labels: Vec<bool> = idx_all.iter().map(|&i| bad[i]).collect();
        let window = roc_auc(&scores_all, &labels).unwrap_or(0.5);
        let group = group_metrics(table, Some(label), &idx_all, &scores_all).and_then(|g| g.roc_auc);
        Ok(group.map_or(window, |g| (window + g) / 2.0))
    };
    let best_of = |models: Vec<ModelSpec>| -> Result<ModelSpec, DetectError> {
        let mut best: Option<(f64, ModelSpec)> = None;
        for m in models {
            let value = judge(&PipelineSpec {
                preprocess: base.preprocess.clone(),
                model: m.clone(),
            })?;
            if best.as_ref().is_none_or(|(b, _)| value > *b) {
                best = Some((value, m));
            }
        }
        best.map(|(_, m)| m)
            .ok_or_else(|| DetectError::Evaluation("no tuning candidates".into()))
    };
    let model = match &base.model {
        ModelSpec::Ensemble(e) => {
            let mut members = Vec::with_capacity(e.members.len());
            for m in &e.members {
                members.push(best_of(candidates(m))?);
            }
            ModelSpec::Ensemble(EnsembleParams { members })
        }
        other => best_of(candidates(other))?,
    };
    Ok(PipelineSpec {
        preprocess: base.preprocess.clone(),
        model,
    })
}
