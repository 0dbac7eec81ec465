//! Analysis 4 when the value codes are too many for histograms but a row's value code,
//! country code and city code fit together in one 32-bit word: each customer's passing rows
//! become such words, sorted by value code, and one walk over them gives every group's KS
//! statistic against the rest of its customer. Four bytes per row move through the sort,
//! and no per-row arrays are built besides the words.

use std::borrow::Cow;

use super::word_layout::WordLayout;
use crate::analysis::differences::{
    DIMENSIONS, DifferenceParams, Differences, Tested, push_tested,
};
use crate::analysis::index::ValueCodes;
use crate::analysis::parallel;
use crate::analysis::rows::{GroupBy, code_count};
use crate::analysis::selection::Selection;
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::kolmogorov;

/// KS D (and p-value) of every group of each dimension against the rest of its customer,
/// for every customer with passing rows, plus the ECDF small multiples of the chosen
/// customer's largest countries. Same definitions and the same numbers as the histogram
/// and sorting paths: D is evaluated just before and just after each of a group's values.
pub(super) fn by_sorted_words(
    dataset: &Dataset,
    sel: &Selection,
    params: &DifferenceParams,
    vc: &ValueCodes,
    layout: WordLayout,
) -> Result<Differences, AnalysisError> {
    let customers = sel.codes(GroupBy::Customer);
    let n_customers = customers.map_or(1, |_| code_count(dataset, GroupBy::Customer.column()));
    let dims = DIMENSIONS.map(|g| sel.codes(g));
    // Each core turns its rows into words, one list per customer.
    let customer_of = |r: usize| customers.map_or(0, |c| c[r] as usize);
    let parts = parallel::map("differences-words", sel.ranges(), |range| {
        // Counted first, so each list is allocated once at its size (no regrowth).
        let mut sizes = vec![0usize; n_customers];
        for r in range.clone().filter(|&r| sel.passes(r)) {
            sizes[customer_of(r)] += 1;
        }
        let mut words: Vec<Vec<u32>> = sizes.into_iter().map(Vec::with_capacity).collect();
        for r in range.filter(|&r| sel.passes(r)) {
            words[customer_of(r)].push(layout.word(vc.codes[r], &dims, r));
        }
        words
    })?;
    let sizes = (0..n_customers)
        .map(|c| parts.iter().map(|p| p[c].len()).sum())
        .collect();
    let customers = Customers {
        coded: customers.is_some(),
        sizes,
    };
    test_sorted_customers(dataset, params, vc, layout, &customers, |c| {
        let lists: Vec<&[u32]> = parts.iter().map(|p| p[c].as_slice()).collect();
        Cow::Owned(sort_by_field(&lists, layout.value_shift, layout.value_bits))
    })
}

/// The customers of a selection: whether the data has a customer column (else one customer,
/// `ALL`) and each customer's passing rows.
pub(super) struct Customers {
    pub(super) coded: bool,
    pub(super) sizes: Vec<usize>,
}

