//! Inner validation: choose σ, ν, subsample or support fraction using only the
//! rows of the training folds. Those rows are split again into folds by the
//! same fold key; each candidate is fitted on the normal rows of the inner
//! training folds and judged on the inner test folds by the mean of window
//! ROC AUC and group ROC AUC (window AUC alone without groups). For an
//! ensemble, each member is tuned alone, then the subset of tuned members
//! whose mean calibrated score judges best is kept. The outer test fold is
//! never seen.

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
        ModelSpec::Fisvdd(p) if p.sigma.is_none() => [0.25, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
            .into_iter()
            .map(|s| {
                ModelSpec::Fisvdd(super::fisvdd::FisvddParams {
                    sigma_scale: s,
                    ..*p
                })
            })
            .collect(),
        ModelSpec::Ocsvm(p) => {
            let scales: &[f64] = if p.sigma.is_none() {
                &[0.5, 1.0, 2.0]
            } else {
                &[1.0]
            };
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
            .map(|sample_size| {
                ModelSpec::Iforest(super::iforest::IForestParams { sample_size, ..*p })
            })
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
    let keys_source = table
        .folds
        .as_ref()
        .or(table.groups.as_ref())
        .ok_or_else(|| {
            DetectError::Evaluation(
                "tuning needs a fold or group column to split the training rows".into(),
            )
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
    let dim = table.feature_names.len();
    let gather = |idx: &[usize]| -> Vec<f64> {
        idx.iter()
            .flat_map(|&i| table.features[i * dim..(i + 1) * dim].iter().copied())
            .collect()
    };
    // Inner test rows in fold order, and their calibrated scores for one model.
    let mut order = Vec::with_capacity(pool.len());
    for f in 0..inner_k {
        order.extend(
            pool.iter()
                .zip(&plan.fold_of_row)
                .filter(|&(_, &fo)| fo == f)
                .map(|(&i, _)| i),
        );
    }
    let inner_scores = |model: &ModelSpec| -> Result<Vec<f64>, DetectError> {
        let spec = PipelineSpec {
            preprocess: base.preprocess.clone(),
            model: model.clone(),
        };
        let mut scores = Vec::with_capacity(pool.len());
        for f in 0..inner_k {
            let pick = |test: bool| -> Vec<usize> {
                pool.iter()
                    .zip(&plan.fold_of_row)
                    .filter(|&(&i, &fo)| if test { fo == f } else { fo != f && !bad[i] })
                    .map(|(&i, _)| i)
                    .collect()
            };
            let pipeline = Pipeline::fit(&gather(&pick(false)), dim, &spec)?;
            scores.extend(pipeline.score_batch(&gather(&pick(true))));
        }
        Ok(scores)
    };
    let labels: Vec<bool> = order.iter().map(|&i| bad[i]).collect();
    let value = |scores: &[f64]| -> f64 {
        let window = roc_auc(scores, &labels).unwrap_or(0.5);
        let group = group_metrics(table, Some(label), &order, scores).and_then(|g| g.roc_auc);
        group.map_or(window, |g| f64::midpoint(window, g))
    };
    let best_of = |models: Vec<ModelSpec>| -> Result<(ModelSpec, Vec<f64>), DetectError> {
        let mut best: Option<(f64, ModelSpec, Vec<f64>)> = None;
        for m in models {
            let scores = inner_scores(&m)?;
            let v = value(&scores);
            if best.as_ref().is_none_or(|(b, _, _)| v > *b) {
                best = Some((v, m, scores));
            }
        }
        best.map(|(_, m, s)| (m, s))
            .ok_or_else(|| DetectError::Evaluation("no tuning candidates".into()))
    };
    let model = match &base.model {
        ModelSpec::Ensemble(e) => {
            let mut tuned = Vec::with_capacity(e.members.len());
            for m in &e.members {
                tuned.push(best_of(candidates(m))?);
            }
            // The best non-empty subset of tuned members (mean of calibrated scores).
            let mut best: Option<(f64, Vec<ModelSpec>)> = None;
            for mask in 1u32..(1 << tuned.len().min(8)) {
                let chosen: Vec<&(ModelSpec, Vec<f64>)> = tuned
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, t)| t)
                    .collect();
                let mean: Vec<f64> = (0..order.len())
                    .map(|r| chosen.iter().map(|t| t.1[r]).sum::<f64>() / chosen.len() as f64)
                    .collect();
                let v = value(&mean);
                if best.as_ref().is_none_or(|(b, _)| v > *b) {
                    best = Some((v, chosen.iter().map(|t| t.0.clone()).collect()));
                }
            }
            let members = best.map(|(_, m)| m).unwrap_or_default();
            ModelSpec::Ensemble(EnsembleParams { members })
        }
        other => best_of(candidates(other))?.0,
    };
    Ok(PipelineSpec {
        preprocess: base.preprocess.clone(),
        model,
    })
}
