//! One parsed chunk (source names, any types) → canonical columns, with every
//! rejected row counted under its reason and located by file, row and column.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::columns::{
    Bad, Cells, Problems, cells, keys, measurements, new_dictionary, seconds_by_magnitude,
    timestamps,
};
use crate::dataset::Dictionary;
use crate::error::LoadError;
use crate::io::report::{FirstDrop, LoadReport};
use crate::io::values::parse_number;
use crate::schema::{Canonical, ColumnKind, ColumnMapping};

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
            if let Some(found) = unusable_type(series.dtype()) {
                return Err(LoadError::ColumnType {
                    file,
                    column: source.to_owned(),
                    canonical: canonical.name(),
                    found,
                    expected: canonical.expected(),
                });
            }
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

/// What a typed column (Parquet) holds when no telemetry column can use it: true/false
/// would read as 1 and 0, nested and binary values as nothing sensible.
fn unusable_type(dtype: &DataType) -> Option<&'static str> {
    match dtype {
        DataType::Boolean => Some("true/false values"),
        DataType::Binary | DataType::BinaryOffset => Some("binary values"),
        DataType::List(_) | DataType::Struct(_) => Some("nested values (lists or structs)"),
        DataType::Null => Some("no values at all"),
        _ => None,
    }
}

type TaskResult = PolarsResult<(Canonical, Column, Problems, Option<Dictionary>)>;

/// Convert columns on all cores; results come back in canonical order.
fn run_tasks(tasks: Vec<Task>, in_seconds: bool) -> Vec<TaskResult> {
    let order: Vec<Canonical> = tasks.iter().map(|t| t.canonical).collect();
    let queue = std::sync::Mutex::new(tasks);
    let results = std::sync::Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let work = || {
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
    };
    std::thread::scope(|s| {
        for _ in 0..workers {
            // If no thread can be started, the loop below does the work.
            let _ = std::thread::Builder::new()
                .name("streamlens-convert".into())
                .spawn_scoped(s, work);
        }
    });
    work();
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
