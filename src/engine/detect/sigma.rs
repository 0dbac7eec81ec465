//! The median heuristic for the Gaussian kernel width.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index;

use super::DetectError;
use super::linalg::sq_dist;

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
    let row = |i: usize| &rows[i * dim..(i + 1) * dim];
    let mut dists = Vec::with_capacity(picked.len() * (picked.len() - 1) / 2);
    for (a, &i) in picked.iter().enumerate() {
        for &j in &picked[a + 1..] {
            dists.push(sq_dist(row(i), row(j)).sqrt());
        }
    }
    let mid = dists.len() / 2;
    let median = if dists.len() % 2 == 1 {
        *dists.select_nth_unstable_by(mid, f64::total_cmp).1
    } else {
        let upper = *dists.select_nth_unstable_by(mid, f64::total_cmp).1;
        let lower = dists[..mid]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        f64::midpoint(lower, upper)
    };
    let d = if median > 0.0 {
        median
    } else {
        dists.iter().sum::<f64>() / dists.len() as f64
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
