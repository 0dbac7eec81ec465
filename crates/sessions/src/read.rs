//! Player events from CSV, gzip CSV, JSON Lines or Parquet: each row checked, bad rows
//! dropped and counted under their reason (or, strict, the first one an error), every
//! problem located by file, row and column.

use std::io::{BufRead, Read};

use crate::log::{PlayerLog, ReadError};
use crate::rows::{Coder, non_empty, timestamps_in_seconds, ts_column};

/// Rows kept as owned text (JSON Lines, Parquet), with their row numbers; `None`: no value.
type OwnedRows = Vec<(u64, Vec<Option<String>>)>;

/// Reads the player events of `file` (its name is used in messages) from its `bytes`
/// (plain or gzip).
pub fn read_player_events(file: &str, bytes: &[u8], strict: bool) -> Result<PlayerLog, ReadError> {
    read_player_stream(file, bytes, strict)
}

/// Reads the player events in the file at `path`, streaming: a CSV is never held whole in
/// memory, only one block of it at a time.
pub fn read_player_file(path: &std::path::Path, strict: bool) -> Result<PlayerLog, ReadError> {
    let file = path.display().to_string();
    let source = std::fs::File::open(path).map_err(|e| ReadError::Unreadable {
        file: file.clone(),
        message: e.to_string(),
    })?;
    read_player_stream(&file, source, strict)
}

/// Reads player events from `source` (plain or gzip): the first bytes tell the format.
fn read_player_stream(file: &str, source: impl Read, strict: bool) -> Result<PlayerLog, ReadError> {
    let unreadable = |e: std::io::Error| ReadError::Unreadable {
        file: file.to_string(),
        message: e.to_string(),
    };
    let mut source = std::io::BufReader::with_capacity(1 << 16, source);
    let head = source.fill_buf().map_err(unreadable)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let unzipped = flate2::bufread::MultiGzDecoder::new(source);
        return read_plain(
            file,
            std::io::BufReader::with_capacity(1 << 16, unzipped),
            strict,
        );
    }
    if let Some((wide, mark)) = streamlens_engine::encoding::Wide::from_bom(head) {
        source.consume(mark);
        let text = streamlens_engine::encoding::ToUtf8::new(source, wide);
        return read_plain(
            file,
            std::io::BufReader::with_capacity(1 << 16, text),
            strict,
        );
    }
    read_plain(file, source, strict)
}

/// Reads player events from uncompressed text or Parquet.
fn read_plain(file: &str, mut source: impl BufRead, strict: bool) -> Result<PlayerLog, ReadError> {
    let unreadable = |e: std::io::Error| ReadError::Unreadable {
        file: file.to_string(),
        message: e.to_string(),
    };
    let head = source.fill_buf().map_err(unreadable)?;
    if !head.starts_with(b"PAR1")
        && let Some(why) = streamlens_engine::encoding::binary_reason(head)
    {
        return Err(unreadable(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            why,
        )));
    }
    let text_start = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(head);
    if head.starts_with(b"PAR1") || text_start.trim_ascii_start().starts_with(b"{") {
        let mut bytes = Vec::new();
        source.read_to_end(&mut bytes).map_err(unreadable)?;
        if bytes.starts_with(b"PAR1") {
            return code_parquet(file, &bytes, strict);
        }
        let text = String::from_utf8_lossy(&bytes);
        let (columns, rows) = json_rows(file, text.trim_start_matches('\u{feff}'))?;
        return code_owned_rows(file, &columns, &rows, strict);
    }
    crate::read_csv::read_csv(file, source, strict)
}

/// Checks and codes rows held as owned text.
fn code_owned_rows(
    file: &str,
    columns: &[String],
    rows: &OwnedRows,
    strict: bool,
) -> Result<PlayerLog, ReadError> {
    let seconds = ts_column(columns).is_some_and(|at| {
        timestamps_in_seconds(rows.iter().filter_map(|(_, c)| c.get(at)?.as_deref()))
    });
    let mut coder = Coder::new(file, columns, seconds, rows.len(), strict)?;
    let mut cells: Vec<&str> = Vec::with_capacity(columns.len());
    for (row, owned) in rows {
        cells.clear();
        cells.extend(owned.iter().map(|c| c.as_deref().unwrap_or("")));
        coder.row(*row, &cells)?;
    }
    non_empty(file, coder.finish())
}

/// Checks and codes a Parquet file's rows, its cells read as text (typed date-times print
/// as ISO-8601, which the timestamp parser reads; rows are numbered from 1) straight from
/// the columns, with no copy per cell. Columns of a type that cannot be read are refused
/// when the schema gives them a meaning, else left out and listed in the report.
fn code_parquet(file: &str, bytes: &[u8], strict: bool) -> Result<PlayerLog, ReadError> {
    let unreadable = |e: &dyn std::fmt::Display| ReadError::Unreadable {
        file: file.to_string(),
        message: e.to_string(),
    };
    let table = streamlens_engine::io::parquet::read_all(&mut &bytes[..], file)
        .map_err(|e| unreadable(&e))?;
    let meaningful = table
        .unreadable
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| crate::rows::has_meaning(name));
    table
        .check_used(file, meaningful)
        .map_err(|e| unreadable(&e))?;
    let left_out: Vec<String> = table
        .unreadable
        .iter()
        .map(|(name, kind)| format!("{file}: {name} ({kind})"))
        .collect();
    let frame = table.frame;
    if frame.height() == 0 {
        return Err(ReadError::Empty {
            file: file.to_string(),
        });
    }
    let columns: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut texts = Vec::with_capacity(columns.len());
    for column in frame.columns() {
        let text = column
            .as_materialized_series()
            .cast(&polars::prelude::DataType::String)
            .map_err(|e| unreadable(&e))?;
        texts.push(text.str().map_err(|e| unreadable(&e))?.clone());
    }
    let seconds =
        ts_column(&columns).is_some_and(|at| timestamps_in_seconds(texts[at].iter().flatten()));
    let height = frame.height();
    let mut coder = Coder::new(file, &columns, seconds, height, strict)?;
    let mut cells_of: Vec<_> = texts
        .iter()
        .map(polars::prelude::ChunkedArray::iter)
        .collect();
    let mut cells: Vec<&str> = Vec::with_capacity(columns.len());
    for row in 0..height {
        cells.clear();
        cells.extend(
            cells_of
                .iter_mut()
                .map(|c| c.next().flatten().unwrap_or("")),
        );
        coder.row(row as u64 + 1, &cells)?;
    }
    let mut log = non_empty(file, coder.finish())?;
    log.report.columns_left_out = left_out;
    Ok(log)
}

fn json_rows(file: &str, text: &str) -> Result<(Vec<String>, OwnedRows), ReadError> {
    let mut columns: Vec<String> = Vec::new();
    let mut parsed = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let object = match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(o)) => Some(o),
            _ => None,
        };
        if let Some(o) = &object {
            for key in o.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        parsed.push((i as u64 + 1, object));
    }
    if parsed.is_empty() {
        return Err(ReadError::Empty {
            file: file.to_string(),
        });
    }
    let rows = parsed
        .into_iter()
        .map(|(row, object)| {
            let cells = object.map_or_else(Vec::new, |o| {
                columns
                    .iter()
                    .map(|c| match o.get(c) {
                        None | Some(serde_json::Value::Null) => None,
                        Some(serde_json::Value::String(s)) => Some(s.clone()),
                        Some(other) => Some(other.to_string()),
                    })
                    .collect()
            });
            (row, cells)
        })
        .collect();
    Ok((columns, rows))
}
