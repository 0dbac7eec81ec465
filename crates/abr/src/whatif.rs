//! The what-if as one request, for the window: where the traces and the manifest come from
//! (files, or the seeded generator), which players and buffer — and everything the view
//! shows of it (every session with its segments, the summary per player). The office
//! question is [`OfficeRequest`]. Same engines as the CLI's `abr evaluate` and `abr office`.

use serde::{Deserialize, Serialize};

use crate::capacity::{CapacityAdvice, advise};
use crate::error::AbrError;
use crate::evaluate::{Evaluation, summarise_runs};
use crate::lineup::{Contender, simulate_contenders};
use crate::manifest::Manifest;
use crate::office::Office;
use crate::players::Algorithm;
use crate::sim::{SimConfig, Simulation};
#[cfg(test)]
use crate::synthetic::Profile;
pub use crate::whatif_inputs::{
    ManifestSource, SYNTHETIC_SEGMENTS, SYNTHETIC_TRACE_S, TraceSource,
};
use crate::whatif_learned::{LearnedCache, LearnedChoice, learned_contenders};

/// Office defaults, the same as `abr office`'s flags: request latency, join spread, seed.
pub const OFFICE_LATENCY_S: f64 = 0.02;
pub const OFFICE_JOIN_S: f64 = 60.0;
pub const OFFICE_SEED: u64 = 42;

/// Traces × players with one buffer cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatIfRequest {
    pub traces: TraceSource,
    pub manifest: ManifestSource,
    pub algorithms: Vec<Algorithm>,
    pub buffer_s: f64,
    /// Learned players added after the rules.
    #[serde(default)]
    pub learned: LearnedChoice,
}

/// Every session of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIfResults {
    pub trace_names: Vec<String>,
    /// The players' names, rules first then learned ones, in the order of the sessions.
    pub players: Vec<&'static str>,
    pub segment_s: f64,
    /// Summary per session and per player, as `abr evaluate` writes it.
    pub evaluation: Evaluation,
    /// Each session with its segments, in the order of `evaluation.sessions`.
    pub runs: Vec<Simulation>,
}

impl WhatIfResults {
    /// The session of trace `trace` with the player named `player`, if both were run.
    #[must_use]
    pub fn session(&self, trace: usize, player: &str) -> Option<&Simulation> {
        let a = self.players.iter().position(|&x| x == player)?;
        if trace >= self.trace_names.len() {
            return None;
        }
        self.runs.get(trace * self.players.len() + a)
    }
}

/// Reads or generates the inputs and runs every session. Errors name the file and what is
/// wrong; a buffer shorter than one segment or no player is refused.
pub fn run_whatif(request: &WhatIfRequest) -> Result<WhatIfResults, AbrError> {
    run_whatif_learning(request, &mut LearnedCache::default(), &mut |_| true)
}

