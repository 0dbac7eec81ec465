//! How a row's value code, country code and city code share one 32-bit word, for the
//! differences analysis on sorted words (`differences_words`, `presorted`).

use crate::analysis::differences::DIMENSIONS;
use crate::analysis::rows::code_count;
use crate::analysis::selection::Selection;
use crate::dataset::Dataset;

/// Where each code sits in a row's word: the value code above the group fields, the
/// groups in [`DIMENSIONS`] order from high to low.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WordLayout {
    pub(super) value_shift: u32,
    pub(super) value_bits: u32,
    /// Per dimension: (shift, bits); `None` for a dimension the data lacks.
    pub(super) groups: [Option<(u32, u32)>; 2],
}

/// Bits that hold codes `0..count`.
fn bits_for(count: usize) -> u32 {
    usize::BITS - count.saturating_sub(1).leading_zeros()
}

impl WordLayout {
    /// The layout for a metric with `n_values` distinct values, or `None` when the codes
    /// need more than 32 bits.
    pub(crate) fn of(dataset: &Dataset, sel: &Selection, n_values: usize) -> Option<Self> {
        let mut groups = [None; 2];
        let mut shift = 0;
        for (k, g) in DIMENSIONS.iter().enumerate().rev() {
            if sel.codes(*g).is_some() {
                let bits = bits_for(code_count(dataset, g.column()));
                groups[k] = Some((shift, bits));
                shift += bits;
            }
        }
        let value_bits = bits_for(n_values);
        (shift + value_bits <= 32).then_some(Self {
            value_shift: shift,
            value_bits,
            groups,
        })
    }

    /// Row `r`'s word: its value code above its group codes.
    pub(super) fn word(&self, value_code: u32, dims: &[Option<&[u32]>; 2], r: usize) -> u32 {
        let mut word = value_code << self.value_shift;
        for (codes, field) in dims.iter().zip(self.groups) {
            if let (Some(codes), Some((shift, _))) = (codes, field) {
                word |= codes[r] << shift;
            }
        }
        word
    }

    pub(super) fn value(&self, word: u32) -> usize {
        (u64::from(word) >> self.value_shift) as usize
    }

    pub(super) fn group(&self, k: usize, word: u32) -> Option<usize> {
        let (shift, bits) = self.groups[k]?;
        Some(((word >> shift) & ((1u32 << bits) - 1)) as usize)
    }
}
