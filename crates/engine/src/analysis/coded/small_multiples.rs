//! The Differences tab's ECDF small multiples from value-code histograms: the chosen
//! customer's largest countries, each against the rest of the customer.

use super::{Counts, total};
use crate::analysis::differences::{ECDF_POINTS, GroupEcdf, SMALL_MULTIPLES};
use crate::analysis::rows::GroupBy;
use crate::dataset::Dataset;

/// Groups with rows, most rows first (ties by code), at most [`SMALL_MULTIPLES`]: the ECDFs
/// drawn for the chosen customer.
pub(super) fn largest(counts: &[u64]) -> Vec<usize> {
    let mut groups: Vec<usize> = (0..counts.len()).filter(|&g| counts[g] > 0).collect();
    groups.sort_by_key(|&g| std::cmp::Reverse(counts[g]));
    groups.truncate(SMALL_MULTIPLES);
    groups
}

/// ECDFs of one group and of the rest of its customer (as `differences::small_multiples`).
pub(super) fn small_multiple(
    dataset: &Dataset,
    values: &[f64],
    group: &Counts,
    customer: &Counts,
    code: usize,
) -> GroupEcdf {
    let (n_g, n) = (total(group) as usize, total(customer) as usize);
    let n_rest = (n - n_g).max(1) as f64;
    // Walks the `idx`-th smallest of `of` and reports (value, cumulative counts through it).
    let walk = |of: &Counts, count: usize, steps: usize| -> Vec<(usize, u64, u64)> {
        let (mut k, mut through, mut through_g, mut through_c) = (
            0usize,
            u64::from(of[0]),
            u64::from(group[0]),
            u64::from(customer[0]),
        );
        (1..=steps)
            .map(|step| {
                let idx = ((step * count).div_ceil(steps) - 1) as u64;
                while through <= idx {
                    k += 1;
                    through += u64::from(of[k]);
                    through_g += u64::from(group[k]);
                    through_c += u64::from(customer[k]);
                }
                (k, through_g, through_c)
            })
            .collect()
    };
    let group_ecdf = walk(group, n_g, ECDF_POINTS.min(n_g))
        .into_iter()
        .map(|(k, g, _)| [values[k], g as f64 / n_g as f64])
        .collect();
    let rest_ecdf = walk(customer, n, ECDF_POINTS.min(n))
        .into_iter()
        .map(|(k, g, c)| [values[k], (c - g) as f64 / n_rest])
        .collect();
    GroupEcdf {
        group: dataset.label(GroupBy::Country.column(), code as u32),
        n: n_g as u64,
        group_ecdf,
        rest_ecdf,
    }
}
