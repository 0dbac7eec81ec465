//! Reading telemetry files (CSV, gzip CSV, Parquet) into one [`Dataset`].
//!
//! Each format is turned into parsed chunks; every chunk goes through the same
//! conversion (`convert`), so validation and row numbering are identical for all
//! formats. Loading reports progress, can be cancelled between chunks, and never
//! panics on file content.

mod builder;
mod columns;
pub mod convert;
pub mod csv;
pub mod dedup;
mod direct;
pub mod parquet;
mod parquet_check;
mod read_ahead;
pub mod report;
mod stack;
pub mod values;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::dataset::Dataset;
use crate::error::{LoadError, display_path};
use crate::schema::{ColumnMapping, header_signature};
use builder::Builder;

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

    /// The size to expect, checking the source can be opened. A named pipe is not opened
    /// here: opening and closing it would end its writer's stream before the real read.
    fn size_checked(&self) -> Result<u64, LoadError> {
        #[cfg(unix)]
        if let Source::Path(p) = self {
            use std::os::unix::fs::FileTypeExt as _;
            if std::fs::metadata(p).is_ok_and(|m| m.file_type().is_fifo()) {
                return Ok(0);
            }
        }
        Ok(self.open()?.1)
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
    /// Parse every CSV chunk with polars, never with the direct parser (the reference the
    /// direct parser is tested against).
    pub polars_only: bool,
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
    /// CSV in UTF-16/32 after a byte-order mark (consumed by [`sniff`]), read transcoded.
    WideCsv(crate::encoding::Wide),
}

fn sniff(reader: &mut BufReader<Box<dyn Read + Send + '_>>) -> std::io::Result<Format> {
    let head = reader.fill_buf()?;
    if let Some((wide, mark)) = crate::encoding::Wide::from_bom(head) {
        reader.consume(mark);
        return Ok(Format::WideCsv(wide));
    }
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

impl FilePreview {
    /// Whether the file could be telemetry with other column names: some column is
    /// recognised, or some column's sample values all look like instants (numbers of at least
    /// 10⁹, i.e. unix seconds or ms since 2001, or `YYYY-MM-DD…` dates). A table of `QoE`
    /// windows has neither and is better opened as a feature table.
    #[must_use]
    pub fn could_be_telemetry(&self) -> bool {
        let instant = |cell: &str| {
            let cell = cell.trim();
            cell.parse::<f64>().is_ok_and(|v| v >= 1e9)
                || (cell.len() >= 10
                    && cell.as_bytes()[4] == b'-'
                    && cell.as_bytes()[7] == b'-'
                    && cell[..4].bytes().all(|b| b.is_ascii_digit()))
        };
        let time_column = (0..self.headers.len()).any(|c| {
            !self.rows.is_empty()
                && self
                    .rows
                    .iter()
                    .all(|r| r.get(c).is_some_and(|cell| instant(cell)))
        });
        !self.recognised.columns.is_empty() || time_column
    }
}

/// Read the header and a few rows without loading the file.
pub fn preview(source: &Source) -> Result<FilePreview, LoadError> {
    let file = source.name();
    let (reader, _) = source.open()?;
    let mut reader = BufReader::new(reader);
    let format = sniff(&mut reader).map_err(|e| io_err(&file, e))?;
    let (headers, rows) = match format {
        Format::Parquet => parquet::preview(source, &file)?,
        Format::Csv | Format::GzipCsv | Format::WideCsv(_) => {
            let text: Box<dyn BufRead> = match format {
                Format::GzipCsv => {
                    Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(reader)))
                }
                Format::WideCsv(wide) => {
                    Box::new(BufReader::new(crate::encoding::ToUtf8::new(reader, wide)))
                }
                _ => Box::new(reader),
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
        total += s.size_checked()?;
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
    let dataset = builder.finish(sources, options.strict);
    // The builder's buffers are gone now; what the allocator kept of them goes back.
    crate::memory::return_freed_memory();
    dataset
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

#[cfg(test)]
mod tests;
