//! Analysis 4 (group vs rest of its customer) from histograms of the metric's value codes:
//! one per customer and one per (customer, country) and (customer, city) that is tested.

use super::differences_words::{Customers, by_sorted_words, test_sorted_customers};
use super::presorted::PresortedWords;
use super::small_multiples::{largest, small_multiple};
use super::word_layout::WordLayout;
use super::{Counts, total};
use crate::analysis::differences::{
    DIMENSIONS, DifferenceParams, Differences, SortedCustomer, push_tested, test_customers,
};
use crate::analysis::index::ValueCodes;
use crate::analysis::parallel;
use crate::analysis::rows::{GroupBy, code_count};
use crate::analysis::selection::Selection;
use crate::analysis::sorting::argsort_codes;
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::kolmogorov;

/// Above this many counters the sorting path is used instead.
const MAX_COUNTERS: usize = 1 << 25;

/// Histograms per customer and tested group when they fit in [`MAX_COUNTERS`], else each
/// customer's rows sorted by value code.
pub fn differences(
    dataset: &Dataset,
    sel: &Selection,
    params: &DifferenceParams,
    vc: &ValueCodes,
) -> Result<Differences, AnalysisError> {
    let (customers, n_customers) = customer_codes(dataset, sel);
    // Every customer has a histogram, so this many already rules them out.
    if n_customers * vc.values.len() > MAX_COUNTERS {
        return by_sorting(dataset, sel, params, vc);
    }
    let customer_of = |r: usize| customers.map_or(0, |c| c[r] as usize);
    let dims: Vec<(GroupBy, &[u32], usize)> = DIMENSIONS
        .iter()
        .filter_map(|&g| Some((g, sel.codes(g)?, code_count(dataset, g.column()))))
        .collect();
    // Rows per customer and per (customer, group) decide which groups are tested.
    let parts = parallel::map("differences-counts", sel.ranges(), |range| {
        let mut per_customer = vec![0u64; n_customers];
        let mut per_group: Vec<Vec<u64>> =
            dims.iter().map(|d| vec![0; n_customers * d.2]).collect();
        for r in range {
            if !sel.passes(r) {
                continue;
            }
            let c = customer_of(r);
            per_customer[c] += 1;
            for (k, (_, codes, n)) in dims.iter().enumerate() {
                per_group[k][c * n + codes[r] as usize] += 1;
            }
        }
        (per_customer, per_group)
    })?;
    let mut parts = parts.into_iter();
    let (mut per_customer, mut per_group) = parts.next().unwrap_or_default();
    for (c, g) in parts {
        for (a, b) in per_customer.iter_mut().zip(c) {
            *a += b;
        }
        for (a, b) in per_group.iter_mut().zip(g) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
    let label_of_customer = |c: usize| match customers {
        Some(_) => dataset.label(GroupBy::Customer.column(), c as u32),
        None => crate::analysis::groups::ALL.to_string(),
    };
    let chosen = params
        .ecdf_customer
        .as_ref()
        .and_then(|label| (0..n_customers).find(|&c| label_of_customer(c) == *label))
        .or_else(|| (0..n_customers).max_by_key(|&c| per_customer[c]))
        .filter(|&c| per_customer[c] > 0);
    // Histogram slots: customers first, then each tested or drawn (customer, group).
    let min = params.min_samples as u64;
    let mut slot_of: Vec<Vec<u32>> = dims
        .iter()
        .map(|d| vec![u32::MAX; n_customers * d.2])
        .collect();
    let mut slots = n_customers;
    for (k, (dimension, _, n)) in dims.iter().enumerate() {
        for c in 0..n_customers {
            let drawn = if *dimension == GroupBy::Country && Some(c) == chosen {
                largest(&per_group[k][c * n..(c + 1) * n])
            } else {
                Vec::new()
            };
            for g in 0..*n {
                let count = per_group[k][c * n + g];
                let tested = count > 0 && count >= min && per_customer[c] - count >= min;
                if tested || drawn.contains(&g) {
                    slot_of[k][c * n + g] = slots as u32;
                    slots += 1;
                }
            }
        }
    }
    let d = vc.values.len();
    if slots * d > MAX_COUNTERS {
        return by_sorting(dataset, sel, params, vc);
    }
    // Each row counts for its customer and for each of its groups that has a slot.
    let dims = &dims;
    let slot_of = &slot_of;
    let parts = parallel::map("differences-histograms", sel.ranges(), |range| {
        let mut counts = vec![0u32; slots * d];
        for r in range {
            if !sel.passes(r) {
                continue;
            }
            let (c, v) = (customer_of(r), vc.codes[r] as usize);
            counts[c * d + v] += 1;
            for (k, (_, codes, n)) in dims.iter().enumerate() {
                let s = slot_of[k][c * n + codes[r] as usize];
                if s != u32::MAX {
                    counts[s as usize * d + v] += 1;
                }
            }
        }
        counts
    })?;
    let counts = super::sum(parts);
    let hist = |s: usize| &counts[s * d..(s + 1) * d];
    let mut out = Differences::empty(params.metric, chosen.map(label_of_customer));
    for c in (0..n_customers).filter(|&c| per_customer[c] > 0) {
        for (k, (dimension, _, n)) in dims.iter().enumerate() {
            let mut found = Vec::new();
            for g in 0..*n {
                let count = per_group[k][c * n + g];
                let n_rest = per_customer[c] - count;
                let s = slot_of[k][c * n + g];
                if count == 0 || count < min || n_rest < min || s == u32::MAX {
                    continue;
                }
                let dist = ks_vs_rest(hist(s as usize), hist(c));
                let p_value = kolmogorov::ks_two_sample_p(dist, count as usize, n_rest as usize);
                found.push((
                    dataset.label(dimension.column(), g as u32),
                    count,
                    n_rest,
                    dist,
                    p_value,
                ));
            }
            push_tested(&mut out, *dimension, &label_of_customer(c), found, params);
            if *dimension == GroupBy::Country && Some(c) == chosen {
                let drawn = largest(&per_group[k][c * n..(c + 1) * n]);
                out.ecdfs = drawn
                    .into_iter()
                    .map(|g| {
                        let s = slot_of[k][c * n + g] as usize;
                        small_multiple(dataset, &vc.values, hist(s), hist(c), g)
                    })
                    .collect();
            }
        }
    }
    Ok(out)
}

/// KS D of a group against the rest of its customer, evaluated just before and just after
/// each of the group's values (as the sorting path does).
fn ks_vs_rest(group: &Counts, customer: &Counts) -> f64 {
    let (n_g, n_c) = (total(group), total(customer));
    let n_r = (n_c - n_g) as f64;
    let n_g_f = n_g as f64;
    let (mut below_g, mut below_c, mut d) = (0u64, 0u64, 0.0_f64);
    for (&g, &c) in group.iter().zip(customer) {
        if g > 0 {
            let before = (below_g as f64 / n_g_f - (below_c - below_g) as f64 / n_r).abs();
            d = d.max(before);
            below_g += u64::from(g);
            below_c += u64::from(c);
            let after = (below_g as f64 / n_g_f - (below_c - below_g) as f64 / n_r).abs();
            d = d.max(after);
        } else {
            below_c += u64::from(c);
        }
    }
    d
}

/// Each row's customer code and how many customers there are (one, `ALL`, without a
/// customer column).
fn customer_codes<'a>(dataset: &Dataset, sel: &Selection<'a>) -> (Option<&'a [u32]>, usize) {
    let customers = sel.codes(GroupBy::Customer);
    let n = customers.map_or(1, |_| code_count(dataset, GroupBy::Customer.column()));
    (customers, n)
}

