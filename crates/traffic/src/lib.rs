//! Live or video-on-demand? Classifies streaming traffic from per-packet statistics of
//! network-stats captures (see `README.md`, "Live vs VOD traffic").
//!
//! Owns: the capture reader, the 1 s / 200 ms throughput series, chunking into windows, the
//! per-chunk features, the random forest and logistic regression, leave-one-capture-out
//! evaluation and a seeded synthetic capture generator. No egui, no printing.

pub mod capture;
pub mod chunk;
pub mod classify;
pub mod dataset;
pub mod error;
pub mod evaluate;
pub mod features;
pub mod fft;
pub mod metrics;
pub mod model;
pub mod reader;
pub mod series;
pub mod spectral;
pub mod synth;
pub mod workbench;

#[cfg(test)]
mod features_tests;
#[cfg(test)]
mod reader_tests;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use chunk::{ChunkFeatures, WindowParams, capture_chunks, extract};
pub use classify::{FileClassification, Verdict, classify};
pub use dataset::{CaptureFeatures, Skipped, labelled, read_dir_features, read_features, samples};
pub use error::TrafficError;
pub use evaluate::{Evaluation, evaluate};
pub use features::{FEATURE_NAMES, Features, N_FEATURES};
pub use metrics::{Confusion, Metrics};
pub use model::{Classifier, ModelParams, TrafficModel, train};
pub use reader::{Capture, label_from_name, parse_capture, read_capture};
pub use series::CaptureSeries;

/// What a capture carries: live video or video on demand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrafficLabel {
    Live,
    Vod,
}

impl TrafficLabel {
    /// `live` or `vod`, as in JSON and CSV output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Vod => "vod",
        }
    }

    /// Live is the positive class (1).
    #[must_use]
    pub fn from_live(live: bool) -> Self {
        if live { Self::Live } else { Self::Vod }
    }
}

/// The `.csv` files of a folder, sorted by name.
pub fn list_captures(dir: &Path) -> Result<Vec<PathBuf>, TrafficError> {
    let entries = std::fs::read_dir(dir).map_err(|source| TrafficError::Io {
        file: dir.display().to_string(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(TrafficError::NoCaptures {
            dir: dir.display().to_string(),
        });
    }
    Ok(paths)
}
