//! streamlens: analytics for live-video-streaming event telemetry.
//!
//! The engine computes, the app shows, the CLI prints; see `ARCHITECTURE.md`.
#![forbid(unsafe_code)]

pub mod anomaly_tables;
pub mod app;
pub mod chart;
pub mod cli;
pub mod engine;
pub mod export;
pub mod tables;
pub mod traffic_tables;
