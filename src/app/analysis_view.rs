//! The App's side of the analysis tabs: which result belongs to the current
//! inputs, asking the worker for a missing one, and exports.

use std::path::PathBuf;
use std::sync::Arc;

use super::App;
use super::jobs::{AnalysisKey, DialogKind, ExportJob};
use crate::chart::render::ImageFormat;
use crate::engine::analysis::suite::{Analyses, AnalysisKind};
use crate::export::file_stem;

impl App {
    fn analysis_key(&self, kind: AnalysisKind) -> Option<AnalysisKey> {
        Some(AnalysisKey {
            dataset_id: self.dataset.as_ref()?.id,
            filter: self.state.filter.clone(),
            params: self.state.params.clone(),
            kind,
        })
    }

    /// The latest result of `kind` for this dataset and whether it is older than the
    /// current filter or parameters; asks for a fresh one when needed.
    pub fn analysis(&mut self, kind: AnalysisKind) -> Option<(Arc<Analyses>, bool)> {
        let key = self.analysis_key(kind)?;
        let cached = self
            .analyses
            .get(&kind)
            .filter(|(k, _)| k.dataset_id == key.dataset_id)
            .map(|(k, a)| (Arc::clone(a), *k != key));
        if cached.as_ref().is_none_or(|(_, stale)| *stale)
            && let Some(ds) = self.dataset.clone()
        {
            self.jobs.request_analysis(&ds, key);
        }
        cached
    }

    /// Is an analysis running for the current inputs?
    #[must_use]
    pub fn analysis_running(&self, kind: AnalysisKind) -> bool {
        self.jobs.analysing.as_ref().is_some_and(|k| k.kind == kind)
    }

    pub(super) fn on_analysed(&mut self, key: AnalysisKey, result: Result<Arc<Analyses>, String>) {
        if self.jobs.analysing.as_ref() == Some(&key) {
            self.jobs.analysing = None;
        }
        if self.dataset.as_ref().map(|d| d.id) != Some(key.dataset_id) {
            return;
        }
        match result {
            Ok(analyses) => {
                self.analyses.insert(key.kind, (key, analyses));
            }
            Err(e) => {
                let title = key.kind.title();
                // Remember the failure for these inputs so it is not retried every frame.
                self.analyses
                    .insert(key.kind, (key, Arc::new(Analyses::default())));
                self.error(format!("Could not compute {title}: {e}"));
            }
        }
    }

    /// Ask where to save `job`, then write it on the export thread.
    pub fn start_export(&mut self, job: ExportJob) {
        let (kind, name) = match &job {
            ExportJob::Chart(spec, format) => (
                DialogKind::Export,
                format!("{}.{}", file_stem(&spec.id), format.extension()),
            ),
            ExportJob::Table(table) => {
                (DialogKind::Export, format!("{}.csv", file_stem(&table.id)))
            }
            ExportJob::Model(_) => (DialogKind::Export, "traffic-model.json".into()),
            ExportJob::EventModel(_) => (DialogKind::Export, "event-model.json".into()),
            ExportJob::TableModel(_) => (DialogKind::Export, "table-model.json".into()),
            ExportJob::Report { .. } => (DialogKind::ExportFolder, "streamlens-report".into()),
        };
        self.pending_export = Some(job);
        self.ask_for_path_named(kind, name);
    }

    /// The whole report for the current filter.
    pub fn export_report(&mut self) {
        if let Some(dataset) = self.dataset.clone() {
            self.start_export(ExportJob::Report {
                dataset,
                filter: self.state.filter.clone(),
                params: self.state.params.clone(),
            });
        }
    }

    pub fn export_chart(&mut self, spec: &crate::chart::ChartSpec, format: ImageFormat) {
        self.start_export(ExportJob::Chart(Box::new(spec.clone()), format));
    }

    pub fn export_table(&mut self, table: &crate::tables::TableSpec) {
        self.start_export(ExportJob::Table(Box::new(table.clone())));
    }

    /// The user chose where the pending export goes.
    pub fn export_to(&mut self, path: PathBuf) {
        if let Some(job) = self.pending_export.take() {
            self.jobs.export(job, path);
        }
    }
}
