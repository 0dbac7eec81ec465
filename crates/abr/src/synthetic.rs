//! Seeded synthetic traces and a manifest, so the what-if works (and is tested) without
//! the real trace sets: bandwidth as a log-normal AR(1) process around a profile's median,
//! with outages for the mobile-3G profile.

use rand::{Rng, SeedableRng, rngs::StdRng};
use rand_distr::{Distribution, Normal};

use crate::manifest::Manifest;
use crate::trace::{Step, Trace};

/// The kinds of link the generator imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Profile {
    /// Around 1.2 Mbit/s, volatile, with outages of a few seconds (like the Norway 3G
    /// commutes).
    Mobile3g,
    /// Around 20 Mbit/s, steadier (like the Ghent 4G/LTE set).
    Lte,
}

impl Profile {
    /// (median kbit/s, step-to-step persistence, spread of log bandwidth, latency s,
    /// outage chance per second).
    fn shape(self) -> (f64, f64, f64, f64, f64) {
        match self {
            Self::Mobile3g => (1200.0, 0.9, 0.6, 0.1, 0.01),
            Self::Lte => (20_000.0, 0.95, 0.4, 0.02, 0.0),
        }
    }
}

/// A trace of `seconds` one-second steps.
#[must_use]
pub fn trace(profile: Profile, seed: u64, seconds: usize) -> Trace {
    let (median, persistence, spread, latency_s, outage) = profile.shape();
    let mut rng = StdRng::seed_from_u64(seed);
    let innovation = Normal::new(0.0, spread * (1.0 - persistence * persistence).sqrt())
        .expect("a positive spread");
    let mut level = 0.0_f64;
    let mut outage_left = 0usize;
    let steps: Vec<Step> = (0..seconds.max(1))
        .map(|_| {
            level = persistence * level + innovation.sample(&mut rng);
            if outage_left == 0 && rng.random::<f64>() < outage {
                outage_left = rng.random_range(2..8);
            }
            let bandwidth_kbps = if outage_left > 0 {
                outage_left -= 1;
                0.0
            } else {
                (median * level.exp()).round().max(1.0)
            };
            Step {
                duration_s: 1.0,
                bandwidth_kbps,
                latency_s,
            }
        })
        .collect();
    let name = match profile {
        Profile::Mobile3g => format!("synthetic-3g-{seed}"),
        Profile::Lte => format!("synthetic-4g-{seed}"),
    };
    // An outage on every step is the only way to have no bandwidth; a first step at the
    // median keeps even that case a valid trace.
    let mut steps = steps;
    if steps.iter().all(|s| s.bandwidth_kbps == 0.0) {
        steps[0].bandwidth_kbps = median;
    }
    Trace::new(name, steps).expect("generated steps are valid")
}

/// Big Buck Bunny's ladder (230–6000 kbit/s, 3 s segments) with `segments` segments whose
/// sizes vary ±15 % around the nominal bitrate (log-normal), as encoded video does.
#[must_use]
pub fn manifest(seed: u64, segments: usize) -> Manifest {
    let rates = vec![
        230.0, 331.0, 477.0, 688.0, 991.0, 1427.0, 2056.0, 2962.0, 5027.0, 6000.0,
    ];
    let mut rng = StdRng::seed_from_u64(seed);
    let noise = Normal::new(0.0, 0.15).expect("a positive spread");
    let sizes = (0..segments.max(1))
        .map(|_| {
            // One complexity per segment: a hard scene is large in every rendition.
            let complexity = f64::exp(noise.sample(&mut rng));
            rates
                .iter()
                .map(|r| (r * 1000.0 * 3.0 * complexity).round())
                .collect()
        })
        .collect();
    Manifest::new(3.0, rates, sizes).expect("generated manifest is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_shaped_like_their_profiles() {
        assert_eq!(
            trace(Profile::Mobile3g, 7, 600),
            trace(Profile::Mobile3g, 7, 600)
        );
        assert_ne!(
            trace(Profile::Mobile3g, 7, 600),
            trace(Profile::Mobile3g, 8, 600)
        );
        let g3 = trace(Profile::Mobile3g, 1, 3000);
        let g4 = trace(Profile::Lte, 1, 3000);
        assert!(
            g3.mean_kbps() > 500.0 && g3.mean_kbps() < 4000.0,
            "{}",
            g3.mean_kbps()
        );
        assert!(g4.mean_kbps() > 10_000.0, "{}", g4.mean_kbps());
        assert!(g3.steps.iter().any(|s| s.bandwidth_kbps == 0.0));
        let m = manifest(1, 50);
        assert_eq!((m.segments(), m.renditions()), (50, 10));
    }
}
