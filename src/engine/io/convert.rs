//! One parsed chunk (source names, any types) → canonical columns, with every
//! rejected row counted under its reason and located by file, row and column.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::engine::dataset::Dictionary;
use crate::engine::error::LoadError;
use crate::engine::io::report::{DropReason, FirstDrop, LoadReport};
use crate::engine::io::values::{
    SECONDS_MS_BOUNDARY, TimestampText, id_from_f64, normalise_label, parse_number,
    parse_timestamp_text,
};
use crate::engine::schema::{Canonical, ColumnKind, ColumnMapping};

/// Row numbers of a chunk's rows in their file.
pub enum RowNumbers {
    Contiguous(u64),
    Explicit(Vec<u64>),
}

impl RowNumbers {
    /// Spreadsheet row of the chunk's `i`-th row.
    #[must_use]
    pub fn row(&self, i: usize) -> u64 {
        match self {
            RowNumbers::Contiguous(first) => first + i as u64,
            RowNumbers::Explicit(rows) => rows.get(i).copied().unwrap_or(0),
        }
    }
}

/// What happens to a source column that is not canonical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtraPlan {
    Numeric(String),
    Category(String),
}

/// State that spans chunks and files of one load.
pub struct ConvertState<'a> {
    pub file: String,
    pub strict: bool,
    pub mapping: &'a ColumnMapping,
    pub extras: &'a [ExtraPlan],
    pub dictionaries: &'a mut BTreeMap<String, Dictionary>,
    pub report: &'a mut LoadReport,
    /// Decided from the first chunk of the file: numbers are unix seconds.
    pub timestamps_in_seconds: Option<bool>,
}

/// A row's first problem.
struct Bad {
    reason: DropReason,
    column: String,
    found: String,
    expected: &'static str,
}

/// Problems found in one column: (row in chunk, problem), at most one per row.
#[derive(Default)]
struct Problems(Vec<(usize, Bad)>);

impl Problems {
    fn mark(
        &mut self,
        i: usize,
        reason: DropReason,
        column: &str,
        found: String,
        expected: &'static str,
    ) {
        self.0.push((
            i,
            Bad {
                reason,
                column: column.to_string(),
                found,
                expected,
            },
        ));
    }
}

/// A source column's cells, either as numbers or as text.
enum Cells<'s> {
    Numbers(Float64Chunked),
    Text(&'s StringChunked),
}

fn cells(series: &Series) -> PolarsResult<Cells<'_>> {
    if series.dtype().is_string() {
        Ok(Cells::Text(series.str()?))
    } else {
        Ok(Cells::Numbers(
            series.cast(&DataType::Float64)?.f64()?.clone(),
        ))
    }
}

/// Decide once per file whether numeric timestamps are seconds (by magnitude).
fn seconds_by_magnitude(series: &Series) -> bool {
    let max_abs = match cells(series) {
        Ok(Cells::Numbers(ca)) => ca
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0_f64, |m, v| m.max(v.abs())),
        Ok(Cells::Text(ca)) => ca
            .iter()
            .flatten()
            .filter_map(parse_number)
            .fold(0.0_f64, |m, v| m.max(v.abs())),
        Err(_) => 0.0,
    };
    max_abs > 0.0 && max_abs < SECONDS_MS_BOUNDARY
}

fn finite_number(
    v: Option<f64>,
    text: Option<&str>,
    i: usize,
    column: &str,
    expected: &'static str,
    problems: &mut Problems,
) -> Option<f64> {
    match (v, text) {
        (Some(v), _) if v.is_finite() => Some(v),
        (Some(v), _) => {
            problems.mark(i, DropReason::NotFinite, column, v.to_string(), expected);
            None
        }
        (None, Some(t)) => {
            problems.mark(i, DropReason::Unparsable, column, t.to_string(), expected);
            None
        }
        (None, None) => {
            problems.mark(i, DropReason::MissingValue, column, String::new(), expected);
            None
        }
    }
}

