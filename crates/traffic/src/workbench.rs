//! Everything the Traffic tab shows, computed in one call on a worker thread: read the
//! captures (a bad file is reported and the others still load), cut them into chunks, mark
//! download spikes, run leave-one-capture-out when the labelled captures allow it, and give
//! every capture a verdict — saying whether it came from a model that never saw the capture.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::TrafficLabel;
use super::chunk::{ChunkFeatures, WindowParams, extract};
use super::classify::{ChunkVerdict, FileClassification, Verdict, classify};
use super::dataset::{CaptureFeatures, labelled, samples};
use super::error::TrafficError;
use super::evaluate::{Evaluation, evaluate_with};
use super::features::{mean_std, peaks};
use super::model::{Classifier, ModelParams, TrafficModel, label_of, train};
use super::reader::{Capture, label_from_name, parse_capture, read_capture};
use super::series::{CaptureSeries, Series};
use super::synth::{numbered_capture, write_csv};
use streamlens_engine::progress::Progress;

/// Where a capture comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum CaptureSource {
    File(PathBuf),
    /// Capture `index` of the seeded synthetic set (see `synth::synth_captures`).
    Synthetic {
        seed: u64,
        index: usize,
        duration_secs: u32,
    },
}

impl CaptureSource {
    /// The demo: `count` synthetic captures alternating live and VOD.
    #[must_use]
    pub fn demo(seed: u64, count: usize, duration_secs: u32) -> Vec<Self> {
        (0..count)
            .map(|index| Self::Synthetic {
                seed,
                index,
                duration_secs,
            })
            .collect()
    }

    /// The file path, or which synthetic capture.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::File(p) => p.display().to_string(),
            Self::Synthetic { seed, index, .. } => {
                format!("synthetic capture {index} (seed {seed})")
            }
        }
    }

    fn read(&self) -> Result<Capture, String> {
        match self {
            Self::File(path) => read_capture(path).map_err(|e| e.to_string()),
            Self::Synthetic {
                seed,
                index,
                duration_secs,
            } => {
                let synth = numbered_capture(*seed, *index, *duration_secs);
                let mut text = Vec::new();
                write_csv(&synth, &mut text).map_err(|e| e.to_string())?;
                let mut capture = parse_capture(&synth.name, &text).map_err(|e| e.to_string())?;
                capture.label = label_from_name(&synth.name);
                capture.name = synth.name;
                Ok(capture)
            }
        }
    }
}

/// A model file the user opened.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedModel {
    pub path: PathBuf,
    pub model: TrafficModel,
}

/// Reads a `traffic train` model file; the message names the file and what is wrong.
pub fn read_model(path: &Path) -> Result<LoadedModel, String> {
    let text = streamlens_engine::files::read_text(path, 256 << 20)
        .map_err(|e| format!("{}: cannot read the model: {e}", path.display()))?;
    let model: TrafficModel = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: not a streamlens traffic model (line {}, column {}: {e})",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    model
        .check()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(LoadedModel {
        path: path.to_path_buf(),
        model,
    })
}

/// Does the file start with a network-stats header (`packet_times`, `packet_sizes`)? Lets a
/// dropped file go to the Traffic tab instead of the telemetry loader.
#[must_use]
pub fn looks_like_capture(path: &Path) -> bool {
    let mut head = [0u8; 4096];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let n = file.read(&mut head).unwrap_or(0);
    let first_line = head[..n].split(|&b| b == b'\n').next().unwrap_or_default();
    let text = String::from_utf8_lossy(first_line).to_ascii_lowercase();
    text.contains("packet_times") && text.contains("packet_sizes")
}

/// What the Traffic tab asks for.
#[derive(Clone, Debug)]
pub struct TrafficRequest {
    pub sources: Vec<CaptureSource>,
    /// Ignored when `model` is set: chunks are then cut as the model was trained.
    pub window: WindowParams,
    pub params: ModelParams,
    pub model: Option<Arc<LoadedModel>>,
}

/// Download spikes and the idle gaps between them, as the features define them: each
/// window (tiled from the capture start, hop = window) has its own mean 1 s download; a
/// spike is a second above it, a gap is the quiet seconds between two peaks of one window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SpikeMarks {
    /// Seconds since the series start of every spike second (bin start).
    pub spike_seconds: Vec<usize>,
    /// `[from, to)` in seconds since the series start.
    pub gaps: Vec<[usize; 2]>,
}

