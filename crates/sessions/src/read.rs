//! Player events from CSV, gzip CSV or JSON Lines text: each row checked, bad rows dropped
//! and counted under their reason (or, strict, the first one an error), every problem
//! located by file, row and column.

use std::io::Read;

use streamlens_engine::io::csv::{detect_separator, split_line};
use streamlens_engine::io::values::{
    MAX_PLAUSIBLE_MS, SECONDS_MS_BOUNDARY, TimestampText, parse_number, parse_timestamp_text,
};

use crate::event::{EventKind, PlayerEvent};
use crate::log::{Dimension, Labels, Located, PlayerLog, ReadError, ReadReport};

/// Columns every file needs, each with the names it may go by.
const REQUIRED: [(&str, &[&str]); 5] = [
    ("ts", &["ts", "timestamp", "time", "ts_ms"]),
    (
        "session_id",
        &["session_id", "session", "sessionid", "view_id"],
    ),
    ("viewer_id", &["viewer_id", "viewer", "user_id", "viewerid"]),
    (
        "event_id",
        &["event_id", "video_id", "webcast_id", "eventid"],
    ),
    ("event_type", &["event_type", "type", "eventtype", "kind"]),
];
/// Optional columns with a meaning; every other column becomes a dimension as written.
const OPTIONAL: [(&str, &[&str]); 3] = [
    ("customer_id", &["customer_id", "customer", "customerid"]),
    ("bitrate_kbps", &["bitrate_kbps", "bitrate", "kbps"]),
    ("error_code", &["error_code", "errorcode"]),
];

/// Reads the player events of `file` (its name is used in messages) from `reader`.
pub fn read_player_events(
    file: &str,
    reader: impl Read,
    strict: bool,
) -> Result<PlayerLog, ReadError> {
    let unreadable = |e: std::io::Error| ReadError::Unreadable {
        file: file.to_string(),
        message: e.to_string(),
    };
    let mut bytes = Vec::new();
    let mut reader = reader;
    reader.read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut text)
            .map_err(unreadable)?;
        bytes = text;
    }
    if bytes.starts_with(b"PAR1") {
        let rows = parquet_rows(file, &bytes)?;
        return Rows::check(file, &rows, strict);
    }
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim_start_matches('\u{feff}');
    let rows = if text.trim_start().starts_with('{') {
        json_rows(file, text)?
    } else {
        csv_rows(file, text)?
    };
    Rows::check(file, &rows, strict)
}

/// A file's rows as text cells under its column names; `row` numbers for messages.
struct TextRows {
    columns: Vec<String>,
    rows: Vec<(u64, Vec<Option<String>>)>,
}

/// A Parquet file's cells as text (typed date-times print as ISO-8601, which the
/// timestamp parser reads); rows are numbered from 1.
fn parquet_rows(file: &str, bytes: &[u8]) -> Result<TextRows, ReadError> {
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
    Ok(TextRows { columns, rows })
}

fn csv_rows(file: &str, text: &str) -> Result<TextRows, ReadError> {
    let mut lines = text.lines();
    let header = lines.next().ok_or_else(|| ReadError::Empty {
        file: file.to_string(),
    })?;
    let separator = detect_separator(header);
    let columns: Vec<String> = split_line(header, separator)
        .into_iter()
        .map(|c| c.trim().to_string())
        .collect();
    let rows = lines
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let cells = split_line(line.trim_end_matches('\r'), separator);
            let cells = if cells.len() == columns.len() {
                cells.into_iter().map(Some).collect()
            } else {
                // A ragged line: marked by an empty cell list, reported by `check`.
                Vec::new()
            };
            (i as u64 + 2, cells)
        })
        .collect();
    Ok(TextRows { columns, rows })
}

fn json_rows(file: &str, text: &str) -> Result<TextRows, ReadError> {
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
    Ok(TextRows { columns, rows })
}

/// Checking and coding rows.
struct Rows;

