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
