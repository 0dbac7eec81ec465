//! Inner validation: choose σ, ν, subsample or support fraction using only the
//! rows of the training folds. Those rows are split again into folds by the
//! same fold key; each candidate is fitted on the normal rows of the inner
//! training folds and judged on the inner test folds by the mean of window
//! ROC AUC and group ROC AUC (window AUC alone without groups), or by one of
//! them alone ([`TuneMetric`]). Features
//! marked optional are chosen first, by greedy forward selection with the
//! untuned model: starting from the required features, add the optional one
//! that judges best while it improves the judgement. For an ensemble, each
//! member is tuned alone, then the subset of tuned members whose mean
//! calibrated score judges best is kept. The outer test fold is never seen.
//! With `bags` > 1 the whole choice is repeated with the seeds moved on (bags
//! run side by side, one per core), and
//! the evaluation averages the calibrated scores of the chosen pipelines:
//! with Isolation Forest the greedy choice is noisy, and averaging over
//! several choices steadies it (bagging over the tuning).

use crate::eval::folds::{assign_folds, gather, group_metrics, row_labels, spec_columns};
use crate::eval::metrics::roc_auc;
use crate::pipeline::ensemble::EnsembleParams;
use crate::pipeline::preprocess::PreprocessSpec;
use crate::pipeline::{ModelSpec, Pipeline, PipelineSpec};
use crate::table::WindowTable;
use crate::table::label::LabelExpr;
use crate::{DetectError, Detector};

#[derive(Debug, Clone)]
pub struct TuneOptions {
    /// Inner folds (fewer when the training folds hold fewer keys).
    pub inner_folds: usize,
    /// Fold-key separator (as for the outer folds).
    pub fold_sep: Option<String>,
    /// Features that tuning may leave out (forward selection).
    pub optional_features: Vec<String>,
    /// What the inner folds are judged by.
    pub metric: TuneMetric,
    /// Tuning repeated this many times with moved-on seeds (≥ 1); the pipelines are averaged.
    pub bags: usize,
}

/// The inner-validation judgement: window ROC AUC, group ROC AUC, or their mean.
/// Without groups every choice falls back to window AUC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TuneMetric {
    Window,
    Group,
    #[default]
    Both,
}

impl TuneMetric {
    /// The judgement from the two AUCs (`group` is `None` without groups).
    #[must_use]
    pub fn judge(self, window: f64, group: Option<f64>) -> f64 {
        match (self, group) {
            (Self::Group, Some(g)) => g,
            (Self::Both, Some(g)) => f64::midpoint(window, g),
            _ => window,
        }
    }
}

