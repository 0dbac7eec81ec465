//! `streamlens analyze`: the report keys, event numbers against the rows, chart formats, paths.

use super::{Row, read_sample, run, run_ok, sample};
use std::collections::HashSet;

fn analyze(args: &[&str]) -> (tempfile::TempDir, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap().to_string();
    let input = sample();
    let mut all = vec!["analyze", input.to_str().unwrap(), "--out", &out];
    all.extend_from_slice(args);
    run_ok(&all);
    let doc = serde_json::from_slice(&std::fs::read(dir.path().join("analysis.json")).unwrap())
        .expect("valid analysis.json");
    (dir, doc)
}

#[test]
fn analyze_writes_the_issue_keys_and_event_numbers_match_the_rows() {
    let rows = read_sample();
    let customer = rows[0].customer.clone();
    let (dir, doc) = analyze(&["--customer", &customer, "--charts", "png"]);
    for key in [
        "rows",
        "correlation",
        "viewer_type",
        "events",
        "engagement_vs",
        "level_duration_s",
        "country_differences",
        "city_differences",
        "over_time",
    ] {
        assert!(doc.get(key).is_some(), "analysis.json lacks {key}");
    }
    let kept: Vec<&Row> = rows.iter().filter(|r| r.customer == customer).collect();
    assert_eq!(doc["rows"], kept.len());
    // Per event, independently: distinct viewers, span and mean QoE.
    let events: HashSet<&str> = kept.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(doc["events"].as_object().unwrap().len(), events.len());
    for event in events {
        let of: Vec<&&Row> = kept.iter().filter(|r| r.event == event).collect();
        let viewers: HashSet<&str> = of.iter().map(|r| r.viewer.as_str()).collect();
        let min = of.iter().map(|r| r.ts).min().unwrap();
        let max = of.iter().map(|r| r.ts).max().unwrap();
        let mean_qoe = of.iter().map(|r| r.qoe).sum::<f64>() / of.len() as f64;
        let e = &doc["events"][event];
        assert_eq!(e["viewers"], viewers.len(), "event {event}");
        assert!((e["duration_s"].as_f64().unwrap() - (max - min) as f64 / 1000.0).abs() < 1e-9);
        assert!((e["mean_qoe"].as_f64().unwrap() - mean_qoe).abs() < 1e-9);
        assert_eq!(e["customer_id"], customer.as_str());
    }
    // Correlation matrix: symmetric, unit diagonal.
    let p = doc["correlation"]["pearson"].as_array().unwrap();
    for (i, row) in p.iter().enumerate() {
        assert_eq!(row[i], 1.0);
        for (j, v) in row.as_array().unwrap().iter().enumerate() {
            assert_eq!(*v, p[j][i]);
        }
    }
    let png = std::fs::read(dir.path().join("over_time_qoe.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains(&format!("Customer: {customer}")));
    assert!(dir.path().join("events.csv").exists());
}

#[test]
fn analyze_writes_svg_or_no_charts() {
    let event = read_sample()[0].event.clone();
    let (dir, _) = analyze(&["--charts", "svg", "--event", &event]);
    let svg = std::fs::read_to_string(dir.path().join("correlation_pearson.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("Pearson correlation"));
    let (dir, _) = analyze(&["--charts", "none", "--event", &event]);
    let images = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.ends_with(".png") || name.ends_with(".svg")
        })
        .count();
    assert_eq!(images, 0);
}

#[test]
fn analyze_into_a_file_says_which_path() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let path = file.path().to_str().unwrap();
    let out = run(&[
        "analyze",
        sample().to_str().unwrap(),
        "--out",
        path,
        "--charts",
        "none",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(path), "{err}");
}

#[test]
fn analysis_flags_outside_their_range_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let sample = sample();
    for (flag, value, part) in [
        ("--top-k", "0", "expected a whole number from 1 to 100"),
        (
            "--bin-minutes",
            "0",
            "expected a whole number from 1 to 10080",
        ),
        ("--max-q", "NaN", "expected a number above 0 and at most 1"),
        ("--min-d", "2", "expected a number from 0 to 1"),
    ] {
        let args = [
            "analyze",
            sample.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            flag,
            value,
        ];
        let result = run(&args);
        assert_eq!(result.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&result.stderr);
        assert!(err.contains(part), "{args:?}: {err}");
        assert!(!out.exists(), "nothing is written for a refused flag");
    }
}

#[test]
fn a_second_report_in_the_same_folder_leaves_no_stale_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let input = sample();
    let input = input.to_str().unwrap();
    let mine = dir.path().join("my notes.txt");
    std::fs::write(&mine, "kept").unwrap();
    let images = |ext: &str| {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(ext)
            })
            .count()
    };
    run_ok(&["analyze", input, "--out", out, "--charts", "svg"]);
    assert!(images(".svg") > 0);
    run_ok(&["analyze", input, "--out", out, "--charts", "none"]);
    assert_eq!(images(".svg"), 0, "the first report's charts are gone");
    assert!(dir.path().join("analysis.json").exists() && dir.path().join("report.html").exists());
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "kept",
        "the user's file stays"
    );
}

#[test]
fn ten_thousand_numeric_columns_are_analysed_with_the_correlations_capped() {
    // 50 rows × 10,000 extra numeric columns: the correlations used to ask for a 230 GB
    // allocation (a 2-D histogram per pair of columns) and abort.
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    let mut text = String::from("timestamp,event_id,viewer_id,qoe,engagement");
    for c in 0..10_000 {
        write!(text, ",m{c}").unwrap();
    }
    text.push('\n');
    for r in 0..50_i64 {
        write!(
            text,
            "{},1,{r},0.{},0.5",
            1_709_546_400_000 + r * 60_000,
            50 + r
        )
        .unwrap();
        for c in 0..10_000_i64 {
            write!(text, ",{}", (r * 31 + c * 17) % 97).unwrap();
        }
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("out");
    let done = run_ok(&[
        "analyze",
        path.to_str().unwrap(),
        "--charts",
        "none",
        "--out",
        out.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&done.stderr);
    assert!(
        said.contains("correlations use the first 48 numeric columns; 9954 more are left out"),
        "{said}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("analysis.json")).unwrap()).unwrap();
    assert_eq!(json["correlation"]["columns"].as_array().unwrap().len(), 48);
}
