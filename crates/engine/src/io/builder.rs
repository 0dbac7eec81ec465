//! Accumulates the converted chunks of every file of one load and turns them
//! into a [`Dataset`]: schema checks across files, per-file counts, the
//! duplicate check and the dimensions offered as filters.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use polars::prelude::*;

use super::convert::{self, ConvertState, ExtraPlan, RowNumbers};
use super::report::{DropReason, FirstDrop, LoadReport};
use super::stack::ColumnStack;
use super::{
    Format, LoadOptions, LoadProgress, Source, check_cancel, dedup, io_err, parquet, sniff,
};
use crate::dataset::{Dataset, Dictionary, Dimension, dimension_title, next_dataset_id};
use crate::error::{LoadError, SourceFile};
use crate::schema::{Canonical, ColumnMapping, header_signature};

/// Accumulates converted chunks of all files.
#[derive(Default)]
pub(super) struct Builder {
    /// Converted chunks, stacked into contiguous columns as they come.
    stack: ColumnStack,
    /// For each chunk: its file and the file row of each of its rows.
    frame_rows: Vec<(u16, RowNumbers)>,
    /// Heights of the chunks.
    frames_heights: Vec<usize>,
    dictionaries: BTreeMap<String, Dictionary>,
    report: LoadReport,
    /// First file's name, canonical columns and extras, for schema checks.
    first: Option<(String, Vec<Canonical>, Vec<ExtraPlan>)>,
}

#[path = "builder_text.rs"]
mod text;
#[cfg(test)]
pub(super) use text::DIRECT_CHUNKS;

