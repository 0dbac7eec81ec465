//! The scoring service of `collect --model`: feature windows are scored by a saved
//! feature-table model and flagged above its threshold. With `--learn` the model is a
//! FISVDD one, and every window scored normal is learned by the paper's incremental
//! update (Jiang et al., AAAI-19); the learned state is saved atomically every few
//! seconds and a restart resumes from it.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use serde::Serialize;
use streamlens_detect::Detector;
use streamlens_detect::Model;
use streamlens_detect::detectors::fisvdd::UpdateOutcome;
use streamlens_detect::table::model::TableModel;

/// How the scoring service is set up.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoringConfig {
    /// A saved feature-table model (the window's "Save model…", or `detect --save-models`).
    pub model: PathBuf,
    /// Rows scoring above it are flagged; overrides the model's own threshold.
    pub threshold: Option<f64>,
    /// Learn every window scored normal (FISVDD models only).
    pub learn: bool,
}

/// How often learned state is written to disk when it changed.
const SAVE_EVERY: Duration = Duration::from_secs(5);

/// Scores windows with one model; shared by the HTTP workers.
pub struct Scorer {
    file: String,
    features: Vec<String>,
    /// Per pipeline of the model: the positions of its columns in `features`.
    columns: Vec<Vec<usize>>,
    threshold: f64,
    model: RwLock<TableModel>,
    learning: Option<Learning>,
    scored: AtomicU64,
    flagged: AtomicU64,
}

struct Learning {
    saved_to: PathBuf,
    /// Counts of [`UpdateOutcome`]s, in [`OUTCOMES`]' order.
    outcomes: Mutex<[u64; 6]>,
    /// Bumped at every change of the model; the saver writes when it moved.
    version: AtomicU64,
    resumed: bool,
}

const OUTCOMES: [&str; 6] = [
    "first",
    "inside",
    "expanded",
    "outlier",
    "duplicate",
    "rejected",
];

fn outcome_slot(outcome: UpdateOutcome) -> usize {
    match outcome {
        UpdateOutcome::First => 0,
        UpdateOutcome::Inside => 1,
        UpdateOutcome::Expanded => 2,
        UpdateOutcome::Outlier => 3,
        UpdateOutcome::Duplicate => 4,
        UpdateOutcome::Rejected => 5,
    }
}

/// Scores of a batch and their flags.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scored {
    pub threshold: f64,
    pub scores: Vec<f64>,
    pub flags: Vec<bool>,
    pub flagged: usize,
    /// Windows learned as a new support vector (with `--learn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learned: Option<usize>,
}

/// Where `--learn` keeps its model in the collector's folder.
#[must_use]
pub fn learned_model_path(root: &Path) -> PathBuf {
    root.join("model").join("learned.json")
}

impl Scorer {
    /// Loads the model (with `--learn`, the learned one in `root` when a previous run left
    /// it) and starts the saver of learned state.
    ///
    /// # Errors
    /// The model cannot be read, has no threshold and none is given, or `--learn` is asked
    /// of a model that is not a single FISVDD pipeline.
    pub fn open(config: &ScoringConfig, root: &Path) -> Result<Arc<Self>, String> {
        let saved_to = learned_model_path(root);
        let resume = config.learn && saved_to.is_file();
        let source = if resume { &saved_to } else { &config.model };
        let model = TableModel::load(source).map_err(|e| e.to_string())?;
        let file = source.display().to_string();
        let threshold = config.threshold.or(model.threshold).ok_or_else(|| {
            format!(
                "{file} has no threshold (a bare `detect --save-models` pipeline): give \
                 --threshold, or save the model from the window's feature table"
            )
        })?;
        if !threshold.is_finite() {
            return Err(format!("the threshold must be a number, got {threshold}"));
        }
        if config.learn
            && !(model.bag.is_empty() && matches!(model.pipeline.model, Model::Fisvdd(_)))
        {
            return Err(format!(
                "--learn updates a FISVDD model incrementally; {file} holds a {} model{}",
                model.pipeline.model.kind().name(),
                if model.bag.is_empty() { "" } else { " bag" }
            ));
        }
        let features = model.features();
        let columns = model
            .pipelines()
            .map(|p| {
                p.preprocessor
                    .names()
                    .map(|n| features.iter().position(|f| f == n).unwrap_or_default())
                    .collect()
            })
            .collect();
        let learning = config.learn.then(|| Learning {
            saved_to,
            outcomes: Mutex::new([0; 6]),
            version: AtomicU64::new(0),
            resumed: resume,
        });
        let scorer = Arc::new(Self {
            file,
            features,
            columns,
            threshold,
            model: RwLock::new(model),
            learning,
            scored: AtomicU64::new(0),
            flagged: AtomicU64::new(0),
        });
        if scorer.learning.is_some() {
            start_saver(Arc::downgrade(&scorer))?;
        }
        Ok(scorer)
    }

    /// The feature names a window must carry, in the model's order.
    #[must_use]
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// Whether `--learn` resumed from a previous run's learned model.
    #[must_use]
    pub fn resumed(&self) -> bool {
        self.learning.as_ref().is_some_and(|l| l.resumed)
    }