impl Rows {
    fn check(file: &str, text: &TextRows, strict: bool) -> Result<PlayerLog, ReadError> {
        let find = |aliases: &[&str]| {
            text.columns
                .iter()
                .position(|c| aliases.iter().any(|a| c.eq_ignore_ascii_case(a)))
        };
        let mut required = [0_usize; 5];
        for (slot, (name, aliases)) in required.iter_mut().zip(REQUIRED) {
            *slot = find(aliases).ok_or_else(|| ReadError::MissingColumn {
                file: file.to_string(),
                column: name.to_string(),
                found: text.columns.join(", "),
                aliases: aliases.join(", "),
            })?;
        }
        let [ts_at, session_at, viewer_at, webcast_at, kind_at] = required;
        let optional = OPTIONAL.map(|(_, aliases)| find(aliases));
        let [customer_at, bitrate_at, _] = optional;
        let named: Vec<usize> = required
            .iter()
            .copied()
            .chain(customer_at)
            .chain(bitrate_at)
            .collect();
        let mut dimensions: Vec<(usize, Dimension)> = (0..text.columns.len())
            .filter(|c| !named.contains(c))
            .map(|c| {
                let dimension = Dimension {
                    name: text.columns[c].clone(),
                    labels: Labels::default(),
                    codes: Vec::new(),
                };
                (c, dimension)
            })
            .collect();
        let seconds = timestamps_in_seconds(text, ts_at);
        let mut log = PlayerLog {
            events: Vec::new(),
            sessions: Labels::default(),
            viewers: Labels::default(),
            webcasts: Labels::default(),
            webcast_of: Vec::new(),
            customers: customer_at.map(|_| Labels::default()),
            customer_of: Vec::new(),
            dimensions: Vec::new(),
            report: ReadReport::default(),
        };
        for (row, cells) in &text.rows {
            log.report.rows_read += 1;
            let bad = |column: usize, found: &str, expected: &str| Located {
                file: file.to_string(),
                row: *row,
                column: text.columns.get(column).cloned().unwrap_or_default(),
                found: found.to_string(),
                expected: expected.to_string(),
            };
            let cell = |c: usize| cells.get(c).and_then(|v| v.as_deref()).map(str::trim);
            let checked = (|| -> Result<_, (&str, Located)> {
                if cells.is_empty() {
                    let found = "a line that is not a row of the header's columns";
                    return Err(("malformed_row", bad(0, found, "one value per column")));
                }
                let ts_text = cell(ts_at).unwrap_or("");
                let ts_ms = timestamp_ms(ts_text, seconds).ok_or_else(|| {
                    let expected = "unix ms, unix s or ISO-8601 between 1970 and 2200";
                    ("bad_timestamp", bad(ts_at, ts_text, expected))
                })?;
                let type_text = cell(kind_at).unwrap_or("");
                let kind = EventKind::parse(type_text).ok_or_else(|| {
                    let kinds: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
                    let expected = format!("one of {}", kinds.join(", "));
                    ("unknown_event_type", bad(kind_at, type_text, &expected))
                })?;
                let mut ids = [""; 3];
                for (id, at) in ids.iter_mut().zip([session_at, viewer_at, webcast_at]) {
                    *id = cell(at)
                        .filter(|t| !t.is_empty())
                        .ok_or_else(|| ("missing_id", bad(at, "", "an id")))?;
                }
                let bitrate = match bitrate_at.and_then(cell).filter(|t| !t.is_empty()) {
                    None => None,
                    Some(t) => Some(
                        parse_number(t)
                            .filter(|v| v.is_finite() && *v >= 0.0)
                            .ok_or_else(|| {
                                let at = bitrate_at.unwrap_or(0);
                                ("bad_bitrate", bad(at, t, "a bitrate in kbps, ≥ 0"))
                            })?,
                    ),
                };
                Ok((ts_ms, kind, ids, bitrate))
            })();
            match checked {
                Ok((ts_ms, kind, [session, viewer, webcast], bitrate_kbps)) => {
                    log.events.push(PlayerEvent {
                        ts_ms,
                        session: log.sessions.code(session),
                        viewer: log.viewers.code(viewer),
                        kind,
                        bitrate_kbps,
                    });
                    log.webcast_of.push(log.webcasts.code(webcast));
                    if let (Some(labels), Some(at)) = (log.customers.as_mut(), customer_at) {
                        log.customer_of
                            .push(labels.code(cell(at).unwrap_or("").or_missing()));
                    }
                    for (at, d) in &mut dimensions {
                        let label = cell(*at).unwrap_or("").or_missing();
                        let code = d.labels.code(label);
                        d.codes.push(code);
                    }
                    log.report.rows_kept += 1;
                }
                Err((reason, at)) => {
                    if strict {
                        return Err(ReadError::BadRow(Box::new(at)));
                    }
                    *log.report.dropped.entry(reason.to_string()).or_default() += 1;
                    log.report.first_drop.get_or_insert(at);
                }
            }
        }
        if log.events.is_empty() {
            return Err(ReadError::NoValidRows {
                file: file.to_string(),
                first: log.report.first_drop.clone().map(Box::new),
            });
        }
        log.dimensions = dimensions.into_iter().map(|(_, d)| d).collect();
        Ok(log)
    }
}

trait OrMissing {
    fn or_missing(&self) -> &str;
}

impl OrMissing for str {
    /// The label of an empty cell.
    fn or_missing(&self) -> &str {
        if self.is_empty() { "(missing)" } else { self }
    }
}

/// Numbers are unix seconds when the median magnitude of the first 1,000 is below 1e11
/// (as for telemetry: one stray value cannot flip a file's unit).
fn timestamps_in_seconds(text: &TextRows, ts_at: usize) -> bool {
    let mut magnitudes: Vec<f64> = text
        .rows
        .iter()
        .filter_map(|(_, cells)| cells.get(ts_at)?.as_deref().and_then(parse_number))
        .filter(|v| v.is_finite())
        .map(f64::abs)
        .take(1000)
        .collect();
    if magnitudes.is_empty() {
        return false;
    }
    let mid = (magnitudes.len() - 1) / 2;
    let (_, median, _) = magnitudes.select_nth_unstable_by(mid, f64::total_cmp);
    *median > 0.0 && *median < SECONDS_MS_BOUNDARY
}

fn timestamp_ms(text: &str, seconds: bool) -> Option<i64> {
    let ms = match parse_timestamp_text(text)? {
        TimestampText::Millis(ms) => ms,
        TimestampText::Number(v) if v.is_finite() => {
            (v * if seconds { 1000.0 } else { 1.0 }).round() as i64
        }
        TimestampText::Number(_) => return None,
    };
    (0..=MAX_PLAUSIBLE_MS).contains(&ms).then_some(ms)
}
