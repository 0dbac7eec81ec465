//! Delimited text (plain or gzip) read in bounded chunks, so loading can report
//! progress, be cancelled, and never hold the whole text in memory.
//!
//! Chunks are cut at line ends; fields with quoted line breaks are not supported
//! (telemetry has none) and show up as rows with the wrong number of fields.

use std::io::{BufRead, Read};
use std::sync::Arc;

use polars::prelude::*;

/// How many bytes of text one chunk holds (about a million telemetry rows).
pub const CHUNK_BYTES: usize = 48 << 20;

/// The delimiter among `,` `;` tab `|` that splits the header line most often.
#[must_use]
pub fn detect_separator(header_line: &str) -> u8 {
    let mut best = (b',', 0usize);
    for sep in [b',', b';', b'\t', b'|'] {
        let n = split_line(header_line, sep).len();
        if n > best.1 {
            best = (sep, n);
        }
    }
    best.0
}

/// Split one CSV line honouring double quotes.
#[must_use]
pub fn split_line(line: &str, sep: u8) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if quoted && chars.peek() == Some(&'"') {
                current.push('"');
                chars.next();
            } else {
                quoted = !quoted;
            }
        } else if !quoted && c == char::from(sep) {
            fields.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    fields.push(current);
    fields
}

/// A text source cut into chunks of whole lines after the header.
pub struct CsvChunks<R: BufRead> {
    reader: R,
    pub separator: u8,
    pub header: Vec<String>,
    /// Header names given to more than one column (compared as column names are recognised:
    /// case, `_`, `-`, `.` and spaces ignored): each name's 1-based column numbers.
    pub repeated: Vec<(String, Vec<usize>)>,
    /// A finished chunk's buffer, reused for the next chunk: a fresh 48 MB buffer per chunk
    /// costs a page fault per 4 KB, which on a VM is as slow as parsing the text.
    spare: Vec<u8>,
    /// Spreadsheet row number of the next data line (header = row 1).
    next_row: u64,
    finished: bool,
    chunk_bytes: usize,
}

/// One chunk of data lines and the row number of its first line.
pub struct TextChunk {
    pub bytes: Vec<u8>,
    pub first_row: u64,
    pub lines: usize,
    /// The chunk cut at line ends into one part per core: (end offset, lines) of each.
    pub parts: Vec<(usize, usize)>,
}

/// Result of opening: `None` means the source has no bytes at all.
pub type Opened<R> = Option<CsvChunks<R>>;

impl<R: BufRead> CsvChunks<R> {
    /// Read the header line. Returns `Ok(None)` for an empty source.
    pub fn open(reader: R) -> std::io::Result<Opened<R>> {
        Self::open_with_chunk(reader, CHUNK_BYTES)
    }

    /// Like [`Self::open`] with chunks of about `chunk_bytes` (tests use tiny ones).
    pub fn open_with_chunk(mut reader: R, chunk_bytes: usize) -> std::io::Result<Opened<R>> {
        let mut first = Vec::new();
        // Bounded: a file without line ends (binary, or one huge line) must not be read
        // whole into memory to find its header.
        (&mut reader)
            .take(MAX_HEADER_BYTES as u64 + 1)
            .read_until(b'\n', &mut first)?;
        not_text(&first).map_or(Ok(()), |why| {
            Err(std::io::Error::new(std::io::ErrorKind::InvalidData, why))
        })?;
        let after_mark = first.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&first);
        if after_mark.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&first);
        let text = text
            .trim_start_matches('\u{feff}')
            .trim_end_matches(['\r', '\n']);
        let separator = detect_separator(text);
        let names = split_line(text, separator);
        let repeated = repeated_names(&names);
        let header = dedupe_names(names);
        Ok(Some(Self {
            reader,
            separator,
            header,
            repeated,
            spare: Vec::new(),
            next_row: 2,
            finished: false,
            chunk_bytes: chunk_bytes.max(1),
        }))
    }

    /// The next chunk, or `None` at the end.
    pub fn next_chunk(&mut self) -> std::io::Result<Option<TextChunk>> {
        if self.finished {
            return Ok(None);
        }
        let mut bytes = std::mem::take(&mut self.spare);
        bytes.clear();
        bytes.reserve(self.chunk_bytes + 4096);
        let mut limited = (&mut self.reader).take(self.chunk_bytes as u64);
        limited.read_to_end(&mut bytes)?;
        // Finish the last line of the chunk.
        let mut tail = Vec::new();
        let n = self.reader.read_until(b'\n', &mut tail)?;
        bytes.extend_from_slice(&tail);
        if n == 0 && bytes.len() < self.chunk_bytes {
            self.finished = true;
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            self.finished = true;
            return Ok(None);
        }
        if n == 0 {
            trim_blank_end(&mut bytes);
        }
        if bytes.last() != Some(&b'\n') {
            bytes.push(b'\n');
        }
        let parts = line_parts(&bytes);
        let lines = parts.iter().map(|p| p.1).sum();
        let first_row = self.next_row;
        self.next_row += lines as u64;
        Ok(Some(TextChunk {
            bytes,
            first_row,
            lines,
            parts,
        }))
    }
}