    /// Scores `n` row-major `rows` (columns in [`Self::features`] order): the mean of the
    /// model's pipelines' calibrated scores, flagged when above the threshold. With
    /// `--learn`, then learns each window not flagged, in order.
    pub fn score(&self, rows: &[f64], n: usize) -> Scored {
        let dim = self.features.len();
        let scores = {
            let model = self.model.read().unwrap_or_else(PoisonError::into_inner);
            let mut total = vec![0.0; n];
            for (pipeline, cols) in model.pipelines().zip(&self.columns) {
                let gathered: Vec<f64> = rows
                    .chunks_exact(dim)
                    .flat_map(|r| cols.iter().map(|&c| r[c]))
                    .collect();
                for (t, s) in total.iter_mut().zip(pipeline.score_batch(&gathered)) {
                    *t += s;
                }
            }
            let members = self.columns.len() as f64;
            total.into_iter().map(|t| t / members).collect::<Vec<f64>>()
        };
        let flags: Vec<bool> = scores.iter().map(|&s| s > self.threshold).collect();
        let flagged = flags.iter().filter(|&&f| f).count();
        self.scored.fetch_add(n as u64, Relaxed);
        self.flagged.fetch_add(flagged as u64, Relaxed);
        let learned = self
            .learning
            .as_ref()
            .map(|learning| self.learn(learning, rows, &flags));
        Scored {
            threshold: self.threshold,
            scores,
            flags,
            flagged,
            learned,
        }
    }

    /// Learns the windows not flagged; returns how many became support vectors.
    fn learn(&self, learning: &Learning, rows: &[f64], flags: &[bool]) -> usize {
        let dim = self.features.len();
        let mut counts = [0u64; 6];
        {
            let mut model = self.model.write().unwrap_or_else(PoisonError::into_inner);
            let pipeline = &mut model.pipeline;
            for (row, _) in rows.chunks_exact(dim).zip(flags).filter(|(_, f)| !**f) {
                let gathered: Vec<f64> = self.columns[0].iter().map(|&c| row[c]).collect();
                let shaped = pipeline.preprocessor.transform(&gathered);
                if let Model::Fisvdd(fisvdd) = &mut pipeline.model {
                    counts[outcome_slot(fisvdd.update(&shaped))] += 1;
                }
            }
        }
        let changed = counts[outcome_slot(UpdateOutcome::Expanded)]
            + counts[outcome_slot(UpdateOutcome::First)];
        if changed > 0 {
            learning.version.fetch_add(1, Relaxed);
        }
        let mut total = learning
            .outcomes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for (t, c) in total.iter_mut().zip(counts) {
            *t += c;
        }
        usize::try_from(changed).unwrap_or(usize::MAX)
    }

    /// The model's state for `GET /v1/model`: features, threshold, counts and, for FISVDD,
    /// its support vectors (in the model's standardised space) and weights.
    #[must_use]
    pub fn describe(&self) -> serde_json::Value {
        let model = self.model.read().unwrap_or_else(PoisonError::into_inner);
        let mut out = serde_json::json!({
            "file": self.file,
            "kind": model.pipeline.model.kind().name(),
            "pipelines": 1 + model.bag.len(),
            "features": self.features,
            "threshold": self.threshold,
            "scored": self.scored.load(Relaxed),
            "flagged": self.flagged.load(Relaxed),
            "learning": self.learning.is_some(),
        });
        if let Model::Fisvdd(f) = &model.pipeline.model {
            let support: Vec<&[f64]> = f.support_vectors().chunks_exact(f.dim()).collect();
            out["support_vector_count"] = support.len().into();
            out["support_vectors"] = serde_json::json!(support);
            out["alpha"] = serde_json::json!(f.alpha());
            out["sigma"] = f.sigma().into();
        }
        if let Some(learning) = &self.learning {
            let counts = *learning
                .outcomes
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let updates: serde_json::Map<String, serde_json::Value> = OUTCOMES
                .iter()
                .zip(counts)
                .map(|(name, c)| ((*name).to_string(), c.into()))
                .collect();
            out["updates"] = updates.into();
            out["model_changes"] = learning.version.load(Relaxed).into();
            out["saved_to"] = learning.saved_to.display().to_string().into();
        }
        out
    }

    /// Writes the learned model if it changed since `saved`; returns the version written.
    fn save_if_changed(&self, saved: u64) -> Result<u64, String> {
        let Some(learning) = &self.learning else {
            return Ok(saved);
        };
        let version = learning.version.load(Relaxed);
        if version == saved {
            return Ok(saved);
        }
        let text = {
            let model = self.model.read().unwrap_or_else(PoisonError::into_inner);
            serde_json::to_string(&*model).map_err(|e| e.to_string())?
        };
        if let Some(dir) = learning.saved_to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        streamlens_detect::save_text(&learning.saved_to, &text).map_err(|e| e.to_string())?;
        Ok(version)
    }
}

/// Saves learned state every few seconds while the scorer lives.
fn start_saver(scorer: std::sync::Weak<Scorer>) -> Result<(), String> {
    std::thread::Builder::new()
        .name("model-saver".into())
        .spawn(move || {
            let mut saved = 0;
            loop {
                std::thread::sleep(SAVE_EVERY);
                let Some(scorer) = scorer.upgrade() else {
                    return;
                };
                match scorer.save_if_changed(saved) {
                    Ok(version) => saved = version,
                    Err(why) => eprintln!("the learned model could not be saved (retrying): {why}"),
                }
            }
        })
        .map(drop)
        .map_err(|e| format!("cannot start the model saver: {e}"))
}

#[cfg(test)]
#[path = "scoring_tests.rs"]
mod tests;
