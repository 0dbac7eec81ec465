//! `streamlens traffic`: live vs VOD on synthetic captures — generate, evaluate, train, classify, errors.

use super::{run, run_ok};

/// Writes `count` synthetic captures of `secs` seconds into a new temporary folder.
fn traffic_captures(count: &str, secs: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run_ok(&[
        "traffic",
        "generate",
        "--out",
        dir.path().to_str().unwrap(),
        "--seed",
        "3",
        "--captures",
        count,
        "--duration-s",
        secs,
    ]);
    dir
}

#[test]
fn traffic_generate_is_deterministic_and_labelled_by_name() {
    let a = traffic_captures("4", "40");
    let b = traffic_captures("4", "40");
    let mut names: Vec<String> = std::fs::read_dir(a.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "synth-live-00.csv",
            "synth-live-02.csv",
            "synth-streaming-01.csv",
            "synth-streaming-03.csv"
        ]
    );
    for n in &names {
        let x = std::fs::read(a.path().join(n)).unwrap();
        assert_eq!(x, std::fs::read(b.path().join(n)).unwrap(), "{n}");
        let text = String::from_utf8(x).unwrap();
        assert!(text.starts_with("Time,IP1,Port1,IP2,Port2,Proto,1->2Bytes,2->1Bytes"));
    }
}

#[test]
fn traffic_evaluate_train_and_classify_synthetic_captures() {
    let captures = traffic_captures("8", "120");
    let dir = captures.path().to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let results = out.path().join("eval");
    let stdout = run_ok(&[
        "traffic",
        "evaluate",
        dir,
        "--out",
        results.to_str().unwrap(),
    ])
    .stdout;
    let text = String::from_utf8_lossy(&stdout);
    assert!(
        text.contains("8 captures, 16 chunks of 60 s (8 live)"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(results.join("metrics.json")).unwrap()).unwrap();
    let forest = &json["classifiers"][0];
    assert_eq!(forest["classifier"], "random_forest");
    assert!(forest["chunk_metrics"]["accuracy"].as_f64().unwrap() >= 0.8);
    assert_eq!(json["classifiers"][1]["classifier"], "logistic_regression");
    let table = std::fs::read_to_string(results.join("captures.csv")).unwrap();
    assert_eq!(table.lines().count(), 1 + 2 * 8);
    assert!(table.starts_with("classifier,file,label,chunks,live_chunks,majority"));
    let features = std::fs::read_to_string(results.join("features.csv")).unwrap();
    assert_eq!(features.lines().count(), 1 + 16);

    let model = out.path().join("model.json");
    run_ok(&["traffic", "train", dir, "--out", model.to_str().unwrap()]);
    let live = captures.path().join("synth-live-00.csv");
    let vod = captures.path().join("synth-streaming-01.csv");
    let stdout = run_ok(&[
        "traffic",
        "classify",
        live.to_str().unwrap(),
        vod.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--json",
    ])
    .stdout;
    let json: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(json[0]["verdict"]["label"], "live");
    assert_eq!(json[1]["verdict"]["label"], "vod");
    assert_eq!(json[0]["chunks"].as_array().unwrap().len(), 2);
    let p = json[0]["chunks"][0]["probability"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    let text = run_ok(&[
        "traffic",
        "classify",
        vod.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--classifier",
        "logistic_regression",
    ])
    .stdout;
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("synth-streaming-01.csv: vod"), "{text}");
}

#[test]
fn traffic_errors_name_the_cell_or_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad-live.csv");
    std::fs::write(
        &bad,
        "Time,IP1,Port1,IP2,Port2,Proto,1->2Bytes,2->1Bytes,1->2Pkts,2->1Pkts,packet_times,packet_sizes,packet_dirs\n\
         100,A,1,B,2,6,0,1500,0,1,100010;,1500;,2;\n\
         101,A,1,B,2,6,0,1500,0,1,101010;,1500;7;,2;\n",
    )
    .unwrap();
    let out = run(&[
        "traffic",
        "evaluate",
        dir.path().to_str().unwrap(),
        "--out",
        "x",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad-live.csv, row 3, column `packet_sizes`: expected 1 entries"),
        "{err}"
    );
    let out = run(&[
        "traffic",
        "train",
        dir.path().to_str().unwrap(),
        "--window-s",
        "20",
        "--out",
        "m.json",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("window of 20 s: the window must be 30–300 s"),
        "{err}"
    );
    let model = dir.path().join("model.json");
    std::fs::write(&model, "{}").unwrap();
    let out = run(&[
        "traffic",
        "classify",
        bad.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a traffic model"), "{err}");
}
