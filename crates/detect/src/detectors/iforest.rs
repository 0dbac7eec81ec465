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

use crate::{DetectError, Detector, check_rows};

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
            trees: 100,
            sample_size: 256,
            seed: 0,
        }
    }
}

/// One node of a flattened tree, 16 bytes: a row goes to `left` when
/// `row[feature] < threshold`, else to `left + 1` (children are stored side by side). A leaf
/// has a `NaN` threshold (every comparison is false) and `left` pointing to itself, so every
/// row can take exactly `max_depth` steps without a branch on the node kind.
#[derive(Debug, Clone, Copy)]
struct Node {
    threshold: f64,
    feature: u32,
    left: u32,
}

/// One tree: its nodes and each leaf's path length `depth + c(size)` (0 on splits).
/// Stored in JSON as plain columns ([`TreeData`]): JSON has no `NaN`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "TreeData", into = "TreeData")]
struct Tree {
    nodes: Vec<Node>,
    value: Vec<f64>,
}

/// The saved form of a [`Tree`]: `leaf[i]` marks leaves (their threshold is saved as 0).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TreeData {
    feature: Vec<u32>,
    threshold: Vec<f64>,
    left: Vec<u32>,
    leaf: Vec<bool>,
    value: Vec<f64>,
}

impl From<TreeData> for Tree {
    fn from(d: TreeData) -> Self {
        let nodes = (0..d.feature.len())
            .map(|i| Node {
                threshold: if d.leaf.get(i).copied().unwrap_or(true) {
                    f64::NAN
                } else {
                    d.threshold.get(i).copied().unwrap_or(f64::NAN)
                },
                feature: d.feature[i],
                left: d.left.get(i).copied().unwrap_or(u32::MAX),
            })
            .collect();
        Self {
            nodes,
            value: d.value,
        }
    }
}

impl From<Tree> for TreeData {
    fn from(t: Tree) -> Self {
        Self {
            feature: t.nodes.iter().map(|n| n.feature).collect(),
            threshold: t
                .nodes
                .iter()
                .map(|n| {
                    if n.threshold.is_nan() {
                        0.0
                    } else {
                        n.threshold
                    }
                })
                .collect(),
            left: t.nodes.iter().map(|n| n.left).collect(),
            leaf: t.nodes.iter().map(|n| n.threshold.is_nan()).collect(),
            value: t.value,
        }
    }
}

/// A fitted isolation forest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IForest {
    dim: usize,
    sample_size: usize,
    max_depth: usize,
    trees: Vec<Tree>,
}

/// Rows scored together, tree by tree, so one tree stays in cache.
const SCORE_BLOCK: usize = 64;
/// Rows walked in lockstep: independent walks the CPU overlaps.
const WALKERS: usize = 16;

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
        let mut tree = Self {
            nodes: Vec::new(),
            value: Vec::new(),
        };
        tree.push_slot();
        tree.grow_into(0, rows, dim, idx, 0, max_depth, rng);
        tree
    }

    /// A new node slot (filled by `grow_into`); returns its index.
    fn push_slot(&mut self) -> usize {
        self.nodes.push(Node {
            threshold: f64::NAN,
            feature: 0,
            left: 0,
        });
        self.value.push(0.0);
        self.nodes.len() - 1
    }

    /// Node counts stay below 2ψ, far inside u32 for any sample size we accept.
    fn index(i: usize) -> u32 {
        u32::try_from(i).unwrap_or(u32::MAX)
    }

    #[allow(clippy::too_many_arguments)] // The recursion's state, passed down as is.
    fn grow_into(
        &mut self,
        slot: usize,
        rows: &[f64],
        dim: usize,
        idx: &mut [usize],
        depth: usize,
        max_depth: usize,
        rng: &mut StdRng,
    ) {
        let leaf = |tree: &mut Self| {
            tree.nodes[slot] = Node {
                threshold: f64::NAN,
                feature: 0,
                left: Self::index(slot),
            };
            tree.value[slot] = depth as f64 + average_path_length(idx.len());
        };
        if depth >= max_depth || idx.len() <= 1 {
            return leaf(self);
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
            return leaf(self);
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
        let left = self.push_slot();
        let right = self.push_slot();
        self.nodes[slot] = Node {
            threshold,
            feature: Self::index(feature),
            left: Self::index(left),
        };
        let (l, r) = idx.split_at_mut(split);
        self.grow_into(left, rows, dim, l, depth + 1, max_depth, rng);
        self.grow_into(right, rows, dim, r, depth + 1, max_depth, rng);
    }

    /// One step from node `at`: `left` when below the threshold, else `left + 1`; a leaf
    /// (threshold `NaN`) stays.
    #[inline]
    fn step(&self, at: usize, row: &[f64]) -> usize {
        let n = self.nodes[at];
        n.left as usize + usize::from(row[n.feature as usize] >= n.threshold)
    }

    /// Path length of `row`: `max_depth` steps end on its leaf.
    #[inline]
    fn path_length(&self, row: &[f64], max_depth: usize) -> f64 {
        let mut at = 0usize;
        for _ in 0..max_depth {
            at = self.step(at, row);
        }
        self.value[at]
    }

    fn is_consistent(&self, dim: usize, max_depth: usize) -> bool {
        let n = self.nodes.len();
        let shapes_ok = n > 0
            && self.value.len() == n
            && self.nodes.iter().enumerate().all(|(i, node)| {
                (node.feature as usize) < dim
                    && if node.threshold.is_nan() {
                        node.left as usize == i
                    } else {
                        (node.left as usize) + 1 < n
                    }
            });
        // Every walk of `max_depth` steps must end on a leaf.
        shapes_ok && {
            let mut frontier = vec![0usize];
            for _ in 0..max_depth {
                frontier = frontier
                    .iter()
                    .flat_map(|&i| {
                        let node = self.nodes[i];
                        if node.threshold.is_nan() {
                            vec![i]
                        } else {
                            vec![node.left as usize, node.left as usize + 1]
                        }
                    })
                    .collect();
                frontier.sort_unstable();
                frontier.dedup();
            }
            frontier.iter().all(|&i| self.nodes[i].threshold.is_nan())
        }
    }
}

