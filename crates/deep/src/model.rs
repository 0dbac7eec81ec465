//! The fitted autoencoder: what it was trained as, its scaler and weights, and scoring.

use candle_core::{Device, Tensor};
use candle_nn::VarMap;
use serde::{Deserialize, Serialize};

use super::log::TrainingLog;
use super::network::{NamedTensor, Network, import};
use super::scaler::Scaler;
use super::sequences::{cut, starts};
use super::{AutoencoderParams, DeepError};

/// One series of per-step feature rows: `values` holds `steps × dim` numbers row by row,
/// `group` says which group (event) it belongs to. Features are oriented so that higher is
/// worse: a step scores only where it is worse than its reconstruction.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    pub group: u64,
    pub values: &'a [f64],
}

/// A fitted GRU autoencoder (see the crate documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceAutoencoder {
    pub dim: usize,
    pub hidden: usize,
    pub params: AutoencoderParams,
    pub(crate) scaler: Scaler,
    pub(crate) weights: Vec<NamedTensor>,
    /// Per feature: RMS of the validation residuals, which divides the excess when scoring.
    pub residual_scale: Vec<f64>,
    pub log: TrainingLog,
}

/// Sequences scored per forward pass.
const SCORE_BATCH: usize = 512;

impl SequenceAutoencoder {
    /// Trainable numbers in the network (every weight and bias).
    #[must_use]
    pub fn parameter_count(&self) -> usize {
        self.weights.iter().map(|w| w.values.len()).sum()
    }

    /// The network with this model's weights.
    pub(crate) fn network(&self) -> Result<(VarMap, Network), DeepError> {
        let vars = VarMap::new();
        let network = Network::new(&vars, self.dim, self.hidden, self.params.code)?;
        import(&vars, &self.weights)?;
        Ok((vars, network))
    }

    /// Checks a loaded model: its settings, its scaler and every weight against the
    /// architecture it names.
    pub fn validate(&self) -> Result<(), DeepError> {
        self.params
            .validate()
            .map_err(|e| DeepError::BadModel(e.to_string()))?;
        if self.dim == 0 || self.hidden == 0 || self.hidden > 512 {
            return Err(DeepError::BadModel(
                "feature count and hidden size must be positive".into(),
            ));
        }
        if self.residual_scale.len() != self.dim
            || !self
                .residual_scale
                .iter()
                .all(|r| r.is_finite() && *r > 0.0)
        {
            return Err(DeepError::BadModel(format!(
                "the residual scale must hold {} positive numbers",
                self.dim
            )));
        }
        let scale_ok = self.scaler.scale.iter().all(|s| s.is_finite() && *s > 0.0);
        let median_ok = self.scaler.median.iter().all(|m| m.is_finite());
        if self.scaler.median.len() != self.dim
            || self.scaler.scale.len() != self.dim
            || !scale_ok
            || !median_ok
        {
            return Err(DeepError::BadModel(format!(
                "the scaler must hold {} finite medians and positive scales",
                self.dim
            )));
        }
        self.network().map(|_| ())
    }

    /// Anomaly score of every step of every series: the mean, over the sequences (of
    /// `window` steps, `score_stride` apart) that contain the step, of the length of the
    /// excess over the reconstruction, `√(Σ over features of (max(0, x − x̂) / r)²)` in scaled
    /// units, `r` being the feature's validation residual RMS
    /// (a distance, like the classical detectors' scores, so that thresholds from the median
    /// and MAD of scores behave alike).
    pub fn score(&self, series: &[Series<'_>]) -> Result<Vec<Vec<f64>>, DeepError> {
        super::on_one_thread(|| self.score_here(series))
    }

    fn score_here(&self, series: &[Series<'_>]) -> Result<Vec<Vec<f64>>, DeepError> {
        let (_vars, network) = self.network()?;
        let window = self.params.window;
        let dim = self.dim;
        let scaled = self.scale_all(series)?;
        let residual_scale: Vec<f32> = self.residual_scale.iter().map(|&v| v as f32).collect();
        let residual_scale = Tensor::from_vec(residual_scale, dim, &Device::Cpu)?;
        let mut sums: Vec<Vec<f64>> = scaled.iter().map(|s| vec![0.0; s.len() / dim]).collect();
        let mut counts: Vec<Vec<u32>> = sums.iter().map(|s| vec![0; s.len()]).collect();
        let mut places: Vec<(usize, usize)> = Vec::new();
        for (i, s) in scaled.iter().enumerate() {
            if !s.is_empty() {
                for start in starts(s.len() / dim, window, self.params.score_stride) {
                    places.push((i, start));
                }
            }
        }
        for chunk in places.chunks(SCORE_BATCH) {
            let mut data = Vec::with_capacity(chunk.len() * window * dim);
            for &(i, start) in chunk {
                cut(&scaled[i], dim, window, start, &mut data);
            }
            let x = Tensor::from_vec(data, (chunk.len(), window, dim), &Device::Cpu)?;
            let excess = (&x - network.forward(&x)?)?
                .relu()?
                .broadcast_div(&residual_scale)?
                .sqr()?
                .sum(2)?
                .sqrt()?;
            let excess: Vec<Vec<f32>> = excess.to_vec2()?;
            for (&(i, start), errors) in chunk.iter().zip(excess) {
                let len = sums[i].len();
                for (offset, e) in errors.into_iter().enumerate() {
                    let step = start + offset;
                    if step < len {
                        sums[i][step] += f64::from(e);
                        counts[i][step] += 1;
                    }
                }
            }
        }
        Ok(sums
            .into_iter()
            .zip(counts)
            .map(|(s, c)| {
                s.into_iter()
                    .zip(c)
                    .map(|(sum, n)| if n == 0 { f64::NAN } else { sum / f64::from(n) })
                    .collect()
            })
            .collect())
    }

    fn scale_all(&self, series: &[Series<'_>]) -> Result<Vec<Vec<f32>>, DeepError> {
        series
            .iter()
            .map(|s| {
                if s.values.len() % self.dim != 0 {
                    return Err(DeepError::BadData(format!(
                        "a series of {} values is not a whole number of {}-feature steps",
                        s.values.len(),
                        self.dim
                    )));
                }
                let mut out = Vec::with_capacity(s.values.len());
                for row in s.values.chunks(self.dim) {
                    self.scaler.apply(row, &mut out);
                }
                Ok(out)
            })
            .collect()
    }
}
