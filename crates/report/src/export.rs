//! Writing an analysis run to a folder: `analysis.json`, every chart (PNG or SVG,
//! from the same chart specs as the window), every table as CSV, and one
//! self-contained `report.html` (charts inlined as SVG). Used by `streamlens
//! analyze` and the window's File ▸ Export report. Every file is written
//! atomically.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::chart::ChartSpec;
use crate::chart::render::{self, ImageFormat};
use crate::tables::{TableSpec, tables};
use streamlens_engine::analysis::suite::{Analyses, AnalysisKind, AnalysisParams};
use streamlens_engine::dataset::Dataset;
use streamlens_engine::files::atomic_write;
use streamlens_engine::filter::Filter;

/// Export size of charts: readable at 1600×1000 as the analyses issue asks.
pub const CHART_SIZE: (u32, u32) = (1600, 1000);
/// Rows per table shown in the HTML page (the CSV has them all).
const HTML_TABLE_ROWS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Render(#[from] render::RenderError),
    #[error("cannot encode analysis.json: {0}")]
    Json(#[from] serde_json::Error),
}

/// What a report contains.
pub struct ReportInput<'a> {
    pub dataset: &'a Dataset,
    pub filter: &'a Filter,
    pub params: &'a AnalysisParams,
    pub analyses: &'a Analyses,
    /// `None` writes no chart images (the HTML page still inlines SVG).
    pub charts: Option<ImageFormat>,
}

/// Every chart of every analysis that ran.
#[must_use]
pub fn all_charts(analyses: &Analyses, params: &AnalysisParams) -> Vec<ChartSpec> {
    AnalysisKind::ALL
        .iter()
        .flat_map(|&k| crate::chart::specs::charts(analyses, k, params.over_time.axis))
        .collect()
}

/// Every table of every analysis that ran.
#[must_use]
pub fn all_tables(analyses: &Analyses) -> Vec<TableSpec> {
    AnalysisKind::ALL
        .iter()
        .flat_map(|&k| tables(analyses, k))
        .collect()
}

/// A file name made of the safe characters of an id.
#[must_use]
pub fn file_stem(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    atomic_write(path, bytes).map_err(|source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes the report into `dir` (created if needed); returns the files written.
pub fn write_report(dir: &Path, input: &ReportInput) -> Result<Vec<PathBuf>, ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    let mut doc = input.analyses.to_json()?;
    if let Some(map) = doc.as_object_mut() {
        map.insert("dataset".into(), input.dataset.name.clone().into());
        map.insert("filter".into(), input.filter.describe(input.dataset).into());
    }
    let path = dir.join("analysis.json");
    write(&path, serde_json::to_string_pretty(&doc)?.as_bytes())?;
    written.push(path);
    let charts = all_charts(input.analyses, input.params);
    if let Some(format) = input.charts {
        for spec in &charts {
            let path = dir.join(format!("{}.{}", file_stem(&spec.id), format.extension()));
            render::save(spec, &path, format, CHART_SIZE.0, CHART_SIZE.1)?;
            written.push(path);
        }
    }
    let tables = all_tables(input.analyses);
    for table in &tables {
        let path = dir.join(format!("{}.csv", file_stem(&table.id)));
        write(&path, table.to_csv().as_bytes())?;
        written.push(path);
    }
    let path = dir.join("report.html");
    write(&path, html(input, &charts, &tables)?.as_bytes())?;
    written.push(path);
    replace_manifest(dir, &written)?;
    Ok(written)
}

/// The file in a report folder listing the files the last report wrote there.
pub const MANIFEST: &str = ".streamlens-report";

/// Removes the files the previous report in `dir` wrote that this one did not (charts of
/// another format or of groups no longer shown would otherwise sit beside the new ones),
/// then records this report's files. Only names the previous manifest lists are removed:
/// other files in the folder are the user's.
pub(crate) fn replace_manifest(dir: &Path, written: &[PathBuf]) -> Result<(), ExportError> {
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let manifest = dir.join(MANIFEST);
    if let Ok(previous) = std::fs::read_to_string(&manifest) {
        for old in previous.lines().map(str::trim) {
            let plain =
                !old.is_empty() && !old.contains(['/', '\\']) && old != ".." && old != MANIFEST;
            if plain && !names.iter().any(|n| n == old) {
                let _ = std::fs::remove_file(dir.join(old));
            }
        }
    }
    let mut text = names.join("\n");
    text.push('\n');
    write(&manifest, text.as_bytes())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One page: dataset and filter named, then per analysis its charts (inline SVG) and tables.
fn html(
    input: &ReportInput,
    charts: &[ChartSpec],
    tables: &[TableSpec],
) -> Result<String, ExportError> {
    let filter = input.filter.describe(input.dataset);
    let filter = if filter.is_empty() {
        "none (all rows)".to_string()
    } else {
        filter.join("; ")
    };
    let facts = [
        ("Dataset", input.dataset.name.clone()),
        ("Filter", filter),
        ("Rows analysed", input.analyses.rows.to_string()),
    ];
    html_page(&input.dataset.name, &facts, charts, tables)
}

/// A self-contained page: a heading naming `name`, the `facts` (label, text), then every
/// chart (inline SVG) and table (first rows; the CSV files have them all).
pub(crate) fn html_page(
    name: &str,
    facts: &[(&str, String)],
    charts: &[ChartSpec],
    tables: &[TableSpec],
) -> Result<String, ExportError> {
    let mut page = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = write!(
        page,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>streamlens report: {name}</title>\
         <style>body{{font-family:sans-serif;margin:2em auto;max-width:1280px;color:#222}}\
         svg{{width:100%;height:auto;border:1px solid #ddd;margin:1em 0}}\
         table{{border-collapse:collapse;font-size:13px;margin:1em 0}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}\
         th{{background:#f0f0f0}}td:first-child{{text-align:left}}</style></head><body>\
         <h1>streamlens report</h1><p>",
        name = escape(name),
    );
    for (label, text) in facts {
        let _ = write!(page, "<b>{}:</b> {}<br>", escape(label), escape(text));
    }
    page.push_str("</p>");
    for spec in charts {
        let svg = render::to_svg(spec, CHART_SIZE.0, CHART_SIZE.1)?;
        let _ = write!(page, "<h2>{}</h2>{svg}", escape(&spec.title));
    }
    for table in tables {
        let _ = write!(page, "<h2>{}</h2><table><tr>", escape(&table.title));
        for c in &table.columns {
            let _ = write!(page, "<th>{}</th>", escape(c));
        }
        page.push_str("</tr>");
        for row in table.rows.iter().take(HTML_TABLE_ROWS) {
            page.push_str("<tr>");
            for cell in row {
                let _ = write!(page, "<td>{}</td>", escape(&cell.display()));
            }
            page.push_str("</tr>");
        }
        page.push_str("</table>");
        if table.rows.len() > HTML_TABLE_ROWS {
            let _ = write!(
                page,
                "<p>First {HTML_TABLE_ROWS} of {} rows; all are in {}.csv.</p>",
                table.rows.len(),
                file_stem(&table.id)
            );
        }
    }
    page.push_str("</body></html>\n");
    Ok(page)
}
