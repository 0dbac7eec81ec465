//! Analyses 1, 2, 4 and 5 on value codes (see `index`): a column with few distinct values
//! is answered from histograms over its sorted distinct values instead of sorting the
//! filtered rows. Order statistics, ECDF steps, KS and Mann–Whitney walk the histograms in
//! value order and give the same numbers as the sorting paths (tests compare them).

mod buckets;
pub mod correlation;
pub mod differences;
mod differences_words;
pub mod over_time;
pub mod presorted;
mod row_cells;
mod small_multiples;
pub mod viewer_type;
mod word_layout;

use crate::analysis::parallel;
use crate::analysis::selection::{PassingRows, Selection};
use crate::error::AnalysisError;

/// Counts per distinct value (same order as the column's `values`).
pub type Counts = [u32];

/// Per-core partial histograms of `slots × distinct` counters, filled by `slot_of` over
/// the passing rows and summed. `slot_of` returns `None` for rows counted nowhere.
pub fn histograms(
    sel: &Selection,
    codes: &[u32],
    distinct: usize,
    slots: usize,
    slot_of: impl Fn(usize) -> Option<usize> + Sync,
) -> Result<Vec<u32>, AnalysisError> {
    let mut out = histograms_of(sel, &[(codes, distinct)], slots, slot_of)?;
    Ok(out.pop().unwrap_or_default())
}

/// [`histograms`] of several coded columns in one pass over the rows (same slots).
pub fn histograms_of(
    sel: &Selection,
    columns: &[(&[u32], usize)],
    slots: usize,
    slot_of: impl Fn(usize) -> Option<usize> + Sync,
) -> Result<Vec<Vec<u32>>, AnalysisError> {
    let parts = parallel::map("histograms", sel.ranges(), |range| {
        let mut counts: Vec<Vec<u32>> = columns.iter().map(|c| vec![0u32; slots * c.1]).collect();
        match sel.passing_rows(range) {
            PassingRows::All(rows) => count_codes(rows, columns, &slot_of, &mut counts),
            PassingRows::Some(rows) => count_codes(rows, columns, &slot_of, &mut counts),
        }
        counts
    })?;
    let mut totals: Vec<Vec<Vec<u32>>> = columns.iter().map(|_| Vec::new()).collect();
    for part in parts {
        for (t, counts) in totals.iter_mut().zip(part) {
            t.push(counts);
        }
    }
    Ok(totals.into_iter().map(sum).collect())
}

/// Adds the passing `rows` to `counts`: per column, slot `slot_of(r)` × its code.
fn count_codes(
    rows: impl Iterator<Item = usize>,
    columns: &[(&[u32], usize)],
    slot_of: impl Fn(usize) -> Option<usize>,
    counts: &mut [Vec<u32>],
) {
    for r in rows {
        if let Some(slot) = slot_of(r) {
            for (out, (codes, distinct)) in counts.iter_mut().zip(columns) {
                out[slot * distinct + codes[r] as usize] += 1;
            }
        }
    }
}

/// Element-wise sum of equally long count vectors.
#[must_use]
pub fn sum(parts: Vec<Vec<u32>>) -> Vec<u32> {
    let mut parts = parts.into_iter();
    let mut total = parts.next().unwrap_or_default();
    for p in parts {
        for (a, b) in total.iter_mut().zip(p) {
            *a += b;
        }
    }
    total
}

/// Number of values counted.
#[must_use]
pub fn total(counts: &Counts) -> u64 {
    counts.iter().map(|&c| u64::from(c)).sum()
}

