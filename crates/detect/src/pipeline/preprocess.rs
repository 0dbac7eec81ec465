//! Per-feature preprocessing, fitted on training rows only and then applied to
//! every row: (1) clip to the training `[q, 1−q]` quantiles (optional), (2) a
//! one-sided floor or ceiling at the training median for features where only
//! one direction means trouble (optional: a VMAF above the usual is not an
//! anomaly), (3) `log1p` where chosen, (4) standardise by the training mean and
//! standard deviation (ddof 0) of the transformed values.

use serde::{Deserialize, Serialize};

use crate::DetectError;
use crate::detectors::mahalanobis::median;
use streamlens_engine::stats::quantile_sorted;

/// Which side of a feature's distribution is anomalous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Both tails.
    #[default]
    Both,
    /// Only values above the usual: values below the training median are raised to it.
    HighIsBad,
    /// Only values below the usual: values above the training median are lowered to it.
    LowIsBad,
}

/// How to prepare one feature.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FeatureSpec {
    pub name: String,
    pub log1p: bool,
    pub direction: Direction,
}

/// How to prepare all features.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PreprocessSpec {
    pub features: Vec<FeatureSpec>,
    /// Clip each feature to its training `[q, 1−q]` quantiles (numpy linear); `None` = no clipping.
    pub clip_quantile: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Fitted {
    spec: FeatureSpec,
    /// Clip bounds; ±∞ without clipping (JSON has no infinities: written as `null`).
    #[serde(
        serialize_with = "finite_or_null",
        deserialize_with = "null_as_neg_inf"
    )]
    lo: f64,
    #[serde(
        serialize_with = "finite_or_null",
        deserialize_with = "null_as_pos_inf"
    )]
    hi: f64,
    /// Training median after clipping (the one-sided floor or ceiling).
    median: f64,
    mean: f64,
    std: f64,
}

// serde's signatures: the value comes by reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn finite_or_null<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_finite() {
        s.serialize_f64(*v)
    } else {
        s.serialize_none()
    }
}

fn null_as_neg_inf<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NEG_INFINITY))
}

fn null_as_pos_inf<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
}

/// A fitted preprocessing: maps raw feature rows to standardised model rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessor {
    features: Vec<Fitted>,
}

/// The smallest value `log1p` accepts here; lower test values are raised to it.
const LOG1P_FLOOR: f64 = -1.0 + 1e-9;

impl Fitted {
    fn shape(&self, x: f64) -> f64 {
        let mut v = x.clamp(self.lo, self.hi);
        v = match self.spec.direction {
            Direction::Both => v,
            Direction::HighIsBad => v.max(self.median),
            Direction::LowIsBad => v.min(self.median),
        };
        if self.spec.log1p {
            v.max(LOG1P_FLOOR).ln_1p()
        } else {
            v
        }
    }
}

impl Preprocessor {
    /// Fit on training rows (row-major, one column per `spec.features` entry).
    pub fn fit(spec: &PreprocessSpec, rows: &[f64]) -> Result<Self, DetectError> {
        let dim = spec.features.len();
        let n = crate::check_rows(rows, dim)?;
        if let Some(q) = spec.clip_quantile
            && !(0.0..0.5).contains(&q)
        {
            return Err(DetectError::BadParameter(format!(
                "clip quantile must be in [0, 0.5), got {q}"
            )));
        }
        let mut features = Vec::with_capacity(dim);
        for (f, fs) in spec.features.iter().enumerate() {
            let mut col: Vec<f64> = (0..n).map(|i| rows[i * dim + f]).collect();
            col.sort_by(f64::total_cmp);
            let (lo, hi) = match spec.clip_quantile {
                // Invariant: col is non-empty (check_rows) and q is in range.
                Some(q) => (
                    quantile_sorted(&col, q).expect("non-empty, q checked"),
                    quantile_sorted(&col, 1.0 - q).expect("non-empty, q checked"),
                ),
                None => (f64::NEG_INFINITY, f64::INFINITY),
            };
            let clipped: Vec<f64> = col.iter().map(|v| v.clamp(lo, hi)).collect();
            if fs.log1p && clipped[0] <= -1.0 {
                return Err(DetectError::BadParameter(format!(
                    "feature `{}` has training values ≤ −1 (min {}); log1p needs values > −1",
                    fs.name, clipped[0]
                )));
            }
            let mut fitted = Fitted {
                spec: fs.clone(),
                lo,
                hi,
                median: median(&clipped),
                mean: 0.0,
                std: 1.0,
            };
            let shaped: Vec<f64> = col.iter().map(|&v| fitted.shape(v)).collect();
            let mean = shaped.iter().sum::<f64>() / n as f64;
            let var = shaped.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
            fitted.mean = mean;
            // A constant feature carries no information; any positive scale keeps it at 0.
            fitted.std = if var > 0.0 { var.sqrt() } else { 1.0 };
            features.push(fitted);
        }
        Ok(Self { features })
    }