/// As [`run_whatif`], reusing learned models from `cache` while what they were fitted on is
/// unchanged; `progress` sees the rl player's training from 0 to 1 and answers whether to
/// go on (`false` stops the training: [`AbrError::Stopped`], nothing cached).
pub fn run_whatif_learning(
    request: &WhatIfRequest,
    cache: &mut LearnedCache,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<WhatIfResults, AbrError> {
    if request.algorithms.is_empty() && !request.learned.learned_mpc && !request.learned.rl {
        return Err(AbrError::Invalid("choose at least one player".into()));
    }
    let manifest = request.manifest.manifest()?;
    let config = checked_config(&manifest, request.buffer_s)?;
    let traces = request.traces.traces()?;
    let mut contenders: Vec<Contender> = request
        .algorithms
        .iter()
        .map(|&a| Contender::Rule(a))
        .collect();
    contenders.extend(learned_contenders(
        &request.learned,
        &traces,
        &request.traces,
        &manifest,
        &config,
        cache,
        progress,
    )?);
    let runs = simulate_contenders(&traces, &manifest, &contenders, &config);
    let names: Vec<&'static str> = contenders.iter().map(Contender::name).collect();
    let evaluation = summarise_runs(&traces, &names, &config, &runs);
    Ok(WhatIfResults {
        trace_names: traces.into_iter().map(|t| t.name).collect(),
        players: names,
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
    use std::path::PathBuf;

    use super::*;
    use crate::whatif_learned::{TRAINING_TRACES, TrainingSource};

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
            learned: LearnedChoice::default(),
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
        let one = r.session(2, "rate").unwrap();
        assert_eq!(one.summary, e.sessions[5].summary);
        assert!(r.session(3, "bba").is_none());
        assert!(r.session(0, "bola").is_none());
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

    fn learning_request() -> WhatIfRequest {
        WhatIfRequest {
            traces: TraceSource::Synthetic {
                profile: Profile::Mobile3g,
                count: 3,
                seed: 5,
            },
            manifest: ManifestSource::Synthetic { seed: 1 },
            algorithms: vec![Algorithm::RateBased],
            buffer_s: 25.0,
            learned: LearnedChoice {
                learned_mpc: true,
                rl: true,
                training: TrainingSource::Synthetic,
                rl_iterations: 3,
            },
        }
    }

    #[test]
    fn learned_players_follow_the_rules_and_are_fitted_once() {
        let mut cache = LearnedCache::default();
        let mut calls = 0;
        let r = run_whatif_learning(&learning_request(), &mut cache, &mut |_| {
            calls += 1;
            true
        })
        .unwrap();
        assert_eq!(r.players, vec!["rate", "learned-mpc", "rl"]);
        assert_eq!(r.runs.len(), 9);
        assert_eq!(calls, 3, "one progress call per rl iteration");
        // The training traces are synthetic 3G seeded apart from the evaluated ones.
        let training = TrainingSource::Synthetic
            .traces(&learning_request().traces)
            .unwrap();
        assert_eq!(training.len(), TRAINING_TRACES);
        assert!(training.iter().all(|t| !r.trace_names.contains(&t.name)));
        // Other players and another evaluated count: nothing is fitted again.
        let mut other = learning_request();
        other.algorithms = vec![Algorithm::Bola, Algorithm::Bba];
        let again = run_whatif_learning(&other, &mut cache, &mut |_| {
            calls += 1;
            true
        })
        .unwrap();
        assert_eq!(calls, 3);
        assert_eq!(again.players, vec!["bola", "bba", "learned-mpc", "rl"]);
        // Another buffer cap fits again.
        other.buffer_s = 12.0;
        run_whatif_learning(&other, &mut cache, &mut |_| {
            calls += 1;
            true
        })
        .unwrap();
        assert_eq!(calls, 6);
    }

    #[test]
    fn a_stopped_training_keeps_nothing() {
        let mut cache = LearnedCache::default();
        let e = run_whatif_learning(&learning_request(), &mut cache, &mut |_| false).unwrap_err();
        assert!(matches!(e, AbrError::Stopped), "{e}");
        let mut calls = 0;
        run_whatif_learning(&learning_request(), &mut cache, &mut |_| {
            calls += 1;
            true
        })
        .unwrap();
        assert_eq!(calls, 3, "the next request trains again, from the start");
    }

    #[test]
    fn training_on_the_evaluated_traces_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let trace = crate::synthetic::trace(Profile::Lte, 9, 60);
        let path = dir.path().join("t.json");
        std::fs::write(&path, trace.to_json()).unwrap();
        let mut r = learning_request();
        r.traces = TraceSource::Files(vec![path.clone()]);
        r.learned.training = TrainingSource::Files(vec![path]);
        let e = run_whatif_learning(&r, &mut LearnedCache::default(), &mut |_| true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("never saw"), "{e}");
        // Only learned players is a valid choice.
        let mut only = learning_request();
        only.algorithms.clear();
        only.learned.rl = false;
        let ok = run_whatif_learning(&only, &mut LearnedCache::default(), &mut |_| true).unwrap();
        assert_eq!(ok.players, vec!["learned-mpc"]);
    }
}
