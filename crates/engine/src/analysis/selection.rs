//! The rows a filter keeps, without copying them: every column of the dataset as one
//! slice (loading makes columns contiguous) and a bitset of the passing rows. Analyses on
//! this walk the columns in place; with no filter every row passes and no bitset is made.

use polars::prelude::*;

use crate::analysis::parallel;
use crate::analysis::rows::GroupBy;
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::filter::Filter;
use crate::schema::Canonical;

/// Passing rows of one filter over the whole dataset.
pub struct Selection<'a> {
    pub dataset: &'a Dataset,
    rows: usize,
    /// Bit `r` set = row `r` passes; `None` = every row passes.
    bits: Option<Vec<u64>>,
    passing: usize,
}

/// A contiguous column, or `None` when the dataset lacks it or it is chunked.
pub fn slice_of<'a, T: PolarsNumericType>(
    dataset: &'a Dataset,
    name: &str,
) -> Option<&'a [T::Native]> {
    let column = dataset.frame.column(name).ok()?;
    let ca: &ChunkedArray<T> = column.as_materialized_series().unpack::<T>().ok()?;
    ca.cont_slice().ok()
}

impl<'a> Selection<'a> {
    /// `None` when some column is not contiguous (datasets not made by the loader); the
    /// analyses then copy the filtered rows instead.
    pub fn new(dataset: &'a Dataset, filter: &Filter) -> Result<Option<Self>, AnalysisError> {
        let rows = dataset.rows();
        let contiguous = dataset.frame.columns().iter().all(|c| c.n_chunks() <= 1);
        if !contiguous {
            return Ok(None);
        }
        if filter.is_empty() {
            return Ok(Some(Self {
                dataset,
                rows,
                bits: None,
                passing: rows,
            }));
        }
        let mut tests: Vec<(&[u32], Vec<bool>)> = Vec::new();
        for column in filter.selections.keys() {
            let Some(allowed) = filter.allowed_codes(dataset, column) else {
                continue;
            };
            match slice_of::<UInt32Type>(dataset, column) {
                Some(codes) => tests.push((codes, allowed)),
                // A selection on a column the data lacks matches nothing.
                None => tests.push((&[], Vec::new())),
            }
        }
        let ts = slice_of::<Int64Type>(dataset, Canonical::Timestamp.name())
            .ok_or_else(|| AnalysisError::MissingColumn(Canonical::Timestamp.name().into()))?;
        let (from, to) = (
            filter.time_from_ms.unwrap_or(i64::MIN),
            filter.time_to_ms.unwrap_or(i64::MAX),
        );
        // Without a time range the timestamps need not be read at all.
        let timed = filter.time_from_ms.is_some() || filter.time_to_ms.is_some();
        let tests = &tests;
        let parts = parallel::map("selection", parallel::core_ranges(rows), |range| {
            let mut words = vec![0u64; range.len().div_ceil(64)];
            let mut count = 0;
            for r in range.clone() {
                let pass = (!timed || (ts[r] >= from && ts[r] <= to))
                    && tests
                        .iter()
                        .all(|(codes, allowed)| codes.get(r).is_some_and(|&c| allowed[c as usize]));
                // Set without a branch: whether a row passes is as good as random.
                let i = r - range.start;
                words[i / 64] |= u64::from(pass) << (i % 64);
                count += usize::from(pass);
            }
            (words, count)
        })?;
        let passing = parts.iter().map(|p| p.1).sum();
        let bits = parts.into_iter().flat_map(|p| p.0).collect();
        Ok(Some(Self {
            dataset,
            rows,
            bits: Some(bits),
            passing,
        }))
    }

    /// Rows in the dataset (passing or not).
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Rows that pass.
    #[must_use]
    pub fn passing(&self) -> usize {
        self.passing
    }

    #[inline]
    #[must_use]
    pub fn passes(&self, r: usize) -> bool {
        self.bits
            .as_ref()
            .is_none_or(|b| b[r / 64] >> (r % 64) & 1 == 1)
    }