    #[must_use]
    pub fn dim(&self) -> usize {
        self.features.len()
    }

    /// Feature names in column order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.features.iter().map(|f| f.spec.name.as_str())
    }

    /// Transform row-major raw rows.
    #[must_use]
    pub fn transform(&self, rows: &[f64]) -> Vec<f64> {
        let dim = self.dim();
        rows.chunks_exact(dim)
            .flat_map(|r| {
                r.iter()
                    .zip(&self.features)
                    .map(|(&x, f)| (f.shape(x) - f.mean) / f.std)
            })
            .collect()
    }

    pub fn validate(&self) -> Result<(), DetectError> {
        if self.features.is_empty() || self.features.iter().any(|f| f.std.is_nan() || f.std <= 0.0)
        {
            Err(DetectError::BadModel(
                "preprocessing has no features or a zero scale".into(),
            ))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact here.
mod tests {
    use super::*;

    fn spec(log1p: bool, direction: Direction, clip: Option<f64>) -> PreprocessSpec {
        PreprocessSpec {
            features: vec![FeatureSpec {
                name: "x".into(),
                log1p,
                direction,
            }],
            clip_quantile: clip,
        }
    }

    #[test]
    fn standardises_with_training_moments() {
        let p = Preprocessor::fit(&spec(false, Direction::Both, None), &[1.0, 2.0, 3.0]).unwrap();
        // mean 2, std (ddof 0) √(2/3)
        let t = p.transform(&[2.0, 5.0]);
        assert!(t[0].abs() < 1e-15);
        assert!((t[1] - 3.0 / (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn clip_direction_and_log1p() {
        let rows = [0.0, 1.0, 2.0, 3.0, 100.0];
        let p = Preprocessor::fit(&spec(false, Direction::Both, Some(0.25)), &rows).unwrap();
        // clipped to [1, 3]: a test value of 1000 maps like 3.
        assert_eq!(p.transform(&[1000.0]), p.transform(&[3.0]));
        let p = Preprocessor::fit(&spec(false, Direction::LowIsBad, None), &rows).unwrap();
        // values above the median (2) are lowered to it.
        assert_eq!(p.transform(&[50.0]), p.transform(&[2.0]));
        assert_ne!(p.transform(&[0.0]), p.transform(&[2.0]));
        let p =
            Preprocessor::fit(&spec(true, Direction::Both, None), &[0.0, (1f64).exp_m1()]).unwrap();
        // log1p values 0 and 1: mean 0.5, std 0.5.
        assert!((p.transform(&[0.0])[0] + 1.0).abs() < 1e-12);
        assert!(Preprocessor::fit(&spec(true, Direction::Both, None), &[-2.0, 1.0]).is_err());
    }

    #[test]
    fn unclipped_bounds_survive_json() {
        // No clipping means infinite bounds, which JSON cannot hold: they travel as null.
        let p = Preprocessor::fit(&spec(false, Direction::Both, None), &[1.0, 2.0, 3.0]).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert!(
            json.contains("\"lo\":null") && json.contains("\"hi\":null"),
            "{json}"
        );
        let back: Preprocessor = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.transform(&[1e9]), p.transform(&[1e9]));
    }
}
