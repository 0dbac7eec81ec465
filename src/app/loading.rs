//! Opening data: the sample, files, workspaces; what a finished load changes; what a
//! failed load tells the user while the previous data stays open.

use std::path::PathBuf;
use std::sync::Arc;

use streamlens_engine::Filter;
use streamlens_engine::io::{LoadOptions, Source};

use super::jobs::{LoadFailure, Loaded};
use super::state::State;
use super::{App, MappingDialog, sample_source};

impl App {
    pub fn open_sample(&mut self) {
        self.start_load(vec![sample_source()], "built-in sample".into());
    }

    /// Load `sources` as new data: the filter is reset once they load.
    pub fn start_fresh_load(&mut self, sources: Vec<Source>, label: String) {
        self.start_load(sources, label);
        self.reset_filter_on_load = true;
    }

    /// Open the built-in sample as new data (the filter is reset once it loads).
    pub fn open_sample_fresh(&mut self) {
        self.open_sample();
        self.reset_filter_on_load = true;
    }

    /// Open files as a new dataset (the filter is reset); network-stats captures among them
    /// go to the Traffic tab instead.
    pub fn open_paths(&mut self, paths: Vec<PathBuf>) {
        let (captures, paths): (Vec<PathBuf>, Vec<PathBuf>) = paths
            .into_iter()
            .partition(|p| streamlens_traffic::workbench::looks_like_capture(p));
        if !captures.is_empty() {
            self.add_captures(captures);
        }
        if paths.is_empty() {
            return;
        }
        self.open_paths_keep_filter(paths);
        self.reset_filter_on_load = true;
    }

    pub(super) fn open_paths_keep_filter(&mut self, paths: Vec<PathBuf>) {
        let label = match paths.as_slice() {
            [one] => one.file_name().map_or_else(
                || one.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            many => format!("{} files", many.len()),
        };
        self.start_load(paths.into_iter().map(Source::Path).collect(), label);
    }

    /// Load `sources` with the user's strictness and remembered column mappings.
    pub fn start_load(&mut self, sources: Vec<Source>, label: String) {
        self.reset_filter_on_load = false;
        let options = LoadOptions {
            strict: self.state.strict,
            mappings: self.state.mappings.clone(),
            ..LoadOptions::default()
        };
        self.jobs.start_load(sources, options, label);
    }

    /// A file whose telemetry columns were not all recognised: one that cannot be telemetry
    /// (no recognised column, no column of instants: a table of `QoE` windows, say) opens as a
    /// feature table in the Anomalies tab; otherwise the user maps the columns.
    fn on_not_telemetry(&mut self, dialog: MappingDialog, message: String) {
        let not_telemetry = !dialog.preview.could_be_telemetry();
        match dialog.sources.as_slice() {
            [Source::Path(path)] if not_telemetry => {
                let path = path.clone();
                self.notice(format!(
                    "{} has no telemetry columns: opened as a feature table in the Anomalies tab.",
                    dialog.preview.file
                ));
                self.open_feature_table(path, Some(dialog));
            }
            _ => {
                self.mapping_dialog = Some(dialog);
                self.error(message);
            }
        }
    }

    /// A load finished: show the data, or say what went wrong and keep the previous data.
    pub(super) fn on_load_result(&mut self, result: Result<Loaded, LoadFailure>) {
        match result {
            Ok(loaded) => self.on_loaded(loaded),
            Err(failure) => {
                self.reset_filter_on_load = false;
                if failure.cancelled {
                    self.notice("Loading cancelled; the previous data is still open.");
                } else if let Some(preview) = failure.preview {
                    let dialog = MappingDialog {
                        mapping: preview.recognised.clone(),
                        preview,
                        sources: failure.sources,
                    };
                    self.on_not_telemetry(dialog, failure.message);
                } else {
                    let message = failure.message.trim_end_matches('.');
                    if self.dataset.is_some() {
                        self.error(format!("{message}. The previous data is still open."));
                    } else {
                        self.error(message);
                    }
                }
            }
        }
    }

    fn on_loaded(&mut self, loaded: Loaded) {
        let ds = loaded.dataset;
        // Results of the previous data are of no use and hold memory.
        self.analyses.clear();
        self.ui.correlation_pair = None;
        if std::mem::take(&mut self.reset_filter_on_load) {
            self.state.filter = Filter::default();
            self.ui.time_from.clear();
            self.ui.time_to.clear();
        }
        // Whatever was being computed belonged to the previous data.
        self.telemetry.computing = None;
        // A restored filter may name values this data does not have.
        let unknown = self.state.filter.unknown_labels(&ds);
        for (column, label) in &unknown {
            if let Some(set) = self.state.filter.selections.get_mut(column) {
                set.remove(label);
            }
        }
        self.state.filter.selections.retain(|_, s| !s.is_empty());
        if !unknown.is_empty() {
            self.notice(format!(
                "{} filter value(s) not in this data were removed.",
                unknown.len()
            ));
        }
        let dropped = ds.report.dropped_lines();
        if !dropped.is_empty() {
            self.notice(format!(
                "Loaded {} with some rows dropped:\n{}",
                ds.name,
                dropped.join("\n")
            ));
        }
        if !loaded.files.is_empty() {
            self.state.remember_recent(&loaded.files);
        }
        self.state.files = loaded.files;
        self.facts = Some(loaded.facts);
        self.overview = loaded.first_view.map(|(f, o)| (ds.id, f, Arc::new(o)));
        self.dataset = Some(ds);
        if self.overview_is_stale() {
            self.request_views();
        }
    }

    pub fn save_workspace(&mut self, path: &std::path::Path) {
        self.remember_side_files();
        match self.state.write_workspace(path) {
            Ok(()) => self.notice(format!("Workspace saved to {}", path.display())),
            Err(e) => self.error(e),
        }
    }

    pub fn open_workspace(&mut self, path: &std::path::Path) {
        match State::read_workspace(path) {
            Ok(state) => {
                let files = state.files.clone();
                let recent = std::mem::take(&mut self.state.recent);
                self.state = state;
                self.state.recent = recent;
                self.restore_side_files();
                let sessions_open = self.sessions.data.is_some() || self.sessions.loading.is_some();
                if sessions_open {
                    self.open_saved_sessions();
                }
                if files.is_empty() {
                    self.open_sample();
                } else {
                    self.open_paths_keep_filter(files);
                }
            }
            Err(e) => self.error(e),
        }
    }
}
