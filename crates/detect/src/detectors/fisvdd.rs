//! Fast Incremental SVDD with the Gaussian kernel (FISVDD), implemented from the
//! description in Jiang, Wang, Hu, Kakde, Chaudhuri, "Fast Incremental SVDD
//! Learning Algorithm with the Gaussian Kernel", AAAI-19 (clean room: the public
//! reference code was not consulted).
//!
//! With `K(x, y) = exp(−‖x−y‖²/(2σ²))` we have `K(x, x) = 1`, so the SVDD dual
//! reduces to keeping a set of support vectors (SVs) with kernel matrix `A` and
//! weights `α = L·A⁻¹e`, `L = 1/‖A⁻¹e‖₁`, all `α ≥ 0`, `Σα = 1`; then `A·α = L·e`
//! (every SV on the boundary). A point `z` is outside when
//! `Q(z) = L − Σ αᵢ K(z, xᵢ) > 0`, which is also the anomaly score.
//!
//! Each new point either leaves the model alone (inside, a duplicate or an
//! outlier too far to learn from) or is added by growing `A⁻¹` with the Schur
//! complement; SVs whose unnormalised weight `α₀ = A⁻¹e` turns negative are
//! removed by rank-1 downdates into a backup list, and backups found outside
//! the new description are added back. This owns the model only; preprocessing
//! and σ selection by validation live elsewhere.

use serde::{Deserialize, Serialize};

use crate::DetectError;
use crate::detectors::kernel_batch::KernelExpansion;
use crate::detectors::sigma::median_heuristic_sigma;
use crate::math::linalg::{grow_inverse, mat_vec, row_sums, shrink_inverse, spd_inverse, sq_dist};

/// Tuning knobs of FISVDD (serialised with the model).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FisvddParams {
    /// Kernel width; `None` = median heuristic on the training rows.
    pub sigma: Option<f64>,
    /// Multiplier of the median-heuristic σ (chosen by inner validation; ignored with `sigma`).
    pub sigma_scale: f64,
    /// A point whose largest similarity to any SV is below this is an outlier: not learned.
    pub eps1: f64,
    /// A point whose largest similarity exceeds `1 − eps2` is a duplicate: skipped.
    pub eps2: f64,
    /// Memory cap M (paper §5.2): at most this many SVs; the smallest-α SV is forgotten.
    pub max_svs: Option<usize>,
    /// Recompute `A⁻¹` from the SVs after this many changes of the SV set (0 = never).
    pub reinvert_every: usize,
    /// Seed for the σ heuristic's sample.
    pub seed: u64,
}

impl Default for FisvddParams {
    fn default() -> Self {
        Self {
            sigma: None,
            sigma_scale: 1.0,
            eps1: 1e-6,
            eps2: 1e-6,
            max_svs: None,
            reinvert_every: 100,
            seed: 0,
        }
    }
}

/// What one `update` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The first point: it became the only SV.
    First,
    /// Inside the description (`Q ≤ 0`): nothing to learn.
    Inside,
    /// Added as a support vector (possibly removing others).
    Expanded,
    /// Too far from every SV (`max K < ε₁`): an outlier, not learned.
    Outlier,
    /// Practically equal to an SV (`max K > 1 − ε₂`): skipped.
    Duplicate,
    /// Outside, but adding it would make `A` numerically singular (`β ≤ 1e-10`).
    Rejected,
}

/// A FISVDD model: support vectors (row-major), the maintained `A⁻¹` and weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fisvdd {
    dim: usize,
    sigma: f64,
    params: FisvddParams,
    /// Support vectors, `n × dim`, contiguous for fast scoring.
    sv: Vec<f64>,
    /// `A⁻¹`, `n × n`.
    inv: Vec<f64>,
    /// `α₀ = A⁻¹e` (unnormalised weights).
    alpha0: Vec<f64>,
    /// `α = α₀/Σα₀`.
    alpha: Vec<f64>,
    /// `L = 1/Σα₀`.
    l: f64,
    changes_since_inversion: usize,
}

/// β at or below this means `A` would become numerically singular.
const MIN_BETA: f64 = 1e-10;
/// Rounds of backup re-checks per update; guards against add/remove cycles.
const MAX_BACKUP_ROUNDS: usize = 16;

impl Fisvdd {
    /// An empty model for `dim` features and kernel width `sigma`.
    pub fn new(dim: usize, sigma: f64, params: FisvddParams) -> Result<Self, DetectError> {
        if dim == 0 {
            return Err(DetectError::NoFeatures);
        }
        if !(sigma.is_finite() && sigma > 0.0) {
            return Err(DetectError::BadParameter(format!(
                "sigma must be a positive number, got {sigma}"
            )));
        }
        Ok(Self {
            dim,
            sigma,
            params: FisvddParams {
                sigma: Some(sigma),
                ..params
            },
            sv: Vec::new(),
            inv: Vec::new(),
            alpha0: Vec::new(),
            alpha: Vec::new(),
            l: 0.0,
            changes_since_inversion: 0,
        })
    }

