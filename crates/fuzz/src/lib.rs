//! Seeded mutation fuzzing of every streamlens file reader, on stable Rust (cargo-fuzz needs
//! nightly). A deterministic mutator (`mutate`) changes seed files; each reader's public entry
//! point runs on the result under `catch_unwind` (`harness`); a panic is a crash, an `Err` is
//! the desired answer. The tests run a short fixed-seed pass per reader; the
//! `streamlens-fuzz` binary runs long, time-bounded passes, one process per reader.
//!
//! Dev-only (`publish = false`); no other crate depends on this one.

#![forbid(unsafe_code)]

pub mod harness;
pub mod memory;
pub mod mutate;
pub mod panics;
pub mod rng;
pub mod seeds;
pub mod targets;

pub use harness::{Config, Crash, Summary, fuzz};
pub use targets::{NAMES, Target, target};
