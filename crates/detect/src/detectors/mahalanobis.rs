//! Robust Mahalanobis distance. Not a full MCD: each feature is centred by its
//! median and scaled by its MAD (×1.4826, consistent for normal data); the
//! `support_fraction` of training rows with the smallest robust squared norm
//! then give the mean `μ` and covariance `Σ` (one reweighting step, in the
//! spirit of MCD's concentration step). Score: `(x−μ)ᵀ Σ⁻¹ (x−μ)`.

use serde::{Deserialize, Serialize};

use crate::math::linalg::spd_inverse;
use crate::{DetectError, Detector, check_rows};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MahalanobisParams {
    /// Share of rows (closest to the median) that estimate μ and Σ.
    pub support_fraction: f64,
}

impl Default for MahalanobisParams {
    fn default() -> Self {
        Self {
            support_fraction: 0.75,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mahalanobis {
    dim: usize,
    mean: Vec<f64>,
    /// `Σ⁻¹`, `dim × dim`.
    precision: Vec<f64>,
}

/// Median of a copy of `v` (average of the middle two for even lengths).
pub(crate) fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        f64::midpoint(s[n / 2 - 1], s[n / 2])
    }
}

impl Detector for Mahalanobis {
    type Params = MahalanobisParams;

    fn fit(rows: &[f64], dim: usize, params: &MahalanobisParams) -> Result<Self, DetectError> {
        let n = check_rows(rows, dim)?;
        if !(params.support_fraction > 0.0 && params.support_fraction <= 1.0) {
            return Err(DetectError::BadParameter(
                "support fraction must be in (0, 1]".into(),
            ));
        }
        let column = |f: usize| -> Vec<f64> { (0..n).map(|i| rows[i * dim + f]).collect() };
        let mut centre = Vec::with_capacity(dim);
        let mut scale = Vec::with_capacity(dim);
        for f in 0..dim {
            let col = column(f);
            let med = median(&col);
            let dev: Vec<f64> = col.iter().map(|v| (v - med).abs()).collect();
            let mad = 1.4826 * median(&dev);
            centre.push(med);
            // A feature constant on half the rows has MAD 0; any positive scale keeps order.
            scale.push(if mad > 0.0 { mad } else { 1.0 });
        }
        let mut norms: Vec<(f64, usize)> = (0..n)
            .map(|i| {
                let r = &rows[i * dim..(i + 1) * dim];
                let d: f64 = (0..dim)
                    .map(|f| ((r[f] - centre[f]) / scale[f]).powi(2))
                    .sum();
                (d, i)
            })
            .collect();
        norms.sort_by(|a, b| a.0.total_cmp(&b.0));
        let h = ((n as f64 * params.support_fraction).ceil() as usize).clamp(1, n);
        let chosen: Vec<usize> = norms[..h].iter().map(|&(_, i)| i).collect();
        let mut mean = vec![0.0; dim];
        for &i in &chosen {
            for f in 0..dim {
                mean[f] += rows[i * dim + f] / h as f64;
            }
        }
        let mut cov = vec![0.0; dim * dim];
        for &i in &chosen {
            for a in 0..dim {
                let da = rows[i * dim + a] - mean[a];
                for b in 0..dim {
                    cov[a * dim + b] += da * (rows[i * dim + b] - mean[b]) / (h.max(2) - 1) as f64;
                }
            }
        }
        // A small ridge (relative to the trace) keeps constant or collinear features invertible.
        let trace: f64 = (0..dim).map(|a| cov[a * dim + a]).sum::<f64>().max(1e-12);
        for a in 0..dim {
            cov[a * dim + a] += 1e-9 * trace;
        }
        let precision = spd_inverse(&cov, dim).ok_or_else(|| {
            DetectError::Degenerate("the robust covariance of the training rows is singular".into())
        })?;
        Ok(Self {
            dim,
            mean,
            precision,
        })
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn score(&self, row: &[f64]) -> f64 {
        let d: Vec<f64> = row.iter().zip(&self.mean).map(|(x, m)| x - m).collect();
        let mut s = 0.0;
        for a in 0..self.dim {
            for b in 0..self.dim {
                s += d[a] * self.precision[a * self.dim + b] * d[b];
            }
        }
        s
    }

    fn validate(&self) -> Result<(), DetectError> {
        if self.dim > 0
            && self.mean.len() == self.dim
            && self.precision.len() == self.dim * self.dim
        {
            Ok(())
        } else {
            Err(DetectError::BadModel(
                "Mahalanobis arrays have inconsistent sizes".into(),
            ))
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact here.
mod tests {
    use super::*;

    #[test]
    fn identity_covariance_gives_squared_distance() {
        // A symmetric 2-D cross: mean 0, covariance diag(a, a) on the support rows.
        let rows = [1.0, 0.0, -1.0, 0.0, 0.0, 1.0, 0.0, -1.0];
        let m = Mahalanobis::fit(
            &rows,
            2,
            &MahalanobisParams {
                support_fraction: 1.0,
            },
        )
        .unwrap();
        // Σ = diag(2/3, 2/3) → score(3, 4) = 25 · 1.5 = 37.5
        assert!((m.score(&[3.0, 4.0]) - 37.5).abs() < 1e-6);
        assert!(m.score(&[0.0, 0.0]).abs() < 1e-12);
        let back = Mahalanobis::from_json(&m.to_json().unwrap()).unwrap();
        assert_eq!(back.score(&[1.0, 2.0]), m.score(&[1.0, 2.0]));
    }

    #[test]
    fn median_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
