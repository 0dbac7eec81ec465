//! ν-One-Class SVM (Schölkopf et al., "Estimating the support of a
//! high-dimensional distribution", Neural Computation 2001) with the Gaussian
//! kernel, solved by SMO with second-order working-set selection (Fan, Chen,
//! Lin, JMLR 2005) in libsvm's scaling: minimise `½αᵀKα` subject to
//! `0 ≤ αᵢ ≤ 1`, `Σαᵢ = νl`. Decision `f(x) = Σ αᵢK(xᵢ, x) − ρ`; our score is
//! `(ρ − Σ αᵢK(xᵢ, x))/(νl)` (higher = more anomalous, > 0 outside).
//!
//! Our own solver rather than `linfa-svm`: it keeps the model a plain serde
//! struct and avoids the ndarray/linfa dependency tree for one solver. The full
//! kernel matrix is kept (f32), so training uses at most `max_train` rows
//! sampled with the seed.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index;
use serde::{Deserialize, Serialize};

use crate::detectors::sigma::median_heuristic_sigma;
use crate::math::linalg::sq_dist;
use crate::{DetectError, Detector, check_rows};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OcsvmParams {
    /// ν ∈ (0, 1]: upper bound on the share of training outliers, lower bound on the SV share.
    pub nu: f64,
    /// Kernel width; `None` = median heuristic.
    pub sigma: Option<f64>,
    /// Multiplier of the median-heuristic σ (ignored with `sigma`).
    pub sigma_scale: f64,
    /// Rows used for training at most (kernel matrix memory is `4·n²` bytes).
    pub max_train: usize,
    /// Stop when the maximal KKT violation is below this (libsvm's `eps`).
    pub tol: f64,
    pub seed: u64,
}

