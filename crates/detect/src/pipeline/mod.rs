//! One type over every detector ([`Model`], chosen by a serialisable
//! [`ModelSpec`]) and the [`Pipeline`] that pairs a model with its fitted
//! preprocessing, so that saved models score raw feature rows.

pub mod ensemble;
pub mod preprocess;
use serde::{Deserialize, Serialize};

use crate::detectors::fisvdd::{Fisvdd, FisvddParams};
use crate::detectors::iforest::{IForest, IForestParams};
use crate::detectors::mahalanobis::{Mahalanobis, MahalanobisParams};
use crate::detectors::ocsvm::{Ocsvm, OcsvmParams};
use crate::pipeline::ensemble::{Ensemble, EnsembleParams, robust_scale};
use crate::pipeline::preprocess::{PreprocessSpec, Preprocessor};
use crate::{DetectError, Detector};

/// The detector families, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    Fisvdd,
    Ocsvm,
    Iforest,
    Mahalanobis,
    Ensemble,
}

impl ModelKind {
    pub const ALL: [Self; 5] = [
        Self::Fisvdd,
        Self::Ocsvm,
        Self::Iforest,
        Self::Mahalanobis,
        Self::Ensemble,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Fisvdd => "fisvdd",
            Self::Ocsvm => "ocsvm",
            Self::Iforest => "iforest",
            Self::Mahalanobis => "mahalanobis",
            Self::Ensemble => "ensemble",
        }
    }
}

/// A detector family with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelSpec {
    Fisvdd(FisvddParams),
    Ocsvm(OcsvmParams),
    Iforest(IForestParams),
    Mahalanobis(MahalanobisParams),
    Ensemble(EnsembleParams),
}

impl ModelSpec {
    /// Default parameters of a family, seeded.
    #[must_use]
    pub fn default_for(kind: ModelKind, seed: u64) -> Self {
        match kind {
            ModelKind::Fisvdd => Self::Fisvdd(FisvddParams {
                seed,
                ..FisvddParams::default()
            }),
            ModelKind::Ocsvm => Self::Ocsvm(OcsvmParams {
                seed,
                ..OcsvmParams::default()
            }),
            ModelKind::Iforest => Self::Iforest(IForestParams {
                seed,
                ..IForestParams::default()
            }),
            ModelKind::Mahalanobis => Self::Mahalanobis(MahalanobisParams::default()),
            ModelKind::Ensemble => Self::Ensemble(EnsembleParams::default_members(seed)),
        }
    }

    /// The same spec with every random seed moved on by `offset` (bagging).
    #[must_use]
    pub fn reseeded(&self, offset: u64) -> Self {
        let mut spec = self.clone();
        match &mut spec {
            Self::Fisvdd(p) => p.seed = p.seed.wrapping_add(offset),
            Self::Ocsvm(p) => p.seed = p.seed.wrapping_add(offset),
            Self::Iforest(p) => p.seed = p.seed.wrapping_add(offset),
            Self::Mahalanobis(_) => {}
            Self::Ensemble(e) => {
                for m in &mut e.members {
                    *m = m.reseeded(offset);
                }
            }
        }
        spec
    }

    #[must_use]
    pub fn kind(&self) -> ModelKind {
        match self {
            Self::Fisvdd(_) => ModelKind::Fisvdd,
            Self::Ocsvm(_) => ModelKind::Ocsvm,
            Self::Iforest(_) => ModelKind::Iforest,
            Self::Mahalanobis(_) => ModelKind::Mahalanobis,
            Self::Ensemble(_) => ModelKind::Ensemble,
        }
    }
}

/// A fitted detector of any family.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "model", rename_all = "snake_case")]
pub enum Model {
    Fisvdd(Fisvdd),
    Ocsvm(Ocsvm),
    Iforest(IForest),
    Mahalanobis(Mahalanobis),
    Ensemble(Ensemble),
}

impl Detector for Model {
    type Params = ModelSpec;

    fn fit(rows: &[f64], dim: usize, spec: &ModelSpec) -> Result<Self, DetectError> {
        crate::check_rows(rows, dim)?;
        Ok(match spec {
            ModelSpec::Fisvdd(p) => Self::Fisvdd(Fisvdd::fit(rows, dim, *p)?),
            ModelSpec::Ocsvm(p) => Self::Ocsvm(Ocsvm::fit(rows, dim, p)?),
            ModelSpec::Iforest(p) => Self::Iforest(IForest::fit(rows, dim, p)?),
            ModelSpec::Mahalanobis(p) => Self::Mahalanobis(Mahalanobis::fit(rows, dim, p)?),
            ModelSpec::Ensemble(p) => Self::Ensemble(Ensemble::fit(rows, dim, p)?),
        })
    }