/// Analysis 4 for alphabets too large for histograms: the words sorted once per dataset
/// when they are built for this metric, else sorted words when the codes fit in 32 bits,
/// else sorted codes.
fn by_sorting(
    dataset: &Dataset,
    sel: &Selection,
    params: &DifferenceParams,
    vc: &ValueCodes,
) -> Result<Differences, AnalysisError> {
    if let Some(presorted) = crate::analysis::index::built_presorted_words(dataset)
        .filter(|p| p.column == params.metric.column() && p.n_values == vc.values.len())
    {
        return by_presorted(dataset, sel, params, vc, presorted);
    }
    match WordLayout::of(dataset, sel, vc.values.len()) {
        Some(layout) => by_sorted_words(dataset, sel, params, vc, layout),
        None => by_sorted_codes(dataset, sel, params, vc),
    }
}

/// Analysis 4 on each customer's words sorted once per dataset: the passing words of each
/// customer, still in value order, walked as the sorted-words path walks its own.
fn by_presorted(
    dataset: &Dataset,
    sel: &Selection,
    params: &DifferenceParams,
    vc: &ValueCodes,
    presorted: &PresortedWords,
) -> Result<Differences, AnalysisError> {
    let lists = presorted.passing(sel)?;
    let customers = Customers {
        coded: presorted.coded_customers,
        sizes: lists.iter().map(|l| l.len()).collect(),
    };
    test_sorted_customers(dataset, params, vc, presorted.layout, &customers, |c| {
        std::borrow::Cow::Borrowed(&lists[c])
    })
}

