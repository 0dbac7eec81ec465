//! Exports started from the window: ask where, then write on the export thread — a chart
//! as PNG or SVG, a table as CSV, a model as JSON, or the whole report into a folder. The
//! work itself is in `streamlens_report`; this only routes and words the outcome.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::App;
use super::file_dialogs::DialogKind;
use streamlens_engine::Filter;
use streamlens_engine::analysis::suite::AnalysisParams;
use streamlens_engine::analysis::suite::{AnalysisKind, run};
use streamlens_engine::dataset::Dataset;
use streamlens_report::chart::ChartSpec;
use streamlens_report::chart::render;
use streamlens_report::chart::render::ImageFormat;
use streamlens_report::export::file_stem;
use streamlens_report::export::{CHART_SIZE, ReportInput, write_report};
use streamlens_report::tables::TableSpec;

/// Something the user asked to save; written on its own thread.
#[derive(Debug, Clone)]
pub enum ExportJob {
    Chart(Box<ChartSpec>, ImageFormat),
    Table(Box<TableSpec>),
    /// A trained live-vs-VOD model as JSON.
    Model(Arc<streamlens_traffic::model::TrafficModel>),
    /// The Anomalies tab's event detector as JSON.
    EventModel(Box<streamlens_events::saved::EventModel>),
    /// The feature table's detector as JSON.
    TableModel(Box<streamlens_detect::table::model::TableModel>),
    /// The Sessions view's answer (KPIs, charts, tables, CDN), into a folder.
    SessionsReport {
        data: Arc<super::sessions::SessionData>,
        answer: Arc<super::sessions::SessionAnswer>,
    },
    /// All analyses on the current filter, into a folder.
    Report {
        dataset: Arc<Dataset>,
        filter: Filter,
        params: AnalysisParams,
    },
}

impl App {
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
            ExportJob::SessionsReport { .. } => {
                (DialogKind::ExportFolder, "streamlens-sessions".into())
            }
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

    /// Sessions ▸ Export report folder: the current answer's KPIs, charts and tables.
    pub fn export_sessions_report(&mut self) {
        let (Some(data), Some(answer)) = (self.sessions.data.clone(), self.sessions.answer.clone())
        else {
            self.error("Nothing to export yet: open player events first.");
            return;
        };
        self.start_export(ExportJob::SessionsReport { data, answer });
    }

    pub fn export_chart(
        &mut self,
        spec: &streamlens_report::chart::ChartSpec,
        format: ImageFormat,
    ) {
        self.start_export(ExportJob::Chart(Box::new(spec.clone()), format));
    }

    pub fn export_table(&mut self, table: &streamlens_report::tables::TableSpec) {
        self.start_export(ExportJob::Table(Box::new(table.clone())));
    }

    /// The user chose where the pending export goes.
    pub fn export_to(&mut self, path: PathBuf) {
        if let Some(job) = self.pending_export.take() {
            self.jobs.export(job, path);
        }
    }
}

/// Write `job` to `path`; the message says what was written or what went wrong.
pub fn run_export(job: ExportJob, path: &Path) -> Result<String, String> {
    match job {
        ExportJob::Chart(spec, format) => {
            let path = with_extension(path, format.extension());
            render::save(&spec, &path, format, CHART_SIZE.0, CHART_SIZE.1)
                .map_err(|e| e.to_string())?;
            Ok(format!("Chart saved to {}", path.display()))
        }
        ExportJob::Table(table) => {
            let path = with_extension(path, "csv");
            streamlens_engine::files::atomic_write(&path, table.to_csv().as_bytes())
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            Ok(format!("Table saved to {}", path.display()))
        }
        ExportJob::Model(model) => {
            let path = with_extension(path, "json");
            let text = serde_json::to_string_pretty(&*model).map_err(|e| e.to_string())?;
            streamlens_engine::files::atomic_write(&path, text.as_bytes())
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            Ok(format!("Traffic model saved to {}", path.display()))
        }
        ExportJob::EventModel(model) => {
            let path = with_extension(path, "json");
            model.save(&path).map_err(|e| e.to_string())?;
            Ok(format!("Event model saved to {}", path.display()))
        }
        ExportJob::TableModel(model) => {
            let path = with_extension(path, "json");
            model.save(&path).map_err(|e| e.to_string())?;
            Ok(format!("Feature-table model saved to {}", path.display()))
        }
        ExportJob::SessionsReport { data, answer } => {
            let sources: Vec<String> = data
                .files
                .events
                .iter()
                .map(|s| s.name("sessions.csv.gz"))
                .collect();
            let report = streamlens_report::sessions_export::SessionsReport {
                source: &sources.join(", "),
                filter: &answer.query.filter.describe(),
                answer: &answer.answer,
                cdn: answer.cdn.as_ref(),
                charts: Some(ImageFormat::Png),
            };
            let written = report.write(path).map_err(|e| e.to_string())?;
            Ok(format!(
                "Sessions report saved: {} files in {} (open report.html)",
                written.len(),
                path.display()
            ))
        }
        ExportJob::Report {
            dataset,
            filter,
            params,
        } => {
            let analyses =
                run(&dataset, &filter, &params, &AnalysisKind::ALL).map_err(|e| e.to_string())?;
            let written = write_report(
                path,
                &ReportInput {
                    dataset: &dataset,
                    filter: &filter,
                    params: &params,
                    analyses: &analyses,
                    charts: Some(render::ImageFormat::Png),
                },
            )
            .map_err(|e| e.to_string())?;
            Ok(format!(
                "Report saved: {} files in {} (open report.html)",
                written.len(),
                path.display()
            ))
        }
    }
}

/// `path` with `ext` unless it already ends in it (a typed name often lacks it).
fn with_extension(path: &Path, ext: &str) -> std::path::PathBuf {
    let has = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext));
    if has {
        path.to_path_buf()
    } else {
        let mut name = path.as_os_str().to_owned();
        name.push(".");
        name.push(ext);
        name.into()
    }
}
