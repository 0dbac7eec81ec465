//! `streamlens abr evaluate --train`: learned-mpc and rl are fitted on the training traces
//! only, judged on the others, and a trace in both sets is refused; a saved rl policy plays
//! the same sessions again.

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
fn learned_players_are_trained_on_one_set_and_judged_on_another() {
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
            "--rl-iterations",
            "5",
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
    assert_eq!(players, ["robust-mpc", "bola", "learned-mpc", "rl"]);
    assert_eq!(json["sessions"].as_array().unwrap().len(), 6 * 4);
    assert!(
        printed.contains("rl: policy trained on 5 traces, validated on 1, 5 iterations"),
        "{printed}"
    );
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
    let policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("rl-policy.json")).unwrap())
            .unwrap();
    let names = |key: &str| -> Vec<String> {
        policy[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect()
    };
    let (fitted, validated) = (names("trained_on"), names("validated_on"));
    assert_eq!((fitted.len(), validated.len()), (5, 1));
    for session in json["sessions"].as_array().unwrap() {
        let trace = session["trace"].as_str().unwrap();
        assert!(!trained_on.contains(&trace));
        assert!(!fitted.iter().chain(&validated).any(|t| t == trace));
    }

    // The saved policy plays the same rl sessions without training.
    let again = dir.path().join("again");
    run_ok(&[
        "abr",
        "evaluate",
        "--traces",
        test.join("traces").to_str().unwrap(),
        "--manifest",
        test.join("manifest.json").to_str().unwrap(),
        "--algos",
        "rl",
        "--policy",
        out.join("rl-policy.json").to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    let replayed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(again.join("evaluation.json")).unwrap())
            .unwrap();
    let rl_rows = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["algorithm"] == "rl")
            .cloned()
            .collect()
    };
    assert_eq!(rl_rows(&replayed), rl_rows(&json));

    // One session of the saved policy, as `abr simulate` plays it, is that trace's row.
    let first = &rl_rows(&json)[0];
    let trace_file = test
        .join("traces")
        .join(format!("{}.json", first["trace"].as_str().unwrap()));
    let one: serde_json::Value = serde_json::from_slice(
        &run_ok(&[
            "abr",
            "simulate",
            "--trace",
            trace_file.to_str().unwrap(),
            "--manifest",
            test.join("manifest.json").to_str().unwrap(),
            "--algo",
            "rl",
            "--policy",
            out.join("rl-policy.json").to_str().unwrap(),
            "--json",
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(one["algorithm"], "rl");
    assert_eq!(one["summary"]["qoe_lin"], first["qoe_lin"]);
    let no_policy = run(&[
        "abr",
        "simulate",
        "--trace",
        trace_file.to_str().unwrap(),
        "--manifest",
        test.join("manifest.json").to_str().unwrap(),
        "--algo",
        "rl",
    ]);
    assert!(String::from_utf8_lossy(&no_policy.stderr).contains("give --policy"));

    // rl without training traces or a policy, and a policy for another ladder, are refused.
    let manifest = test.join("manifest.json");
    let no_training = run(&[
        "abr",
        "evaluate",
        "--traces",
        test.join("traces").to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
        "--algos",
        "bola,rl",
    ]);
    assert!(!no_training.status.success());
    let err = String::from_utf8_lossy(&no_training.stderr);
    assert!(err.contains("give --train"), "{err}");
    let small = dir.path().join("small.json");
    std::fs::write(
        &small,
        r#"{"segment_duration_ms": 3000, "bitrates_kbps": [300, 900],
            "segment_sizes_bits": [[900000, 2700000], [900000, 2700000]]}"#,
    )
    .unwrap();
    let other_ladder = run(&[
        "abr",
        "evaluate",
        "--traces",
        test.join("traces").to_str().unwrap(),
        "--manifest",
        small.to_str().unwrap(),
        "--algos",
        "rl",
        "--policy",
        out.join("rl-policy.json").to_str().unwrap(),
    ]);
    assert!(!other_ladder.status.success());
    let err = String::from_utf8_lossy(&other_ladder.stderr);
    assert!(
        err.contains("rl-policy.json") && err.contains("10 renditions"),
        "{err}"
    );

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
