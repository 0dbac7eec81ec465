//! Exports started from the window, run on the export thread: a chart as PNG or
//! SVG, a table as CSV, or the whole report into a folder. The work itself is in
//! `chart::render` and `export`; this only routes and words the outcome.

use std::path::Path;

use super::jobs::ExportJob;
use crate::chart::render;
use crate::engine::analysis::suite::{AnalysisKind, run};
use crate::export::{CHART_SIZE, ReportInput, write_report};

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
            crate::engine::io::atomic_write(&path, table.to_csv().as_bytes())
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            Ok(format!("Table saved to {}", path.display()))
        }
        ExportJob::Model(model) => {
            let path = with_extension(path, "json");
            let text = serde_json::to_string_pretty(&*model).map_err(|e| e.to_string())?;
            crate::engine::io::atomic_write(&path, text.as_bytes())
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
