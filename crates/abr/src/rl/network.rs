//! The actor and critic networks in candle, their seeded initialisation and the A2C loss
//! (see [`super::train`]).

use candle_core::{D, DType, Device, Tensor};
use candle_nn::{Linear, Module, VarBuilder, VarMap, linear};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::mlp::{Dense, Mlp};

/// An iteration's sessions as tensors' contents: `rows` inputs of `width` values, the
/// rendition each chose and its scaled discounted return.
pub(super) struct Batch {
    pub inputs: Vec<f32>,
    pub actions: Vec<u32>,
    pub returns: Vec<f32>,
    pub rows: usize,
    pub width: usize,
}

/// Actor and critic: two hidden `ReLU` layers each, in one parameter map.
pub(super) struct Networks {
    pub vars: VarMap,
    actor: Vec<Linear>,
    critic: Vec<Linear>,
}

impl Networks {
    pub(super) fn new(
        inputs: usize,
        hidden: usize,
        actions: usize,
        seed: u64,
    ) -> candle_core::Result<Self> {
        let vars = VarMap::new();
        let vb = VarBuilder::from_varmap(&vars, DType::F32, &Device::Cpu);
        let stack = |name: &str, out: usize| -> candle_core::Result<Vec<Linear>> {
            Ok(vec![
                linear(inputs, hidden, vb.pp(format!("{name}.0")))?,
                linear(hidden, hidden, vb.pp(format!("{name}.1")))?,
                linear(hidden, out, vb.pp(format!("{name}.2")))?,
            ])
        };
        let nets = Self {
            actor: stack("actor", actions)?,
            critic: stack("critic", 1)?,
            vars,
        };
        nets.initialise(seed)?;
        Ok(nets)
    }

    /// Seeded (candle's own draws are not): weights uniform in ±1/√fan-in, biases zero; the
    /// actor's last layer a tenth of that, so the first policy is near uniform.
    fn initialise(&self, seed: u64) -> candle_core::Result<()> {
        let mut rng = StdRng::seed_from_u64(seed);
        let data = self
            .vars
            .data()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut named: Vec<_> = data.iter().collect();
        named.sort_by(|a, b| a.0.cmp(b.0));
        for (name, var) in named {
            let dims = var.dims().to_vec();
            let count: usize = dims.iter().product();
            let values: Vec<f32> = if name.ends_with("bias") {
                vec![0.0; count]
            } else {
                let scale = if name.starts_with("actor.2") {
                    0.1
                } else {
                    1.0
                };
                let bound = scale / (dims.last().copied().unwrap_or(1).max(1) as f32).sqrt();
                (0..count)
                    .map(|_| rng.random_range(-bound..=bound))
                    .collect()
            };
            var.set(&Tensor::from_vec(values, dims, &Device::Cpu)?)?;
        }
        Ok(())
    }

    fn run(layers: &[Linear], x: &Tensor) -> candle_core::Result<Tensor> {
        let mut h = x.clone();
        for (i, l) in layers.iter().enumerate() {
            h = l.forward(&h)?;
            if i + 1 < layers.len() {
                h = h.relu()?;
            }
        }
        Ok(h)
    }

    /// The A2C loss of a batch (module documentation).
    pub(super) fn loss(&self, batch: &Batch, entropy_weight: f64) -> candle_core::Result<Tensor> {
        let cpu = &Device::Cpu;
        let x = Tensor::from_slice(&batch.inputs, (batch.rows, batch.width), cpu)?;
        let returns = Tensor::from_slice(&batch.returns, batch.rows, cpu)?;
        let values = Self::run(&self.critic, &x)?.squeeze(1)?;
        let estimate = values.detach().to_vec1::<f32>()?;
        let mut advantage: Vec<f32> = batch
            .returns
            .iter()
            .zip(&estimate)
            .map(|(g, v)| g - v)
            .collect();
        let n = advantage.len().max(1) as f32;
        let mean = advantage.iter().sum::<f32>() / n;
        let sd = (advantage.iter().map(|a| (a - mean).powi(2)).sum::<f32>() / n).sqrt();
        for a in &mut advantage {
            *a = (*a - mean) / (sd + 1e-6);
        }
        let advantage = Tensor::from_vec(advantage, batch.rows, cpu)?;
        let actions = Tensor::from_slice(&batch.actions, (batch.rows, 1), cpu)?;
        let log_probs = candle_nn::ops::log_softmax(&Self::run(&self.actor, &x)?, D::Minus1)?;
        let chosen = log_probs.gather(&actions, 1)?.squeeze(1)?;
        let policy_loss = (chosen * advantage)?.mean_all()?.neg()?;
        let entropy = (log_probs.exp()? * &log_probs)?.sum(1)?.neg()?.mean_all()?;
        let value_loss = (values - returns)?.sqr()?.mean_all()?;
        (policy_loss - (entropy * entropy_weight)?)? + (value_loss * 0.5)?
    }

    /// The actor's current weights as plain layers.
    pub(super) fn actor_weights(&self) -> candle_core::Result<Mlp> {
        let layers = self
            .actor
            .iter()
            .map(|l| {
                let (outputs, inputs) = l.weight().dims2()?;
                let bias = match l.bias() {
                    Some(b) => b.to_vec1::<f32>()?,
                    None => vec![0.0; outputs],
                };
                Ok(Dense {
                    inputs,
                    outputs,
                    weights: l.weight().flatten_all()?.to_vec1::<f32>()?,
                    bias,
                })
            })
            .collect::<candle_core::Result<Vec<Dense>>>()?;
        Ok(Mlp { layers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rl::mlp::Scratch;

    #[test]
    fn the_exported_actor_computes_what_candle_computes() {
        let nets = Networks::new(5, 8, 3, 7).unwrap();
        let inputs: Vec<f32> = vec![0.5, -1.0, 2.0, 0.0, 0.25, 1.5, 0.1, -0.3, 0.7, 3.0];
        let x = Tensor::from_slice(&inputs, (2, 5), &Device::Cpu).unwrap();
        let candle = Networks::run(&nets.actor, &x)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        let mlp = nets.actor_weights().unwrap();
        mlp.validate().unwrap();
        let mut scratch = Scratch::default();
        for (row, expected) in inputs.chunks(5).zip(candle) {
            let got = mlp.forward(row, &mut scratch).to_vec();
            for (g, e) in got.iter().zip(&expected) {
                assert!(
                    (g - e).abs() <= 1e-5 * e.abs().max(1.0),
                    "{got:?} vs {expected:?}"
                );
            }
        }
    }
}