impl Default for OcsvmParams {
    fn default() -> Self {
        Self {
            nu: 0.05,
            sigma: None,
            sigma_scale: 1.0,
            max_train: 4000,
            tol: 1e-3,
            seed: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ocsvm {
    dim: usize,
    sigma: f64,
    /// Support vectors (αᵢ > 0), row-major.
    sv: Vec<f64>,
    coef: Vec<f64>,
    rho: f64,
    /// `νl`, so scores do not grow with the training size.
    scale: f64,
    /// SMO iterations used (for reports).
    pub iterations: usize,
}

impl Ocsvm {
    #[must_use]
    pub fn support_count(&self) -> usize {
        self.coef.len()
    }
    #[must_use]
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
    #[must_use]
    pub fn support_vectors(&self) -> &[f64] {
        &self.sv
    }
}

impl Detector for Ocsvm {
    type Params = OcsvmParams;

    fn fit(rows: &[f64], dim: usize, params: &OcsvmParams) -> Result<Self, DetectError> {
        let n_all = check_rows(rows, dim)?;
        if !(params.nu > 0.0 && params.nu <= 1.0) {
            return Err(DetectError::BadParameter(format!(
                "nu must be in (0, 1], got {}",
                params.nu
            )));
        }
        let picked: Vec<usize> = if n_all > params.max_train.max(2) {
            let mut rng = StdRng::seed_from_u64(params.seed);
            let mut idx = index::sample(&mut rng, n_all, params.max_train.max(2)).into_vec();
            idx.sort_unstable();
            idx
        } else {
            (0..n_all).collect()
        };
        let data: Vec<f64> = picked
            .iter()
            .flat_map(|&i| rows[i * dim..(i + 1) * dim].iter().copied())
            .collect();
        let l = picked.len();
        let sigma = match params.sigma {
            Some(s) if s.is_finite() && s > 0.0 => s,
            Some(s) => {
                return Err(DetectError::BadParameter(format!(
                    "sigma must be positive, got {s}"
                )));
            }
            None => median_heuristic_sigma(&data, dim, params.seed)? * params.sigma_scale,
        };
        let gamma = 1.0 / (2.0 * sigma * sigma);
        let row = |i: usize| &data[i * dim..(i + 1) * dim];
        let mut k = vec![0f32; l * l];
        for i in 0..l {
            for j in 0..=i {
                let v = (-sq_dist(row(i), row(j)) * gamma).exp() as f32;
                k[i * l + j] = v;
                k[j * l + i] = v;
            }
        }
        let (alpha, rho, iterations) = solve(&k, l, params.nu, params.tol);
        let mut sv = Vec::new();
        let mut coef = Vec::new();
        for (i, &a) in alpha.iter().enumerate() {
            if a > 0.0 {
                sv.extend_from_slice(row(i));
                coef.push(a);
            }
        }
        Ok(Self {
            dim,
            sigma,
            sv,
            coef,
            rho,
            scale: params.nu * l as f64,
            iterations,
        })
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn score(&self, row: &[f64]) -> f64 {
        let neg_gamma = -1.0 / (2.0 * self.sigma * self.sigma);
        let s: f64 = self
            .sv
            .chunks_exact(self.dim)
            .zip(&self.coef)
            .map(|(x, c)| c * (sq_dist(row, x) * neg_gamma).exp())
            .sum();
        (self.rho - s) / self.scale
    }

    fn validate(&self) -> Result<(), DetectError> {
        if self.dim > 0
            && !self.coef.is_empty()
            && self.sv.len() == self.coef.len() * self.dim
            && self.sigma > 0.0
            && self.scale > 0.0
        {
            Ok(())
        } else {
            Err(DetectError::BadModel(
                "one-class SVM arrays have inconsistent sizes".into(),
            ))
        }
    }
}

/// SMO on `min ½αᵀKα, 0 ≤ α ≤ 1, Σα = νl`; returns `(α, ρ, iterations)`.
fn solve(k: &[f32], l: usize, nu: f64, tol: f64) -> (Vec<f64>, f64, usize) {
    let q = |i: usize, j: usize| f64::from(k[i * l + j]);
    let total = nu * l as f64;
    let mut alpha = vec![0.0; l];
    let full = (total.floor() as usize).min(l);
    alpha[..full].fill(1.0);
    if full < l {
        alpha[full] = total - full as f64;
    }
    let mut grad = vec![0.0; l];
    for (j, &a) in alpha.iter().enumerate() {
        if a > 0.0 {
            for (t, g) in grad.iter_mut().enumerate() {
                *g += a * q(t, j);
            }
        }
    }
    let max_iter = 100 * l + 10_000;
    let mut iter = 0;
    while iter < max_iter {
        // i: the most violating index that can grow; j: second-order choice among those that can shrink.
        let mut g_max = f64::NEG_INFINITY;
        let mut i = usize::MAX;
        for t in 0..l {
            if alpha[t] < 1.0 && -grad[t] > g_max {
                g_max = -grad[t];
                i = t;
            }
        }
        let mut g_min = f64::INFINITY;
        let mut j = usize::MAX;
        let mut best = f64::INFINITY;
        for t in 0..l {
            if alpha[t] > 0.0 {
                g_min = g_min.min(-grad[t]);
                let b = g_max + grad[t];
                if b > 0.0 && i != usize::MAX {
                    let a = (2.0 - 2.0 * q(i, t)).max(1e-12);
                    let obj = -b * b / a;
                    if obj < best {
                        best = obj;
                        j = t;
                    }
                }
            }
        }
        if i == usize::MAX || j == usize::MAX || g_max - g_min < tol {
            break;
        }
        let quad = (2.0 - 2.0 * q(i, j)).max(1e-12);
        let (old_i, old_j) = (alpha[i], alpha[j]);
        let sum = old_i + old_j;
        let delta = (grad[i] - grad[j]) / quad;
        let mut ai = old_i - delta;
        let mut aj = old_j + delta;
        // Clip to the box keeping αᵢ + αⱼ (libsvm's equal-label case, C = 1).
        if sum > 1.0 {
            if ai > 1.0 {
                ai = 1.0;
                aj = sum - 1.0;
            }
        } else if aj < 0.0 {
            aj = 0.0;
            ai = sum;
        }
        if sum > 1.0 {
            if aj > 1.0 {
                aj = 1.0;
                ai = sum - 1.0;
            }
        } else if ai < 0.0 {
            ai = 0.0;
            aj = sum;
        }
        alpha[i] = ai;
        alpha[j] = aj;
        let (di, dj) = (ai - old_i, aj - old_j);
        for (t, g) in grad.iter_mut().enumerate() {
            *g += q(t, i) * di + q(t, j) * dj;
        }
        iter += 1;
    }
    // ρ: mean gradient over free αs; otherwise the middle of the feasible interval.
    let (mut free_sum, mut free_n) = (0.0, 0usize);
    let (mut ub, mut lb) = (f64::INFINITY, f64::NEG_INFINITY);
    for t in 0..l {
        if alpha[t] >= 1.0 {
            lb = lb.max(grad[t]);
        } else if alpha[t] <= 0.0 {
            ub = ub.min(grad[t]);
        } else {
            free_sum += grad[t];
            free_n += 1;
        }
    }
    let rho = if free_n > 0 {
        free_sum / free_n as f64
    } else {
        f64::midpoint(ub, lb)
    };
    (alpha, rho, iter)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact here.
mod tests {
    use super::*;

    fn ring(n: usize) -> Vec<f64> {
        (0..n)
            .flat_map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                [t.cos() + 0.1 * (7.0 * t).sin(), t.sin()]
            })
            .collect()
    }

    #[test]
    fn constraints_hold_and_far_points_score_high() {
        let rows = ring(120);
        let params = OcsvmParams {
            nu: 0.1,
            ..OcsvmParams::default()
        };
        let m = Ocsvm::fit(&rows, 2, &params).unwrap();
        let total: f64 = m.coef.iter().sum();
        assert!((total - 12.0).abs() < 1e-9, "Σα = νl, got {total}");
        assert!(m.coef.iter().all(|&a| a > 0.0 && a <= 1.0));
        assert!(m.support_count() >= 12, "at least νl SVs");
        let flagged = rows.chunks_exact(2).filter(|r| m.score(r) > 1e-3).count();
        assert!(
            flagged <= 12 + 2,
            "about ν of training rows outside, got {flagged}"
        );
        assert!(m.score(&[4.0, 4.0]) > m.score(&[1.0, 0.0]));
        let back = Ocsvm::from_json(&m.to_json().unwrap()).unwrap();
        assert_eq!(back.score(&[0.2, 0.3]), m.score(&[0.2, 0.3]));
    }

    #[test]
    fn nu_one_puts_every_alpha_at_the_bound() {
        let m = Ocsvm::fit(
            &[0.0, 1.0, 3.0],
            1,
            &OcsvmParams {
                nu: 1.0,
                ..OcsvmParams::default()
            },
        )
        .unwrap();
        assert_eq!(m.coef, vec![1.0, 1.0, 1.0]);
    }
}