/// Iterate a column as (number, original text when it did not parse).
fn for_each_number(cells: &Cells<'_>, mut f: impl FnMut(usize, Option<f64>, Option<&str>)) {
    match cells {
        Cells::Numbers(ca) => {
            for (i, v) in ca.iter().enumerate() {
                f(i, v, None);
            }
        }
        Cells::Text(ca) => {
            for (i, t) in ca.iter().enumerate() {
                match t {
                    Some(t) => match parse_number(t) {
                        Some(v) => f(i, Some(v), None),
                        None if t.trim().is_empty() => f(i, None, None),
                        None => f(i, None, Some(t)),
                    },
                    None => f(i, None, None),
                }
            }
        }
    }
}

impl ConvertState<'_> {
    /// Convert one parsed chunk. Bad rows are dropped (or, when strict, the first
    /// one is an error).
    /// Returns the converted rows and their row numbers in the file.
    pub fn convert(
        &mut self,
        raw: &DataFrame,
        rows: &RowNumbers,
    ) -> Result<(DataFrame, RowNumbers), LoadError> {
        let n = raw.height();
        let file = self.file.clone();
        let polars_err = |e: PolarsError| LoadError::Parse {
            file: file.clone(),
            format: "CSV",
            message: e.to_string(),
        };
        let mut tasks = Vec::new();
        for canonical in Canonical::ALL {
            let Some(source) = self.mapping.source_of(canonical) else {
                continue;
            };
            let series = raw
                .column(source)
                .map_err(polars_err)?
                .as_materialized_series()
                .clone();
            let dictionary = (canonical.kind() == ColumnKind::Key).then(|| {
                self.dictionaries
                    .remove(canonical.name())
                    .unwrap_or_else(|| new_dictionary(&series, canonical == Canonical::ViewerType))
            });
            if canonical == Canonical::Timestamp && self.timestamps_in_seconds.is_none() {
                self.timestamps_in_seconds = Some(seconds_by_magnitude(&series));
            }
            tasks.push(Task {
                canonical,
                source: source.to_string(),
                series,
                dictionary,
            });
        }
        let in_seconds = self.timestamps_in_seconds.unwrap_or(false);
        let done = run_tasks(tasks, in_seconds);
        let mut out: Vec<Column> = Vec::new();
        let mut first_problem: BTreeMap<usize, Bad> = BTreeMap::new();
        for result in done {
            let (canonical, column, problems, dictionary) = result.map_err(polars_err)?;
            if let Some(d) = dictionary {
                self.dictionaries.insert(canonical.name().to_string(), d);
            }
            // Canonical order decides which problem of a row is reported.
            for (i, bad) in problems.0 {
                first_problem.entry(i).or_insert(bad);
            }
            out.push(column.with_name(canonical.name().into()));
        }
        for extra in self.extras {
            match extra {
                ExtraPlan::Numeric(name) => {
                    if let Ok(c) = raw.column(name) {
                        let s = c.as_materialized_series();
                        let v = match cells(s).map_err(polars_err)? {
                            Cells::Numbers(ca) => ca,
                            Cells::Text(ca) => {
                                ca.iter().map(|t| t.and_then(parse_number)).collect()
                            }
                        };
                        out.push(v.with_name(name.as_str().into()).into_column());
                    }
                }
                ExtraPlan::Category(name) => {
                    if let Ok(c) = raw.column(name) {
                        let s = c
                            .as_materialized_series()
                            .cast(&DataType::String)
                            .map_err(polars_err)?;
                        let dict = self
                            .dictionaries
                            .entry(name.clone())
                            .or_insert_with(Dictionary::named);
                        let keys: UInt32Chunked = s
                            .str()
                            .map_err(polars_err)?
                            .iter()
                            .map(|t| Some(dict.intern(t.map_or("(missing)", str::trim))))
                            .collect();
                        out.push(keys.with_name(name.as_str().into()).into_column());
                    }
                }
            }
        }
        let frame = DataFrame::new(n, out).map_err(polars_err)?;

        let mut keep = vec![true; n];
        for (i, bad) in first_problem {
            keep[i] = false;
            self.report.drop_row(
                self.strict,
                bad.reason,
                FirstDrop {
                    file: self.file.clone(),
                    row: rows.row(i),
                    column: bad.column,
                    found: bad.found,
                },
                bad.expected,
            )?;
        }
        if keep.iter().all(|&k| k) {
            let kept = match rows {
                RowNumbers::Contiguous(first) => RowNumbers::Contiguous(*first),
                RowNumbers::Explicit(r) => RowNumbers::Explicit(r.clone()),
            };
            return Ok((frame, kept));
        }
        let kept_rows = (0..n).filter(|&i| keep[i]).map(|i| rows.row(i)).collect();
        let mask: BooleanChunked = keep.into_iter().map(Some).collect();
        Ok((
            frame.filter(&mask).map_err(polars_err)?,
            RowNumbers::Explicit(kept_rows),
        ))
    }
}