impl Default for TuneOptions {
    fn default() -> Self {
        Self {
            inner_folds: 4,
            fold_sep: None,
            optional_features: Vec::new(),
            metric: TuneMetric::Both,
            bags: 1,
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
                ModelSpec::Fisvdd(crate::detectors::fisvdd::FisvddParams {
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
                    out.push(ModelSpec::Ocsvm(crate::detectors::ocsvm::OcsvmParams {
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
                ModelSpec::Iforest(crate::detectors::iforest::IForestParams { sample_size, ..*p })
            })
            .collect(),
        ModelSpec::Mahalanobis(_) => [0.5, 0.75, 1.0]
            .into_iter()
            .map(|support_fraction| {
                ModelSpec::Mahalanobis(crate::detectors::mahalanobis::MahalanobisParams {
                    support_fraction,
                })
            })
            .collect(),
        other => vec![other.clone()],
    }
}

/// `options.bags` choices of [`choose_spec`], the `b`-th from `base` with its seeds moved on by `b`.
pub fn choose_specs(
    table: &WindowTable,
    label: Option<&LabelExpr>,
    pool: &[usize],
    base: &PipelineSpec,
    options: &TuneOptions,
) -> Result<Vec<PipelineSpec>, DetectError> {
    let bags: Vec<u64> = (0..options.bags.max(1) as u64).collect();
    // Bags are independent: one per core at a time (results keep the bag order).
    streamlens_engine::analysis::parallel::map("tune-bags", bags, |b| {
        let seeded = PipelineSpec {
            preprocess: base.preprocess.clone(),
            model: base.model.reseeded(b),
        };
        choose_spec(table, label, pool, &seeded, options)
    })
    .map_err(|e| DetectError::Evaluation(e.to_string()))?
    .into_iter()
    .collect()
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
            .map(|v| crate::eval::folds::fold_key(v, options.fold_sep.as_deref()))
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
    let inner_scores = |spec: &PipelineSpec| -> Result<Vec<f64>, DetectError> {
        let cols = spec_columns(table, spec)?;
        let mut scores = Vec::with_capacity(pool.len());
        for f in 0..inner_k {
            let pick = |test: bool| -> Vec<usize> {
                pool.iter()
                    .zip(&plan.fold_of_row)
                    .filter(|&(&i, &fo)| if test { fo == f } else { fo != f && !bad[i] })
                    .map(|(&i, _)| i)
                    .collect()
            };
            let pipeline = Pipeline::fit(&gather(table, &pick(false), &cols), cols.len(), spec)?;
            scores.extend(pipeline.score_batch(&gather(table, &pick(true), &cols)));
        }
        Ok(scores)
    };
    let labels: Vec<bool> = order.iter().map(|&i| bad[i]).collect();
    let value = |scores: &[f64]| -> f64 {
        let window = roc_auc(scores, &labels).unwrap_or(0.5);
        let group = group_metrics(table, Some(label), &order, scores).and_then(|g| g.roc_auc);
        options.metric.judge(window, group)
    };
    let preprocess = select_features(base, &options.optional_features, |spec| {
        inner_scores(spec).map(|s| value(&s))
    })?;
    let best_of = |models: Vec<ModelSpec>| -> Result<(ModelSpec, Vec<f64>), DetectError> {
        let mut best: Option<(f64, ModelSpec, Vec<f64>)> = None;
        for m in models {
            let scores = inner_scores(&PipelineSpec {
                preprocess: preprocess.clone(),
                model: m.clone(),
            })?;
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
    Ok(PipelineSpec { preprocess, model })
}

/// Greedy forward selection over the optional features: start from the
/// required ones, add the optional feature whose spec `judge`s best while
/// that improves on the current set. Feature order stays the base order.
fn select_features(
    base: &PipelineSpec,
    optional: &[String],
    mut judge: impl FnMut(&PipelineSpec) -> Result<f64, DetectError>,
) -> Result<PreprocessSpec, DetectError> {
    let is_optional = |name: &str| optional.iter().any(|o| o == name);
    if !base
        .preprocess
        .features
        .iter()
        .any(|f| is_optional(&f.name))
    {
        return Ok(base.preprocess.clone());
    }
    let with = |chosen: &[String]| PipelineSpec {
        preprocess: PreprocessSpec {
            features: base
                .preprocess
                .features
                .iter()
                .filter(|f| !is_optional(&f.name) || chosen.contains(&f.name))
                .cloned()
                .collect(),
            ..base.preprocess.clone()
        },
        model: base.model.clone(),
    };
    let mut chosen: Vec<String> = Vec::new();
    let mut current = if with(&chosen).preprocess.features.is_empty() {
        f64::NEG_INFINITY
    } else {
        judge(&with(&chosen))?
    };
    loop {
        let mut best: Option<(f64, String)> = None;
        for f in &base.preprocess.features {
            if !is_optional(&f.name) || chosen.contains(&f.name) {
                continue;
            }
            let mut trial = chosen.clone();
            trial.push(f.name.clone());
            let v = judge(&with(&trial))?;
            if best.as_ref().is_none_or(|(b, _)| v > *b) {
                best = Some((v, f.name.clone()));
            }
        }
        match best {
            Some((v, name)) if v > current => {
                current = v;
                chosen.push(name);
            }
            _ => break,
        }
    }
    Ok(with(&chosen).preprocess)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ModelKind;
    use crate::pipeline::preprocess::FeatureSpec;

    fn base(names: &[&str]) -> PipelineSpec {
        PipelineSpec {
            preprocess: PreprocessSpec {
                features: names
                    .iter()
                    .map(|n| FeatureSpec {
                        name: (*n).to_string(),
                        ..FeatureSpec::default()
                    })
                    .collect(),
                clip_quantile: None,
            },
            model: ModelSpec::default_for(ModelKind::Mahalanobis, 0),
        }
    }

    fn names(p: &PreprocessSpec) -> Vec<&str> {
        p.features.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn the_judgement_follows_the_metric_and_falls_back_to_windows() {
        let near = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(near(TuneMetric::Both.judge(0.8, Some(0.6)), 0.7));
        assert!(near(TuneMetric::Group.judge(0.8, Some(0.6)), 0.6));
        assert!(near(TuneMetric::Window.judge(0.8, Some(0.6)), 0.8));
        for metric in [TuneMetric::Both, TuneMetric::Group, TuneMetric::Window] {
            assert!(
                near(metric.judge(0.8, None), 0.8),
                "{metric:?} without groups"
            );
        }
    }

    #[test]
    fn forward_selection_adds_while_the_judgement_improves() {
        // Judge: +3 for `good`, +1 for `ok`, −2 for `noise`, from 0 with the required `a`.
        let judge = |spec: &PipelineSpec| -> Result<f64, DetectError> {
            Ok(spec
                .preprocess
                .features
                .iter()
                .map(|f| match f.name.as_str() {
                    "good" => 3.0,
                    "ok" => 1.0,
                    "noise" => -2.0,
                    _ => 0.0,
                })
                .sum())
        };
        let spec = base(&["a", "noise", "ok", "good"]);
        let optional: Vec<String> = ["noise", "ok", "good"].map(String::from).to_vec();
        let chosen = select_features(&spec, &optional, judge).unwrap();
        // `good` first, then `ok`; `noise` would lower the judgement. Base order is kept.
        assert_eq!(names(&chosen), vec!["a", "ok", "good"]);
        // Nothing optional: the spec is unchanged.
        let same = select_features(&spec, &[], judge).unwrap();
        assert_eq!(same, spec.preprocess);
        // Everything optional and nothing helps: the best single feature is still kept.
        let only_noise = base(&["noise"]);
        let chosen = select_features(&only_noise, &["noise".to_string()], judge).unwrap();
        assert_eq!(names(&chosen), vec!["noise"]);
    }
}
