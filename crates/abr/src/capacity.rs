//! What an office link can carry: the office what-if with the ladder capped at each of its
//! bitrates in turn, and the recommendation — the highest cap that keeps viewers' rebuffer
//! ratio under [`REBUFFER_TARGET`]: the mean under it, and at most [`STALLED_ALLOWED`] of
//! the viewers at or above it (a mean alone can hide a fifth of the office stalling).

use serde::Serialize;

use crate::manifest::Manifest;
use crate::office::{Office, simulate_office};
use crate::players::Algorithm;

/// The rebuffer ratio a recommended ladder must keep the office under (1 %).
pub const REBUFFER_TARGET: f64 = 0.01;

/// The share of viewers allowed at or above the target (5 %: the 95th percentile under it).
pub const STALLED_ALLOWED: f64 = 0.05;

/// The office's means with the ladder capped at `cap_kbps`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapOutcome {
    pub cap_kbps: f64,
    pub qoe_lin_mean: f64,
    pub bitrate_kbps_mean: f64,
    pub rebuffer_ratio_mean: f64,
    pub stalled_share: f64,
    pub startup_s_mean: f64,
}

impl CapOutcome {
    /// The recommendation's test (see the module documentation).
    #[must_use]
    pub fn keeps_viewers_smooth(&self) -> bool {
        self.rebuffer_ratio_mean < REBUFFER_TARGET && self.stalled_share <= STALLED_ALLOWED
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityAdvice {
    pub office: Office,
    pub algorithm: &'static str,
    /// Highest cap first.
    pub outcomes: Vec<CapOutcome>,
    /// The highest cap that keeps viewers smooth; `None` when even the lowest rendition
    /// alone does not.
    pub recommended_cap_kbps: Option<f64>,
    /// The cap with the highest mean `QoE_lin` (switching less can be worth more than a
    /// higher top rendition).
    pub best_qoe_cap_kbps: Option<f64>,
}

/// Runs the office once per cap (every bitrate of the ladder, on all cores) and recommends.
#[must_use]
pub fn advise(manifest: &Manifest, algorithm: Algorithm, office: &Office) -> CapacityAdvice {
    let caps: Vec<f64> = manifest.bitrates_kbps.iter().rev().copied().collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(caps.len());
    let mut outcomes: Vec<CapOutcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let caps = &caps;
                scope.spawn(move || {
                    caps.iter()
                        .skip(w)
                        .step_by(workers)
                        .map(|&cap| {
                            let run = simulate_office(&manifest.capped(cap), algorithm, office);
                            CapOutcome {
                                cap_kbps: cap,
                                qoe_lin_mean: run.qoe_lin_mean,
                                bitrate_kbps_mean: run.bitrate_kbps_mean,
                                rebuffer_ratio_mean: run.rebuffer_ratio_mean,
                                stalled_share: run.stalled_share,
                                startup_s_mean: run.startup_s_mean,
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("an office simulation thread panicked"))
            .collect()
    });
    outcomes.sort_by(|a, b| b.cap_kbps.total_cmp(&a.cap_kbps));
    let recommended_cap_kbps = outcomes
        .iter()
        .find(|o| o.keeps_viewers_smooth())
        .map(|o| o.cap_kbps);
    let best_qoe_cap_kbps = outcomes
        .iter()
        .filter(|o| o.qoe_lin_mean.is_finite())
        .fold(None::<&CapOutcome>, |best, o| match best {
            Some(b) if b.qoe_lin_mean >= o.qoe_lin_mean => Some(b),
            _ => Some(o),
        })
        .map(|o| o.cap_kbps);
    CapacityAdvice {
        office: *office,
        algorithm: algorithm.name(),
        outcomes,
        recommended_cap_kbps,
        best_qoe_cap_kbps,
    }
}