    fn dim(&self) -> usize {
        match self {
            Self::Fisvdd(m) => Detector::dim(m),
            Self::Ocsvm(m) => m.dim(),
            Self::Iforest(m) => m.dim(),
            Self::Mahalanobis(m) => m.dim(),
            Self::Ensemble(m) => m.dim(),
        }
    }

    fn score(&self, row: &[f64]) -> f64 {
        match self {
            Self::Fisvdd(m) => Detector::score(m, row),
            Self::Ocsvm(m) => m.score(row),
            Self::Iforest(m) => m.score(row),
            Self::Mahalanobis(m) => m.score(row),
            Self::Ensemble(m) => m.score(row),
        }
    }

    fn score_batch(&self, rows: &[f64]) -> Vec<f64> {
        match self {
            Self::Fisvdd(m) => Detector::score_batch(m, rows),
            Self::Ocsvm(m) => m.score_batch(rows),
            Self::Iforest(m) => m.score_batch(rows),
            Self::Mahalanobis(m) => m.score_batch(rows),
            Self::Ensemble(m) => m.score_batch(rows),
        }
    }

    fn validate(&self) -> Result<(), DetectError> {
        match self {
            Self::Fisvdd(m) => Detector::validate(m),
            Self::Ocsvm(m) => m.validate(),
            Self::Iforest(m) => m.validate(),
            Self::Mahalanobis(m) => m.validate(),
            Self::Ensemble(m) => m.validate(),
        }
    }
}

impl Model {
    #[must_use]
    pub fn kind(&self) -> ModelKind {
        match self {
            Self::Fisvdd(_) => ModelKind::Fisvdd,
            Self::Ocsvm(_) => ModelKind::Ocsvm,
            Self::Iforest(_) => ModelKind::Iforest,
            Self::Mahalanobis(_) => ModelKind::Mahalanobis,
            Self::Ensemble(_) => ModelKind::Ensemble,
        }
    }

    /// Support vectors (row-major, in the model's preprocessed space) of the kernel models.
    #[must_use]
    pub fn support_vectors(&self) -> Option<&[f64]> {
        match self {
            Self::Fisvdd(m) => Some(m.support_vectors()),
            Self::Ocsvm(m) => Some(m.support_vectors()),
            Self::Iforest(_) | Self::Mahalanobis(_) | Self::Ensemble(_) => None,
        }
    }
}

/// What a [`Pipeline`] is fitted from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineSpec {
    pub preprocess: PreprocessSpec,
    pub model: ModelSpec,
}

/// Preprocessing plus model: scores raw feature rows (columns in the
/// preprocessor's order). Scores are calibrated as `(s − median)/IQR` of the
/// model's training scores, so that scores of models fitted on different folds
/// (or of different detectors) share a scale; ranking is unchanged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pipeline {
    pub preprocessor: Preprocessor,
    pub model: Model,
    pub centre: f64,
    pub scale: f64,
}

impl Detector for Pipeline {
    type Params = PipelineSpec;

    fn fit(rows: &[f64], dim: usize, spec: &PipelineSpec) -> Result<Self, DetectError> {
        if spec.preprocess.features.len() != dim {
            return Err(DetectError::DimensionMismatch {
                want: spec.preprocess.features.len(),
                got: dim,
            });
        }
        let preprocessor = Preprocessor::fit(&spec.preprocess, rows)?;
        let shaped = preprocessor.transform(rows);
        let model = Model::fit(&shaped, dim, &spec.model)?;
        let (centre, scale) = robust_scale(&model.score_batch(&shaped));
        Ok(Self {
            preprocessor,
            model,
            centre,
            scale,
        })
    }

    fn dim(&self) -> usize {
        self.preprocessor.dim()
    }

    fn score(&self, row: &[f64]) -> f64 {
        (self.model.score(&self.preprocessor.transform(row)) - self.centre) / self.scale
    }

    fn score_batch(&self, rows: &[f64]) -> Vec<f64> {
        let mut s = self.model.score_batch(&self.preprocessor.transform(rows));
        for v in &mut s {
            *v = (*v - self.centre) / self.scale;
        }
        s
    }

    fn validate(&self) -> Result<(), DetectError> {
        self.preprocessor.validate()?;
        self.model.validate()?;
        if !(self.scale > 0.0 && self.centre.is_finite()) {
            return Err(DetectError::BadModel(
                "score calibration is not usable".into(),
            ));
        }
        if self.model.dim() == self.preprocessor.dim() {
            Ok(())
        } else {
            Err(DetectError::DimensionMismatch {
                want: self.preprocessor.dim(),
                got: self.model.dim(),
            })
        }
    }
}