impl Builder {
    pub(super) fn add_source(
        &mut self,
        source: &Source,
        index: u16,
        reader: Box<dyn Read + Send + '_>,
        options: &LoadOptions,
        progress: &LoadProgress,
    ) -> Result<(), LoadError> {
        let file = source.name();
        let mut reader = BufReader::with_capacity(1 << 20, reader);
        let format = sniff(&mut reader).map_err(|e| io_err(&file, e))?;
        match format {
            Format::Parquet => {
                let table = parquet::read_all(&mut reader, &file)?;
                let mapping = Self::mapping_for(&file, &table.names, options)?;
                table.check_used(&file, mapping.columns.values().map(String::as_str))?;
                let raw = table.frame;
                let mut file_rows = 0;
                let chunk = 1 << 20;
                let mut offset = 0;
                let mut state = None;
                while offset < raw.height() {
                    check_cancel(progress)?;
                    let part = raw.slice(offset as i64, chunk);
                    self.convert_part(
                        &file,
                        index,
                        &mapping,
                        &part,
                        &RowNumbers::Contiguous(offset as u64 + 1),
                        options,
                        &mut state,
                    )?;
                    file_rows += part.height() as u64;
                    offset += chunk;
                    progress
                        .rows
                        .fetch_add(part.height() as u64, Ordering::Relaxed);
                }
                self.finish_file(&file, file_rows, raw.height() == 0)
            }
            Format::Csv | Format::GzipCsv | Format::WideCsv(_) => {
                let text: Box<dyn BufRead + Send + '_> = match format {
                    Format::GzipCsv => Box::new(BufReader::with_capacity(
                        1 << 20,
                        flate2::read::MultiGzDecoder::new(reader),
                    )),
                    Format::WideCsv(wide) => Box::new(BufReader::with_capacity(
                        1 << 20,
                        crate::encoding::ToUtf8::new(reader, wide),
                    )),
                    _ => Box::new(reader),
                };
                self.add_text(&file, index, text, options, progress)
            }
        }
    }

    fn finish_file(
        &mut self,
        file: &str,
        rows_read: u64,
        header_only: bool,
    ) -> Result<(), LoadError> {
        if header_only {
            return Err(LoadError::HeaderOnly {
                file: file.to_string(),
            });
        }
        let index = self.report.files.len();
        let kept: u64 = self
            .frames_heights
            .iter()
            .zip(&self.frame_rows)
            .filter(|(_, (file, _))| usize::from(*file) == index)
            .map(|(&h, _)| h as u64)
            .sum();
        self.report.files.push(SourceFile {
            path: PathBuf::from(file),
            rows_read,
            rows_kept: kept,
        });
        Ok(())
    }

    fn mapping_for(
        file: &str,
        headers: &[String],
        options: &LoadOptions,
    ) -> Result<ColumnMapping, LoadError> {
        let mapping = options
            .mappings
            .get(&header_signature(headers))
            .cloned()
            .unwrap_or_else(|| ColumnMapping::recognise(headers));
        if let Some(missing) = mapping.missing_required().first() {
            return Err(LoadError::MissingColumn {
                file: file.to_string(),
                canonical: missing.name().to_string(),
                found: headers.join(", "),
                aliases: missing.aliases().join(", "),
            });
        }
        Ok(mapping)
    }

    #[allow(clippy::too_many_arguments)] // one call site; a struct would only rename the list
    fn convert_part(
        &mut self,
        file: &str,
        index: u16,
        mapping: &ColumnMapping,
        raw: &DataFrame,
        rows: &RowNumbers,
        options: &LoadOptions,
        timestamps_in_seconds: &mut Option<bool>,
    ) -> Result<(), LoadError> {
        let canonical: Vec<Canonical> = mapping.columns.keys().copied().collect();
        let extras = match &self.first {
            None => {
                let (extras, ignored) = convert::plan_extras(raw, mapping);
                self.report.ignored_columns = ignored;
                self.first = Some((file.to_string(), canonical.clone(), extras.clone()));
                extras
            }
            Some((first_file, first_canonical, extras)) => {
                if first_file != file && *first_canonical != canonical {
                    let names =
                        |c: &[Canonical]| c.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ");
                    return Err(LoadError::SchemaMismatch {
                        file: file.to_string(),
                        first_file: first_file.clone(),
                        found: names(&canonical),
                        expected: names(first_canonical),
                    });
                }
                extras.clone()
            }
        };
        let mut state = ConvertState {
            file: file.to_string(),
            strict: options.strict,
            mapping,
            extras: &extras,
            dictionaries: &mut self.dictionaries,
            report: &mut self.report,
            timestamps_in_seconds: *timestamps_in_seconds,
        };
        let (frame, kept_rows) = state.convert(raw, rows)?;
        *timestamps_in_seconds = state.timestamps_in_seconds;
        if frame.height() > 0 {
            self.stack.push(&frame).map_err(|e| LoadError::Parse {
                file: file.to_string(),
                format: "telemetry",
                message: e.to_string(),
            })?;
            self.frames_heights.push(frame.height());
            self.frame_rows.push((index, kept_rows));
        }
        Ok(())
    }

    pub(super) fn finish(mut self, sources: &[Source], strict: bool) -> Result<Dataset, LoadError> {
        let name_of = |i: usize| sources.get(i).map(Source::name).unwrap_or_default();
        let polars_err = |e: PolarsError| LoadError::Parse {
            file: name_of(0),
            format: "telemetry",
            message: e.to_string(),
        };
        // Duplicates go before the columns become a frame: removing rows from the stacked
        // buffers in place never holds two copies of the data.
        self.drop_duplicates(&name_of, strict)
            .map_err(|e| match e {
                DedupError::Load(e) => e,
                DedupError::Polars(e) => polars_err(e),
            })?;
        let stacked = std::mem::take(&mut self.stack)
            .finish()
            .map_err(polars_err)?;
        let Some(frame) = stacked else {
            return Err(LoadError::NoValidRows {
                file: sources
                    .iter()
                    .map(Source::name)
                    .collect::<Vec<_>>()
                    .join(", "),
                summary: self.report.dropped_lines().join("; "),
            });
        };
        // Per-file kept counts after de-duplication are what the user keeps.
        let mut dimensions: Vec<Dimension> = [
            "customer_id",
            "country_id",
            "city_id",
            "viewer_type",
            "event_id",
        ]
        .into_iter()
        .filter(|c| frame.column(c).is_ok())
        .map(|c| Dimension {
            column: c.to_string(),
            title: dimension_title(c),
        })
        .collect();
        let mut extra_numeric = Vec::new();
        if let Some((_, _, extras)) = &self.first {
            for extra in extras {
                match extra {
                    ExtraPlan::Numeric(n) => extra_numeric.push(n.clone()),
                    ExtraPlan::Category(n) => dimensions.push(Dimension {
                        column: n.clone(),
                        title: n.clone(),
                    }),
                }
            }
        }
        let name = sources
            .iter()
            .map(Source::name)
            .collect::<Vec<_>>()
            .join(", ");
        Ok(Dataset {
            id: next_dataset_id(),
            name,
            frame,
            dictionaries: self.dictionaries,
            dimensions,
            extra_numeric,
            report: self.report,
            cache: std::sync::Arc::default(),
        })
    }

    /// Drop every row after the first for the same (viewer, timestamp) from the stacked
    /// columns.
    fn drop_duplicates(
        &mut self,
        name_of: &dyn Fn(usize) -> String,
        strict: bool,
    ) -> Result<(), DedupError> {
        let n_viewers = self
            .dictionaries
            .get(Canonical::ViewerId.name())
            .map_or(0, Dictionary::len);
        let viewers = self.stack.u32_values(Canonical::ViewerId.name());
        let timestamps = self.stack.i64_values(Canonical::Timestamp.name());
        let (Some(viewers), Some(timestamps)) = (viewers, timestamps) else {
            // Both are required columns, converted without nulls; nothing stacked yet.
            return Ok(());
        };
        let later = dedup::later_duplicates(viewers, timestamps, n_viewers);
        if later.is_empty() {
            return Ok(());
        }
        // Global index → (file, row) through the frames' row maps.
        let mut starts = Vec::with_capacity(self.frame_rows.len());
        let mut total = 0;
        for f in &self.frames_heights {
            starts.push(total);
            total += f;
        }
        let mut removed_per_file = vec![0_u64; self.report.files.len()];
        for &i in &later {
            let chunk = starts.partition_point(|&s| s <= i).saturating_sub(1);
            let (file, rows) = &self.frame_rows[chunk];
            if let Some(r) = removed_per_file.get_mut(usize::from(*file)) {
                *r += 1;
            }
            self.report
                .drop_row(
                    strict,
                    DropReason::DuplicateViewerTimestamp,
                    FirstDrop {
                        file: name_of(usize::from(*file)),
                        row: rows.row(i - starts[chunk]),
                        column: format!(
                            "{}, {}",
                            Canonical::ViewerId.name(),
                            Canonical::Timestamp.name()
                        ),
                        found: "a repeat of an earlier row's viewer and timestamp".into(),
                    },
                    "one row per viewer and timestamp",
                )
                .map_err(DedupError::Load)?;
        }
        for (src, removed) in self.report.files.iter_mut().zip(removed_per_file) {
            src.rows_kept = src.rows_kept.saturating_sub(removed);
        }
        self.stack.remove_rows(&later)?;
        Ok(())
    }
}

enum DedupError {
    Load(LoadError),
    Polars(PolarsError),
}

impl From<PolarsError> for DedupError {
    fn from(e: PolarsError) -> Self {
        DedupError::Polars(e)
    }
}
