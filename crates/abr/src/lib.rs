//! Network what-if: adaptive-bitrate (ABR) players replayed on real throughput traces.
//!
//! A segment-level simulator ([`sim`]) downloads a video described by a [`manifest`] over a
//! [`trace`] of link bandwidth, asking a [`players`] rule which rendition to fetch next;
//! [`evaluate`] runs many traces × players and summarises them by `QoE_lin` (Pensieve, Mao et
//! al., SIGCOMM 2017), bitrate, rebuffering, switches and start-up delay. No GUI here.

pub mod beacons;
pub mod capacity;
pub mod error;
pub mod evaluate;
pub mod learned;
pub mod lineup;
pub mod manifest;
pub mod office;
pub mod players;
pub mod rl;
pub mod sim;
pub mod synthetic;
pub mod trace;
pub mod whatif;
pub mod whatif_inputs;
pub mod whatif_learned;

pub use error::AbrError;
pub use manifest::Manifest;
pub use players::Algorithm;
pub use sim::{SessionSummary, SimConfig, Simulation, simulate};
pub use trace::Trace;
