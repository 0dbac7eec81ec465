//! A picture of a fitted detector: rows projected on the first two principal components of
//! the detector's own (preprocessed) feature space, its support vectors, and its score over
//! that plane with the contour where the score equals τ. A FISVDD map can go on learning
//! from more normal rows ([`ModelMap::feed`]), so the user sees the description change.
//!
//! The plane passes through the training mean; rows lie off it, so a few points may sit on
//! the other side of the drawn boundary from their own score. (Own PCA rather than
//! `linfa-reduction`: drawing the contour needs the axes, to lift plane points back into
//! feature space.)

pub mod contour;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::{SliceRandom, index};

use crate::detectors::fisvdd::{Fisvdd, UpdateOutcome};
use crate::map::contour::contour_lines;
use crate::math::linalg::symmetric_eigen;
use crate::pipeline::{Model, Pipeline};
use crate::{DetectError, Detector};

/// Scored rows drawn at most (all outside the boundary first, up to half of this).
pub const MAX_DRAWN: usize = 3_000;
/// Training rows drawn at most.
pub const MAX_TRAINING_DRAWN: usize = 1_500;
/// Rows the principal axes are computed from at most.
const MAX_PCA_ROWS: usize = 20_000;
/// Grid cells per side of the score grid.
pub const GRID_CELLS: usize = 60;
/// Normal rows kept for feeding a FISVDD map.
const MAX_FEED_POOL: usize = 20_000;

/// The first two principal axes of a set of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca2 {
    pub mean: Vec<f64>,
    pub axes: [Vec<f64>; 2],
    /// Share of the total variance along each axis.
    pub explained: [f64; 2],
}

impl Pca2 {
    /// `None` with fewer than two rows.
    #[must_use]
    pub fn fit(rows: &[f64], dim: usize) -> Option<Self> {
        let n = rows.len().checked_div(dim)?;
        if n < 2 {
            return None;
        }
        let mut mean = vec![0.0; dim];
        for row in rows.chunks_exact(dim) {
            for (m, x) in mean.iter_mut().zip(row) {
                *m += x;
            }
        }
        for m in &mut mean {
            *m /= n as f64;
        }
        let mut cov = vec![0.0; dim * dim];
        for row in rows.chunks_exact(dim) {
            for i in 0..dim {
                let di = row[i] - mean[i];
                for j in i..dim {
                    cov[i * dim + j] += di * (row[j] - mean[j]);
                }
            }
        }
        for i in 0..dim {
            for j in i..dim {
                let c = cov[i * dim + j] / (n - 1) as f64;
                cov[i * dim + j] = c;
                cov[j * dim + i] = c;
            }
        }
        let (values, vectors) = symmetric_eigen(&cov, dim);
        let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
        let share = |k: usize| {
            values
                .get(k)
                .map_or(0.0, |v| if total > 0.0 { v.max(0.0) / total } else { 0.0 })
        };
        let axis = |k: usize| {
            if k < dim {
                vectors[k * dim..(k + 1) * dim].to_vec()
            } else {
                vec![0.0; dim]
            }
        };
        Some(Self {
            mean,
            axes: [axis(0), axis(1)],
            explained: [share(0), share(1)],
        })
    }

    #[must_use]
    pub fn project(&self, row: &[f64]) -> [f64; 2] {
        let along = |axis: &[f64]| {
            row.iter()
                .zip(&self.mean)
                .zip(axis)
                .map(|((x, m), a)| (x - m) * a)
                .sum()
        };
        [along(&self.axes[0]), along(&self.axes[1])]
    }

    /// The feature-space point at `at` on the plane.
    #[must_use]
    pub fn lift(&self, at: [f64; 2]) -> Vec<f64> {
        self.mean
            .iter()
            .zip(self.axes[0].iter().zip(&self.axes[1]))
            .map(|(m, (a, b))| m + at[0] * a + at[1] * b)
            .collect()
    }

