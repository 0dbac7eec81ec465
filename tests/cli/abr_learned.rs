//! `streamlens abr evaluate --train`: learned-mpc is fitted on the training traces only,
//! judged on the others, and a trace in both sets is refused.

use super::{run, run_ok};

fn generate(dir: &std::path::Path, seed: &str) {
    run_ok(&[
        "abr",
        "generate",
        "--out",
        dir.to_str().unwrap(),
        "--traces",
        "3",
        "--seconds",
        "300",
        "--segments",
        "40",
        "--seed",
        seed,
    ]);
}

#[test]
fn learned_mpc_is_trained_on_one_set_and_judged_on_another() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (dir.path().join("train"), dir.path().join("test"));
    generate(&train, "11");
    generate(&test, "12");
    let out = dir.path().join("eval");
    let printed = String::from_utf8(
        run_ok(&[
            "abr",
            "evaluate",
            "--traces",
            test.join("traces").to_str().unwrap(),
            "--train",
            train.join("traces").to_str().unwrap(),
            "--manifest",
            test.join("manifest.json").to_str().unwrap(),
            "--algos",
            "robust-mpc,bola",
            "--out",
            out.to_str().unwrap(),
        ])
        .stdout,
    )
    .unwrap();
    assert!(
        printed.contains("learned-mpc: predictor fitted on 6 training traces"),
        "{printed}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("evaluation.json")).unwrap())
            .unwrap();
    let players: Vec<&str> = json["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["algorithm"].as_str().unwrap())
        .collect();
    assert_eq!(players, ["robust-mpc", "bola", "learned-mpc"]);
    assert_eq!(json["sessions"].as_array().unwrap().len(), 6 * 3);
    // The predictor saved beside it names only training traces.
    let predictor: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("predictor.json")).unwrap())
            .unwrap();
    let trained_on: Vec<&str> = predictor["trained_on"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(trained_on.len(), 6);
    for session in json["sessions"].as_array().unwrap() {
        assert!(!trained_on.contains(&session["trace"].as_str().unwrap()));
    }

    // Training on the test traces is refused.
    let same = run(&[
        "abr",
        "evaluate",
        "--traces",
        test.join("traces").to_str().unwrap(),
        "--train",
        test.join("traces").to_str().unwrap(),
        "--manifest",
        test.join("manifest.json").to_str().unwrap(),
    ]);
    assert!(!same.status.success());
    let err = String::from_utf8_lossy(&same.stderr);
    assert!(err.contains("in both --train and --traces"), "{err}");
}
