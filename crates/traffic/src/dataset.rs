//! Captures turned into labelled chunk features: the input of training and evaluation.

use std::path::Path;

use serde::Serialize;

use super::TrafficLabel;
use super::chunk::{ChunkFeatures, WindowParams, extract};
use super::error::TrafficError;
use super::features::N_FEATURES;
use super::model::Samples;
use super::reader::read_capture;

/// One capture's chunks.
#[derive(Clone, Debug, PartialEq)]
pub struct CaptureFeatures {
    pub name: String,
    pub label: Option<TrafficLabel>,
    pub text_bytes: usize,
    pub chunks: Vec<ChunkFeatures>,
}

impl CaptureFeatures {
    #[must_use]
    pub fn rows(&self) -> Vec<[f64; N_FEATURES]> {
        self.chunks.iter().map(|c| c.features.values()).collect()
    }
}

/// A capture left out of training or evaluation, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// Reads a capture and computes its chunk features.
pub fn read_features(path: &Path, window: &WindowParams) -> Result<CaptureFeatures, TrafficError> {
    let capture = read_capture(path)?;
    let (_, chunks) = extract(&capture, window)?;
    Ok(CaptureFeatures {
        name: capture.name,
        label: capture.label,
        text_bytes: capture.text_bytes,
        chunks,
    })
}

/// Labelled captures for training: every capture needs a label from its file name; captures
/// shorter than one window are skipped (and reported).
pub fn labelled(
    captures: Vec<CaptureFeatures>,
) -> Result<(Vec<CaptureFeatures>, Vec<Skipped>), TrafficError> {
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    for c in captures {
        if c.label.is_none() {
            return Err(TrafficError::Unlabelled { file: c.name });
        }
        if c.chunks.is_empty() {
            skipped.push(Skipped {
                file: c.name,
                reason: "shorter than one window".into(),
            });
        } else {
            kept.push(c);
        }
    }
    Ok((kept, skipped))
}

/// All chunks of labelled captures as training samples.
#[must_use]
pub fn samples(captures: &[CaptureFeatures]) -> Samples {
    let mut s = Samples::default();
    for (i, c) in captures.iter().enumerate() {
        let live = c.label == Some(TrafficLabel::Live);
        for row in c.rows() {
            s.rows.push(row);
            s.live.push(live);
            s.capture.push(i);
        }
    }
    s
}

/// Chunk features of every `.csv` capture in a folder (sorted by name).
pub fn read_dir_features(
    dir: &Path,
    window: &WindowParams,
) -> Result<Vec<CaptureFeatures>, TrafficError> {
    super::list_captures(dir)?
        .iter()
        .map(|p| read_features(p, window))
        .collect()
}
