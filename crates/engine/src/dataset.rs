//! A loaded dataset: one canonical polars frame plus the dictionaries that turn
//! its `UInt32` keys back into the ids and names users know.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use serde::Serialize;

use crate::io::report::LoadReport;
use crate::schema::Canonical;

/// Ids above this go to a hash map instead of the direct lookup table.
const DIRECT_ID_LIMIT: u32 = 1 << 24;

/// Turns the ids or names of one column into dense `UInt32` codes `0..n`
/// (first seen first) and back into the labels users see. Dense codes let
/// filters and counts use plain arrays indexed by code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dictionary {
    /// The ids are whole numbers (labels are their decimal text).
    numeric: bool,
    labels: Vec<String>,
    index: HashMap<String, u32>,
    /// Numeric ids below `DIRECT_ID_LIMIT`: `direct[id]` = code + 1 (0 = unseen).
    direct: Vec<u32>,
    /// Numeric ids from `DIRECT_ID_LIMIT` up.
    large: HashMap<u32, u32>,
}

impl Dictionary {
    #[must_use]
    pub fn numeric() -> Self {
        Self {
            numeric: true,
            ..Self::default()
        }
    }

    #[must_use]
    pub fn named() -> Self {
        Self::default()
    }

    /// Are the labels names (not whole-number ids)?
    #[must_use]
    pub fn is_named(&self) -> bool {
        !self.numeric
    }

    /// Number of distinct values (codes are `0..len`).
    #[must_use]
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    fn push(&mut self, label: String) -> u32 {
        let code = self.labels.len() as u32;
        self.index.insert(label.clone(), code);
        self.labels.push(label);
        code
    }

    /// The code of a (normalised) label, adding it when new.
    pub(crate) fn intern(&mut self, label: &str) -> u32 {
        match self.index.get(label) {
            Some(&code) => code,
            None => self.push(label.to_string()),
        }
    }

    /// The code of a numeric id, adding it when new (the hot path of loading).
    #[inline]
    pub(crate) fn intern_id(&mut self, id: u32) -> u32 {
        if id < DIRECT_ID_LIMIT {
            let slot = id as usize;
            if let Some(&c) = self.direct.get(slot) {
                if c != 0 {
                    return c - 1;
                }
            } else {
                self.direct.resize(slot + 1, 0);
            }
            let code = self.push(id.to_string());
            self.direct[slot] = code + 1;
            code
        } else if let Some(&code) = self.large.get(&id) {
            code
        } else {
            let code = self.push(id.to_string());
            self.large.insert(id, code);
            code
        }
    }

    /// What users see for a code.
    #[must_use]
    pub fn label(&self, code: u32) -> String {
        self.labels
            .get(code as usize)
            .cloned()
            .unwrap_or_else(|| format!("#{code}"))
    }

    /// The code for a label a user typed (`5`, `5.0` and ` 5` are the same id).
    #[must_use]
    pub fn key_of(&self, label: &str) -> Option<u32> {
        // Exact text first (category labels like `01` are kept as written).
        if let Some(&code) = self.index.get(label.trim()) {
            return Some(code);
        }
        let normalised = crate::io::values::normalise_label(label);
        self.index.get(&normalised).copied()
    }

    /// Codes ordered by label: numerically for numeric ids, alphabetically for names.
    #[must_use]
    pub fn codes_by_label(&self) -> Vec<u32> {
        let mut codes: Vec<u32> = (0..self.labels.len() as u32).collect();
        if self.numeric {
            codes.sort_by_key(|&c| self.labels[c as usize].parse::<u64>().unwrap_or(u64::MAX));
        } else {
            codes.sort_by(|&a, &b| self.labels[a as usize].cmp(&self.labels[b as usize]));
        }
        codes
    }
}

/// A column users can filter by: the canonical id columns plus low-cardinality
/// text columns found in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dimension {
    /// Column name in the frame (canonical name, or the source name for extras).
    pub column: String,
    /// What the filter panel calls it.
    pub title: String,
}

