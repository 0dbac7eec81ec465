//! The direct parser: a chunk of plain telemetry text read field by field straight into
//! the stacked columns, on all cores, with no intermediate frame.
//!
//! It reads only what it can read exactly as the polars path would: unquoted fields,
//! whole-number ids and timestamps as digits, plain decimals within their column's range,
//! non-empty UTF-8 labels, and every line with the header's number of fields. On anything
//! else it declines, leaves the stack as it was, and the chunk takes the polars path, which
//! locates and reports the problem. Both paths therefore build the same dataset; clean
//! chunks are just faster.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::{DataType, Schema};

use super::stack::{ColumnStack, Tail};
use crate::analysis::parallel;
use crate::dataset::Dictionary;
use crate::io::values::{MAX_PLAUSIBLE_MS, SECONDS_MS_BOUNDARY, normalise_label};
use crate::schema::{Canonical, ColumnKind, ColumnMapping};
use numbers::{decimal, digits};

/// How one field of a line is read, and into which stacked column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// Not a dataset column: skipped.
    Skip,
    /// Unix ms, or unix s times 1000, written as digits.
    Timestamp(usize),
    /// A whole-number id, coded through a numeric dictionary afterwards.
    Id(usize),
    /// A text label, coded through a named dictionary afterwards (`true`: upper-cased,
    /// as viewer types are).
    Label(usize, bool),
    /// A decimal in [0, 1].
    Unit(usize),
    /// A decimal ≥ 0.
    NonNegative(usize),
}

/// What the direct parser reads from a file, decided once its first chunk has gone the
/// polars path (which settles column types, dictionaries and the timestamp unit).
pub(super) struct DirectPlan {
    fields: Vec<Field>,
    separator: u8,
    seconds: bool,
    /// (stacked column, dictionary name) of every coded column.
    coded: Vec<(usize, &'static str)>,
}

impl DirectPlan {
    /// The plan for a file, or `None` when some column needs the polars path for every
    /// chunk: extra columns kept as filters or numbers, text timestamps, fractional ids.
    pub(super) fn new(
        headers: &[String],
        separator: u8,
        mapping: &ColumnMapping,
        schema: &Schema,
        dictionaries: &BTreeMap<String, Dictionary>,
        seconds: bool,
    ) -> Option<Self> {
        // The stack holds the mapped canonical columns in canonical order.
        let mapped: Vec<Canonical> = Canonical::ALL
            .into_iter()
            .filter(|c| mapping.source_of(*c).is_some())
            .collect();
        let mut fields = Vec::with_capacity(headers.len());
        let mut coded = Vec::new();
        for header in headers {
            let Some(column) = mapped
                .iter()
                .position(|c| mapping.source_of(*c) == Some(header.as_str()))
            else {
                fields.push(Field::Skip);
                continue;
            };
            let canonical = mapped[column];
            let dtype = schema.get(header.as_str())?;
            let field = match canonical.kind() {
                ColumnKind::TimestampMs if dtype.is_integer() => Field::Timestamp(column),
                ColumnKind::Key => {
                    let named = dictionaries.get(canonical.name())?.is_named();
                    coded.push((column, canonical.name()));
                    match (named, dtype) {
                        (true, DataType::String) => {
                            Field::Label(column, canonical == Canonical::ViewerType)
                        }
                        (false, d) if d.is_integer() => Field::Id(column),
                        _ => return None,
                    }
                }
                ColumnKind::UnitInterval if dtype.is_primitive_numeric() => Field::Unit(column),
                ColumnKind::NonNegative if dtype.is_primitive_numeric() => {
                    Field::NonNegative(column)
                }
                _ => return None,
            };
            fields.push(field);
        }
        Some(Self {
            fields,
            separator,
            seconds,
            coded,
        })
    }

    /// Parse `bytes` (whole lines, each ending in `\n`, cut into `parts` as
    /// [`crate::io::csv::line_parts`] cuts them) onto the stack and code its ids and labels. Returns false, with stack and dictionaries unchanged, when the text
    /// holds anything the plan does not read.
    pub(super) fn parse_into(
        &self,
        bytes: &[u8],
        parts: &[(usize, usize)],
        stack: &mut ColumnStack,
        dictionaries: &mut BTreeMap<String, Dictionary>,
    ) -> bool {
        if memchr::memchr(b'"', bytes).is_some() {
            return false;
        }
        let start = stack.rows();
        let mut from = 0;
        let parts: Vec<Part<'_>> = parts
            .iter()
            .map(|&(end, lines)| {
                let part = Part {
                    bytes: bytes.get(from..end).unwrap_or_default(),
                    lines,
                };
                from = end;
                part
            })
            .collect();
        if from != bytes.len() || !stack.grow(parts.iter().map(|p| p.lines).sum()) {
            return false;
        }
        let Some(labels) = self.parse_parts(&parts, stack.tails_mut(start)) else {
            stack.truncate(start);
            return false;
        };
        self.code(&parts, &labels, stack.tails_mut(start), dictionaries);
        true
    }

