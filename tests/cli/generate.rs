//! `streamlens generate`: deterministic output that loads.

use super::{run_ok, summary_json};

#[test]
fn generate_is_deterministic_and_loadable() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    for p in [&a, &b] {
        run_ok(&[
            "generate",
            "--events",
            "3",
            "--seed",
            "7",
            "--out",
            p.to_str().unwrap(),
        ]);
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let json = summary_json(&[a.to_str().unwrap()]);
    assert_eq!(json["events"], 3);
}

#[test]
fn the_export_shape_is_one_timeline_with_continuous_qoe() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export.csv");
    let out = out.to_str().unwrap();
    run_ok(&[
        "generate", "--shape", "export", "--events", "8", "--out", out,
    ]);
    let text = std::fs::read_to_string(out).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("timestamp,"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let ts: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "sorted by time");
    assert!(
        rows.iter()
            .all(|r| r[7].split('.').nth(1).map(str::len) == Some(6))
    );
    let events: std::collections::HashSet<&str> = rows.iter().map(|r| r[2]).collect();
    assert_eq!(events.len(), 8);
    let json = summary_json(&[out]);
    assert_eq!(json["events"], 8);
    assert_eq!(
        json["rows"].as_u64().unwrap() as usize + dropped(&json),
        rows.len()
    );
}

/// Rows the loader dropped (a viewer in two concurrent events at the same millisecond).
fn dropped(json: &serde_json::Value) -> usize {
    json["dropped_rows"].as_object().map_or(0, |m| {
        m.values()
            .filter_map(serde_json::Value::as_u64)
            .sum::<u64>() as usize
    })
}

/// A fault test: `generate` killed (SIGKILL, no chance to clean up) in the middle of writing
/// leaves the previous file untouched and one hidden temporary file, which the next run
/// writing the same file removes.
#[cfg(target_os = "linux")]
#[test]
fn a_killed_generate_loses_nothing_and_its_leftover_is_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.csv");
    let o = out.to_str().unwrap();
    run_ok(&["generate", "--events", "2", "--seed", "1", "--out", o]);
    let before = std::fs::read(&out).unwrap();
    let temporaries = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".tmp"))
            .collect()
    };
    let mut child = super::bin()
        .args(["generate", "--rows", "50000000", "--seed", "2", "--out", o])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while temporaries().is_empty() && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        before,
        "the old file is intact"
    );
    let left = temporaries();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".t.csv."),
        "{left:?}"
    );
    run_ok(&["generate", "--events", "2", "--seed", "1", "--out", o]);
    assert!(temporaries().is_empty(), "{:?}", temporaries());
    assert_eq!(std::fs::read(&out).unwrap(), before);
}