/// Analysis 4 for alphabets too large for histograms: each customer's passing rows sorted
/// by value code — a dense rank, so the order of the values — then the sorting path's
/// tests on them.
fn by_sorted_codes(
    dataset: &Dataset,
    sel: &Selection,
    params: &DifferenceParams,
    vc: &ValueCodes,
) -> Result<Differences, AnalysisError> {
    let (customers, n_customers) = customer_codes(dataset, sel);
    let mut by_customer: Vec<Vec<u32>> = vec![Vec::new(); n_customers];
    for r in (0..sel.rows()).filter(|&r| sel.passes(r)) {
        by_customer[customers.map_or(0, |c| c[r] as usize)].push(r as u32);
    }
    let dims = DIMENSIONS.map(|g| sel.codes(g));
    // Group codes that fit in 16 bits travel inside the sorted words: no permutation after.
    let packable = DIMENSIONS
        .iter()
        .all(|g| code_count(dataset, g.column()) <= 1 << 16);
    test_customers(dataset, params, customers.is_some(), &by_customer, |rows| {
        if packable {
            return sorted_packed(vc, dims, rows);
        }
        let codes: Vec<u32> = rows.iter().map(|&r| vc.codes[r as usize]).collect();
        let order = argsort_codes(&codes);
        // Sorted codes rise, so their values are read in order, not at random.
        let values: Vec<f64> = order
            .iter()
            .map(|&o| vc.values[codes[o as usize] as usize])
            .collect();
        let groups = dims.map(|d| d.map(|c| rows.iter().map(|&r| c[r as usize]).collect()));
        SortedCustomer::from_sorted(values, groups, &order)
    })
}

/// One customer's rows sorted by value code as (code, country, city) words — the group
/// codes move with the sort, so nothing is permuted afterwards. Ties may leave row order;
/// the tests count ties as runs, so results do not depend on it.
fn sorted_packed(vc: &ValueCodes, dims: [Option<&[u32]>; 2], rows: &[u32]) -> SortedCustomer {
    let group = |d: usize, r: usize| dims[d].map_or(0, |c| u64::from(c[r]));
    let mut keys: Vec<u64> = rows
        .iter()
        .map(|&r| {
            let r = r as usize;
            (u64::from(vc.codes[r]) << 32) | (group(0, r) << 16) | group(1, r)
        })
        .collect();
    crate::analysis::sorting::sort_by_high_half(&mut keys);
    let values = keys
        .iter()
        .map(|&k| vc.values[(k >> 32) as usize])
        .collect();
    let groups = [
        dims[0].map(|_| keys.iter().map(|&k| ((k >> 16) & 0xffff) as u32).collect()),
        dims[1].map(|_| keys.iter().map(|&k| (k & 0xffff) as u32).collect()),
    ];
    SortedCustomer::in_sorted_order(values, groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Filter;
    use crate::testutil::dataset;

    #[test]
    fn sorting_codes_gives_the_histograms_answer() {
        let sample = include_str!("../../../../../sample_data/telemetry.csv");
        let ds = dataset(sample);
        let vc = crate::analysis::index::codes_of(&ds, "qoe").unwrap();
        let mut wfh = Filter::default();
        wfh.toggle("viewer_type", "WFH");
        for filter in [Filter::default(), wfh] {
            let sel = Selection::new(&ds, &filter).unwrap().unwrap();
            let params = DifferenceParams {
                min_samples: 5,
                ..DifferenceParams::default()
            };
            let by_histograms = differences(&ds, &sel, &params, vc).unwrap();
            let by_sorting = by_sorted_codes(&ds, &sel, &params, vc).unwrap();
            let layout = WordLayout::of(&ds, &sel, vc.values.len()).unwrap();
            let by_words = by_sorted_words(&ds, &sel, &params, vc, layout).unwrap();
            let presorted = PresortedWords::build(&ds, "qoe", &vc.codes, vc.values.len()).unwrap();
            let by_presorted = by_presorted(&ds, &sel, &params, vc, &presorted).unwrap();
            assert!(!by_histograms.countries.is_empty() && !by_histograms.ecdfs.is_empty());
            // Same counts walked in the same order: identical, not just close.
            assert_eq!(by_sorting, by_histograms);
            assert_eq!(by_words, by_histograms);
            assert_eq!(by_presorted, by_histograms);
        }
    }
}
