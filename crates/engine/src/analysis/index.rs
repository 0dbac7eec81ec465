//! Work done once per dataset so that each filter change is answered by linear passes:
//! numeric columns as codes of their sorted distinct values (exact ranks, quantiles and
//! ECDFs from histograms instead of sorts), and each viewer's sessions as "next sample of
//! the same viewer in the same event" links. Built on first use and kept beside the dataset.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::analysis::coded::presorted::PresortedWords;
use crate::analysis::links::{SessionLinks, link_sessions};
use crate::analysis::overview::cells::{CellInput, OverviewCells, build_cells};
use crate::analysis::pairs::{EventViewerPairs, number_pairs};
use crate::analysis::parallel;
use crate::analysis::rows::code_count;
use crate::analysis::selection::slice_of;
use crate::analysis::sessions::order_by_session;
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::schema::Canonical;
use polars::prelude::{Float64Type, Int64Type, UInt32Type};

mod decimal;

/// Columns with more distinct values than this are not coded (they take the sorting path),
/// unless every value is a whole multiple of 1, 0.001 or 0.000001 within a span of
/// [`MAX_DECIMAL_SPAN`] steps (decimal text as exports write it), which is coded at any count.
pub const MAX_DISTINCT: usize = 1 << 22;
/// Most steps of one decimal scale a column may span to be coded by its decimals.
pub const MAX_DECIMAL_SPAN: u64 = 1 << 24;

/// A column as codes into its sorted distinct values.
#[derive(Debug)]
pub struct ValueCodes {
    /// Ascending, distinct (−0.0 folded into 0.0).
    pub values: Vec<f64>,
    /// Per row, the index of its value in `values` (its dense rank).
    pub codes: Vec<u32>,
}

/// The per-dataset cache (shared by clones of the dataset).
#[derive(Debug, Default)]
pub struct AnalysisCache {
    /// Per numeric column, its codes once asked for (`None`: not codable).
    values: OnceLock<BTreeMap<String, OnceLock<Option<Arc<ValueCodes>>>>>,
    sessions: OnceLock<Result<Arc<SessionLinks>, String>>,
    pairs: OnceLock<Option<Arc<EventViewerPairs>>>,
    overview_cells: OnceLock<Option<Arc<OverviewCells>>>,
    presorted_qoe: OnceLock<Option<Arc<PresortedWords>>>,
}

fn cache(dataset: &Dataset) -> &AnalysisCache {
    dataset.cache.get_or_init(AnalysisCache::default)
}

/// The numeric columns that can have value codes, each coded on first use.
fn value_slots(dataset: &Dataset) -> &BTreeMap<String, OnceLock<Option<Arc<ValueCodes>>>> {
    cache(dataset).values.get_or_init(|| {
        let mut names = vec![
            Canonical::Qoe.name().to_string(),
            Canonical::Engagement.name().to_string(),
            Canonical::BufferMs.name().to_string(),
        ];
        names.extend(dataset.extra_numeric.iter().cloned());
        names.retain(|n| dataset.has_column(n));
        names.into_iter().map(|n| (n, OnceLock::new())).collect()
    })
}

/// Codes every numeric column not coded yet, the columns side by side on the cores
/// (analyses read them all; a column without a decimal form is coded on one core).
/// Returns how many columns have codes.
pub fn code_all_values(dataset: &Dataset) -> usize {
    let names: Vec<&String> = value_slots(dataset).keys().collect();
    // A failed thread only means a column is coded on first use instead.
    let _ = parallel::map("value-codes", names, |name| {
        codes_of(dataset, name).is_some()
    });
    value_slots(dataset)
        .values()
        .filter(|slot| slot.get().is_some_and(Option::is_some))
        .count()
}

/// The codes of one column (built on first call); `None` when it is not numeric, has a
/// NaN, or has too many distinct values without a short decimal form.
#[must_use]
pub fn codes_of<'a>(dataset: &'a Dataset, column: &str) -> Option<&'a ValueCodes> {
    value_slots(dataset)
        .get(column)?
        .get_or_init(|| {
            slice_of::<Float64Type>(dataset, column)
                .and_then(code_values)
                .map(Arc::new)
        })
        .as_deref()
}

/// The (event, viewer) pairs of `dataset` (built on first call); `None` when its event or
/// viewer column is missing or not contiguous.
pub fn event_viewer_pairs(dataset: &Dataset) -> Option<&EventViewerPairs> {
    shared_pairs(dataset).map(|p| &**p)
}

fn shared_pairs(dataset: &Dataset) -> Option<&Arc<EventViewerPairs>> {
    cache(dataset)
        .pairs
        .get_or_init(|| {
            let events = slice_of::<UInt32Type>(dataset, Canonical::EventId.name())?;
            let viewers = slice_of::<UInt32Type>(dataset, Canonical::ViewerId.name())?;
            let n_viewers = code_count(dataset, Canonical::ViewerId.name());
            Some(Arc::new(number_pairs(events, viewers, n_viewers)))
        })
        .as_ref()
}

