//! Analysis 2 (viewer types) from per-type histograms of each metric's value codes.

use super::{Counts, ecdf_points, histograms_of, mann_whitney, mean, quantiles, std_sample, total};
use crate::analysis::index::ValueCodes;
use crate::analysis::over_time::{HISTOGRAM_BINS, histogram_bin};
use crate::analysis::rows::{GroupBy, Metric, code_count};
use crate::analysis::selection::Selection;
use crate::analysis::viewer_type::{ECDF_POINTS, GroupSummary, ViewerTypeComparison};
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::kolmogorov;

/// Both metrics (`codes` in [`Metric::BOTH`] order); `None` without a viewer type column.
pub fn viewer_types(
    dataset: &Dataset,
    sel: &Selection,
    codes: [&ValueCodes; 2],
) -> Result<Option<Vec<ViewerTypeComparison>>, AnalysisError> {
    let Some(types) = sel.codes(GroupBy::ViewerType) else {
        return Ok(None);
    };
    let column = GroupBy::ViewerType.column();
    let n_types = code_count(dataset, column);
    let mut order: Vec<u32> = (0..n_types as u32).collect();
    order.sort_by_key(|&c| dataset.label(column, c));
    let columns: Vec<(&[u32], usize)> = codes
        .iter()
        .map(|vc| (vc.codes.as_slice(), vc.values.len()))
        .collect();
    let all = histograms_of(sel, &columns, n_types, |r| Some(types[r] as usize))?;
    Metric::BOTH
        .iter()
        .zip(codes)
        .zip(all)
        .map(|((&metric, vc), counts)| {
            let d = vc.values.len();
            let of = |c: u32| &counts[c as usize * d..(c as usize + 1) * d];
            let present: Vec<u32> = order
                .iter()
                .copied()
                .filter(|&c| total(of(c)) > 0)
                .collect();
            let mut comparison = ViewerTypeComparison::empty(metric);
            if let [a, b, ..] = present[..] {
                let (ca, cb) = (of(a), of(b));
                comparison.compared = Some((dataset.label(column, a), dataset.label(column, b)));
                comparison.ks_statistic = super::ks_statistic(ca, cb);
                comparison.ks_p_value = comparison.ks_statistic.map(|d| {
                    kolmogorov::ks_two_sample_p(d, total(ca) as usize, total(cb) as usize)
                });
                if let Some(mw) = mann_whitney(ca, cb) {
                    comparison.mw_u = Some(mw.u);
                    comparison.mw_p_value = Some(mw.p_value);
                }
            }
            for &c in &present {
                comparison
                    .groups
                    .insert(dataset.label(column, c), summarise(&vc.values, of(c)));
            }
            Ok(comparison)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `viewer_type::summarise_sorted` of the values a histogram holds.
#[must_use]
pub fn summarise(values: &[f64], counts: &Counts) -> GroupSummary {
    let n = total(counts);
    let mut histogram = vec![0.0; HISTOGRAM_BINS];
    for (&v, &c) in values.iter().zip(counts) {
        histogram[histogram_bin(v)] += f64::from(c);
    }
    for h in &mut histogram {
        *h /= n.max(1) as f64;
    }
    GroupSummary {
        n,
        mean: mean(values, counts),
        median: quantiles(values, counts, &[0.5])[0],
        std: std_sample(values, counts),
        histogram,
        ecdf: ecdf_points(values, counts, ECDF_POINTS),
    }
}