/// Spike seconds and gaps of `second` (1 s bins) for windows of `window_secs`.
#[must_use]
pub fn spike_marks(second: &Series, window_secs: usize) -> SpikeMarks {
    let mut marks = SpikeMarks::default();
    if window_secs == 0 {
        return marks;
    }
    for (w, bins) in second.down_bytes.chunks_exact(window_secs).enumerate() {
        let start = w * window_secs;
        let (mean, _) = mean_std(bins);
        let found = peaks(bins, mean);
        for run in &found.runs {
            marks
                .spike_seconds
                .extend(start + run.first..=start + run.last);
        }
        for pair in found.runs.windows(2) {
            marks
                .gaps
                .push([start + pair[0].last + 1, start + pair[1].first]);
        }
    }
    marks
}

/// One capture as the tab shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct CaptureView {
    pub source: CaptureSource,
    pub name: String,
    pub label: Option<TrafficLabel>,
    pub series: CaptureSeries,
    pub chunks: Vec<ChunkFeatures>,
    pub marks: SpikeMarks,
    /// Indices into `series.per_connection`, most downloaded bytes first.
    pub busiest_connections: Vec<usize>,
}

/// Which model gave a capture's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum VerdictBasis {
    /// The leave-one-capture-out model that did not see this capture.
    OutOfFold,
    /// A model trained on the labelled captures, this one not among them.
    TrainedHere,
    /// A model trained on the labelled captures including this one (optimistic).
    InSample,
    /// The model file the user opened.
    ModelFile,
}

impl VerdictBasis {
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::OutOfFold => "out of fold",
            Self::TrainedHere => "model of the labelled captures",
            Self::InSample => "in sample (seen in training)",
            Self::ModelFile => "model file",
        }
    }
}

/// A capture's verdict from each classifier (in [`Classifier::ALL`] order).
#[derive(Clone, Debug, PartialEq)]
pub struct CaptureVerdicts {
    pub basis: VerdictBasis,
    pub by_classifier: Vec<FileClassification>,
}

impl CaptureVerdicts {
    #[must_use]
    pub fn get(&self, classifier: Classifier) -> Option<&FileClassification> {
        self.by_classifier
            .iter()
            .find(|c| c.classifier == classifier)
    }
}

/// Everything the tab shows.
#[derive(Clone, Debug, Default)]
pub struct TrafficResults {
    pub window: WindowParams,
    pub captures: Vec<CaptureView>,
    /// Same order as `captures`; `None` when no model could judge it.
    pub verdicts: Vec<Option<CaptureVerdicts>>,
    /// Captures that could not be read, and why.
    pub failed: Vec<(CaptureSource, String)>,
    pub evaluation: Option<Evaluation>,
    /// Why there is no evaluation (or no model), in words for the user.
    pub notes: Vec<String>,
    /// Trained on every labelled capture here (what "Save model" writes).
    pub trained: Option<Arc<TrafficModel>>,
}

/// Reads, cuts, evaluates and classifies. Never fails as a whole: problems become `failed`
/// entries and `notes`.
#[must_use]
pub fn run_workbench(request: &TrafficRequest) -> TrafficResults {
    run_workbench_with(request, &Progress::new()).unwrap_or_default()
}