    /// The `k` features weighing most on axis `axis` (index, loading), largest first.
    #[must_use]
    pub fn top_loadings(&self, axis: usize, k: usize) -> Vec<(usize, f64)> {
        let mut l: Vec<(usize, f64)> = self.axes[axis].iter().copied().enumerate().collect();
        l.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        l.truncate(k);
        l
    }
}

/// One drawn scored row.
#[derive(Debug, Clone, PartialEq)]
pub struct MapPoint {
    pub at: [f64; 2],
    pub score: f64,
    /// Index of the row in the request.
    pub row: usize,
}

impl MapPoint {
    #[must_use]
    pub fn outside(&self, threshold: f64) -> bool {
        self.score > threshold
    }
}

/// What a map is built from.
pub struct MapRequest<'a> {
    pub pipeline: &'a Pipeline,
    /// Raw feature rows (as the pipeline takes them), row-major.
    pub rows: &'a [f64],
    /// Indices of the rows the detector was fitted on (empty for a detector fitted on other
    /// data: the axes then come from all rows).
    pub training: &'a [usize],
    /// Rows that may be fed to a FISVDD map (e.g. not labelled bad); `None` = any row.
    pub feedable: Option<&'a [bool]>,
    /// The pipeline's score of every row.
    pub scores: &'a [f64],
    pub threshold: f64,
    pub seed: u64,
}

/// How one [`ModelMap::feed`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedOutcome {
    pub fed: usize,
    /// Rows that became support vectors.
    pub expanded: usize,
    pub support_count: usize,
}

/// A FISVDD model learning from normal rows it has not seen.
#[derive(Debug, Clone)]
struct Feed {
    model: Fisvdd,
    /// Preprocessed rows, shuffled.
    pool: Vec<f64>,
    next: usize,
}

/// Everything the map chart draws.
#[derive(Debug, Clone)]
pub struct ModelMap {
    pub pca: Pca2,
    pub threshold: f64,
    pub training: Vec<[f64; 2]>,
    pub points: Vec<MapPoint>,
    /// Support vectors (FISVDD, one-class SVM), projected.
    pub support: Vec<[f64; 2]>,
    /// Polylines where the score over the plane equals τ.
    pub boundary: Vec<Vec<[f64; 2]>>,
    /// Plane area the score grid covers: `[x_min, x_max]`, `[y_min, y_max]`.
    pub extent: [[f64; 2]; 2],
    /// Rows the detector was fitted on.
    pub training_rows: usize,
    /// Rows fed so far (FISVDD only).
    pub fed: usize,
    /// Fed rows that became support vectors.
    pub fed_expanded: usize,
    /// Preprocessed rows of `points`, to rescore them after feeding.
    drawn_rows: Vec<f64>,
    /// The score grid the boundary is traced on: node x, node y, values (row-major by y).
    grid: (Vec<f64>, Vec<f64>, Vec<f64>),
    /// The pipeline's score calibration `(centre, scale)`.
    calibration: (f64, f64),
    feed: Option<Feed>,
}

