//! Analysis 5 (correlations) from value codes: per-column histograms give means, average
//! ranks per distinct value and ranges; one more pass sums the centred cross products of
//! values and of ranks and fills the pair histograms.

use super::{histograms_of, total};
use crate::analysis::correlation::{Correlation, PAIR_BINS, PairHistogram, numeric_columns};
use crate::analysis::index::{ValueCodes, codes_of};
use crate::analysis::parallel;
use crate::analysis::selection::{PassingRows, Selection};
use crate::dataset::Dataset;
use crate::error::AnalysisError;

/// One distinct value's centred value, centred average rank and pair-histogram bin, side
/// by side so that a row costs one memory access per column (`qoe` has ~500 k values).
#[derive(Clone, Copy, Default)]
struct ValueStat {
    dx: f64,
    dr: f64,
    bin: usize,
}

/// Per distinct value of one column, its [`ValueStat`]; for columns with many distinct
/// values only the ranks are tabled (8 bytes per value instead of 24: the table is read at
/// random, once per row), and the centred value and bin come from the row's value.
struct Column<'a> {
    codes: &'a [u32],
    stats: Vec<ValueStat>,
    /// Set for many distinct values: the rows' values, with the column's mean and range.
    values: Option<(&'a [f64], f64)>,
    dr: Vec<f64>,
    /// Σ dx², Σ dr² over the passing rows.
    sxx: f64,
    srr: f64,
    range: Option<[f64; 2]>,
    distinct_present: usize,
}

/// Over the passing `rows`: per column pair, Σ dx·dx', Σ dr·dr' and the pair histogram.
fn cross_products(
    rows: impl Iterator<Item = usize>,
    cols: &[Column],
    pairs: &[(usize, usize)],
    (sxy, srs, grid): (&mut [f64], &mut [f64], &mut [u64]),
) {
    let mut row = vec![ValueStat::default(); cols.len()];
    for r in rows {
        for (stat, c) in row.iter_mut().zip(cols) {
            let code = c.codes[r] as usize;
            *stat = match c.values {
                None => c.stats[code],
                Some((values, mean)) => ValueStat {
                    dx: values[r] - mean,
                    dr: c.dr[code],
                    bin: bin_of(values[r], c.range),
                },
            };
        }
        for (p, &(i, j)) in pairs.iter().enumerate() {
            let (a, b) = (row[i], row[j]);
            sxy[p] += a.dx * b.dx;
            srs[p] += a.dr * b.dr;
            // counts[y_bin][x_bin] with x = column j, y = column i.
            grid[(p * PAIR_BINS + a.bin) * PAIR_BINS + b.bin] += 1;
        }
    }
}

/// `Ok(None)` when a column has no value codes (the sorting path handles it).
pub fn correlation(
    dataset: &Dataset,
    sel: &Selection,
) -> Result<Option<Correlation>, AnalysisError> {
    correlation_with(dataset, sel, MANY_VALUES)
}

