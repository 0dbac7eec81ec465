//! `streamlens detect`: detectors on a window table — folds, saved models, errors, memory features, bags.

use super::{run, run_ok};
use std::path::PathBuf;

/// A synthetic window table: 8 contents (fold key before `_`), 5 videos each, 10 windows per
/// video; videos with an odd index are bad (`QoE_win` −1, features pushed far from the normal cloud).
pub(super) fn detect_table(dir: &std::path::Path) -> PathBuf {
    use std::fmt::Write as _;
    let mut text = String::from("file,content,t,a,b,QoE_win\n");
    let mut rng = 12345u64;
    let mut noise = move || {
        // xorshift: deterministic noise in [−0.5, 0.5) without a dependency.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % 10_000) as f64 / 10_000.0 - 0.5
    };
    for c in 0..8 {
        for v in 0..5 {
            let bad = v % 2 == 1;
            for t in 0..10 {
                let shift = if bad { 6.0 } else { 0.0 };
                let (a, b) = (noise() + shift, noise() - shift);
                let q = if bad { -1.0 } else { 1.0 };
                let _ = writeln!(text, "src{c}_v{v}.mat,src{c}_adaptor{v},{t},{a},{b},{q}");
            }
        }
    }
    let path = dir.join("windows.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn detect_kfold_writes_scores_and_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let out = dir.path().join("out");
    run_ok(&[
        "detect",
        table.to_str().unwrap(),
        "--features",
        "a,b",
        "--label",
        "QoE_win<=0",
        "--group-col",
        "file",
        "--kfold",
        "4",
        "--fold-col",
        "content",
        "--fold-prefix-sep",
        "_",
        "--model",
        "all",
        "--out",
        out.to_str().unwrap(),
    ]);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["rows"], 400);
    assert_eq!(metrics["kfold"]["k"], 4);
    // 8 sources of 50 rows in 4 folds: two sources per fold.
    for keys in metrics["kfold"]["keys"].as_array().unwrap() {
        assert_eq!(keys.as_array().unwrap().len(), 2);
    }
    for model in ["fisvdd", "ocsvm", "iforest", "mahalanobis", "ensemble"] {
        let m = &metrics["models"][model];
        assert_eq!(m["window"]["rows"], 400, "{model}");
        assert_eq!(m["window"]["bad_rows"], 160, "{model}");
        assert!(
            m["window"]["roc_auc"].as_f64().unwrap() > 0.99,
            "{model}: {m}"
        );
        assert!(
            m["window"]["average_precision"].as_f64().unwrap() > 0.99,
            "{model}"
        );
        assert_eq!(m["group"]["groups"], 40, "{model}");
        assert_eq!(m["group"]["bad_groups"], 16, "{model}");
        assert!(m["group"]["roc_auc"].as_f64().unwrap() > 0.99, "{model}");
        assert_eq!(m["folds"].as_array().unwrap().len(), 4);
        // Trained on normal rows of the other folds only: 3 folds × 2 sources × 30 normal rows.
        assert_eq!(m["folds"][0]["train_rows"], 180, "{model}");
        let recall = m["window"]["recall"].as_f64().unwrap();
        assert!(recall > 0.99, "{model}: far bad rows are all flagged");
        let scores = std::fs::read_to_string(out.join(format!("scores_{model}.csv"))).unwrap();
        let mut lines = scores.lines();
        assert_eq!(lines.next(), Some("row,group,fold,score,flagged"));
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 400);
        assert!(rows[0].starts_with("0,src0_v0.mat,"));
    }
}