/// The Overview's cells of `dataset` (built on first call); `None` when a column they need
/// is missing or chunked, or the rows do not group into few cells.
pub fn overview_cells(dataset: &Dataset) -> Option<&OverviewCells> {
    cache(dataset)
        .overview_cells
        .get_or_init(|| build_overview_cells(dataset).map(Arc::new))
        .as_deref()
}

/// The Overview's cells if they are built already (never builds, never waits).
pub fn built_overview_cells(dataset: &Dataset) -> Option<&OverviewCells> {
    cache(dataset).overview_cells.get()?.as_deref()
}

/// Each customer's `qoe` words sorted by value (built on first call; see
/// [`PresortedWords`]); `None` when `qoe` has no codes or the words cannot be built.
pub fn presorted_qoe_words(dataset: &Dataset) -> Option<&PresortedWords> {
    cache(dataset)
        .presorted_qoe
        .get_or_init(|| {
            let name = Canonical::Qoe.name();
            let qoe = codes_of(dataset, name)?;
            PresortedWords::build(dataset, name, &qoe.codes, qoe.values.len()).map(Arc::new)
        })
        .as_deref()
}

/// The presorted words if they are built already (never builds, never waits).
pub fn built_presorted_words(dataset: &Dataset) -> Option<&PresortedWords> {
    cache(dataset).presorted_qoe.get()?.as_deref()
}

fn build_overview_cells(dataset: &Dataset) -> Option<OverviewCells> {
    let pairs = event_viewer_pairs(dataset)?;
    let qoe = codes_of(dataset, Canonical::Qoe.name())?;
    let dims = dataset
        .dimensions
        .iter()
        .map(|d| {
            let codes = slice_of::<UInt32Type>(dataset, &d.column)?;
            Some((codes, code_count(dataset, &d.column)))
        })
        .collect::<Option<Vec<_>>>()?;
    let f64s = |c: Canonical| slice_of::<Float64Type>(dataset, c.name());
    let input = CellInput {
        dims,
        ts: slice_of::<Int64Type>(dataset, Canonical::Timestamp.name())?,
        qoe: f64s(Canonical::Qoe)?,
        engagement: f64s(Canonical::Engagement)?,
        buffer: if dataset.has(Canonical::BufferMs) {
            Some(f64s(Canonical::BufferMs)?)
        } else {
            None
        },
        viewer: slice_of::<UInt32Type>(dataset, Canonical::ViewerId.name())?,
        pair: &pairs.pair,
        n_pairs: pairs.pair_event.len(),
        qoe_code: &qoe.codes,
        n_qoe_values: qoe.values.len(),
    };
    build_cells(&input)
}

/// The session links of `dataset` (built on first call).
pub fn session_links(dataset: &Dataset) -> Result<&SessionLinks, AnalysisError> {
    let built = cache(dataset).sessions.get_or_init(|| {
        // The links take 150 MB for 20 M rows, in blocks too large for the allocator to
        // place in what earlier analyses freed: hand that back first (it set the peak).
        crate::memory::return_freed_memory();
        build_links(dataset)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    });
    match built {
        Ok(links) => Ok(links),
        Err(e) => Err(AnalysisError::Invalid(e.clone())),
    }
}

fn build_links(dataset: &Dataset) -> Result<SessionLinks, AnalysisError> {
    let missing = |c: Canonical| AnalysisError::MissingColumn(c.name().into());
    let ts = slice_of::<Int64Type>(dataset, Canonical::Timestamp.name())
        .ok_or_else(|| missing(Canonical::Timestamp))?;
    let events = slice_of::<UInt32Type>(dataset, Canonical::EventId.name())
        .ok_or_else(|| missing(Canonical::EventId))?;
    let viewers = slice_of::<UInt32Type>(dataset, Canonical::ViewerId.name())
        .ok_or_else(|| missing(Canonical::ViewerId))?;
    let pairs = shared_pairs(dataset).ok_or_else(|| missing(Canonical::EventId))?;
    link_sessions(Arc::clone(pairs), ts, viewers, || {
        order_by_session(dataset, ts, events, viewers)
    })
}

/// Codes of `column`: from its decimals when it has a short decimal form, else by hashing
/// its distinct values; `None` with a NaN or above [`MAX_DISTINCT`] distinct values without
/// a decimal form.
fn code_values(column: &[f64]) -> Option<ValueCodes> {
    // The decimal form refuses NaN itself; only columns without one need the check.
    decimal::codes(column).or_else(|| {
        if column.iter().any(|v| v.is_nan()) {
            return None;
        }
        hashed_codes(column)
    })
}

