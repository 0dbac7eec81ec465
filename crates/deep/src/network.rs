//! The network: a GRU encoder reads the sequence, its last hidden state goes through a linear
//! layer and `tanh` into a small code; the code, repeated at every step, feeds a GRU decoder
//! whose hidden states a linear layer maps back to the features.

use candle_core::{DType, Device, Tensor};
use candle_nn::rnn::{GRU, GRUConfig, RNN, gru};
use candle_nn::{Linear, Module, VarBuilder, VarMap, linear};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::DeepError;

pub(crate) struct Network {
    encoder: GRU,
    to_code: Linear,
    decoder: GRU,
    to_output: Linear,
    hidden: usize,
    code: usize,
}

/// One parameter tensor, by name, for saving.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

impl Network {
    /// A network whose parameters live in `vars`.
    pub fn new(vars: &VarMap, dim: usize, hidden: usize, code: usize) -> Result<Self, DeepError> {
        let vb = VarBuilder::from_varmap(vars, DType::F32, &Device::Cpu);
        Ok(Self {
            encoder: gru(dim, hidden, GRUConfig::default(), vb.pp("encoder"))?,
            to_code: linear(hidden, code, vb.pp("to_code"))?,
            decoder: gru(code, hidden, GRUConfig::default(), vb.pp("decoder"))?,
            to_output: linear(hidden, dim, vb.pp("to_output"))?,
            hidden,
            code,
        })
    }

    /// Reconstruction of `x` (batch × steps × features).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor, DeepError> {
        let (batch, steps, _) = x.dims3()?;
        let encoded = self.encoder.seq(x)?;
        let last = encoded
            .last()
            .ok_or_else(|| DeepError::BadData("a sequence needs at least one step".into()))?;
        let code = self.to_code.forward(last.h())?.tanh()?;
        let repeated = code
            .unsqueeze(1)?
            .broadcast_as((batch, steps, self.code))?
            .contiguous()?;
        let decoded = self.decoder.seq(&repeated)?;
        let hidden =
            self.decoder
                .states_to_tensor(&decoded)?
                .reshape((batch, steps, self.hidden))?;
        Ok(self.to_output.forward(&hidden)?)
    }
}

/// Parameters in name order: a `HashMap` inside the var map must not decide anything.
fn sorted(vars: &VarMap) -> Vec<(String, candle_core::Var)> {
    let data = vars
        .data()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut all: Vec<(String, candle_core::Var)> =
        data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

/// Seeded initialisation (candle's own draws are not seeded on the CPU): weights uniform in
/// ±1/√fan-in as `PyTorch` initialises recurrent and linear layers, biases zero.
pub(crate) fn initialise(vars: &VarMap, seed: u64) -> Result<(), DeepError> {
    let mut rng = StdRng::seed_from_u64(seed);
    for (name, var) in sorted(vars) {
        let dims = var.dims().to_vec();
        let count: usize = dims.iter().product();
        let values: Vec<f32> = if name.contains("bias") {
            vec![0.0; count]
        } else {
            let fan_in = dims.last().copied().unwrap_or(1).max(1) as f32;
            let bound = 1.0 / fan_in.sqrt();
            (0..count)
                .map(|_| rng.random_range(-bound..=bound))
                .collect()
        };
        var.set(&Tensor::from_vec(values, dims, &Device::Cpu)?)?;
    }
    Ok(())
}

/// Every parameter's values, in name order.
pub(crate) fn export(vars: &VarMap) -> Result<Vec<NamedTensor>, DeepError> {
    sorted(vars)
        .into_iter()
        .map(|(name, var)| {
            Ok(NamedTensor {
                shape: var.dims().to_vec(),
                values: var.as_tensor().flatten_all()?.to_vec1::<f32>()?,
                name,
            })
        })
        .collect()
}

/// Sets every parameter of `vars` from `weights`, which must name each one exactly once with
/// its shape and finite values.
pub(crate) fn import(vars: &VarMap, weights: &[NamedTensor]) -> Result<(), DeepError> {
    let params = sorted(vars);
    if params.len() != weights.len() {
        return Err(DeepError::BadModel(format!(
            "{} parameter tensors, the architecture has {}",
            weights.len(),
            params.len()
        )));
    }
    for (name, var) in params {
        let w = weights
            .iter()
            .find(|w| w.name == name)
            .ok_or_else(|| DeepError::BadModel(format!("parameter `{name}` is missing")))?;
        let expected = var.dims();
        let count: usize = w.shape.iter().product();
        if w.shape != expected || w.values.len() != count {
            return Err(DeepError::BadModel(format!(
                "parameter `{name}` has shape {:?} with {} values, expected {expected:?}",
                w.shape,
                w.values.len()
            )));
        }
        if w.values.iter().any(|v| !v.is_finite()) {
            return Err(DeepError::BadModel(format!(
                "parameter `{name}` holds a non-finite value"
            )));
        }
        var.set(&Tensor::from_vec(
            w.values.clone(),
            expected.to_vec(),
            &Device::Cpu,
        )?)?;
    }
    Ok(())
}
