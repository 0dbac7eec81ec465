//! streamlens: analytics for live-video-streaming event telemetry.
//!
//! The binary's two faces: the window (`app`) and the command line (`cli`). Both use the
//! library crates under `crates/` and never each other; see `ARCHITECTURE.md`.
#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