impl<R: BufRead> CsvChunks<R> {
    /// Hands a chunk's buffer back for the next chunk to fill.
    pub fn recycle(&mut self, bytes: Vec<u8>) {
        self.spare = bytes;
    }
}

/// Longest header line read (1 MiB): longer, and the file is refused.
pub const MAX_HEADER_BYTES: usize = 1 << 20;

/// Why a file whose first line (up to [`MAX_HEADER_BYTES`] + 1 bytes) is `first` is not
/// delimited UTF-8 text, if it is not.
fn not_text(first: &[u8]) -> Option<String> {
    if first.starts_with(&[0xff, 0xfe]) || first.starts_with(&[0xfe, 0xff]) {
        let utf32 = first.starts_with(&[0xff, 0xfe, 0, 0]);
        let kind = if utf32 { "UTF-32" } else { "UTF-16" };
        return Some(format!(
            "the file is {kind} text; save it as UTF-8 (in most editors: Save As, encoding UTF-8)"
        ));
    }
    if first.contains(&0) {
        return Some(
            "the file has NUL bytes in its first line: it is binary, not CSV text \
             (UTF-16 without a byte-order mark also looks like this: save it as UTF-8)"
                .to_string(),
        );
    }
    if first.len() > MAX_HEADER_BYTES {
        return Some(format!(
            "the first line is longer than {} MiB: not a CSV header",
            MAX_HEADER_BYTES >> 20
        ));
    }
    None
}

/// Drops blank lines (nothing but spaces, tabs and line ends) at the end of a file's last
/// chunk, so an editor's trailing empty line is not a bad row; keeps one final line end.
fn trim_blank_end(bytes: &mut Vec<u8>) {
    loop {
        while bytes.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
            bytes.pop();
        }
        let line_start = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
        if line_start < bytes.len()
            && bytes[line_start..]
                .iter()
                .all(|b| matches!(b, b' ' | b'\t'))
        {
            bytes.truncate(line_start);
        } else {
            break;
        }
    }
    if !bytes.is_empty() {
        bytes.push(b'\n');
    }
}

/// `bytes` cut at line ends into about equal parts, one per core, with the line ends of
/// each counted on its own core: (end offset, lines) per part, in order.
#[must_use]
pub fn line_parts(bytes: &[u8]) -> Vec<(usize, usize)> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut ends = Vec::with_capacity(cores);
    for k in 1..cores {
        let target = (bytes.len() * k / cores).max(ends.last().copied().unwrap_or(0));
        match memchr::memchr(b'\n', &bytes[target..]) {
            Some(at) if target + at + 1 < bytes.len() => ends.push(target + at + 1),
            _ => break,
        }
    }
    ends.push(bytes.len());
    ends.dedup();
    let ranges: Vec<(usize, usize)> = ends
        .iter()
        .scan(0, |start, &end| {
            let range = (*start, end);
            *start = end;
            Some(range)
        })
        .collect();
    crate::analysis::parallel::map_all("streamlens-count", ranges, |(start, end)| {
        (end, memchr::memchr_iter(b'\n', &bytes[start..end]).count())
    })
}

