//! Top-k groups by row count plus "other": the grouping charts use so a legend
//! stays readable when a dimension has hundreds of values.

use crate::analysis::rows::{GroupBy, Rows, code_count};
use crate::dataset::Dataset;

pub const OTHER: &str = "other";
pub const ALL: &str = "all";

/// Each row's group slot: `0..k` for the largest groups, then "other".
pub struct TopGroups<'a> {
    pub labels: Vec<String>,
    codes: Option<&'a [u32]>,
    /// Code → slot.
    slot_of_code: Vec<usize>,
}

impl<'a> TopGroups<'a> {
    /// Every row in the single group "all".
    #[must_use]
    pub fn all() -> Self {
        Self {
            labels: vec![ALL.to_string()],
            codes: None,
            slot_of_code: Vec::new(),
        }
    }

    /// The `top_k` groups of `group` with the most rows; without a group (or when the
    /// dataset lacks that column) every row is in the single group "all".
    #[must_use]
    pub fn new(dataset: &Dataset, rows: &'a Rows, group: Option<GroupBy>, top_k: usize) -> Self {
        let Some((group, codes)) = group.and_then(|g| rows.codes(g).map(|c| (g, c))) else {
            return Self::all();
        };
        let n_codes = code_count(dataset, group.column())
            .max(codes.iter().max().map_or(0, |&m| m as usize + 1));
        let mut counts = vec![0u64; n_codes];
        for &c in codes {
            counts[c as usize] += 1;
        }
        Self::from_counts(dataset, group, codes, &counts, top_k)
    }

    /// The same from row counts per code (`codes` maps rows to codes).
    #[must_use]
    pub fn from_counts(
        dataset: &Dataset,
        group: GroupBy,
        codes: &'a [u32],
        counts: &[u64],
        top_k: usize,
    ) -> Self {
        let n_codes = counts.len();
        let mut present: Vec<u32> = (0..n_codes as u32)
            .filter(|&c| counts[c as usize] > 0)
            .collect();
        // Most rows first; ties by label so the order is stable.
        present.sort_by(|&a, &b| {
            counts[b as usize].cmp(&counts[a as usize]).then_with(|| {
                dataset
                    .label(group.column(), a)
                    .cmp(&dataset.label(group.column(), b))
            })
        });
        let k = top_k.max(1).min(present.len());
        let mut labels: Vec<String> = present[..k]
            .iter()
            .map(|&c| dataset.label(group.column(), c))
            .collect();
        let other = k < present.len();
        let mut slot_of_code = vec![k; n_codes];
        for (slot, &c) in present[..k].iter().enumerate() {
            slot_of_code[c as usize] = slot;
        }
        if other {
            labels.push(OTHER.to_string());
        }
        Self {
            labels,
            codes: Some(codes),
            slot_of_code,
        }
    }

    #[inline]
    #[must_use]
    pub fn slot_of_row(&self, row: usize) -> usize {
        match self.codes {
            Some(codes) => self.slot_of_code[codes[row] as usize],
            None => 0,
        }
    }
}