/// [`run_workbench`] reporting its stage to `progress` (reading each capture, each fold of
/// the evaluation, training, judging) and stopping with `None` once it is cancelled.
#[must_use]
pub fn run_workbench_with(request: &TrafficRequest, progress: &Progress) -> Option<TrafficResults> {
    let window = request
        .model
        .as_ref()
        .map_or(request.window, |m| m.model.window);
    let mut out = TrafficResults {
        window,
        ..TrafficResults::default()
    };
    if let Err(e) = window.validate() {
        out.notes.push(e.to_string());
        return Some(out);
    }
    let files = request.sources.len().max(1) as f64;
    for (i, source) in request.sources.iter().enumerate() {
        if progress.is_cancelled() {
            return None;
        }
        progress.report(
            0.4 * i as f64 / files,
            &format!("reading capture {} of {}", i + 1, request.sources.len()),
        );
        match source.read().and_then(|c| view(&c, &window)) {
            Ok(v) => out.captures.push(CaptureView {
                source: source.clone(),
                ..v
            }),
            Err(message) => out.failed.push((source.clone(), message)),
        }
    }
    let features: Vec<CaptureFeatures> = out
        .captures
        .iter()
        .map(|c| CaptureFeatures {
            name: c.name.clone(),
            label: c.label,
            text_bytes: 0,
            chunks: c.chunks.clone(),
        })
        .collect();
    let in_training: Vec<bool> = features
        .iter()
        .map(|c| c.label.is_some() && !c.chunks.is_empty())
        .collect();
    let training: Vec<CaptureFeatures> = features
        .iter()
        .zip(&in_training)
        .filter(|(_, t)| **t)
        .map(|(c, _)| c.clone())
        .collect();
    if let Ok((kept, skipped)) = labelled(training.clone()) {
        let fold_starts = |fold: usize, folds: usize| {
            progress.report(
                0.4 + 0.45 * fold as f64 / folds.max(1) as f64,
                &format!("evaluating: leaving out capture {} of {folds}", fold + 1),
            );
            !progress.is_cancelled()
        };
        match evaluate_with(&kept, skipped, window, &request.params, &fold_starts) {
            Ok(e) => out.evaluation = Some(e),
            Err(TrafficError::Cancelled) => return None,
            Err(e) => out.notes.push(format!("No evaluation: {e}.")),
        }
    }
    if progress.is_cancelled() {
        return None;
    }
    progress.report(0.85, "training on every labelled capture");
    let all = samples(&training);
    match train(&all.rows, &all.live, window, &request.params) {
        Ok(model) => out.trained = Some(Arc::new(model)),
        Err(e) if request.model.is_none() => out.notes.push(format!(
            "No model: {e}. Add captures whose file names say `live` or `streaming`, or open a model file."
        )),
        Err(_) => {}
    }
    let mut evaluated = 0;
    out.verdicts = features
        .iter()
        .zip(&in_training)
        .map(|(capture, &trained_on)| {
            if let Some(file) = &request.model {
                return Some(with_model(&file.model, capture, VerdictBasis::ModelFile));
            }
            if trained_on && let Some(e) = &out.evaluation {
                let index = evaluated;
                evaluated += 1;
                return out_of_fold(e, index, capture);
            }
            let basis = if trained_on {
                VerdictBasis::InSample
            } else {
                VerdictBasis::TrainedHere
            };
            let model = out.trained.as_ref()?;
            Some(with_model(model, capture, basis))
        })
        .collect();
    progress.report(1.0, "done");
    Some(out)
}

fn view(capture: &Capture, window: &WindowParams) -> Result<CaptureView, String> {
    let (series, chunks) = extract(capture, window).map_err(|e| e.to_string())?;
    let marks = spike_marks(&series.second, window.window_secs as usize);
    let mut busiest_connections: Vec<usize> = (0..series.per_connection.len()).collect();
    busiest_connections.sort_by_key(|&i| {
        let c = &series.per_connection[i].connection;
        std::cmp::Reverse(c.down_bytes + c.up_bytes)
    });
    Ok(CaptureView {
        busiest_connections,
        source: CaptureSource::File(PathBuf::new()),
        name: capture.name.clone(),
        label: capture.label,
        series,
        chunks,
        marks,
    })
}

fn with_model(
    model: &TrafficModel,
    capture: &CaptureFeatures,
    basis: VerdictBasis,
) -> CaptureVerdicts {
    CaptureVerdicts {
        basis,
        by_classifier: Classifier::ALL
            .iter()
            .map(|&c| classify(model, capture, c))
            .collect(),
    }
}

/// The evaluation's held-out probabilities of the `index`-th evaluated capture.
fn out_of_fold(e: &Evaluation, index: usize, capture: &CaptureFeatures) -> Option<CaptureVerdicts> {
    let by_classifier = e
        .classifiers
        .iter()
        .map(|report| {
            let result = report.captures.get(index)?;
            let chunks = capture
                .chunks
                .iter()
                .zip(&result.chunk_probabilities)
                .map(|(c, &p)| ChunkVerdict {
                    start_ms: c.start_ms,
                    label: label_of(p),
                    probability: p,
                })
                .collect();
            Some(FileClassification {
                file: capture.name.clone(),
                name_label: capture.label,
                classifier: report.classifier,
                chunks,
                verdict: Verdict::from_probabilities(&result.chunk_probabilities),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(CaptureVerdicts {
        basis: VerdictBasis::OutOfFold,
        by_classifier,
    })
}

#[cfg(test)]
#[path = "workbench_tests.rs"]
mod tests;