/// Every tested group's KS D and p-value for each customer with passing rows, plus the
/// ECDF small multiples of the chosen customer, given each customer's passing words sorted
/// by value code (`sorted`, called once per customer, on the cores side by side).
pub(super) fn test_sorted_customers<'w>(
    dataset: &Dataset,
    params: &DifferenceParams,
    vc: &ValueCodes,
    layout: WordLayout,
    customers: &Customers,
    sorted: impl Fn(usize) -> Cow<'w, [u32]> + Sync,
) -> Result<Differences, AnalysisError> {
    let sizes = &customers.sizes;
    let label_of_customer = |c: usize| {
        if customers.coded {
            dataset.label(GroupBy::Customer.column(), c as u32)
        } else {
            crate::analysis::groups::ALL.to_string()
        }
    };
    let chosen = params
        .ecdf_customer
        .as_ref()
        .and_then(|label| (0..sizes.len()).find(|&c| label_of_customer(c) == *label))
        .or_else(|| (0..sizes.len()).max_by_key(|&c| sizes[c]))
        .filter(|&c| sizes[c] > 0);
    // Largest customers first, so that neither core is left with a big one at the end.
    let mut present: Vec<usize> = (0..sizes.len()).filter(|&c| sizes[c] > 0).collect();
    present.sort_by_key(|&c| std::cmp::Reverse(sizes[c]));
    let mut tested = parallel::map("differences", present, |c| {
        let words = sorted(c);
        let per_dimension = ks_per_group(dataset, &words, layout, params);
        let ecdfs = (Some(c) == chosen)
            .then(|| small_multiples(dataset, vc, &words, layout))
            .flatten();
        (c, per_dimension, ecdfs)
    })?;
    tested.sort_by_key(|t| t.0);
    let mut out = Differences::empty(params.metric, chosen.map(label_of_customer));
    for (c, per_dimension, ecdfs) in tested {
        for (dimension, found) in per_dimension {
            push_tested(&mut out, dimension, &label_of_customer(c), found, params);
        }
        if let Some(ecdfs) = ecdfs {
            out.ecdfs = ecdfs;
        }
    }
    Ok(out)
}

/// One group's running state in the walk (kept together: one lookup per row).
#[derive(Clone, Copy)]
struct GroupState {
    /// The group's rows so far.
    below: usize,
    /// The largest `|F_group − F_rest|` so far.
    d: f64,
    /// `1/n_group` and `1/n_rest`, for a quick bound before the definition's divisions.
    inv_group: f64,
    inv_rest: f64,
    n_group: f64,
    n_rest: f64,
    /// The run in which the group was last seen.
    seen_in: usize,
    tested: bool,
}

impl GroupState {
    /// Raises D to `|F_group − F_rest|` after `below_all` rows of the customer, computed by
    /// the definition's divisions; a product with the inverses first (within 1e-15 of it)
    /// skips them where the candidate cannot reach the maximum so far.
    fn raise(&mut self, below_all: usize) {
        let (b, r) = (self.below as f64, (below_all - self.below) as f64);
        if (b * self.inv_group - r * self.inv_rest).abs() + 1e-12 >= self.d {
            self.d = self.d.max((b / self.n_group - r / self.n_rest).abs());
        }
    }
}

/// One dimension's running state in the walk over a customer's sorted words.
struct GroupWalk {
    dimension: GroupBy,
    shift: u32,
    mask: u32,
    count: Vec<usize>,
    groups: Vec<GroupState>,
    /// The groups seen in the current run.
    touched: Vec<usize>,
}

impl GroupWalk {
    fn new(dimension: GroupBy, (shift, bits): (u32, u32), words: &[u32], min: usize) -> Self {
        let n_codes = 1usize << bits;
        let mask = (1u32 << bits) - 1;
        // Four tallies, so that runs of one group do not wait on the same counter.
        let mut tallies = vec![[0usize; 4]; n_codes];
        let mut quads = words.chunks_exact(4);
        for quad in &mut quads {
            for (lane, &w) in quad.iter().enumerate() {
                tallies[((w >> shift) & mask) as usize][lane] += 1;
            }
        }
        for &w in quads.remainder() {
            tallies[((w >> shift) & mask) as usize][0] += 1;
        }
        let n = words.len();
        let count: Vec<usize> = tallies.iter().map(|t| t.iter().sum()).collect();
        let groups = count
            .iter()
            .map(|&m| GroupState {
                below: 0,
                d: 0.0,
                inv_group: 1.0 / m as f64,
                inv_rest: 1.0 / (n - m) as f64,
                n_group: m as f64,
                n_rest: (n - m) as f64,
                seen_in: usize::MAX,
                tested: m > 0 && m >= min && n - m >= min,
            })
            .collect();
        Self {
            dimension,
            shift,
            mask,
            count,
            groups,
            touched: Vec::with_capacity(n_codes),
        }
    }

