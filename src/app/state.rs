//! What survives a restart: open files, user column mappings, filter, layout.
//! Runtime things (datasets, jobs, dialogs) are never here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use streamlens_engine::Filter;
use streamlens_engine::analysis::suite::AnalysisParams;
use streamlens_engine::schema::ColumnMapping;

/// How many recent files File ▸ Recent offers.
pub const MAX_RECENT: usize = 10;

pub use super::nav::Tab;

/// Settings of the Traffic tab that survive a restart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrafficSettings {
    /// How captures are cut into chunks (ignored while a model file is in use).
    pub window: streamlens_traffic::chunk::WindowParams,
    /// Whose verdicts are shown.
    pub classifier: streamlens_traffic::model::Classifier,
}

/// What the Sessions view had open and asked, so a restart or a workspace reopens it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionSettings {
    /// Player-event files; empty means the built-in sample (with its CDN log).
    pub events: Vec<PathBuf>,
    /// CDN log files shown beside the player events.
    pub cdn: Vec<PathBuf>,
    /// The question last asked: filter, breakdown, comparison.
    pub query: streamlens_sessions::Query,
}

/// The persisted application state (also the workspace file format).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Files of the current dataset; empty means the built-in sample.
    pub files: Vec<PathBuf>,
    pub recent: Vec<PathBuf>,
    /// Column mappings the user chose, by header signature.
    pub mappings: HashMap<String, ColumnMapping>,
    pub filter: Filter,
    /// Reject files with any bad row instead of dropping the rows.
    pub strict: bool,
    pub tab: Tab,
    /// Parameters of the analyses (grouping, bins, thresholds).
    pub params: AnalysisParams,
    pub traffic: TrafficSettings,
    pub anomalies: super::anomalies::AnomalySettings,
    pub sessions: SessionSettings,
    pub whatif: super::whatif::WhatIfSettings,
    /// Captures and model files open beside the telemetry (written when the state is saved).
    pub side_files: SideFiles,
}

/// Files open beside the telemetry, so a restart or a workspace reopens them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SideFiles {
    /// The Traffic view's captures (files, or the synthetic demo's).
    pub captures: Vec<streamlens_traffic::workbench::CaptureSource>,
    /// The traffic model file judging the captures.
    pub traffic_model: Option<PathBuf>,
    /// The saved event model scoring the Anomalies view's events.
    pub event_model: Option<PathBuf>,
    /// The feature table open in the Anomalies view, with the user's setup (features,
    /// label, folds, and the saved table model when one scores it).
    pub feature_table: Option<FeatureTableFile>,
}

/// A feature table and how the user set it up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureTableFile {
    pub path: PathBuf,
    pub setup: streamlens_detect::table::view::TableSetup,
}

impl State {
    /// Put `paths` at the top of the recent list.
    pub fn remember_recent(&mut self, paths: &[PathBuf]) {
        for p in paths.iter().rev() {
            self.recent.retain(|r| r != p);
            self.recent.insert(0, p.clone());
        }
        self.recent.truncate(MAX_RECENT);
    }

    /// Read a workspace file.
    pub fn read_workspace(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the workspace: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: not a streamlens workspace (line {}, column {}: {e})",
                path.display(),
                e.line(),
                e.column()
            )
        })
    }

    /// Write a workspace file atomically (temporary file + rename).
    pub fn write_workspace(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        streamlens_engine::files::atomic_write(path, text.as_bytes())
            .map_err(|e| format!("{}: cannot save the workspace: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_list_is_most_recent_first_and_bounded() {
        let mut s = State::default();
        for i in 0..15 {
            s.remember_recent(&[PathBuf::from(format!("f{i}.csv"))]);
        }
        s.remember_recent(&[PathBuf::from("f10.csv")]);
        assert_eq!(s.recent.len(), MAX_RECENT);
        assert_eq!(s.recent[0], PathBuf::from("f10.csv"));
        assert_eq!(s.recent[1], PathBuf::from("f14.csv"));
    }

    #[test]
    fn workspace_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ws.json");
        let mut s = State::default();
        s.filter.toggle("customer_id", "3");
        s.files.push(PathBuf::from("a.csv"));
        s.write_workspace(&path).unwrap();
        assert_eq!(State::read_workspace(&path).unwrap(), s);
        // Unknown or missing fields fall back to defaults.
        std::fs::write(&path, "{\"strict\": true, \"future\": 1}").unwrap();
        assert!(State::read_workspace(&path).unwrap().strict);
        std::fs::write(&path, "{oops").unwrap();
        let err = State::read_workspace(&path).unwrap_err();
        assert!(err.contains("not a streamlens workspace"), "{err}");
    }

    /// eframe keeps the state between runs as RON and silently drops a value RON cannot
    /// encode: a full state (side files, feature table setup, sessions query) must survive it.
    #[test]
    fn a_full_state_survives_the_format_eframe_keeps_it_in() {
        let mut s = State::default();
        s.filter.toggle("customer_id", "3");
        s.files.push(PathBuf::from("a.csv"));
        s.side_files.captures = vec![streamlens_traffic::workbench::CaptureSource::File(
            PathBuf::from("c.csv"),
        )];
        s.side_files.traffic_model = Some(PathBuf::from("t.json"));
        s.side_files.feature_table = Some(FeatureTableFile {
            path: PathBuf::from("windows.csv"),
            setup: streamlens_detect::table::view::TableSetup::default(),
        });
        let text = ron::ser::to_string(&s).unwrap();
        let back: State = ron::from_str(&text).unwrap();
        assert_eq!(back, s);
    }
}
