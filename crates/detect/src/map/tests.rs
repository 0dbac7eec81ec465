use super::*;
use crate::pipeline::PipelineSpec;
use crate::pipeline::preprocess::{FeatureSpec, PreprocessSpec};
use crate::{ModelKind, ModelSpec};

/// Points along a line in 3-D (x, 2x, small noise) plus a few far ones.
fn data() -> (Vec<f64>, usize) {
    let mut rows = Vec::new();
    for i in 0..400 {
        let t = f64::from(i) / 400.0 - 0.5;
        let wobble = f64::from((i * 37) % 11) / 100.0 - 0.05;
        rows.extend_from_slice(&[t, 2.0 * t + wobble, wobble]);
    }
    for k in 0..5 {
        rows.extend_from_slice(&[3.0 + f64::from(k), -4.0, 2.0]);
    }
    (rows, 3)
}

fn pipeline(kind: ModelKind, rows: &[f64]) -> Pipeline {
    let spec = PipelineSpec {
        preprocess: PreprocessSpec {
            features: ["a", "b", "c"]
                .iter()
                .map(|n| FeatureSpec {
                    name: (*n).to_string(),
                    ..FeatureSpec::default()
                })
                .collect(),
            clip_quantile: None,
        },
        model: ModelSpec::default_for(kind, 3),
    };
    Pipeline::fit(&rows[..400 * 3], 3, &spec).unwrap()
}

#[test]
fn pca_of_a_line_explains_it_with_one_axis() {
    let rows: Vec<f64> = (0..50)
        .flat_map(|i| {
            let t = f64::from(i);
            [t, 2.0 * t, -t]
        })
        .collect();
    let pca = Pca2::fit(&rows, 3).unwrap();
    assert!((pca.explained[0] - 1.0).abs() < 1e-12);
    let s = 6f64.sqrt();
    for (a, want) in pca.axes[0].iter().zip([1.0 / s, 2.0 / s, -1.0 / s]) {
        assert!((a - want).abs() < 1e-12, "{:?}", pca.axes[0]);
    }
    // Projection then lift returns a point on the line.
    let p = pca.project(&[10.0, 20.0, -10.0]);
    let back = pca.lift(p);
    for (x, want) in back.iter().zip([10.0, 20.0, -10.0]) {
        assert!((x - want).abs() < 1e-9);
    }
    assert_eq!(
        pca.top_loadings(0, 1)[0].0,
        1,
        "the doubled feature weighs most"
    );
}

#[test]
fn fisvdd_map_has_support_vectors_a_boundary_and_learns_when_fed() {
    let (rows, dim) = data();
    let n = rows.len() / dim;
    let p = pipeline(ModelKind::Fisvdd, &rows);
    let scores = p.score_batch(&rows);
    // Train on every other normal row, so the rest can be fed.
    let training: Vec<usize> = (0..400).step_by(2).collect();
    let mut sorted: Vec<f64> = training.iter().map(|&i| scores[i]).collect();
    sorted.sort_by(f64::total_cmp);
    let threshold = sorted[sorted.len() * 95 / 100];
    let mut map = ModelMap::build(&MapRequest {
        pipeline: &p,
        rows: &rows,
        training: &training,
        feedable: None,
        scores: &scores,
        threshold,
        seed: 1,
    })
    .unwrap();
    assert_eq!(map.points.len(), n, "small inputs are drawn whole");
    assert!(map.support_count() > 0);
    assert!(!map.boundary.is_empty(), "the τ contour crosses the plane");
    // The far rows are drawn first and outside.
    assert!(
        map.points[..5]
            .iter()
            .all(|pt| pt.row >= 400 && pt.outside(threshold))
    );
    let before = map.feedable();
    assert!(before > 0 && before <= 200);
    let outcome = map.feed(50);
    assert_eq!(outcome.fed, 50.min(before));
    assert_eq!(map.feedable(), before - outcome.fed);
    assert_eq!(outcome.support_count, map.support_count());
    // Feeding everything else never fails and ends the pool.
    map.feed(usize::MAX / 2);
    assert_eq!(map.feedable(), 0);
    // Rows marked not feedable (labelled bad, say) never enter the pool.
    let none = vec![false; n];
    let guarded = ModelMap::build(&MapRequest {
        pipeline: &p,
        rows: &rows,
        training: &training,
        feedable: Some(&none),
        scores: &scores,
        threshold,
        seed: 1,
    })
    .unwrap();
    assert_eq!(guarded.feedable(), 0);
}

#[test]
fn maps_of_models_without_support_vectors_and_bad_requests() {
    let (rows, _) = data();
    let p = pipeline(ModelKind::Mahalanobis, &rows);
    let scores = p.score_batch(&rows);
    let training: Vec<usize> = (0..400).collect();
    let request = MapRequest {
        pipeline: &p,
        rows: &rows,
        training: &training,
        feedable: None,
        scores: &scores,
        threshold: 3.0,
        seed: 1,
    };
    let mut map = ModelMap::build(&request).unwrap();
    assert!(map.support.is_empty());
    // Moving τ retraces the boundary on the stored grid: above every grid score, none.
    assert!(!map.boundary.is_empty());
    map.set_threshold(1e12);
    assert!(map.boundary.is_empty() && map.points.iter().all(|p| !p.outside(1e12)));
    map.set_threshold(3.0);
    assert!(!map.boundary.is_empty());
    assert_eq!(map.feedable(), 0);
    assert_eq!(map.feed(10), FeedOutcome::default());
    let short = MapRequest {
        scores: &scores[..3],
        ..request
    };
    assert!(ModelMap::build(&short).is_err());
}
