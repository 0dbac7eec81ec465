//! Where the user is: the views of the window, grouped into sections, and the keys that
//! reach them. The side navigation, the Help window and the shortcuts all read `VIEWS`.

use serde::{Deserialize, Serialize};

use streamlens_engine::analysis::suite::AnalysisKind;

/// One view of the window (persisted: the window reopens where the user left it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Tab {
    #[default]
    Overview,
    Analysis(AnalysisKind),
    /// Live vs VOD from packet captures (independent of the telemetry).
    Traffic,
    /// Anomalous events of the filtered telemetry, their root causes and the threshold.
    Anomalies,
    /// Viewers of the filtered telemetry clustered by engagement and `QoE` profile.
    Segments,
    /// Player sessions: streaming KPIs, scores, breakdowns, comparison, CDN quality.
    Sessions,
    /// ABR players replayed on throughput traces, and what an office link can carry.
    WhatIf,
}

impl Tab {
    /// Does the telemetry filter panel apply to this view? Captures are not telemetry.
    #[must_use]
    pub fn uses_filters(self) -> bool {
        !matches!(self, Tab::Traffic | Tab::Sessions | Tab::WhatIf)
    }

    /// The entry of this view in [`VIEWS`].
    #[must_use]
    pub fn view(self) -> &'static View {
        VIEWS
            .iter()
            .find(|v| v.tab == self)
            .expect("every tab has a view")
    }
}

/// A group of views a user thinks of together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The loaded viewer telemetry: the Overview and the seven analyses.
    Telemetry,
    /// Player sessions and CDN logs: streaming KPIs.
    Streaming,
    /// Anomalous events and feature tables.
    Detection,
    /// What crossed the network (live vs VOD) and what it could carry (the what-if).
    Network,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::Telemetry,
        Section::Streaming,
        Section::Detection,
        Section::Network,
    ];

    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Section::Telemetry => "Telemetry",
            Section::Streaming => "Streaming",
            Section::Detection => "Detection",
            Section::Network => "Network",
        }
    }

    /// One line for the navigation's hover text.
    #[must_use]
    pub fn about(self) -> &'static str {
        match self {
            Section::Telemetry => "The loaded viewer telemetry under the current filter",
            Section::Streaming => {
                "Player sessions and CDN logs: views, start-up, rebuffering, failures, scores"
            }
            Section::Detection => "Anomalous events and feature tables, with their thresholds",
            Section::Network => {
                "Packet captures (live or VOD) and the what-if: players on throughput traces, office links"
            }
        }
    }

    /// The views of this section, in navigation order.
    pub fn views(self) -> impl Iterator<Item = &'static View> {
        VIEWS.iter().filter(move |v| v.section == self)
    }
}

/// A view, where it sits and the Ctrl+digit that opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub tab: Tab,
    pub section: Section,
    pub title: &'static str,
    pub key: egui::Key,
}

const fn analysis(kind: AnalysisKind, title: &'static str, key: egui::Key) -> View {
    View {
        tab: Tab::Analysis(kind),
        section: Section::Telemetry,
        title,
        key,
    }
}

/// Every view in navigation order. The digits are those of the former single tab strip,
/// so users' muscle memory keeps working.
pub const VIEWS: [View; 13] = [
    View {
        tab: Tab::Overview,
        section: Section::Telemetry,
        title: "Overview",
        key: egui::Key::Num1,
    },
    analysis(AnalysisKind::OverTime, "Over time", egui::Key::Num2),
    analysis(AnalysisKind::ViewerTypes, "Viewer types", egui::Key::Num3),
    analysis(
        AnalysisKind::Durations,
        "Engagement levels",
        egui::Key::Num4,
    ),
    analysis(AnalysisKind::Differences, "Differences", egui::Key::Num5),
    analysis(AnalysisKind::Correlations, "Correlations", egui::Key::Num6),
    analysis(AnalysisKind::Events, "Events", egui::Key::Num7),
    analysis(AnalysisKind::Drivers, "Engagement drivers", egui::Key::Num8),
    View {
        tab: Tab::Segments,
        section: Section::Telemetry,
        title: "Viewer segments",
        key: egui::Key::G,
    },
    View {
        tab: Tab::Sessions,
        section: Section::Streaming,
        title: "Sessions (player KPIs)",
        key: egui::Key::K,
    },
    View {
        tab: Tab::Anomalies,
        section: Section::Detection,
        title: "Anomalies",
        key: egui::Key::Num0,
    },
    View {
        tab: Tab::Traffic,
        section: Section::Network,
        title: "Traffic (live vs VOD)",
        key: egui::Key::Num9,
    },
    View {
        tab: Tab::WhatIf,
        section: Section::Network,
        title: "What-if (players, office link)",
        key: egui::Key::W,
    },
];

/// The shortcut that opens `view`.
#[must_use]
pub fn shortcut(view: &View) -> egui::KeyboardShortcut {
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, view.key)
}

/// Next (`step` = 1) or previous (`step` = -1) view in navigation order, wrapping around.
#[must_use]
pub fn step(tab: Tab, step: isize) -> Tab {
    let n = VIEWS.len() as isize;
    let at = VIEWS.iter().position(|v| v.tab == tab).unwrap_or(0) as isize;
    VIEWS[(at + step).rem_euclid(n) as usize].tab
}

/// Ctrl+PageDown / Ctrl+PageUp: the next or previous view, as in a browser's tabs.
pub const NEXT_VIEW: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::PageDown);
pub const PREVIOUS_VIEW: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::PageUp);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tab_has_one_view_and_one_key() {
        let mut tabs: Vec<Tab> = vec![
            Tab::Overview,
            Tab::Traffic,
            Tab::Anomalies,
            Tab::Segments,
            Tab::Sessions,
            Tab::WhatIf,
        ];
        tabs.extend(AnalysisKind::ALL.iter().map(|&k| Tab::Analysis(k)));
        for tab in &tabs {
            assert_eq!(VIEWS.iter().filter(|v| v.tab == *tab).count(), 1, "{tab:?}");
        }
        assert_eq!(tabs.len(), VIEWS.len());
        let mut keys: Vec<String> = VIEWS.iter().map(|v| format!("{:?}", v.key)).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), VIEWS.len(), "two views share a key");
    }

    #[test]
    fn analysis_titles_match_the_engine() {
        for kind in AnalysisKind::ALL {
            assert_eq!(Tab::Analysis(kind).view().title, kind.title());
        }
    }

    #[test]
    fn sections_cover_every_view_in_order() {
        let flattened: Vec<Tab> = Section::ALL
            .iter()
            .flat_map(|s| s.views().map(|v| v.tab))
            .collect();
        let listed: Vec<Tab> = VIEWS.iter().map(|v| v.tab).collect();
        assert_eq!(flattened, listed, "VIEWS must be grouped by section");
    }

    #[test]
    fn stepping_wraps_around() {
        assert_eq!(step(Tab::Overview, -1), Tab::WhatIf);
        assert_eq!(step(Tab::WhatIf, 1), Tab::Overview);
        assert_eq!(
            step(Tab::Overview, 1),
            Tab::Analysis(AnalysisKind::OverTime)
        );
    }
}
