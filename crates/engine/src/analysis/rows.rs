//! The filtered rows as plain contiguous slices, the input of every analysis
//! except the Overview (which scans the dataset in place).

use polars::prelude::*;

use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::filter::Filter;
use crate::schema::Canonical;

/// A dimension analyses group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum GroupBy {
    Customer,
    Country,
    City,
    ViewerType,
}

impl GroupBy {
    pub const ALL: [GroupBy; 4] = [
        GroupBy::Customer,
        GroupBy::Country,
        GroupBy::City,
        GroupBy::ViewerType,
    ];

    #[must_use]
    pub fn column(self) -> &'static str {
        match self {
            GroupBy::Customer => Canonical::CustomerId.name(),
            GroupBy::Country => Canonical::CountryId.name(),
            GroupBy::City => Canonical::CityId.name(),
            GroupBy::ViewerType => Canonical::ViewerType.name(),
        }
    }

    /// Lower-case noun for titles ("by country").
    #[must_use]
    pub fn noun(self) -> &'static str {
        match self {
            GroupBy::Customer => "customer",
            GroupBy::Country => "country",
            GroupBy::City => "city",
            GroupBy::ViewerType => "viewer type",
        }
    }
}

/// A metric column analyses summarise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Metric {
    Qoe,
    Engagement,
}

impl Metric {
    pub const BOTH: [Metric; 2] = [Metric::Qoe, Metric::Engagement];

    #[must_use]
    pub fn column(self) -> &'static str {
        match self {
            Metric::Qoe => Canonical::Qoe.name(),
            Metric::Engagement => Canonical::Engagement.name(),
        }
    }
}

/// Filtered rows: one contiguous slice per column. Optional columns are `None`
/// when the dataset lacks them.
pub struct Rows {
    frame: DataFrame,
}

impl Rows {
    /// The rows passing `filter`, with only the `wanted` columns the dataset has, each
    /// made one contiguous chunk (a copy: the loaded dataset keeps its load chunks, which
    /// keeps loading's peak memory low; copying only what an analysis reads bounds this
    /// one's).
    pub fn new(dataset: &Dataset, filter: &Filter, wanted: &[&str]) -> Result<Rows, AnalysisError> {
        let present: Vec<Expr> = wanted
            .iter()
            .filter(|c| dataset.has_column(c))
            .map(|c| col(*c))
            .collect();
        let mut frame = filter.apply(dataset).select(present).collect()?;
        frame.rechunk_mut();
        Ok(Rows { frame })
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.frame.height()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.frame.height() == 0
    }

    fn slice<T: PolarsNumericType>(&self, name: &str) -> Option<&[T::Native]> {
        let column = self.frame.column(name).ok()?;
        let ca: &ChunkedArray<T> = column.as_materialized_series().unpack::<T>().ok()?;
        ca.cont_slice().ok()
    }

    fn required<T: PolarsNumericType>(&self, name: &str) -> Result<&[T::Native], AnalysisError> {
        self.slice::<T>(name)
            .ok_or_else(|| AnalysisError::MissingColumn(name.to_string()))
    }

    pub fn timestamps(&self) -> Result<&[i64], AnalysisError> {
        self.required::<Int64Type>(Canonical::Timestamp.name())
    }

    pub fn events(&self) -> Result<&[u32], AnalysisError> {
        self.required::<UInt32Type>(Canonical::EventId.name())
    }

    pub fn viewers(&self) -> Result<&[u32], AnalysisError> {
        self.required::<UInt32Type>(Canonical::ViewerId.name())
    }

    pub fn metric(&self, metric: Metric) -> Result<&[f64], AnalysisError> {
        self.required::<Float64Type>(metric.column())
    }

    /// A numeric column (metric, `buffer_ms` or an extra), if present.
    #[must_use]
    pub fn numeric(&self, name: &str) -> Option<&[f64]> {
        self.slice::<Float64Type>(name)
    }

    /// Key codes of a dimension, if the dataset has it.
    #[must_use]
    pub fn codes(&self, group: GroupBy) -> Option<&[u32]> {
        self.slice::<UInt32Type>(group.column())
    }

    /// Key codes of any `UInt32` column.
    #[must_use]
    pub fn codes_of(&self, column: &str) -> Option<&[u32]> {
        self.slice::<UInt32Type>(column)
    }
}

/// Number of codes of a dimension's dictionary (codes are `0..n`).
#[must_use]
pub fn code_count(dataset: &Dataset, column: &str) -> usize {
    dataset
        .dictionary(column)
        .map_or(0, crate::dataset::Dictionary::len)
}
