//! Analyses: each is a function of (dataset, filter, params) returning a plain
//! `Serialize` struct that both the window and the CLI use.
//!
//! The Overview scans the dataset in place; the seven analyses of the analyses
//! issue work on [`rows::Rows`] (the filtered rows as slices) and are bundled by
//! [`suite`].

pub mod coded;
pub mod concurrency;
pub mod correlation;
pub mod differences;
pub mod drivers;
pub mod durations;
pub mod event_table;
pub mod events;
pub mod facets;
pub mod groups;
#[cfg(test)]
mod in_place_tests;
pub mod index;
pub mod linked;
pub mod links;
pub mod over_time;
pub mod overview;
pub mod pairs;
pub mod parallel;
#[cfg(test)]
mod reference;
pub mod rows;
pub mod selection;
pub mod sessions;
pub mod sorting;
pub mod suite;
pub mod summary;
#[cfg(test)]
mod tests;
pub mod viewer_type;