    /// The passing rows of `range`, ascending: the plain range with no filter, else the set
    /// bits a word at a time. Callers match on it so each loop is compiled for both cases
    /// and a filter skips the rows it drops instead of testing each one.
    #[must_use]
    pub fn passing_rows(&self, range: std::ops::Range<usize>) -> PassingRows<'_> {
        match &self.bits {
            None => PassingRows::All(range),
            Some(bits) => PassingRows::Some(SetBits::new(bits, range)),
        }
    }

    /// Is every row passing (no filter)?
    #[must_use]
    pub fn all(&self) -> bool {
        self.bits.is_none()
    }

    /// One contiguous row range per core.
    #[must_use]
    pub fn ranges(&self) -> Vec<std::ops::Range<usize>> {
        parallel::core_ranges(self.rows)
    }

    pub fn timestamps(&self) -> Result<&'a [i64], AnalysisError> {
        self.required::<Int64Type>(Canonical::Timestamp.name())
    }

    pub fn events(&self) -> Result<&'a [u32], AnalysisError> {
        self.required::<UInt32Type>(Canonical::EventId.name())
    }

    pub fn viewers(&self) -> Result<&'a [u32], AnalysisError> {
        self.required::<UInt32Type>(Canonical::ViewerId.name())
    }

    /// A Float64 column (metric, `buffer_ms`, extra), if present.
    #[must_use]
    pub fn numeric(&self, name: &str) -> Option<&'a [f64]> {
        slice_of::<Float64Type>(self.dataset, name)
    }

    pub fn required_numeric(&self, name: &str) -> Result<&'a [f64], AnalysisError> {
        self.required::<Float64Type>(name)
    }

    /// Codes of a dimension, if the dataset has it.
    #[must_use]
    pub fn codes(&self, group: GroupBy) -> Option<&'a [u32]> {
        slice_of::<UInt32Type>(self.dataset, group.column())
    }

    fn required<T: PolarsNumericType>(&self, name: &str) -> Result<&'a [T::Native], AnalysisError> {
        slice_of::<T>(self.dataset, name).ok_or_else(|| AnalysisError::MissingColumn(name.into()))
    }
}

/// The passing rows of a range (see [`Selection::passing_rows`]).
pub enum PassingRows<'b> {
    All(std::ops::Range<usize>),
    Some(SetBits<'b>),
}

/// The set bits of a bitset within a row range, ascending.
pub struct SetBits<'b> {
    words: &'b [u64],
    /// Index of the word `current` came from.
    word: usize,
    /// The bits of that word not visited yet (and within the range).
    current: u64,
    /// One past the last row.
    end: usize,
}

impl<'b> SetBits<'b> {
    fn new(words: &'b [u64], range: std::ops::Range<usize>) -> Self {
        let end = range.end.min(words.len() * 64);
        if range.start >= end {
            return Self {
                words,
                word: 0,
                current: 0,
                end: 0,
            };
        }
        let word = range.start / 64;
        let mut current = words[word] & (u64::MAX << (range.start % 64));
        if end < (word + 1) * 64 {
            current &= low_bits(end % 64);
        }
        Self {
            words,
            word,
            current,
            end,
        }
    }
}

/// A mask of the `n` lowest bits (`n < 64`).
fn low_bits(n: usize) -> u64 {
    (1u64 << n) - 1
}

impl Iterator for SetBits<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.current == 0 {
            self.word += 1;
            let first = self.word * 64;
            if first >= self.end {
                return None;
            }
            self.current = self.words[self.word];
            if self.end - first < 64 {
                self.current &= low_bits(self.end - first);
            }
        }
        let bit = self.current.trailing_zeros() as usize;
        // Clear the lowest set bit.
        self.current &= self.current - 1;
        Some(self.word * 64 + bit)
    }
}

#[cfg(test)]
mod tests {
    use super::SetBits;

    proptest::proptest! {
        #[test]
        fn set_bits_are_the_passing_rows_of_the_range(
            words in proptest::collection::vec(proptest::num::u64::ANY, 0..6),
            start in 0usize..400,
            len in 0usize..400,
        ) {
            let rows = words.len() * 64;
            let range = start.min(rows)..(start + len).min(rows);
            let expected: Vec<usize> = range
                .clone()
                .filter(|&r| words[r / 64] >> (r % 64) & 1 == 1)
                .collect();
            let got: Vec<usize> = SetBits::new(&words, range).collect();
            proptest::prop_assert_eq!(got, expected);
        }
    }
}
