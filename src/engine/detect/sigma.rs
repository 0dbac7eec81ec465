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
    // Squared distances of every pair, filled on every core; the median is taken on them
    // (the square root is monotone), as bit patterns, which order like the non-negative
    // floats they are.
    let pairs = m * (m - 1) / 2;
    let mut squared = vec![0.0f64; pairs];
    fill_pairs(&columns, m, &mut squared);
    // (Collecting from `into_iter` reuses the allocation.)
    let mut bits: Vec<u64> = squared.into_iter().map(f64::to_bits).collect();
    let mid = pairs / 2;
    let upper = f64::from_bits(*bits.select_nth_unstable(mid).1).sqrt();
    let median = if pairs % 2 == 1 {
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
        bits.iter().map(|&b| f64::from_bits(b).sqrt()).sum::<f64>() / pairs as f64
    };
    if d > 0.0 && d.is_finite() {
        Ok(d / std::f64::consts::SQRT_2)
    } else {
        Err(DetectError::Degenerate(
            "all training rows are identical; cannot choose a kernel width".into(),
        ))
    }
}

/// Where row `i`'s pairs `(i, j > i)` start in the packed triangle of `m` rows.
fn pair_offset(i: usize, m: usize) -> usize {
    i * m - i * (i + 1) / 2
}

/// Squared distances of the pairs of rows `rows` (feature-major `columns` of `m` rows) into
/// `out`, which starts at the first of those rows' pairs.
fn fill_rows(columns: &[f64], m: usize, rows: std::ops::Range<usize>, out: &mut [f64]) {
    let mut at = 0;
    for i in rows {
        let chunk = &mut out[at..at + (m - i - 1)];
        for column in columns.chunks_exact(m) {
            let ci = column[i];
            for (o, &c) in chunk.iter_mut().zip(&column[i + 1..]) {
                let d = c - ci;
                *o += d * d;
            }
        }
        at += m - i - 1;
    }
}

/// All pairs' squared distances, the triangle split between two threads at half the pairs
/// (one thread when a second cannot be started).
fn fill_pairs(columns: &[f64], m: usize, out: &mut [f64]) {
    let half = out.len() / 2;
    let split = (0..m).find(|&i| pair_offset(i, m) >= half).unwrap_or(m);
    let (first, second) = out.split_at_mut(pair_offset(split, m));
    // The second half is handed over through a cell, so this thread can still fill it when
    // the helper cannot be started.
    let second = std::sync::Mutex::new(Some(second));
    let take = || second.lock().ok().and_then(|mut s| s.take());
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("streamlens-sigma".into())
            .spawn_scoped(scope, || {
                if let Some(part) = take() {
                    fill_rows(columns, m, split..m, part);
                }
            });
        fill_rows(columns, m, 0..split, first);
        if helper.is_err()
            && let Some(part) = take()
        {
            fill_rows(columns, m, split..m, part);
        }
    });
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

    #[test]
    fn two_pass_median_equals_sorting_every_distance() {
        // 300 rows × 3 features (44,850 pairs, even): against a full sort.
        let rows: Vec<f64> = (0..900u32)
            .map(|i| f64::from((i * 7919) % 1009) / 97.0 + f64::from(i % 5))
            .collect();
        let mut dists = Vec::new();
        for i in 0..300 {
            for j in i + 1..300 {
                let d: f64 = (0..3)
                    .map(|f| (rows[i * 3 + f] - rows[j * 3 + f]).powi(2))
                    .sum();
                dists.push(d.sqrt());
            }
        }
        dists.sort_by(f64::total_cmp);
        let mid = dists.len() / 2;
        let want = f64::midpoint(dists[mid - 1], dists[mid]) / std::f64::consts::SQRT_2;
        let got = median_heuristic_sigma(&rows, 3, 0).unwrap();
        assert!((got - want).abs() < 1e-12 * want, "{got} vs {want}");
    }
}
