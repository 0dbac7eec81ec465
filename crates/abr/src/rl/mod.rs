//! A reinforcement-learning player (issue 18's second learned player, `rl`): a policy network
//! maps what a real player sees (buffer, last rendition, the last [`HISTORY`] throughputs and
//! download times, the next segment's sizes, how much video is left) to a probability per
//! rendition. It is trained by advantage actor-critic policy gradient, as Pensieve (Mao et al.,
//! SIGCOMM 2017) trains its player: the reward of a segment is its term of `QoE_lin`
//! (bitrate − 4.3 · rebuffer − |Δ bitrate|, Mbit/s and seconds), so the return of a whole
//! session is its `QoE_lin` times its segments. In play it fetches the most probable rendition.
//!
//! The network is trained with candle (the deep-learning crate of the detector, CPU); the
//! fitted policy is plain weights ([`Mlp`]) run without candle, so playing needs none.

mod features;
mod mlp;
mod network;
mod train;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use features::{HISTORY, feature_count, observe};
pub use mlp::{Dense, Mlp};
pub use train::{CurvePoint, RlOptions, RlProgress, pensieve_qoe, train_policy};

use crate::error::AbrError;
use crate::manifest::Manifest;
use crate::players::{Player, PlayerState};

/// The name of the reinforcement-learning player on the command line and in outputs.
pub const RL: &str = "rl";

/// A trained policy and how it was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RlPolicy {
    /// The ladder it was trained on: its actions are renditions of a ladder this long.
    pub bitrates_kbps: Vec<f64>,
    pub segment_s: f64,
    pub actor: Mlp,
    pub options: RlOptions,
    /// Training traces (episodes are drawn from these) and validation traces (used only to
    /// pick the best iteration), by name.
    pub trained_on: Vec<String>,
    pub validated_on: Vec<String>,
    /// Mean Pensieve `QoE_lin` (start-up counted) of the greedy policy on the validation
    /// traces, by iteration.
    pub curve: Vec<CurvePoint>,
    /// The iteration whose weights these are (the best on validation).
    pub best_iteration: usize,
}

impl RlPolicy {
    /// Refuses a manifest whose ladder is not the one the policy was trained on (its outputs
    /// are renditions of that ladder).
    pub fn check(&self, manifest: &Manifest) -> Result<(), AbrError> {
        if manifest.renditions() != self.bitrates_kbps.len() {
            return Err(AbrError::Invalid(format!(
                "the rl policy was trained on a ladder of {} renditions, this manifest has {}: \
                 train it on this manifest",
                self.bitrates_kbps.len(),
                manifest.renditions()
            )));
        }
        let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
        if !self
            .bitrates_kbps
            .iter()
            .zip(&manifest.bitrates_kbps)
            .all(|(&a, &b)| same(a, b))
            || !same(self.segment_s, manifest.segment_s)
        {
            return Err(AbrError::Invalid(format!(
                "the rl policy was trained on the ladder {:?} kbit/s with {} s segments, this \
                 manifest has {:?} kbit/s with {} s segments: train it on this manifest",
                self.bitrates_kbps, self.segment_s, manifest.bitrates_kbps, manifest.segment_s
            )));
        }
        if self.actor.inputs() != feature_count(manifest.renditions())
            || self.actor.outputs() != manifest.renditions()
        {
            return Err(AbrError::Invalid(format!(
                "the rl policy's network takes {} inputs and gives {} outputs, expected {} and {}",
                self.actor.inputs(),
                self.actor.outputs(),
                feature_count(manifest.renditions()),
                manifest.renditions()
            )));
        }
        Ok(())
    }

    /// Reads a policy file (at most 64 MiB, as traces), checked; errors name the file.
    pub fn read(path: &std::path::Path) -> Result<Self, AbrError> {
        let text = crate::trace::read_text(path)?;
        Self::from_json(&text).map_err(|e| AbrError::Format {
            path: path.to_path_buf(),
            what: e.to_string(),
        })
    }

    /// Reads a policy saved by `abr evaluate --out` (`rl-policy.json`), checked.
    pub fn from_json(text: &str) -> Result<Self, AbrError> {
        let policy: Self = serde_json::from_str(text)
            .map_err(|e| AbrError::Invalid(format!("not an rl policy: {e}")))?;
        policy.actor.validate()?;
        if policy.actor.outputs() != policy.bitrates_kbps.len() {
            return Err(AbrError::Invalid(format!(
                "the rl policy gives {} outputs for a ladder of {} renditions",
                policy.actor.outputs(),
                policy.bitrates_kbps.len()
            )));
        }
        Ok(policy)
    }
}

/// The policy in play: the most probable rendition (the first of equals).
pub struct RlPlayer {
    policy: Arc<RlPolicy>,
    input: Vec<f32>,
    scratch: mlp::Scratch,
}

impl RlPlayer {
    #[must_use]
    pub fn new(policy: Arc<RlPolicy>) -> Self {
        Self {
            policy,
            input: Vec::new(),
            scratch: mlp::Scratch::default(),
        }
    }
}

impl Player for RlPlayer {
    fn choose(&mut self, state: &PlayerState) -> usize {
        observe(state, &mut self.input);
        let logits = self.policy.actor.forward(&self.input, &mut self.scratch);
        logits
            .iter()
            .enumerate()
            .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
                if v > best.1 { (i, v) } else { best }
            })
            .0
    }
}

#[cfg(test)]
mod tests;