#[test]
fn detect_single_model_scores_csv_and_saved_model() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let out = dir.path().join("one");
    run_ok(&[
        "detect",
        table.to_str().unwrap(),
        "--features",
        "a,b",
        "--label",
        "QoE_win<0",
        "--model",
        "fisvdd",
        "--threshold-quantile",
        "0.9",
        "--save-models",
        "--out",
        out.to_str().unwrap(),
    ]);
    let scores = std::fs::read_to_string(out.join("scores.csv")).unwrap();
    assert_eq!(scores.lines().count(), 401);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    let fisvdd = &metrics["models"]["fisvdd"];
    // No folds: fitted on the 240 normal rows, τ = their 0.9 quantile → ≈ 10 % of them flagged.
    assert_eq!(fisvdd["folds"][0]["train_rows"], 240);
    let flagged = fisvdd["window"]["flagged"].as_u64().unwrap();
    assert!((160 + 20..=160 + 30).contains(&flagged), "{flagged}");
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("model_fisvdd.json")).unwrap())
            .unwrap();
    assert_eq!(model["model"]["kind"], "fisvdd");
}

#[test]
fn detect_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let t = table.to_str().unwrap();
    let o = dir.path().join("x");
    let o = o.to_str().unwrap();
    for (args, part) in [
        (vec!["--features", "a,nope"], "column `nope` not found"),
        (vec!["--features", "a", "--label", "QoE_win=0"], "use `==`"),
        (
            vec!["--features", "a", "--label", "QoE_win<=x"],
            "`x` is not a number",
        ),
        (
            vec!["--features", "a", "--kfold", "3"],
            "--kfold and --fold-col go together",
        ),
        (
            vec![
                "--features",
                "a",
                "--kfold",
                "9",
                "--fold-col",
                "content",
                "--fold-prefix-sep",
                "_",
            ],
            "9 folds need at least 9 distinct fold keys",
        ),
        (vec!["--features", "a", "--log1p", "b"], "--log1p names `b`"),
        (
            vec!["--features", "a,a@mean", "--group-col", "file"],
            "need an order column",
        ),
        (
            vec![
                "--features",
                "a@avg",
                "--group-col",
                "file",
                "--order-col",
                "t",
            ],
            "after `@` write mean, sum, max, min or ewmH",
        ),
        (
            vec!["--features", "a", "--optional-features", "b"],
            "--tune",
        ),
        (
            vec!["--features", "file"],
            "row 2, column `file`: expected a finite number",
        ),
        // Numeric flags outside what the detectors can use are refused before any work.
        (
            vec!["--features", "a", "--kfold", "0"],
            "invalid value '0' for '--kfold <KFOLD>': expected a whole number from 2 to 1000",
        ),
        (
            vec!["--features", "a", "--trees", "4000000000"],
            "expected a whole number from 1 to 10000",
        ),
        (
            vec!["--features", "a", "--sigma", "1e-300"],
            "expected a number from 0.001 to 10000",
        ),
        (
            vec!["--features", "a", "--max-svs", "0"],
            "expected a whole number from 1 to 1000000",
        ),
        (
            vec!["--features", "a", "--nu", "NaN"],
            "expected a number above 0 and at most 1",
        ),
    ] {
        let mut all = vec!["detect", t, "--out", o];
        all.extend(args);
        let out = run(&all);
        assert!(!out.status.success(), "{all:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(part), "{all:?}: {err}");
    }
}

#[test]
fn detect_memory_features_and_forward_selection() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let out = dir.path().join("memory");
    run_ok(&[
        "detect",
        table.to_str().unwrap(),
        "--features",
        "a,b,a@mean,b@ewm3",
        "--optional-features",
        "a@mean,b@ewm3",
        "--tune",
        "--order-col",
        "t",
        "--label",
        "QoE_win<=0",
        "--group-col",
        "file",
        "--kfold",
        "4",
        "--fold-col",
        "content",
        "--fold-prefix-sep",
        "_",
        "--model",
        "mahalanobis",
        "--high-is-bad",
        "a,a@mean",
        "--out",
        out.to_str().unwrap(),
    ]);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    let m = &metrics["models"]["mahalanobis"];
    assert!(m["window"]["roc_auc"].as_f64().unwrap() > 0.99, "{m}");
    // Each fold keeps the required features and a subset of the optional ones, in order.
    for fold in m["folds"].as_array().unwrap() {
        let names: Vec<&str> = fold["spec"]["preprocess"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(&names[..2], ["a", "b"], "{names:?}");
        assert!(
            names[2..].iter().all(|n| ["a@mean", "b@ewm3"].contains(n)),
            "{names:?}"
        );
    }
}

