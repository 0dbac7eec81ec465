//! An ensemble of detectors: each member's score is put on a common scale by
//! the median and interquartile range of its own training scores, and the
//! ensemble score is the mean of the scaled member scores.

use serde::{Deserialize, Serialize};

use crate::detectors::fisvdd::FisvddParams;
use crate::detectors::iforest::IForestParams;
use crate::detectors::mahalanobis::MahalanobisParams;
use crate::pipeline::{Model, ModelSpec};
use crate::{DetectError, Detector};
use streamlens_engine::stats::quantile_sorted;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EnsembleParams {
    pub members: Vec<ModelSpec>,
}

impl Default for EnsembleParams {
    fn default() -> Self {
        Self::default_members(0)
    }
}

impl EnsembleParams {
    /// FISVDD, Isolation Forest and robust Mahalanobis (the one-class SVM is
    /// left out by default: it is the slowest to train and ranks like FISVDD).
    #[must_use]
    pub fn default_members(seed: u64) -> Self {
        Self {
            members: vec![
                ModelSpec::Fisvdd(FisvddParams {
                    seed,
                    ..FisvddParams::default()
                }),
                ModelSpec::Iforest(IForestParams {
                    seed,
                    ..IForestParams::default()
                }),
                ModelSpec::Mahalanobis(MahalanobisParams::default()),
            ],
        }
    }
}

/// Median and interquartile range of training scores (the range, or 1, when the IQR is 0):
/// `(s − median)/IQR` puts detectors with different score units on one scale.
#[must_use]
pub fn robust_scale(scores: &[f64]) -> (f64, f64) {
    let mut s = scores.to_vec();
    s.sort_by(f64::total_cmp);
    let q = |p| quantile_sorted(&s, p).unwrap_or(0.0);
    let iqr = q(0.75) - q(0.25);
    let spread = q(1.0) - q(0.0);
    let scale = if iqr > 0.0 {
        iqr
    } else if spread > 0.0 {
        spread
    } else {
        1.0
    };
    (q(0.5), scale)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Member {
    model: Model,
    centre: f64,
    scale: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ensemble {
    dim: usize,
    members: Vec<Member>,
}

impl Detector for Ensemble {
    type Params = EnsembleParams;

    fn fit(rows: &[f64], dim: usize, params: &EnsembleParams) -> Result<Self, DetectError> {
        if params.members.is_empty() {
            return Err(DetectError::BadParameter(
                "an ensemble needs at least one member".into(),
            ));
        }
        if params
            .members
            .iter()
            .any(|m| matches!(m, ModelSpec::Ensemble(_)))
        {
            return Err(DetectError::BadParameter(
                "ensembles cannot be nested".into(),
            ));
        }
        let mut members = Vec::with_capacity(params.members.len());
        for spec in &params.members {
            let model = Model::fit(rows, dim, spec)?;
            let (centre, scale) = robust_scale(&model.score_batch(rows));
            members.push(Member {
                model,
                centre,
                scale,
            });
        }
        Ok(Self { dim, members })
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn score(&self, row: &[f64]) -> f64 {
        let total: f64 = self
            .members
            .iter()
            .map(|m| (m.model.score(row) - m.centre) / m.scale)
            .sum();
        total / self.members.len() as f64
    }

    fn score_batch(&self, rows: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; rows.len() / self.dim.max(1)];
        for m in &self.members {
            for (o, s) in out.iter_mut().zip(m.model.score_batch(rows)) {
                *o += (s - m.centre) / m.scale;
            }
        }
        let k = self.members.len() as f64;
        for o in &mut out {
            *o /= k;
        }
        out
    }

    fn validate(&self) -> Result<(), DetectError> {
        if self.members.is_empty() {
            return Err(DetectError::BadModel("ensemble has no members".into()));
        }
        for m in &self.members {
            m.model.validate()?;
            if m.model.dim() != self.dim
                || m.scale.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
            {
                return Err(DetectError::BadModel("ensemble member does not fit".into()));
            }
        }
        Ok(())
    }
}
