//! k-means (linfa-clustering) on standardised features, with k chosen by the silhouette:
//! each candidate k is fitted (best of several seeded starts), its mean silhouette computed on
//! a seeded subsample, and the k with the highest silhouette kept (the smaller k on a tie).

use std::ops::RangeInclusive;

use linfa::DatasetBase;
use linfa::traits::{Fit, Predict};
use linfa_clustering::KMeans;
use ndarray::{Array1, Array2};
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;

use super::ClusterError;

/// Points the silhouette is computed on at most (it costs the square of the count).
const MAX_SILHOUETTE_POINTS: usize = 2_000;
/// Points k-means is fitted on at most; the rest are assigned to the nearest centroid.
const MAX_FIT_POINTS: usize = 4_000;
/// Seeded starts per k; the one with the lowest inertia is kept.
const RUNS: usize = 8;

/// Per feature: `z = (x − mean) / sd`, with `sd` floored so a constant feature gives 0.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Standardizer {
    pub mean: Vec<f64>,
    pub sd: Vec<f64>,
}

impl Standardizer {
    /// Means and (population) standard deviations of `rows`' columns.
    #[must_use]
    pub fn fit(rows: &[Vec<f64>], dim: usize) -> Self {
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0.0; dim];
        for row in rows {
            for (m, x) in mean.iter_mut().zip(row) {
                *m += x / n;
            }
        }
        let mut var = vec![0.0; dim];
        for row in rows {
            for ((v, x), m) in var.iter_mut().zip(row).zip(&mean) {
                *v += (x - m) * (x - m) / n;
            }
        }
        let sd = var.into_iter().map(|v| v.sqrt().max(1e-9)).collect();
        Self { mean, sd }
    }

    #[must_use]
    pub fn apply(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(&self.mean)
            .zip(&self.sd)
            .map(|((x, m), s)| (x - m) / s)
            .collect()
    }
}

/// The silhouette one k reached.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct KTried {
    pub k: usize,
    pub silhouette: f64,
}

/// A clustering of points.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Clustering {
    pub k: usize,
    /// Cluster of each point, `0..k`.
    pub assignment: Vec<usize>,
    /// Mean silhouette of the kept k; `None` with a single cluster.
    pub silhouette: Option<f64>,
    /// Every k tried, in order.
    pub tried: Vec<KTried>,
}

/// Clusters standardised `points` (all of length `dim`) with k-means, k in `ks` chosen by
/// the silhouette. Fewer than three points (or a range below 2) make one cluster.
pub fn cluster(
    points: &[Vec<f64>],
    dim: usize,
    ks: RangeInclusive<usize>,
    seed: u64,
) -> Result<Clustering, ClusterError> {
    let n = points.len();
    let high = (*ks.end()).min(n.saturating_sub(1));
    let low = (*ks.start()).max(2);
    if n < 3 || high < low {
        return Ok(Clustering {
            k: 1,
            assignment: vec![0; n],
            silhouette: None,
            tried: Vec::new(),
        });
    }
    if points
        .iter()
        .any(|p| p.len() != dim || p.iter().any(|x| !x.is_finite()))
    {
        return Err(ClusterError::BadData(
            "every point needs as many finite numbers as there are features".into(),
        ));
    }
    let all = to_array(points.iter().map(Vec::as_slice), dim);
    let fit_rows = every_nth(n, MAX_FIT_POINTS);
    let fit_data = DatasetBase::from(to_array(
        fit_rows.iter().map(|&i| points[i].as_slice()),
        dim,
    ));
    let check_rows = every_nth(n, MAX_SILHOUETTE_POINTS);
    let check = to_array(check_rows.iter().map(|&i| points[i].as_slice()), dim);
    let mut tried = Vec::new();
    let mut best: Option<(f64, usize, Array1<usize>)> = None;
    for k in low..=high {
        let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed ^ k as u64))
            .n_runs(RUNS)
            .max_n_iterations(300)
            .tolerance(1e-6)
            .fit(&fit_data)
            .map_err(|e| ClusterError::Fit(e.to_string()))?;
        let labels: Array1<usize> = model.predict(&check);
        let distinct = {
            let mut l = labels.to_vec();
            l.sort_unstable();
            l.dedup();
            l.len()
        };
        if distinct < 2 {
            continue;
        }
        let silhouette = mean_silhouette(&check, labels.as_slice().unwrap_or_default(), k);
        tried.push(KTried { k, silhouette });
        if best
            .as_ref()
            .is_none_or(|(s, _, _)| silhouette > *s + 1e-12)
        {
            best = Some((silhouette, k, model.predict(&all)));
        }
    }
    let Some((silhouette, k, assignment)) = best else {
        return Ok(Clustering {
            k: 1,
            assignment: vec![0; n],
            silhouette: None,
            tried,
        });
    };
    let assignment = compact(&assignment.to_vec(), k);
    Ok(Clustering {
        // Clusters no point ended in are dropped.
        k: assignment.iter().max().map_or(1, |m| m + 1),
        assignment,
        silhouette: Some(silhouette),
        tried,
    })
}

