//! Row counts per value of every filterable column, each under all *other*
//! active filters — so a chosen customer narrows the countries, cities and
//! events offered, while the customer list still shows every customer.

use serde::Serialize;

use crate::dataset::Dataset;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetValue {
    pub label: String,
    pub rows: u64,
}

/// One filter list: values with at least one row, most rows first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facet {
    pub column: String,
    pub title: String,
    pub values: Vec<FacetValue>,
}

/// Up to `n` labels of `column` in label order, for error messages.
#[must_use]
pub fn sample_labels(dataset: &Dataset, column: &str, n: usize) -> Vec<String> {
    dataset.dictionary(column).map_or_else(Vec::new, |d| {
        d.codes_by_label()
            .into_iter()
            .take(n)
            .map(|c| d.label(c))
            .collect()
    })
}
