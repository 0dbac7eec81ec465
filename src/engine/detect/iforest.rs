//! Isolation Forest (Liu, Ting, Zhou, ICDM 2008), our own seeded implementation:
//! axis-parallel random splits on subsamples of ψ rows, trees grown to height
//! `⌈log₂ ψ⌉`, score `s(x) = 2^(−E[h(x)]/c(ψ))` with the standard average path
//! length of an unsuccessful BST search `c(n) = 2H(n−1) − 2(n−1)/n`.
//! (`extended-isolation-forest` fixes the feature count at compile time, which
//! does not fit user-chosen feature columns.)

use rand::rngs::StdRng;
use rand::seq::index;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{DetectError, Detector, check_rows};

/// Forest size and subsample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IForestParams {
    pub trees: usize,
    /// ψ: rows per tree (capped at the training size).
    pub sample_size: usize,
    pub seed: u64,
}

impl Default for IForestParams {
    fn default() -> Self {
        Self {
            trees: 200,
            sample_size: 256,
            seed: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Node {
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
    Leaf {
        size: usize,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tree {
    nodes: Vec<Node>,
}

/// A fitted isolation forest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IForest {
    dim: usize,
    sample_size: usize,
    trees: Vec<Tree>,
}

const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// Average path length of an unsuccessful search in a BST of `n` nodes:
/// `c(n) = 2H(n−1) − 2(n−1)/n` with `H(i) ≈ ln i + γ`; `c(2) = 1`, `c(≤1) = 0`.
#[must_use]
pub fn average_path_length(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let m = (n - 1) as f64;
            2.0 * (m.ln() + EULER_GAMMA) - 2.0 * m / n as f64
        }
    }
}

impl Tree {
    fn grow(
        rows: &[f64],
        dim: usize,
        idx: &mut [usize],
        max_depth: usize,
        rng: &mut StdRng,
    ) -> Self {
        let mut nodes = Vec::new();
        Self::grow_node(&mut nodes, rows, dim, idx, 0, max_depth, rng);
        Self { nodes }
    }

    fn grow_node(
        nodes: &mut Vec<Node>,
        rows: &[f64],
        dim: usize,
        idx: &mut [usize],
        depth: usize,
        max_depth: usize,
        rng: &mut StdRng,
    ) -> usize {
        let me = nodes.len();
        nodes.push(Node::Leaf { size: idx.len() });
        if depth >= max_depth || idx.len() <= 1 {
            return me;
        }
        // Features that still vary in this node; none left means the rows are equal.
        let ranges: Vec<(usize, f64, f64)> = (0..dim)
            .filter_map(|f| {
                let (lo, hi) =
                    idx.iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &i| {
                            let v = rows[i * dim + f];
                            (lo.min(v), hi.max(v))
                        });
                (hi > lo).then_some((f, lo, hi))
            })
            .collect();
        if ranges.is_empty() {
            return me;
        }
        let (feature, lo, hi) = ranges[rng.random_range(0..ranges.len())];
        let threshold = rng.random_range(lo..hi);
        let mut split = 0;
        for k in 0..idx.len() {
            if rows[idx[k] * dim + feature] < threshold {
                idx.swap(k, split);
                split += 1;
            }
        }
        let (l, r) = idx.split_at_mut(split);
        let left = Self::grow_node(nodes, rows, dim, l, depth + 1, max_depth, rng);
        let right = Self::grow_node(nodes, rows, dim, r, depth + 1, max_depth, rng);
        nodes[me] = Node::Split {
            feature,
            threshold,
            left,
            right,
        };
        me
    }

    fn path_length(&self, x: &[f64]) -> f64 {
        let mut at = 0;
        let mut depth = 0.0;
        loop {
            match self.nodes[at] {
                Node::Leaf { size } => return depth + average_path_length(size),
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    at = if x[feature] < threshold { left } else { right };
                    depth += 1.0;
                }
            }
        }
    }
}

impl Detector for IForest {
    type Params = IForestParams;

    fn fit(rows: &[f64], dim: usize, params: &IForestParams) -> Result<Self, DetectError> {
        let n = check_rows(rows, dim)?;
        if params.trees == 0 || params.sample_size < 2 {
            return Err(DetectError::BadParameter(
                "isolation forest needs at least 1 tree and a sample size of at least 2".into(),
            ));
        }
        let psi = params.sample_size.min(n);
        let max_depth = (psi as f64).log2().ceil() as usize;
        let mut rng = StdRng::seed_from_u64(params.seed);
        let trees = (0..params.trees)
            .map(|_| {
                let mut idx = index::sample(&mut rng, n, psi).into_vec();
                Tree::grow(rows, dim, &mut idx, max_depth, &mut rng)
            })
            .collect();
        Ok(Self {
            dim,
            sample_size: psi,
            trees,
        })
    }

    fn dim(&self) -> usize {
        self.dim
    }

    /// `2^(−E[h(x)]/c(ψ))`: near 1 for easily isolated rows, ≤ 0.5 for typical ones.
    fn score(&self, row: &[f64]) -> f64 {
        let mean =
            self.trees.iter().map(|t| t.path_length(row)).sum::<f64>() / self.trees.len() as f64;
        let c = average_path_length(self.sample_size).max(f64::MIN_POSITIVE);
        (-mean / c).exp2()
    }

    fn validate(&self) -> Result<(), DetectError> {
        let bad = self.dim == 0
            || self.trees.is_empty()
            || self.trees.iter().any(|t| {
                t.nodes.is_empty()
                    || t.nodes.iter().any(|n| match *n {
                        Node::Split {
                            feature,
                            left,
                            right,
                            ..
                        } => feature >= self.dim || left >= t.nodes.len() || right >= t.nodes.len(),
                        Node::Leaf { .. } => false,
                    })
            });
        if bad {
            Err(DetectError::BadModel(
                "isolation forest nodes are inconsistent".into(),
            ))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact here.
mod tests {
    use super::*;

    #[test]
    fn c_of_n_known_values() {
        assert_eq!(average_path_length(1), 0.0);
        assert_eq!(average_path_length(2), 1.0);
        // c(256) = 2(ln 255 + γ) − 2·255/256 ≈ 10.2448
        assert!((average_path_length(256) - 10.244_770_920_116_851).abs() < 1e-9);
    }

    #[test]
    fn isolated_point_scores_highest_and_round_trips() {
        let mut rows = Vec::new();
        for i in 0..200 {
            let t = f64::from(i) / 200.0;
            rows.extend_from_slice(&[t, 1.0 - t]);
        }
        let params = IForestParams {
            trees: 50,
            sample_size: 64,
            seed: 7,
        };
        let f = IForest::fit(&rows, 2, &params).unwrap();
        let far = f.score(&[5.0, 5.0]);
        let typical = f.score(&[0.5, 0.5]);
        assert!(far > typical && far > 0.6, "far {far} typical {typical}");
        let back = IForest::from_json(&f.to_json().unwrap()).unwrap();
        assert_eq!(back.score(&[0.3, 0.2]), f.score(&[0.3, 0.2]));
        let again = IForest::fit(&rows, 2, &params).unwrap();
        assert_eq!(again.score(&[0.3, 0.2]), f.score(&[0.3, 0.2]), "seeded");
    }
}
