//! Adaptive-bitrate players, each from its paper: which rendition to fetch next.

mod bba;
mod bola;
mod mpc;
mod rate;

pub use bba::Bba;
pub use bola::Bola;
pub use mpc::Mpc;
pub use rate::RateBased;

use serde::Serialize;

use crate::error::AbrError;
use crate::manifest::Manifest;

/// A bitrate-adaptation rule. It may keep state between segments of one session.
pub trait Player: Send {
    /// The rendition (index into the ladder) of segment `state.index`.
    fn choose(&mut self, state: &PlayerState) -> usize;
}

/// What a player knows before choosing the rendition of segment `index`.
pub struct PlayerState<'a> {
    pub manifest: &'a Manifest,
    pub index: usize,
    pub buffer_s: f64,
    pub buffer_cap_s: f64,
    /// Rendition of the previous segment, `None` before the first.
    pub last: Option<usize>,
    /// Per downloaded segment: size ÷ download time (latency included), kbit/s.
    pub throughputs_kbps: &'a [f64],
    /// Per downloaded segment: seconds from request to last bit.
    pub downloads_s: &'a [f64],
}

/// Pensieve's rebuffering penalty per second in `QoE_lin` (bitrates in Mbit/s): what MPC
/// plans with and the simulator scores with.
pub const REBUFFER_PENALTY: f64 = 4.3;

/// Throughput samples the rate-based and MPC players average.
pub const HISTORY: usize = 5;

/// The players streamlens can replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Algorithm {
    RateBased,
    Bba,
    Bola,
    Mpc,
    RobustMpc,
}

impl Algorithm {
    pub const ALL: [Self; 5] = [
        Self::RateBased,
        Self::Bba,
        Self::Bola,
        Self::Mpc,
        Self::RobustMpc,
    ];

    /// The name used on the command line and in outputs.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::RateBased => "rate",
            Self::Bba => "bba",
            Self::Bola => "bola",
            Self::Mpc => "mpc",
            Self::RobustMpc => "robust-mpc",
        }
    }

    pub fn parse(name: &str) -> Result<Self, AbrError> {
        let wanted = name.trim().to_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|a| a.name() == wanted || (wanted == "robustmpc" && *a == Self::RobustMpc))
            .ok_or_else(|| AbrError::UnknownAlgorithm(name.to_string(), Self::names()))
    }

    /// Comma-separated names, in the order given, each once.
    pub fn parse_list(names: &str) -> Result<Vec<Self>, AbrError> {
        let mut out = Vec::new();
        for name in names.split(',').filter(|n| !n.trim().is_empty()) {
            let a = Self::parse(name)?;
            if !out.contains(&a) {
                out.push(a);
            }
        }
        if out.is_empty() {
            return Err(AbrError::Invalid(format!(
                "no players named; players: {}",
                Self::names()
            )));
        }
        Ok(out)
    }

    #[must_use]
    pub fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }

    /// A fresh player for one session with this buffer cap.
    #[must_use]
    pub fn player(self, manifest: &Manifest, buffer_cap_s: f64) -> Box<dyn Player> {
        match self {
            Self::RateBased => Box::new(RateBased),
            Self::Bba => Box::new(Bba::new(buffer_cap_s)),
            Self::Bola => Box::new(Bola::new(manifest, buffer_cap_s)),
            Self::Mpc => Box::new(Mpc::new(false)),
            Self::RobustMpc => Box::new(Mpc::new(true)),
        }
    }
}

/// Harmonic mean of the last [`HISTORY`] values, `None` without any.
#[must_use]
pub fn recent_harmonic_mean(values: &[f64]) -> Option<f64> {
    let recent = &values[values.len().saturating_sub(HISTORY)..];
    if recent.is_empty() || recent.iter().any(|&v| v <= 0.0) {
        return None;
    }
    Some(recent.len() as f64 / recent.iter().map(|v| 1.0 / v).sum::<f64>())
}

/// The highest rendition whose bitrate is at most `kbps` (the lowest if none is).
#[must_use]
pub fn highest_at_most(manifest: &Manifest, kbps: f64) -> usize {
    manifest
        .bitrates_kbps
        .iter()
        .rposition(|&b| b <= kbps)
        .unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod testing {
    use super::PlayerState;
    use crate::manifest::Manifest;

    /// A ladder of 300, 750, 1200, 1850, 2850, 4300 kbit/s (Pensieve's), 4 s segments of
    /// constant bitrate, 10 segments.
    pub fn ladder() -> Manifest {
        let rates = vec![300.0, 750.0, 1200.0, 1850.0, 2850.0, 4300.0];
        let sizes = (0..10)
            .map(|_| rates.iter().map(|r| r * 1000.0 * 4.0).collect())
            .collect();
        Manifest::new(4.0, rates, sizes).unwrap()
    }

    pub fn state<'a>(
        manifest: &'a Manifest,
        buffer_s: f64,
        last: Option<usize>,
        throughputs: &'a [f64],
    ) -> PlayerState<'a> {
        PlayerState {
            manifest,
            index: throughputs.len(),
            buffer_s,
            buffer_cap_s: 25.0,
            last,
            throughputs_kbps: throughputs,
            downloads_s: &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_players() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::parse(a.name()).unwrap(), a);
        }
        assert_eq!(Algorithm::parse("robustMPC").unwrap(), Algorithm::RobustMpc);
        let e = Algorithm::parse("pensieve").unwrap_err().to_string();
        assert!(e.contains("bola") && e.contains("pensieve"), "{e}");
        assert_eq!(
            Algorithm::parse_list("bba, mpc,bba").unwrap(),
            vec![Algorithm::Bba, Algorithm::Mpc]
        );
    }

    #[test]
    fn harmonic_mean_of_the_last_five() {
        let v = [100.0, 1.0, 2.0, 2.0, 4.0, 4.0];
        // 5 / (1 + 1/2 + 1/2 + 1/4 + 1/4) = 5/2.5
        assert_eq!(recent_harmonic_mean(&v), Some(2.0));
        assert_eq!(recent_harmonic_mean(&[]), None);
    }
}
