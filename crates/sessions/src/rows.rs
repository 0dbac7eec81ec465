//! Checking and coding rows: every row of a player-event file checked against the
//! issue's schema, bad rows dropped under their reason (or, strict, the first one an
//! error), good ones coded into a [`PlayerLog`]. Rows come one at a time as cell slices
//! borrowed from the text, so nothing is allocated per row.

use streamlens_engine::io::values::{
    MAX_PLAUSIBLE_MS, SECONDS_MS_BOUNDARY, TimestampText, fits_time_unit, parse_number,
    parse_timestamp_text,
};

use crate::event::{EventKind, PlayerEvent};
use crate::log::{Dimension, Labels, Located, NOT_KEPT, PlayerLog, ReadError, ReadReport};

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

/// Whether `column` is one of the schema's columns with a meaning (by any of its names),
/// rather than a dimension written as found.
pub(crate) fn has_meaning(column: &str) -> bool {
    REQUIRED
        .iter()
        .chain(OPTIONAL.iter())
        .any(|(_, aliases)| aliases.iter().any(|a| column.eq_ignore_ascii_case(a)))
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

/// Where each column with a meaning is.
#[derive(Clone, Copy)]
struct Positions {
    ts: usize,
    session: usize,
    viewer: usize,
    webcast: usize,
    kind: usize,
    customer: Option<usize>,
    bitrate: Option<usize>,
}

/// Checks and codes rows of one file (or one part of it) into a [`PlayerLog`].
pub(crate) struct Coder<'f> {
    file: &'f str,
    columns: &'f [String],
    at: Positions,
    /// Numeric timestamps are unix seconds (else milliseconds).
    seconds: bool,
    strict: bool,
    /// Dimension columns and their coded values.
    dimensions: Vec<(usize, Dimension)>,
    log: PlayerLog,
}

impl<'f> Coder<'f> {
    /// A coder for rows under `columns`; a required column missing is an error naming what
    /// was found. `expected` rows get storage up front.
    pub(crate) fn new(
        file: &'f str,
        columns: &'f [String],
        seconds: bool,
        expected: usize,
        strict: bool,
    ) -> Result<Self, ReadError> {
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
        let [ts, session, viewer, webcast, kind] = required;
        let [customer, bitrate, error_code] = OPTIONAL.map(|(_, aliases)| find(aliases));
        // Error codes belong to error rows, not to a view's first request: not a dimension.
        let named: Vec<usize> = required
            .iter()
            .copied()
            .chain(customer)
            .chain(bitrate)
            .chain(error_code)
            .collect();
        let dimensions = (0..columns.len())
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
        let log = PlayerLog {
            events: Vec::with_capacity(n),
            sessions: Labels::default(),
            viewers: Labels::default(),
            webcasts: Labels::default(),
            webcast_of: Vec::with_capacity(n),
            customers: customer.map(|_| Labels::default()),
            customer_of: Vec::with_capacity(if customer.is_some() { n } else { 0 }),
            dimensions: Vec::new(),
            report: ReadReport::default(),
        };
        let at = Positions {
            ts,
            session,
            viewer,
            webcast,
            kind,
            customer,
            bitrate,
        };
        Ok(Self {
            file,
            columns,
            at,
            seconds,
            strict,
            dimensions,
            log,
        })
    }

    /// This coder writing into `storage` — a log a coder of the same file finished, whose
    /// events were taken — instead of fresh memory (pieces after the first reuse their
    /// pages rather than touching new ones).
    pub(crate) fn reusing(mut self, mut storage: PlayerLog) -> Self {
        let same_columns = storage.dimensions.len() == self.dimensions.len()
            && storage.customers.is_some() == self.log.customers.is_some();
        if !same_columns {
            return self;
        }
        storage.clear();
        for ((_, mine), theirs) in self.dimensions.iter_mut().zip(&mut storage.dimensions) {
            std::mem::swap(&mut mine.codes, &mut theirs.codes);
            std::mem::swap(&mut mine.labels, &mut theirs.labels);
        }
        storage.dimensions.clear();
        self.log = storage;
        self
    }

    /// Checks and codes one row (`cells`: one per column, empty for no value; any other
    /// count is a malformed row). A bad row is dropped and counted, or, strict, the error.
    pub(crate) fn row(&mut self, row: u64, cells: &[&str]) -> Result<(), ReadError> {
        self.log.report.rows_read += 1;
        match self.checked(row, cells) {
            Ok((ts_ms, kind, bitrate_kbps)) => {
                let at = self.at;
                let cell = |c: usize| trimmed(cells[c]);
                let log = &mut self.log;
                // A view takes its viewer and dimension values from its first request:
                // other rows' values are never used, so they are not coded.
                let request = kind == EventKind::Request;
                let code = |labels: &mut Labels, text: &str| {
                    if request { labels.code(text) } else { NOT_KEPT }
                };
                log.events.push(PlayerEvent {
                    ts_ms,
                    session: log.sessions.code(cell(at.session)),
                    viewer: code(&mut log.viewers, cell(at.viewer)),
                    kind,
                    bitrate_kbps,
                });
                log.webcast_of.push(log.webcasts.code(cell(at.webcast)));
                if let (Some(labels), Some(c)) = (log.customers.as_mut(), at.customer) {
                    log.customer_of.push(code(labels, cell(c).or_missing()));
                }
                for (c, d) in &mut self.dimensions {
                    d.codes.push(code(&mut d.labels, cell(*c).or_missing()));
                }
                log.report.rows_kept += 1;
                Ok(())
            }
            Err((_, at)) if self.strict => Err(ReadError::BadRow(Box::new(at))),
            Err((reason, at)) => {
                let report = &mut self.log.report;
                *report.dropped.entry(reason.to_string()).or_default() += 1;
                report.first_drop.get_or_insert(at);
                Ok(())
            }
        }
    }

