//! Reading telemetry files (CSV, gzip CSV, Parquet) into one [`Dataset`].
//!
//! Each format is turned into parsed chunks; every chunk goes through the same
//! conversion (`convert`), so validation and row numbering are identical for all
//! formats. Loading reports progress, can be cancelled between chunks, and never
//! panics on file content.

pub mod convert;
pub mod csv;
pub mod dedup;
pub mod parquet;
pub mod report;
pub mod values;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use polars::prelude::*;

use crate::engine::dataset::{Dataset, Dictionary, Dimension, dimension_title, next_dataset_id};
use crate::engine::error::{LoadError, SourceFile, display_path};
use crate::engine::schema::{Canonical, ColumnMapping, header_signature};
use convert::{ConvertState, ExtraPlan, RowNumbers};
use report::{DropReason, FirstDrop, LoadReport};

/// Where telemetry comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Path(PathBuf),
    /// In-memory bytes (the embedded sample, tests); `name` is used in messages.
    Bytes {
        name: String,
        bytes: Arc<[u8]>,
    },
}

impl Source {
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Source::Path(p) => display_path(p),
            Source::Bytes { name, .. } => name.clone(),
        }
    }

    fn open(&self) -> Result<(Box<dyn Read + Send>, u64), LoadError> {
        match self {
            Source::Path(p) => {
                let file = std::fs::File::open(p).map_err(|e| LoadError::io(p, e))?;
                let len = file.metadata().map_err(|e| LoadError::io(p, e))?.len();
                Ok((Box::new(file), len))
            }
            Source::Bytes { bytes, .. } => Ok((
                Box::new(std::io::Cursor::new(Arc::clone(bytes))),
                bytes.len() as u64,
            )),
        }
    }
}

/// How to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Any bad row is an error instead of being dropped.
    pub strict: bool,
    /// Mappings chosen by the user, by header signature.
    pub mappings: HashMap<String, ColumnMapping>,
    /// Text chunk size in bytes; 0 means [`csv::CHUNK_BYTES`].
    pub chunk_bytes: usize,
}

/// Progress of a running load, shared with the UI thread.
#[derive(Debug, Default)]
pub struct LoadProgress {
    pub bytes_done: AtomicU64,
    pub bytes_total: AtomicU64,
    pub rows: AtomicU64,
    pub cancel: AtomicBool,
}

impl LoadProgress {
    /// Fraction done in [0, 1].
    #[must_use]
    pub fn fraction(&self) -> f32 {
        let total = self.bytes_total.load(Ordering::Relaxed);
        if total == 0 {
            return 0.0;
        }
        (self.bytes_done.load(Ordering::Relaxed) as f64 / total as f64).min(1.0) as f32
    }
}

/// Counts bytes pulled from the underlying file, for progress.
struct Counting<'p, R> {
    inner: R,
    base: u64,
    read: u64,
    progress: &'p LoadProgress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.progress
            .bytes_done
            .store(self.base + self.read, Ordering::Relaxed);
        Ok(n)
    }
}

/// What kind of file a source is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    GzipCsv,
    Parquet,
}

fn sniff(reader: &mut BufReader<Box<dyn Read + Send + '_>>) -> std::io::Result<Format> {
    let head = reader.fill_buf()?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Format::GzipCsv
    } else if head.starts_with(b"PAR1") {
        Format::Parquet
    } else {
        Format::Csv
    })
}

/// The header and first rows of a file, for the column-mapping dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct FilePreview {
    pub file: String,
    pub headers: Vec<String>,
    /// Up to five rows of raw text, one `Vec` per row.
    pub rows: Vec<Vec<String>>,
    pub signature: String,
    pub recognised: ColumnMapping,
}

/// Read the header and a few rows without loading the file.
pub fn preview(source: &Source) -> Result<FilePreview, LoadError> {
    let file = source.name();
    let (reader, _) = source.open()?;
    let mut reader = BufReader::new(reader);
    let format = sniff(&mut reader).map_err(|e| io_err(&file, e))?;
    let (headers, rows) = match format {
        Format::Parquet => parquet::preview(source, &file)?,
        Format::Csv | Format::GzipCsv => {
            let text: Box<dyn BufRead> = if format == Format::GzipCsv {
                Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(reader)))
            } else {
                Box::new(reader)
            };
            let mut lines = text.lines();
            let header_line = match lines.next() {
                Some(line) => line.map_err(|e| io_err(&file, e))?,
                None => return Err(LoadError::Empty { file }),
            };
            let header_line = header_line
                .trim_start_matches('\u{feff}')
                .trim_end()
                .to_string();
            let sep = csv::detect_separator(&header_line);
            let headers = csv::split_line(&header_line, sep);
            let rows = lines
                .take(5)
                .filter_map(Result::ok)
                .map(|l| csv::split_line(l.trim_end(), sep))
                .collect();
            (headers, rows)
        }
    };
    Ok(FilePreview {
        file,
        signature: header_signature(&headers),
        recognised: ColumnMapping::recognise(&headers),
        headers,
        rows,
    })
}