/// Mean silhouette of `points` under `labels` (clusters `0..k`): per point,
/// `(b − a) / max(a, b)` with `a` its mean distance to the rest of its cluster and `b` the
/// smallest mean distance to another cluster; 0 for a point alone in its cluster.
/// (linfa's own allocates per pair, which a debug build feels; this is the same definition.)
#[must_use]
pub fn mean_silhouette(points: &Array2<f64>, labels: &[usize], k: usize) -> f64 {
    let n = points.nrows();
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l] += 1;
    }
    let rows: Vec<&[f64]> = points
        .rows()
        .into_iter()
        .map(|r| r.to_slice().unwrap_or_default())
        .collect();
    let mut total = 0.0;
    let mut sums = vec![0.0; k];
    for i in 0..n {
        sums.fill(0.0);
        for j in 0..n {
            if i != j {
                let d: f64 = rows[i]
                    .iter()
                    .zip(rows[j])
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                sums[labels[j]] += d.sqrt();
            }
        }
        let own = labels[i];
        if sizes[own] < 2 {
            continue;
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b = (0..k)
            .filter(|&c| c != own && sizes[c] > 0)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() && a.max(b) > 0.0 {
            total += (b - a) / a.max(b);
        }
    }
    total / n.max(1) as f64
}

/// Renumbers clusters by first appearance and drops empty ones, so ids are `0..used`.
fn compact(assignment: &[usize], k: usize) -> Vec<usize> {
    let mut id = vec![usize::MAX; k];
    let mut next = 0;
    assignment
        .iter()
        .map(|&c| {
            if id[c] == usize::MAX {
                id[c] = next;
                next += 1;
            }
            id[c]
        })
        .collect()
}

/// Evenly spaced row indices, at most `max` of `n` (all when `n ≤ max`): deterministic.
fn every_nth(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    (0..max).map(|i| i * n / max).collect()
}

fn to_array<'a>(rows: impl Iterator<Item = &'a [f64]>, dim: usize) -> Array2<f64> {
    let flat: Vec<f64> = rows.flat_map(|r| r.iter().copied()).collect();
    let n = flat.len() / dim.max(1);
    Array2::from_shape_vec((n, dim), flat).unwrap_or_else(|_| Array2::zeros((0, dim)))
}

/// Means of each cluster's points (`clusters` of them).
#[must_use]
pub fn centroids(points: &[Vec<f64>], assignment: &[usize], clusters: usize) -> Vec<Vec<f64>> {
    let dim = points.first().map_or(0, Vec::len);
    let mut sums = vec![vec![0.0; dim]; clusters];
    let mut counts = vec![0usize; clusters];
    for (p, &c) in points.iter().zip(assignment) {
        counts[c] += 1;
        for (s, x) in sums[c].iter_mut().zip(p) {
            *s += x;
        }
    }
    for (s, &n) in sums.iter_mut().zip(&counts) {
        for x in s {
            *x /= n.max(1) as f64;
        }
    }
    sums
}
