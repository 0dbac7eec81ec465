//! Feature standardisation, fitted on training chunks only.

use serde::{Deserialize, Serialize};

use crate::features::N_FEATURES;

/// `z = (x − mean) / std` per feature (population std; a constant feature gets std 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

impl Scaler {
    /// Fits on the given rows.
    #[must_use]
    pub fn fit(rows: &[[f64; N_FEATURES]]) -> Self {
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0.0; N_FEATURES];
        for r in rows {
            for (m, v) in mean.iter_mut().zip(r) {
                *m += v / n;
            }
        }
        let mut var = vec![0.0; N_FEATURES];
        for r in rows {
            for ((s, v), m) in var.iter_mut().zip(r).zip(&mean) {
                *s += (v - m).powi(2) / n;
            }
        }
        let std = var
            .into_iter()
            .map(|v| if v > 0.0 { v.sqrt() } else { 1.0 })
            .collect();
        Self { mean, std }
    }

    #[must_use]
    pub fn transform(&self, row: &[f64; N_FEATURES]) -> [f64; N_FEATURES] {
        let mut out = [0.0; N_FEATURES];
        for (i, o) in out.iter_mut().enumerate() {
            *o = (row[i] - self.mean[i]) / self.std[i];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardises_to_zero_mean_unit_std() {
        let mut a = [0.0; N_FEATURES];
        let mut b = [0.0; N_FEATURES];
        a[0] = 1.0;
        b[0] = 3.0;
        a[1] = 5.0;
        b[1] = 5.0;
        let s = Scaler::fit(&[a, b]);
        assert!((s.mean[0] - 2.0).abs() < 1e-12 && (s.std[0] - 1.0).abs() < 1e-12);
        assert!((s.transform(&a)[0] + 1.0).abs() < 1e-12);
        assert!(
            (s.std[1] - 1.0).abs() < 1e-12,
            "constant feature keeps std 1"
        );
        assert!(s.transform(&b)[1].abs() < 1e-12);
    }
}
