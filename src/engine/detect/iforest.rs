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

/// One tree, flattened for fast scoring. Node `i` sends a row to `left[i]` when
/// `row[feature[i]] < threshold[i]`, else to `right[i]`. A leaf points to itself on both
/// sides and holds its path length `depth + c(size)` in `value`, so every row can take
/// exactly `max_depth` steps without a branch on the node kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tree {
    feature: Vec<u32>,
    threshold: Vec<f64>,
    left: Vec<u32>,
    right: Vec<u32>,
    value: Vec<f64>,
}

/// A fitted isolation forest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IForest {
    dim: usize,
    sample_size: usize,
    max_depth: usize,
    trees: Vec<Tree>,
}

/// Rows scored together, tree by tree, so one tree stays in cache and the rows'
/// independent walks overlap in the CPU.
const SCORE_BLOCK: usize = 64;

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
            feature: Vec::new(),
            threshold: Vec::new(),
            left: Vec::new(),
            right: Vec::new(),
            value: Vec::new(),
        };
        tree.grow_node(rows, dim, idx, 0, max_depth, rng);
        tree
    }

    /// Push a leaf for `size` rows at `depth`; returns its index.
    fn push_leaf(&mut self, depth: usize, size: usize) -> usize {
        let me = self.feature.len();
        let me32 = u32::try_from(me).unwrap_or(u32::MAX);
        self.feature.push(0);
        self.threshold.push(0.0);
        self.left.push(me32);
        self.right.push(me32);
        self.value.push(depth as f64 + average_path_length(size));
        me
    }

    fn grow_node(
        &mut self,
        rows: &[f64],
        dim: usize,
        idx: &mut [usize],
        depth: usize,
        max_depth: usize,
        rng: &mut StdRng,
    ) -> usize {
        let me = self.push_leaf(depth, idx.len());
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
        let left = self.grow_node(rows, dim, l, depth + 1, max_depth, rng);
        let right = self.grow_node(rows, dim, r, depth + 1, max_depth, rng);
        // Node counts stay below 2ψ, far inside u32 for any sample size we accept.
        self.feature[me] = u32::try_from(feature).unwrap_or(u32::MAX);
        self.threshold[me] = threshold;
        self.left[me] = u32::try_from(left).unwrap_or(u32::MAX);
        self.right[me] = u32::try_from(right).unwrap_or(u32::MAX);
        self.value[me] = 0.0;
        me
    }

    /// Path length of `row`: `max_depth` steps end on its leaf (leaves loop on themselves).
    #[inline]
    fn path_length(&self, row: &[f64], max_depth: usize) -> f64 {
        let mut at = 0usize;
        for _ in 0..max_depth {
            let go_left = row[self.feature[at] as usize] < self.threshold[at];
            at = if go_left {
                self.left[at]
            } else {
                self.right[at]
            } as usize;
        }
        self.value[at]
    }

    fn is_consistent(&self, dim: usize, max_depth: usize) -> bool {
        let n = self.feature.len();
        if n == 0
            || [
                self.threshold.len(),
                self.left.len(),
                self.right.len(),
                self.value.len(),
            ]
            .iter()
            .any(|&len| len != n)
        {
            return false;
        }
        let inside = |i: u32| (i as usize) < n;
        let shapes_ok = (0..n).all(|i| {
            (self.feature[i] as usize) < dim && inside(self.left[i]) && inside(self.right[i])
        });
        // Every walk of `max_depth` steps must end on a leaf (a node that loops on itself).
        shapes_ok && {
            let mut frontier = vec![0usize];
            for _ in 0..max_depth {
                frontier = frontier
                    .iter()
                    .flat_map(|&i| [self.left[i] as usize, self.right[i] as usize])
                    .collect();
                frontier.sort_unstable();
                frontier.dedup();
            }
            frontier
                .iter()
                .all(|&i| self.left[i] as usize == i && self.right[i] as usize == i)
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

    fn score_batch(&self, rows: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(rows.len() / self.dim.max(1));
        let mut totals = [0.0f64; SCORE_BLOCK];
        let scale = self.scale();
        for block in rows.chunks(self.dim * SCORE_BLOCK) {
            let block_rows = block.len() / self.dim;
            let totals = &mut totals[..block_rows];
            totals.fill(0.0);
            for tree in &self.trees {
                for (total, row) in totals.iter_mut().zip(block.chunks_exact(self.dim)) {
                    *total += tree.path_length(row, self.max_depth);
                }
            }
            out.extend(totals.iter().map(|t| (-t * scale).exp2()));
        }
        out
    }

    fn validate(&self) -> Result<(), DetectError> {
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
        let again = IForest::fit(&rows, 2, &params).unwrap();
        assert_eq!(again.score(&[0.3, 0.2]), f.score(&[0.3, 0.2]), "seeded");
    }
}
