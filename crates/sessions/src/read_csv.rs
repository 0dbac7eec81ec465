//! Player events from CSV text, streamed: the text is read one block at a time (never held
//! whole: a file's bytes would cost as much memory again as its events, and on some
//! machines more time in fresh pages than in parsing), each block cut at line ends into
//! one piece per core, the pieces coded on their own threads, then appended in file order.

use std::io::BufRead;

use streamlens_engine::io::csv::{detect_separator, split_line};

use crate::log::{Located, PlayerLog, ReadError};
use crate::rows::{Coder, non_empty, timestamps_in_seconds, ts_column};

/// Text read and coded at a time.
pub(crate) const BLOCK_BYTES: usize = 32 << 20;
/// Below this a block is coded on one thread (starting threads would cost more).
pub(crate) const PARALLEL_BYTES: usize = 4 << 20;

/// Reads a CSV from `source`, coding each block in one piece per core.
pub(crate) fn read_csv(
    file: &str,
    source: impl BufRead,
    strict: bool,
) -> Result<PlayerLog, ReadError> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    read_csv_in(file, source, strict, cores, BLOCK_BYTES)
}

/// Reads a CSV from `source` in blocks of about `block` bytes, each coded in `pieces`
/// (labels keep their first-seen order, so the codes equal a single pass; row numbers in
/// messages are those of the whole file).
pub(crate) fn read_csv_in(
    file: &str,
    mut source: impl BufRead,
    strict: bool,
    pieces: usize,
    block: usize,
) -> Result<PlayerLog, ReadError> {
    let unreadable = |e: std::io::Error| ReadError::Unreadable {
        file: file.to_string(),
        message: e.to_string(),
    };
    let empty = || ReadError::Empty {
        file: file.to_string(),
    };
    let mut header = Vec::new();
    source.read_until(b'\n', &mut header).map_err(unreadable)?;
    let header = String::from_utf8_lossy(&header);
    let header = header
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\n', '\r']);
    if header.trim().is_empty() {
        return Err(empty());
    }
    let separator = detect_separator(header);
    let columns: Vec<String> = split_line(header, separator)
        .into_iter()
        .map(|c| c.trim().to_string())
        .collect();
    // A required column missing is an error even without rows.
    Coder::new(file, &columns, false, 0, strict)?;
    let mut buffer = Blocks::new(source, block.max(1 << 10));
    let mut merged = Merged {
        log: None,
        lines_before: 0,
    };
    let mut seconds = None;
    // Pieces of the block before, appended while the next block is coded; then their
    // storage is reused for the pieces after.
    let mut coded: Vec<Coded> = Vec::new();
    let mut spare: Vec<PlayerLog> = Vec::new();
    while let Some(text) = buffer.next_block().map_err(unreadable)? {
        // Seconds or milliseconds, from the first rows of the file.
        let seconds = *seconds.get_or_insert_with(|| in_seconds(&columns, separator, text));
        let format = Format {
            file,
            columns: &columns,
            separator,
            seconds,
            strict,
        };
        let pieces = if text.len() < PARALLEL_BYTES {
            1
        } else {
            pieces.max(1)
        };
        let storage: Vec<Option<PlayerLog>> = (0..pieces).map(|_| spare.pop()).collect();
        let previous = std::mem::take(&mut coded);
        let (next, appended) = std::thread::scope(|scope| {
            let coding = scope.spawn(|| code_block(&format, text, storage));
            let appended = merged.take(previous);
            let next = coding.join().unwrap_or_else(|_| {
                let storage = (0..pieces).map(|_| None).collect();
                code_block(&format, text, storage)
            });
            (next, appended)
        });
        spare.extend(appended?);
        coded = next;
    }
    merged.take(coded)?;
    match merged.log {
        Some(log) => non_empty(file, log),
        None => Err(ReadError::NoValidRows {
            file: file.to_string(),
            first: None,
        }),
    }
}

/// A piece's log (rows numbered as if it began right after the header) and its line count.
type Coded = (Result<PlayerLog, ReadError>, u64);

/// The pieces appended so far, and how many lines they had.
struct Merged {
    log: Option<PlayerLog>,
    lines_before: u64,
}

