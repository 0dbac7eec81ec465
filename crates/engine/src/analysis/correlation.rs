//! Analysis 5: Pearson and Spearman (average ranks for ties) correlation between
//! qoe, engagement, `buffer_ms` and every other numeric column, plus a 2-D histogram
//! per pair for the drill-down heatmap.

use serde::Serialize;

use crate::analysis::rows::Rows;
use crate::analysis::sorting::average_ranks;
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::schema::Canonical;
use crate::stats;

/// Bins per axis of a pair's 2-D histogram.
pub const PAIR_BINS: usize = 24;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correlation {
    pub columns: Vec<String>,
    /// `null` where a column is constant.
    pub pearson: Vec<Vec<Option<f64>>>,
    pub spearman: Vec<Vec<Option<f64>>>,
    /// `pairs[i][j]` for i < j: counts of (column j, column i) — x is column j.
    #[serde(skip)]
    pub pairs: Vec<Vec<Option<PairHistogram>>>,
}

/// Counts on a grid of equal bins between each column's min and max.
#[derive(Debug, Clone, PartialEq)]
pub struct PairHistogram {
    pub x_range: [f64; 2],
    pub y_range: [f64; 2],
    /// `counts[y_bin][x_bin]`.
    pub counts: Vec<Vec<u64>>,
}

/// Most columns correlated. Each pair keeps a 2-D histogram, so the cost grows with the
/// square of the column count: 10,000 numeric columns used to ask for hundreds of GB.
pub const MAX_CORRELATED_COLUMNS: usize = 48;

/// The numeric columns the analysis correlates, in a fixed order: qoe, engagement,
/// `buffer_ms`, then the other numeric columns in file order, at most
/// [`MAX_CORRELATED_COLUMNS`] in all ([`columns_left_out`] says how many were not).
#[must_use]
pub fn numeric_columns(dataset: &Dataset) -> Vec<String> {
    let mut columns: Vec<String> = [Canonical::Qoe, Canonical::Engagement, Canonical::BufferMs]
        .iter()
        .filter(|c| dataset.has(**c))
        .map(|c| c.name().to_string())
        .collect();
    let room = MAX_CORRELATED_COLUMNS.saturating_sub(columns.len());
    columns.extend(dataset.extra_numeric.iter().take(room).cloned());
    columns
}

/// How many numeric columns [`numeric_columns`] leaves out (beyond its cap).
#[must_use]
pub fn columns_left_out(dataset: &Dataset) -> usize {
    let canonical = [Canonical::Qoe, Canonical::Engagement, Canonical::BufferMs]
        .iter()
        .filter(|c| dataset.has(**c))
        .count();
    (canonical + dataset.extra_numeric.len()).saturating_sub(MAX_CORRELATED_COLUMNS)
}

pub fn correlation(dataset: &Dataset, rows: &Rows) -> Result<Correlation, AnalysisError> {
    let columns = numeric_columns(dataset);
    let data: Vec<&[f64]> = columns
        .iter()
        .map(|c| {
            rows.numeric(c)
                .ok_or_else(|| AnalysisError::MissingColumn(c.clone()))
        })
        .collect::<Result<_, _>>()?;
    let ranks = crate::analysis::parallel::map("ranks", data.clone(), average_ranks)?;
    let k = columns.len();
    let mut pearson = vec![vec![None; k]; k];
    let mut spearman = vec![vec![None; k]; k];
    let mut pairs = vec![vec![None; k]; k];
    let constant: Vec<bool> = data.iter().map(|d| is_constant(d)).collect();
    for i in 0..k {
        if !constant[i] {
            pearson[i][i] = Some(1.0);
            spearman[i][i] = Some(1.0);
        }
        for j in (i + 1)..k {
            // A constant column has no correlation (rounding must not invent one).
            let defined = !constant[i] && !constant[j];
            let p = stats::pearson(data[i], data[j]).filter(|_| defined);
            let s = stats::pearson(&ranks[i], &ranks[j]).filter(|_| defined);
            (pearson[i][j], pearson[j][i]) = (p, p);
            (spearman[i][j], spearman[j][i]) = (s, s);
            pairs[i][j] = pair_histogram(data[j], data[i]);
        }
    }
    Ok(Correlation {
        columns,
        pearson,
        spearman,
        pairs,
    })
}

fn is_constant(values: &[f64]) -> bool {
    values.windows(2).all(|w| w[0].total_cmp(&w[1]).is_eq())
}

fn pair_histogram(x: &[f64], y: &[f64]) -> Option<PairHistogram> {
    let range = |v: &[f64]| {
        let (lo, hi) = v
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
        (lo.is_finite() && hi.is_finite()).then_some([lo, hi])
    };
    let (x_range, y_range) = (range(x)?, range(y)?);
    let bin = |v: f64, r: [f64; 2]| {
        let width = r[1] - r[0];
        if width > 0.0 {
            (((v - r[0]) / width * PAIR_BINS as f64) as usize).min(PAIR_BINS - 1)
        } else {
            0
        }
    };
    let mut counts = vec![vec![0u64; PAIR_BINS]; PAIR_BINS];
    for (&a, &b) in x.iter().zip(y) {
        counts[bin(b, y_range)][bin(a, x_range)] += 1;
    }
    Some(PairHistogram {
        x_range,
        y_range,
        counts,
    })
}
