//! Parser for Viasat network-stats captures: one row per (second, connection 5-tuple) with the
//! packets of that second as `;`-separated lists.
//!
//! Hand-rolled over bytes (memchr for line ends) because feature extraction must run at tens of
//! MB/s; every cell is checked and a bad one is reported by file, row and column.

use std::collections::HashMap;
use std::path::Path;

pub use super::capture::{Capture, Connection, Packets, label_from_name};
use super::error::{TrafficError, bad_value};

/// The columns a capture must have (any order; extra columns are ignored).
pub const COLUMNS: [&str; 13] = [
    "Time",
    "IP1",
    "Port1",
    "IP2",
    "Port2",
    "Proto",
    "1->2Bytes",
    "2->1Bytes",
    "1->2Pkts",
    "2->1Pkts",
    "packet_times",
    "packet_sizes",
    "packet_dirs",
];
const TIME: usize = 0;
const KEY: [usize; 5] = [1, 2, 3, 4, 5];
const UP_BYTES: usize = 6;
const DOWN_BYTES: usize = 7;
const UP_PKTS: usize = 8;
const DOWN_PKTS: usize = 9;
const TIMES: usize = 10;
const SIZES: usize = 11;
const DIRS: usize = 12;

/// A packet may be stamped at most this far from its row's `Time` (clock skew between the
/// per-second aggregation and packet capture stays far below it).
const MAX_SKEW_MS: i64 = 60_000;
/// Longest capture accepted: bounds the memory of the 200 ms series.
pub const MAX_SPAN_SECS: i64 = 86_400;

/// Read and parse one capture file.
pub fn read_capture(path: &Path) -> Result<Capture, TrafficError> {
    let file = path.display().to_string();
    let bytes = streamlens_engine::files::read_bounded(path, u64::MAX).map_err(|source| {
        TrafficError::Io {
            file: file.clone(),
            source,
        }
    })?;
    let name = path
        .file_name()
        .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
    let mut capture = parse_capture(&file, &bytes)?;
    capture.label = label_from_name(&name);
    capture.name = name;
    Ok(capture)
}

/// Parse capture text; `file` names it in errors and labels it (see [`label_from_name`]).
pub fn parse_capture(file: &str, text: &[u8]) -> Result<Capture, TrafficError> {
    let mut lines = Lines { text, pos: 0 };
    let Some(header) = lines.next() else {
        return Err(TrafficError::Empty { file: file.into() });
    };
    let columns = column_positions(file, header)?;
    let n_fields = header.split(|&b| b == b',').count();
    let mut parser = RowParser {
        file,
        columns,
        fields: Vec::with_capacity(n_fields),
        key: Vec::new(),
        index: HashMap::new(),
        connections: Vec::new(),
        packets: Packets::default(),
        first_secs: i64::MAX,
        last_secs: i64::MIN,
    };
    let mut row = 1_u64;
    for line in lines {
        row += 1;
        if line.is_empty() {
            continue;
        }
        parser.fields.clear();
        parser.fields.extend(line.split(|&b| b == b','));
        if parser.fields.len() != n_fields {
            return Err(TrafficError::FieldCount {
                file: file.into(),
                row,
                expected: n_fields,
                found: parser.fields.len(),
            });
        }
        parser.row(row)?;
    }
    if parser.first_secs > parser.last_secs {
        return Err(TrafficError::NoRows { file: file.into() });
    }
    let span_secs = parser.last_secs - parser.first_secs;
    if span_secs > MAX_SPAN_SECS {
        return Err(TrafficError::TooLong {
            file: file.into(),
            span_secs,
            max_secs: MAX_SPAN_SECS,
        });
    }
    // Without download packets every feature is zero: any verdict would be made up.
    if !parser.packets.down.contains(&true) {
        return Err(TrafficError::NoDownload { file: file.into() });
    }
    Ok(Capture {
        name: file.into(),
        label: label_from_name(file),
        text_bytes: text.len(),
        first_secs: parser.first_secs,
        last_secs: parser.last_secs,
        connections: parser.connections,
        packets: parser.packets,
    })
}

/// Lines without their `\n` or `\r\n`.
struct Lines<'a> {
    text: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.pos >= self.text.len() {
            return None;
        }
        let rest = &self.text[self.pos..];
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        self.pos += end + 1;
        let line = &rest[..end];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

fn column_positions(file: &str, header: &[u8]) -> Result<[usize; 13], TrafficError> {
    let header = header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(header);
    let names: Vec<&[u8]> = header
        .split(|&b| b == b',')
        .map(<[u8]>::trim_ascii)
        .collect();
    let mut positions = [0; 13];
    for (slot, wanted) in positions.iter_mut().zip(COLUMNS) {
        *slot = names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(wanted.as_bytes()))
            .ok_or_else(|| TrafficError::MissingColumn {
                file: file.into(),
                missing: wanted.into(),
                found: String::from_utf8_lossy(header).into_owned(),
            })?;
    }
    Ok(positions)
}

struct RowParser<'f, 'a> {
    file: &'f str,
    columns: [usize; 13],
    fields: Vec<&'a [u8]>,
    /// Reused buffer for the connection key of the current row.
    key: Vec<u8>,
    index: HashMap<Vec<u8>, u32>,
    connections: Vec<Connection>,
    packets: Packets,
    first_secs: i64,
    last_secs: i64,
}

impl RowParser<'_, '_> {
    fn cell(&self, column: usize) -> &[u8] {
        self.fields[self.columns[column]]
    }

