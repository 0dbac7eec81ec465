//! Navigation: sections and views in the side panel, the Ctrl+digit and Ctrl+PageDown keys,
//! the filters shown only where they apply, and Help ▸ Keyboard shortcuts.

use super::{harness_with, ready, wait_for};
use egui_kittest::kittest::Queryable;
use streamlens::app::nav::{Section, VIEWS};
use streamlens::app::state::Tab;
use streamlens_engine::analysis::suite::AnalysisKind;

#[test]
fn every_section_and_view_is_listed_and_clicking_a_view_opens_it() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    for section in Section::ALL {
        assert!(
            h.query_by_label(section.title()).is_some(),
            "section {} is listed",
            section.title()
        );
    }
    for view in &VIEWS {
        h.get_by_label(view.title).click();
        h.run_steps(2);
        assert_eq!(h.state().state.tab, view.tab, "clicking {}", view.title);
        let heading = format!("{} / {}", view.section.title(), view.title);
        assert!(
            h.query_by_label(&heading).is_some(),
            "the heading says {heading}"
        );
        // Captures are not telemetry: no filter panel in the Network section; the Sessions
        // view has its own.
        let filters_shown = h.query_by_label("Filters").is_some();
        assert_eq!(
            filters_shown,
            !matches!(view.section, Section::Network | Section::Streaming),
            "telemetry filters on {}",
            view.title
        );
        let session_filters = h.query_by_label("Session filters").is_some();
        assert_eq!(session_filters, view.section == Section::Streaming);
    }
}

#[test]
fn keys_switch_views_and_sections() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num4);
    h.run_steps(2);
    assert_eq!(h.state().state.tab, Tab::Analysis(AnalysisKind::Durations));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num9);
    h.run_steps(2);
    assert_eq!(h.state().state.tab, Tab::Traffic);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::W);
    h.run_steps(2);
    assert_eq!(h.state().state.tab, Tab::WhatIf);
    // Ctrl+PageDown from the last view wraps to the first; Ctrl+PageUp goes back.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::PageDown);
    h.run_steps(2);
    assert_eq!(h.state().state.tab, Tab::Overview);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::PageUp);
    h.run_steps(2);
    assert_eq!(h.state().state.tab, Tab::WhatIf);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::PageUp);
    h.run_steps(2);
    assert_eq!(h.state().state.tab, Tab::Traffic);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num0);
    h.run_steps(2);
    assert_eq!(h.state().state.tab, Tab::Anomalies);
}

#[test]
fn help_lists_the_shortcuts() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    assert!(h.query_by_label("Keyboard shortcuts").is_none());
    h.key_press(egui::Key::F1);
    h.run_steps(2);
    assert!(h.state().ui.shortcuts_open);
    for what in [
        "Save workspace…",
        "Reset the filter",
        "Telemetry / Engagement levels",
        "Network / Traffic (live vs VOD)",
        "Next view",
    ] {
        assert!(h.query_by_label(what).is_some(), "Help lists {what}");
    }
    h.key_press(egui::Key::F1);
    h.run_steps(2);
    assert!(!h.state().ui.shortcuts_open);
    // The Help menu opens the same window.
    h.get_by_label("Help").click();
    h.run_steps(2);
    // The menu entry's label carries its key ("Keyboard shortcuts F1").
    h.get_by_label_contains("Keyboard shortcuts").click();
    h.run_steps(2);
    assert!(h.state().ui.shortcuts_open);
}

#[test]
fn help_defines_the_metrics_and_says_what_streamlens_is() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.get_by_label("Help").click();
    h.run_steps(2);
    h.get_by_label("Metric definitions").click();
    h.run_steps(3);
    assert!(h.state().ui.metrics_open);
    // A definition from each end of the glossary is on screen.
    h.get_by_label_contains("Share of filtered samples whose `qoe` is below 0.8.");
    h.get_by_label("Rebuffering");
    h.get_by_label("Help").click();
    h.run_steps(2);
    h.get_by_label("About streamlens").click();
    h.run_steps(3);
    h.get_by_label_contains(concat!("streamlens ", env!("CARGO_PKG_VERSION")));
    h.get_by_label_contains("Pensieve QoE and traces");
}

#[test]
fn filters_and_thresholds_are_undone_and_redone() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.run_steps(2);
    // Two separate changes: a filter, then the Anomalies threshold.
    h.state_mut().state.filter.toggle("viewer_type", "WFH");
    h.run_steps(2);
    h.state_mut().anomalies.threshold = Some(5.0);
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(
        h.state().anomalies.threshold,
        None,
        "the threshold is undone"
    );
    assert!(
        !h.state().state.filter.is_empty(),
        "the filter is still set"
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert!(h.state().state.filter.is_empty(), "the filter is undone");
    // Redo brings the filter back, from the Edit menu.
    h.get_by_label("Edit").click();
    h.run_steps(2);
    // The menu entry's label carries its key ("Redo Ctrl+Shift+Z").
    h.get_by_label_contains("Redo").click();
    h.run_steps(2);
    assert!(!h.state().state.filter.is_empty(), "the filter is redone");
    h.key_press_modifiers(
        egui::Modifiers::COMMAND.plus(egui::Modifiers::SHIFT),
        egui::Key::Z,
    );
    h.run_steps(2);
    assert_eq!(
        h.state().anomalies.threshold,
        Some(5.0),
        "the threshold is redone"
    );
}