    /// Each part on its own core; `None` when any part declines.
    fn parse_parts<'b>(&self, parts: &[Part<'b>], tails: Vec<Tail<'_>>) -> Option<Vec<Labels<'b>>> {
        let mut rest = tails;
        let mut jobs = Vec::with_capacity(parts.len());
        for (k, part) in parts.iter().enumerate() {
            if k + 1 == parts.len() {
                jobs.push((part.bytes, part.lines, std::mem::take(&mut rest)));
            } else {
                let (head, tail) = rest.into_iter().map(|t| t.split_at(part.lines)).unzip();
                jobs.push((part.bytes, part.lines, head));
                rest = tail;
            }
        }
        let parsed = parallel::map_all("streamlens-parse", jobs, |(bytes, lines, mut columns)| {
            self.parse_part(bytes, lines, &mut columns)
        });
        parsed.into_iter().collect()
    }

    /// Read every line of one part; the labels met, per label field, in first-seen order.
    fn parse_part<'b>(
        &self,
        bytes: &'b [u8],
        lines: usize,
        columns: &mut [Tail<'_>],
    ) -> Option<Labels<'b>> {
        let mut labels = Labels::default();
        let last = self.fields.len().checked_sub(1)?;
        let mut pos = 0;
        for row in 0..lines {
            for (k, field) in self.fields.iter().enumerate() {
                let end = if k == last { b'\n' } else { self.separator };
                match *field {
                    Field::Skip => {
                        let length = bytes[pos..]
                            .iter()
                            .position(|&b| b == self.separator || b == b'\n' || b == b'\r')?;
                        pos += length;
                    }
                    Field::Timestamp(c) => {
                        let value = digits(bytes, &mut pos, 13)?;
                        // A cell in the other unit: the polars path drops and reports it.
                        if (value < SECONDS_MS_BOUNDARY as u64) != self.seconds {
                            return None;
                        }
                        let ms = if self.seconds { value * 1000 } else { value };
                        if ms > MAX_PLAUSIBLE_MS as u64 {
                            return None;
                        }
                        set_i64(columns, c, row, ms as i64)?;
                    }
                    Field::Id(c) => {
                        let id = u32::try_from(digits(bytes, &mut pos, 10)?).ok()?;
                        set_u32(columns, c, row, id)?;
                    }
                    Field::Label(c, viewer_type) => {
                        let length = bytes[pos..]
                            .iter()
                            .position(|&b| b == self.separator || b == b'\n' || b == b'\r')?;
                        let raw = &bytes[pos..pos + length];
                        pos += length;
                        // An unknown viewer type is a bad row: the polars path reports it.
                        // Checked once per new label, not per row: a known one passed.
                        let known_type = |raw: &[u8]| {
                            !viewer_type
                                || crate::schema::VIEWER_TYPES
                                    .iter()
                                    .any(|t| raw.trim_ascii().eq_ignore_ascii_case(t.as_bytes()))
                        };
                        let code = labels.code(c, raw, known_type)?;
                        set_u32(columns, c, row, code)?;
                    }
                    Field::Unit(c) => {
                        let v = decimal(bytes, &mut pos, self.separator)?;
                        if v > 1.0 {
                            return None;
                        }
                        set_f64(columns, c, row, v)?;
                    }
                    Field::NonNegative(c) => {
                        let v = decimal(bytes, &mut pos, self.separator)?;
                        set_f64(columns, c, row, v)?;
                    }
                }
                // A CRLF line end: the carriage return belongs to no field.
                if k == last && bytes.get(pos) == Some(&b'\r') {
                    pos += 1;
                }
                if bytes.get(pos) != Some(&end) {
                    return None;
                }
                pos += 1;
            }
        }
        (pos == bytes.len()).then_some(labels)
    }

    /// Replace raw ids and part-local label numbers by dictionary codes, in row order (so
    /// codes come out as the polars path's would), one coded column per core at a time.
    fn code(
        &self,
        parts: &[Part<'_>],
        labels: &[Labels<'_>],
        tails: Vec<Tail<'_>>,
        dictionaries: &mut BTreeMap<String, Dictionary>,
    ) {
        let mut columns: Vec<Option<Tail<'_>>> = tails.into_iter().map(Some).collect();
        let mut jobs = Vec::new();
        for (name, dictionary) in dictionaries.iter_mut() {
            let Some(&(column, _)) = self.coded.iter().find(|(_, n)| *n == name.as_str()) else {
                continue;
            };
            let upper = self.fields.contains(&Field::Label(column, true));
            if let Some(Some(Tail::U32(values))) = columns.get_mut(column).map(Option::take) {
                jobs.push((dictionary, values, column, upper));
            }
        }
        parallel::map_all(
            "streamlens-code",
            jobs,
            |(dictionary, values, column, upper)| {
                if dictionary.is_named() {
                    let mut offset = 0;
                    for (part, seen) in parts.iter().zip(labels) {
                        let codes: Vec<u32> = seen
                            .raw_of(column)
                            .iter()
                            .map(|raw| dictionary.intern(&label_text(raw, upper)))
                            .collect();
                        for v in &mut values[offset..offset + part.lines] {
                            *v = codes[*v as usize];
                        }
                        offset += part.lines;
                    }
                } else {
                    for v in values.iter_mut() {
                        *v = dictionary.intern_id(*v);
                    }
                }
            },
        );
    }
}

/// A run of whole lines given to one core.
struct Part<'b> {
    bytes: &'b [u8],
    lines: usize,
}