#[test]
fn detect_bags_average_the_tuned_pipelines_of_each_seed() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let scores_of = |name: &str, extra: &[&str]| -> (Vec<f64>, serde_json::Value) {
        let out = dir.path().join(name);
        let mut args = vec![
            "detect",
            table.to_str().unwrap(),
            "--features",
            "a,b,a@group_mean,b@group_min",
            "--optional-features",
            "a@group_mean,b@group_min",
            "--tune",
            "--tune-metric",
            "group",
            "--label",
            "QoE_win<=0",
            "--group-col",
            "file",
            "--kfold",
            "4",
            "--fold-col",
            "content",
            "--fold-prefix-sep",
            "_",
            "--model",
            "iforest",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        run_ok(&args);
        let text = std::fs::read_to_string(out.join("scores.csv")).unwrap();
        let scores = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
            .collect();
        let metrics =
            serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap())
                .unwrap();
        (scores, metrics)
    };
    let (bag, metrics) = scores_of("bag", &["--bags", "3", "--seed", "5"]);
    // Member b of the bag is what a single tuned run with seed 5 + b chooses.
    let singles: Vec<Vec<f64>> = (5..8)
        .map(|seed| scores_of(&format!("s{seed}"), &["--seed", &seed.to_string()]).0)
        .collect();
    for (row, &b) in bag.iter().enumerate() {
        let mean = singles.iter().map(|s| s[row]).sum::<f64>() / 3.0;
        assert!((b - mean).abs() < 1e-9, "row {row}: {b} vs {mean}");
    }
    for fold in metrics["models"]["iforest"]["folds"].as_array().unwrap() {
        let seeds: Vec<u64> = fold["bag"]
            .as_array()
            .unwrap()
            .iter()
            .map(|spec| spec["model"]["seed"].as_u64().unwrap())
            .collect();
        assert_eq!(seeds, [5, 6, 7], "{fold}");
    }
    let o = dir.path().join("x");
    let out = run(&[
        "detect",
        table.to_str().unwrap(),
        "--features",
        "a",
        "--tune",
        "--bags",
        "0",
        "--label",
        "QoE_win<=0",
        "--group-col",
        "file",
        "--out",
        o.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "invalid value '0' for '--bags <BAGS>': expected a whole number from 1 to 1000"
        ),
        "{err}"
    );
}

#[test]
fn detect_saves_a_bag_as_a_table_model_the_window_opens() {
    let dir = tempfile::tempdir().unwrap();
    let table = detect_table(dir.path());
    let out = dir.path().join("bag");
    run_ok(&[
        "detect",
        table.to_str().unwrap(),
        "--features",
        "a,b,a@group_mean",
        "--optional-features",
        "a@group_mean",
        "--tune",
        "--bags",
        "2",
        "--save-models",
        "--label",
        "QoE_win<=0",
        "--group-col",
        "file",
        "--model",
        "iforest",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(out.join("model_iforest.json")).unwrap();
    let model: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(model["format"], "streamlens-table-model/1");
    assert_eq!(
        model["bag"].as_array().unwrap().len(),
        1,
        "2 pipelines in all"
    );
    assert!(model["threshold"].as_f64().unwrap().is_finite());
    let loaded = streamlens_detect::table::model::TableModel::from_json("m", &text)
        .expect("the app opens it");
    assert_eq!(loaded.pipelines().count(), 2);
    assert_eq!(&loaded.features()[..2], ["a", "b"]);
}
