//! Sorting tools for millions of floats: an LSD radix sort (about 5× faster than a
//! comparison sort at 10 M values), argsort, average ranks, order statistics by
//! selection, and decimated ECDF points.

use crate::stats;

/// Below this many values a comparison sort is faster than four radix passes.
const RADIX_MIN: usize = 4096;

/// Maps a float to an integer with the same order (total order, −0 < +0).
#[inline]
fn key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

#[inline]
fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Sorts floats ascending.
pub fn sort_floats(values: &mut [f64]) {
    if values.len() < RADIX_MIN {
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    let mut keys: Vec<u64> = values.iter().map(|&v| key(v)).collect();
    radix_sort(&mut keys, &mut Vec::new());
    for (v, k) in values.iter_mut().zip(&keys) {
        *v = unkey(*k);
    }
}

/// Row order that sorts `values` ascending (ties keep row order).
#[must_use]
pub fn argsort_floats(values: &[f64]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..values.len() as u32).collect();
    if values.len() < RADIX_MIN {
        order.sort_by(|&a, &b| values[a as usize].total_cmp(&values[b as usize]));
        return order;
    }
    let mut keys: Vec<u64> = values.iter().map(|&v| key(v)).collect();
    radix_sort(&mut keys, &mut order);
    order
}

/// Row order that sorts `codes` ascending (ties keep row order): each (code, row) packed
/// into one word, sorted by [`sort_by_high_half`].
#[must_use]
pub fn argsort_codes(codes: &[u32]) -> Vec<u32> {
    let mut keys: Vec<u64> = codes
        .iter()
        .zip(0_u64..)
        .map(|(&c, row)| (u64::from(c) << 32) | row)
        .collect();
    sort_by_high_half(&mut keys);
    keys.into_iter().map(|key| key as u32).collect()
}

/// Sorts words by their high 32 bits, stably (words with equal high halves keep their
/// order): only the significant bits are sorted, least significant digit first, in digits
/// of at most 11 bits (counters that stay in the first-level cache); all digits are counted
/// in one read.
pub fn sort_by_high_half(keys: &mut Vec<u64>) {
    const MAX_DIGIT_BITS: u32 = 11;
    if keys.len() < RADIX_MIN {
        keys.sort_by_key(|&k| k >> 32);
        return;
    }
    let high = keys.iter().map(|&k| k >> 32).max().unwrap_or(0);
    let bits = 64 - high.leading_zeros();
    let passes = bits.div_ceil(MAX_DIGIT_BITS);
    let digit_bits = bits.div_ceil(passes.max(1));
    let mask = (1_usize << digit_bits) - 1;
    let digit = |key: u64, pass: u32| ((key >> (32 + pass * digit_bits)) as usize) & mask;
    let mut offsets = vec![vec![0_usize; mask + 1]; passes as usize];
    for &key in keys.iter() {
        for (pass, counts) in (0..passes).zip(&mut offsets) {
            counts[digit(key, pass)] += 1;
        }
    }
    let mut moved = vec![0_u64; keys.len()];
    for (pass, offsets) in (0..passes).zip(&mut offsets) {
        let mut total = 0;
        for slot in offsets.iter_mut() {
            let count = *slot;
            *slot = total;
            total += count;
        }
        for &key in keys.iter() {
            let slot = &mut offsets[digit(key, pass)];
            moved[*slot] = key;
            *slot += 1;
        }
        std::mem::swap(keys, &mut moved);
    }
}

/// LSD radix sort with 16-bit digits, moving `payload` along when it is not empty.
/// Stable; passes where every key shares the digit are skipped.
fn radix_sort(keys: &mut Vec<u64>, payload: &mut Vec<u32>) {
    const BITS: u32 = 16;
    const BUCKETS: usize = 1 << BITS;
    let n = keys.len();
    let with_payload = !payload.is_empty();
    let mut keys_tmp = vec![0u64; n];
    let mut payload_tmp = if with_payload {
        vec![0u32; n]
    } else {
        Vec::new()
    };
    let mut counts = vec![0usize; BUCKETS];
    for pass in 0..(64 / BITS) {
        let shift = pass * BITS;
        counts.fill(0);
        for &k in keys.iter() {
            counts[((k >> shift) as usize) & (BUCKETS - 1)] += 1;
        }
        if counts.contains(&n) {
            continue;
        }
        let mut offset = 0;
        for c in &mut counts {
            let here = *c;
            *c = offset;
            offset += here;
        }
        for i in 0..n {
            let k = keys[i];
            let slot = &mut counts[((k >> shift) as usize) & (BUCKETS - 1)];
            keys_tmp[*slot] = k;
            if with_payload {
                payload_tmp[*slot] = payload[i];
            }
            *slot += 1;
        }
        std::mem::swap(keys, &mut keys_tmp);
        if with_payload {
            std::mem::swap(payload, &mut payload_tmp);
        }
    }
}

