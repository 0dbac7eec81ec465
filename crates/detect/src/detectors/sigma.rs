//! The median heuristic for the Gaussian kernel width.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index;

use crate::DetectError;

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
    let counts = fill_pairs(&columns, m, &mut squared);
    let mid = pairs / 2;
    let lower_rank = if pairs % 2 == 1 { mid } else { mid - 1 };
    let (lower, upper) = two_ranks(&squared, &counts, lower_rank, mid);
    let median = f64::midpoint(lower.sqrt(), upper.sqrt());
    let d = if median > 0.0 {
        median
    } else {
        squared.iter().map(|&v| v.sqrt()).sum::<f64>() / pairs as f64
    };
    if d > 0.0 && d.is_finite() {
        Ok(d / std::f64::consts::SQRT_2)
    } else {
        Err(DetectError::Degenerate(
            "all training rows are identical; cannot choose a kernel width".into(),
        ))
    }
}

/// Bits of a non-negative float's pattern that pick its histogram bucket: sign, exponent and
/// the top 4 mantissa bits, so a bucket spans 1/16 of an octave.
const BUCKET_SHIFT: u32 = 48;
const BUCKETS: usize = 1 << (64 - BUCKET_SHIFT);

/// The histogram bucket of a non-negative float.
fn bucket(v: f64) -> usize {
    (v.to_bits() >> BUCKET_SHIFT) as usize
}

/// The `lo`-th and `hi`-th smallest (0-based, `lo ≤ hi`) of non-negative `values`, given
/// their bucket histogram `counts`: only the values of the buckets that hold those ranks are
/// selected among — far fewer than all of them, as distances spread over many buckets. The
/// pass that gathers them runs on two threads.
fn two_ranks(values: &[f64], counts: &[u32], lo: usize, hi: usize) -> (f64, f64) {
    let halves = values.split_at(values.len() / 2);
    // The bucket holding a rank, and how many values lie in the buckets below it.
    let locate = |rank: usize| {
        let mut before = 0usize;
        for (b, &c) in counts.iter().enumerate() {
            if before + c as usize > rank {
                return (b, before);
            }
            before += c as usize;
        }
        (counts.len() - 1, before)
    };
    let (lo_bucket, lo_before) = locate(lo);
    let (hi_bucket, _) = locate(hi);
    // Every value of the buckets from lo's to hi's (usually one bucket), in value order.
    let pick = |part: &[f64]| -> Vec<u64> {
        part.iter()
            .filter(|&&v| (lo_bucket..=hi_bucket).contains(&bucket(v)))
            .map(|v| v.to_bits())
            .collect()
    };
    let (mut inside, rest) = on_two_threads(|| pick(halves.0), || pick(halves.1));
    inside.extend(rest);
    // Invariant: the buckets were chosen to hold both ranks, so both offsets are in range.
    let hi_value = *inside.select_nth_unstable(hi - lo_before).1;
    let lo_value = if lo == hi {
        hi_value
    } else {
        *inside[..hi - lo_before]
            .select_nth_unstable(lo - lo_before)
            .1
    };
    (f64::from_bits(lo_value), f64::from_bits(hi_value))
}

/// Runs `a` here and `b` on a helper thread (here too when none can be started).
fn on_two_threads<A, B: Send>(a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B) {
    let b = std::sync::Mutex::new(Some(b));
    let take = || b.lock().ok().and_then(|mut f| f.take());
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("streamlens-sigma".into())
            .spawn_scoped(scope, || take().map(|f| f()));
        let first = a();
        let from_helper = match helper {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => None,
        };
        // Invariant: `b` runs exactly once — on the helper, or here when it could not start.
        let second = from_helper
            .or_else(|| take().map(|f| f()))
            .expect("the closure was taken by nobody else");
        (first, second)
    })
}

/// Where row `i`'s pairs `(i, j > i)` start in the packed triangle of `m` rows.
fn pair_offset(i: usize, m: usize) -> usize {
    i * m - i * (i + 1) / 2
}

/// Squared distances of the pairs of rows `rows` (feature-major `columns` of `m` rows) into
/// `out`, which starts at the first of those rows' pairs; returns their bucket histogram
/// (counted while each row's pairs are still in cache).
fn fill_rows(columns: &[f64], m: usize, rows: std::ops::Range<usize>, out: &mut [f64]) -> Vec<u32> {
    let mut histogram = vec![0u32; BUCKETS];
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
        for &v in chunk.iter() {
            histogram[bucket(v)] += 1;
        }
        at += m - i - 1;
    }
    histogram
}

/// All pairs' squared distances, the triangle split between two threads at half the pairs;
/// returns their bucket histogram.
fn fill_pairs(columns: &[f64], m: usize, out: &mut [f64]) -> Vec<u32> {
    let half = out.len() / 2;
    let split = (0..m).find(|&i| pair_offset(i, m) >= half).unwrap_or(m);
    let (first, second) = out.split_at_mut(pair_offset(split, m));
    let (mut histogram, other) = on_two_threads(
        || fill_rows(columns, m, 0..split, first),
        || fill_rows(columns, m, split..m, second),
    );
    for (h, o) in histogram.iter_mut().zip(&other) {
        *h += o;
    }
    histogram
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
