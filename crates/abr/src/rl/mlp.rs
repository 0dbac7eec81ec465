//! A small fully connected network as plain weights: `ReLU` between layers, a linear last
//! layer. What the trained policy is saved as and played with (no candle needed to play).

use serde::{Deserialize, Serialize};

use crate::error::AbrError;

/// `y = W x + b`; `weights` row by row (`outputs` rows of `inputs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dense {
    pub inputs: usize,
    pub outputs: usize,
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mlp {
    pub layers: Vec<Dense>,
}

/// Reused buffers of one forward pass.
#[derive(Default)]
pub struct Scratch {
    a: Vec<f32>,
    b: Vec<f32>,
}

impl Mlp {
    #[must_use]
    pub fn inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    #[must_use]
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.outputs)
    }

    /// Shapes chain, sizes match and every value is finite.
    pub fn validate(&self) -> Result<(), AbrError> {
        if self.layers.is_empty() {
            return Err(AbrError::Invalid("the network has no layer".into()));
        }
        for (i, l) in self.layers.iter().enumerate() {
            if l.inputs == 0 || l.outputs == 0 {
                return Err(AbrError::Invalid(format!(
                    "layer {} has {} inputs and {} outputs: a layer needs both",
                    i + 1,
                    l.inputs,
                    l.outputs
                )));
            }
            if l.weights.len() != l.inputs * l.outputs || l.bias.len() != l.outputs {
                return Err(AbrError::Invalid(format!(
                    "layer {}: {} weights and {} biases for {} inputs × {} outputs",
                    i + 1,
                    l.weights.len(),
                    l.bias.len(),
                    l.inputs,
                    l.outputs
                )));
            }
            if i > 0 && self.layers[i - 1].outputs != l.inputs {
                return Err(AbrError::Invalid(format!(
                    "layer {} takes {} inputs, the layer before gives {}",
                    i + 1,
                    l.inputs,
                    self.layers[i - 1].outputs
                )));
            }
            if l.weights.iter().chain(&l.bias).any(|v| !v.is_finite()) {
                return Err(AbrError::Invalid(format!(
                    "layer {} holds a non-finite value",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    /// The outputs for `input` (of [`Self::inputs`] values).
    pub fn forward<'s>(&self, input: &[f32], scratch: &'s mut Scratch) -> &'s [f32] {
        scratch.a.clear();
        scratch.a.extend_from_slice(input);
        let last = self.layers.len().saturating_sub(1);
        for (i, layer) in self.layers.iter().enumerate() {
            scratch.b.clear();
            for (row, bias) in layer.weights.chunks_exact(layer.inputs).zip(&layer.bias) {
                let sum: f32 = row.iter().zip(&scratch.a).map(|(w, x)| w * x).sum();
                let v = sum + bias;
                scratch.b.push(if i < last { v.max(0.0) } else { v });
            }
            std::mem::swap(&mut scratch.a, &mut scratch.b);
        }
        &scratch.a
    }
}