impl ModelMap {
    /// Projects the request's rows and draws the detector's boundary on the plane.
    pub fn build(request: &MapRequest<'_>) -> Result<Self, DetectError> {
        let pipeline = request.pipeline;
        let dim = pipeline.dim();
        let n = request.rows.len() / dim.max(1);
        let shapes_ok = request.scores.len() == n
            && request.feedable.is_none_or(|f| f.len() == n)
            && request.training.iter().all(|&i| i < n);
        if n == 0 || !shapes_ok {
            return Err(DetectError::NoTrainingRows);
        }
        let mut rng = StdRng::seed_from_u64(request.seed);
        let shaped = |idx: &[usize]| -> Vec<f64> {
            let raw: Vec<f64> = idx
                .iter()
                .flat_map(|&i| request.rows[i * dim..(i + 1) * dim].iter().copied())
                .collect();
            pipeline.preprocessor.transform(&raw)
        };
        let all: Vec<usize>;
        let pca_from = if request.training.is_empty() {
            all = (0..n).collect();
            &all
        } else {
            request.training
        };
        let pca_rows = sample(pca_from, MAX_PCA_ROWS, &mut rng);
        let pca = Pca2::fit(&shaped(&pca_rows), dim).ok_or(DetectError::NoTrainingRows)?;
        let training_rows = sample(request.training, MAX_TRAINING_DRAWN, &mut rng);
        let training: Vec<[f64; 2]> = shaped(&training_rows)
            .chunks_exact(dim)
            .map(|r| pca.project(r))
            .collect();

        let drawn = pick_drawn(request.scores, request.threshold, &mut rng);
        let drawn_rows = shaped(&drawn);
        let points: Vec<MapPoint> = drawn
            .iter()
            .zip(drawn_rows.chunks_exact(dim))
            .map(|(&row, r)| MapPoint {
                at: pca.project(r),
                score: request.scores[row],
                row,
            })
            .collect();
        // The score grid covers the training rows (where the boundary lies) with room around
        // them, not the farthest outliers, so the boundary is traced finely.
        let extent = if training.is_empty() {
            extent_of(points.iter().map(|p| &p.at), 0.08)
        } else {
            extent_of(training.iter(), 0.5)
        };

        let feed = match &pipeline.model {
            Model::Fisvdd(m) => {
                let mut in_training = vec![false; n];
                request.training.iter().for_each(|&i| in_training[i] = true);
                let allowed = |i: usize| request.feedable.is_none_or(|f| f[i]);
                let mut normal: Vec<usize> = (0..n)
                    .filter(|&i| {
                        !in_training[i] && allowed(i) && request.scores[i] <= request.threshold
                    })
                    .collect();
                normal.shuffle(&mut rng);
                normal.truncate(MAX_FEED_POOL);
                Some(Feed {
                    model: m.clone(),
                    pool: shaped(&normal),
                    next: 0,
                })
            }
            _ => None,
        };
        let mut map = Self {
            pca,
            threshold: request.threshold,
            training,
            points,
            support: Vec::new(),
            boundary: Vec::new(),
            extent,
            training_rows: request.training.len(),
            fed: 0,
            fed_expanded: 0,
            drawn_rows,
            grid: (Vec::new(), Vec::new(), Vec::new()),
            calibration: (pipeline.centre, pipeline.scale),
            feed,
        };
        map.redraw_model(&pipeline.model);
        Ok(map)
    }

    /// Normal rows left to feed (0 when the detector is not FISVDD).
    #[must_use]
    pub fn feedable(&self) -> usize {
        self.feed
            .as_ref()
            .map_or(0, |f| f.pool.len() / self.pca.mean.len().max(1) - f.next)
    }

    /// Support vectors of the model being drawn.
    #[must_use]
    pub fn support_count(&self) -> usize {
        self.support.len()
    }

    /// FISVDD: learn from up to `count` more normal rows (the paper's incremental step for
    /// each), then redraw support vectors, boundary and point scores with the updated model.
    pub fn feed(&mut self, count: usize) -> FeedOutcome {
        let dim = self.pca.mean.len();
        let Some(mut feed) = self.feed.take() else {
            return FeedOutcome::default();
        };
        let mut outcome = FeedOutcome::default();
        let available = feed.pool.len() / dim - feed.next;
        for k in feed.next..feed.next + count.min(available) {
            if feed.model.update(&feed.pool[k * dim..(k + 1) * dim]) == UpdateOutcome::Expanded {
                outcome.expanded += 1;
            }
            outcome.fed += 1;
        }
        feed.next += outcome.fed;
        self.fed += outcome.fed;
        self.fed_expanded += outcome.expanded;
        let model = Model::Fisvdd(feed.model.clone());
        let (centre, scale) = self.calibration;
        let scores = model.score_batch(&self.drawn_rows);
        for (p, s) in self.points.iter_mut().zip(scores) {
            p.score = (s - centre) / scale;
        }
        self.redraw_model(&model);
        self.feed = Some(feed);
        outcome.support_count = self.support.len();
        outcome
    }

