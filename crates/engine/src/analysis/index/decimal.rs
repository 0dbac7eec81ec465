//! Dense ranks of columns whose values are decimals with few digits after the point
//! (exports write qoe in millionths): each row's step at the smallest scale that fits,
//! then which steps occur, then each step's rank. Every pass runs on all cores, one range
//! of rows each (a 20 M-row column took 160 ms on one core).

use super::{MAX_DECIMAL_SPAN, ValueCodes};
use crate::analysis::parallel;

/// Scales tried, smallest first: whole numbers, thousandths, millionths.
const SCALES: [f64; 3] = [1.0, 1e3, 1e6];
/// Adding and subtracting 1.5·2⁵² rounds any |x| < 2⁵¹ to a whole number.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
const LIMIT: f64 = 2_251_799_813_685_248.0; // 2⁵¹

/// The step index of `v` at `scale`, when `v` is exactly `step / scale` (never for NaN).
#[inline]
fn step(v: f64, scale: f64) -> Option<i64> {
    let x = v * scale;
    if x.is_nan() || x.abs() >= LIMIT {
        return None;
    }
    let k = (x + ROUNDER) - ROUNDER;
    // `v` must be the very number `k / scale` names (bit for bit, −0 aside): then
    // steps order like values and each step names one value.
    ((k / scale).to_bits() == (v + 0.0).to_bits()).then_some(k as i64)
}

/// A range of rows stepped at one scale: the index of the scale, its lowest and highest
/// step (`i64::MAX`, `i64::MIN` when the range is empty).
#[derive(Debug, Clone, Copy)]
struct Stepped {
    scale: usize,
    lo: i64,
    hi: i64,
}

/// Writes the low 32 bits of each value's step into `steps`, at the smallest scale from
/// `first_scale` on at which every value of the range is a whole step; `None` when none is.
fn step_range(values: &[f64], steps: &mut [u32], first_scale: usize) -> Option<Stepped> {
    // A value that is a whole number of steps at one scale is one at every larger scale,
    // with a wider span: only the smallest scale still possible is checked, and a failure
    // moves on to the next one from the start.
    let (mut scale, mut lo, mut hi, mut i) = (first_scale, i64::MAX, i64::MIN, 0);
    while i < values.len() {
        if let Some(k) = step(values[i], SCALES[scale]) {
            lo = lo.min(k);
            hi = hi.max(k);
            // Only the offset from the column's lowest step is kept, and spans are far
            // below 2³², so the low bits are enough.
            steps[i] = k as u32;
            i += 1;
        } else {
            scale += 1;
            if scale == SCALES.len() {
                return None;
            }
            (lo, hi, i) = (i64::MAX, i64::MIN, 0);
        }
    }
    Some(Stepped { scale, lo, hi })
}

/// Codes when every value is a whole number of steps of one scale (the smallest that
/// works) within [`MAX_DECIMAL_SPAN`] steps; `None` otherwise (also with a NaN).
pub(super) fn codes(column: &[f64]) -> Option<ValueCodes> {
    let mut codes = vec![0_u32; column.len()];
    let per = parallel::core_ranges(column.len())
        .first()
        .map_or(1, ExactSizeIterator::len)
        .max(1);
    let ranges: Vec<_> = column.chunks(per).zip(codes.chunks_mut(per)).collect();
    let mut stepped: Vec<Stepped> =
        parallel::map_all("value-codes", ranges, |(v, s)| step_range(v, s, 0))
            .into_iter()
            .collect::<Option<_>>()?;
    let scale = stepped.iter().map(|s| s.scale).max().unwrap_or(0);
    // Ranges that fit a smaller scale than the column's are stepped again at its scale.
    for ((v, s), st) in column
        .chunks(per)
        .zip(codes.chunks_mut(per))
        .zip(&mut stepped)
    {
        if st.scale < scale {
            // Only the 2⁵¹ bound can fail a larger scale, and it fails every larger one:
            // a range that would still move on is left to hashing.
            let again = step_range(v, s, scale)?;
            if again.scale != scale {
                return None;
            }
            *st = again;
        }
    }
    let (lo, hi) = if column.is_empty() {
        (0, 0)
    } else {
        let lo = stepped.iter().map(|s| s.lo).min().unwrap_or(0);
        (lo, stepped.iter().map(|s| s.hi).max().unwrap_or(0))
    };
    if hi.abs_diff(lo) >= MAX_DECIMAL_SPAN {
        return None;
    }
    let words = (hi.abs_diff(lo) as usize + 1).div_ceil(64);
    // Each row's offset from the lowest step (low bits wrap alike), and which occur.
    let base = lo as u32;
    let mut presents = parallel::map_all("value-codes", codes.chunks_mut(per).collect(), |c| {
        let mut present = vec![0_u64; words];
        for step in c {
            let o = step.wrapping_sub(base);
            *step = o;
            present[o as usize / 64] |= 1 << (o % 64);
        }
        present
    });
    let mut present = presents.pop().unwrap_or_else(|| vec![0; words]);
    for other in presents {
        for (w, o) in present.iter_mut().zip(other) {
            *w |= o;
        }
    }
    // Rank of each word's first offset; the values in rank order.
    let scale = SCALES[scale];
    let mut first_rank = Vec::with_capacity(present.len());
    let mut values = Vec::new();
    for (w, &word) in present.iter().enumerate() {
        first_rank.push(values.len() as u32);
        let mut rest = word;
        while rest != 0 {
            let b = rest.trailing_zeros() as usize;
            values.push((lo + (w * 64 + b) as i64) as f64 / scale);
            rest &= rest - 1;
        }
    }
    parallel::map_all("value-codes", codes.chunks_mut(per).collect(), |c| {
        for code in c {
            let o = *code as usize;
            let below = present[o / 64] & ((1_u64 << (o % 64)) - 1);
            *code = first_rank[o / 64] + below.count_ones();
        }
    });
    Some(ValueCodes { values, codes })
}
