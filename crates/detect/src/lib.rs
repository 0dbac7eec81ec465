//! Anomaly detection on tables of numeric features: FISVDD (the paper's
//! incremental SVDD) and baselines behind one [`Detector`] trait, per-feature
//! preprocessing fitted on training rows, evaluation metrics, the k-fold
//! protocol and the window-table reader.
//!
//! Rows are passed row-major as `&[f64]` with a feature count `dim`. Every
//! detector is fitted on normal rows only and scores "higher = more anomalous".
//! No printing, no egui.

pub mod detectors;
pub mod eval;
pub mod map;
pub mod math;
pub mod pipeline;
pub mod table;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use pipeline::{Model, ModelKind, ModelSpec, Pipeline};

/// Why a detector could not be fitted, loaded or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error("no feature columns were given")]
    NoFeatures,
    #[error("no training rows (a detector needs normal rows to learn from)")]
    NoTrainingRows,
    #[error("{0}")]
    BadParameter(String),
    #[error("{0}")]
    Degenerate(String),
    #[error("saved model is not usable: {0}")]
    BadModel(String),
    #[error("model rows have {got} features, the model expects {want}")]
    DimensionMismatch { want: usize, got: usize },
    #[error("model JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{file}: cannot read the file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Table { file: String, message: String },
    #[error("{file}, row {row}, column `{column}`: expected {expected}, found `{found}`")]
    Cell {
        file: String,
        row: usize,
        column: String,
        expected: String,
        found: String,
    },
    #[error(
        "{file}: column `{column}` not found; columns: {}",
        streamlens_engine::error::quote(found)
    )]
    MissingColumn {
        file: String,
        column: String,
        found: String,
    },
    #[error("label expression `{expr}`: {message}")]
    Label { expr: String, message: String },
    #[error("evaluation: {0}")]
    Evaluation(String),
    #[error("cancelled")]
    Cancelled,
}

/// A fitted anomaly detector: learns from normal rows, scores any row
/// (higher = more anomalous) and saves/loads itself as JSON.
pub trait Detector: Serialize + DeserializeOwned + Sized {
    /// What `fit` needs besides the rows (kernel width, tree count …).
    type Params;

    /// Fit on `rows` (row-major, `dim` features per row), all assumed normal.
    fn fit(rows: &[f64], dim: usize, params: &Self::Params) -> Result<Self, DetectError>;

    /// Features per row.
    fn dim(&self) -> usize;

    /// The anomaly score of one row (`row.len() == dim`).
    fn score(&self, row: &[f64]) -> f64;

    /// Scores of row-major rows.
    fn score_batch(&self, rows: &[f64]) -> Vec<f64> {
        rows.chunks_exact(self.dim())
            .map(|r| self.score(r))
            .collect()
    }

    /// Check a loaded model's internal shapes.
    fn validate(&self) -> Result<(), DetectError>;

    /// The model as JSON.
    fn to_json(&self) -> Result<String, DetectError> {
        Ok(serde_json::to_string(self)?)
    }

    /// A model from JSON, checked so that scoring cannot fail.
    fn from_json(text: &str) -> Result<Self, DetectError> {
        let model: Self = serde_json::from_str(text)?;
        model.validate()?;
        Ok(model)
    }
}

/// Rows per core below which a batch is scored on the calling thread alone.
const PARALLEL_MIN_ROWS: usize = 16_384;

/// Writes a saved model's `text` to `path` atomically (temp file + rename); errors name the file.
pub fn save_text(path: &std::path::Path, text: &str) -> Result<(), DetectError> {
    streamlens_engine::files::atomic_write(path, text.as_bytes()).map_err(|source| {
        DetectError::Io {
            file: path.display().to_string(),
            source,
        }
    })
}

/// Reads a saved model file: its name (for messages) and its text; errors name the file.
pub fn read_text(path: &std::path::Path) -> Result<(String, String), DetectError> {
    let file = path.display().to_string();
    // Models are small: a quarter gigabyte is far beyond any saved model.
    let text =
        streamlens_engine::files::read_text(path, 256 << 20).map_err(|source| DetectError::Io {
            file: file.clone(),
            source,
        })?;
    Ok((file, text))
}

/// `score` over row-major `rows`, split into one contiguous run per core when the batch is
/// large (each run at least 16,384 rows); results in row order. Falls back to the calling
/// thread when a thread cannot be started.
pub(crate) fn score_in_parallel(
    rows: &[f64],
    dim: usize,
    score: &(dyn Fn(&[f64]) -> Vec<f64> + Sync),
) -> Vec<f64> {
    let n = rows.len() / dim.max(1);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let parts = cores.min(n / PARALLEL_MIN_ROWS).max(1);
    if parts == 1 {
        return score(rows);
    }
    let per_part = n.div_ceil(parts) * dim.max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(per_part)
            .map(|part| {
                let handle = std::thread::Builder::new()
                    .name("streamlens-score".into())
                    .spawn_scoped(scope, move || score(part));
                (part, handle)
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        for (part, handle) in handles {
            match handle
                .map_err(|_| ())
                .and_then(|h| h.join().map_err(|_| ()))
            {
                Ok(scores) => out.extend(scores),
                Err(()) => out.extend(score(part)),
            }
        }
        out
    })
}

/// Rows must be whole multiples of `dim` and finite.
pub(crate) fn check_rows(rows: &[f64], dim: usize) -> Result<usize, DetectError> {
    if dim == 0 {
        return Err(DetectError::NoFeatures);
    }
    if rows.is_empty() {
        return Err(DetectError::NoTrainingRows);
    }
    if !rows.len().is_multiple_of(dim) {
        return Err(DetectError::DimensionMismatch {
            want: dim,
            got: rows.len() % dim,
        });
    }
    if rows.iter().any(|v| !v.is_finite()) {
        return Err(DetectError::Degenerate(
            "training rows contain NaN or infinite values".into(),
        ));
    }
    Ok(rows.len() / dim)
}