/// The labels one part met, per label column: raw text → part-local number.
#[derive(Default)]
struct Labels<'b> {
    columns: Vec<LabelColumn<'b>>,
}

/// One label column's texts in first-seen order, and the index into that order.
struct LabelColumn<'b> {
    column: usize,
    index: HashMap<&'b [u8], u32>,
    order: Vec<&'b [u8]>,
}

impl<'b> Labels<'b> {
    /// The part-local number of `raw` in `column`; `None` for text the polars path would
    /// reject (empty after trimming), could not read (not UTF-8), or that `accepted`
    /// refuses (asked only of a label not met before).
    fn code(
        &mut self,
        column: usize,
        raw: &'b [u8],
        accepted: impl Fn(&[u8]) -> bool,
    ) -> Option<u32> {
        let k = if let Some(k) = self.columns.iter().position(|c| c.column == column) {
            k
        } else {
            self.columns.push(LabelColumn {
                column,
                index: HashMap::new(),
                order: Vec::new(),
            });
            self.columns.len() - 1
        };
        let LabelColumn { index, order, .. } = &mut self.columns[k];
        // A handful of labels (viewer types) is found faster by comparing than by hashing,
        // byte by byte: they are a few bytes long, shorter than a call to `memcmp`.
        if order.len() <= SHORT_LIST {
            let same =
                |seen: &&[u8]| seen.len() == raw.len() && seen.iter().zip(raw).all(|(a, b)| a == b);
            if let Some(code) = order.iter().position(same) {
                return Some(code as u32);
            }
        } else if let Some(&code) = index.get(raw) {
            return Some(code);
        }
        let text = std::str::from_utf8(raw).ok()?;
        if text.trim().is_empty() || !accepted(raw) {
            return None;
        }
        let code = order.len() as u32;
        index.insert(raw, code);
        order.push(raw);
        Some(code)
    }

    fn raw_of(&self, column: usize) -> &[&'b [u8]] {
        self.columns
            .iter()
            .find(|c| c.column == column)
            .map_or(&[], |c| c.order.as_slice())
    }
}

/// Up to this many distinct labels a column's labels are searched in a list.
const SHORT_LIST: usize = 16;

/// The label the polars path stores for this text (checked to be UTF-8 when first met).
fn label_text(raw: &[u8], upper: bool) -> String {
    let text = String::from_utf8_lossy(raw);
    if upper {
        text.trim().to_uppercase()
    } else {
        normalise_label(&text)
    }
}

fn set_i64(columns: &mut [Tail<'_>], column: usize, row: usize, value: i64) -> Option<()> {
    match columns.get_mut(column)? {
        Tail::I64(v) => *v.get_mut(row)? = value,
        _ => return None,
    }
    Some(())
}

fn set_u32(columns: &mut [Tail<'_>], column: usize, row: usize, value: u32) -> Option<()> {
    match columns.get_mut(column)? {
        Tail::U32(v) => *v.get_mut(row)? = value,
        _ => return None,
    }
    Some(())
}

fn set_f64(columns: &mut [Tail<'_>], column: usize, row: usize, value: f64) -> Option<()> {
    match columns.get_mut(column)? {
        Tail::F64(v) => *v.get_mut(row)? = value,
        _ => return None,
    }
    Some(())
}

#[path = "direct_numbers.rs"]
mod numbers;

#[cfg(test)]
#[path = "direct_tests.rs"]
mod tests;