/// The values at 0-based order statistics `ranks` (ascending), in one walk.
#[must_use]
pub fn order_statistics(values: &[f64], counts: &Counts, ranks: &[u64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(ranks.len());
    let (mut k, mut below) = (0usize, 0u64);
    for &rank in ranks {
        while k < counts.len() && below + u64::from(counts[k]) <= rank {
            below += u64::from(counts[k]);
            k += 1;
        }
        out.push(values.get(k).copied().unwrap_or(f64::NAN));
    }
    out
}

/// numpy's linear quantiles (as `stats::quantile_sorted`) for ascending `qs`.
#[must_use]
pub fn quantiles(values: &[f64], counts: &Counts, qs: &[f64]) -> Vec<f64> {
    let n = total(counts);
    if n == 0 {
        return vec![f64::NAN; qs.len()];
    }
    let positions: Vec<f64> = qs.iter().map(|q| q * (n - 1) as f64).collect();
    // One walk needs ascending ranks: a ceiling can exceed the next quantile's floor.
    let mut ranks: Vec<u64> = positions
        .iter()
        .flat_map(|p| [p.floor() as u64, p.ceil() as u64])
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    let at = order_statistics(values, counts, &ranks);
    let value = |rank: f64| at[ranks.partition_point(|&r| r < rank as u64)];
    positions
        .iter()
        .map(|p| {
            let (lo, hi) = (value(p.floor()), value(p.ceil()));
            lo + (hi - lo) * (p - p.floor())
        })
        .collect()
}

/// Σ count·value / n (`NaN` without values).
#[must_use]
pub fn mean(values: &[f64], counts: &Counts) -> f64 {
    let n = total(counts);
    let sum: f64 = values
        .iter()
        .zip(counts)
        .map(|(&v, &c)| v * f64::from(c))
        .sum();
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// Sample standard deviation (ddof = 1); `None` below two values.
#[must_use]
pub fn std_sample(values: &[f64], counts: &Counts) -> Option<f64> {
    let n = total(counts);
    if n < 2 {
        return None;
    }
    let m = mean(values, counts);
    let ss: f64 = values
        .iter()
        .zip(counts)
        .map(|(&v, &c)| f64::from(c) * (v - m) * (v - m))
        .sum();
    Some((ss / (n - 1) as f64).sqrt())
}

/// `sorting::ecdf_points` of the values the histogram holds.
#[must_use]
pub fn ecdf_points(values: &[f64], counts: &Counts, points: usize) -> Vec<[f64; 2]> {
    let n = total(counts) as usize;
    if n == 0 || points == 0 {
        return Vec::new();
    }
    let m = points.min(n);
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(m + 1);
    let (mut k, mut through) = (0usize, u64::from(counts[0]));
    for step in 1..=m {
        let idx = ((step * n).div_ceil(m) - 1) as u64;
        while through <= idx {
            k += 1;
            through += u64::from(counts[k]);
        }
        // `through` counts every copy of this value, as the step height must.
        let point = [values[k], through as f64 / n as f64];
        if out
            .last()
            .is_none_or(|last| last[0].total_cmp(&point[0]).is_ne())
        {
            out.push(point);
        }
    }
    out
}

/// Two-sample KS D (as `stats::ks_statistic_sorted`).
#[must_use]
pub fn ks_statistic(a: &Counts, b: &Counts) -> Option<f64> {
    let (na, nb) = (total(a), total(b));
    if na == 0 || nb == 0 {
        return None;
    }
    let (mut ca, mut cb, mut d) = (0u64, 0u64, 0.0_f64);
    for (&x, &y) in a.iter().zip(b) {
        if x == 0 && y == 0 {
            continue;
        }
        ca += u64::from(x);
        cb += u64::from(y);
        d = d.max((ca as f64 / na as f64 - cb as f64 / nb as f64).abs());
    }
    Some(d)
}

/// Mann–Whitney U and p (as `stats::mann_whitney_sorted`: the same run-by-run sums).
#[must_use]
pub fn mann_whitney(a: &Counts, b: &Counts) -> Option<crate::stats::MannWhitney> {
    let (na, nb) = (total(a), total(b));
    if na == 0 || nb == 0 {
        return None;
    }
    let (n1, n2) = (na as f64, nb as f64);
    let (mut seen, mut rank_sum_a, mut tie_term) = (0u64, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let t = u64::from(x) + u64::from(y);
        if t == 0 {
            continue;
        }
        let (start, t_f) = (seen as f64, t as f64);
        rank_sum_a += f64::from(x) * (start + f64::midpoint(t_f, 1.0));
        tie_term += t_f * t_f * t_f - t_f;
        seen += t;
    }
    Some(crate::stats::mann_whitney_from_sums(
        n1, n2, rank_sum_a, tie_term,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::sorting::ecdf_points as ecdf_sorted;
    use crate::stats;

    /// Sorted samples and their histograms over the union of their values.
    fn hist(samples: &[&[f64]]) -> (Vec<f64>, Vec<Vec<u32>>) {
        let mut values: Vec<f64> = samples.iter().flat_map(|s| s.iter().copied()).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        let counts = samples
            .iter()
            .map(|s| {
                values
                    .iter()
                    .map(|v| s.iter().filter(|x| x.total_cmp(v).is_eq()).count() as u32)
                    .collect()
            })
            .collect();
        (values, counts)
    }

    #[test]
    // Same arithmetic in the same order: the results must be identical, not close.
    #[allow(clippy::float_cmp)]
    fn histogram_walks_match_the_sorted_definitions() {
        let a = [0.1, 0.2, 0.2, 0.5, 0.9, 0.9, 0.9];
        let b = [0.0, 0.2, 0.3, 0.3, 0.9];
        let (values, c) = hist(&[&a, &b]);
        let qs = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];
        // All at once: a ceiling of one quantile can pass the floor of the next.
        let got = quantiles(&values, &c[1], &qs);
        for (q, g) in qs.iter().zip(got) {
            assert!(
                (g - stats::quantile_sorted(&b, *q).unwrap()).abs() < 1e-15,
                "{q}"
            );
        }
        let got = quantiles(&values, &c[0], &qs);
        for (q, g) in qs.iter().zip(got) {
            assert!(
                (g - stats::quantile_sorted(&a, *q).unwrap()).abs() < 1e-15,
                "{q}"
            );
        }
        assert_eq!(
            ks_statistic(&c[0], &c[1]),
            stats::ks_statistic_sorted(&a, &b)
        );
        assert_eq!(
            mann_whitney(&c[0], &c[1]),
            stats::mann_whitney_sorted(&a, &b)
        );
        for points in [1, 3, 5, 400] {
            assert_eq!(ecdf_points(&values, &c[0], points), ecdf_sorted(&a, points));
        }
        assert!((mean(&values, &c[0]) - stats::mean(&a).unwrap()).abs() < 1e-15);
        assert!(
            (std_sample(&values, &c[0]).unwrap() - stats::std_sample(&a).unwrap()).abs() < 1e-15
        );
        assert!(ks_statistic(&c[0], &[0; 5]).is_none());
    }
}
