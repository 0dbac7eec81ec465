//! Tests of the export shape: one timeline across events, the export's value sets, and the
//! labels still describing exactly the events written.

use std::collections::HashSet;
use std::convert::Infallible;

use super::*;

fn export(events: usize) -> (TelemetryBatch, Vec<SynthLabel>) {
    let params = SynthParams {
        seed: 11,
        events: Some(events),
        shape: Shape::Export,
        ..SynthParams::default()
    };
    let mut all = TelemetryBatch::default();
    let labels = generate(&params, |b| {
        all.append(&b);
        Ok::<(), Infallible>(())
    })
    .unwrap();
    (all, labels)
}

#[test]
fn rows_are_one_timeline_with_events_interleaved() {
    // 80 events: one full business day of 71 and the start of the next.
    let (rows, labels) = export(80);
    assert_eq!(labels.len(), 80);
    assert!(rows.timestamp.windows(2).all(|w| w[0] <= w[1]));
    let written: HashSet<u32> = rows.event_id.iter().copied().collect();
    let labelled: HashSet<u32> = labels.iter().map(|l| l.event_id).collect();
    assert_eq!(written, labelled);
    // Interleaved: the event changes from one row to the next far more often than there
    // are events (written event by event it would change 79 times).
    let switches = rows.event_id.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(switches > 100 * labels.len(), "{switches} switches");
}

#[test]
fn values_have_the_export_sets() {
    let (rows, _) = export(30);
    let levels: HashSet<u32> = rows.engagement.iter().map(|e| e.to_bits()).collect();
    let expected: HashSet<u32> = [0.0_f32, 0.3, 0.7, 1.0]
        .iter()
        .map(|e| e.to_bits())
        .collect();
    assert!(
        levels.is_subset(&expected) && levels.len() >= 3,
        "{levels:?}"
    );
    assert!(rows.buffer_ms.iter().all(|b| b % 6 == 0 && *b <= 30_000));
    assert!(rows.country_id.iter().all(|c| (1..=9).contains(c)));
    assert!(rows.city_id.iter().all(|c| (1..=29).contains(c)));
    assert!(rows.customer_id.iter().all(|c| (1..=177).contains(c)));
    // Continuous QoE: written with 6 decimals, far more distinct values than 3 decimals allow.
    let mut text = Vec::new();
    write_csv_batch_shaped(&mut text, &rows, Shape::Export).unwrap();
    let first = String::from_utf8(text).unwrap();
    let qoe = first.lines().next().unwrap().split(',').nth(7).unwrap();
    assert_eq!(qoe.split('.').nth(1).map(str::len), Some(6), "{qoe}");
    let distinct: HashSet<u32> = rows.qoe.iter().map(|q| q.to_bits()).collect();
    assert!(
        distinct.len() > 20 * 1_001,
        "{} of {}",
        distinct.len(),
        rows.len()
    );
}

#[test]
fn a_row_budget_stops_mid_day_and_keeps_events_whole() {
    let params = SynthParams {
        seed: 3,
        events: None,
        rows: Some(50_000),
        shape: Shape::Export,
        ..SynthParams::default()
    };
    let mut per_event = std::collections::HashMap::new();
    let mut total = 0;
    let labels = generate(&params, |b| {
        total += b.len();
        for e in &b.event_id {
            *per_event.entry(*e).or_insert(0_usize) += 1;
        }
        Ok::<(), Infallible>(())
    })
    .unwrap();
    assert!(total >= 50_000);
    assert!(
        labels.len() < 71,
        "stops before the day ends: {}",
        labels.len()
    );
    assert_eq!(per_event.len(), labels.len());
}
