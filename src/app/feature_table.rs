//! The App's side of feature tables in the Anomalies tab: a CSV that is not telemetry (a
//! table of `QoE` windows, say) is inspected on a worker, the user picks feature, label, group
//! and fold columns and a detector, and each change of those choices is scored on the
//! worker (the newest choice wins). The work itself is `streamlens_detect::table::view`.

use std::path::PathBuf;
use std::sync::Arc;

use super::App;
use super::nav::Tab;
use super::worker::LatestWorker;
use streamlens_detect::map::LabelledMap;
use streamlens_detect::table::inspect::{TableSummary, inspect_table};
use streamlens_detect::table::view::{TableSetup, TableView, score_table};
use streamlens_engine::progress::Progress;
use streamlens_report::tables::TableSpec;

const HISTOGRAM_BINS: usize = 40;

/// A feature table open in the Anomalies tab.
#[derive(Debug)]
pub struct FeatureTableTab {
    pub path: PathBuf,
    pub summary: Option<Arc<TableSummary>>,
    /// What the user picked (scored whenever it changes).
    pub setup: TableSetup,
    pub results: Option<(TableSetup, Arc<TableView>)>,
    pub running: Option<TableSetup>,
    /// The running (or last) scoring's progress; cancelling it stops that run.
    pub progress: Arc<Progress>,
    /// Why the current setup could not be scored (shown until the setup changes).
    pub failed: Option<(TableSetup, String)>,
    /// The threshold the user set; `None` = the results' default.
    pub threshold: Option<f64>,
    /// The results' detector map as drawn: at the current τ, possibly fed more rows.
    pub map: Option<LabelledMap>,
    /// The flagged-rows table for (results, τ bits), rebuilt only when either changes.
    pub flagged: Option<(usize, u64, Arc<TableSpec>)>,
    /// Sort of the flagged-rows table.
    pub flagged_sort: super::panels::table::SortState,
    /// The drawn map's chart spec.
    pub map_spec: super::spec_cache::SpecCache,
    /// The telemetry mapping dialog for this file, when the user wants it as telemetry after all.
    pub as_telemetry: Option<super::MappingDialog>,
    /// A setup reopened from a workspace, used instead of the defaults once inspected.
    pub restored_setup: Option<TableSetup>,
}

/// Work for the feature-table worker.
pub enum TableJob {
    Inspect(PathBuf),
    Score {
        path: PathBuf,
        setup: Box<TableSetup>,
        progress: Arc<Progress>,
    },
}

/// What the feature-table worker found.
pub enum TableOutcome {
    Inspected {
        path: PathBuf,
        result: Result<TableSummary, String>,
    },
    Scored {
        path: PathBuf,
        setup: Box<TableSetup>,
        result: Result<Box<TableView>, String>,
    },
}

impl App {
    /// Open `path` as a feature table in the Anomalies tab (inspected on the worker).
    pub fn open_feature_table(
        &mut self,
        path: PathBuf,
        as_telemetry: Option<super::MappingDialog>,
    ) {
        if let Some(old) = &self.anomalies.table {
            old.progress.cancel();
        }
        self.anomalies.table = Some(FeatureTableTab {
            path: path.clone(),
            summary: None,
            setup: TableSetup::default(),
            results: None,
            running: None,
            progress: Arc::new(Progress::new()),
            failed: None,
            threshold: None,
            map: None,
            flagged: None,
            flagged_sort: None,
            map_spec: super::spec_cache::SpecCache::default(),
            as_telemetry,
            restored_setup: None,
        });
        self.anomalies.show_table = true;
        self.state.tab = Tab::Anomalies;
        if let Some(worker) = &self.anomalies.table_worker {
            worker.request(TableJob::Inspect(path));
        }
    }

    /// Close the feature table; the Anomalies tab shows the telemetry's events again.
    pub fn close_feature_table(&mut self) {
        if let Some(t) = self.anomalies.table.take() {
            t.progress.cancel();
        }
        self.anomalies.show_table = false;
    }

    /// The latest scored view and whether it is older than the setup; asks for a fresh one
    /// when the setup changed (and has features).
    pub fn table_results(&mut self) -> Option<(Arc<TableView>, bool)> {
        let t = self.anomalies.table.as_mut()?;
        t.summary.as_ref()?;
        // Choices that cannot change the scores (an order column no memory feature uses) do
        // not rescore.
        let wanted = t.setup.scoring_key();
        let stale = t.results.as_ref().is_none_or(|(s, _)| *s != wanted);
        let failed = t.failed.as_ref().is_some_and(|(s, _)| *s == wanted);
        let running = t.running.as_ref() == Some(&wanted);
        let can_score = wanted.model_file.is_some() || !wanted.features.is_empty();
        if stale && !failed && !running && can_score {
            t.progress.cancel();
            t.progress = Arc::new(Progress::new());
            t.running = Some(wanted.clone());
            let job = TableJob::Score {
                path: t.path.clone(),
                setup: Box::new(wanted),
                progress: Arc::clone(&t.progress),
            };
            if let Some(worker) = &self.anomalies.table_worker {
                worker.request(job);
            }
        }
        let t = self.anomalies.table.as_ref()?;
        t.results.as_ref().map(|(_, v)| (Arc::clone(v), stale))
    }

