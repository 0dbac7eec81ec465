//! FISVDD invariants (the paper's optimality conditions) on random streams.
#![allow(clippy::float_cmp)] // Round trips must be bit-exact.

use proptest::prelude::*;

use crate::Detector;
use crate::detectors::fisvdd::{Fisvdd, FisvddParams, UpdateOutcome};
use crate::math::linalg::{mat_vec, spd_inverse};

/// Maintained, never re-inverted, so the tests see the rank-1 updates' drift.
fn params(sigma: f64) -> FisvddParams {
    FisvddParams {
        sigma: Some(sigma),
        reinvert_every: 0,
        ..FisvddParams::default()
    }
}

fn check_invariants(m: &Fisvdd) -> Result<(), TestCaseError> {
    let n = m.support_count();
    let alpha = m.alpha();
    prop_assert!(alpha.iter().all(|&a| a >= 0.0), "α ≥ 0: {alpha:?}");
    prop_assert!((alpha.iter().sum::<f64>() - 1.0).abs() < 1e-12, "Σα = 1");
    let a = m.kernel_matrix();
    // KKT: every SV lies on the boundary, A·α = L·e.
    for (i, v) in mat_vec(&a, alpha).iter().enumerate() {
        prop_assert!((v - m.l()).abs() < 1e-9, "(Aα)[{i}] = {v}, L = {}", m.l());
    }
    // Maintained inverse against a fresh one, relative to the inverse's size.
    let fresh = spd_inverse(&a, n).expect("kernel matrix of distinct SVs is SPD");
    let size = fresh.iter().fold(1.0f64, |acc, v| acc.max(v.abs()));
    let diff = m
        .inverse()
        .iter()
        .zip(&fresh)
        .fold(0.0f64, |acc, (x, y)| acc.max((x - y).abs()));
    prop_assert!(diff / size < 1e-8, "inverse drift {diff} (size {size})");
    // Every SV scores 0 (on the boundary).
    for i in 0..n {
        prop_assert!(m.score(m.support_vector(i)).abs() < 1e-9);
    }
    Ok(())
}

fn stream() -> impl Strategy<Value = Vec<[f64; 3]>> {
    prop::collection::vec(prop::array::uniform3(-3.0f64..3.0), 2..80)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn invariants_after_every_update(points in stream(), sigma in 0.7f64..3.0) {
        let mut m = Fisvdd::new(3, sigma, params(sigma)).unwrap();
        for p in &points {
            m.update(p);
            check_invariants(&m)?;
        }
    }

    #[test]
    fn invariants_hold_for_shuffled_streams(points in stream(), seed in any::<u64>()) {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        let mut shuffled = points.clone();
        shuffled.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        for order in [&points, &shuffled] {
            let flat: Vec<f64> = order.iter().flatten().copied().collect();
            let m = Fisvdd::fit(&flat, 3, params(1.5)).unwrap();
            check_invariants(&m)?;
        }
    }

    #[test]
    fn far_points_score_highest(points in stream()) {
        let flat: Vec<f64> = points.iter().flatten().copied().collect();
        let m = Fisvdd::fit(&flat, 3, params(1.0)).unwrap();
        let far = m.score(&[40.0, -40.0, 40.0]);
        prop_assert!((far - m.l()).abs() < 1e-12, "far point scores L");
        for p in &points {
            prop_assert!(m.score(p) < far);
        }
        // The vectorised f32 batch path agrees with the exact per-row score.
        let batch = m.score_batch(&flat);
        for (p, b) in points.iter().zip(&batch) {
            prop_assert!((m.score(p) - b).abs() < 1e-6, "{} vs {b}", m.score(p));
        }
    }

    #[test]
    fn memory_cap_and_reinversion_keep_invariants(points in stream()) {
        let flat: Vec<f64> = points.iter().flatten().copied().collect();
        let p = FisvddParams { sigma: Some(1.0), max_svs: Some(5), reinvert_every: 3, ..FisvddParams::default() };
        let m = Fisvdd::fit(&flat, 3, p).unwrap();
        prop_assert!(m.support_count() <= 5);
        check_invariants(&m)?;
    }
}

#[test]
fn first_point_then_outlier_duplicate_and_inside() {
    let mut m = Fisvdd::new(1, 1.0, params(1.0)).unwrap();
    assert_eq!(m.update(&[0.0]), UpdateOutcome::First);
    assert_eq!(m.update(&[0.0]), UpdateOutcome::Duplicate);
    assert_eq!(m.update(&[100.0]), UpdateOutcome::Outlier);
    assert_eq!(m.update(&[2.0]), UpdateOutcome::Expanded);
    // Two SVs at 0 and 2 with equal weights: the midpoint is inside.
    assert_eq!(m.update(&[1.0]), UpdateOutcome::Inside);
    assert_eq!(m.alpha(), &[0.5, 0.5]);
    // L = 1/Σα₀ with A = [[1, k], [k, 1]], k = e^{−2}: A⁻¹e = e/(1+k) → L = (1+k)/2.
    let k = (-2.0f64).exp();
    assert!((m.l() - f64::midpoint(1.0, k)).abs() < 1e-15);
    assert!(m.score(&[1.0]) < 0.0 && m.score(&[3.0]) > 0.0);
}

#[test]
fn median_heuristic_is_used_and_models_round_trip() {
    let rows: Vec<f64> = (0..300)
        .flat_map(|i| {
            let t = f64::from(i) * 0.1;
            [t.sin(), t.cos()]
        })
        .collect();
    let m = Fisvdd::fit(&rows, 2, FisvddParams::default()).unwrap();
    assert!(m.sigma() > 0.5 && m.sigma() < 1.5, "σ {}", m.sigma());
    let back = Fisvdd::from_json(&m.to_json().unwrap()).unwrap();
    assert_eq!(back.score(&[0.3, 0.1]), m.score(&[0.3, 0.1]));
    assert!(Fisvdd::from_json("{\"dim\": 2}").is_err());
}
