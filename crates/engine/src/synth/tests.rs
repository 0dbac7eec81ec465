//! Tests of the generator: determinism, value ranges, schedule, audience, labels, and that every
//! injected anomaly is visible in the data it labels.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;

use super::event::is_anomalous;
use super::*;

fn collect(params: &SynthParams) -> (Vec<TelemetryBatch>, Vec<SynthLabel>) {
    let mut batches = Vec::new();
    let labels = generate(params, |b| {
        batches.push(b);
        Ok::<(), Infallible>(())
    })
    .unwrap();
    (batches, labels)
}

fn params(seed: u64, events: usize, anomaly_rate: f64) -> SynthParams {
    SynthParams {
        seed,
        events: Some(events),
        anomaly_rate,
        ..SynthParams::default()
    }
}

fn csv_bytes(params: &SynthParams) -> Vec<u8> {
    let mut out = Vec::new();
    let labels = generate(params, |b| write_csv_batch(&mut out, &b)).unwrap();
    write_labels_csv(&mut out, &labels).unwrap();
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = csv_bytes(&params(7, 5, 0.5));
    let b = csv_bytes(&params(7, 5, 0.5));
    let c = csv_bytes(&params(8, 5, 0.5));
    assert!(!a.is_empty());
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn values_are_in_range_and_viewers_sample_every_30_s() {
    let (batches, _) = collect(&params(3, 16, 0.5));
    let mut wfo_rows = 0;
    let mut rows = 0;
    for batch in &batches {
        assert!(!batch.is_empty());
        let mut last_seen: HashMap<u32, i64> = HashMap::new();
        for i in 0..batch.len() {
            assert!((0.0..=1.0).contains(&batch.qoe[i]), "qoe {}", batch.qoe[i]);
            assert!((0.0..=1.0).contains(&batch.engagement[i]));
            assert!(batch.buffer_ms[i] <= 30_000);
            if i > 0 {
                assert!(
                    batch.timestamp[i - 1] <= batch.timestamp[i],
                    "sorted by time"
                );
            }
            if let Some(prev) = last_seen.insert(batch.viewer_id[i], batch.timestamp[i]) {
                let gap = batch.timestamp[i] - prev;
                assert!((20_000..=40_000).contains(&gap), "gap {gap} ms");
            }
        }
        wfo_rows += batch.viewer_type_wfh.iter().filter(|&&w| !w).count();
        rows += batch.len();
    }
    let wfo_share = wfo_rows as f64 / rows as f64;
    assert!((0.55..=0.85).contains(&wfo_share), "WFO share {wfo_share}");
    let mut text = Vec::new();
    write_csv_batch(&mut text, &batches[0]).unwrap();
    let text = String::from_utf8(text).unwrap();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), TELEMETRY_CSV_HEADER.split(',').count());
        assert!(fields[6] == "WFH" || fields[6] == "WFO");
        assert_eq!(fields[7].split('.').nth(1).map(str::len), Some(3), "{line}");
    }
}

#[test]
fn events_run_30_min_to_3_h_in_business_hours_with_20_to_5000_viewers() {
    let (batches, _) = collect(&params(11, 24, 0.25));
    let mut weekday_events = 0;
    for batch in &batches {
        let first = batch.timestamp[0];
        let span_min = (batch.timestamp[batch.len() - 1] - first) / 60_000;
        assert!((20..=180).contains(&span_min), "span {span_min} min");
        let minute_of_day = (first - DEFAULT_START_MS).rem_euclid(86_400_000) / 60_000;
        assert!(
            (7 * 60..=16 * 60).contains(&minute_of_day),
            "starts {minute_of_day}"
        );
        let day = (first - DEFAULT_START_MS).div_euclid(86_400_000);
        weekday_events += usize::from(day % 7 < 5);
        let viewers: HashSet<u32> = batch.viewer_id.iter().copied().collect();
        assert!((20..=5_000).contains(&viewers.len()));
        assert!(batch.customer_id.iter().all(|&c| c == batch.customer_id[0]));
    }
    assert!(weekday_events >= 20, "{weekday_events} of 24 on weekdays");
    let ids: HashSet<u32> = batches.iter().map(|b| b.event_id[0]).collect();
    assert_eq!(ids.len(), batches.len(), "event ids are unique");
}