/// Codes through an open-addressing table of the values' bits, grown as values appear.
fn hashed_codes(column: &[f64]) -> Option<ValueCodes> {
    const EMPTY: u64 = u64::MAX; // a NaN pattern: never a key (NaNs are rejected)
    let mut bits_log2 = 18_u32;
    let mut keys = vec![EMPTY; 1 << bits_log2];
    let mut distinct = 0usize;
    let find = |keys: &[u64], bits_log2: u32, bits: u64| -> usize {
        let mask = keys.len() - 1;
        let mut s = (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits_log2)) as usize;
        loop {
            let k = keys[s];
            if k == bits || k == EMPTY {
                return s;
            }
            s = (s + 1) & mask;
        }
    };
    for &v in column {
        let bits = (v + 0.0).to_bits();
        let s = find(&keys, bits_log2, bits);
        if keys[s] == EMPTY {
            keys[s] = bits;
            distinct += 1;
            if distinct > MAX_DISTINCT {
                return None;
            }
            // Keep the table at most a quarter full so probes stay short.
            if distinct * 4 > keys.len() {
                bits_log2 += 1;
                let old = std::mem::replace(&mut keys, vec![EMPTY; 1 << bits_log2]);
                for k in old.into_iter().filter(|&k| k != EMPTY) {
                    let s = find(&keys, bits_log2, k);
                    keys[s] = k;
                }
            }
        }
    }
    let mut values: Vec<f64> = keys
        .iter()
        .filter(|&&k| k != EMPTY)
        .map(|&k| f64::from_bits(k))
        .collect();
    values.sort_by(f64::total_cmp);
    let mut code_of_slot = vec![0u32; keys.len()];
    for (code, v) in values.iter().enumerate() {
        code_of_slot[find(&keys, bits_log2, v.to_bits())] = code as u32;
    }
    let codes = column
        .iter()
        .map(|&v| code_of_slot[find(&keys, bits_log2, (v + 0.0).to_bits())])
        .collect();
    Some(ValueCodes { values, codes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_sorted_distinct_values() {
        for column in [
            vec![0.5, -0.0, 0.25, 0.5, 0.0, 1.0],
            // Not decimal: hashed.
            vec![0.5, -0.0, 0.25 + 1e-12, 0.5, 0.0, 1.0],
        ] {
            let c = code_values(&column).unwrap();
            let mut expected: Vec<f64> = column.iter().map(|v| v + 0.0).collect();
            expected.sort_by(f64::total_cmp);
            expected.dedup();
            assert_eq!(c.values, expected);
            assert_eq!(c.codes, vec![2, 0, 1, 2, 0, 3]);
        }
        assert!(code_values(&[0.1, f64::NAN]).is_none());
        assert!(code_values(&[]).is_some_and(|c| c.values.is_empty()));
    }

    #[test]
    fn decimal_columns_are_coded_at_any_count_others_up_to_the_limit() {
        // 200,001 distinct millionths: coded by their decimals.
        let qoe: Vec<f64> = (500_000..=700_000).map(|i| f64::from(i) / 1e6).collect();
        let c = decimal::codes(&qoe).unwrap();
        assert_eq!(c.values, qoe);
        assert!(c.codes.iter().enumerate().all(|(i, &k)| k as usize == i));
        // Whole numbers far apart: too wide a span for their decimals, hashed instead.
        let wide = [0.0, 1e12, 5.0];
        assert!(decimal::codes(&wide).is_none());
        assert_eq!(code_values(&wide).unwrap().codes, vec![0, 2, 1]);
        // A value with more decimals than millionths: no decimal form.
        assert!(decimal::codes(&[0.1, 0.000_000_1]).is_none());
        let many: Vec<f64> = (0..=MAX_DISTINCT)
            .map(|i| i as f64 * std::f64::consts::PI)
            .collect();
        assert!(hashed_codes(&many).is_none());
        assert!(hashed_codes(&many[1..]).is_some());
    }

    #[test]
    fn ranges_of_rows_at_different_scales_are_coded_at_the_finest() {
        // Whole numbers first, then thousandths, then millionths: each range of rows (one
        // per core) first finds its own scale, the column takes the finest.
        let column: Vec<f64> = (0..30_000)
            .map(|i| match i / 10_000 {
                0 => f64::from(i % 7),
                1 => f64::from(i % 1_000) / 1e3,
                _ => f64::from(i % 97) / 1e6 - 3.0,
            })
            .collect();
        let c = decimal::codes(&column).unwrap();
        let hashed = hashed_codes(&column).unwrap();
        assert_eq!(c.values, hashed.values);
        assert_eq!(c.codes, hashed.codes);
        assert!(decimal::codes(&[0.5, f64::NAN, 0.25]).is_none());
    }

    proptest::proptest! {
        #[test]
        fn codes_are_dense_ranks(
            raw in proptest::collection::vec((0i64..2_000, 0usize..3), 0..200),
        ) {
            let column: Vec<f64> = raw
                .iter()
                .map(|&(k, scale)| (k - 1_000) as f64 / [1.0, 1e3, 1e6][scale])
                .collect();
            let c = code_values(&column).unwrap();
            // Both ways of coding agree.
            let hashed = hashed_codes(&column).unwrap();
            proptest::prop_assert_eq!(&c.values, &hashed.values);
            proptest::prop_assert_eq!(&c.codes, &hashed.codes);
            for (v, &code) in column.iter().zip(&c.codes) {
                proptest::prop_assert_eq!(c.values[code as usize].to_bits(), (*v + 0.0).to_bits());
            }
            proptest::prop_assert!(c.values.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
