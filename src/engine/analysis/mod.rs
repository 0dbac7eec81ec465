//! Analyses: each is a function of (dataset, filter, params) returning a plain
//! `Serialize` struct that both the window and the CLI use.

pub mod events;
pub mod facets;
pub mod overview;
#[cfg(test)]
mod reference;
pub mod summary;