    /// The threshold in use for the table: the user's, else the results' default.
    #[must_use]
    pub fn table_threshold(&self, view: &TableView) -> f64 {
        self.anomalies
            .table
            .as_ref()
            .and_then(|t| t.threshold)
            .unwrap_or(view.default_threshold)
    }

    /// FISVDD: feed the table's map `count` more normal rows (the drawn copy; scores stay).
    /// Bounded work on this thread: a few hundred incremental updates and one 61 × 61 grid.
    pub fn feed_table_map(&mut self, count: usize) {
        if let Some(map) = self.anomalies.table.as_mut().and_then(|t| t.map.as_mut()) {
            map.map.feed(count);
        }
    }

    /// Score the open table with a saved model instead of fitting folds.
    pub fn use_table_model_file(&mut self, path: PathBuf) {
        match self.anomalies.table.as_mut() {
            Some(t) => t.setup.model_file = Some(path),
            None => self.error("Open a feature table first, then the model to score it with."),
        }
    }

    /// Back to fitting the detector on this table.
    pub fn forget_table_model(&mut self) {
        if let Some(t) = self.anomalies.table.as_mut() {
            t.setup.model_file = None;
        }
    }

    /// Save the detector behind the shown scores (fitted on every normal row, or the opened one).
    pub fn save_table_model(&mut self) {
        let model = self
            .anomalies
            .table
            .as_ref()
            .and_then(|t| t.results.as_ref())
            .map(|(_, view)| view.model.clone());
        match model {
            Some(model) => self.start_export(super::export::ExportJob::TableModel(Box::new(model))),
            None => self.error("No detector to save yet: wait for the table's scores."),
        }
    }

    /// Back to the results' map (at the current τ).
    pub fn reset_table_map(&mut self) {
        if let Some(t) = self.anomalies.table.as_mut() {
            t.map = t.results.as_ref().and_then(|(_, v)| v.map.clone());
        }
    }

    pub(super) fn on_table(&mut self, outcome: TableOutcome) {
        match outcome {
            TableOutcome::Inspected { path, result } => {
                let Some(t) = self.anomalies.table.as_mut().filter(|t| t.path == path) else {
                    return;
                };
                match result {
                    Ok(summary) if t.restored_setup.is_some() => {
                        t.setup = t.restored_setup.take().unwrap_or_default();
                        t.summary = Some(Arc::new(summary));
                    }
                    Ok(summary) => {
                        let label = summary.default_label();
                        t.setup = TableSetup {
                            features: summary
                                .default_features(label.as_ref().map(|l| l.column.as_str())),
                            group: summary.default_group(),
                            fold_column: summary.default_group(),
                            folds: summary
                                .default_group()
                                .and_then(|g| summary.columns.iter().find(|c| c.name == g))
                                .map_or(5, |c| c.distinct.clamp(2, 5)),
                            label,
                            ..TableSetup::default()
                        };
                        t.summary = Some(Arc::new(summary));
                    }
                    Err(message) => {
                        self.anomalies.table = None;
                        self.anomalies.show_table = false;
                        self.error(message);
                    }
                }
            }
            TableOutcome::Scored {
                path,
                setup,
                result,
            } => {
                let setup = *setup;
                let Some(t) = self.anomalies.table.as_mut().filter(|t| t.path == path) else {
                    return;
                };
                // A cancelled run was superseded: the newer request reports.
                if matches!(&result, Err(m) if m == "cancelled") {
                    return;
                }
                if t.running.as_ref() == Some(&setup) {
                    t.running = None;
                }
                match result {
                    Ok(view) => {
                        // Any change but the group rescales the scores: back to the default τ.
                        let only_group_changed = t.results.as_ref().is_some_and(|(s, _)| {
                            TableSetup {
                                group: setup.group.clone(),
                                ..s.clone()
                            } == setup
                        });
                        if !only_group_changed {
                            t.threshold = None;
                        }
                        t.map.clone_from(&view.map);
                        t.flagged = None;
                        t.failed = None;
                        t.results = Some((setup, Arc::from(view)));
                    }
                    Err(message) => t.failed = Some((setup, message)),
                }
            }
        }
    }
}

fn work(job: TableJob) -> TableOutcome {
    match job {
        TableJob::Inspect(path) => TableOutcome::Inspected {
            result: inspect_table(&path).map_err(|e| e.to_string()),
            path,
        },
        TableJob::Score {
            path,
            setup,
            progress,
        } => TableOutcome::Scored {
            result: score_table(&path, &setup, HISTOGRAM_BINS, &progress)
                .map(Box::new)
                .map_err(|e| e.to_string()),
            path,
            setup,
        },
    }
}

/// The thread behind feature tables.
pub(super) fn start_worker(
    repaint: &egui::Context,
    errors: &mut Vec<String>,
) -> Option<LatestWorker<TableJob, TableOutcome>> {
    LatestWorker::start("streamlens-tables", repaint, work, errors)
}