#[test]
fn ids_are_consistent_across_events() {
    let (batches, _) = collect(&params(5, 30, 0.25));
    let mut viewer_customer = HashMap::new();
    let mut city_country = HashMap::new();
    let mut repeat_viewers = 0;
    for batch in &batches {
        let mut seen_in_event = HashSet::new();
        for i in 0..batch.len() {
            let customer = *viewer_customer
                .entry(batch.viewer_id[i])
                .or_insert(batch.customer_id[i]);
            assert_eq!(
                customer, batch.customer_id[i],
                "viewer ids belong to one customer"
            );
            let country = *city_country
                .entry(batch.city_id[i])
                .or_insert(batch.country_id[i]);
            assert_eq!(country, batch.country_id[i], "a city lies in one country");
            seen_in_event.insert(batch.viewer_id[i]);
        }
        repeat_viewers += seen_in_event.len();
    }
    assert!(
        repeat_viewers > viewer_customer.len(),
        "some viewers attend several events"
    );
}

#[test]
fn anomalous_share_tracks_the_rate() {
    for rate in [0.0, 0.1, 0.25, 0.5, 1.0] {
        for seed in [1, 42] {
            let count = (0..1000).filter(|&i| is_anomalous(seed, i, rate)).count();
            let share = count as f64 / 1000.0;
            assert!((share - rate).abs() <= 0.01, "rate {rate}: share {share}");
        }
    }
    let (_, labels) = collect(&params(9, 40, 0.25));
    let anomalous = labels.iter().filter(|l| l.anomalous).count();
    assert!((8..=12).contains(&anomalous), "{anomalous} of 40");
}

#[test]
fn labels_describe_every_event_and_parse() {
    let (batches, labels) = collect(&params(13, 20, 0.5));
    assert_eq!(labels.len(), batches.len());
    for (batch, label) in batches.iter().zip(&labels) {
        assert_eq!(label.event_id, batch.event_id[0]);
        if label.anomalous {
            let kind = AnomalyKind::parse(&label.kind);
            assert!(kind.is_some(), "kind {}", label.kind);
            let scope = AnomalyScope::parse(&label.scope);
            assert!(scope.is_some(), "scope {}", label.scope);
            assert_eq!(scope.unwrap().to_string(), label.scope);
            let (start, end) = (label.start_ms.unwrap(), label.end_ms.unwrap());
            assert!(batch.timestamp[0] < start && start < end);
            assert!(end <= batch.timestamp[batch.len() - 1]);
        } else {
            assert_eq!(label.kind, "none");
            assert_eq!((label.start_ms, label.end_ms), (None, None));
            assert!(label.scope.is_empty());
        }
    }
    let mut text = Vec::new();
    write_labels_csv(&mut text, &labels).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert_eq!(text.lines().next(), Some(LABELS_CSV_HEADER));
    assert_eq!(text.lines().count(), labels.len() + 1);
    assert!(text.contains(",0,none,,,\n"));
}

#[test]
fn scope_text_round_trips() {
    for scope in [
        AnomalyScope::All,
        AnomalyScope::City(12),
        AnomalyScope::CountryHomeWorkers(3),
    ] {
        assert_eq!(AnomalyScope::parse(&scope.to_string()), Some(scope));
    }
    assert_eq!(
        AnomalyScope::parse("country_id=3&viewer_type=WFH"),
        Some(AnomalyScope::CountryHomeWorkers(3))
    );
    for bad in [
        "",
        "city_id=",
        "city_id=x",
        "country_id=3",
        "ALL",
        "city_id=1&x",
    ] {
        assert_eq!(AnomalyScope::parse(bad), None, "{bad}");
    }
}

