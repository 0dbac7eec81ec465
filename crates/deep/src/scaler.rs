//! Robust standardisation per feature, `z = (x − median) / (1.4826 · MAD)`, so that the
//! anomalous steps among the training data barely move the scale, then compressed as
//! `sign(z) · ln(1 + |z|)`: window features are heavy-tailed, and without the compression a
//! few extreme minutes would dominate a squared loss. Non-finite inputs become 0 (the
//! median): a missing feature is read as usual, never as an incident.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    pub median: Vec<f64>,
    pub scale: Vec<f64>,
}

/// Scales below this are raised to it: a constant feature must not blow up.
const MIN_SCALE: f64 = 1e-6;

impl Scaler {
    /// Fitted on every finite value of each column of the `dim`-wide rows in `steps`.
    pub fn fit<'a>(steps: impl Iterator<Item = &'a [f64]>, dim: usize) -> Self {
        let mut columns: Vec<Vec<f64>> = vec![Vec::new(); dim];
        for row in steps {
            for (column, &v) in columns.iter_mut().zip(row) {
                if v.is_finite() {
                    column.push(v);
                }
            }
        }
        let (median, scale) = columns
            .into_iter()
            .map(|mut c| {
                let m = median(&mut c);
                let mut dev: Vec<f64> = c.iter().map(|v| (v - m).abs()).collect();
                let mean_dev = dev.iter().sum::<f64>() / dev.len().max(1) as f64;
                let mad = median(&mut dev);
                let m = if m.is_finite() { m } else { 0.0 };
                // A feature that is mostly one value (no buffering in most minutes) has a MAD
                // of 0: its mean absolute deviation (×1.2533, the normal-consistent factor)
                // is the scale then, so its rare moves do not read as millions of MADs.
                let s = (1.4826 * mad).max(1.2533 * mean_dev);
                (m, if s.is_finite() { s.max(MIN_SCALE) } else { 1.0 })
            })
            .unzip();
        Self { median, scale }
    }

    /// One row scaled into `out`.
    pub fn apply(&self, row: &[f64], out: &mut Vec<f32>) {
        for ((v, m), s) in row.iter().zip(&self.median).zip(&self.scale) {
            let z = (v - m) / s;
            out.push(if z.is_finite() {
                (z.signum() * z.abs().ln_1p()) as f32
            } else {
                0.0
            });
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}
