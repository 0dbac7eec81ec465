//! Rate-based: the highest rendition at most the harmonic mean of the last five measured
//! throughputs (as in the MPC paper's rate-based baseline); the lowest before any sample.

use super::{Player, PlayerState, highest_at_most, recent_harmonic_mean};

pub struct RateBased;

impl Player for RateBased {
    fn choose(&mut self, state: &PlayerState) -> usize {
        recent_harmonic_mean(state.throughputs_kbps)
            .map_or(0, |kbps| highest_at_most(state.manifest, kbps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::players::testing::{ladder, state};

    #[test]
    fn picks_the_highest_rate_under_the_harmonic_mean() {
        let m = ladder();
        assert_eq!(RateBased.choose(&state(&m, 0.0, None, &[])), 0);
        // Harmonic mean of 1000 and 4000 = 1600 → 1200 kbit/s (index 2).
        assert_eq!(
            RateBased.choose(&state(&m, 9.0, Some(0), &[1000.0, 4000.0])),
            2
        );
        assert_eq!(RateBased.choose(&state(&m, 9.0, Some(0), &[100.0])), 0);
        assert_eq!(RateBased.choose(&state(&m, 9.0, Some(0), &[9000.0])), 5);
    }
}
