//! Random forest from linfa-ensemble, stored as its decision trees.
//!
//! linfa's `EnsembleLearner` is not serde-serialisable, but its parts are public and
//! `linfa_trees::DecisionTree` is (feature `serde`): the model file keeps the trees and the
//! feature subset each tree was trained on, and prediction votes over them exactly as linfa
//! does. The probability of live is the share of trees voting live.

use linfa::Dataset;
use linfa::prelude::{Fit, Predict};
use linfa_ensemble::RandomForestParams;
use linfa_trees::{DecisionTree, TreeNode};
use ndarray::{Array1, Array2, Axis};
use ndarray_rand::rand::SeedableRng;
use ndarray_rand::rand::rngs::SmallRng;
use serde::{Deserialize, Serialize};

use crate::error::TrafficError;

/// Forest settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForestParams {
    pub trees: usize,
    /// Share of features each tree sees (linfa samples them per tree, not per split).
    pub feature_proportion: f64,
    /// Deepest tree level; `None` grows until leaves are pure.
    pub max_depth: Option<usize>,
    pub seed: u64,
}

impl Default for ForestParams {
    fn default() -> Self {
        Self {
            trees: 100,
            feature_proportion: 0.5,
            max_depth: Some(8),
            seed: 7,
        }
    }
}

/// A fitted forest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    pub trees: Vec<DecisionTree<f64, usize>>,
    /// Column indices each tree was trained on.
    pub tree_features: Vec<Vec<usize>>,
}

impl Forest {
    /// Fits on standardised rows `x` with targets 1 = live, 0 = VOD (both must occur).
    pub fn fit(
        x: Array2<f64>,
        y: Array1<usize>,
        params: &ForestParams,
    ) -> Result<Self, TrafficError> {
        let rng = SmallRng::seed_from_u64(params.seed);
        let tree = DecisionTree::params().max_depth(params.max_depth);
        let fitted = RandomForestParams::new_fixed_rng(tree, rng)
            .ensemble_size(params.trees)
            .bootstrap_proportion(1.0)
            .feature_proportion(params.feature_proportion)
            .fit(&Dataset::new(x, y))
            .map_err(|e| TrafficError::Training {
                classifier: "random forest",
                message: e.to_string(),
            })?;
        Ok(Self {
            trees: fitted.models,
            tree_features: fitted.model_features,
        })
    }

    /// Share of trees voting live, per row.
    #[must_use]
    pub fn prob_live(&self, x: &Array2<f64>) -> Vec<f64> {
        let mut votes = vec![0.0; x.nrows()];
        for (tree, features) in self.trees.iter().zip(&self.tree_features) {
            let predicted: Array1<usize> = tree.predict(&x.select(Axis(1), features));
            for (v, p) in votes.iter_mut().zip(predicted.iter()) {
                if *p == 1 {
                    *v += 1.0;
                }
            }
        }
        let n = self.trees.len().max(1) as f64;
        votes.into_iter().map(|v| v / n).collect()
    }

    /// The first tree that cannot predict (its index): a split node lacking a child, or
    /// splitting on a column its feature subset does not have. linfa would panic on it.
    #[must_use]
    pub fn first_broken_tree(&self) -> Option<usize> {
        self.trees
            .iter()
            .zip(&self.tree_features)
            .position(|(tree, features)| !is_whole(tree.root_node(), features.len()))
    }
}

/// Every split of `node` and below has both children and a column below `columns`.
fn is_whole(node: &TreeNode<f64, usize>, columns: usize) -> bool {
    if node.is_leaf() {
        return true;
    }
    node.split().0 < columns
        && node
            .children()
            .into_iter()
            .all(|child| child.as_ref().is_some_and(|c| is_whole(c, columns)))
}
