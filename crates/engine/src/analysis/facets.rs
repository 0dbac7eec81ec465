//! Row counts per value of every filterable column, each under all *other*
//! active filters — so a chosen customer narrows the countries, cities and
//! events offered, while the customer list still shows every customer.

use serde::Serialize;

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