impl Merged {
    /// Appends pieces in order, shifting their row numbers to the whole file's; gives their
    /// storage back. Strict, the first bad row is the error.
    fn take(&mut self, pieces: Vec<Coded>) -> Result<Vec<PlayerLog>, ReadError> {
        let mut spare = Vec::with_capacity(pieces.len());
        for (result, lines) in pieces {
            let lines_before = self.lines_before;
            let shift = |at: &mut Located| at.row += lines_before;
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
            match &mut self.log {
                Some(log) => log.append(&part),
                None => self.log = Some(part.clone()),
            }
            self.lines_before += lines;
            spare.push(part);
        }
        Ok(spare)
    }
}

/// What every piece of one file is coded with.
struct Format<'a> {
    file: &'a str,
    columns: &'a [String],
    separator: u8,
    seconds: bool,
    strict: bool,
}

/// Whole lines of text, one block at a time, from a reused buffer.
struct Blocks<R> {
    source: R,
    buffer: Vec<u8>,
    /// Bytes of `buffer` holding text; `start..` of them not handed out yet.
    filled: usize,
    start: usize,
    ended: bool,
}

impl<R: BufRead> Blocks<R> {
    fn new(source: R, block: usize) -> Self {
        Self {
            source,
            buffer: vec![0; block],
            filled: 0,
            start: 0,
            ended: false,
        }
    }