    fn group_of(&self, word: u32) -> usize {
        ((word >> self.shift) & self.mask) as usize
    }

    /// Row `word` at the run that starts at `start`: the first time a tested group shows in
    /// a run, D is checked just before the run (the rest has risen since its last step).
    fn step(&mut self, word: u32, start: usize) {
        let g = self.group_of(word);
        let state = &mut self.groups[g];
        if state.seen_in != start && state.tested {
            state.seen_in = start;
            state.raise(start);
            self.touched.push(g);
        }
        state.below += 1;
    }

    /// Row `word` alone in the run at `start`: [`Self::step`] and [`Self::end_run`] in one.
    /// Just before and just after the row the rest's share is the same and the group's
    /// differs by `1/n_group`, so one bound covers both candidates; the definition's
    /// divisions run only where it reaches the maximum so far (as in [`GroupState::raise`]).
    fn single(&mut self, word: u32, start: usize) {
        let g = self.group_of(word);
        let state = &mut self.groups[g];
        let b = state.below;
        state.below = b + 1;
        if !state.tested {
            return;
        }
        let (bf, r) = (b as f64, (start - b) as f64);
        let before = bf * state.inv_group - r * state.inv_rest;
        let bound = before.abs().max((before + state.inv_group).abs());
        if bound + 1e-12 >= state.d {
            let rest = r / state.n_rest;
            let exact_before = (bf / state.n_group - rest).abs();
            let exact_after = ((bf + 1.0) / state.n_group - rest).abs();
            state.d = state.d.max(exact_before).max(exact_after);
        }
    }

    /// After a run that ends at `end`: D is checked just after it for each group in it.
    fn end_run(&mut self, end: usize) {
        for &g in &self.touched {
            self.groups[g].raise(end);
        }
        self.touched.clear();
    }

    fn tested_groups(self, dataset: &Dataset, n: usize) -> (GroupBy, Vec<Tested>) {
        let found = (0..self.count.len())
            .filter(|&g| self.groups[g].tested)
            .map(|g| {
                let (m, d) = (self.count[g], self.groups[g].d);
                let p_value = kolmogorov::ks_two_sample_p(d, m, n - m);
                let label = dataset.label(self.dimension.column(), g as u32);
                (label, m as u64, (n - m) as u64, d, p_value)
            })
            .collect();
        (self.dimension, found)
    }
}

/// Each dimension's tested groups in one customer's sorted words — groups with at least
/// `min_samples` rows and at least that many in the rest, in code order — from one walk
/// over the runs of equal value.
fn ks_per_group(
    dataset: &Dataset,
    words: &[u32],
    layout: WordLayout,
    params: &DifferenceParams,
) -> Vec<(GroupBy, Vec<Tested>)> {
    let n = words.len();
    let mut walks: Vec<GroupWalk> = DIMENSIONS
        .iter()
        .zip(layout.groups)
        .filter_map(|(&g, field)| Some(GroupWalk::new(g, field?, words, params.min_samples)))
        .collect();
    let mut i = 0;
    while i < n {
        let (start, value) = (i, layout.value(words[i]));
        if i + 1 == n || layout.value(words[i + 1]) != value {
            // A value held by one row (the common case): just before and just after it.
            for walk in &mut walks {
                walk.single(words[i], start);
            }
            i += 1;
            continue;
        }
        while i < n && layout.value(words[i]) == value {
            for walk in &mut walks {
                walk.step(words[i], start);
            }
            i += 1;
        }
        for walk in &mut walks {
            walk.end_run(i);
        }
    }
    walks
        .into_iter()
        .map(|w| w.tested_groups(dataset, n))
        .collect()
}

