//! Telemetry ▸ Viewer segments on the sample: the viewers are segmented off the UI thread,
//! the segments table and charts show, and a filter change segments the filtered viewers.

use super::{App, harness_with, ready, wait_for};
use egui_kittest::kittest::Queryable;
use streamlens::app::state::Tab;

fn segments_ready(app: &App) -> bool {
    app.segments.results.is_some() && app.segments.running.is_none()
}

#[test]
fn the_samples_viewers_are_segmented_and_a_filter_resegments_them() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.get_by_label("Viewer segments").click();
    wait_for(&mut h, "the segments", segments_ready);
    assert_eq!(h.state().state.tab, Tab::Segments);
    let all = h.state().segments.results.as_ref().unwrap().1.clone();
    assert_eq!(all.profiles.len(), 569);
    let total: usize = all.segments.iter().map(|s| s.viewers).sum();
    assert_eq!(total, 569);
    h.get_by_label_contains("Viewer segments: 569 viewers in");
    h.get_by_label("Viewer segments by viewer type");
    for s in &all.segments {
        h.get_by_label(s.description.as_str());
    }

    // Copy puts the first table, header and rows, on the clipboard as tab-separated text.
    h.get_all_by_label("Copy").next().unwrap().click();
    h.step();
    let copied: Vec<String> = h
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(copied.len(), 1, "{copied:?}");
    let lines: Vec<&str> = copied[0].lines().collect();
    assert!(lines.len() >= 2, "{}", copied[0]);
    let tabs = lines[0].matches('\t').count();
    assert!(tabs >= 1, "{}", lines[0]);
    assert!(
        lines.iter().all(|l| l.matches('\t').count() == tabs),
        "{}",
        copied[0]
    );

    // Only home workers: fewer viewers, all of them WFH.
    h.state_mut()
        .state
        .filter
        .selections
        .entry("viewer_type".into())
        .or_default()
        .insert("WFH".into());
    wait_for(&mut h, "the filtered segments", |a| {
        segments_ready(a)
            && a.segments
                .results
                .as_ref()
                .is_some_and(|(k, _)| !k.filter.is_empty())
    });
    let wfh = h.state().segments.results.as_ref().unwrap().1.clone();
    assert!(wfh.profiles.len() < 569 && !wfh.profiles.is_empty());
    let by_type = wfh
        .splits
        .iter()
        .find(|s| s.dimension == "viewer type")
        .unwrap();
    assert_eq!(by_type.values, ["WFH"]);
}
