//! The two classifiers behind one model file: standardisation + random forest + logistic
//! regression, trained on labelled chunks.

pub mod forest;
pub mod logistic;
pub mod scaler;

use std::str::FromStr;

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::TrafficLabel;
use super::chunk::WindowParams;
use super::error::TrafficError;
use super::features::{FEATURE_NAMES, N_FEATURES};
pub use forest::{Forest, ForestParams};
pub use logistic::Logistic;
pub use scaler::Scaler;

/// Which classifier gives the probabilities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classifier {
    #[default]
    RandomForest,
    LogisticRegression,
}

impl Classifier {
    pub const ALL: [Self; 2] = [Self::RandomForest, Self::LogisticRegression];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RandomForest => "random_forest",
            Self::LogisticRegression => "logistic_regression",
        }
    }
}

impl FromStr for Classifier {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "random_forest" | "forest" | "rf" => Ok(Self::RandomForest),
            "logistic_regression" | "logistic" | "lr" => Ok(Self::LogisticRegression),
            _ => Err(format!(
                "`{text}` is not a classifier; use random_forest or logistic_regression"
            )),
        }
    }
}

/// Training settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelParams {
    pub forest: ForestParams,
    /// L2 penalty of the logistic regression.
    pub logistic_alpha: f64,
}

impl Default for ModelParams {
    fn default() -> Self {
        Self {
            forest: ForestParams::default(),
            logistic_alpha: 1.0,
        }
    }
}

/// Labelled chunk features, with the capture each chunk came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    pub rows: Vec<[f64; N_FEATURES]>,
    pub live: Vec<bool>,
    /// Index of the capture (for leave-one-capture-out folds).
    pub capture: Vec<usize>,
}

/// A trained model: what `traffic train` writes and `traffic classify` reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrafficModel {
    /// Chunks must be cut the same way when classifying.
    pub window: WindowParams,
    pub feature_names: Vec<String>,
    pub params: ModelParams,
    /// Fitted on the training chunks only.
    pub scaler: Scaler,
    pub forest: Forest,
    pub logistic: Logistic,
    pub training_chunks: usize,
    pub training_live_chunks: usize,
}

/// Fits the scaler and both classifiers on the given rows.
pub fn train(
    rows: &[[f64; N_FEATURES]],
    live: &[bool],
    window: WindowParams,
    params: &ModelParams,
) -> Result<TrafficModel, TrafficError> {
    let live_chunks = live.iter().filter(|&&l| l).count();
    if live_chunks == 0 || live_chunks == live.len() {
        return Err(TrafficError::NotEnoughData(format!(
            "{} training chunks, {live_chunks} of them live: both live and VOD chunks are needed",
            live.len()
        )));
    }
    let scaler = Scaler::fit(rows);
    let x = matrix(&scaler, rows);
    let y: Array1<usize> = live.iter().map(|&l| usize::from(l)).collect();
    let forest = Forest::fit(x.clone(), y.clone(), &params.forest)?;
    let logistic = Logistic::fit(x, y, params.logistic_alpha)?;
    Ok(TrafficModel {
        window,
        feature_names: FEATURE_NAMES.iter().map(|s| (*s).to_string()).collect(),
        params: *params,
        scaler,
        forest,
        logistic,
        training_chunks: live.len(),
        training_live_chunks: live_chunks,
    })
}

impl TrafficModel {
    /// Probability of live for each row of raw (unscaled) features.
    #[must_use]
    pub fn prob_live(&self, rows: &[[f64; N_FEATURES]], classifier: Classifier) -> Vec<f64> {
        if rows.is_empty() {
            return Vec::new();
        }
        let x = matrix(&self.scaler, rows);
        match classifier {
            Classifier::RandomForest => self.forest.prob_live(&x),
            Classifier::LogisticRegression => self.logistic.prob_live(&x),
        }
    }

    /// Checks that a loaded model matches the features this build computes.
    pub fn check(&self) -> Result<(), TrafficError> {
        let same = self.feature_names.len() == N_FEATURES
            && self
                .feature_names
                .iter()
                .zip(FEATURE_NAMES)
                .all(|(a, b)| a == b)
            && self.scaler.mean.len() == N_FEATURES
            && self.scaler.std.len() == N_FEATURES
            && self.logistic.weights.len() == N_FEATURES
            && self
                .forest
                .tree_features
                .iter()
                .flatten()
                .all(|&f| f < N_FEATURES);
        if !same {
            return Err(TrafficError::ModelMismatch {
                model: self.feature_names.len(),
                expected: N_FEATURES,
            });
        }
        self.check_numbers()?;
        self.window.validate()
    }

