//! A loaded dataset: one canonical polars frame plus the dictionaries that turn
//! its `UInt32` keys back into the ids and names users know.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use serde::Serialize;

use crate::engine::io::report::LoadReport;
use crate::engine::schema::Canonical;

/// How the keys of one id/category column relate to what the file said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dictionary {
    /// `None`: the key *is* the numeric id. `Some`: key = index into these labels.
    labels: Option<Vec<String>>,
    index: HashMap<String, u32>,
}

impl Dictionary {
    #[must_use]
    pub fn numeric() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn named() -> Self {
        Self {
            labels: Some(Vec::new()),
            index: HashMap::new(),
        }
    }

    #[must_use]
    pub fn is_named(&self) -> bool {
        self.labels.is_some()
    }

    /// The key of a (normalised) label, adding it when the dictionary is named.
    pub(crate) fn intern(&mut self, label: &str) -> u32 {
        if let Some(&k) = self.index.get(label) {
            return k;
        }
        let labels = self.labels.get_or_insert_with(Vec::new);
        let k = labels.len() as u32;
        labels.push(label.to_string());
        self.index.insert(label.to_string(), k);
        k
    }

    /// What users see for a key.
    #[must_use]
    pub fn label(&self, key: u32) -> String {
        match &self.labels {
            Some(labels) => labels
                .get(key as usize)
                .cloned()
                .unwrap_or_else(|| format!("#{key}")),
            None => key.to_string(),
        }
    }

    /// The key for a label a user typed (`5`, `5.0` and ` 5` are the same id).
    #[must_use]
    pub fn key_of(&self, label: &str) -> Option<u32> {
        let normalised = crate::engine::io::values::normalise_label(label);
        match &self.labels {
            Some(_) => self.index.get(&normalised).copied(),
            None => normalised.parse().ok(),
        }
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
/// (`timestamp` Int64 ms; ids `UInt32` keys; `qoe`, `engagement`, `buffer_ms`
/// Float64) plus extra numeric (Float64) and category (`UInt32`) columns.
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
}

impl Dataset {
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
    fn numeric_dictionary_uses_ids_as_keys() {
        let d = Dictionary::numeric();
        assert_eq!(d.key_of("5.0"), Some(5));
        assert_eq!(d.label(5), "5");
        assert_eq!(d.key_of("x"), None);
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