/// Names that occur more than once among `names` (non-empty, compared normalised), with
/// their 1-based column numbers, in order of first occurrence.
fn repeated_names(names: &[String]) -> Vec<(String, Vec<usize>)> {
    let mut groups: Vec<(String, String, Vec<usize>)> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let key = crate::schema::normalise_header(name.trim());
        if key.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(group) => group.2.push(i + 1),
            None => groups.push((key, name.trim().to_string(), vec![i + 1])),
        }
    }
    groups
        .into_iter()
        .filter(|g| g.2.len() > 1)
        .map(|(_, name, columns)| (name, columns))
        .collect()
}

/// Make header names unique (`a`, `a_2`, …) so the frame can hold them.
fn dedupe_names(names: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let base = if name.trim().is_empty() {
                format!("column_{}", i + 1)
            } else {
                name.trim().to_string()
            };
            let mut candidate = base.clone();
            let mut k = 2;
            while !seen.insert(candidate.clone()) {
                candidate = format!("{base}_{k}");
                k += 1;
            }
            candidate
        })
        .collect()
}

/// Parse chunk text with polars. `schema = None` infers types from the chunk.
pub fn parse_chunk(
    bytes: &[u8],
    separator: u8,
    header: &[String],
    schema: Option<SchemaRef>,
) -> PolarsResult<DataFrame> {
    let schema = schema.unwrap_or_else(|| {
        // Generic names while inferring; renamed below.
        Arc::new(Schema::default())
    });
    let inferring = schema.is_empty();
    let options = CsvReadOptions::default()
        .with_has_header(false)
        .with_infer_schema_length(Some(2000))
        .with_schema(if inferring { None } else { Some(schema) })
        .with_raise_if_empty(false)
        .map_parse_options(|o| o.with_separator(separator));
    let mut df = options
        .into_reader_with_file_handle(std::io::Cursor::new(bytes))
        .finish()?;
    if inferring && df.width() == header.len() {
        df.set_column_names(header)?;
    }
    Ok(df)
}

/// A schema naming `header` with every column read as text.
#[must_use]
pub fn all_text_schema(header: &[String]) -> SchemaRef {
    Arc::new(
        header
            .iter()
            .map(|h| Field::new(h.as_str().into(), DataType::String))
            .collect(),
    )
}

/// Why [`drop_ragged_lines`] dropped a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DroppedLine {
    /// It has this many fields, not the header's count.
    FieldCount(usize),
    /// Its bytes are not UTF-8 from field `field` (0-based) on.
    NotUtf8 { field: usize },
}

/// Keep only UTF-8 lines with as many fields as the header; returns the cleaned text, the
/// row numbers of the kept lines, and (row, why) of the dropped ones.
#[must_use]
pub fn drop_ragged_lines(
    bytes: &[u8],
    separator: u8,
    expected_fields: usize,
    first_row: u64,
) -> (Vec<u8>, Vec<u64>, Vec<(u64, DroppedLine)>) {
    let mut kept = Vec::with_capacity(bytes.len());
    let mut rows = Vec::new();
    let mut dropped = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let row = first_row + i as u64;
        let text = match std::str::from_utf8(line) {
            Ok(text) => text,
            Err(e) => {
                let field = field_at(&line[..e.valid_up_to()], separator);
                dropped.push((row, DroppedLine::NotUtf8 { field }));
                continue;
            }
        };
        let text = text.trim_end_matches('\r');
        if text.is_empty() {
            continue;
        }
        let fields = split_line(text, separator).len();
        if fields == expected_fields {
            kept.extend_from_slice(line);
            kept.push(b'\n');
            rows.push(row);
        } else {
            dropped.push((row, DroppedLine::FieldCount(fields)));
        }
    }
    (kept, rows, dropped)
}

