//! The analytics engine: loading, validation, filtering and analyses.
//!
//! Never imports egui and never prints; every result is a plain `Serialize` struct
//! shared by the window and the CLI.

pub mod analysis;
pub mod dataset;
pub mod error;
pub mod filter;
pub mod io;
pub mod schema;
pub mod synth;
pub mod time_fmt;

pub use dataset::Dataset;
pub use error::LoadError;
pub use filter::Filter;
