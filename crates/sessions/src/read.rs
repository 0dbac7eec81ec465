//! Player events from CSV, gzip CSV or JSON Lines text: each row checked, bad rows dropped
//! and counted under their reason (or, strict, the first one an error), every problem
//! located by file, row and column.

use std::borrow::Cow;
use std::io::Read;

use streamlens_engine::io::csv::{detect_separator, split_line};

use crate::log::{PlayerLog, ReadError};
use crate::rows::{
    Cells, OwnedRows, Rows, TextRows, check, non_empty, timestamps_in_seconds, ts_column,
};

/// Reads the player events of `file` (its name is used in messages) from its `bytes`
/// (plain or gzip).
pub fn read_player_events(file: &str, bytes: &[u8], strict: bool) -> Result<PlayerLog, ReadError> {
    let unreadable = |e: std::io::Error| ReadError::Unreadable {
        file: file.to_string(),
        message: e.to_string(),
    };
    let unzipped;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut text)
            .map_err(unreadable)?;
        unzipped = text;
        unzipped.as_slice()
    } else {
        bytes
    };
    if bytes.starts_with(b"PAR1") {
        let (columns, rows) = parquet_rows(file, bytes)?;
        return check(file, TextRows::borrowing(columns, &rows), strict);
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    if text.trim_start().starts_with('{') {
        let (columns, rows) = json_rows(file, text)?;
        return check(file, TextRows::borrowing(columns, &rows), strict);
    }
    read_csv(file, text, strict)
}

/// Below this a CSV is coded on one thread (starting threads would cost more).
pub(crate) const PARALLEL_BYTES: usize = 4 << 20;

/// A CSV coded in one part per core: the text is cut at line ends, each part coded on its
/// own thread with its own labels, then the parts are appended in file order (labels keep
/// their first-seen order, so the codes equal a single pass) and row numbers in messages
/// are shifted by the lines before each part.
fn read_csv(file: &str, text: &str, strict: bool) -> Result<PlayerLog, ReadError> {
    let whole = csv_rows(file, text)?;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if cores < 2 || text.len() < PARALLEL_BYTES {
        return check(file, whole, strict);
    }
    let seconds = ts_column(&whole.columns).is_some_and(|at| timestamps_in_seconds(whole.rows, at));
    let columns = whole.columns;
    let expected = whole.expected_rows / cores + 1;
    let header_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let body = &text[header_end..];
    let mut parts = Vec::with_capacity(cores);
    let mut from = 0;
    for k in 1..=cores {
        let mut to = if k == cores {
            body.len()
        } else {
            body.len() * k / cores
        };
        // After a line end, so always a character boundary.
        let newline = body.as_bytes()[to..].iter().position(|&b| b == b'\n');
        to = newline.map_or(body.len(), |i| to + i + 1).max(from);
        parts.push(&body[from..to]);
        from = to;
    }
    let separator = detect_separator(text.lines().next().unwrap_or(""));
    let code_part = |part: &str| {
        let lines = std::cell::Cell::new(0_u64);
        let rows = part
            .lines()
            .enumerate()
            .inspect(|(i, _)| lines.set(*i as u64 + 1))
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| (i as u64 + 2, csv_cells(line, separator, columns.len())));
        let log = Rows::code(file, &columns, rows, seconds, expected, strict);
        (log, lines.get())
    };
    let coded: Vec<(Result<PlayerLog, ReadError>, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts[1..]
            .iter()
            .map(|part| {
                std::thread::Builder::new()
                    .name("sessions-read".into())
                    .spawn_scoped(scope, move || code_part(part))
            })
            .collect();
        let mut coded = vec![code_part(parts[0])];
        for (handle, part) in handles.into_iter().zip(&parts[1..]) {
            // A thread that could not start, or failed, leaves its part to this one.
            coded.push(match handle {
                Ok(h) => h.join().unwrap_or_else(|_| code_part(part)),
                Err(_) => code_part(part),
            });
        }
        coded
    });
    let mut log: Option<PlayerLog> = None;
    let mut lines_before = 0;
    for (result, lines) in coded {
        let shift = |at: &mut crate::log::Located| at.row += lines_before;
        let mut part = match result {
            Ok(part) => part,
            Err(ReadError::BadRow(mut at)) => {
                shift(&mut at);
                return Err(ReadError::BadRow(at));
            }
            Err(e) => return Err(e),
        };
        if let Some(at) = part.report.first_drop.as_mut() {
            shift(at);
        }
        match &mut log {
            Some(log) => log.append(part),
            None => log = Some(part),
        }
        lines_before += lines;
    }
    non_empty(
        file,
        log.ok_or_else(|| ReadError::Empty {
            file: file.to_string(),
        })?,
    )
}

/// A Parquet file's cells as text (typed date-times print as ISO-8601, which the
/// timestamp parser reads); rows are numbered from 1.
fn parquet_rows(file: &str, bytes: &[u8]) -> Result<(Vec<String>, OwnedRows), ReadError> {
    let unreadable = |e: &dyn std::fmt::Display| ReadError::Unreadable {
        file: file.to_string(),
        message: e.to_string(),
    };
    let frame = streamlens_engine::io::parquet::read_all(&mut &bytes[..], file)
        .map_err(|e| unreadable(&e))?;
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
        let cells: Vec<Option<String>> = text
            .str()
            .map_err(|e| unreadable(&e))?
            .iter()
            .map(|c| c.map(str::to_string))
            .collect();
        texts.push(cells);
    }
    let rows = (0..frame.height())
        .map(|r| (r as u64 + 1, texts.iter().map(|c| c[r].clone()).collect()))
        .collect();
    Ok((columns, rows))
}

pub(crate) fn csv_rows<'a>(
    file: &str,
    text: &'a str,
) -> Result<TextRows<impl Iterator<Item = (u64, Cells<'a>)> + Clone>, ReadError> {
    let mut lines = text.lines();
    let header = lines.next().ok_or_else(|| ReadError::Empty {
        file: file.to_string(),
    })?;
    let separator = detect_separator(header);
    let columns: Vec<String> = split_line(header, separator)
        .into_iter()
        .map(|c| c.trim().to_string())
        .collect();
    let width = columns.len();
    // Text length ÷ the mean length of the first lines.
    let sample: Vec<usize> = lines.clone().take(64).map(|l| l.len() + 1).collect();
    let mean = sample.iter().sum::<usize>() / sample.len().max(1);
    let expected_rows = text.len() / mean.max(1);
    let rows = lines
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(move |(i, line)| (i as u64 + 2, csv_cells(line, separator, width)));
    Ok(TextRows {
        columns,
        rows,
        expected_rows,
    })
}

/// The cells of one CSV line, borrowed unless quotes must be undone; none when the line
/// does not have `width` cells.
fn csv_cells(line: &str, separator: u8, width: usize) -> Cells<'_> {
    let line = line.trim_end_matches('\r');
    let cells: Cells<'_> = if line.contains('"') {
        let owned = split_line(line, separator);
        owned.into_iter().map(|c| Some(Cow::Owned(c))).collect()
    } else {
        line.split(char::from(separator))
            .map(|c| Some(Cow::Borrowed(c)))
            .collect()
    };
    // A ragged line: marked by an empty cell list, reported by `check`.
    if cells.len() == width {
        cells
    } else {
        Vec::new()
    }
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