    fn number(&self, row: u64, column: usize) -> Result<u64, TrafficError> {
        let cell = self.cell(column);
        parse_u64(cell)
            .ok_or_else(|| bad_value(self.file, row, COLUMNS[column], "a whole number ≥ 0", cell))
    }

    fn row(&mut self, row: u64) -> Result<(), TrafficError> {
        let secs = self.number(row, TIME)? as i64;
        let up_bytes = self.number(row, UP_BYTES)?;
        let down_bytes = self.number(row, DOWN_BYTES)?;
        let up_packets = self.number(row, UP_PKTS)?;
        let down_packets = self.number(row, DOWN_PKTS)?;
        self.first_secs = self.first_secs.min(secs);
        self.last_secs = self.last_secs.max(secs);
        let connection = self.connection_index();
        let c = &mut self.connections[connection as usize];
        c.up_bytes += up_bytes;
        c.down_bytes += down_bytes;
        c.up_packets += up_packets;
        c.down_packets += down_packets;

        let start = self.packets.len();
        let expected = (up_packets + down_packets) as usize;
        self.times(row, secs, start, expected)?;
        self.sizes(row, start)?;
        self.dirs(row, start)?;
        self.packets
            .connection
            .resize(self.packets.time_ms.len(), connection);
        Ok(())
    }

    fn connection_index(&mut self) -> u32 {
        self.key.clear();
        for (i, &column) in KEY.iter().enumerate() {
            if i > 0 {
                self.key.push(0);
            }
            self.key
                .extend_from_slice(self.fields[self.columns[column]]);
        }
        if let Some(&i) = self.index.get(self.key.as_slice()) {
            return i;
        }
        let i = self.connections.len() as u32;
        let f = |c: usize| String::from_utf8_lossy(self.fields[self.columns[c]]);
        let key = format!(
            "{}:{} -> {}:{} / {}",
            f(KEY[0]),
            f(KEY[1]),
            f(KEY[2]),
            f(KEY[3]),
            f(KEY[4])
        );
        self.connections.push(Connection {
            key,
            up_bytes: 0,
            down_bytes: 0,
            up_packets: 0,
            down_packets: 0,
        });
        self.index.insert(self.key.clone(), i);
        i
    }

    fn times(
        &mut self,
        row: u64,
        secs: i64,
        start: usize,
        expected: usize,
    ) -> Result<(), TrafficError> {
        let cell = self.fields[self.columns[TIMES]];
        let base_ms = secs.saturating_mul(1000);
        for item in list_items(cell) {
            let t = parse_u64(item)
                .map(|t| t as i64)
                .filter(|t| (t - base_ms).abs() <= MAX_SKEW_MS)
                .ok_or_else(|| {
                    bad_value(
                        self.file,
                        row,
                        COLUMNS[TIMES],
                        "`;`-separated unix ms within 60 s of Time",
                        item,
                    )
                })?;
            self.packets.time_ms.push(t);
        }
        let found = self.packets.time_ms.len() - start;
        if found == expected {
            Ok(())
        } else {
            Err(count_error(
                self.file,
                row,
                TIMES,
                expected,
                "1->2Pkts + 2->1Pkts",
                found,
            ))
        }
    }

    fn sizes(&mut self, row: u64, start: usize) -> Result<(), TrafficError> {
        let cell = self.fields[self.columns[SIZES]];
        for item in list_items(cell) {
            let size = parse_u64(item)
                .and_then(|s| u32::try_from(s).ok())
                .ok_or_else(|| {
                    bad_value(
                        self.file,
                        row,
                        COLUMNS[SIZES],
                        "`;`-separated byte counts",
                        item,
                    )
                })?;
            self.packets.size_bytes.push(size);
        }
        self.same_count(row, SIZES, start, self.packets.size_bytes.len())
    }

    fn dirs(&mut self, row: u64, start: usize) -> Result<(), TrafficError> {
        let cell = self.fields[self.columns[DIRS]];
        for item in list_items(cell) {
            let down = match item {
                b"1" => false,
                b"2" => true,
                _ => {
                    return Err(bad_value(
                        self.file,
                        row,
                        COLUMNS[DIRS],
                        "`;`-separated directions 1 (up) or 2 (down)",
                        item,
                    ));
                }
            };
            self.packets.down.push(down);
        }
        self.same_count(row, DIRS, start, self.packets.down.len())
    }

    fn same_count(
        &self,
        row: u64,
        column: usize,
        start: usize,
        len: usize,
    ) -> Result<(), TrafficError> {
        let expected = self.packets.time_ms.len() - start;
        let found = len - start;
        if found == expected {
            Ok(())
        } else {
            Err(count_error(
                self.file,
                row,
                column,
                expected,
                "packet_times",
                found,
            ))
        }
    }
}

fn count_error(
    file: &str,
    row: u64,
    column: usize,
    expected: usize,
    like: &str,
    found: usize,
) -> TrafficError {
    TrafficError::BadValue {
        file: file.into(),
        row,
        column: COLUMNS[column].into(),
        expected: format!("{expected} entries, as {like}"),
        found: format!("{found} entries"),
    }
}

/// Items of a `;`-separated list; one trailing `;` is allowed, an empty cell is an empty list.
fn list_items(cell: &[u8]) -> impl Iterator<Item = &[u8]> {
    let cell = cell.strip_suffix(b";").unwrap_or(cell);
    let empty = cell.is_empty();
    cell.split(|&b| b == b';').filter(move |_| !empty)
}

/// ASCII digits only, no sign; at most 18 digits, so the value also fits an `i64`.
pub(crate) fn parse_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 18 {
        return None;
    }
    let mut value = 0_u64;
    for &b in text {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + u64::from(digit);
    }
    Some(value)
}
