//! Row counts per value of every filterable column, each under all *other*
//! active filters — so a chosen customer narrows the countries, cities and
//! events offered, while the customer list still shows every customer.

use polars::prelude::*;
use serde::Serialize;

use crate::engine::dataset::Dataset;
use crate::engine::error::AnalysisError;
use crate::engine::filter::Filter;

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

/// Counts for every dimension of the dataset.
pub fn facets(dataset: &Dataset, filter: &Filter) -> Result<Vec<Facet>, AnalysisError> {
    let mut out = Vec::new();
    for dim in &dataset.dimensions {
        let lf = dataset.frame.clone().lazy();
        let lf = match filter.predicate_excluding(dataset, Some(&dim.column)) {
            Some(p) => lf.filter(p),
            None => lf,
        };
        let df = lf
            .group_by([col(dim.column.as_str())])
            .agg([len().cast(DataType::UInt64).alias("rows")])
            .sort(
                ["rows"],
                SortMultipleOptions::default().with_order_descending(true),
            )
            .collect()?;
        let keys = df.column(&dim.column)?.u32()?;
        let rows = df.column("rows")?.u64()?;
        let values = keys
            .iter()
            .zip(rows.iter())
            .filter_map(|(k, n)| {
                Some(FacetValue {
                    label: dataset.label(&dim.column, k?),
                    rows: n?,
                })
            })
            .collect();
        out.push(Facet {
            column: dim.column.clone(),
            title: dim.title.clone(),
            values,
        });
    }
    Ok(out)
}

/// Up to `n` labels of `column`, smallest keys first, for error messages.
#[must_use]
pub fn sample_labels(dataset: &Dataset, column: &str, n: usize) -> Vec<String> {
    let Ok(c) = dataset.frame.column(column) else {
        return Vec::new();
    };
    let Ok(unique) = c.as_materialized_series().unique_stable() else {
        return Vec::new();
    };
    let Ok(keys) = unique.u32() else {
        return Vec::new();
    };
    let mut keys: Vec<u32> = keys.iter().flatten().collect();
    keys.sort_unstable();
    keys.into_iter()
        .take(n)
        .map(|k| dataset.label(column, k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testutil::{SMALL, dataset};

    fn counts(facets: &[Facet], column: &str) -> Vec<(String, u64)> {
        facets
            .iter()
            .find(|f| f.column == column)
            .unwrap()
            .values
            .iter()
            .map(|v| (v.label.clone(), v.rows))
            .collect()
    }

    #[test]
    fn a_selection_narrows_other_lists_but_not_its_own() {
        let ds = dataset(SMALL);
        let mut f = Filter::default();
        f.toggle("customer_id", "2");
        let facets = facets(&ds, &f).unwrap();
        // Its own list still offers every customer.
        assert_eq!(
            counts(&facets, "customer_id"),
            vec![("1".into(), 4), ("2".into(), 2)]
        );
        // Others only what customer 2 has.
        assert_eq!(counts(&facets, "country_id"), vec![("4".into(), 2)]);
        assert_eq!(counts(&facets, "event_id"), vec![("20".into(), 2)]);
        assert_eq!(counts(&facets, "viewer_type"), vec![("WFO".into(), 2)]);
    }
}
