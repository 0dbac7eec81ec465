//! The one place filters are interpreted: a serialisable [`Filter`] of labels
//! becomes a polars predicate over a dataset's key columns.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::AnalysisError;

/// What the user chose: for each filterable column a set of labels (an empty or
/// absent set means "all"), and an optional time range in unix ms (inclusive).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    pub selections: BTreeMap<String, BTreeSet<String>>,
    pub time_from_ms: Option<i64>,
    pub time_to_ms: Option<i64>,
}

impl Filter {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.selections.values().all(BTreeSet::is_empty)
            && self.time_from_ms.is_none()
            && self.time_to_ms.is_none()
    }

    /// Labels selected for `column` (empty = all).
    #[must_use]
    pub fn selected(&self, column: &str) -> Option<&BTreeSet<String>> {
        self.selections.get(column).filter(|s| !s.is_empty())
    }

    /// The one reading of a selection as codes, used by every fast path: `None` when
    /// `column` is not filtered; otherwise a table indexed by code, one entry per code of the
    /// column's dictionary, true exactly where that code's label is selected. Labels the data
    /// does not have, and a column it lacks, allow nothing.
    #[must_use]
    pub fn allowed_codes(&self, dataset: &Dataset, column: &str) -> Option<Vec<bool>> {
        let labels = self.selected(column)?;
        let dictionary = dataset
            .dictionary(column)
            .filter(|_| dataset.has_column(column));
        let mut allowed = vec![false; dictionary.map_or(0, crate::dataset::Dictionary::len)];
        if let Some(d) = dictionary {
            for code in labels.iter().filter_map(|l| d.key_of(l)) {
                if let Some(a) = allowed.get_mut(code as usize) {
                    *a = true;
                }
            }
        }
        Some(allowed)
    }

    pub fn toggle(&mut self, column: &str, label: &str) {
        let set = self.selections.entry(column.to_string()).or_default();
        if !set.remove(label) {
            set.insert(label.to_string());
        }
        if set.is_empty() {
            self.selections.remove(column);
        }
    }

    pub fn clear_column(&mut self, column: &str) {
        self.selections.remove(column);
    }

    /// Labels that name nothing in `dataset` (as (column, label) pairs).
    #[must_use]
    pub fn unknown_labels(&self, dataset: &Dataset) -> Vec<(String, String)> {
        let mut unknown = Vec::new();
        for (column, labels) in &self.selections {
            for label in labels {
                // Codes exist only for values seen in the files; columns that are
                // not filter lists (like viewer_id) cannot be selected.
                let present = dataset.dimension(column).is_some()
                    && dataset
                        .dictionary(column)
                        .and_then(|d| d.key_of(label))
                        .is_some();
                if !present {
                    unknown.push((column.clone(), label.clone()));
                }
            }
        }
        unknown
    }

    /// Fail on labels the dataset does not have (the CLI's behaviour), naming
    /// some known values so the user can correct the flag.
    pub fn check_known(&self, dataset: &Dataset) -> Result<(), AnalysisError> {
        if let Some((column, value)) = self.unknown_labels(dataset).into_iter().next() {
            let known = dataset.sample_labels(&column, 8);
            return Err(AnalysisError::UnknownFilterValue {
                dimension: column,
                value,
                known: if known.is_empty() {
                    "(column not in this dataset)".into()
                } else {
                    known.join(", ")
                },
            });
        }
        Ok(())
    }

    /// The predicate, or `None` when nothing is filtered.
    #[must_use]
    pub fn predicate(&self, dataset: &Dataset) -> Option<Expr> {
        self.predicate_excluding(dataset, None)
    }

    /// The predicate without the selection on `excluded` — used to count what
    /// each list would offer given the other filters.
    #[must_use]
    pub fn predicate_excluding(&self, dataset: &Dataset, excluded: Option<&str>) -> Option<Expr> {
        let mut parts = Vec::new();
        for column in self.selections.keys() {
            if Some(column.as_str()) == excluded {
                continue;
            }
            let Some(allowed) = self.allowed_codes(dataset, column) else {
                continue;
            };
            let keys: Vec<u32> = (0..allowed.len() as u32)
                .filter(|&code| allowed[code as usize])
                .collect();
            parts.push(match keys.as_slice() {
                [] => lit(false),
                [one] => col(column.as_str()).eq(lit(*one)),
                many => col(column.as_str())
                    .is_in(lit(Series::new("keys".into(), many)).implode(false), false),
            });
        }
        let ts = col(crate::schema::Canonical::Timestamp.name());
        if let Some(from) = self.time_from_ms {
            parts.push(ts.clone().gt_eq(lit(from)));
        }
        if let Some(to) = self.time_to_ms {
            parts.push(ts.lt_eq(lit(to)));
        }
        parts.into_iter().reduce(Expr::and)
    }

    /// The filtered rows as a lazy frame.
    pub fn apply(&self, dataset: &Dataset) -> LazyFrame {
        let lf = dataset.frame.clone().lazy();
        match self.predicate(dataset) {
            Some(p) => lf.filter(p),
            None => lf,
        }
    }

    /// Chips for the UI and text for reports: "Customer: 3, 5".
    #[must_use]
    pub fn describe(&self, dataset: &Dataset) -> Vec<String> {
        // In the filter panel's order, then any columns the dataset lacks.
        let mut columns: Vec<&String> = self.selections.keys().collect();
        columns.sort_by_key(|c| {
            dataset
                .dimensions
                .iter()
                .position(|d| &d.column == *c)
                .unwrap_or(usize::MAX)
        });
        let mut out: Vec<String> = columns
            .into_iter()
            .filter_map(|c| {
                let s = self.selected(c)?;
                let title = dataset
                    .dimension(c)
                    .map_or_else(|| c.clone(), |d| d.title.clone());
                Some(format!(
                    "{title}: {}",
                    s.iter().cloned().collect::<Vec<_>>().join(", ")
                ))
            })
            .collect();
        if self.time_from_ms.is_some() || self.time_to_ms.is_some() {
            let f = |t: Option<i64>| {
                t.map_or_else(|| "…".to_string(), crate::time_fmt::format_utc_minute)
            };
            out.push(format!(
                "Time: {} – {}",
                f(self.time_from_ms),
                f(self.time_to_ms)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::testutil::{SMALL, dataset};

    const T0: i64 = 1_700_000_000_000;

    #[test]
    fn toggling_adds_and_removes() {
        let mut f = Filter::default();
        assert!(f.is_empty());
        f.toggle("city_id", "5");
        f.toggle("city_id", "6");
        assert_eq!(f.selected("city_id").unwrap().len(), 2);
        f.toggle("city_id", "5");
        f.toggle("city_id", "6");
        assert!(f.is_empty());
        assert!(f.selections.is_empty());
    }

    #[test]
    fn unknown_labels_are_found_in_the_rows() {
        let ds = dataset(SMALL);
        let mut f = Filter::default();
        f.toggle("city_id", "5.0");
        f.toggle("city_id", "99");
        f.toggle("viewer_type", "XYZ");
        let unknown = f.unknown_labels(&ds);
        assert_eq!(
            unknown,
            vec![
                ("city_id".into(), "99".into()),
                ("viewer_type".into(), "XYZ".into())
            ]
        );
        let err = f.check_known(&ds).unwrap_err().to_string();
        assert!(err.contains("unknown city_id `99`"), "{err}");
        assert!(err.contains("5, 6, 7"), "{err}");
    }

    #[test]
    fn several_values_are_a_union_and_columns_intersect() {
        let ds = dataset(SMALL);
        let mut f = Filter::default();
        f.toggle("city_id", "5");
        f.toggle("city_id", "7");
        assert_eq!(f.apply(&ds).collect().unwrap().height(), 4);
        f.toggle("viewer_type", "WFO");
        f.toggle("customer_id", "2");
        assert_eq!(f.apply(&ds).collect().unwrap().height(), 2);
        assert_eq!(
            f.describe(&ds),
            vec!["Customer: 2", "City: 5, 7", "Viewer type: WFO"]
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(40))]
        /// The polars predicate keeps exactly the rows a naive row-by-row check keeps.
        #[test]
        fn predicate_matches_a_naive_filter(
            rows in proptest::collection::vec((0u32..4, 0u32..3, proptest::bool::ANY, 0i64..100), 1..60),
            customers in proptest::collection::btree_set(0u32..5, 0..3),
            cities in proptest::collection::btree_set(0u32..4, 0..3),
            wfh in proptest::option::of(proptest::bool::ANY),
            from in proptest::option::of(0i64..100),
        ) {
            let mut text = String::from("timestamp,customer_id,city_id,viewer_type,event_id,viewer_id,qoe,engagement\n");
            for (i, (c, city, is_wfh, t)) in rows.iter().enumerate() {
                let vt = if *is_wfh { "WFH" } else { "WFO" };
                writeln!(text, "{},{c},{city},{vt},1,{i},0.5,0.5", T0 + t).unwrap();
            }
            let ds = dataset(&text);
            let mut f = Filter { time_from_ms: from.map(|f| T0 + f), ..Filter::default() };
            for c in &customers { f.toggle("customer_id", &c.to_string()); }
            for c in &cities { f.toggle("city_id", &c.to_string()); }
            if let Some(w) = wfh { f.toggle("viewer_type", if w { "WFH" } else { "WFO" }); }
            let naive = rows.iter().filter(|(c, city, is_wfh, t)| {
                (customers.is_empty() || customers.contains(c))
                    && (cities.is_empty() || cities.contains(city))
                    && wfh.is_none_or(|w| w == *is_wfh)
                    && from.is_none_or(|from| *t >= from)
            }).count();
            proptest::prop_assert_eq!(f.apply(&ds).collect().unwrap().height(), naive);
        }
    }
}