/// One column to convert, with the dictionary it codes into.
struct Task {
    canonical: Canonical,
    source: String,
    series: Series,
    dictionary: Option<Dictionary>,
}

type TaskResult = PolarsResult<(Canonical, Column, Problems, Option<Dictionary>)>;

/// Convert columns on all cores; results come back in canonical order.
fn run_tasks(tasks: Vec<Task>, in_seconds: bool) -> Vec<TaskResult> {
    let order: Vec<Canonical> = tasks.iter().map(|t| t.canonical).collect();
    let queue = std::sync::Mutex::new(tasks);
    let results = std::sync::Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    // A poisoned lock means another worker panicked; scope re-raises it.
                    let Some(task) = queue.lock().ok().and_then(|mut q| q.pop()) else {
                        break;
                    };
                    let result = run_task(task, in_seconds);
                    if let Ok(mut r) = results.lock() {
                        r.push(result);
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|r| match r {
        Ok((c, ..)) => order.iter().position(|o| o == c).unwrap_or(usize::MAX),
        Err(_) => 0,
    });
    results
}

fn run_task(task: Task, in_seconds: bool) -> TaskResult {
    let Task {
        canonical,
        source,
        series,
        mut dictionary,
    } = task;
    let mut problems = Problems::default();
    let column = match (canonical.kind(), dictionary.as_mut()) {
        (ColumnKind::TimestampMs, _) => timestamps(&series, &source, in_seconds, &mut problems)?,
        (ColumnKind::Key, Some(dict)) => keys(
            dict,
            canonical.name(),
            canonical == Canonical::ViewerType,
            &series,
            &source,
            &mut problems,
        )?,
        _ => measurements(canonical, &series, &source, &mut problems)?,
    };
    Ok((canonical, column, problems, dictionary))
}

/// A dictionary for a new key column: numeric when every value is a whole number.
fn new_dictionary(series: &Series, always_named: bool) -> Dictionary {
    let numeric = !always_named
        && (series.dtype().is_primitive_numeric()
            || series.str().is_ok_and(|ca| {
                ca.iter()
                    .flatten()
                    .all(|t| parse_number(t).and_then(id_from_f64).is_some())
            }));
    if numeric {
        Dictionary::numeric()
    } else {
        Dictionary::named()
    }
}

fn timestamps(
    series: &Series,
    source: &str,
    in_seconds: bool,
    problems: &mut Problems,
) -> PolarsResult<Column> {
    let factor = if in_seconds { 1000.0 } else { 1.0 };
    let expected = Canonical::Timestamp.expected();
    let mut out = vec![0_i64; series.len()];
    match cells(series)? {
        Cells::Numbers(ca) => {
            for (i, v) in ca.iter().enumerate() {
                if let Some(v) = finite_number(v, None, i, source, expected, problems) {
                    out[i] = (v * factor).round() as i64;
                }
            }
        }
        Cells::Text(ca) => {
            for (i, t) in ca.iter().enumerate() {
                match t.map(|t| (t, parse_timestamp_text(t))) {
                    Some((_, Some(TimestampText::Millis(ms)))) => out[i] = ms,
                    Some((t, Some(TimestampText::Number(v)))) => {
                        if let Some(v) =
                            finite_number(Some(v), Some(t), i, source, expected, problems)
                        {
                            out[i] = (v * factor).round() as i64;
                        }
                    }
                    Some((t, None)) if !t.trim().is_empty() => {
                        problems.mark(i, DropReason::Unparsable, source, t.to_string(), expected);
                    }
                    _ => {
                        problems.mark(i, DropReason::MissingValue, source, String::new(), expected);
                    }
                }
            }
        }
    }
    Ok(Int64Chunked::from_vec("".into(), out).into_column())
}