/// Average ranks 1..n (scipy `rankdata`, method "average"), as [`stats::average_ranks`].
#[must_use]
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let order = argsort_floats(values);
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let v = values[order[i] as usize];
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1] as usize].total_cmp(&v).is_eq() {
            j += 1;
        }
        let rank = (i + j + 2) as f64 / 2.0;
        for &k in &order[i..=j] {
            ranks[k as usize] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Quantiles (numpy's linear method) of unsorted values, reordering them in place
/// by selection instead of a full sort. `qs` must be ascending in [0, 1].
pub fn quantiles_by_selection(values: &mut [f64], qs: &[f64]) -> Vec<f64> {
    let n = values.len();
    if n == 0 {
        return vec![f64::NAN; qs.len()];
    }
    // The order statistics needed, ascending; selecting each in what lies right of the
    // previous one keeps the total work linear.
    let mut positions: Vec<usize> = qs
        .iter()
        .flat_map(|q| {
            let p = q * (n - 1) as f64;
            [p.floor() as usize, p.ceil() as usize]
        })
        .collect();
    positions.sort_unstable();
    positions.dedup();
    let mut start = 0;
    for &p in &positions {
        values[start..].select_nth_unstable_by(p - start, f64::total_cmp);
        // Everything right of p is ≥ values[p]; keep p itself out of the next selection.
        start = p + 1;
    }
    qs.iter()
        .map(|q| {
            let p = q * (n - 1) as f64;
            let (lo, hi) = (p.floor() as usize, p.ceil() as usize);
            values[lo] + (values[hi] - values[lo]) * (p - lo as f64)
        })
        .collect()
}

/// At most `points` (x, share ≤ x) steps of the ECDF of sorted values; the last point
/// is always (max, 1).
#[must_use]
pub fn ecdf_points(sorted: &[f64], points: usize) -> Vec<[f64; 2]> {
    let n = sorted.len();
    if n == 0 || points == 0 {
        return Vec::new();
    }
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(points.min(n) + 1);
    for k in 1..=points.min(n) {
        let mut idx = (k * n).div_ceil(points.min(n)) - 1;
        // Move to the last copy of this value so the step height is exact.
        while idx + 1 < n && sorted[idx + 1].total_cmp(&sorted[idx]).is_eq() {
            idx += 1;
        }
        let point = [sorted[idx], (idx + 1) as f64 / n as f64];
        if out
            .last()
            .is_none_or(|last| last[0].total_cmp(&point[0]).is_ne())
        {
            out.push(point);
        }
    }
    out
}

/// Five-number summary of one category of a box plot.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BoxStats {
    pub label: String,
    pub n: usize,
    pub whisker_low: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub whisker_high: f64,
}

/// Box-plot numbers of unsorted values (whiskers at 1.5 IQR, clipped to the data).
#[must_use]
pub fn box_stats(label: String, values: &mut [f64]) -> Option<BoxStats> {
    if values.is_empty() {
        return None;
    }
    sort_floats(values);
    let q = |p| stats::quantile_sorted(values, p).unwrap_or(f64::NAN);
    let (q1, median, q3) = (q(0.25), q(0.5), q(0.75));
    let iqr = q3 - q1;
    let low_fence = q1 - 1.5 * iqr;
    let high_fence = q3 + 1.5 * iqr;
    let whisker_low = values
        .iter()
        .copied()
        .find(|&v| v >= low_fence)
        .unwrap_or(q1);
    let whisker_high = values
        .iter()
        .rev()
        .copied()
        .find(|&v| v <= high_fence)
        .unwrap_or(q3);
    Some(BoxStats {
        label,
        n: values.len(),
        whisker_low,
        q1,
        median,
        q3,
        whisker_high,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn radix_sort_matches_comparison_sort(mut v in prop::collection::vec(-1e6f64..1e6, 0..9000)) {
            let mut expected = v.clone();
            expected.sort_by(f64::total_cmp);
            sort_floats(&mut v);
            prop_assert_eq!(v, expected);
        }

        #[test]
        fn code_argsort_is_a_stable_sort(
            codes in prop::collection::vec(0u32..3000, 0..9000),
            wide in proptest::bool::ANY,
        ) {
            let codes: Vec<u32> = if wide {
                codes.iter().map(|c| c.wrapping_mul(1_431_655_765)).collect()
            } else {
                codes
            };
            let mut expected: Vec<u32> = (0..codes.len() as u32).collect();
            expected.sort_by_key(|&i| codes[i as usize]);
            prop_assert_eq!(argsort_codes(&codes), expected);
        }

        #[test]
        fn fast_ranks_match_reference(v in prop::collection::vec(0u8..20, 1..6000)) {
            let v: Vec<f64> = v.into_iter().map(|x| f64::from(x) / 10.0).collect();
            prop_assert_eq!(average_ranks(&v), stats::average_ranks(&v));
        }

        #[test]
        fn selection_quantiles_match_sorted(mut v in prop::collection::vec(0.0f64..1.0, 1..500)) {
            let qs = [0.1, 0.25, 0.5, 0.75, 0.9];
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let got = quantiles_by_selection(&mut v, &qs);
            for (q, g) in qs.iter().zip(got) {
                let e = stats::quantile_sorted(&sorted, *q).unwrap();
                prop_assert!((g - e).abs() <= 1e-12);
            }
        }
    }

    #[test]
    fn ecdf_steps_end_at_one() {
        let sorted = [1.0, 2.0, 2.0, 3.0];
        assert_eq!(
            ecdf_points(&sorted, 10),
            vec![[1.0, 0.25], [2.0, 0.75], [3.0, 1.0]]
        );
        assert_eq!(ecdf_points(&sorted, 2), vec![[2.0, 0.75], [3.0, 1.0]]);
    }

    #[test]
    fn box_whiskers_stop_at_data() {
        let mut v = vec![1.0, 2.0, 3.0, 4.0, 100.0];
        let b = box_stats("x".into(), &mut v).unwrap();
        // q1 = 2, q3 = 4, fences −1 and 7: whiskers at 1 and 4; 100 is an outlier.
        assert_eq!(
            (b.whisker_low, b.q1, b.median, b.q3, b.whisker_high),
            (1.0, 2.0, 3.0, 4.0, 4.0)
        );
    }
}
