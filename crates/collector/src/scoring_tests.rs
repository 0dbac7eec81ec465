use super::*;
use streamlens_detect::pipeline::PipelineSpec;
use streamlens_detect::pipeline::preprocess::{FeatureSpec, PreprocessSpec};
use streamlens_detect::table::model::FORMAT;
use streamlens_detect::{ModelKind, ModelSpec, Pipeline};

/// A ring of normal windows around (10, 100), deterministic.
fn training_rows() -> Vec<f64> {
    (0..60)
        .flat_map(|i| {
            let angle = f64::from(i) * 0.37;
            let radius = 0.5 + f64::from(i % 5) * 0.1;
            [
                10.0 + radius * angle.cos(),
                100.0 + 10.0 * radius * angle.sin(),
            ]
        })
        .collect()
}

fn spec(kind: ModelKind) -> PipelineSpec {
    PipelineSpec {
        preprocess: PreprocessSpec {
            features: ["latency_ms", "bitrate_kbps"]
                .iter()
                .map(|n| FeatureSpec {
                    name: (*n).into(),
                    ..FeatureSpec::default()
                })
                .collect(),
            clip_quantile: None,
        },
        model: ModelSpec::default_for(kind, 7),
    }
}

fn save(dir: &Path, kind: ModelKind, bag: bool, threshold: Option<f64>) -> (PathBuf, Pipeline) {
    let pipeline = Pipeline::fit(&training_rows(), 2, &spec(kind)).unwrap();
    let model = TableModel {
        format: FORMAT.into(),
        order: None,
        pipeline: pipeline.clone(),
        bag: if bag { vec![pipeline.clone()] } else { vec![] },
        threshold,
    };
    let path = dir.join("model.json");
    model.save(&path).unwrap();
    (path, pipeline)
}

fn config(model: PathBuf, learn: bool) -> ScoringConfig {
    ScoringConfig {
        model,
        threshold: None,
        learn,
    }
}

#[test]
fn scores_are_the_models_own_and_flags_follow_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let (path, pipeline) = save(dir.path(), ModelKind::Mahalanobis, false, Some(3.0));
    let scorer = Scorer::open(&config(path, false), dir.path()).unwrap();
    assert_eq!(scorer.features(), ["latency_ms", "bitrate_kbps"]);
    let rows = [10.0, 100.0, 30.0, 100.0, 10.0, 160.0];
    let result = scorer.score(&rows, 3);
    for (i, row) in rows.chunks_exact(2).enumerate() {
        let want = pipeline.score(row);
        assert!(
            (result.scores[i] - want).abs() < 1e-9,
            "{i}: {} vs {want}",
            result.scores[i]
        );
        assert_eq!(result.flags[i], want > 3.0);
    }
    assert_eq!(result.flags, [false, true, true]);
    assert_eq!(result.flagged, 2);
    assert_eq!(result.learned, None);
    let described = scorer.describe();
    assert_eq!(described["scored"], 3);
    assert_eq!(described["flagged"], 2);
    assert_eq!(described["kind"], "mahalanobis");
}

#[test]
fn a_bag_scores_the_mean_of_its_pipelines() {
    let dir = tempfile::tempdir().unwrap();
    let (path, pipeline) = save(dir.path(), ModelKind::Mahalanobis, true, Some(3.0));
    let scorer = Scorer::open(&config(path, false), dir.path()).unwrap();
    // Both members are the same pipeline, so their mean is its score.
    let result = scorer.score(&[12.0, 90.0], 1);
    assert!((result.scores[0] - pipeline.score(&[12.0, 90.0])).abs() < 1e-9);
}

#[test]
fn models_that_cannot_serve_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = save(dir.path(), ModelKind::Mahalanobis, false, None);
    let e = Scorer::open(&config(path.clone(), false), dir.path())
        .err()
        .unwrap();
    assert!(
        e.contains("no threshold") && e.contains("--threshold"),
        "{e}"
    );
    let with_threshold = ScoringConfig {
        threshold: Some(2.0),
        ..config(path.clone(), false)
    };
    assert!(Scorer::open(&with_threshold, dir.path()).is_ok());
    let learning = ScoringConfig {
        learn: true,
        ..with_threshold.clone()
    };
    let e = Scorer::open(&learning, dir.path()).err().unwrap();
    assert!(
        e.contains("--learn updates a FISVDD model") && e.contains("mahalanobis"),
        "{e}"
    );
    std::fs::write(&path, "{not json").unwrap();
    let e = Scorer::open(&with_threshold, dir.path()).err().unwrap();
    assert!(e.contains("model.json"), "{e}");
}

#[test]
fn learning_takes_normal_windows_only_and_resumes_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = save(dir.path(), ModelKind::Fisvdd, false, Some(2.0));
    let scorer = Scorer::open(&config(path.clone(), true), dir.path()).unwrap();
    let before = scorer.describe()["support_vector_count"].as_u64().unwrap();
    // Slightly outside the training ring but within the threshold, and one far outlier.
    let rows = [
        10.9, 100.0, 10.0, 109.0, 9.1, 100.0, 10.0, 91.0, 40.0, 400.0,
    ];
    let result = scorer.score(&rows, 5);
    assert!(
        result.flags[4],
        "the far window is flagged: {:?}",
        result.scores
    );
    let described = scorer.describe();
    let updates = &described["updates"];
    let learned_total: u64 = OUTCOMES.iter().map(|o| updates[*o].as_u64().unwrap()).sum();
    assert_eq!(
        learned_total,
        5 - result.flagged as u64,
        "only normal windows are learned"
    );
    let after = described["support_vector_count"].as_u64().unwrap();
    assert!(
        after >= before,
        "support vectors {before} → {after}, learned {:?}",
        result.learned
    );
    // A version no run reaches forces the save.
    scorer.save_if_changed(u64::MAX).unwrap();
    drop(scorer);
    let saved = learned_model_path(dir.path());
    assert!(saved.is_file());
    let again = Scorer::open(&config(path, true), dir.path()).unwrap();
    assert!(again.resumed());
    // serde_json reads floats to within an ulp, hence the tolerance.
    let flat = |v: &serde_json::Value| -> Vec<f64> {
        v["support_vectors"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|sv| sv.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()))
            .collect()
    };
    let (resumed, learned) = (flat(&again.describe()), flat(&described));
    assert_eq!(resumed.len(), learned.len());
    assert!(
        resumed
            .iter()
            .zip(&learned)
            .all(|(a, b)| (a - b).abs() < 1e-12)
    );
}