/// The 0-based field a line's prefix ends in: separators outside double quotes counted.
fn field_at(prefix: &[u8], separator: u8) -> usize {
    let mut quoted = false;
    let mut field = 0;
    for &b in prefix {
        if b == b'"' {
            quoted = !quoted;
        } else if b == separator && !quoted {
            field += 1;
        }
    }
    field
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_found_as_columns_are_recognised() {
        let names: Vec<String> = ["ts", "QoE", "a", "q_o_e", "", "", "a"]
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            repeated_names(&names),
            vec![
                ("QoE".to_string(), vec![2, 4]),
                ("a".to_string(), vec![3, 7])
            ]
        );
    }

    #[test]
    fn blank_lines_at_the_end_are_dropped() {
        for (text, kept) in [
            ("a,b\n\n", "a,b\n"),
            ("a,b\r\n \t\r\n\n", "a,b\n"),
            ("a,b\n\nc,d\n\n", "a,b\n\nc,d\n"),
            ("a,b", "a,b\n"),
            ("a, \n", "a, \n"),
        ] {
            let mut bytes = text.as_bytes().to_vec();
            trim_blank_end(&mut bytes);
            assert_eq!(String::from_utf8(bytes).unwrap(), kept, "{text:?}");
        }
    }

    #[test]
    fn what_is_not_text_is_said() {
        assert!(not_text(b"\xff\xfet\0s\0").unwrap().contains("UTF-16"));
        assert!(not_text(b"\xff\xfe\0\0t\0\0\0").unwrap().contains("UTF-32"));
        assert!(not_text(b"a,b\0,c\n").unwrap().contains("NUL bytes"));
        assert!(
            not_text(&vec![b'x'; MAX_HEADER_BYTES + 1])
                .unwrap()
                .contains("1 MiB")
        );
        assert_eq!(not_text(b"timestamp,qoe\r\n"), None);
    }

    #[test]
    fn detects_separators() {
        assert_eq!(detect_separator("a,b,c"), b',');
        assert_eq!(detect_separator("a;b;c"), b';');
        assert_eq!(detect_separator("a\tb\tc"), b'\t');
        assert_eq!(detect_separator("a|b|c"), b'|');
        assert_eq!(detect_separator("\"x;y\",b,c"), b',');
    }

    #[test]
    fn chunks_keep_row_numbers() {
        let text = "h1,h2\n1,2\n3,4\n\n";
        let mut chunks = CsvChunks::open(std::io::Cursor::new(text.as_bytes()))
            .unwrap()
            .unwrap();
        assert_eq!(chunks.header, vec!["h1", "h2"]);
        let chunk = chunks.next_chunk().unwrap().unwrap();
        assert_eq!(chunk.first_row, 2);
        assert!(chunks.next_chunk().unwrap().is_none());
    }

    #[test]
    fn line_parts_cover_the_text_at_line_ends() {
        for text in ["", "a\n", "a\nb\nc\n", "abc", "a\nbb\nccc\ndddd\neeeee\n"] {
            let parts = line_parts(text.as_bytes());
            assert_eq!(parts.last().map_or(0, |p| p.0), text.len());
            let lines: usize = parts.iter().map(|p| p.1).sum();
            assert_eq!(lines, text.matches('\n').count());
            for &(end, _) in &parts[..parts.len() - 1] {
                assert_eq!(text.as_bytes()[end - 1], b'\n');
            }
        }
    }

    #[test]
    fn ragged_lines_are_located() {
        let (kept, rows, dropped) = drop_ragged_lines(b"1,2\n3\n4,5\n", b',', 2, 2);
        assert_eq!(kept, b"1,2\n4,5\n");
        assert_eq!(rows, vec![2, 4]);
        assert_eq!(dropped, vec![(3, DroppedLine::FieldCount(1))]);
    }

    #[test]
    fn lines_that_are_not_utf8_are_dropped_at_their_field() {
        let text = b"1,ok,x\n2,\"a,b\",caf\xe9\n3,\xff,z\n";
        let (kept, rows, dropped) = drop_ragged_lines(text, b',', 3, 2);
        assert_eq!(kept, b"1,ok,x\n");
        assert_eq!(rows, vec![2]);
        assert_eq!(
            dropped,
            vec![
                (3, DroppedLine::NotUtf8 { field: 2 }),
                (4, DroppedLine::NotUtf8 { field: 1 })
            ]
        );
    }
}