fn io_err(file: &str, source: std::io::Error) -> LoadError {
    LoadError::Io {
        file: file.to_string(),
        source,
    }
}

/// Load one or more sources into one dataset.
pub fn load(
    sources: &[Source],
    options: &LoadOptions,
    progress: &LoadProgress,
) -> Result<Dataset, LoadError> {
    if sources.is_empty() {
        return Err(LoadError::NoFiles);
    }
    let mut total = 0;
    for s in sources {
        total += s.open()?.1;
    }
    progress.bytes_total.store(total, Ordering::Relaxed);
    let mut builder = Builder::default();
    let mut base = 0;
    for (index, source) in sources.iter().enumerate() {
        let (reader, len) = source.open()?;
        let counting = Counting {
            inner: reader,
            base,
            read: 0,
            progress,
        };
        builder.add_source(source, index as u16, Box::new(counting), options, progress)?;
        base += len;
    }
    builder.finish(sources, options.strict)
}

/// Accumulates converted chunks of all files.
#[derive(Default)]
struct Builder {
    frames: Vec<DataFrame>,
    /// For each frame: its file and the file row of each of its rows.
    frame_rows: Vec<(u16, RowNumbers)>,
    /// Heights of the frames, kept once they are stacked.
    frames_heights: Vec<usize>,
    dictionaries: BTreeMap<String, Dictionary>,
    report: LoadReport,
    /// First file's name, canonical columns and extras, for schema checks.
    first: Option<(String, Vec<Canonical>, Vec<ExtraPlan>)>,
}