    /// Batch fit: σ from `params` or the median heuristic, then `update` on every row in order.
    /// `rows` is row-major `n × dim`.
    pub fn fit(rows: &[f64], dim: usize, params: FisvddParams) -> Result<Self, DetectError> {
        if dim == 0 {
            return Err(DetectError::NoFeatures);
        }
        if rows.is_empty() {
            return Err(DetectError::NoTrainingRows);
        }
        let sigma = match params.sigma {
            Some(s) => s,
            None => median_heuristic_sigma(rows, dim, params.seed)? * params.sigma_scale,
        };
        let mut model = Self::new(dim, sigma, params)?;
        for x in rows.chunks_exact(dim) {
            model.update(x);
        }
        Ok(model)
    }

    /// Learn from one point (the paper's incremental step).
    pub fn update(&mut self, x: &[f64]) -> UpdateOutcome {
        debug_assert_eq!(x.len(), self.dim);
        if self.alpha.is_empty() {
            self.sv = x.to_vec();
            self.inv = vec![1.0];
            self.alpha0 = vec![1.0];
            self.normalise();
            return UpdateOutcome::First;
        }
        let v = self.similarities(x);
        let max_v = v.iter().copied().fold(0.0, f64::max);
        if max_v < self.params.eps1 {
            return UpdateOutcome::Outlier;
        }
        if max_v > 1.0 - self.params.eps2 {
            return UpdateOutcome::Duplicate;
        }
        let q = self.l - dot(&self.alpha, &v);
        if q <= 0.0 {
            return UpdateOutcome::Inside;
        }
        if !self.expand(x, &v) {
            return UpdateOutcome::Rejected;
        }
        let mut backup = Vec::new();
        self.shrink(&mut backup);
        self.recheck_backups(backup);
        self.apply_memory_cap();
        self.normalise();
        self.changes_since_inversion += 1;
        if self.params.reinvert_every > 0
            && self.changes_since_inversion >= self.params.reinvert_every
        {
            self.reinvert();
        }
        UpdateOutcome::Expanded
    }

    /// Anomaly score `Q(z) = L − Σ αᵢ K(z, xᵢ)`: > 0 outside the description,
    /// at most `L` (far from every SV).
    #[must_use]
    pub fn score(&self, z: &[f64]) -> f64 {
        let neg_gamma = -self.gamma();
        let inside: f64 = self
            .sv
            .chunks_exact(self.dim)
            .zip(&self.alpha)
            .map(|(s, a)| a * (sq_dist(z, s) * neg_gamma).exp())
            .sum();
        self.l - inside
    }

    /// Scores of many row-major rows, through the vectorised `f32` kernel sums of
    /// [`KernelExpansion`] (within 1e-6 of [`Self::score`]).
    #[must_use]
    pub fn score_batch(&self, rows: &[f64]) -> Vec<f64> {
        let expansion = KernelExpansion::new(&self.sv, &self.alpha, self.dim, self.gamma());
        let mut scores = expansion.sums(rows);
        for s in &mut scores {
            *s = self.l - *s;
        }
        scores
    }

    /// `K(x, svᵢ)` for every SV.
    fn similarities(&self, x: &[f64]) -> Vec<f64> {
        let neg_gamma = -self.gamma();
        self.sv
            .chunks_exact(self.dim)
            .map(|s| (sq_dist(x, s) * neg_gamma).exp())
            .collect()
    }

    /// Add `x` (with similarity vector `v`) as an SV; false when `β ≤ 1e-10`.
    fn expand(&mut self, x: &[f64], v: &[f64]) -> bool {
        let n = self.alpha0.len();
        let p = mat_vec(&self.inv, v);
        let beta = 1.0 - dot(v, &p);
        if beta <= MIN_BETA {
            return false;
        }
        self.inv = grow_inverse(&self.inv, n, &p, beta);
        self.sv.extend_from_slice(x);
        self.alpha0 = row_sums(&self.inv, n + 1);
        true
    }

    /// Remove SV `k` by the rank-1 downdate and return its coordinates.
    fn remove(&mut self, k: usize) -> Vec<f64> {
        let n = self.alpha0.len();
        self.inv = shrink_inverse(&self.inv, n, k);
        let removed: Vec<f64> = self.sv.drain(k * self.dim..(k + 1) * self.dim).collect();
        self.alpha0 = row_sums(&self.inv, n - 1);
        removed
    }

    /// While some `α₀ᵢ < 0`, remove the most negative one into `backup`.
    fn shrink(&mut self, backup: &mut Vec<Vec<f64>>) {
        while let Some((k, &a)) = self
            .alpha0
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
        {
            if a >= 0.0 || self.alpha0.len() == 1 {
                break;
            }
            backup.push(self.remove(k));
        }
    }

