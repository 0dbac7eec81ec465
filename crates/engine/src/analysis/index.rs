//! Work done once per dataset so that each filter change is answered by linear passes:
//! numeric columns as codes of their sorted distinct values (exact ranks, quantiles and
//! ECDFs from histograms instead of sorts), and each viewer's sessions as "next sample of
//! the same viewer in the same event" links. Built on first use and kept beside the dataset.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::analysis::parallel;
use crate::analysis::rows::code_count;
use crate::analysis::selection::slice_of;
use crate::analysis::sessions::order_by_session;
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::schema::Canonical;
use polars::prelude::{Float64Type, Int64Type, UInt32Type};

/// Columns with more distinct values than this are not coded (they take the sorting path).
pub const MAX_DISTINCT: usize = 1 << 16;
/// No next sample.
pub const NONE: u32 = u32::MAX;

/// A column as codes into its sorted distinct values.
#[derive(Debug)]
pub struct ValueCodes {
    /// Ascending, distinct (−0.0 folded into 0.0).
    pub values: Vec<f64>,
    /// Per row, the index of its value in `values`.
    pub codes: Vec<u16>,
}

/// Every viewer's samples per event, linked in time order.
#[derive(Debug)]
pub struct SessionLinks {
    /// Per row, its (event, viewer) pair; pairs are numbered in (event code, viewer code)
    /// order.
    pub pair: Vec<u32>,
    /// Per pair, its event code.
    pub pair_event: Vec<u32>,
    /// Per row, the same pair's next row in time (ties by row), or [`NONE`].
    pub next: Vec<u32>,
}

/// The per-dataset cache (shared by clones of the dataset).
#[derive(Debug, Default)]
pub struct AnalysisCache {
    values: OnceLock<BTreeMap<String, Option<Arc<ValueCodes>>>>,
    sessions: OnceLock<Result<Arc<SessionLinks>, String>>,
}

fn cache(dataset: &Dataset) -> &AnalysisCache {
    dataset.cache.get_or_init(AnalysisCache::default)
}

/// The coded numeric columns of `dataset` (built on first call).
pub fn value_codes(dataset: &Dataset) -> &BTreeMap<String, Option<Arc<ValueCodes>>> {
    cache(dataset).values.get_or_init(|| {
        let mut names = vec![
            Canonical::Qoe.name().to_string(),
            Canonical::Engagement.name().to_string(),
            Canonical::BufferMs.name().to_string(),
        ];
        names.extend(dataset.extra_numeric.iter().cloned());
        names.retain(|n| dataset.has_column(n));
        let coded = parallel::map("value-codes", names.clone(), |name| {
            slice_of::<Float64Type>(dataset, &name)
                .and_then(code_values)
                .map(Arc::new)
        })
        .unwrap_or_else(|_| vec![None; names.len()]);
        names.into_iter().zip(coded).collect()
    })
}

/// The codes of one column, if it has few enough distinct values.
#[must_use]
pub fn codes_of<'a>(dataset: &'a Dataset, column: &str) -> Option<&'a ValueCodes> {
    value_codes(dataset).get(column)?.as_deref()
}

/// The session links of `dataset` (built on first call).
pub fn session_links(dataset: &Dataset) -> Result<&SessionLinks, AnalysisError> {
    let built = cache(dataset).sessions.get_or_init(|| {
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
    let order = order_by_session(dataset, ts, events, viewers)?;
    let n = order.len();
    let mut pair = vec![0u32; n];
    let mut next = vec![NONE; n];
    let mut pair_event = Vec::with_capacity(code_count(dataset, Canonical::EventId.name()));
    let mut previous: Option<usize> = None;
    for &r in &order {
        let r = r as usize;
        let same = previous.is_some_and(|p| events[p] == events[r] && viewers[p] == viewers[r]);
        match previous {
            Some(p) if same => {
                next[p] = r as u32;
                pair[r] = pair[p];
            }
            _ => {
                pair[r] = pair_event.len() as u32;
                pair_event.push(events[r]);
            }
        }
        previous = Some(r);
    }
    Ok(SessionLinks {
        pair,
        pair_event,
        next,
    })
}

/// Codes of `column`, or `None` above [`MAX_DISTINCT`] distinct values or with a NaN.
fn code_values(column: &[f64]) -> Option<ValueCodes> {
    // Open addressing on the value's bits; the table stays in cache for small alphabets.
    const SLOTS: usize = MAX_DISTINCT * 4;
    const EMPTY: u64 = u64::MAX; // a NaN pattern: never a key (NaNs are rejected)
    let mut keys = vec![EMPTY; SLOTS];
    let mut distinct = 0usize;
    let slot_of = |bits: u64| (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 46) as usize;
    let find = |keys: &mut Vec<u64>, bits: u64| -> usize {
        let mut s = slot_of(bits);
        loop {
            let k = keys[s];
            if k == bits || k == EMPTY {
                return s;
            }
            s = (s + 1) & (SLOTS - 1);
        }
    };
    for &v in column {
        if v.is_nan() {
            return None;
        }
        let bits = (v + 0.0).to_bits();
        let s = find(&mut keys, bits);
        if keys[s] == EMPTY {
            keys[s] = bits;
            distinct += 1;
            if distinct > MAX_DISTINCT {
                return None;
            }
        }
    }
    let mut values: Vec<f64> = keys
        .iter()
        .filter(|&&k| k != EMPTY)
        .map(|&k| f64::from_bits(k))
        .collect();
    values.sort_by(f64::total_cmp);
    let mut code_of_slot = vec![0u16; SLOTS];
    for (code, v) in values.iter().enumerate() {
        let s = find(&mut keys, v.to_bits());
        // At most MAX_DISTINCT values, so the code fits in u16.
        code_of_slot[s] = code as u16;
    }
    let codes = column
        .iter()
        .map(|&v| code_of_slot[find(&mut keys, (v + 0.0).to_bits())])
        .collect();
    Some(ValueCodes { values, codes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_sorted_distinct_values() {
        let c = code_values(&[0.5, -0.0, 0.25, 0.5, 0.0, 1.0]).unwrap();
        assert_eq!(c.values, vec![0.0, 0.25, 0.5, 1.0]);
        assert_eq!(c.codes, vec![2, 0, 1, 2, 0, 3]);
        assert!(code_values(&[0.1, f64::NAN]).is_none());
        let many: Vec<f64> = (0..=MAX_DISTINCT).map(|i| i as f64).collect();
        assert!(code_values(&many).is_none());
        assert!(code_values(&many[1..]).is_some());
    }
}