/// The chosen customer's ECDF small multiples (its largest countries against the rest),
/// from histograms of its sorted words — the histogram path's own drawing, so the points
/// are the same.
fn small_multiples(
    dataset: &Dataset,
    vc: &ValueCodes,
    words: &[u32],
    layout: WordLayout,
) -> Option<Vec<crate::analysis::differences::GroupEcdf>> {
    let country = DIMENSIONS.iter().position(|&g| g == GroupBy::Country)?;
    let n_countries = 1usize << layout.groups[country]?.1;
    let mut per_country = vec![0u64; n_countries];
    for &w in words {
        per_country[layout.group(country, w)?] += 1;
    }
    let drawn = super::small_multiples::largest(&per_country);
    let d = vc.values.len();
    let mut customer = vec![0u32; d];
    let mut groups = vec![vec![0u32; d]; drawn.len()];
    for &w in words {
        let v = layout.value(w);
        customer[v] += 1;
        let g = layout.group(country, w)?;
        if let Some(slot) = drawn.iter().position(|&x| x == g) {
            groups[slot][v] += 1;
        }
    }
    Some(
        drawn
            .iter()
            .zip(&groups)
            .map(|(&g, h)| {
                super::small_multiples::small_multiple(dataset, &vc.values, h, &customer, g)
            })
            .collect(),
    )
}

/// Words from `lists`, sorted stably by the field of `bits` bits at `shift`: least
/// significant digit first, digits of at most 11 bits (counters that stay in the
/// first-level cache), every digit counted in one read; the first pass reads the lists
/// themselves, so they need not be joined first.
fn sort_by_field(lists: &[&[u32]], shift: u32, bits: u32) -> Vec<u32> {
    const MAX_DIGIT_BITS: u32 = 11;
    let words = || lists.iter().flat_map(|l| l.iter().copied());
    let n: usize = lists.iter().map(|l| l.len()).sum();
    if n < 4096 || bits == 0 {
        let mut out: Vec<u32> = words().collect();
        out.sort_by_key(|&w| u64::from(w) >> shift);
        return out;
    }
    let passes = bits.div_ceil(MAX_DIGIT_BITS);
    let digit_bits = bits.div_ceil(passes);
    let mask = (1usize << digit_bits) - 1;
    let digit = |w: u32, pass: u32| ((u64::from(w) >> (shift + pass * digit_bits)) as usize) & mask;
    let mut offsets = vec![vec![0usize; mask + 1]; passes as usize];
    for w in words() {
        for (pass, counts) in (0..passes).zip(&mut offsets) {
            counts[digit(w, pass)] += 1;
        }
    }
    for counts in &mut offsets {
        let mut total = 0;
        for slot in counts.iter_mut() {
            (*slot, total) = (total, total + *slot);
        }
    }
    let mut sorted = vec![0u32; n];
    for w in words() {
        let slot = &mut offsets[0][digit(w, 0)];
        sorted[*slot] = w;
        *slot += 1;
    }
    let mut spare = vec![0u32; if passes > 1 { n } else { 0 }];
    for (pass, offsets) in (1..passes).zip(offsets.iter_mut().skip(1)) {
        for &w in &sorted {
            let slot = &mut offsets[digit(w, pass)];
            spare[*slot] = w;
            *slot += 1;
        }
        std::mem::swap(&mut sorted, &mut spare);
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn field_sort_is_a_stable_sort_of_the_joined_lists(
            lists in prop::collection::vec(prop::collection::vec(any::<u32>(), 0..5000), 1..4),
            shift in 0u32..8,
            bits in 1u32..25,
        ) {
            // As in a layout, nothing sits above the sorted field.
            let clip = |w: u32| (u64::from(w) & ((1u64 << (shift + bits)) - 1)) as u32;
            let lists: Vec<Vec<u32>> = lists.iter().map(|l| l.iter().map(|&w| clip(w)).collect()).collect();
            let refs: Vec<&[u32]> = lists.iter().map(Vec::as_slice).collect();
            let mut expected = lists.concat();
            expected.sort_by_key(|&w| w >> shift);
            prop_assert_eq!(sort_by_field(&refs, shift, bits), expected);
        }
    }
}