    /// The row's time, kind and bitrate, or why it is bad.
    #[allow(clippy::type_complexity)]
    fn checked(
        &self,
        row: u64,
        cells: &[&str],
    ) -> Result<(i64, EventKind, Option<f64>), (&'static str, Located)> {
        let bad = |column: usize, found: &str, expected: &str| Located {
            file: self.file.to_string(),
            row,
            column: self.columns.get(column).cloned().unwrap_or_default(),
            found: found.to_string(),
            expected: expected.to_string(),
        };
        if cells.len() != self.columns.len() {
            let found = "a line that is not a row of the header's columns";
            return Err(("malformed_row", bad(0, found, "one value per column")));
        }
        let cell = |c: usize| trimmed(cells[c]);
        let at = self.at;
        let ts_text = cell(at.ts);
        let ts_ms = timestamp_ms(ts_text, self.seconds).ok_or_else(|| {
            let expected = "unix ms, unix s or ISO-8601 between 1970 and 2200";
            ("bad_timestamp", bad(at.ts, ts_text, expected))
        })?;
        let type_text = cell(at.kind);
        let kind = EventKind::parse(type_text).ok_or_else(|| {
            let kinds: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
            let expected = format!("one of {}", kinds.join(", "));
            ("unknown_event_type", bad(at.kind, type_text, &expected))
        })?;
        for c in [at.session, at.viewer, at.webcast] {
            if cell(c).is_empty() {
                return Err(("missing_id", bad(c, "", "an id")));
            }
        }
        let bitrate = match at.bitrate.map(cell).filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => Some(
                digits(t)
                    .map(|n| n as f64)
                    .or_else(|| parse_number(t))
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| {
                        let c = at.bitrate.unwrap_or(0);
                        ("bad_bitrate", bad(c, t, "a bitrate in kbps, ≥ 0"))
                    })?,
            ),
        };
        Ok((ts_ms, kind, bitrate))
    }

    /// The coded rows (possibly none: a part of a file may hold only bad rows).
    pub(crate) fn finish(mut self) -> PlayerLog {
        self.log.dimensions = self.dimensions.into_iter().map(|(_, d)| d).collect();
        self.log
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
/// (as for telemetry: one stray value cannot flip a file's unit). `texts`: the timestamp
/// cells from the first row on.
pub(crate) fn timestamps_in_seconds<'a>(texts: impl Iterator<Item = &'a str>) -> bool {
    let mut magnitudes: Vec<f64> = texts
        .filter_map(parse_number)
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

/// `text` without surrounding whitespace (as `str::trim`), checked first on its end bytes:
/// cells seldom have any.
fn trimmed(text: &str) -> &str {
    let b = text.as_bytes();
    let graphic = |c: Option<&u8>| c.is_some_and(u8::is_ascii_graphic);
    if graphic(b.first()) && graphic(b.last()) {
        text
    } else {
        text.trim()
    }
}

/// A plain run of up to 15 decimal digits as an integer: most files write integer times
/// and bitrates, read here without the float parser (to the same value: integers below
/// 2^53 are exact in an f64).
fn digits(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    (!b.is_empty() && b.len() <= 15 && b.iter().all(u8::is_ascii_digit))
        .then(|| b.iter().fold(0_i64, |n, d| n * 10 + i64::from(d - b'0')))
}

/// Unix ms of a timestamp cell; a number in the other unit than the file's
/// ([`fits_time_unit`]) is no timestamp.
fn timestamp_ms(text: &str, seconds: bool) -> Option<i64> {
    let ms = if let Some(n) = digits(text) {
        if !fits_time_unit(n as f64, seconds) {
            return None;
        }
        if seconds { n * 1000 } else { n }
    } else {
        match parse_timestamp_text(text)? {
            TimestampText::Millis(ms) => ms,
            TimestampText::Number(v) if v.is_finite() && fits_time_unit(v, seconds) => {
                (v * if seconds { 1000.0 } else { 1.0 }).round() as i64
            }
            TimestampText::Number(_) => return None,
        }
    };
    (0..=MAX_PLAUSIBLE_MS).contains(&ms).then_some(ms)
}
