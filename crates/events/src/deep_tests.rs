//! The deep window scorer end to end on generator data: it finds injected anomalies, its
//! saved model scores other data the same way, and Cancel stops its training.

use super::deep::TrainingTrace;
use super::labels::parse_labels;
use super::saved::EventModel;
use super::{EventDetectParams, EventRun, run_events};
use streamlens_deep::{AutoencoderParams, SearchSpace};
use streamlens_engine::Filter;
use streamlens_engine::dataset::Dataset;
use streamlens_engine::progress::Progress;
use streamlens_engine::synth::{
    SynthParams, TELEMETRY_CSV_HEADER, generate, write_csv_batch, write_labels_csv,
};
use streamlens_engine::testutil::dataset;

/// Quick training for a debug build: one candidate, few epochs.
fn deep_params() -> EventDetectParams {
    let mut params = EventDetectParams::default();
    params.score.deep = Some(AutoencoderParams {
        epochs: 6,
        max_sequences: 600,
        search: SearchSpace {
            hidden: vec![8],
            learning_rate: vec![1e-2],
        },
        ..AutoencoderParams::default()
    });
    params
}

fn generated(seed: u64, events: usize) -> (Dataset, String) {
    let params = SynthParams {
        seed,
        events: Some(events),
        anomaly_rate: 0.25,
        ..SynthParams::default()
    };
    let mut csv = format!("{TELEMETRY_CSV_HEADER}\n").into_bytes();
    let labels = generate(&params, |batch| write_csv_batch(&mut csv, &batch)).unwrap();
    let mut label_csv = Vec::new();
    write_labels_csv(&mut label_csv, &labels).unwrap();
    (
        dataset(std::str::from_utf8(&csv).unwrap()),
        String::from_utf8(label_csv).unwrap(),
    )
}

fn run(
    d: &Dataset,
    params: &EventDetectParams,
    saved: Option<&EventModel>,
    training: Option<&TrainingTrace>,
) -> super::EventOutput {
    let run = EventRun {
        params,
        saved,
        maps: false,
        normal_events: None,
        training,
        labels: None,
    };
    run_events(d, &Filter::default(), &run, &Progress::new()).unwrap()
}

#[test]
fn the_deep_scorer_ranks_injected_anomalies_first_and_its_saved_model_agrees() {
    let (d, label_text) = generated(9_191, 40);
    let labels = parse_labels("labels.csv", &label_text).unwrap();
    let params = deep_params();
    let trace = TrainingTrace::default();
    let out = run(&d, &params, None, Some(&trace));
    let m = out.report.metrics(&labels);
    assert_eq!(m.anomalous_events, 10);
    assert!(m.roc_auc.unwrap() >= 0.85, "{m:?}");
    assert!(m.scope_hit_rate.unwrap() >= 0.5, "{m:?}");
    // Every level trained on events it did not validate on, and logged its loss curve.
    for model in out.model.deep.iter().flatten() {
        let log = &model.log;
        assert!(log.training_groups > 0 && log.validation_groups > 0);
        let chosen = &log.candidates[log.chosen];
        assert!(chosen.best_epoch >= 1);
        assert!(chosen.validation_loss.iter().all(|l| l.is_finite()));
    }
    // The live trace heard every epoch the logs kept, level by level, with the same losses.
    let heard = trace.snapshot();
    for (level, model) in out.model.deep.iter().enumerate() {
        let traced: Vec<f64> = heard
            .iter()
            .filter(|e| e.level == level)
            .map(|e| e.report.validation_loss)
            .collect();
        let logged: Vec<f64> = model.as_ref().map_or_else(Vec::new, |m| {
            m.log
                .candidates
                .iter()
                .flat_map(|c| c.validation_loss.iter().copied())
                .collect()
        });
        assert_eq!(traced, logged, "level {level}");
    }
    assert!(out.report.levels.iter().any(|l| l.windows_scored > 0));

    // Saved and loaded, the model scores the same data identically without training.
    let text = out.model.to_json().unwrap();
    let loaded = EventModel::from_json("model.json", &text).unwrap();
    let again = run(&d, &params, Some(&loaded), None);
    let scores = |r: &super::EventReport| r.events.iter().map(|e| e.score).collect::<Vec<_>>();
    assert_eq!(scores(&out.report), scores(&again.report));
    assert!(again.report.levels.iter().all(|l| l.training_windows == 0));

    // A saved deep model whose weights were tampered with is refused with a reason.
    let tampered = text.replacen("\"values\":[", "\"values\":[1e999,", 1);
    let err = EventModel::from_json("model.json", &tampered).unwrap_err();
    assert!(err.to_string().contains("model.json"), "{err}");
}

