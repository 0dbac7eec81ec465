//! BOLA-BASIC, Spiteri, Urgaonkar & Sitaraman, "BOLA: Near-Optimal Bitrate Adaptation for
//! Online Videos", INFOCOM 2016: with utilities `v_m = ln(S_m / S_1)` and the buffer `Q` in
//! segments, fetch the rendition maximising `(V·(v_m + γp) − Q) / S_m`, where
//! `V = (Q_max − 1) / (v_M + γp)` puts the top rendition's break-even one segment below
//! the buffer cap `Q_max`. `γp = 5`, the Sabre simulator's default. Sizes are the ladder's
//! nominal bitrates, in the utilities and the denominator alike (as Sabre does). Where the
//! paper waits before a request when every score is negative, this player asks for the top
//! rendition and the simulator's cap makes it wait after the download.

use super::{Player, PlayerState};
use crate::manifest::Manifest;

pub const GAMMA_P: f64 = 5.0;

pub struct Bola {
    utilities: Vec<f64>,
    v: f64,
}

impl Bola {
    #[must_use]
    pub fn new(manifest: &Manifest, buffer_cap_s: f64) -> Self {
        let rates = &manifest.bitrates_kbps;
        let utilities: Vec<f64> = rates.iter().map(|r| (r / rates[0]).ln()).collect();
        let q_max = (buffer_cap_s / manifest.segment_s).max(2.0);
        let top = utilities.last().copied().unwrap_or(0.0);
        Self {
            v: (q_max - 1.0) / (top + GAMMA_P),
            utilities,
        }
    }
}

impl Player for Bola {
    fn choose(&mut self, state: &PlayerState) -> usize {
        let q = state.buffer_s / state.manifest.segment_s;
        let rates = &state.manifest.bitrates_kbps;
        let score = |m: usize| (self.v * (self.utilities[m] + GAMMA_P) - q) / rates[m];
        // Above every break-even all scores are negative and the largest segment loses
        // least: the top rendition, and the buffer cap makes the player wait.
        (0..self.utilities.len())
            .max_by(|&a, &b| score(a).total_cmp(&score(b)))
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::players::testing::{ladder, state};

    #[test]
    fn climbs_with_the_buffer() {
        let m = ladder();
        let mut bola = Bola::new(&m, 25.0);
        // Q_max = 6.25 segments; V = 5.25 / (ln(4300/300) + 5).
        let v = 5.25 / ((4300.0_f64 / 300.0).ln() + 5.0);
        assert!((bola.v - v).abs() < 1e-12);
        let picks: Vec<usize> = [0.0, 8.0, 12.0, 16.0, 20.0, 24.0]
            .iter()
            .map(|&b| bola.choose(&state(&m, b, Some(0), &[])))
            .collect();
        assert_eq!(picks[0], 0);
        assert!(picks.windows(2).all(|w| w[0] <= w[1]), "{picks:?}");
        assert_eq!(*picks.last().unwrap(), 5);
        // By hand at B = 12 s (Q = 3): score_m = (V(ln(r_m/300) + 5) − 3) / r_m.
        let by_hand = (0..6)
            .max_by(|&a, &b| {
                let s = |i: usize| {
                    let r = m.bitrates_kbps[i];
                    (v * ((r / 300.0).ln() + 5.0) - 3.0) / r
                };
                s(a).total_cmp(&s(b))
            })
            .unwrap();
        assert_eq!(picks[2], by_hand);
    }
}
