//! One viewer's session inside one event: the per-sample `QoE`, buffering and engagement processes.
//!
//! Owns the row-level models only; who watches, when, and over which network is decided by the
//! event planner.
//!
//! Models, per sample (about every 30 s):
//! - `QoE` deficit `d = base · max(0, e^{0.6 z} − 0.35) + spike + amplitude · susceptibility ·
//!   severity(t)`, where `z` is an AR(1) latent (`z ← 0.85 z + 0.527 ε`, unit variance),
//!   `base` the network's mean deficit times a per-viewer device factor, and `spike` a rare
//!   short glitch. `QoE = clamp(1 − d, 0, 1)`.
//! - Buffering: with probability `min(1, (1 − QoE) / 0.3)^1.5` the sample buffered for
//!   `(1 − QoE) · 30 000 ms · U(0.3, 1)`, otherwise 0.
//! - Engagement: a sticky Markov chain over eight levels. Each sample it re-draws its level with
//!   probability `0.05 + 0.35 b`, from weights that move towards low levels as `b` grows, where
//!   `b = clamp((0.92 − ema(QoE)) / 0.3, 0, 1)` and the EMA has weight 0.3 — so engagement falls
//!   shortly after `QoE` falls and stays low for a while after it recovers.

use rand::Rng;
use rand::rngs::StdRng;
use rand_distr::StandardNormal;

use super::anomaly::Anomaly;

/// States of the engagement chain (the value written for each comes from the profile).
const LEVELS: usize = 8;
/// Level weights of an attentive viewer with good `QoE`.
const W_ATTENTIVE: [f32; 8] = [0.14, 0.20, 0.04, 0.03, 0.07, 0.06, 0.34, 0.12];
/// Level weights of a viewer who mostly has the stream in the background.
const W_DISTRACTED: [f32; 8] = [0.36, 0.34, 0.06, 0.04, 0.05, 0.03, 0.09, 0.03];
/// Level weights a viewer drifts to when `QoE` is bad.
const W_BAD: [f32; 8] = [0.42, 0.32, 0.08, 0.05, 0.06, 0.03, 0.03, 0.01];

/// Sampling interval: 30 s ± 5 s, uniform.
pub(super) const MIN_GAP_MS: i64 = 25_000;
pub(super) const MAX_GAP_MS: i64 = 35_000;

/// Chance per sample that a short glitch starts.
const SPIKE_RATE: f32 = 0.004;

/// One attendance: who, where, over which network, and when.
pub(super) struct Session {
    pub join_ms: i64,
    pub leave_ms: i64,
    /// Mean `QoE` deficit of this viewer's network and device.
    pub base_deficit: f32,
    /// Multiplier on an anomaly's amplitude for this viewer (mean 1).
    pub susceptibility: f32,
    pub distracted: bool,
}

/// One generated sample, before it is joined with the viewer's attributes.
#[derive(Clone, Copy)]
pub(super) struct Sample {
    pub timestamp: i64,
    pub slot: u32,
    pub qoe: f32,
    pub engagement: f32,
    pub buffer_ms: u32,
}

/// A benign dip as one viewer lives it: over `[start_ms, end_ms]` engagement drifts low, and a
/// `paused` viewer sends no samples.
#[derive(Clone, Copy)]
pub(super) struct Away {
    pub start_ms: i64,
    pub end_ms: i64,
    pub paused: bool,
}

/// What happens to one viewer beyond the usual: an anomaly (`Some` only if the viewer is in
/// its scope) and a benign dip.
pub(super) struct Conditions<'a> {
    pub anomaly: Option<&'a Anomaly>,
    pub away: Option<Away>,
}

/// Appends the samples of one session to `out`.
pub(super) fn simulate(
    rng: &mut StdRng,
    session: &Session,
    slot: u32,
    conditions: &Conditions<'_>,
    levels: &[f32; LEVELS],
    out: &mut Vec<Sample>,
) {
    let anomaly = conditions.anomaly;
    let good = if session.distracted {
        &W_DISTRACTED
    } else {
        &W_ATTENTIVE
    };
    let mut z: f32 = rng.sample(StandardNormal);
    let mut qoe_ema = 0.96_f32;
    let mut level = draw_level(rng, good, 0.0);
    let mut spike_samples_left = 0_u8;
    let mut spike = 0.0_f32;
    let mut t = session.join_ms;
    while t <= session.leave_ms {
        let eps: f32 = rng.sample(StandardNormal);
        z = 0.85 * z + 0.527 * eps;
        let mut deficit = session.base_deficit * ((0.6 * z).exp() - 0.35).max(0.0);
        if spike_samples_left > 0 {
            spike_samples_left -= 1;
            deficit += spike;
        } else if rng.random::<f32>() < SPIKE_RATE {
            spike_samples_left = rng.random_range(1..=4);
            spike = rng.random_range(0.08..0.3);
        }
        if let Some(a) = anomaly {
            deficit += a.amplitude * session.susceptibility * a.severity(t);
        }
        let qoe = (1.0 - deficit).clamp(0.0, 1.0);
        let buffer_ms = buffering_ms(rng, qoe);

        qoe_ema = 0.7 * qoe_ema + 0.3 * qoe;
        let badness = ((0.92 - qoe_ema) / 0.3).clamp(0.0, 1.0);
        let away = conditions
            .away
            .filter(|a| (a.start_ms..=a.end_ms).contains(&t));
        if let Some(a) = away {
            // Stepped away: engagement re-drawn towards the low levels every sample.
            level = draw_level(rng, good, 1.0);
            if a.paused {
                t += rng.random_range(MIN_GAP_MS..=MAX_GAP_MS);
                continue;
            }
        } else if rng.random::<f32>() < 0.05 + 0.35 * badness {
            level = draw_level(rng, good, badness);
        }
        out.push(Sample {
            timestamp: t,
            slot,
            qoe,
            engagement: levels[level],
            buffer_ms,
        });
        t += rng.random_range(MIN_GAP_MS..=MAX_GAP_MS);
    }
}

/// Milliseconds spent buffering in one ~30 s sample with the given `QoE`.
fn buffering_ms(rng: &mut StdRng, qoe: f32) -> u32 {
    let bad = 1.0 - qoe;
    let p = (bad / 0.3).min(1.0).powf(1.5);
    if rng.random::<f32>() >= p {
        return 0;
    }
    (bad * 30_000.0 * rng.random_range(0.3..1.0)).round() as u32
}

/// Draws a level index from `good` mixed with [`W_BAD`] by `badness` ∈ [0, 1].
fn draw_level(rng: &mut StdRng, good: &[f32; LEVELS], badness: f32) -> usize {
    let weight = |i: usize| (1.0 - badness) * good[i] + badness * W_BAD[i];
    let total: f32 = (0..LEVELS).map(weight).sum();
    let mut u = rng.random::<f32>() * total;
    for i in 0..LEVELS {
        u -= weight(i);
        if u < 0.0 {
            return i;
        }
    }
    LEVELS - 1
}