#[test]
fn cancel_stops_deep_training() {
    let (d, _) = generated(5, 12);
    let params = deep_params();
    let progress = Progress::new();
    let run = EventRun {
        params: &params,
        saved: None,
        maps: false,
        normal_events: None,
        training: None,
        labels: None,
    };
    // Cancel as soon as training reports its first epoch, as the window's Cancel would.
    let done = std::sync::atomic::AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if progress.stage().starts_with("training the deep model") {
                    progress.cancel();
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
        let result = run_events(&d, &Filter::default(), &run, &progress);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        result
    });
    let err = result.err().unwrap();
    assert_eq!(err.to_string(), "cancelled");
}

#[test]
fn the_supervised_classifier_scores_events_it_did_not_train_on() {
    use super::supervised::{DECISION, window_labels};
    use super::windows::Unit;
    use streamlens_deep::ClassifierParams;
    let (d, label_text) = generated(9_191, 40);
    let labels = parse_labels("labels.csv", &label_text).unwrap();
    let mut params = EventDetectParams::default();
    params.score.supervised = Some(ClassifierParams {
        epochs: 6,
        max_sequences: 800,
        ..ClassifierParams::default()
    });
    // Without labels it says what it needs.
    let unlabelled = EventRun {
        params: &params,
        saved: None,
        maps: false,
        normal_events: None,
        training: None,
        labels: None,
    };
    let err = run_events(&d, &Filter::default(), &unlabelled, &Progress::new()).err();
    assert!(matches!(err, Some(super::EventDetectError::NeedsLabels)));

    let trace = TrainingTrace::default();
    let run = EventRun {
        labels: Some(&labels),
        training: Some(&trace),
        ..unlabelled
    };
    let out = run_events(&d, &Filter::default(), &run, &Progress::new()).unwrap();
    let m = out.report.metrics(&labels);
    assert!(m.roc_auc.unwrap() >= 0.85, "{m:?}");
    // Scores are probabilities and the default threshold is the classifier's decision point.
    assert!(
        out.report
            .events
            .iter()
            .all(|e| e.score.is_nan() || (0.0..=1.0).contains(&e.score))
    );
    assert!((out.report.threshold - DECISION).abs() < 1e-12);
    // Every fold of every scored level trained (five folds' epochs in the trace).
    let folds: std::collections::BTreeSet<usize> = trace
        .snapshot()
        .iter()
        .map(|e| e.report.candidate)
        .collect();
    assert_eq!(folds.len(), super::supervised::FOLDS);
    // No model is kept to save: each event's scores came from a model that never saw it.
    assert!(out.model.deep.iter().all(Option::is_none));

    // Window labels: a labelled event's in-scope unit is positive inside the span only; an
    // out-of-scope city is never positive; the whole event's unit follows the span.
    let rows = streamlens_engine::analysis::rows::Rows::new(
        &d,
        &Filter::default(),
        &super::windows::WINDOW_COLUMNS.map(streamlens_engine::schema::Canonical::name),
    )
    .unwrap();
    let events = super::windows::build_windows(&rows).unwrap();
    let per_event = window_labels(&d, &events, &labels);
    let (e, label) = events
        .iter()
        .enumerate()
        .find_map(|(i, ev)| {
            let id = d.label("event_id", ev.event);
            let l = labels.iter().find(|l| l.event_id == id)?;
            (l.anomalous && l.scope.starts_with("city_id=")).then_some((i, l))
        })
        .expect("an office incident among 40 events");
    let units = per_event[e].as_ref().unwrap();
    let city = &label.scope["city_id=".len()..];
    for (unit, positive) in units {
        let windows = &events[e]
            .units
            .iter()
            .find(|u| u.unit == *unit)
            .unwrap()
            .windows;
        let in_span = |i: usize| {
            let w = &windows[i];
            w.minute_ms + super::windows::MINUTE_MS > label.start_ms.unwrap()
                && w.minute_ms < label.end_ms.unwrap()
        };
        let in_scope = match unit {
            Unit::All => true,
            Unit::City(c) => d.label("city_id", *c) == city,
            Unit::Segment { .. } => false,
        };
        for (i, &p) in positive.iter().enumerate() {
            assert_eq!(p, in_scope && in_span(i), "{unit:?} window {i}");
        }
    }
}
