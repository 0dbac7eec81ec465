//! The text side of [`Builder`]: CSV chunks through the direct parser or polars, and
//! polars' chunks checked for ragged lines so that every bad line is located.

use std::io::BufRead;
use std::sync::atomic::Ordering;

use polars::prelude::*;

use super::Builder;
use crate::error::LoadError;
use crate::io::convert::RowNumbers;
use crate::io::direct::DirectPlan;
use crate::io::read_ahead::{ChunkSource, with_read_ahead};
use crate::io::report::{DropReason, FirstDrop};
use crate::io::{LoadOptions, LoadProgress, check_cancel, csv, io_err};
use crate::schema::ColumnMapping;

#[cfg(test)]
thread_local! {
    /// Chunks this thread's loads read with the direct parser (tests check it is used).
    pub(crate) static DIRECT_CHUNKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl Builder {
    /// A CSV or gzip CSV source, chunk by chunk: the first chunk of a file through polars
    /// (which settles types, dictionaries and the timestamp unit), the rest through the
    /// direct parser when the file allows it, any chunk it declines through polars again.
    pub(super) fn add_text(
        &mut self,
        file: &str,
        index: u16,
        text: Box<dyn BufRead + Send + '_>,
        options: &LoadOptions,
        progress: &LoadProgress,
    ) -> Result<(), LoadError> {
        let file = file.to_string();
        let chunk_bytes = if options.chunk_bytes == 0 {
            csv::CHUNK_BYTES
        } else {
            options.chunk_bytes
        };
        let chunks = csv::CsvChunks::open_with_chunk(text, chunk_bytes)
            .map_err(|e| io_err(&file, e))?
            .ok_or_else(|| LoadError::Empty { file: file.clone() })?;
        let headers = chunks.header.clone();
        let separator = chunks.separator;
        let mapping = Self::mapping_for(&file, &headers, options)?;
        repeated_columns_used(&file, &chunks.repeated, &headers, &mapping, options)?;
        let (file_rows, any_lines) = with_read_ahead(chunks, |chunks| {
            self.add_chunks(
                &file,
                index,
                chunks,
                (&headers, separator, &mapping),
                options,
                progress,
            )
        })?;
        self.finish_file(&file, file_rows, !any_lines)
    }

    /// Every chunk of one text file; returns (rows read, whether there was any line).
    fn add_chunks(
        &mut self,
        file: &str,
        index: u16,
        chunks: &mut dyn ChunkSource,
        (headers, separator, mapping): (&[String], u8, &ColumnMapping),
        options: &LoadOptions,
        progress: &LoadProgress,
    ) -> Result<(u64, bool), LoadError> {
        let mut typed_schema: Option<SchemaRef> = None;
        let mut file_rows = 0;
        let mut any_lines = false;
        let mut state = None;
        // Decided after the first chunk, which always takes the polars path.
        let mut direct: Option<DirectPlan> = None;
        while let Some(chunk) = chunks.next_chunk().map_err(|e| io_err(file, e))? {
            any_lines = true;
            check_cancel(progress)?;
            if let Some(plan) = &direct
                && plan.parse_into(
                    &chunk.bytes,
                    &chunk.parts,
                    &mut self.stack,
                    &mut self.dictionaries,
                )
            {
                let lines = chunk.lines;
                let first_row = chunk.first_row;
                chunks.recycle(chunk.bytes);
                file_rows += lines as u64;
                progress.rows.fetch_add(lines as u64, Ordering::Relaxed);
                self.frames_heights.push(lines);
                self.frame_rows
                    .push((index, RowNumbers::Contiguous(first_row)));
                #[cfg(test)]
                DIRECT_CHUNKS.set(DIRECT_CHUNKS.get() + 1);
                continue;
            }
            let (raw, rows) = self.parse_csv_chunk(
                file,
                chunk,
                separator,
                headers,
                &mut typed_schema,
                options.strict,
            )?;
            file_rows += raw.height() as u64;
            progress
                .rows
                .fetch_add(raw.height() as u64, Ordering::Relaxed);
            self.convert_part(file, index, mapping, &raw, &rows, options, &mut state)?;
            if direct.is_none() && !options.polars_only {
                direct =
                    self.direct_plan(headers, separator, mapping, typed_schema.as_deref(), state);
            }
        }
        Ok((file_rows, any_lines))
    }

    /// The direct parser's plan for the rest of a file, once its first chunk is stacked.
    fn direct_plan(
        &self,
        headers: &[String],
        separator: u8,
        mapping: &ColumnMapping,
        schema: Option<&Schema>,
        seconds: Option<bool>,
    ) -> Option<DirectPlan> {
        let no_extras = self.first.as_ref().is_some_and(|(_, _, e)| e.is_empty());
        if !no_extras {
            return None;
        }
        DirectPlan::new(
            headers,
            separator,
            mapping,
            schema?,
            &self.dictionaries,
            seconds?,
        )
    }

    /// Parse one text chunk, falling back to text columns and then to dropping
    /// ragged lines, so a bad cell is located by our own validation.
    fn parse_csv_chunk(
        &mut self,
        file: &str,
        chunk: csv::TextChunk,
        separator: u8,
        headers: &[String],
        typed_schema: &mut Option<SchemaRef>,
        strict: bool,
    ) -> Result<(DataFrame, RowNumbers), LoadError> {
        let csv::TextChunk {
            bytes,
            first_row,
            lines,
            ..
        } = chunk;
        let typed = csv::parse_chunk(&bytes, separator, headers, typed_schema.clone());
        let parsed = match typed {
            Ok(df) if df.width() == headers.len() => Ok(df),
            _ => csv::parse_chunk(
                &bytes,
                separator,
                headers,
                Some(csv::all_text_schema(headers)),
            ),
        };
        match parsed {
            Ok(df) if df.width() == headers.len() => {
                // Short lines parse as trailing nulls; only then is a line scan worth it.
                let has_nulls = df.columns().iter().any(|c| c.null_count() > 0);
                if has_nulls {
                    let (_, _, dropped) =
                        csv::drop_ragged_lines(&bytes, separator, headers.len(), first_row);
                    if !dropped.is_empty() {
                        return self.ragged(file, &bytes, separator, headers, first_row, strict);
                    }
                }
                if typed_schema.is_none() {
                    *typed_schema = Some(df.schema().clone());
                }
                let rows = if df.height() == lines {
                    RowNumbers::Contiguous(first_row)
                } else {
                    let (_, rows, _) =
                        csv::drop_ragged_lines(&bytes, separator, headers.len(), first_row);
                    if rows.len() == df.height() {
                        RowNumbers::Explicit(rows)
                    } else {
                        return self.ragged(file, &bytes, separator, headers, first_row, strict);
                    }
                };
                Ok((df, rows))
            }
            _ => self.ragged(file, &bytes, separator, headers, first_row, strict),
        }
    }

    fn ragged(
        &mut self,
        file: &str,
        bytes: &[u8],
        separator: u8,
        headers: &[String],
        first_row: u64,
        strict: bool,
    ) -> Result<(DataFrame, RowNumbers), LoadError> {
        let (kept, rows, dropped) =
            csv::drop_ragged_lines(bytes, separator, headers.len(), first_row);
        for (row, why) in dropped {
            let (reason, column, found, expected) = match why {
                csv::DroppedLine::FieldCount(fields) => (
                    DropReason::WrongFieldCount,
                    "(whole row)".to_owned(),
                    format!("{fields} fields"),
                    format!("{} fields like the header", headers.len()),
                ),
                csv::DroppedLine::NotUtf8 { field } => (
                    DropReason::NotUtf8,
                    headers
                        .get(field)
                        .cloned()
                        .unwrap_or_else(|| format!("field {}", field + 1)),
                    "bytes that are not UTF-8".to_owned(),
                    "UTF-8 text (save the file as UTF-8)".to_owned(),
                ),
            };
            self.report.drop_row(
                strict,
                reason,
                FirstDrop {
                    file: file.to_string(),
                    row,
                    column,
                    found,
                },
                &expected,
            )?;
        }
        let df = if kept.is_empty() {
            DataFrame::empty_with_schema(&csv::all_text_schema(headers))
        } else {
            csv::parse_chunk(
                &kept,
                separator,
                headers,
                Some(csv::all_text_schema(headers)),
            )
            .map_err(|e| LoadError::Parse {
                file: file.to_string(),
                format: "CSV",
                message: e.to_string(),
            })?
        };
        Ok((df, RowNumbers::Explicit(rows)))
    }
}

/// A repeated header name that the recognised columns use is an error: which of the
/// columns holds the values cannot be told (it used to be the first, silently). A mapping
/// the user chose for this header stands; repeated names of unused columns are harmless.
fn repeated_columns_used(
    file: &str,
    repeated: &[(String, Vec<usize>)],
    headers: &[String],
    mapping: &crate::schema::ColumnMapping,
    options: &LoadOptions,
) -> Result<(), LoadError> {
    if options
        .mappings
        .contains_key(&crate::schema::header_signature(headers))
    {
        return Ok(());
    }
    for (name, columns) in repeated {
        let used = mapping
            .columns
            .iter()
            .find(|(_, header)| columns.iter().any(|&c| headers[c - 1] == **header));
        if let Some((canonical, _)) = used {
            let list: Vec<String> = columns.iter().map(ToString::to_string).collect();
            return Err(LoadError::Parse {
                file: file.to_string(),
                format: "CSV",
                message: format!(
                    "the header names `{name}` in columns {}: which one is `{}` cannot be \
                     told; rename all but one",
                    list.join(" and "),
                    canonical.name()
                ),
            });
        }
    }
    Ok(())
}
