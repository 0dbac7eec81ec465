//! The Traffic workbench on synthetic captures: sources, verdict bases, spike marks, models.

use super::*;

fn second(bytes: &[f64]) -> Series {
    Series {
        start_ms: 0,
        bin_ms: 1000,
        down_bytes: bytes.to_vec(),
        up_bytes: vec![0.0; bytes.len()],
        down_packets: vec![0.0; bytes.len()],
        up_packets: vec![0.0; bytes.len()],
        down_size_sq: vec![0.0; bytes.len()],
    }
}

#[test]
fn spikes_and_gaps_follow_each_windows_mean() {
    // Window 1 (mean 24/6 = 4): spikes at 1 and 4–5, gap [2, 4). Window 2 (mean 50/6 ≈
    // 8.3): spikes at 6–7 and 9, gap [8, 9). The 2-second tail is no full window.
    let s = second(&[
        0.0, 9.0, 1.0, 0.0, 7.0, 7.0, 10.0, 10.0, 0.0, 30.0, 0.0, 0.0, 99.0, 99.0,
    ]);
    let marks = spike_marks(&s, 6);
    assert_eq!(marks.spike_seconds, vec![1, 4, 5, 6, 7, 9]);
    assert_eq!(marks.gaps, vec![[2, 4], [8, 9]]);
    assert_eq!(spike_marks(&s, 0), SpikeMarks::default());
}

#[test]
fn demo_captures_are_evaluated_out_of_fold() {
    let request = TrafficRequest {
        sources: CaptureSource::demo(7, 4, 120),
        window: WindowParams::default(),
        params: ModelParams::default(),
        model: None,
    };
    let r = run_workbench(&request);
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert_eq!(r.captures.len(), 4);
    assert!(r.captures.iter().all(|c| c.chunks.len() == 2));
    let e = r
        .evaluation
        .as_ref()
        .expect("two live and two VOD captures");
    assert_eq!(e.captures, 4);
    for (i, v) in r.verdicts.iter().enumerate() {
        let v = v.as_ref().expect("every capture judged");
        assert_eq!(v.basis, VerdictBasis::OutOfFold);
        let forest = v.get(Classifier::RandomForest).unwrap();
        let held_out = &e.classifiers[0].captures[i];
        assert_eq!(held_out.file, r.captures[i].name);
        let probs: Vec<f64> = forest.chunks.iter().map(|c| c.probability).collect();
        assert_eq!(probs, held_out.chunk_probabilities);
    }
    assert!(r.trained.is_some());
}

#[test]
fn a_bad_file_is_reported_and_the_rest_still_judged() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken-live.csv");
    std::fs::write(&bad, "Time,IP1\n1,2\n").unwrap();
    let unlabelled = dir.path().join("mystery.csv");
    let mut text = Vec::new();
    write_csv(&numbered_capture(3, 0, 120), &mut text).unwrap();
    std::fs::write(&unlabelled, &text).unwrap();
    let mut sources = CaptureSource::demo(7, 2, 120);
    sources.push(CaptureSource::File(bad.clone()));
    sources.push(CaptureSource::File(unlabelled.clone()));
    let r = run_workbench(&TrafficRequest {
        sources,
        window: WindowParams::default(),
        params: ModelParams::default(),
        model: None,
    });
    assert_eq!(r.failed.len(), 1);
    assert_eq!(r.failed[0].0, CaptureSource::File(bad.clone()));
    assert!(
        r.failed[0].1.contains("broken-live.csv"),
        "{}",
        r.failed[0].1
    );
    assert_eq!(r.captures.len(), 3);
    // One live and one VOD capture: a model but no evaluation.
    assert!(r.evaluation.is_none());
    assert!(
        r.notes.iter().any(|n| n.contains("No evaluation")),
        "{:?}",
        r.notes
    );
    let bases: Vec<_> = r
        .verdicts
        .iter()
        .map(|v| v.as_ref().map(|v| v.basis))
        .collect();
    assert_eq!(
        bases,
        vec![
            Some(VerdictBasis::InSample),
            Some(VerdictBasis::InSample),
            Some(VerdictBasis::TrainedHere)
        ]
    );
    assert!(looks_like_capture(&unlabelled));
    assert!(!looks_like_capture(&dir.path().join("missing.csv")));
}

#[test]
fn a_model_file_sets_the_window_and_judges_everything() {
    let dir = tempfile::tempdir().unwrap();
    let first = run_workbench(&TrafficRequest {
        sources: CaptureSource::demo(5, 2, 120),
        window: WindowParams {
            window_secs: 30,
            hop_secs: None,
        },
        params: ModelParams::default(),
        model: None,
    });
    let path = dir.path().join("model.json");
    let model = first.trained.as_deref().unwrap().clone();
    std::fs::write(&path, serde_json::to_string(&model).unwrap()).unwrap();
    let loaded = read_model(&path).unwrap();
    let r = run_workbench(&TrafficRequest {
        sources: CaptureSource::demo(9, 2, 120),
        window: WindowParams::default(),
        params: ModelParams::default(),
        model: Some(Arc::new(loaded)),
    });
    assert_eq!(r.window.window_secs, 30);
    assert!(r.captures.iter().all(|c| c.chunks.len() == 4));
    assert!(r.verdicts.iter().all(|v| {
        v.as_ref()
            .is_some_and(|v| v.basis == VerdictBasis::ModelFile)
    }));
    std::fs::write(&path, "{\"window\": 3}").unwrap();
    let err = read_model(&path).unwrap_err();
    assert!(err.contains("not a streamlens traffic model"), "{err}");
}
