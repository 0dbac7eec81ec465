//! Known answers for event windows, badness, labels and event metrics (by hand), and the
//! whole pipeline on freshly generated telemetry with labelled anomalies.
// Values below are exact in binary or compared with a tolerance where they are not.
#![allow(clippy::float_cmp)]

use super::features::{Baseline, WindowFeature};
use super::labels::{ScoredEvent, event_metrics, parse_labels};
use super::windows::{Unit, Window, build_windows};
use super::{EventDetectParams, detect_events, robust_threshold};
use crate::windows::WINDOW_COLUMNS;
use streamlens_engine::Filter;
use streamlens_engine::analysis::rows::Rows;
use streamlens_engine::progress::Progress;
use streamlens_engine::synth::{
    SynthParams, TELEMETRY_CSV_HEADER, generate, write_csv_batch, write_labels_csv,
};
use streamlens_engine::testutil::{SMALL, dataset};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn windows_by_hand() {
    let d = dataset(SMALL);
    let names: Vec<&str> = WINDOW_COLUMNS.iter().map(|c| c.name()).collect();
    let rows = Rows::new(&d, &Filter::default(), &names).unwrap();
    let events = build_windows(&rows).unwrap();
    assert_eq!(events.len(), 2);
    let e = &events[0];
    assert_eq!(d.label("event_id", e.event), "10");
    // Whole event, cities 5 and 6, segments (3, WFO) and (3, WFH).
    assert_eq!(e.units.len(), 5);
    assert_eq!(e.units[0].unit, Unit::All);
    let all = &e.units[0].windows;
    assert_eq!(all.len(), 2);
    // Minute of 1.7e12 + 1 s starts at 1 699 999 980 000; it holds QoE 1.0, 0.5 (viewer 100)
    // and 0.9 (viewer 101).
    let w = &all[0];
    assert_eq!(w.minute_ms, 1_699_999_980_000);
    assert_eq!((w.samples, w.viewers), (3, 2));
    assert!(close(w.qoe_mean, 0.8));
    assert!(close(w.qoe_median, 0.9));
    // numpy linear p10 of [0.5, 0.9, 1.0]: 0.5 + 0.2·0.4.
    assert!(close(w.qoe_p10, 0.58));
    assert!(close(w.bad_share, 1.0 / 3.0));
    assert!(close(w.buffer_mean, 2000.0 / 3.0));
    // p90 of [0, 0, 2000]: 0 + 0.8·2000.
    assert!(close(w.buffer_p90, 1600.0));
    assert!(close(w.engagement_mean, 1.9 / 3.0));
    assert_eq!(w.viewer_change, 0.0);
    // Next minute: only viewer 101 (QoE 0.7): viewers 2 → 1.
    let w = &all[1];
    assert_eq!((w.samples, w.viewers), (1, 1));
    assert!(close(w.qoe_mean, 0.7));
    assert!(close(w.viewer_change, -0.5));
    // Every segment's windows add up to the whole event's samples.
    let segment_samples: u32 = e
        .units
        .iter()
        .filter(|u| matches!(u.unit, Unit::Segment { .. }))
        .flat_map(|u| u.windows.iter().map(|w| w.samples))
        .sum();
    assert_eq!(segment_samples, 4);
}

fn window(qoe_mean: f64, viewers: u32) -> Window {
    Window {
        minute_ms: 0,
        samples: viewers * 2,
        viewers,
        qoe_sum: qoe_mean * f64::from(viewers * 2),
        qoe_mean,
        qoe_median: qoe_mean,
        qoe_p10: qoe_mean,
        bad_share: 0.0,
        buffer_sum: 0.0,
        buffer_mean: 0.0,
        buffer_p90: 0.0,
        engagement_mean: 0.5,
        viewer_change: 0.0,
    }
}

#[test]
fn badness_by_hand() {
    let features = [WindowFeature::QoeMean, WindowFeature::BufferMean];
    let windows = [
        window(0.9, 4),
        window(0.92, 4),
        window(0.88, 4),
        window(0.6, 4),
    ];
    let b = Baseline::of(&windows, &features).unwrap();
    // Median of 0.6, 0.88, 0.9, 0.92 is 0.89; |deviations| 0.29, 0.01, 0.01, 0.03 → MAD 0.02.
    assert!(close(b.usual[0].median, 0.89));
    assert!(close(b.usual[0].scale, 1.4826 * 0.02));
    // Buffering never moves: the floor (100 ms) is the scale.
    assert_eq!(b.usual[1].scale, 100.0);
    let bad = b.badness(&windows[3], &features);
    assert!(close(bad[0], 0.29 / (1.4826 * 0.02)));
    assert_eq!(bad[1], 0.0);
    // A minute with a quarter of the usual viewers counts √4 = 2 times less.
    let thin = b.badness(&window(0.6, 1), &features);
    assert!(close(thin[0], bad[0] / 2.0));
    // Better than usual is negative badness.
    assert!(b.badness(&window(0.99, 4), &features)[0] < 0.0);
}