/// [`correlation`], tabling value statistics only up to `many_values` distinct values.
fn correlation_with(
    dataset: &Dataset,
    sel: &Selection,
    many_values: usize,
) -> Result<Option<Correlation>, AnalysisError> {
    let names = numeric_columns(dataset);
    let Some(coded) = names
        .iter()
        .map(|n| codes_of(dataset, n))
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(None);
    };
    let all = histograms_of(
        sel,
        &coded
            .iter()
            .map(|vc| (vc.codes.as_slice(), vc.values.len()))
            .collect::<Vec<_>>(),
        1,
        |_| Some(0),
    )?;
    let columns: Vec<Column> = coded
        .iter()
        .zip(&names)
        .zip(&all)
        .map(|((vc, name), counts)| {
            let values = (vc.values.len() > many_values)
                .then(|| sel.required_numeric(name))
                .transpose()?;
            Ok(column(vc, counts, values))
        })
        .collect::<Result<_, AnalysisError>>()?;
    let k = columns.len();
    let pairs: Vec<(usize, usize)> = (0..k)
        .flat_map(|i| (i + 1..k).map(move |j| (i, j)))
        .collect();
    let cols = &columns;
    let pairs_ref = &pairs;
    let parts = parallel::map("correlation", sel.ranges(), |range| {
        let mut sxy = vec![0.0; pairs_ref.len()];
        let mut srs = vec![0.0; pairs_ref.len()];
        let mut grid = vec![0u64; pairs_ref.len() * PAIR_BINS * PAIR_BINS];
        let sums = (sxy.as_mut_slice(), srs.as_mut_slice(), grid.as_mut_slice());
        match sel.passing_rows(range) {
            PassingRows::All(rows) => cross_products(rows, cols, pairs_ref, sums),
            PassingRows::Some(rows) => cross_products(rows, cols, pairs_ref, sums),
        }
        (sxy, srs, grid)
    })?;
    let mut parts = parts.into_iter();
    let (mut sxy, mut srs, mut grid) = parts.next().unwrap_or_default();
    for (a, b, g) in parts {
        sxy.iter_mut().zip(a).for_each(|(x, y)| *x += y);
        srs.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        grid.iter_mut().zip(g).for_each(|(x, y)| *x += y);
    }
    let n = sel.passing();
    let mut pearson = vec![vec![None; k]; k];
    let mut spearman = vec![vec![None; k]; k];
    let mut histograms = vec![vec![None; k]; k];
    for (i, c) in columns.iter().enumerate() {
        if c.distinct_present > 1 {
            pearson[i][i] = Some(1.0);
            spearman[i][i] = Some(1.0);
        }
    }
    let r = |s: f64, a: f64, b: f64| {
        (n >= 2 && a != 0.0 && b != 0.0).then(|| (s / (a.sqrt() * b.sqrt())).clamp(-1.0, 1.0))
    };
    for (p, &(i, j)) in pairs.iter().enumerate() {
        let (a, b) = (&columns[i], &columns[j]);
        // A constant column has no correlation (rounding must not invent one).
        let defined = a.distinct_present > 1 && b.distinct_present > 1;
        let pr = r(sxy[p], a.sxx, b.sxx).filter(|_| defined);
        let sr = r(srs[p], a.srr, b.srr).filter(|_| defined);
        (pearson[i][j], pearson[j][i]) = (pr, pr);
        (spearman[i][j], spearman[j][i]) = (sr, sr);
        if let (Some(x_range), Some(y_range)) = (b.range, a.range) {
            let cells = &grid[p * PAIR_BINS * PAIR_BINS..(p + 1) * PAIR_BINS * PAIR_BINS];
            histograms[i][j] = Some(PairHistogram {
                x_range,
                y_range,
                counts: cells.chunks(PAIR_BINS).map(<[u64]>::to_vec).collect(),
            });
        }
    }
    Ok(Some(Correlation {
        columns: names,
        pearson,
        spearman,
        pairs: histograms,
    }))
}

/// Above this many distinct values a column's value statistics are not tabled.
const MANY_VALUES: usize = 1 << 16;

/// The pair-histogram bin of `v` in the column's range of passing values.
#[inline]
fn bin_of(v: f64, range: Option<[f64; 2]>) -> usize {
    match range {
        Some([lo, hi]) if hi > lo => {
            (((v - lo) / (hi - lo) * PAIR_BINS as f64) as usize).min(PAIR_BINS - 1)
        }
        _ => 0,
    }
}

fn column<'a>(vc: &'a ValueCodes, counts: &[u32], values: Option<&'a [f64]>) -> Column<'a> {
    let d = vc.values.len();
    let n = total(counts);
    let mean = super::mean(&vc.values, counts);
    // Average rank of each distinct value among the passing rows; ranks average (n+1)/2.
    let mean_rank = f64::midpoint(n as f64, 1.0);
    let (mut below, mut dr) = (0u64, Vec::with_capacity(d));
    for &c in counts {
        dr.push(below as f64 + f64::midpoint(f64::from(c), 1.0) - mean_rank);
        below += u64::from(c);
    }
    let dx: Vec<f64> = vc.values.iter().map(|v| v - mean).collect();
    let present: Vec<usize> = (0..d).filter(|&i| counts[i] > 0).collect();
    let range = match (present.first(), present.last()) {
        (Some(&lo), Some(&hi)) => Some([vc.values[lo], vc.values[hi]]),
        _ => None,
    };
    let bin: Vec<usize> = vc.values.iter().map(|&v| bin_of(v, range)).collect();
    let sum_sq = |d: &[f64]| -> f64 {
        d.iter()
            .zip(counts)
            .map(|(x, &c)| f64::from(c) * x * x)
            .sum()
    };
    Column {
        codes: &vc.codes,
        sxx: sum_sq(&dx),
        srr: sum_sq(&dr),
        stats: if values.is_some() {
            Vec::new()
        } else {
            dx.iter()
                .zip(&dr)
                .zip(&bin)
                .map(|((&dx, &dr), &bin)| ValueStat { dx, dr, bin })
                .collect()
        },
        values: values.map(|v| (v, mean)),
        dr,
        range,
        distinct_present: present.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Filter;
    use crate::testutil::dataset;

    #[test]
    fn statistics_from_row_values_equal_the_tabled_ones() {
        let ds = dataset(include_str!("../../../../../sample_data/telemetry.csv"));
        let mut wfo = Filter::default();
        wfo.toggle("viewer_type", "WFO");
        for filter in [Filter::default(), wfo] {
            let sel = Selection::new(&ds, &filter).unwrap().unwrap();
            let tabled = correlation_with(&ds, &sel, usize::MAX).unwrap().unwrap();
            let from_rows = correlation_with(&ds, &sel, 0).unwrap().unwrap();
            assert_eq!(tabled, from_rows);
        }
    }
}
