//! The generator's subtle mode: the same events and kinds as the default mode, shorter and
//! shallower anomalies, and benign dips that leave the labels alone.

use std::convert::Infallible;

use super::*;

fn run(subtle: bool) -> (Vec<TelemetryBatch>, Vec<SynthLabel>) {
    let params = SynthParams {
        seed: 21,
        events: Some(24),
        anomaly_rate: 0.5,
        subtle,
        ..SynthParams::default()
    };
    let mut batches = Vec::new();
    let labels = generate(&params, |b| {
        batches.push(b);
        Ok::<(), Infallible>(())
    })
    .unwrap();
    (batches, labels)
}

fn mean_qoe_in_scope(batch: &TelemetryBatch, label: &SynthLabel) -> (f64, f64) {
    let scope = AnomalyScope::parse(&label.scope).unwrap();
    let (start, end) = (label.start_ms.unwrap(), label.end_ms.unwrap());
    let (mut inside, mut outside) = ((0.0, 0), (0.0, 0));
    for r in 0..batch.len() {
        let in_scope = scope.contains(
            batch.city_id[r],
            batch.country_id[r],
            batch.viewer_type_wfh[r],
        );
        if !in_scope {
            continue;
        }
        let slot = if (start + 60_000..=end).contains(&batch.timestamp[r]) {
            &mut inside
        } else {
            &mut outside
        };
        slot.0 += f64::from(batch.qoe[r]);
        slot.1 += 1;
    }
    (
        inside.0 / f64::from(inside.1.max(1)),
        outside.0 / f64::from(outside.1.max(1)),
    )
}

#[test]
fn subtle_anomalies_are_short_and_shallow_and_the_labels_keep_their_events() {
    let (plain_batches, plain) = run(false);
    let (subtle_batches, subtle) = run(true);
    assert_eq!(plain.len(), subtle.len());
    let mut drops = Vec::new();
    for (p, (s, batch)) in plain.iter().zip(subtle.iter().zip(&subtle_batches)) {
        assert_eq!((p.event_id, p.anomalous), (s.event_id, s.anomalous));
        if !s.anomalous {
            assert!(s.start_ms.is_none() && s.scope.is_empty());
            continue;
        }
        let minutes = (s.end_ms.unwrap() - s.start_ms.unwrap()) as f64 / 60_000.0;
        let longest = if s.kind == "slow_degradation" {
            20.0
        } else {
            10.0
        };
        assert!(
            minutes <= longest + 0.1,
            "{} lasts {minutes} min",
            s.event_id
        );
        let (inside, outside) = mean_qoe_in_scope(batch, s);
        if s.kind != "slow_degradation" {
            drops.push(outside - inside);
        }
    }
    // Amplitudes 0.03–0.10 times susceptibility 0.5–1.5: a visible but small mean drop.
    assert!(!drops.is_empty());
    for d in &drops {
        assert!((0.0..0.2).contains(d), "QoE drop {d}");
    }
    // The default mode's anomalies are deeper.
    let plain_drop: f64 = plain
        .iter()
        .zip(&plain_batches)
        .filter(|(l, _)| l.anomalous && l.kind != "slow_degradation")
        .map(|(l, b)| {
            let (i, o) = mean_qoe_in_scope(b, l);
            o - i
        })
        .sum::<f64>();
    assert!(plain_drop > drops.iter().sum::<f64>());
}

#[test]
fn benign_dips_thin_the_audience_without_a_label() {
    let (plain_batches, _) = run(false);
    let (subtle_batches, _) = run(true);
    let rows = |b: &[TelemetryBatch]| b.iter().map(TelemetryBatch::len).sum::<usize>();
    // Paused viewers send no samples during a dip: fewer rows overall in subtle mode.
    assert!(rows(&subtle_batches) < rows(&plain_batches));
}
