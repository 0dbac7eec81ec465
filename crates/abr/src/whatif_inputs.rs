//! Where a what-if's traces and manifest come from: files, or the seeded generator.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::AbrError;
use crate::manifest::Manifest;
use crate::synthetic::{self, Profile};
use crate::trace::{Trace, read_traces};

/// Length of a generated trace (sessions outlasting it loop it), as `abr generate`.
pub const SYNTHETIC_TRACE_S: usize = 600;
/// Segments of the generated manifest (5 minutes of 3-s segments), as `abr generate`.
pub const SYNTHETIC_SEGMENTS: usize = 100;
/// Where the traces come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TraceSource {
    /// `count` seeded traces of `profile`, [`SYNTHETIC_TRACE_S`] long.
    Synthetic {
        profile: Profile,
        count: usize,
        seed: u64,
    },
    /// Trace files and folders of them (see [`read_traces`]).
    Files(Vec<PathBuf>),
}

impl TraceSource {
    /// The traces, read or generated.
    pub fn traces(&self) -> Result<Vec<Trace>, AbrError> {
        match self {
            Self::Synthetic {
                profile,
                count,
                seed,
            } => Ok((0..(*count).max(1))
                .map(|i| {
                    let s = seed.wrapping_mul(1_000_003).wrapping_add(i as u64);
                    synthetic::trace(*profile, s, SYNTHETIC_TRACE_S)
                })
                .collect()),
            Self::Files(paths) => read_traces(paths),
        }
    }
}

/// Where the manifest comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ManifestSource {
    /// The generator's Big Buck Bunny ladder, [`SYNTHETIC_SEGMENTS`] segments.
    Synthetic {
        seed: u64,
    },
    File(PathBuf),
}

impl ManifestSource {
    pub fn manifest(&self) -> Result<Manifest, AbrError> {
        match self {
            Self::Synthetic { seed } => Ok(synthetic::manifest(*seed, SYNTHETIC_SEGMENTS)),
            Self::File(path) => Manifest::read(path),
        }
    }
}