    /// Support vectors and the τ contour of `model` over the plane.
    fn redraw_model(&mut self, model: &Model) {
        let dim = self.pca.mean.len();
        self.support = model
            .support_vectors()
            .map(|sv| sv.chunks_exact(dim).map(|r| self.pca.project(r)).collect())
            .unwrap_or_default();
        let [[x0, x1], [y0, y1]] = self.extent;
        let nodes = GRID_CELLS + 1;
        let step = |lo: f64, hi: f64, i: usize| lo + (hi - lo) * i as f64 / GRID_CELLS as f64;
        let xs: Vec<f64> = (0..nodes).map(|i| step(x0, x1, i)).collect();
        let ys: Vec<f64> = (0..nodes).map(|j| step(y0, y1, j)).collect();
        let pca = &self.pca;
        let lifted: Vec<f64> = ys
            .iter()
            .flat_map(|&y| xs.iter().flat_map(move |&x| pca.lift([x, y])))
            .collect();
        let (centre, scale) = self.calibration;
        let values: Vec<f64> = model
            .score_batch(&lifted)
            .into_iter()
            .map(|s| (s - centre) / scale)
            .collect();
        self.boundary = contour_lines(&xs, &ys, &values, self.threshold);
        self.grid = (xs, ys, values);
    }

    /// Move τ: the boundary is traced again on the stored score grid (no rescoring).
    pub fn set_threshold(&mut self, threshold: f64) {
        self.threshold = threshold;
        let (xs, ys, values) = &self.grid;
        self.boundary = contour_lines(xs, ys, values, threshold);
    }
}

/// A map with a name, the detector's feature names and a hover label per drawn point.
#[derive(Debug, Clone)]
pub struct LabelledMap {
    /// What the points are: `event windows`, `city windows`, `table rows` …
    pub name: String,
    /// Names of the features the detector sees (the axes' loadings refer to them).
    pub features: Vec<String>,
    pub map: ModelMap,
    /// Per drawn point (index-aligned with `map.points`).
    pub labels: Vec<String>,
    /// Per drawn point, the item of the caller's it belongs to (event windows: the event's
    /// index in the report; table rows: the row), so points can be coloured by item.
    pub groups: Vec<usize>,
}

/// Up to `max` of `from`, seeded.
fn sample(from: &[usize], max: usize, rng: &mut StdRng) -> Vec<usize> {
    if from.len() <= max {
        return from.to_vec();
    }
    let mut picked: Vec<usize> = index::sample(rng, from.len(), max)
        .into_iter()
        .map(|i| from[i])
        .collect();
    picked.sort_unstable();
    picked
}

/// Rows to draw: the highest-scoring outside rows (up to half the budget), then a seeded
/// sample of the rest.
fn pick_drawn(scores: &[f64], threshold: f64, rng: &mut StdRng) -> Vec<usize> {
    let mut outside: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i] > threshold)
        .collect();
    outside.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    outside.truncate(MAX_DRAWN / 2);
    let inside: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i].is_finite() && scores[i] <= threshold)
        .collect();
    let mut drawn = outside;
    drawn.extend(sample(&inside, MAX_DRAWN - drawn.len(), rng));
    drawn
}

/// Bounding box of the points with a `margin` share of its size added on each side (never
/// empty).
fn extent_of<'a>(points: impl Iterator<Item = &'a [f64; 2]>, margin: f64) -> [[f64; 2]; 2] {
    let mut e = [[f64::INFINITY, f64::NEG_INFINITY]; 2];
    for p in points {
        for k in 0..2 {
            if p[k].is_finite() {
                e[k] = [e[k][0].min(p[k]), e[k][1].max(p[k])];
            }
        }
    }
    e.map(|[lo, hi]| {
        if !(lo.is_finite() && hi.is_finite()) {
            return [-1.0, 1.0];
        }
        let pad = ((hi - lo) * margin).max(1e-6);
        [lo - pad, hi + pad]
    })
}

#[cfg(test)]
mod tests;