/// Telemetry in memory. `frame` has the canonical columns that were present
/// (`timestamp` Int64 ms; ids and categories as dense `UInt32` codes;
/// `qoe`, `engagement`, `buffer_ms` Float64) plus extra numeric (Float64) and
/// category (`UInt32` codes) columns. All columns share chunk boundaries.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Changes whenever a new dataset is built; caches key on it.
    pub id: u64,
    pub name: String,
    pub frame: DataFrame,
    pub dictionaries: BTreeMap<String, Dictionary>,
    /// Filterable columns in panel order.
    pub dimensions: Vec<Dimension>,
    /// Extra numeric columns kept from the files.
    pub extra_numeric: Vec<String>,
    pub report: LoadReport,
    /// Indexes the analyses build once per dataset (value codes, session links).
    pub cache: std::sync::Arc<DerivedCache>,
}

/// Data the layers above derive once per dataset (the analyses' value codes and session
/// links), kept with it and shared by its clones. The dataset does not know what is inside:
/// one value of the user's own type, made on first use.
#[derive(Default)]
pub struct DerivedCache(std::sync::OnceLock<Box<dyn std::any::Any + Send + Sync>>);

impl DerivedCache {
    /// The kept value, made by `init` on first use. Only one type is ever kept per dataset
    /// (the analyses' cache); asking for another is a programming error and panics.
    pub fn get_or_init<T: std::any::Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> &T {
        self.0
            .get_or_init(|| Box::new(init()))
            .downcast_ref::<T>()
            .expect("a dataset keeps one derived cache type")
    }
}

impl std::fmt::Debug for DerivedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "DerivedCache(built)"
        } else {
            "DerivedCache(empty)"
        })
    }
}

impl Dataset {
    /// Up to `n` labels of `column` in label order, for error messages.
    #[must_use]
    pub fn sample_labels(&self, column: &str, n: usize) -> Vec<String> {
        self.dictionary(column).map_or_else(Vec::new, |d| {
            d.codes_by_label()
                .into_iter()
                .take(n)
                .map(|c| d.label(c))
                .collect()
        })
    }

    #[must_use]
    pub fn has(&self, canonical: Canonical) -> bool {
        self.has_column(canonical.name())
    }

    #[must_use]
    pub fn has_column(&self, name: &str) -> bool {
        self.frame.column(name).is_ok()
    }

    #[must_use]
    pub fn rows(&self) -> usize {
        self.frame.height()
    }

    #[must_use]
    pub fn dictionary(&self, column: &str) -> Option<&Dictionary> {
        self.dictionaries.get(column)
    }

    /// The label of `key` in `column` (the key itself as text when unknown).
    #[must_use]
    pub fn label(&self, column: &str, key: u32) -> String {
        self.dictionary(column)
            .map_or_else(|| key.to_string(), |d| d.label(key))
    }

    #[must_use]
    pub fn dimension(&self, column: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.column == column)
    }
}

/// A fresh id for each dataset built in this process.
pub(crate) fn next_dataset_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Panel title for a canonical column.
#[must_use]
pub fn dimension_title(column: &str) -> String {
    match column {
        "customer_id" => "Customer".into(),
        "country_id" => "Country".into(),
        "city_id" => "City".into(),
        "viewer_type" => "Viewer type".into(),
        "event_id" => "Event".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_get_dense_codes() {
        let mut d = Dictionary::numeric();
        assert_eq!(d.intern_id(500), 0);
        assert_eq!(d.intern_id(7), 1);
        assert_eq!(d.intern_id(4_000_000_000), 2);
        assert_eq!(d.intern_id(500), 0);
        assert_eq!(d.intern_id(4_000_000_000), 2);
        assert_eq!(d.key_of("7.0"), Some(1));
        assert_eq!(d.label(2), "4000000000");
        assert_eq!(d.key_of("x"), None);
        assert_eq!(d.codes_by_label(), vec![1, 0, 2]);
    }

    #[test]
    fn named_dictionary_interns() {
        let mut d = Dictionary::named();
        assert_eq!(d.intern("WFH"), 0);
        assert_eq!(d.intern("WFO"), 1);
        assert_eq!(d.intern("WFH"), 0);
        assert_eq!(d.label(1), "WFO");
        assert_eq!(d.key_of("WFO"), Some(1));
        assert_eq!(d.key_of("nope"), None);
    }
}