fn keys(
    dict: &mut Dictionary,
    name: &str,
    always_named: bool,
    series: &Series,
    source: &str,
    problems: &mut Problems,
) -> PolarsResult<Column> {
    let expected = Canonical::from_name(name).map_or("an id", Canonical::expected);
    let mut out = vec![0_u32; series.len()];
    if dict.is_named() {
        let text = series.cast(&DataType::String)?;
        for (i, t) in text.str()?.iter().enumerate() {
            match t.map(str::trim) {
                Some(t) if !t.is_empty() => {
                    let label = if always_named {
                        t.to_uppercase()
                    } else {
                        normalise_label(t)
                    };
                    out[i] = dict.intern(&label);
                }
                _ => {
                    problems.mark(i, DropReason::MissingValue, source, String::new(), expected);
                }
            }
        }
    } else if series.dtype().is_integer() {
        // The common case: integer ids, no float conversion.
        let ints = series.cast(&DataType::Int64)?;
        for (i, v) in ints.i64()?.iter().enumerate() {
            match v.map(u32::try_from) {
                Some(Ok(id)) => out[i] = dict.intern_id(id),
                Some(Err(_)) => {
                    let found = v.map(|v| v.to_string()).unwrap_or_default();
                    problems.mark(i, DropReason::BadId, source, found, expected);
                }
                None => {
                    problems.mark(i, DropReason::MissingValue, source, String::new(), expected);
                }
            }
        }
    } else {
        let cells = cells(series)?;
        for_each_number(&cells, |i, v, text| match (v, text) {
            (Some(v), _) => match id_from_f64(v) {
                Some(id) => out[i] = dict.intern_id(id),
                None => {
                    problems.mark(i, DropReason::BadId, source, v.to_string(), expected);
                }
            },
            (None, Some(t)) => {
                problems.mark(i, DropReason::BadId, source, t.to_string(), expected);
            }
            (None, None) => {
                problems.mark(i, DropReason::MissingValue, source, String::new(), expected);
            }
        });
    }
    Ok(UInt32Chunked::from_vec("".into(), out).into_column())
}

fn measurements(
    canonical: Canonical,
    series: &Series,
    source: &str,
    problems: &mut Problems,
) -> PolarsResult<Column> {
    let expected = canonical.expected();
    let unit = canonical.kind() == ColumnKind::UnitInterval;
    let mut out = vec![0.0_f64; series.len()];
    let cells = cells(series)?;
    for_each_number(&cells, |i, v, text| {
        if let Some(v) = finite_number(v, text, i, source, expected, problems) {
            if unit && !(0.0..=1.0).contains(&v) {
                problems.mark(i, DropReason::OutOfRange, source, v.to_string(), expected);
            } else if !unit && v < 0.0 {
                problems.mark(i, DropReason::Negative, source, v.to_string(), expected);
            } else {
                out[i] = v;
            }
        }
    });
    Ok(Float64Chunked::from_vec("".into(), out).into_column())
}

/// Plan extras from the first chunk: numeric columns are kept, text columns with
/// at most `MAX_CATEGORIES` distinct values become filters, others are ignored.
#[must_use]
pub fn plan_extras(raw: &DataFrame, mapping: &ColumnMapping) -> (Vec<ExtraPlan>, Vec<String>) {
    const MAX_CATEGORIES: usize = 50;
    let mut plans = Vec::new();
    let mut ignored = Vec::new();
    for column in raw.columns() {
        let name = column.name().to_string();
        if mapping.is_mapped(&name) {
            continue;
        }
        let dtype = column.dtype();
        if dtype.is_primitive_numeric() {
            plans.push(ExtraPlan::Numeric(name));
        } else if dtype.is_string()
            && column
                .as_materialized_series()
                .n_unique()
                .is_ok_and(|u| u <= MAX_CATEGORIES)
        {
            plans.push(ExtraPlan::Category(name));
        } else {
            ignored.push(name);
        }
    }
    (plans, ignored)
}
