//! The supervised classifier on series whose incidents are known: it learns them, scores
//! held-out series' incident steps above their usual steps, weighs the rare class up, and
//! refuses what it cannot learn from.

use super::classifier::{ClassifierParams, LabelledSeries, SequenceClassifier};
use super::{DeepError, Series};

fn quick() -> ClassifierParams {
    ClassifierParams {
        window: 6,
        hidden: 8,
        epochs: 15,
        patience: 15,
        batch: 32,
        max_sequences: 600,
        validation_share: 0.25,
        score_stride: 2,
        seed: 5,
        ..ClassifierParams::default()
    }
}

/// `groups` series of 50 steps × 2 features (noise); in every series with an odd group id,
/// steps 20..30 are an incident: both features 3 higher.
fn data(groups: u64) -> (Vec<Vec<f64>>, Vec<Vec<bool>>) {
    let mut state = 99_u64;
    let mut noise = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for g in 0..groups {
        let incident = |t: usize| g % 2 == 1 && (20..30).contains(&t);
        values.push(
            (0..50)
                .flat_map(|t| {
                    let bump = if incident(t) { 3.0 } else { 0.0 };
                    [0.3 * noise() + bump, 0.3 * noise() + bump]
                })
                .collect(),
        );
        labels.push((0..50).map(incident).collect());
    }
    (values, labels)
}

#[test]
fn it_learns_incidents_and_scores_unseen_series_by_them() {
    let (values, labels) = data(12);
    // Train on groups 0..8, score groups 8..12 (two with an incident) it never saw.
    let train: Vec<LabelledSeries<'_>> = (0..8)
        .map(|g| LabelledSeries {
            group: g as u64,
            values: &values[g],
            positive: &labels[g],
        })
        .collect();
    let mut epochs = 0;
    let model = SequenceClassifier::fit(&train, 2, &quick(), &mut |_| {
        epochs += 1;
        true
    })
    .unwrap();
    assert!(epochs >= 1 && model.log.best_epoch >= 1);
    // Positive sequences are rare, so they weigh more: negatives / positives.
    assert!(model.positive_weight > 1.5, "{}", model.positive_weight);
    assert!(model.positive_sequences > 0 && model.positive_sequences < model.training_sequences);
    let unseen: Vec<Series<'_>> = (8..12)
        .map(|g| Series {
            group: g as u64,
            values: &values[g],
        })
        .collect();
    let scores = model.score(&unseen).unwrap();
    for (k, s) in scores.iter().enumerate() {
        assert_eq!(s.len(), 50);
        assert!(s.iter().all(|p| (0.0..=1.0).contains(p)));
        let g = 8 + k;
        let inside: f64 = s[22..28].iter().sum::<f64>() / 6.0;
        let outside: f64 = s[..12].iter().sum::<f64>() / 12.0;
        if g % 2 == 1 {
            assert!(
                inside > 0.5 && inside > outside + 0.3,
                "group {g}: {inside} vs {outside}"
            );
        } else {
            assert!(inside < 0.5, "group {g} has no incident: {inside}");
        }
    }
}

#[test]
fn nothing_to_learn_from_is_refused_with_a_reason() {
    let (values, _) = data(4);
    let none = vec![vec![false; 50]; 4];
    let series: Vec<LabelledSeries<'_>> = (0..4)
        .map(|g| LabelledSeries {
            group: g as u64,
            values: &values[g],
            positive: &none[g],
        })
        .collect();
    let err = SequenceClassifier::fit(&series, 2, &quick(), &mut |_| true).unwrap_err();
    assert!(
        matches!(err, DeepError::BadData(ref m) if m.contains("no positive")),
        "{err}"
    );
    // Labels that do not match the steps are refused too.
    let short = vec![true; 10];
    let bad = [LabelledSeries {
        group: 0,
        values: &values[0],
        positive: &short,
    }];
    assert!(SequenceClassifier::fit(&bad, 2, &quick(), &mut |_| true).is_err());
    let mut params = quick();
    params.max_positive_weight = 0.5;
    assert!(params.validate().is_err());
}
