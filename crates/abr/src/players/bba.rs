//! BBA-0, the buffer-based algorithm of Huang et al., "A Buffer-Based Approach to Rate
//! Adaptation", SIGCOMM 2014: below a reservoir the lowest rendition, above reservoir +
//! cushion the highest, in between a rate map f(B) rising linearly from the lowest to the
//! highest bitrate; the rendition changes only when f(B) crosses the next rendition up or
//! down (Algorithm 1 of the paper).

use super::{Player, PlayerState};

/// Reservoir and cushion in seconds, as Pensieve's BBA baseline sets them.
pub const RESERVOIR_S: f64 = 5.0;
pub const CUSHION_S: f64 = 10.0;

pub struct Bba {
    reservoir_s: f64,
    cushion_s: f64,
}

impl Bba {
    /// Reservoir and cushion shrink together when they would not fit in 90 % of the
    /// buffer cap, so the top of the map stays reachable.
    #[must_use]
    pub fn new(buffer_cap_s: f64) -> Self {
        let room = 0.9 * buffer_cap_s;
        let scale = if RESERVOIR_S + CUSHION_S > room {
            room / (RESERVOIR_S + CUSHION_S)
        } else {
            1.0
        };
        Self {
            reservoir_s: RESERVOIR_S * scale,
            cushion_s: CUSHION_S * scale,
        }
    }
}

impl Player for Bba {
    fn choose(&mut self, state: &PlayerState) -> usize {
        let rates = &state.manifest.bitrates_kbps;
        let top = rates.len() - 1;
        let buffer = state.buffer_s;
        if buffer <= self.reservoir_s {
            return 0;
        }
        if buffer >= self.reservoir_s + self.cushion_s {
            return top;
        }
        let map = rates[0] + (buffer - self.reservoir_s) / self.cushion_s * (rates[top] - rates[0]);
        let previous = state.last.unwrap_or(0);
        let up = rates[(previous + 1).min(top)];
        let down = rates[previous.saturating_sub(1)];
        if map >= up {
            // The highest rendition below the map.
            rates.iter().rposition(|&r| r < map).unwrap_or(0)
        } else if map <= down {
            // The lowest rendition above the map.
            rates.iter().position(|&r| r > map).unwrap_or(top)
        } else {
            previous
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::players::testing::{ladder, state};

    #[test]
    fn reservoir_cushion_and_hysteresis() {
        let m = ladder();
        let mut bba = Bba::new(25.0);
        assert_eq!(bba.choose(&state(&m, 4.0, Some(3), &[])), 0);
        assert_eq!(bba.choose(&state(&m, 15.0, Some(0), &[])), 5);
        // B = 10 s: map = 300 + 0.5 · 4000 = 2300 kbit/s. From 750 (up = 1200 ≤ 2300):
        // the highest below 2300 is 1850 (index 3).
        assert_eq!(bba.choose(&state(&m, 10.0, Some(1), &[])), 3);
        // From 2850 (down = 1850 < 2300 < up = 4300): stay.
        assert_eq!(bba.choose(&state(&m, 10.0, Some(4), &[])), 4);
        // From 4300 (down = 2850 ≥ 2300): the lowest above 2300 is 2850.
        assert_eq!(bba.choose(&state(&m, 10.0, Some(5), &[])), 4);
    }

    #[test]
    fn a_small_buffer_cap_scales_the_map() {
        let bba = Bba::new(10.0);
        assert!((bba.reservoir_s + bba.cushion_s - 9.0).abs() < 1e-12);
    }
}