#[test]
fn labels_parse_and_errors_name_row_and_column() {
    let text = "event_id,anomalous,kind,start_ms,end_ms,scope\n1,0,none,,,\n2,1,isp_outage,10,20,country_id=3&viewer_type=WFH\n";
    let labels = parse_labels("l.csv", text).unwrap();
    assert_eq!(labels.len(), 2);
    assert!(labels[1].anomalous);
    assert_eq!(labels[1].scope, "country_id=3&viewer_type=WFH");
    assert_eq!((labels[1].start_ms, labels[1].end_ms), (Some(10), Some(20)));
    let err = parse_labels("l.csv", "event_id,anomalous\n1,0\n2,maybe\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("l.csv, row 3, column `anomalous`"), "{err}");
    assert!(err.contains("maybe"), "{err}");
    let err = parse_labels("l.csv", "event,anomalous\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("`event_id` not found"), "{err}");
    let err = parse_labels("l.csv", "event_id,anomalous,start_ms\n1,1,soon\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column `start_ms`: expected unix milliseconds"),
        "{err}"
    );
}

#[test]
fn event_metrics_by_hand() {
    let labels = parse_labels(
        "l.csv",
        "event_id,anomalous,kind,start_ms,end_ms,scope\na,1,k,0,100,all\nb,0,none,,,\nc,1,k,0,100,city_id=2\nd,0,none,,,\n",
    )
    .unwrap();
    let ev = |id, score, scope, span| ScoredEvent {
        event_id: id,
        score,
        scope,
        span,
    };
    let events = [
        ev("a", 4.0, Some("all"), Some((50, 60))),
        ev("b", 3.0, None, None),
        ev("c", 2.0, Some("city_id=1"), Some((200, 300))),
        ev("d", 1.0, None, None),
        ev("z", 9.0, None, None),
    ];
    let m = event_metrics(&events, &labels, 2.5);
    assert_eq!(
        (m.labelled_events, m.anomalous_events, m.unlabelled_events),
        (4, 2, 1)
    );
    // Positive 4 beats both negatives; positive 2 beats only 1: 3 of 4 pairs.
    assert_eq!(m.roc_auc, Some(0.75));
    // Ranked a(+), b(−), c(+), d(−): AP = ½·1 + ½·⅔.
    assert!(close(m.average_precision.unwrap(), 0.5 + 1.0 / 3.0));
    assert_eq!(m.scope_hit_rate, Some(0.5));
    assert_eq!(m.span_overlap_rate, Some(0.5));
    // Above 2.5: a and b; one true of two flagged, one of two anomalous found.
    assert_eq!(m.at_threshold.flagged, 2);
    assert_eq!(
        (m.at_threshold.precision, m.at_threshold.recall),
        (Some(0.5), Some(0.5))
    );
}

#[test]
fn default_event_threshold_by_hand() {
    // Excess 0, 1, 2, 3, 100 (scores ln 1 … ln 101): median 2, MAD 1 on the excess, so
    // 2 + 2 × 1.4826 = 4.9652 of excess, ln(5.9652) as a score; only the 100 is above.
    let scores = [0.0_f64, 1.0, 2.0, 3.0, 100.0].map(f64::ln_1p);
    let t = super::default_event_threshold(scores.into_iter(), 2.0);
    assert!((t - 5.9652_f64.ln()).abs() < 1e-9, "{t}");
    assert_eq!(scores.iter().filter(|&&s| s > t).count(), 1);
}

#[test]
fn robust_threshold_by_hand() {
    // Median 3, |deviations| 2, 1, 0, 1, 97 → MAD 1.
    let t = robust_threshold(vec![1.0, 2.0, 3.0, 4.0, 100.0, f64::NAN], 2.0);
    assert!(close(t, 3.0 + 2.0 * 1.4826));
    assert_eq!(robust_threshold(Vec::new(), 2.0), f64::INFINITY);
}

/// Freshly seeded generator data: anomalous events rank above normal ones and the root cause
/// names the labelled scope for most of them.
#[test]
fn generated_anomalies_are_found_with_their_scope() {
    let params = SynthParams {
        seed: 9_191,
        events: Some(48),
        anomaly_rate: 0.25,
        ..SynthParams::default()
    };
    let mut csv = format!("{TELEMETRY_CSV_HEADER}\n").into_bytes();
    let labels = generate(&params, |batch| write_csv_batch(&mut csv, &batch)).unwrap();
    let mut label_csv = Vec::new();
    write_labels_csv(&mut label_csv, &labels).unwrap();
    let labels = parse_labels("labels.csv", std::str::from_utf8(&label_csv).unwrap()).unwrap();
    let d = dataset(std::str::from_utf8(&csv).unwrap());
    let report = detect_events(
        &d,
        &Filter::default(),
        &EventDetectParams::default(),
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(report.events.len(), 48);
    let m = report.metrics(&labels);
    assert_eq!(m.anomalous_events, 12);
    assert!(m.roc_auc.unwrap() >= 0.9, "{m:?}");
    assert!(m.scope_hit_rate.unwrap() >= 0.7, "{m:?}");
    assert!(m.span_overlap_rate.unwrap() >= 0.9, "{m:?}");
    // Root causes are sentences with the unit, the span and both QoE levels.
    let flagged = report
        .events
        .iter()
        .find(|e| e.flagged)
        .expect("something is flagged");
    let text = &flagged.root.as_ref().unwrap().text;
    assert!(
        text.contains(" UTC: QoE ") && text.contains(" usual"),
        "{text}"
    );
    assert!(m.at_threshold.precision.unwrap() >= 0.8, "{m:?}");
}

#[test]
fn filters_apply_and_empty_selection_is_an_error() {
    let d = dataset(SMALL);
    let mut filter = Filter::default();
    filter.toggle("event_id", "20");
    let report =
        detect_events(&d, &filter, &EventDetectParams::default(), &Progress::new()).unwrap();
    assert_eq!(report.events.len(), 1);
    assert_eq!(report.events[0].event_id, "20");
    filter.time_from_ms = Some(i64::MAX - 1);
    let err =
        detect_events(&d, &filter, &EventDetectParams::default(), &Progress::new()).unwrap_err();
    assert!(
        err.to_string().contains("no rows pass the filters"),
        "{err}"
    );
    let cancelled = detect_events(&d, &Filter::default(), &EventDetectParams::default(), &{
        let p = Progress::new();
        p.cancel();
        p
    })
    .unwrap_err();
    assert_eq!(cancelled.to_string(), "cancelled");
}

#[test]
fn window_features_can_be_picked_and_missing_columns_are_named() {
    use super::chosen_features;
    let all = WindowFeature::ALL.to_vec();
    let qoe_only = [
        WindowFeature::QoeMean,
        WindowFeature::QoeP10,
        WindowFeature::BadShare,
    ];
    // Requests come back in the detector's order.
    let picked = chosen_features(
        &all,
        Some(&[WindowFeature::BufferP90, WindowFeature::QoeMean]),
    )
    .unwrap();
    assert_eq!(
        picked,
        vec![WindowFeature::QoeMean, WindowFeature::BufferP90]
    );
    assert_eq!(chosen_features(&qoe_only, None).unwrap(), qoe_only.to_vec());
    let e = chosen_features(&qoe_only, Some(&[WindowFeature::BufferMean]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("buffer_mean needs a buffer_ms column"), "{e}");
    let e = chosen_features(&qoe_only, Some(&[WindowFeature::EngagementMean]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("engagement column"), "{e}");
    assert!(chosen_features(&all, Some(&[])).is_err());
    // A run on fewer features uses exactly those.
    let d = dataset(SMALL);
    let params = EventDetectParams {
        features: Some(vec![WindowFeature::QoeP10]),
        ..EventDetectParams::default()
    };
    let report = detect_events(&d, &Filter::default(), &params, &Progress::new()).unwrap();
    assert_eq!(report.features, vec![WindowFeature::QoeP10]);
}

/// Fitting only on events the labels mark normal: the anomalous events still rank on top,
/// fewer windows train, and labels that name no selected event are refused.
#[test]
fn detectors_can_fit_on_events_labelled_normal() {
    use super::{EventRun, run_events};
    let params = SynthParams {
        seed: 4_242,
        events: Some(40),
        anomaly_rate: 0.25,
        ..SynthParams::default()
    };
    let mut csv = format!("{TELEMETRY_CSV_HEADER}\n").into_bytes();
    let labels = generate(&params, |batch| write_csv_batch(&mut csv, &batch)).unwrap();
    let mut label_csv = Vec::new();
    write_labels_csv(&mut label_csv, &labels).unwrap();
    let labels = parse_labels("labels.csv", std::str::from_utf8(&label_csv).unwrap()).unwrap();
    let d = dataset(std::str::from_utf8(&csv).unwrap());
    let normal = super::labels::normal_event_ids(&labels);
    let event_params = EventDetectParams::default();
    let run = |normal_events: Option<&[String]>| {
        run_events(
            &d,
            &Filter::default(),
            &EventRun {
                params: &event_params,
                saved: None,
                maps: false,
                normal_events,
                training: None,
                labels: None,
            },
            &Progress::new(),
        )
    };
    let all = run(None).unwrap().report;
    let on_normal = run(Some(&normal)).unwrap().report;
    let m = on_normal.metrics(&labels);
    assert!(m.roc_auc.unwrap() >= 0.9, "{m:?}");
    // The event level trains on fewer windows when the anomalous events are left out.
    assert!(
        on_normal.levels[0].training_windows < all.levels[0].training_windows,
        "{:?} vs {:?}",
        on_normal.levels[0],
        all.levels[0]
    );
    let e = run(Some(&["no-such-event".to_string()]))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("none of the selected events is labelled normal"),
        "{e}"
    );
}
