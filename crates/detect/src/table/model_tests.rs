//! Saved feature-table models: round trips, bare CLI pipelines, bags, and errors that say why.

use std::fmt::Write as _;

use crate::Detector;
use crate::ModelKind;
use crate::table::label::LabelExpr;
use crate::table::model::*;
use crate::table::view::TableSetup;
use crate::table::view::score_table;
use crate::table::{TableRequest, read_table};
use std::path::Path;
use streamlens_engine::progress::Progress;

/// Normal rows on a small circle, bad rows far away; `shift` moves every row.
fn write_table(path: &Path, shift: f64) {
    let mut text = String::from("video,t,x,y,quality\n");
    for i in 0..120 {
        let a = f64::from(i) / 120.0 * std::f64::consts::TAU;
        let video = if i % 2 == 0 { "a_1" } else { "b_1" };
        let (x, y) = (shift + a.sin() * 0.3, shift + a.cos() * 0.3);
        writeln!(text, "{video},{i},{x},{y},1").unwrap();
    }
    for i in 0..10 {
        writeln!(
            text,
            "c_{i},{i},{},{},-1",
            shift + 5.0 + f64::from(i),
            shift - 5.0
        )
        .unwrap();
    }
    std::fs::write(path, text).unwrap();
}

fn setup() -> TableSetup {
    TableSetup {
        features: vec!["x".into(), "y".into(), "x@mean".into()],
        label: Some(LabelExpr::parse("quality<=0").unwrap()),
        group: Some("video".into()),
        order: Some("t".into()),
        fold_column: Some("video".into()),
        fold_prefix: true,
        folds: 3,
        model: ModelKind::Mahalanobis,
        ..TableSetup::default()
    }
}

#[test]
fn saved_model_scores_another_table_like_the_fitted_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.csv");
    write_table(&first, 0.0);
    let view = score_table(&first, &setup(), 20, &Progress::new()).unwrap();
    assert_eq!(view.model.features(), vec!["x", "y", "x@mean"]);
    let tau = view.model.threshold.expect("a fitted model has τ");
    let model_path = dir.path().join("model.json");
    view.model.save(&model_path).unwrap();

    // A second table, shifted: scored by the saved model, nothing refitted.
    let second = dir.path().join("second.csv");
    write_table(&second, 0.5);
    let with_model = TableSetup {
        model_file: Some(model_path.clone()),
        ..setup()
    };
    let scored = score_table(&second, &with_model, 20, &Progress::new()).unwrap();
    assert!((scored.default_threshold - tau).abs() < 1e-9);
    let table = read_table(
        &second,
        &TableRequest {
            features: view.model.features(),
            group_column: Some("video".into()),
            order_column: Some("t".into()),
            ..TableRequest::default()
        },
    )
    .unwrap();
    let expected = view.model.pipeline.score_batch(&table.features);
    for (a, b) in scored.scores.iter().zip(&expected) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    assert_eq!(scored.report.window.roc_auc, Some(1.0));
    assert!(scored.report.folds.is_empty());
    let map = scored.map.expect("a map is drawn");
    assert_eq!(map.map.training_rows, 0);
}

#[test]
fn bare_cli_pipelines_load_and_wrong_files_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.csv");
    write_table(&first, 0.0);
    let view = score_table(&first, &setup(), 20, &Progress::new()).unwrap();
    // As `detect --save-models` writes it: the pipeline alone, no τ.
    let bare = serde_json::to_string(&view.model.pipeline).unwrap();
    let model = TableModel::from_json("bare.json", &bare).unwrap();
    assert_eq!(model.threshold, None);
    assert_eq!(model.features(), vec!["x", "y", "x@mean"]);

    let e = TableModel::from_json("m.json", r#"{"format":"streamlens-event-model/1"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("m.json") && e.contains("not a feature-table model"),
        "{e}"
    );
    let e = TableModel::from_json("m.json", "{oops")
        .unwrap_err()
        .to_string();
    assert!(e.contains("not JSON"), "{e}");

    // A table without the model's columns: the error names the model and the column.
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "video,t,x,quality\na,0,1,1\n").unwrap();
    let model_path = dir.path().join("model.json");
    view.model.save(&model_path).unwrap();
    let with_model = TableSetup {
        model_file: Some(model_path),
        ..setup()
    };
    let e = score_table(&other, &with_model, 20, &Progress::new())
        .unwrap_err()
        .to_string();
    assert!(e.contains("model.json reads column `y`"), "{e}");
}

#[test]
fn a_bag_scores_the_mean_of_its_pipelines_and_opens_without_a_map() {
    use crate::eval::folds::{gather, row_labels, spec_columns};
    use crate::pipeline::preprocess::{Direction, FeatureSpec, PreprocessSpec};
    use crate::pipeline::{ModelSpec, PipelineSpec};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    write_table(&path, 0.0);
    let table = read_table(
        &path,
        &TableRequest {
            features: vec!["x".into(), "y".into()],
            label_column: Some("quality".into()),
            group_column: Some("video".into()),
            ..TableRequest::default()
        },
    )
    .unwrap();
    let label = LabelExpr::parse("quality<=0").unwrap();
    let bad = row_labels(&table, Some(&label));
    // Two pipelines over different columns: x and y alone.
    let spec = |name: &str| PipelineSpec {
        preprocess: PreprocessSpec {
            features: vec![FeatureSpec {
                name: name.into(),
                log1p: false,
                direction: Direction::Both,
            }],
            clip_quantile: None,
        },
        model: ModelSpec::default_for(ModelKind::Mahalanobis, 0),
    };
    let specs = [spec("x"), spec("y")];
    let normal_rows: Vec<usize> = (0..table.rows()).filter(|&i| !bad[i]).collect();
    let model = TableModel::fit_bag(&table, &normal_rows, &specs, None, 0.9).unwrap();
    assert_eq!(model.features(), ["x", "y"]);
    let all: Vec<usize> = (0..table.rows()).collect();
    let scores = model.score_rows(&table, &all).unwrap();
    let alone: Vec<Vec<f64>> = model
        .pipelines()
        .zip(&specs)
        .map(|(p, s)| p.score_batch(&gather(&table, &all, &spec_columns(&table, s).unwrap())))
        .collect();
    for (row, s) in scores.iter().enumerate() {
        let mean = f64::midpoint(alone[0][row], alone[1][row]);
        assert!((s - mean).abs() < 1e-12, "row {row}: {s} vs {mean}");
    }
    // τ: the 0.9 quantile of the 120 normal rows' bag scores, by the definition.
    let mut normal: Vec<f64> = (0..table.rows())
        .filter(|&i| !bad[i])
        .map(|i| scores[i])
        .collect();
    normal.sort_by(f64::total_cmp);
    let h = 0.9 * (normal.len() - 1) as f64;
    let (lo, frac) = (h.floor() as usize, h - h.floor());
    let expected = normal[lo] + frac * (normal[lo + 1] - normal[lo]);
    assert!((model.threshold.unwrap() - expected).abs() < 1e-12);

    // Saved and opened: the same scores, and no detector map (no one plane fits a bag).
    let model_path = dir.path().join("bag.json");
    model.save(&model_path).unwrap();
    let with_model = TableSetup {
        model_file: Some(model_path),
        label: Some(label),
        group: Some("video".into()),
        ..TableSetup::default()
    };
    let view = score_table(&path, &with_model, 20, &Progress::new()).unwrap();
    for (a, b) in view.scores.iter().zip(&scores) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    assert!(view.map.is_none());
    assert_eq!(view.model.bag.len(), 1);
}
