//! A learned throughput predictor for MPC (issue 18's first learned player): linear
//! regression (linfa's ordinary least squares) of the next segment's log throughput on the
//! log throughputs of the last [`HISTORY`] segments, their log harmonic mean and the log
//! download time of the last one. Trained on sessions played on training traces only (every
//! rule-based player on each, so the samples cover the renditions players actually fetch);
//! `learned-mpc` is robustMPC planning with this prediction instead of the harmonic mean.
//!
//! Why log throughput: bandwidth varies multiplicatively (a 3G link halves or doubles), the
//! errors MPC pays for are relative ones, and the prediction can never be negative.

use linfa::prelude::*;
use linfa_linear::LinearRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::error::AbrError;
use crate::evaluate::simulate_all;
use crate::manifest::Manifest;
use crate::players::{Algorithm, HISTORY, recent_harmonic_mean};
use crate::sim::SimConfig;
use crate::trace::Trace;

/// Features per prediction: the last [`HISTORY`] log throughputs (oldest padded with the
/// earliest), their log harmonic mean, the last log download time.
pub const FEATURES: usize = HISTORY + 2;

/// Players whose sessions give the training samples.
const TEACHERS: [Algorithm; 3] = [Algorithm::RateBased, Algorithm::Bba, Algorithm::Bola];

/// A fitted predictor: `ln(next kbit/s) = intercept + weights · features`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThroughputPredictor {
    pub weights: Vec<f64>,
    pub intercept: f64,
    /// Samples it was fitted on and the training traces' names.
    pub samples: usize,
    pub trained_on: Vec<String>,
    /// Mean absolute error of ln throughput on the training samples, and the harmonic
    /// mean's on the same samples (the rule it replaces).
    pub train_mae_log: f64,
    pub harmonic_mae_log: f64,
}

/// The features before segment `k` (throughputs and download times of segments `..k`);
/// `None` before the first download or with a non-positive value.
#[must_use]
pub fn features(throughputs_kbps: &[f64], downloads_s: &[f64]) -> Option<[f64; FEATURES]> {
    let last_download = *downloads_s.last()?;
    let mean = recent_harmonic_mean(throughputs_kbps)?;
    if last_download <= 0.0 {
        return None;
    }
    let recent = &throughputs_kbps[throughputs_kbps.len().saturating_sub(HISTORY)..];
    let mut out = [0.0; FEATURES];
    for (i, slot) in out[..HISTORY].iter_mut().enumerate() {
        // Newest first; missing older samples repeat the oldest known.
        let v = recent[recent.len().saturating_sub(1 + i).min(recent.len() - 1)];
        *slot = v.ln();
    }
    out[HISTORY] = mean.ln();
    out[HISTORY + 1] = last_download.ln();
    Some(out)
}

impl ThroughputPredictor {
    /// Fits on sessions of the [`TEACHERS`] on `traces` (the training split).
    pub fn train(
        traces: &[Trace],
        manifest: &Manifest,
        config: &SimConfig,
    ) -> Result<Self, AbrError> {
        let runs = simulate_all(traces, manifest, &TEACHERS, config);
        let (mut rows, mut targets, mut harmonic) = (Vec::new(), Vec::new(), Vec::new());
        for run in &runs {
            let thr: Vec<f64> = run.segments.iter().map(|s| s.throughput_kbps).collect();
            let took: Vec<f64> = run.segments.iter().map(|s| s.download_s).collect();
            for k in 1..thr.len() {
                if let Some(f) = features(&thr[..k], &took[..k])
                    && thr[k] > 0.0
                    && f.iter().all(|v| v.is_finite())
                {
                    rows.extend_from_slice(&f);
                    targets.push(thr[k].ln());
                    harmonic.push(f[HISTORY]);
                }
            }
        }
        if targets.len() <= FEATURES {
            return Err(AbrError::Invalid(format!(
                "too few training samples ({}) to fit the throughput predictor: give more or \
                 longer training traces",
                targets.len()
            )));
        }
        let x = Array2::from_shape_vec((targets.len(), FEATURES), rows)
            .map_err(|e| AbrError::Invalid(e.to_string()))?;
        let y = Array1::from_vec(targets.clone());
        let model = LinearRegression::new()
            .fit(&Dataset::new(x.clone(), y))
            .map_err(|e| AbrError::Invalid(format!("fitting the throughput predictor: {e}")))?;
        let weights: Vec<f64> = model.params().to_vec();
        let intercept = model.intercept();
        let fitted = x.dot(model.params());
        let n = targets.len() as f64;
        let train_mae_log = targets
            .iter()
            .zip(fitted.iter())
            .map(|(t, p)| (t - (p + intercept)).abs())
            .sum::<f64>()
            / n;
        let harmonic_mae_log = targets
            .iter()
            .zip(&harmonic)
            .map(|(t, h)| (t - h).abs())
            .sum::<f64>()
            / n;
        Ok(Self {
            weights,
            intercept,
            samples: targets.len(),
            trained_on: traces.iter().map(|t| t.name.clone()).collect(),
            train_mae_log,
            harmonic_mae_log,
        })
    }

    /// Predicted kbit/s of the next segment; `None` before the first download.
    #[must_use]
    pub fn predict(&self, throughputs_kbps: &[f64], downloads_s: &[f64]) -> Option<f64> {
        let f = features(throughputs_kbps, downloads_s)?;
        let log = self.intercept + self.weights.iter().zip(f).map(|(w, v)| w * v).sum::<f64>();
        let kbps = log.exp();
        kbps.is_finite().then_some(kbps)
    }
}

/// The name of robustMPC driven by the learned throughput predictor.
pub const LEARNED_MPC: &str = "learned-mpc";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{self, Profile};

    #[test]
    fn features_pad_with_the_oldest_and_fail_without_history() {
        assert!(features(&[], &[]).is_none());
        let f = features(&[100.0, 200.0], &[1.0, 2.0]).unwrap();
        let ln = f64::ln;
        assert!((f[0] - ln(200.0)).abs() < 1e-12);
        for v in &f[1..HISTORY] {
            assert!((v - ln(100.0)).abs() < 1e-12);
        }
        // Harmonic mean of 100 and 200 is 400/3.
        assert!((f[HISTORY] - ln(400.0 / 3.0)).abs() < 1e-12);
        assert!((f[HISTORY + 1] - ln(2.0)).abs() < 1e-12);
    }

    #[test]
    fn fitted_on_volatile_links_it_is_no_worse_than_the_harmonic_mean_in_training() {
        let manifest = synthetic::manifest(1, 60);
        let traces: Vec<Trace> = (0..8)
            .map(|s| synthetic::trace(Profile::Mobile3g, s, 300))
            .collect();
        let p = ThroughputPredictor::train(&traces, &manifest, &SimConfig::default()).unwrap();
        // Least squares can only beat a fixed linear rule it could represent in squared
        // error; in absolute error it should at least not be far off.
        assert!(p.train_mae_log <= p.harmonic_mae_log * 1.05, "{p:?}");
        assert_eq!(p.trained_on.len(), 8);
        // On a history it has seen the like of, it predicts near the recent throughput.
        let history = [1200.0, 900.0, 1500.0, 1100.0, 1300.0];
        let predicted = p.predict(&history, &[3.0; 5]).unwrap();
        assert!(predicted > 400.0 && predicted < 3000.0, "{predicted}");
    }
}
