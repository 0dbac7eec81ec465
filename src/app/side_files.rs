//! Captures and model files travel with the state: written into it when the state is saved
//! (on exit, or File ▸ Save workspace), reopened from it at start-up and by File ▸ Open
//! workspace. A file that has moved is named in one message and left out; the rest reopen.

use std::path::Path;

use super::App;
use super::state::{FeatureTableFile, SideFiles};
use streamlens_traffic::workbench::CaptureSource;

impl App {
    /// Copies the open captures and model files into the state, for saving it.
    pub fn remember_side_files(&mut self) {
        self.state.side_files = SideFiles {
            captures: self.traffic.sources.clone(),
            traffic_model: self.traffic.model.clone(),
            event_model: self.anomalies.model_file.clone(),
            feature_table: self.anomalies.table.as_ref().map(|t| FeatureTableFile {
                path: t.path.clone(),
                setup: t.restored_setup.clone().unwrap_or_else(|| t.setup.clone()),
            }),
        };
    }

    /// Opens the captures and model files the state names, replacing those open; files
    /// that are not where they were are listed in one error message.
    pub fn restore_side_files(&mut self) {
        let saved = self.state.side_files.clone();
        let mut missing: Vec<String> = Vec::new();
        let mut present = |path: &Path| {
            let here = path.is_file();
            if !here {
                missing.push(path.display().to_string());
            }
            here
        };
        let captures: Vec<CaptureSource> = saved
            .captures
            .into_iter()
            .filter(|c| match c {
                CaptureSource::File(path) => present(path),
                CaptureSource::Synthetic { .. } => true,
            })
            .collect();
        let traffic_model = saved.traffic_model.filter(|p| present(p));
        let event_model = saved.event_model.filter(|p| present(p));
        let feature_table = saved
            .feature_table
            .filter(|t| present(&t.path))
            .map(|mut t| {
                t.setup.model_file = t.setup.model_file.filter(|p| present(p));
                t
            });
        self.clear_captures();
        self.traffic.sources = captures;
        self.traffic.model = traffic_model;
        self.traffic.cancelled = None;
        self.anomalies.model_file = event_model;
        self.close_feature_table();
        if let Some(FeatureTableFile { path, setup }) = feature_table {
            let tab = self.state.tab;
            self.open_feature_table(path, None);
            if let Some(t) = self.anomalies.table.as_mut() {
                t.restored_setup = Some(setup);
            }
            // Reopening does not change the tab the user was on.
            self.state.tab = tab;
        }
        if !missing.is_empty() {
            self.error(moved_message(&missing));
        }
    }
}

fn moved_message(missing: &[String]) -> String {
    let (these, were, them) = if missing.len() == 1 {
        ("This file", "was", "it")
    } else {
        ("These files", "were", "them")
    };
    format!(
        "{these} of the workspace moved or {were} deleted, so {them} did not reopen: {}. \
         Open {them} again (Traffic: Add captures… or Open model…; Anomalies: Open model…; a feature table: Open… in the File menu).",
        missing.join(", ")
    )
}
