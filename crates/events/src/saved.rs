//! A saved event detector: the per-level pipelines `detect-events` fitted, with its window
//! and event thresholds, so other telemetry (next week's webcast) is scored the same way
//! instead of against itself. JSON, written atomically; loading checks every shape.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::EventDetectParams;
use super::features::WindowFeature;
use super::score::LEVELS;
use streamlens_deep::SequenceAutoencoder;
use streamlens_detect::{DetectError, Detector, Pipeline};

/// Written into every file, checked on load.
pub const FORMAT: &str = "streamlens-event-model/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventModel {
    pub format: String,
    pub params: EventDetectParams,
    /// The window features, in the pipelines' column order.
    pub features: Vec<WindowFeature>,
    /// Per level (event, city, segment): the fitted pipeline; `None` for a level that had
    /// too few windows (it stays unscored).
    pub pipelines: Vec<Option<Pipeline>>,
    /// Per level: the fitted deep model, when the parameters ask for one.
    #[serde(default)]
    pub deep: Vec<Option<SequenceAutoencoder>>,
    /// Smoothed window-score threshold per level.
    pub window_thresholds: Vec<f64>,
    /// Event threshold.
    pub threshold: f64,
}

impl EventModel {
    pub fn to_json(&self) -> Result<String, DetectError> {
        Ok(serde_json::to_string(self)?)
    }

    /// Parse and check a saved model; `file` names it in errors.
    pub fn from_json(file: &str, text: &str) -> Result<Self, DetectError> {
        let bad = |message: String| DetectError::BadModel(format!("{file}: {message}"));
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(format!("not JSON ({e})")))?;
        let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if format != FORMAT {
            return Err(bad(format!(
                "not a streamlens event model (format `{format}`, expected `{FORMAT}`)"
            )));
        }
        let model: Self =
            serde_json::from_value(value).map_err(|e| bad(format!("unexpected content ({e})")))?;
        if model.pipelines.len() != LEVELS || model.window_thresholds.len() != LEVELS {
            return Err(bad(format!("expected {LEVELS} levels")));
        }
        if model.features.is_empty() || !model.threshold.is_finite() {
            return Err(bad("no features or no threshold".into()));
        }
        for p in model.pipelines.iter().flatten() {
            p.validate().map_err(|e| bad(e.to_string()))?;
            if p.dim() != model.features.len() {
                return Err(bad(format!(
                    "a level's detector takes {} features, the model lists {}",
                    p.dim(),
                    model.features.len()
                )));
            }
        }
        if model.params.score.deep.is_some() && model.deep.len() != LEVELS {
            return Err(bad(format!(
                "expected a deep model entry for each of {LEVELS} levels"
            )));
        }
        for d in model.deep.iter().flatten() {
            d.validate().map_err(|e| bad(e.to_string()))?;
            if d.dim != model.features.len() {
                return Err(bad(format!(
                    "a level's deep model takes {} features, the model lists {}",
                    d.dim,
                    model.features.len()
                )));
            }
        }
        Ok(model)
    }

    pub fn save(&self, path: &Path) -> Result<(), DetectError> {
        streamlens_detect::save_text(path, &self.to_json()?)
    }

    pub fn load(path: &Path) -> Result<Self, DetectError> {
        let (file, text) = streamlens_detect::read_text(path)?;
        Self::from_json(&file, &text)
    }
}
