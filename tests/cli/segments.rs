//! `streamlens segments`: the sample's viewers clustered by engagement and `QoE` profile.

use super::{run_ok, sample};

#[test]
fn the_samples_viewers_fall_into_segments_that_cover_every_viewer_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("segments");
    let stdout = run_ok(&[
        "segments",
        sample().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
    .stdout;
    let said = String::from_utf8_lossy(&stdout);
    assert!(said.contains("569 viewers in"), "{said}");
    let mut segments = csv::Reader::from_path(out.join("viewer_segments.csv")).unwrap();
    let sizes: usize = segments
        .records()
        .map(|r| r.unwrap()[1].parse::<usize>().unwrap())
        .sum();
    assert_eq!(sizes, 569);
    let viewers = std::fs::read_to_string(out.join("viewers.csv")).unwrap();
    assert_eq!(viewers.lines().count(), 570);
    // The split by viewer type counts every viewer once.
    let mut split = csv::Reader::from_path(out.join("viewer_segment_split.csv")).unwrap();
    let by_type: usize = split
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[1] == "viewer type")
        .map(|r| r[3].parse::<usize>().unwrap())
        .sum();
    assert_eq!(by_type, 569);
    for chart in [
        "viewer_segments_scatter.svg",
        "viewer_segments_by_viewer_type.svg",
    ] {
        assert!(out.join(chart).exists(), "{chart}");
    }
}
