use proptest::prelude::*;

use super::sequences::starts;
use super::{AutoencoderParams, DeepError, SearchSpace, SequenceAutoencoder, Series};

/// A small, quick setting for tests.
fn quick() -> AutoencoderParams {
    AutoencoderParams {
        window: 6,
        code: 2,
        epochs: 12,
        patience: 12,
        batch: 32,
        max_sequences: 400,
        trim: 0.1,
        validation_share: 0.25,
        score_stride: 2,
        search: SearchSpace {
            hidden: vec![8],
            learning_rate: vec![1e-2],
        },
        seed: 3,
    }
}

/// `groups` series of 60 steps × 3 features: a slow wave with seeded noise; series 0 has an
/// incident (every feature 4 higher) on steps 30..40.
fn data(groups: u64) -> Vec<Vec<f64>> {
    let mut state = 12_345_u64;
    let mut noise = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    (0..groups)
        .map(|g| {
            (0..60)
                .flat_map(|t| {
                    let wave = (f64::from(t) / 6.0).sin();
                    let bump = if g == 0 && (30..40).contains(&t) {
                        4.0
                    } else {
                        0.0
                    };
                    [
                        wave + 0.2 * noise() + bump,
                        0.5 * wave + 0.2 * noise() + bump,
                        0.2 * noise() + bump,
                    ]
                })
                .collect()
        })
        .collect()
}

fn series(values: &[Vec<f64>]) -> Vec<Series<'_>> {
    values
        .iter()
        .enumerate()
        .map(|(g, v)| Series {
            group: g as u64,
            values: v,
        })
        .collect()
}

#[test]
fn an_incident_scores_far_above_usual_steps() {
    let values = data(12);
    let s = series(&values);
    let model = SequenceAutoencoder::fit(&s, 3, &quick(), &mut |_| true).unwrap();
    let scores = model.score(&s[..1]).unwrap();
    let incident: f64 = scores[0][32..38].iter().sum::<f64>() / 6.0;
    let usual: Vec<f64> = scores[0][..25].to_vec();
    let usual_max = usual.iter().copied().fold(0.0, f64::max);
    assert!(
        incident > 5.0 * usual_max,
        "incident {incident} vs usual max {usual_max}"
    );
}

#[test]
fn training_is_reproducible_and_the_saved_model_scores_alike() {
    let values = data(8);
    let s = series(&values);
    let a = SequenceAutoencoder::fit(&s, 3, &quick(), &mut |_| true).unwrap();
    let b = SequenceAutoencoder::fit(&s, 3, &quick(), &mut |_| true).unwrap();
    assert_eq!(a, b);
    let text = serde_json::to_string(&a).unwrap();
    let loaded: SequenceAutoencoder = serde_json::from_str(&text).unwrap();
    loaded.validate().unwrap();
    assert_eq!(a.score(&s).unwrap(), loaded.score(&s).unwrap());
    let log = &a.log;
    assert_eq!(log.training_groups + log.validation_groups, 8);
    assert_eq!(log.validation_groups, 2);
    assert_eq!(log.candidates[0].train_loss.len(), 12);
}

#[test]
fn the_search_keeps_the_lowest_validation_loss_and_stops_early() {
    let values = data(8);
    let s = series(&values);
    let params = AutoencoderParams {
        patience: 2,
        epochs: 40,
        search: SearchSpace {
            hidden: vec![4, 8],
            learning_rate: vec![1e-4, 1e-2],
        },
        ..quick()
    };
    let mut seen = 0;
    let model = SequenceAutoencoder::fit(&s, 3, &params, &mut |_| {
        seen += 1;
        true
    })
    .unwrap();
    let log = &model.log;
    assert_eq!(log.candidates.len(), 4);
    let best = log.candidates[log.chosen].best_validation_loss();
    for c in &log.candidates {
        assert!(best <= c.best_validation_loss());
        // Stopped `patience` epochs after the best one, or at the last epoch.
        let ran = c.validation_loss.len();
        assert!(
            ran == 40 || ran == c.best_epoch + 2,
            "{ran} epochs, best {}",
            c.best_epoch
        );
        let lowest = c
            .validation_loss
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        assert!((c.best_validation_loss() - lowest).abs() < 1e-12);
    }
    assert_eq!(
        seen,
        log.candidates
            .iter()
            .map(|c| c.train_loss.len())
            .sum::<usize>()
    );
    assert_eq!(model.hidden, log.candidates[log.chosen].hidden);
}

#[test]
fn cancelling_stops_training() {
    let values = data(6);
    let s = series(&values);
    let err = SequenceAutoencoder::fit(&s, 3, &quick(), &mut |r| r.epoch < 2).unwrap_err();
    assert!(matches!(err, DeepError::Cancelled));
}

#[test]
fn bad_inputs_are_refused_with_a_reason() {
    let values = data(1);
    let one_group = series(&values);
    let err = SequenceAutoencoder::fit(&one_group, 3, &quick(), &mut |_| true).unwrap_err();
    assert!(err.to_string().contains("at least 2 groups"), "{err}");
    let ragged = [Series {
        group: 0,
        values: &[1.0, 2.0],
    }];
    let err = SequenceAutoencoder::fit(&ragged, 3, &quick(), &mut |_| true).unwrap_err();
    assert!(err.to_string().contains("whole number"), "{err}");
    let bad = AutoencoderParams {
        score_stride: 0,
        ..quick()
    };
    assert!(SequenceAutoencoder::fit(&one_group, 3, &bad, &mut |_| true).is_err());
}

#[test]
fn missing_values_and_short_series_still_score() {
    let mut values = data(6);
    values[1][10] = f64::NAN;
    values[2][4] = f64::INFINITY;
    let s = series(&values);
    let model = SequenceAutoencoder::fit(&s, 3, &quick(), &mut |_| true).unwrap();
    let short = [Series {
        group: 9,
        values: &values[3][..9],
    }];
    let scores = model.score(&short).unwrap();
    assert_eq!(scores[0].len(), 3);
    assert!(scores[0].iter().all(|v| v.is_finite()));
    assert!(
        model
            .score(&s)
            .unwrap()
            .iter()
            .flatten()
            .all(|v| v.is_finite())
    );
}

#[test]
fn a_tampered_model_is_refused() {
    let values = data(6);
    let s = series(&values);
    let model = SequenceAutoencoder::fit(&s, 3, &quick(), &mut |_| true).unwrap();
    let mut wrong = model.clone();
    wrong.weights[0].values.pop();
    assert!(matches!(wrong.validate(), Err(DeepError::BadModel(_))));
    let mut wrong = model.clone();
    wrong.weights[1].values[0] = f32::NAN;
    assert!(matches!(wrong.validate(), Err(DeepError::BadModel(_))));
    let mut wrong = model;
    wrong.scaler.scale[0] = 0.0;
    assert!(matches!(wrong.validate(), Err(DeepError::BadModel(_))));
}

proptest! {
    #[test]
    fn sequences_cover_every_step_and_stay_inside(len in 1usize..300, window in 2usize..30, stride in 1usize..30) {
        let stride = stride.min(window);
        let s = starts(len, window, stride);
        let mut covered = vec![false; len];
        for &start in &s {
            prop_assert!(start + window <= len.max(window));
            for c in &mut covered[start..(start + window).min(len)] {
                *c = true;
            }
        }
        prop_assert!(covered.iter().all(|&c| c));
        prop_assert!(s.windows(2).all(|w| w[0] < w[1]));
    }
}