/// Known answer from the data itself: inside scope and span, `QoE` is clearly lower and buffering
/// higher than in the rest of the event; engagement in scope is lower from the start of the
/// span until 10 minutes after it than before it (per anomaly when it touches enough rows, and
/// pooled over all anomalies).
#[test]
fn every_anomaly_is_visible_in_its_scope_and_span() {
    let (batches, labels) = collect(&params(21, 16, 1.0));
    let mut kinds = HashSet::new();
    let mut pooled_engagement = [(0.0_f64, 0_usize); 2];
    for (batch, label) in batches.iter().zip(&labels) {
        assert!(label.anomalous);
        kinds.insert(label.kind.clone());
        let scope = AnomalyScope::parse(&label.scope).unwrap();
        let (start, end) = (label.start_ms.unwrap(), label.end_ms.unwrap());
        let mut inside = (0.0_f64, 0.0_f64, 0_usize);
        let mut outside = (0.0_f64, 0.0_f64, 0_usize);
        let mut engagement_in_scope = [(0.0_f64, 0_usize); 2];
        for i in 0..batch.len() {
            let t = batch.timestamp[i];
            let in_scope = scope.contains(
                batch.city_id[i],
                batch.country_id[i],
                batch.viewer_type_wfh[i],
            );
            let acc = if in_scope && (start..=end).contains(&t) {
                &mut inside
            } else {
                &mut outside
            };
            acc.0 += f64::from(batch.qoe[i]);
            acc.1 += f64::from(batch.buffer_ms[i]);
            acc.2 += 1;
            if in_scope && t <= end + 600_000 {
                let e = &mut engagement_in_scope[usize::from(t >= start)];
                e.0 += f64::from(batch.engagement[i]);
                e.1 += 1;
            }
        }
        assert!(inside.2 > 0, "{label:?} touches rows");
        let mean = |a: (f64, f64, usize)| (a.0 / a.2 as f64, a.1 / a.2 as f64);
        let (qoe_in, buffer_in) = mean(inside);
        let (qoe_out, buffer_out) = mean(outside);
        assert!(
            qoe_in < qoe_out - 0.05,
            "{label:?}: qoe {qoe_in:.3} vs {qoe_out:.3}"
        );
        assert!(
            qoe_in > 0.2,
            "{label:?}: not absurdly extreme ({qoe_in:.3})"
        );
        assert!(
            buffer_in > buffer_out * 2.0,
            "{label:?}: buffer {buffer_in} vs {buffer_out}"
        );
        let [before, after] = engagement_in_scope.map(|(s, n)| s / n.max(1) as f64);
        if engagement_in_scope[1].1 >= 300 {
            assert!(
                after < before,
                "{label:?}: engagement {after:.3} vs {before:.3}"
            );
        }
        for (pooled, (sum, n)) in pooled_engagement.iter_mut().zip(engagement_in_scope) {
            pooled.0 += sum;
            pooled.1 += n;
        }
    }
    let [before, after] = pooled_engagement.map(|(s, n)| s / n as f64);
    assert!(
        after < before - 0.05,
        "engagement {after:.3} vs {before:.3}"
    );
    assert_eq!(
        kinds.len(),
        AnomalyKind::ALL.len(),
        "all kinds appear: {kinds:?}"
    );
}

#[test]
fn row_budget_stops_after_the_crossing_event() {
    let target = 40_000;
    let p = SynthParams {
        rows: Some(target),
        events: Some(1),
        ..SynthParams::default()
    };
    let (batches, labels) = collect(&p);
    let total: usize = batches.iter().map(TelemetryBatch::len).sum();
    let before_last = total - batches.last().map_or(0, TelemetryBatch::len);
    assert!(
        total >= target && before_last < target,
        "{before_last} < {target} ≤ {total}"
    );
    assert_eq!(labels.len(), batches.len());
}

#[test]
fn emit_error_stops_generation() {
    let mut calls = 0;
    let result = generate(&params(1, 10, 0.25), |_| {
        calls += 1;
        if calls == 2 { Err("disk full") } else { Ok(()) }
    });
    assert_eq!(result, Err("disk full"));
    assert_eq!(calls, 2);
}

#[test]
fn frame_matches_the_csv_header_and_types() {
    use polars::prelude::DataType;
    assert_eq!(TELEMETRY_COLUMNS.join(","), TELEMETRY_CSV_HEADER);
    let (batches, _) = collect(&params(2, 2, 0.0));
    let mut all = TelemetryBatch::default();
    for b in &batches {
        all.append(b);
    }
    let rows = all.len();
    let first_qoe = all.qoe[0];
    let df = telemetry_frame(all).unwrap();
    assert_eq!(df.height(), rows);
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(names, TELEMETRY_COLUMNS);
    let dtypes = df.dtypes();
    assert_eq!(dtypes[0], DataType::Int64);
    assert_eq!(dtypes[3], DataType::UInt32);
    assert_eq!(dtypes[6], DataType::String);
    assert_eq!(dtypes[7], DataType::Float64);
    assert_eq!(dtypes[9], DataType::Int64);
    let qoe = df.column("qoe").unwrap().f64().unwrap().get(0).unwrap();
    assert!((qoe - f64::from(first_qoe)).abs() <= 0.0005 + 1e-9);
}
