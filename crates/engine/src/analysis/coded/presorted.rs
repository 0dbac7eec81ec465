//! Each customer's rows sorted once by a metric's value code, kept as the words of
//! `differences_words` (value, country and city codes) beside their row numbers. Built
//! once per dataset — the window does it in the background after a load — so that a filter
//! change's differences only pick each customer's passing words, already in value order,
//! and walk them: no words are built and nothing is sorted per change.

use std::borrow::Cow;

use super::word_layout::WordLayout;
use crate::Filter;
use crate::analysis::differences::DIMENSIONS;
use crate::analysis::parallel;
use crate::analysis::rows::{GroupBy, code_count};
use crate::analysis::selection::Selection;
use crate::analysis::sorting::sort_by_high_half;
use crate::dataset::Dataset;
use crate::error::AnalysisError;

/// Every row's word, grouped by customer and sorted by value code within each.
#[derive(Debug)]
pub struct PresortedWords {
    /// The metric column the words sort by, and its number of distinct values.
    pub column: String,
    pub n_values: usize,
    pub(super) layout: WordLayout,
    /// Whether the data has a customer column (else every row is one customer, `ALL`).
    pub(super) coded_customers: bool,
    /// Customer `c`'s words are `words[start[c]..start[c + 1]]`, ascending by (value,
    /// country, city) code; `rows` holds each word's row.
    start: Vec<usize>,
    words: Vec<u32>,
    rows: Vec<u32>,
}

impl PresortedWords {
    /// Sorts every customer's rows of `column` (per row its value code, `n_values`
    /// distinct); `None` when the dataset's columns are chunked, its rows exceed `u32`, or
    /// a word cannot hold the codes.
    #[must_use]
    pub fn build(
        dataset: &Dataset,
        column: &str,
        value_codes: &[u32],
        n_values: usize,
    ) -> Option<Self> {
        let sel = Selection::new(dataset, &Filter::default()).ok()??;
        let n = sel.rows();
        if n >= u32::MAX as usize || value_codes.len() != n {
            return None;
        }
        let layout = WordLayout::of(dataset, &sel, n_values)?;
        let customers = sel.codes(GroupBy::Customer);
        let n_customers = customers.map_or(1, |_| code_count(dataset, GroupBy::Customer.column()));
        let customer_of = |r: usize| customers.map_or(0, |c| c[r] as usize);
        let mut start = vec![0usize; n_customers + 1];
        for r in 0..n {
            start[customer_of(r) + 1] += 1;
        }
        for c in 0..n_customers {
            start[c + 1] += start[c];
        }
        let mut rows = vec![0u32; n];
        let mut fill = start[..n_customers].to_vec();
        for r in 0..n {
            let slot = &mut fill[customer_of(r)];
            rows[*slot] = r as u32;
            *slot += 1;
        }
        let mut words = vec![0u32; n];
        let dims = DIMENSIONS.map(|g| sel.codes(g));
        // Disjoint slices per customer, largest first so neither core waits on a big one.
        let mut parts = Vec::with_capacity(n_customers);
        let (mut words_left, mut rows_left) = (words.as_mut_slice(), rows.as_mut_slice());
        for c in 0..n_customers {
            let len = start[c + 1] - start[c];
            let (w, w_rest) = words_left.split_at_mut(len);
            let (r, r_rest) = rows_left.split_at_mut(len);
            (words_left, rows_left) = (w_rest, r_rest);
            parts.push((w, r));
        }
        parts.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        parallel::map("differences-presort", parts, |(words, rows)| {
            let mut keys: Vec<u64> = rows
                .iter()
                .map(|&r| {
                    let word = layout.word(value_codes[r as usize], &dims, r as usize);
                    (u64::from(word) << 32) | u64::from(r)
                })
                .collect();
            sort_by_high_half(&mut keys);
            for ((w, r), k) in words.iter_mut().zip(rows.iter_mut()).zip(keys) {
                (*w, *r) = ((k >> 32) as u32, k as u32);
            }
        })
        .ok()?;
        Some(Self {
            column: column.to_string(),
            n_values,
            layout,
            coded_customers: customers.is_some(),
            start,
            words,
            rows,
        })
    }

    /// Bytes held.
    #[must_use]
    pub fn bytes(&self) -> usize {
        (self.words.len() + self.rows.len()) * 4 + self.start.len() * size_of::<usize>()
    }

    /// Rows sorted (the dataset's row count).
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    fn range(&self, c: usize) -> std::ops::Range<usize> {
        self.start[c]..self.start[c + 1]
    }

    /// Each customer's passing words in value order: the kept words themselves when every
    /// row passes, else copies of the passing ones (customers side by side on the cores).
    pub(super) fn passing<'s>(
        &'s self,
        sel: &Selection,
    ) -> Result<Vec<Cow<'s, [u32]>>, AnalysisError> {
        let n_customers = self.start.len() - 1;
        if sel.all() {
            return Ok((0..n_customers)
                .map(|c| Cow::Borrowed(&self.words[self.range(c)]))
                .collect());
        }
        let mut order: Vec<usize> = (0..n_customers).collect();
        order.sort_by_key(|&c| std::cmp::Reverse(self.range(c).len()));
        let picked = parallel::map("differences-passing", order, |c| {
            let range = self.range(c);
            let (words, rows) = (&self.words[range.clone()], &self.rows[range]);
            // Written unconditionally and kept by advancing: no branch per row to mispredict.
            let mut out = vec![0u32; words.len() + 1];
            let mut kept = 0;
            for (&w, &r) in words.iter().zip(rows) {
                out[kept] = w;
                kept += usize::from(sel.passes(r as usize));
            }
            out.truncate(kept);
            (c, out)
        })?;
        let mut lists: Vec<Cow<'s, [u32]>> = vec![Cow::Borrowed(&[]); n_customers];
        for (c, out) in picked {
            lists[c] = Cow::Owned(out);
        }
        Ok(lists)
    }
}