impl IForest {
    /// `1/(trees·c(ψ))`: turns summed path lengths into the exponent of the score.
    fn scale(&self) -> f64 {
        1.0 / (self.trees.len() as f64
            * average_path_length(self.sample_size).max(f64::MIN_POSITIVE))
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
            max_depth,
            trees,
        })
    }

    fn dim(&self) -> usize {
        self.dim
    }

    /// `2^(−E[h(x)]/c(ψ))`: near 1 for easily isolated rows, ≤ 0.5 for typical ones.
    fn score(&self, row: &[f64]) -> f64 {
        let total: f64 = self
            .trees
            .iter()
            .map(|t| t.path_length(row, self.max_depth))
            .sum();
        (-total * self.scale()).exp2()
    }

    /// On every core for large batches ([`crate::score_in_parallel`]).
    fn score_batch(&self, rows: &[f64]) -> Vec<f64> {
        crate::score_in_parallel(rows, self.dim, &|part| self.score_batch_on_one_core(part))
    }

    fn validate(&self) -> Result<(), DetectError> {
        self.check()
    }
}

impl IForest {
    /// Scores on the calling thread: rows in blocks, tree by tree, walks in lockstep.
    #[must_use]
    pub fn score_batch_on_one_core(&self, rows: &[f64]) -> Vec<f64> {
        let dim = self.dim.max(1);
        let mut out = Vec::with_capacity(rows.len() / dim);
        let mut totals = [0.0f64; SCORE_BLOCK];
        let scale = self.scale();
        for block in rows.chunks(dim * SCORE_BLOCK) {
            let block_rows: Vec<&[f64]> = block.chunks_exact(dim).collect();
            let totals = &mut totals[..block_rows.len()];
            totals.fill(0.0);
            for tree in &self.trees {
                for (group, sums) in block_rows.chunks(WALKERS).zip(totals.chunks_mut(WALKERS)) {
                    // The walks of a group advance together, one step at a time.
                    let mut at = [0usize; WALKERS];
                    for _ in 0..self.max_depth {
                        for (a, row) in at.iter_mut().zip(group) {
                            *a = tree.step(*a, row);
                        }
                    }
                    for (sum, &a) in sums.iter_mut().zip(&at) {
                        *sum += tree.value[a];
                    }
                }
            }
            out.extend(totals.iter().map(|t| (-t * scale).exp2()));
        }
        out
    }

    fn check(&self) -> Result<(), DetectError> {
        let bad = self.dim == 0
            || self.trees.is_empty()
            || self.max_depth > 64
            || self
                .trees
                .iter()
                .any(|t| !t.is_consistent(self.dim, self.max_depth));
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
        back.validate().unwrap();
        // The blocked batch path gives the per-row scores exactly (more rows than a block).
        let probe: Vec<f64> = (0..150)
            .flat_map(|i| [f64::from(i) / 50.0 - 1.0, 0.5])
            .collect();
        let batch = f.score_batch(&probe);
        for (row, b) in probe.chunks_exact(2).zip(&batch) {
            assert_eq!(f.score(row), *b);
        }
        // A batch large enough to be split over the cores gives the same scores in order.
        let big: Vec<f64> = (0..40_000)
            .flat_map(|i| [f64::from(i % 97) / 50.0 - 1.0, f64::from(i % 13) / 13.0])
            .collect();
        assert_eq!(f.score_batch(&big), f.score_batch_on_one_core(&big));
        let again = IForest::fit(&rows, 2, &params).unwrap();
        assert_eq!(again.score(&[0.3, 0.2]), f.score(&[0.3, 0.2]), "seeded");
    }
}
