//! A Sessions report folder: `kpis.json`, `kpis.parquet` and `minutes.parquet` (the KPI
//! result tables), every chart (PNG or SVG), every table as CSV and
//! a self-contained `report.html` — written by `streamlens kpis --out` and the window's
//! Sessions ▸ Export report folder, from the same specs the window draws.

use std::path::{Path, PathBuf};

use crate::chart::ChartSpec;
use crate::chart::render::{self, ImageFormat};
use crate::chart::sessions::{breakdown_scores, cdn_charts, minute_charts};
use crate::export::{CHART_SIZE, ExportError, file_stem, html_page, write};
use crate::session_tables::{
    breakdown_table, cdn_table, comparison_table, kpi_table, minutes_table,
};
use crate::tables::TableSpec;
use streamlens_sessions::result::{KPI_TABLE, MINUTE_TABLE};
use streamlens_sessions::{Answer, CdnReport, MAX_SERIES_MINUTES};

/// What a Sessions report contains.
pub struct SessionsReport<'a> {
    /// The files read.
    pub source: &'a str,
    /// The filter in words.
    pub filter: &'a str,
    pub answer: &'a Answer,
    pub cdn: Option<&'a CdnReport>,
    /// `None` writes no chart images (the HTML page still inlines SVG).
    pub charts: Option<ImageFormat>,
}

impl SessionsReport<'_> {
    /// Every chart, in the order the window shows them.
    #[must_use]
    pub fn charts(&self) -> Vec<ChartSpec> {
        let mut charts = self
            .answer
            .minutes
            .as_deref()
            .map(minute_charts)
            .unwrap_or_default();
        for (dimension, values) in &self.answer.breakdowns {
            charts.push(breakdown_scores(dimension, values));
        }
        if let Some(cdn) = self.cdn {
            charts.extend(cdn_charts(cdn, MAX_SERIES_MINUTES));
        }
        charts
    }

    /// Every table, in the order the window shows them.
    #[must_use]
    pub fn tables(&self) -> Vec<TableSpec> {
        let a = self.answer;
        let mut tables = vec![kpi_table(&a.kpis)];
        for (dimension, values) in &a.breakdowns {
            tables.push(breakdown_table(dimension, values));
        }
        if let Some(c) = &a.comparison {
            tables.push(comparison_table(c));
        }
        if let Some(minutes) = &a.minutes {
            tables.push(minutes_table(minutes));
        }
        if let Some(cdn) = self.cdn {
            tables.push(cdn_table(cdn));
        }
        tables
    }

    /// Writes the report into `dir` (created if needed); returns the files written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
        std::fs::create_dir_all(dir).map_err(|source| ExportError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut written = Vec::new();
        let doc = serde_json::json!({
            "source": self.source,
            "filter": self.filter,
            "kpis": self.answer.kpis,
            "by": self.answer.breakdowns.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
            "comparison": self.answer.comparison,
            "minutes": self.answer.minutes,
            "cdn": self.cdn,
        });
        let path = dir.join("kpis.json");
        write(&path, serde_json::to_string_pretty(&doc)?.as_bytes())?;
        written.push(path);
        // The same tables `kpis --engine spark` writes, so either opens in the window.
        streamlens_sessions::result::write_kpi_tables(self.answer, dir).map_err(|why| {
            ExportError::Write {
                path: dir.join(KPI_TABLE),
                source: std::io::Error::other(why),
            }
        })?;
        written.push(dir.join(KPI_TABLE));
        if self.answer.minutes.is_some() {
            written.push(dir.join(MINUTE_TABLE));
        }
        let charts = self.charts();
        if let Some(format) = self.charts {
            for spec in &charts {
                let path = dir.join(format!("{}.{}", file_stem(&spec.id), format.extension()));
                render::save(spec, &path, format, CHART_SIZE.0, CHART_SIZE.1)?;
                written.push(path);
            }
        }
        let tables = self.tables();
        for table in &tables {
            let path = dir.join(format!("{}.csv", file_stem(&table.id)));
            write(&path, table.to_csv().as_bytes())?;
            written.push(path);
        }
        let facts = [
            ("Player events", self.source.to_string()),
            ("Filter", self.filter.to_string()),
            ("Views", self.answer.kpis.views.to_string()),
        ];
        let path = dir.join("report.html");
        write(
            &path,
            html_page(self.source, &facts, &charts, &tables)?.as_bytes(),
        )?;
        written.push(path);
        Ok(written)
    }
}