    /// Add back the backups that lie outside the current description. The sign
    /// of `Q = L·(1 − α₀ᵀv)` is that of `1 − α₀ᵀv`, so the check needs no
    /// normalisation. Backups inside are forgotten.
    fn recheck_backups(&mut self, mut backup: Vec<Vec<f64>>) {
        for _ in 0..MAX_BACKUP_ROUNDS {
            if backup.is_empty() {
                return;
            }
            let mut next = Vec::new();
            for b in backup {
                let v = self.similarities(&b);
                let max_v = v.iter().copied().fold(0.0, f64::max);
                if max_v > 1.0 - self.params.eps2 || max_v < self.params.eps1 {
                    continue;
                }
                if 1.0 - dot(&self.alpha0, &v) > 0.0 && self.expand(&b, &v) {
                    self.shrink(&mut next);
                }
            }
            backup = next;
        }
    }

    /// Forget the smallest-weight SVs while above the memory cap.
    fn apply_memory_cap(&mut self) {
        let Some(cap) = self.params.max_svs else {
            return;
        };
        let cap = cap.max(1);
        while self.alpha0.len() > cap {
            let Some((k, _)) = self
                .alpha0
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
            else {
                return;
            };
            self.remove(k);
            let mut dropped = Vec::new();
            self.shrink(&mut dropped);
        }
    }

    fn normalise(&mut self) {
        let total: f64 = self.alpha0.iter().sum();
        self.l = 1.0 / total;
        self.alpha = self.alpha0.iter().map(|a| a / total).collect();
    }

    /// Recompute `A⁻¹` from the SVs (bounds the drift of repeated updates).
    fn reinvert(&mut self) {
        self.changes_since_inversion = 0;
        let n = self.alpha0.len();
        if let Some(inv) = spd_inverse(&self.kernel_matrix(), n) {
            self.inv = inv;
            self.alpha0 = row_sums(&self.inv, n);
            // A fresh inverse can expose a tiny negative weight hidden by drift.
            let mut dropped = Vec::new();
            self.shrink(&mut dropped);
            self.normalise();
        }
    }

    /// The kernel matrix `A` of the current SVs (row-major).
    #[must_use]
    pub fn kernel_matrix(&self) -> Vec<f64> {
        let n = self.alpha0.len();
        let gamma = self.gamma();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let d = sq_dist(self.support_vector(i), self.support_vector(j));
                a[i * n + j] = (-d * gamma).exp();
            }
        }
        a
    }

    /// `1/(2σ²)`.
    #[must_use]
    pub fn gamma(&self) -> f64 {
        1.0 / (2.0 * self.sigma * self.sigma)
    }
    #[must_use]
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
    #[must_use]
    pub fn dim(&self) -> usize {
        self.dim
    }
    #[must_use]
    pub fn support_count(&self) -> usize {
        self.alpha.len()
    }
    #[must_use]
    pub fn support_vector(&self, i: usize) -> &[f64] {
        &self.sv[i * self.dim..(i + 1) * self.dim]
    }
    /// All SVs, row-major.
    #[must_use]
    pub fn support_vectors(&self) -> &[f64] {
        &self.sv
    }
    #[must_use]
    pub fn alpha(&self) -> &[f64] {
        &self.alpha
    }
    /// The maintained `A⁻¹`.
    #[must_use]
    pub fn inverse(&self) -> &[f64] {
        &self.inv
    }
    /// `L = 1/‖A⁻¹e‖₁`.
    #[must_use]
    pub fn l(&self) -> f64 {
        self.l
    }
    #[must_use]
    pub fn params(&self) -> &FisvddParams {
        &self.params
    }

    /// Check a deserialised model's shapes so scoring cannot index out of bounds.
    pub fn validate(&self) -> Result<(), DetectError> {
        let n = self.alpha.len();
        let ok = self.dim > 0
            && n > 0
            && self.sv.len() == n * self.dim
            && self.inv.len() == n * n
            && self.alpha0.len() == n
            && self.sigma.is_finite()
            && self.sigma > 0.0;
        if ok {
            Ok(())
        } else {
            Err(DetectError::BadModel(
                "FISVDD arrays have inconsistent sizes".into(),
            ))
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl crate::Detector for Fisvdd {
    type Params = FisvddParams;

    fn fit(rows: &[f64], dim: usize, params: &Self::Params) -> Result<Self, crate::DetectError> {
        Fisvdd::fit(rows, dim, *params)
    }
    fn dim(&self) -> usize {
        Fisvdd::dim(self)
    }
    fn score(&self, row: &[f64]) -> f64 {
        Fisvdd::score(self, row)
    }
    fn score_batch(&self, rows: &[f64]) -> Vec<f64> {
        Fisvdd::score_batch(self, rows)
    }
    fn validate(&self) -> Result<(), crate::DetectError> {
        Fisvdd::validate(self)
    }
}
