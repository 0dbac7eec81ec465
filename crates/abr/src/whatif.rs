//! The what-if as one request, for the window: where the traces and the manifest come from
//! (files, or the seeded generator), which players and buffer — and everything the view
//! shows of it (every session with its segments, the summary per player). The office
//! question is [`OfficeRequest`]. Same engines as the CLI's `abr evaluate` and `abr office`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::capacity::{CapacityAdvice, advise};
use crate::error::AbrError;
use crate::evaluate::{Evaluation, simulate_all, summarise_runs};
use crate::manifest::Manifest;
use crate::office::Office;
use crate::players::Algorithm;
use crate::sim::{SimConfig, Simulation};
use crate::synthetic::{self, Profile};
use crate::trace::{Trace, read_traces};

/// Length of a generated trace (sessions outlasting it loop it), as `abr generate`.
pub const SYNTHETIC_TRACE_S: usize = 600;
/// Segments of the generated manifest (5 minutes of 3-s segments), as `abr generate`.
pub const SYNTHETIC_SEGMENTS: usize = 100;
/// Office defaults, the same as `abr office`'s flags: request latency, join spread, seed.
pub const OFFICE_LATENCY_S: f64 = 0.02;
pub const OFFICE_JOIN_S: f64 = 60.0;
pub const OFFICE_SEED: u64 = 42;

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

/// Traces × players with one buffer cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatIfRequest {
    pub traces: TraceSource,
    pub manifest: ManifestSource,
    pub algorithms: Vec<Algorithm>,
    pub buffer_s: f64,
}

/// Every session of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIfResults {
    pub trace_names: Vec<String>,
    pub algorithms: Vec<Algorithm>,
    pub segment_s: f64,
    /// Summary per session and per player, as `abr evaluate` writes it.
    pub evaluation: Evaluation,
    /// Each session with its segments, in the order of `evaluation.sessions`.
    pub runs: Vec<Simulation>,
}

impl WhatIfResults {
    /// The session of trace `trace` with player `algorithm`, if both were run.
    #[must_use]
    pub fn session(&self, trace: usize, algorithm: Algorithm) -> Option<&Simulation> {
        let a = self.algorithms.iter().position(|&x| x == algorithm)?;
        if trace >= self.trace_names.len() {
            return None;
        }
        self.runs.get(trace * self.algorithms.len() + a)
    }
}

/// Reads or generates the inputs and runs every session. Errors name the file and what is
/// wrong; a buffer shorter than one segment or no player is refused.
pub fn run_whatif(request: &WhatIfRequest) -> Result<WhatIfResults, AbrError> {
    if request.algorithms.is_empty() {
        return Err(AbrError::Invalid("choose at least one player".into()));
    }
    let manifest = request.manifest.manifest()?;
    let config = checked_config(&manifest, request.buffer_s)?;
    let traces = request.traces.traces()?;
    let runs = simulate_all(&traces, &manifest, &request.algorithms, &config);
    let names: Vec<&'static str> = request.algorithms.iter().map(|a| a.name()).collect();
    let evaluation = summarise_runs(&traces, &names, &config, &runs);
    Ok(WhatIfResults {
        trace_names: traces.into_iter().map(|t| t.name).collect(),
        algorithms: request.algorithms.clone(),
        segment_s: manifest.segment_s,
        evaluation,
        runs,
    })
}

fn checked_config(manifest: &Manifest, buffer_s: f64) -> Result<SimConfig, AbrError> {
    if !(buffer_s.is_finite() && buffer_s >= manifest.segment_s) {
        return Err(AbrError::Invalid(format!(
            "the buffer ({buffer_s} s) is shorter than one segment ({} s)",
            manifest.segment_s
        )));
    }
    Ok(SimConfig {
        buffer_cap_s: buffer_s,
    })
}

/// N viewers of one player behind one link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeRequest {
    pub manifest: ManifestSource,
    pub algorithm: Algorithm,
    pub viewers: usize,
    pub link_mbps: f64,
    pub buffer_s: f64,
}

/// Every ladder cap for the office and the recommendation ([`advise`]), with the
/// [`OFFICE_LATENCY_S`], [`OFFICE_JOIN_S`] and [`OFFICE_SEED`] defaults.
pub fn run_office(request: &OfficeRequest) -> Result<CapacityAdvice, AbrError> {
    let manifest = request.manifest.manifest()?;
    let config = checked_config(&manifest, request.buffer_s)?;
    if request.viewers == 0 || !(request.link_mbps.is_finite() && request.link_mbps > 0.0) {
        return Err(AbrError::Invalid(format!(
            "an office needs viewers and a link: {} viewers on {} Mbit/s",
            request.viewers, request.link_mbps
        )));
    }
    let office = Office {
        viewers: request.viewers,
        link_mbps: request.link_mbps,
        latency_s: OFFICE_LATENCY_S,
        buffer_cap_s: config.buffer_cap_s,
        join_s: OFFICE_JOIN_S,
        seed: OFFICE_SEED,
    };
    Ok(advise(&manifest, request.algorithm, &office))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> WhatIfRequest {
        WhatIfRequest {
            traces: TraceSource::Synthetic {
                profile: Profile::Lte,
                count: 3,
                seed: 5,
            },
            manifest: ManifestSource::Synthetic { seed: 1 },
            algorithms: vec![Algorithm::Bba, Algorithm::RateBased],
            buffer_s: 25.0,
        }
    }

    #[test]
    fn sessions_line_up_with_the_cli_evaluation() {
        let r = run_whatif(&request()).unwrap();
        let traces = request().traces.traces().unwrap();
        let manifest = request().manifest.manifest().unwrap();
        let e = crate::evaluate::evaluate(
            &traces,
            &manifest,
            &request().algorithms,
            &SimConfig { buffer_cap_s: 25.0 },
        );
        assert_eq!(r.evaluation, e);
        assert_eq!(r.runs.len(), 6);
        let one = r.session(2, Algorithm::RateBased).unwrap();
        assert_eq!(one.summary, e.sessions[5].summary);
        assert!(r.session(3, Algorithm::Bba).is_none());
        assert!(r.session(0, Algorithm::Bola).is_none());
        let sorted = r.evaluation.sorted_qoe("bba");
        assert_eq!(sorted.len(), 3);
        assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn bad_requests_are_refused_with_reasons() {
        let mut r = request();
        r.algorithms.clear();
        assert!(run_whatif(&r).unwrap_err().to_string().contains("player"));
        let mut r = request();
        r.buffer_s = 1.0;
        assert!(run_whatif(&r).unwrap_err().to_string().contains("segment"));
        let mut r = request();
        r.traces = TraceSource::Files(vec![PathBuf::from("/nonexistent/trace.json")]);
        assert!(
            run_whatif(&r)
                .unwrap_err()
                .to_string()
                .contains("/nonexistent/trace.json")
        );
        let office = OfficeRequest {
            manifest: ManifestSource::Synthetic { seed: 1 },
            algorithm: Algorithm::Bola,
            viewers: 0,
            link_mbps: 10.0,
            buffer_s: 25.0,
        };
        assert!(run_office(&office).is_err());
        let ok = run_office(&OfficeRequest {
            viewers: 4,
            ..office
        })
        .unwrap();
        assert_eq!(ok.outcomes.len(), 10);
    }
}
