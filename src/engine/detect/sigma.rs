//! The median heuristic for the Gaussian kernel width.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index;

use super::DetectError;

/// Points sampled for the heuristic (pairs grow quadratically).
pub const SIGMA_SAMPLE: usize = 2000;

/// `σ = median pairwise distance / √2` over at most 2,000 rows sampled with `seed`
/// (so that a typical pair has `K = exp(−1)`). Zero distances count; when the
/// median is zero (mostly duplicate rows) the mean distance is used instead.
pub fn median_heuristic_sigma(rows: &[f64], dim: usize, seed: u64) -> Result<f64, DetectError> {
    let n = rows.len() / dim.max(1);
    if n < 2 {
        return Err(DetectError::NoTrainingRows);
    }
    let picked: Vec<usize> = if n > SIGMA_SAMPLE {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut idx = index::sample(&mut rng, n, SIGMA_SAMPLE).into_vec();
        idx.sort_unstable();
        idx
    } else {
        (0..n).collect()
    };
    // Feature-major copy of the sample, so the inner loop runs over contiguous rows.
    let m = picked.len();
    let mut columns = vec![0.0; dim * m];
    for (j, &i) in picked.iter().enumerate() {
        for f in 0..dim {
            columns[f * m + j] = rows[i * dim + f];
        }
    }
    // Squared distances of every pair; the median is taken on them (the square root is
    // monotone), as bit patterns, which order like the non-negative floats they are.
    let mut squared = vec![0.0f64; m * (m - 1) / 2];
    let mut at = 0;
    for i in 0..m {
        let out = &mut squared[at..at + (m - i - 1)];
        for column in columns.chunks_exact(m) {
            let ci = column[i];
            for (o, &c) in out.iter_mut().zip(&column[i + 1..]) {
                let d = c - ci;
                *o += d * d;
            }
        }
        at += m - i - 1;
    }
    // (Collecting from `into_iter` reuses the allocation.)
    let mut bits: Vec<u64> = squared.into_iter().map(f64::to_bits).collect();
    let mid = bits.len() / 2;
    let upper = f64::from_bits(*bits.select_nth_unstable(mid).1).sqrt();
    let median = if bits.len() % 2 == 1 {
        upper
    } else {
        let lower = bits[..mid]
            .iter()
            .copied()
            .max()
            .map_or(0.0, f64::from_bits);
        f64::midpoint(lower.sqrt(), upper)
    };
    let d = if median > 0.0 {
        median
    } else {
        bits.iter().map(|&b| f64::from_bits(b).sqrt()).sum::<f64>() / bits.len() as f64
    };
    if d > 0.0 && d.is_finite() {
        Ok(d / std::f64::consts::SQRT_2)
    } else {
        Err(DetectError::Degenerate(
            "all training rows are identical; cannot choose a kernel width".into(),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact here.
mod tests {
    use super::*;

    #[test]
    fn median_of_known_distances() {
        // 1-D points 0, 1, 3: distances 1, 3, 2 → median 2 → σ = 2/√2.
        let s = median_heuristic_sigma(&[0.0, 1.0, 3.0], 1, 0).unwrap();
        assert!((s - 2.0 / std::f64::consts::SQRT_2).abs() < 1e-15);
        // Four points: distances 1,2,3,1,2,1 → median (1+2)/2... sorted 1,1,1,2,2,3 → 1.5.
        let s = median_heuristic_sigma(&[0.0, 1.0, 2.0, 3.0], 1, 0).unwrap();
        assert!((s - 1.5 / std::f64::consts::SQRT_2).abs() < 1e-15);
        assert!(median_heuristic_sigma(&[1.0, 1.0], 1, 0).is_err());
    }
}
