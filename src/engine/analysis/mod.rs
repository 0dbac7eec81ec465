//! Analyses: each is a function of (dataset, filter, params) returning a plain
//! `Serialize` struct that both the window and the CLI use.

pub mod events;
pub mod facets;
pub mod summary;

use polars::prelude::*;

/// First value of a one-row result column as f64 (None for null/missing).
pub(crate) fn scalar_f64(df: &DataFrame, name: &str) -> Option<f64> {
    let c = df.column(name).ok()?;
    c.cast(&DataType::Float64).ok()?.f64().ok()?.get(0)
}

pub(crate) fn scalar_i64(df: &DataFrame, name: &str) -> Option<i64> {
    let c = df.column(name).ok()?;
    c.cast(&DataType::Int64).ok()?.i64().ok()?.get(0)
}
