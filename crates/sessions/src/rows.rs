//! Checking and coding rows: every row of a player-event file checked against the
//! issue's schema, bad rows dropped under their reason (or, strict, the first one an
//! error), good ones coded into a [`PlayerLog`]. A CSV is coded in one part per core.

use std::borrow::Cow;

use streamlens_engine::io::values::{
    MAX_PLAUSIBLE_MS, SECONDS_MS_BOUNDARY, TimestampText, parse_number, parse_timestamp_text,
};

use crate::event::{EventKind, PlayerEvent};
use crate::log::{Dimension, Labels, Located, PlayerLog, ReadError, ReadReport};

/// One row's cells (`None`: no value), borrowed from the text where possible; no cells at
/// all marks a ragged line.
pub(crate) type Cells<'a> = Vec<Option<Cow<'a, str>>>;

/// Rows kept as owned text (JSON Lines, Parquet), with their row numbers.
pub(crate) type OwnedRows = Vec<(u64, Vec<Option<String>>)>;

/// A file's rows under its column names, produced one at a time (a CSV is never held as
/// cells, only as its text); `row` numbers for messages. Cloning the iterator re-reads from
/// the start (the seconds-or-milliseconds look at the first rows).
pub(crate) struct TextRows<I> {
    pub(crate) columns: Vec<String>,
    pub(crate) rows: I,
    /// About how many rows there are (storage is reserved for them up front).
    pub(crate) expected_rows: usize,
}

impl<'a> TextRows<()> {
    /// Rows of owned cells, lent out one row at a time.
    pub(crate) fn borrowing(
        columns: Vec<String>,
        rows: &'a OwnedRows,
    ) -> TextRows<impl Iterator<Item = (u64, Cells<'a>)> + Clone> {
        let rows_len = rows.len();
        let rows = rows.iter().map(|(row, cells)| {
            let cells = cells.iter().map(|c| c.as_deref().map(Cow::Borrowed));
            (*row, cells.collect())
        });
        TextRows {
            columns,
            rows,
            expected_rows: rows_len,
        }
    }
}

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

/// Checks and codes every row; an error when no row is valid.
pub(crate) fn check<'a>(
    file: &str,
    text: TextRows<impl Iterator<Item = (u64, Cells<'a>)> + Clone>,
    strict: bool,
) -> Result<PlayerLog, ReadError> {
    let seconds = match ts_column(&text.columns) {
        Some(ts_at) => timestamps_in_seconds(text.rows.clone(), ts_at),
        None => false, // `code` names the missing column
    };
    let log = Rows::code(
        file,
        &text.columns,
        text.rows,
        seconds,
        text.expected_rows,
        strict,
    )?;
    non_empty(file, log)
}

/// A log without events is an error naming the first bad row.
pub(crate) fn non_empty(file: &str, log: PlayerLog) -> Result<PlayerLog, ReadError> {
    if log.events.is_empty() {
        return Err(ReadError::NoValidRows {
            file: file.to_string(),
            first: log.report.first_drop.clone().map(Box::new),
        });
    }
    Ok(log)
}

/// Where the timestamps are.
pub(crate) fn ts_column(columns: &[String]) -> Option<usize> {
    columns
        .iter()
        .position(|c| REQUIRED[0].1.iter().any(|a| c.eq_ignore_ascii_case(a)))
}

/// Checking and coding rows.
pub(crate) struct Rows;

impl Rows {
    /// Checks and codes `rows` (any part of a file: an empty log is no error here).
    /// `seconds`: numeric timestamps are unix seconds; `expected` rows get storage up front.
    pub(crate) fn code<'a>(
        file: &str,
        columns: &[String],
        rows: impl Iterator<Item = (u64, Cells<'a>)>,
        seconds: bool,
        expected: usize,
        strict: bool,
    ) -> Result<PlayerLog, ReadError> {
        let find = |aliases: &[&str]| {
            columns
                .iter()
                .position(|c| aliases.iter().any(|a| c.eq_ignore_ascii_case(a)))
        };
        let mut required = [0_usize; 5];
        for (slot, (name, aliases)) in required.iter_mut().zip(REQUIRED) {
            *slot = find(aliases).ok_or_else(|| ReadError::MissingColumn {
                file: file.to_string(),
                column: name.to_string(),
                found: columns.join(", "),
                aliases: aliases.join(", "),
            })?;
        }
        let [ts_at, session_at, viewer_at, webcast_at, kind_at] = required;
        let optional = OPTIONAL.map(|(_, aliases)| find(aliases));
        let [customer_at, bitrate_at, error_code_at] = optional;
        // Error codes belong to error rows, not to a view's first request: not a dimension.
        let named: Vec<usize> = required
            .iter()
            .copied()
            .chain(customer_at)
            .chain(bitrate_at)
            .chain(error_code_at)
            .collect();
        let mut dimensions: Vec<(usize, Dimension)> = (0..columns.len())
            .filter(|c| !named.contains(c))
            .map(|c| {
                let dimension = Dimension {
                    name: columns[c].clone(),
                    labels: Labels::default(),
                    codes: Vec::with_capacity(expected),
                };
                (c, dimension)
            })
            .collect();
        let n = expected;
        let mut log = PlayerLog {
            events: Vec::with_capacity(n),
            sessions: Labels::default(),
            viewers: Labels::default(),
            webcasts: Labels::default(),
            webcast_of: Vec::with_capacity(n),
            customers: customer_at.map(|_| Labels::default()),
            customer_of: Vec::with_capacity(if customer_at.is_some() { n } else { 0 }),
            dimensions: Vec::new(),
            report: ReadReport::default(),
        };
        for (row, cells) in rows {
            log.report.rows_read += 1;
            let bad = |column: usize, found: &str, expected: &str| Located {
                file: file.to_string(),
                row,
                column: columns.get(column).cloned().unwrap_or_default(),
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
pub(crate) fn timestamps_in_seconds<'a>(
    rows: impl Iterator<Item = (u64, Cells<'a>)>,
    ts_at: usize,
) -> bool {
    let mut magnitudes: Vec<f64> = rows
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