    /// What a trained model always has: a forest of at least one tree (each with its
    /// features), finite scaler means, positive finite deviations (a zero one would divide by
    /// zero) and finite logistic weights. An edited or truncated file fails here, not with
    /// every chunk judged the same or NaN probabilities.
    fn check_numbers(&self) -> Result<(), TrafficError> {
        let damaged = |what: &str| Err(TrafficError::DamagedModel(what.to_owned()));
        if self.forest.trees.is_empty() {
            return damaged("its random forest has no trees");
        }
        if self.forest.trees.len() != self.forest.tree_features.len() {
            return damaged("its forest lists features for a different number of trees");
        }
        if let Some(i) = self.forest.first_broken_tree() {
            return damaged(&format!(
                "tree {} of its random forest is cut short (a split without both branches, or on a column it was not trained on)",
                i + 1
            ));
        }
        if let Some(i) = self
            .scaler
            .std
            .iter()
            .position(|s| !(s.is_finite() && *s > 0.0))
        {
            return damaged(&format!(
                "the scaler's deviation of `{}` is {}, not a positive number",
                FEATURE_NAMES[i], self.scaler.std[i]
            ));
        }
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        if !finite(&self.scaler.mean) {
            return damaged("a scaler mean is not a finite number");
        }
        if !finite(&self.logistic.weights) || !self.logistic.intercept.is_finite() {
            return damaged("a logistic-regression weight is not a finite number");
        }
        Ok(())
    }
}

/// Standardised rows as an ndarray matrix.
fn matrix(scaler: &Scaler, rows: &[[f64; N_FEATURES]]) -> Array2<f64> {
    let flat: Vec<f64> = rows.iter().flat_map(|r| scaler.transform(r)).collect();
    // Shape is rows × N_FEATURES by construction of `flat`.
    Array2::from_shape_vec((rows.len(), N_FEATURES), flat).expect("rows × features")
}

/// The label for a probability of live (live at ≥ 0.5).
#[must_use]
pub fn label_of(prob_live: f64) -> TrafficLabel {
    TrafficLabel::from_live(prob_live >= 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model trained on 40 made-up chunks: live ones larger in every feature.
    fn trained() -> TrafficModel {
        let rows: Vec<[f64; N_FEATURES]> = (0..40)
            .map(|i| {
                let base = if i % 2 == 0 { 10.0 } else { 0.0 };
                std::array::from_fn(|f| base + f64::from((i * 7 + f as i32) % 5))
            })
            .collect();
        let live: Vec<bool> = (0..40).map(|i| i % 2 == 0).collect();
        let params = ModelParams::default();
        train(&rows, &live, WindowParams::default(), &params).unwrap()
    }

    #[test]
    fn damaged_models_are_refused_by_what_is_wrong() {
        let good = trained();
        assert!(good.check().is_ok());
        let mut empty = good.clone();
        empty.forest.trees.clear();
        empty.forest.tree_features.clear();
        let e = empty.check().unwrap_err().to_string();
        assert!(e.contains("its random forest has no trees"), "{e}");
        let mut zero = good.clone();
        zero.scaler.std[3] = 0.0;
        let e = zero.check().unwrap_err().to_string();
        assert!(
            e.contains(&format!("deviation of `{}` is 0", FEATURE_NAMES[3])),
            "{e}"
        );
        let mut nan = good;
        nan.logistic.weights[0] = f64::NAN;
        assert!(nan.check().unwrap_err().to_string().contains("logistic"));
    }

    /// A model file whose tree lost a branch (an edited key is ignored by serde, leaving
    /// `null`) is refused; linfa would panic predicting with it (found by fuzzing).
    #[test]
    fn a_tree_missing_a_branch_is_refused() {
        let good = trained();
        let mut json = serde_json::to_value(&good).unwrap();
        let root = &mut json["forest"]["trees"][0]["root_node"];
        assert_eq!(root["leaf_node"], false, "the first tree splits");
        root["right_child"] = serde_json::Value::Null;
        let cut: TrafficModel = serde_json::from_value(json.clone()).unwrap();
        let e = cut.check().unwrap_err().to_string();
        assert!(
            e.contains("tree 1 of its random forest is cut short"),
            "{e}"
        );
        let mut json = serde_json::to_value(&good).unwrap();
        json["forest"]["trees"][0]["root_node"]["feature_idx"] = 10_000.into();
        let far: TrafficModel = serde_json::from_value(json).unwrap();
        let e = far.check().unwrap_err().to_string();
        assert!(
            e.contains("tree 1 of its random forest is cut short"),
            "{e}"
        );
    }
}