    /// The next run of whole lines (the last one may lack its line end), `None` at the end.
    fn next_block(&mut self) -> std::io::Result<Option<&[u8]>> {
        // What the last block left (a line begun) moves to the front.
        self.buffer.copy_within(self.start..self.filled, 0);
        self.filled -= self.start;
        self.start = 0;
        loop {
            while !self.ended && self.filled < self.buffer.len() {
                match self.source.read(&mut self.buffer[self.filled..]) {
                    Ok(0) => self.ended = true,
                    Ok(n) => self.filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if self.ended {
                self.start = self.filled;
                return Ok((self.filled > 0).then_some(&self.buffer[..self.filled]));
            }
            if let Some(end) = memchr::memrchr(b'\n', &self.buffer[..self.filled]) {
                self.start = end + 1;
                return Ok(Some(&self.buffer[..=end]));
            }
            // One line longer than the block: room for more.
            let grown = self.buffer.len() * 2;
            self.buffer.resize(grown, 0);
        }
    }
}

/// Numbers are seconds when the first rows' timestamps say so (see `timestamps_in_seconds`).
fn in_seconds(columns: &[String], separator: u8, text: &[u8]) -> bool {
    let Some(at) = ts_column(columns) else {
        return false; // the coder names the missing column
    };
    let head = String::from_utf8_lossy(&text[..text.len().min(256 << 10)]);
    let texts: Vec<String> = head
        .lines()
        .take(1000)
        .filter_map(|line| {
            let cells = split_line(line.trim_end_matches('\r'), separator);
            cells.get(at).map(|c| c.trim().to_string())
        })
        .collect();
    timestamps_in_seconds(texts.iter().map(String::as_str))
}

/// Codes `text` (whole lines) in one piece per `storage` entry, each on its own thread
/// and into that storage when given.
fn code_block(format: &Format, text: &[u8], storage: Vec<Option<PlayerLog>>) -> Vec<Coded> {
    let pieces = storage.len().max(1);
    let mut cut = Vec::with_capacity(pieces);
    let mut from = 0;
    for k in 1..=pieces {
        let at = (text.len() * k / pieces).max(from);
        // After a line end, so every piece is whole lines (and whole UTF-8 characters).
        let to = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i + 1);
        cut.push(&text[from..to]);
        from = to;
    }
    // Rows per piece, from the mean line length of the block's start.
    let sample = &text[..text.len().min(64 << 10)];
    let line_bytes = sample.len() / memchr::memchr_iter(b'\n', sample).count().max(1);
    let code = |piece: &[u8], storage: Option<PlayerLog>| {
        let expected = piece.len() / line_bytes.max(1) + 1;
        // Validating is quicker than the lossy decoder, which is only needed for bad bytes.
        let text = std::str::from_utf8(piece).map_or_else(
            |_| String::from_utf8_lossy(piece),
            std::borrow::Cow::Borrowed,
        );
        code_lines(format, &text, expected, storage)
    };
    let mut storage = storage.into_iter();
    if pieces == 1 {
        return vec![code(cut[0], storage.next().flatten())];
    }
    let first_storage = storage.next().flatten();
    std::thread::scope(|scope| {
        let handles: Vec<_> = cut[1..]
            .iter()
            .zip(storage)
            .map(|(piece, storage)| {
                std::thread::Builder::new()
                    .name("sessions-read".into())
                    .spawn_scoped(scope, move || code(piece, storage))
            })
            .collect();
        let mut coded = vec![code(cut[0], first_storage)];
        for (handle, piece) in handles.into_iter().zip(&cut[1..]) {
            // A thread that could not start, or failed, leaves its piece to this one.
            coded.push(match handle {
                Ok(h) => h.join().unwrap_or_else(|_| code(piece, None)),
                Err(_) => code(piece, None),
            });
        }
        coded
    })
}

/// Checks and codes the lines of `text` (into `storage` when given); also returns how many
/// lines it had. One pass finds every separator, line end and quote.
fn code_lines(format: &Format, text: &str, expected: usize, storage: Option<PlayerLog>) -> Coded {
    let f = format;
    let mut coder = match Coder::new(f.file, f.columns, f.seconds, expected, f.strict) {
        Ok(coder) => coder,
        Err(e) => return (Err(e), 0),
    };
    if let Some(storage) = storage {
        coder = coder.reusing(storage);
    }
    let bytes = text.as_bytes();
    let mut cells: Vec<&str> = Vec::with_capacity(f.columns.len());
    let (mut line_start, mut cell_start, mut quoted) = (0, 0, false);
    let mut lines = 0_u64;
    for at in memchr::memchr3_iter(f.separator, b'\n', b'"', bytes) {
        match bytes[at] {
            b'\n' => {
                lines += 1;
                let line = Line {
                    row: lines + 1,
                    start: line_start,
                    last_cell: cell_start,
                    end: at,
                    quoted,
                };
                if let Err(e) = line.code(&mut coder, f.separator, text, &mut cells) {
                    return (Err(e), lines);
                }
                (line_start, cell_start, quoted) = (at + 1, at + 1, false);
            }
            b'"' => quoted = true,
            _ => {
                if !quoted {
                    cells.push(&text[cell_start..at]);
                }
                cell_start = at + 1;
            }
        }
    }
    if line_start < bytes.len() {
        lines += 1;
        let line = Line {
            row: lines + 1,
            start: line_start,
            last_cell: cell_start,
            end: bytes.len(),
            quoted,
        };
        if let Err(e) = line.code(&mut coder, f.separator, text, &mut cells) {
            return (Err(e), lines);
        }
    }
    (Ok(coder.finish()), lines)
}

/// One line of a piece: where it and its last cell start, where it ends (before its line
/// end), whether it has quotes, and its row number.
struct Line {
    row: u64,
    start: usize,
    last_cell: usize,
    end: usize,
    quoted: bool,
}

impl Line {
    /// Codes the line; `cells` holds its cells before the last (unless quoted) and is left
    /// empty.
    fn code<'t>(
        &self,
        coder: &mut Coder,
        separator: u8,
        text: &'t str,
        cells: &mut Vec<&'t str>,
    ) -> Result<(), ReadError> {
        let whole = &text[self.start..self.end];
        let whole = whole.strip_suffix('\r').unwrap_or(whole);
        let result = if whole.trim().is_empty() {
            Ok(()) // blank lines are skipped (and counted)
        } else if self.quoted {
            // Quotes to undo: the only lines whose cells are allocated.
            let unquoted = split_line(whole, separator);
            let owned: Vec<&str> = unquoted.iter().map(String::as_str).collect();
            coder.row(self.row, &owned)
        } else {
            let last = &text[self.last_cell..self.end];
            cells.push(last.strip_suffix('\r').unwrap_or(last));
            coder.row(self.row, cells)
        };
        cells.clear();
        result
    }
}
