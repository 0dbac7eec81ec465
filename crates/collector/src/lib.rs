//! The beacon collector (`streamlens collect`): players POST batches of events over HTTP;
//! a batch is checked against the KPI schema whole, appended to a write-ahead segment
//! whose every batch carries its length and checksum, and synced before the 200 (group
//! commit: concurrent batches share one sync). Sealed segments are rolled into hourly
//! Parquet partitions that `streamlens kpis DIR` reads. After a crash the next start cuts
//! a torn tail by its checksum and rolls what was acknowledged, exactly once.
//! With a saved feature-table model it also scores windows (`/v1/score`), and with
//! `--learn` keeps learning a FISVDD model from the windows it scores normal.

#![forbid(unsafe_code)]

mod auth;
pub mod batch;
pub mod beacons;
pub mod commit;
pub mod keys;
pub mod live;
pub mod live_remote;
mod live_routes;
pub mod record;
pub mod replay;
pub mod roll;
mod roller;
mod score_routes;
pub mod scoring;
pub mod segments;
pub mod server;
pub mod status;
pub mod wal;
pub mod windows;

pub use scoring::ScoringConfig;
pub use segments::RollPolicy;
pub use server::{Collector, Config, Recovery, run};