impl Builder {
    fn add_source(
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
                let raw = parquet::read_all(&mut reader, &file)?;
                let headers: Vec<String> = raw
                    .get_column_names()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                let mapping = Self::mapping_for(&file, &headers, options)?;
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
            Format::Csv | Format::GzipCsv => {
                let text: Box<dyn BufRead + Send + '_> = if format == Format::GzipCsv {
                    Box::new(BufReader::with_capacity(
                        1 << 20,
                        flate2::read::MultiGzDecoder::new(reader),
                    ))
                } else {
                    Box::new(reader)
                };
                let chunk_bytes = if options.chunk_bytes == 0 {
                    csv::CHUNK_BYTES
                } else {
                    options.chunk_bytes
                };
                let mut chunks = csv::CsvChunks::open_with_chunk(text, chunk_bytes)
                    .map_err(|e| io_err(&file, e))?
                    .ok_or_else(|| LoadError::Empty { file: file.clone() })?;
                let headers = chunks.header.clone();
                let mapping = Self::mapping_for(&file, &headers, options)?;
                let mut typed_schema: Option<SchemaRef> = None;
                let mut file_rows = 0;
                let mut state = None;
                while let Some(chunk) = chunks.next_chunk().map_err(|e| io_err(&file, e))? {
                    check_cancel(progress)?;
                    let (raw, rows) = self.parse_csv_chunk(
                        &file,
                        chunk,
                        chunks.separator,
                        &headers,
                        &mut typed_schema,
                        options.strict,
                    )?;
                    file_rows += raw.height() as u64;
                    progress
                        .rows
                        .fetch_add(raw.height() as u64, Ordering::Relaxed);
                    self.convert_part(&file, index, &mapping, &raw, &rows, options, &mut state)?;
                }
                self.finish_file(&file, file_rows, file_rows == 0)
            }
        }
    }

    fn finish_file(
        &mut self,
        file: &str,
        rows_read: u64,
        header_only: bool,
    ) -> Result<(), LoadError> {
        if header_only && !self.report.dropped.values().any(|d| d.first.file == file) {
            return Err(LoadError::HeaderOnly {
                file: file.to_string(),
            });
        }
        let index = self.report.files.len();
        let kept: u64 = self
            .frames
            .iter()
            .zip(&self.frame_rows)
            .filter(|(_, (file, _))| usize::from(*file) == index)
            .map(|(f, _)| f.height() as u64)
            .sum();
        self.report.files.push(SourceFile {
            path: PathBuf::from(file),
            rows_read,
            rows_kept: kept,
        });
        Ok(())
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
        for (row, fields) in dropped {
            self.report.drop_row(
                strict,
                DropReason::WrongFieldCount,
                FirstDrop {
                    file: file.to_string(),
                    row,
                    column: "(whole row)".into(),
                    found: format!("{fields} fields"),
                },
                &format!("{} fields like the header", headers.len()),
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
            self.frames.push(frame);
            self.frame_rows.push((index, kept_rows));
        }
        Ok(())
    }

    fn finish(mut self, sources: &[Source], strict: bool) -> Result<Dataset, LoadError> {
        let name_of = |i: usize| sources.get(i).map(Source::name).unwrap_or_default();
        self.frames_heights = self.frames.iter().map(DataFrame::height).collect();
        let mut frames = std::mem::take(&mut self.frames).into_iter();
        let Some(mut frame) = frames.next() else {
            return Err(LoadError::NoValidRows {
                file: sources
                    .iter()
                    .map(Source::name)
                    .collect::<Vec<_>>()
                    .join(", "),
                summary: self.report.dropped_lines().join("; "),
            });
        };
        let polars_err = |e: PolarsError| LoadError::Parse {
            file: name_of(0),
            format: "telemetry",
            message: e.to_string(),
        };
        for f in frames {
            frame.vstack_mut_owned(f).map_err(polars_err)?;
        }
        let frame = self
            .drop_duplicates(frame, &name_of, strict)
            .map_err(|e| match e {
                DedupError::Load(e) => e,
                DedupError::Polars(e) => polars_err(e),
            })?;
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
        })
    }

    /// Drop every row after the first for the same (viewer, timestamp).
    fn drop_duplicates(
        &mut self,
        frame: DataFrame,
        name_of: &dyn Fn(usize) -> String,
        strict: bool,
    ) -> Result<DataFrame, DedupError> {
        let viewers = frame.column(Canonical::ViewerId.name())?.u32()?.clone();
        let timestamps = frame.column(Canonical::Timestamp.name())?.i64()?.clone();
        let n_viewers = self
            .dictionaries
            .get(Canonical::ViewerId.name())
            .map_or(0, Dictionary::len);
        let later = dedup::later_duplicates(
            viewers.iter().map(Option::unwrap_or_default),
            || timestamps.iter().map(Option::unwrap_or_default),
            n_viewers,
        );
        if later.is_empty() {
            return Ok(frame);
        }
        // Global index → (file, row) through the frames' row maps.
        let mut starts = Vec::with_capacity(self.frame_rows.len());
        let mut total = 0;
        for f in &self.frames_heights {
            starts.push(total);
            total += f;
        }
        let mut keep = vec![true; frame.height()];
        let mut removed_per_file = vec![0_u64; self.report.files.len()];
        for &i in &later {
            keep[i] = false;
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
        let mask: BooleanChunked = keep.into_iter().map(Some).collect();
        Ok(frame.filter(&mask)?)
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

fn check_cancel(progress: &LoadProgress) -> Result<(), LoadError> {
    if progress.cancel.load(Ordering::Relaxed) {
        Err(LoadError::Cancelled)
    } else {
        Ok(())
    }
}

/// Convenience: load paths with default options and no progress.
pub fn load_paths(paths: &[PathBuf], options: &LoadOptions) -> Result<Dataset, LoadError> {
    let sources: Vec<Source> = paths.iter().cloned().map(Source::Path).collect();
    load(&sources, options, &LoadProgress::default())
}

/// Is `path` something we can try to load (by extension)?
#[must_use]
pub fn looks_loadable(path: &Path) -> bool {
    let name = path.to_string_lossy().to_lowercase();
    [".csv", ".tsv", ".txt", ".csv.gz", ".gz", ".parquet", ".pq"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Write `bytes` to `path` atomically: a temporary file beside it, then rename,
/// so a crash never leaves a half-written file.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn text_with(rows: usize, bad_row: Option<(usize, &str)>) -> String {
        let mut t = String::from("timestamp,event_id,viewer_id,qoe,engagement\n");
        for i in 0..rows {
            // Spreadsheet row of data line i is i + 2.
            let qoe = match bad_row {
                Some((r, v)) if r == i + 2 => v.to_string(),
                _ => "0.9".to_string(),
            };
            writeln!(t, "{},1,{i},{qoe},0.5", 1_700_000_000_000_i64 + i as i64).unwrap();
        }
        t
    }

    fn load_text(text: &str, strict: bool) -> Result<Dataset, LoadError> {
        let options = LoadOptions {
            strict,
            chunk_bytes: 300,
            ..LoadOptions::default()
        };
        let source = Source::Bytes {
            name: "t.csv".into(),
            bytes: Arc::from(text.as_bytes()),
        };
        load(&[source], &options, &LoadProgress::default())
    }

    #[test]
    fn many_small_chunks_keep_every_row() {
        let ds = load_text(&text_with(200, None), false).unwrap();
        assert_eq!(ds.rows(), 200);
        assert_eq!(ds.report.files[0].rows_read, 200);
        assert_eq!(ds.report.files[0].rows_kept, 200);
    }

    #[test]
    fn a_bad_cell_in_a_later_chunk_is_located() {
        let text = text_with(200, Some((150, "oops")));
        match load_text(&text, true) {
            Err(LoadError::BadValue {
                row, column, found, ..
            }) => {
                assert_eq!((row, column.as_str(), found.as_str()), (150, "qoe", "oops"));
            }
            other => panic!("expected a bad value, got {other:?}"),
        }
        let ds = load_text(&text, false).unwrap();
        assert_eq!(ds.rows(), 199);
        let stat = &ds.report.dropped["unparsable_value"];
        assert_eq!((stat.count, stat.first.row), (1, 150));
    }

    #[test]
    fn cancelling_stops_the_load() {
        let progress = LoadProgress::default();
        progress.cancel.store(true, Ordering::Relaxed);
        let source = Source::Bytes {
            name: "t.csv".into(),
            bytes: Arc::from(text_with(10, None).as_bytes()),
        };
        let err = load(&[source], &LoadOptions::default(), &progress).unwrap_err();
        assert!(matches!(err, LoadError::Cancelled));
    }

    #[test]
    fn progress_reaches_the_total() {
        let progress = LoadProgress::default();
        let text = text_with(50, None);
        let source = Source::Bytes {
            name: "t.csv".into(),
            bytes: Arc::from(text.as_bytes()),
        };
        load(&[source], &LoadOptions::default(), &progress).unwrap();
        assert_eq!(
            progress.bytes_total.load(Ordering::Relaxed),
            text.len() as u64
        );
        assert!((progress.fraction() - 1.0).abs() < 1e-6);
        assert_eq!(progress.rows.load(Ordering::Relaxed), 50);
    }

    #[test]
    fn extra_columns_become_numbers_and_filters() {
        let text = "timestamp,event_id,viewer_id,qoe,engagement,bitrate_kbps,isp,note\n\
            1000,1,1,0.9,0.5,3000,telia,a\n2000,1,2,0.8,0.5,2500,comcast,b\n";
        let ds = load_text(text, false).unwrap();
        assert_eq!(ds.extra_numeric, vec!["bitrate_kbps".to_string()]);
        assert!(ds.dimension("isp").is_some());
        assert_eq!(ds.label("isp", 1), "comcast");
        // `note` has as few values too, so it is a filter as well.
        assert!(ds.dimension("note").is_some());
    }

    #[test]
    fn user_mapping_is_used_for_its_header() {
        let text = "a,b,c,d,e\n1000,1,1,0.9,0.5\n";
        let err = load_text(text, false).unwrap_err();
        assert!(matches!(err, LoadError::MissingColumn { .. }));
        let headers: Vec<String> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        let mut mapping = ColumnMapping::default();
        for (c, h) in [
            (Canonical::Timestamp, "a"),
            (Canonical::EventId, "b"),
            (Canonical::ViewerId, "c"),
            (Canonical::Qoe, "d"),
            (Canonical::Engagement, "e"),
        ] {
            mapping.columns.insert(c, h.into());
        }
        let options = LoadOptions {
            mappings: HashMap::from([(header_signature(&headers), mapping)]),
            ..LoadOptions::default()
        };
        let source = Source::Bytes {
            name: "t.csv".into(),
            bytes: Arc::from(text.as_bytes()),
        };
        let ds = load(&[source], &options, &LoadProgress::default()).unwrap();
        assert_eq!(ds.rows(), 1);
    }

    #[test]
    fn atomic_write_replaces_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        atomic_write(&p, b"one").unwrap();
        atomic_write(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Arbitrary bytes never panic the loader: they load or give an error.
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let source = Source::Bytes { name: "fuzz.csv".into(), bytes: Arc::from(bytes) };
            let _ = load(&[source], &LoadOptions::default(), &LoadProgress::default());
        }

        /// Telemetry-shaped text with random cells never panics, strict or not.
        #[test]
        fn random_cells_never_panic(
            cells in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(String::new()),
                    "[0-9]{1,14}",
                    "-?[0-9]\\.[0-9]{1,3}",
                    "(NaN|inf|-inf|WFH|wfo|x|1e400|2024-03-04T10:00:00Z|\"a,b\")",
                ],
                0..60,
            ),
            strict in proptest::bool::ANY,
        ) {
            let mut text = String::from("timestamp,event_id,viewer_id,qoe,engagement,buffer_ms,viewer_type\n");
            for row in cells.chunks(7) {
                text.push_str(&row.join(","));
                text.push('\n');
            }
            let source = Source::Bytes { name: "fuzz.csv".into(), bytes: Arc::from(text.as_bytes()) };
            let options = LoadOptions { strict, chunk_bytes: 64, ..LoadOptions::default() };
            if let Ok(ds) = load(&[source], &options, &LoadProgress::default()) {
                // Whatever loads is analysable.
                let _ = crate::engine::analysis::overview::overview(&ds, &crate::engine::Filter::default());
            }
        }
    }
}
