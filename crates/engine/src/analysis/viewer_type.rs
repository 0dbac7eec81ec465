//! Analysis 2: how a metric differs between viewer types — per-type n, mean,
//! median, sample std; the two-sample KS test and the Mann–Whitney U test
//! between the first two types in label order (WFH, WFO).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::over_time::{HISTOGRAM_BINS, histogram_bin};
use crate::analysis::rows::{GroupBy, Metric, Rows};
use crate::analysis::sorting::{ecdf_points, sort_floats};
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::{kolmogorov, stats};

/// ECDF points kept per group for charts.
pub const ECDF_POINTS: usize = 400;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    pub n: u64,
    pub mean: f64,
    pub median: f64,
    /// Sample standard deviation (ddof = 1); `null` below two samples.
    pub std: Option<f64>,
    /// Share of samples per equal bin of [0, 1] (charts only).
    #[serde(skip)]
    pub histogram: Vec<f64>,
    /// Decimated ECDF (charts only).
    #[serde(skip)]
    pub ecdf: Vec<[f64; 2]>,
}

/// One metric's comparison. The tests compare `compared.0` against `compared.1`;
/// `mw_u` is U of the first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewerTypeComparison {
    #[serde(skip)]
    pub metric: Metric,
    pub compared: Option<(String, String)>,
    pub ks_statistic: Option<f64>,
    pub ks_p_value: Option<f64>,
    pub mw_u: Option<f64>,
    pub mw_p_value: Option<f64>,
    pub groups: BTreeMap<String, GroupSummary>,
}

impl ViewerTypeComparison {
    /// No groups and no tests yet.
    #[must_use]
    pub fn empty(metric: Metric) -> Self {
        Self {
            metric,
            compared: None,
            ks_statistic: None,
            ks_p_value: None,
            mw_u: None,
            mw_p_value: None,
            groups: BTreeMap::new(),
        }
    }
}

/// Both metrics; `None` when the data has no viewer type column.
pub fn viewer_types(
    dataset: &Dataset,
    rows: &Rows,
) -> Result<Option<Vec<ViewerTypeComparison>>, AnalysisError> {
    let Some(codes) = rows.codes(GroupBy::ViewerType) else {
        return Ok(None);
    };
    let column = GroupBy::ViewerType.column();
    let n_codes = codes.iter().max().map_or(0, |&m| m as usize + 1);
    let mut order: Vec<u32> = (0..n_codes as u32).collect();
    order.sort_by_key(|&c| dataset.label(column, c));
    let order = &order;
    let results =
        crate::analysis::parallel::map("viewer-types", Metric::BOTH.to_vec(), |metric| {
            compare(dataset, rows, codes, n_codes, order, metric)
        })?;
    Ok(Some(results.into_iter().collect::<Result<_, _>>()?))
}

/// One metric's per-type summaries and tests.
fn compare(
    dataset: &Dataset,
    rows: &Rows,
    codes: &[u32],
    n_codes: usize,
    order: &[u32],
    metric: Metric,
) -> Result<ViewerTypeComparison, AnalysisError> {
    let column = GroupBy::ViewerType.column();
    let values = rows.metric(metric)?;
    let mut by_code: Vec<Vec<f64>> = vec![Vec::new(); n_codes];
    for (&c, &v) in codes.iter().zip(values) {
        by_code[c as usize].push(v);
    }
    for group in &mut by_code {
        sort_floats(group);
    }
    let present: Vec<u32> = order
        .iter()
        .copied()
        .filter(|&c| !by_code[c as usize].is_empty())
        .collect();
    let mut comparison = ViewerTypeComparison::empty(metric);
    if let [a, b, ..] = present[..] {
        let (sa, sb) = (&by_code[a as usize], &by_code[b as usize]);
        comparison.compared = Some((dataset.label(column, a), dataset.label(column, b)));
        comparison.ks_statistic = stats::ks_statistic_sorted(sa, sb);
        comparison.ks_p_value = comparison
            .ks_statistic
            .map(|d| kolmogorov::ks_two_sample_p(d, sa.len(), sb.len()));
        if let Some(mw) = stats::mann_whitney_sorted(sa, sb) {
            comparison.mw_u = Some(mw.u);
            comparison.mw_p_value = Some(mw.p_value);
        }
    }
    for &c in &present {
        let sorted = &by_code[c as usize];
        comparison
            .groups
            .insert(dataset.label(column, c), summarise_sorted(sorted));
    }
    Ok(comparison)
}

/// n, mean, median, std, histogram and ECDF of sorted values in [0, 1].
#[must_use]
pub fn summarise_sorted(sorted: &[f64]) -> GroupSummary {
    let mut histogram = vec![0.0; HISTOGRAM_BINS];
    for &v in sorted {
        histogram[histogram_bin(v)] += 1.0;
    }
    let n = sorted.len().max(1) as f64;
    for h in &mut histogram {
        *h /= n;
    }
    GroupSummary {
        n: sorted.len() as u64,
        mean: stats::mean(sorted).unwrap_or(f64::NAN),
        median: stats::quantile_sorted(sorted, 0.5).unwrap_or(f64::NAN),
        std: stats::std_sample(sorted),
        histogram,
        ecdf: ecdf_points(sorted, ECDF_POINTS),
    }
}
