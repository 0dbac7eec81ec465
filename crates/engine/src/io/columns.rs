//! Parsing one source column into a canonical column: timestamps, id codes and
//! measurements, each cell checked, with the problem of every bad row noted.

use polars::prelude::*;

use crate::dataset::Dictionary;
use crate::io::report::DropReason;
use crate::io::values::{
    MAX_PLAUSIBLE_MS, SECONDS_MS_BOUNDARY, TimestampText, fits_time_unit, id_from_f64,
    normalise_label, parse_number, parse_timestamp_text,
};
use crate::schema::{Canonical, ColumnKind};

/// A row's first problem.
pub(super) struct Bad {
    pub(super) reason: DropReason,
    pub(super) column: String,
    pub(super) found: String,
    pub(super) expected: &'static str,
}

/// Problems found in one column: (row in chunk, problem), at most one per row.
#[derive(Default)]
pub(super) struct Problems(pub(super) Vec<(usize, Bad)>);

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
pub(super) enum Cells<'s> {
    Numbers(Float64Chunked),
    Text(&'s StringChunked),
}

pub(super) fn cells(series: &Series) -> PolarsResult<Cells<'_>> {
    if series.dtype().is_string() {
        Ok(Cells::Text(series.str()?))
    } else {
        Ok(Cells::Numbers(
            series.cast(&DataType::Float64)?.f64()?.clone(),
        ))
    }
}

/// Decide once per file whether numeric timestamps are seconds (by magnitude).
pub(super) fn seconds_by_magnitude(series: &Series) -> bool {
    if matches!(series.dtype(), DataType::Datetime(..) | DataType::Date) {
        return false;
    }
    // The median magnitude, so one stray value cannot flip a whole file's unit.
    let mut magnitudes: Vec<f64> = match cells(series) {
        Ok(Cells::Numbers(ca)) => ca
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .map(f64::abs)
            .collect(),
        Ok(Cells::Text(ca)) => ca
            .iter()
            .flatten()
            .filter_map(parse_number)
            .filter(|v| v.is_finite())
            .map(f64::abs)
            .collect(),
        Err(_) => Vec::new(),
    };
    if magnitudes.is_empty() {
        return false;
    }
    let mid = (magnitudes.len() - 1) / 2;
    let (_, median, _) = magnitudes.select_nth_unstable_by(mid, f64::total_cmp);
    *median > 0.0 && *median < SECONDS_MS_BOUNDARY
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
pub(super) fn for_each_number(
    cells: &Cells<'_>,
    mut f: impl FnMut(usize, Option<f64>, Option<&str>),
) {
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

/// A dictionary for a new key column: numeric when every value is a whole number.
pub(super) fn new_dictionary(series: &Series, always_named: bool) -> Dictionary {
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

/// Note a timestamp outside 1970 .. 2200 (wrong unit or garbage).
/// `found` is only formatted for bad rows (this runs for every row).
fn check_range(
    i: usize,
    ms: i64,
    source: &str,
    found: impl FnOnce() -> String,
    problems: &mut Problems,
) {
    if !(0..=MAX_PLAUSIBLE_MS).contains(&ms) {
        problems.mark(
            i,
            DropReason::OutOfRange,
            source,
            found(),
            "a timestamp between 1970 and 2200 (unix ms, unix s or ISO-8601)",
        );
    }
}

pub(super) fn timestamps(
    series: &Series,
    source: &str,
    in_seconds: bool,
    problems: &mut Problems,
) -> PolarsResult<Column> {
    // Typed date-times (Parquet) become unix ms whatever their unit.
    let (series, in_seconds) = match series.dtype() {
        DataType::Datetime(..) | DataType::Date => (
            series
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?
                .cast(&DataType::Int64)?,
            false,
        ),
        _ => (series.clone(), in_seconds),
    };
    let typed = matches!(series.dtype(), DataType::Datetime(..) | DataType::Date);
    let series = &series;
    let factor = if in_seconds { 1000.0 } else { 1.0 };
    let expected = Canonical::Timestamp.expected();
    let unit_expected = if in_seconds {
        "unix seconds, as the file's other timestamps (this looks like milliseconds)"
    } else {
        "unix milliseconds, as the file's other timestamps (this looks like seconds)"
    };
    let mut out = vec![0_i64; series.len()];
    match cells(series)? {
        Cells::Numbers(ca) => {
            for (i, v) in ca.iter().enumerate() {
                if let Some(v) = finite_number(v, None, i, source, expected, problems) {
                    if !typed && !fits_time_unit(v, in_seconds) {
                        let found = v.to_string();
                        problems.mark(
                            i,
                            DropReason::TimeUnitMismatch,
                            source,
                            found,
                            unit_expected,
                        );
                        continue;
                    }
                    out[i] = (v * factor).round() as i64;
                    check_range(i, out[i], source, || v.to_string(), problems);
                }
            }
        }
        Cells::Text(ca) => {
            for (i, t) in ca.iter().enumerate() {
                match t.map(|t| (t, parse_timestamp_text(t))) {
                    Some((t, Some(TimestampText::Millis(ms)))) => {
                        out[i] = ms;
                        check_range(i, ms, source, || t.to_string(), problems);
                    }
                    Some((t, Some(TimestampText::Number(v)))) => {
                        if let Some(v) =
                            finite_number(Some(v), Some(t), i, source, expected, problems)
                        {
                            if !fits_time_unit(v, in_seconds) {
                                let found = t.to_string();
                                problems.mark(
                                    i,
                                    DropReason::TimeUnitMismatch,
                                    source,
                                    found,
                                    unit_expected,
                                );
                                continue;
                            }
                            out[i] = (v * factor).round() as i64;
                            check_range(i, out[i], source, || t.to_string(), problems);
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

pub(super) fn keys(
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
                    // Only viewer types are always named, and they have two known values.
                    if always_named && !crate::schema::VIEWER_TYPES.contains(&label.as_str()) {
                        problems.mark(i, DropReason::UnknownValue, source, t.to_string(), expected);
                        continue;
                    }
                    out[i] = dict.intern(&label);
                }
                _ => {
                    problems.mark(i, DropReason::MissingValue, source, String::new(), expected);
                }
            }
        }
    } else if series.dtype().is_unsigned_integer() {
        // Read as u64: a value above i64::MAX must not become a null ("missing").
        let ints = series.cast(&DataType::UInt64)?;
        let ids = ints.u64()?.iter();
        intern_integer_ids(ids, dict, &mut out, source, expected, problems);
    } else if series.dtype().is_integer() {
        // The common case: integer ids, no float conversion.
        let ints = series.cast(&DataType::Int64)?;
        let ids = ints.i64()?.iter();
        intern_integer_ids(ids, dict, &mut out, source, expected, problems);
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

/// Integer cells as id codes: a value outside `0..=u32::MAX` is a bad id, a null a missing
/// value.
fn intern_integer_ids<T>(
    values: impl Iterator<Item = Option<T>>,
    dict: &mut Dictionary,
    out: &mut [u32],
    source: &str,
    expected: &'static str,
    problems: &mut Problems,
) where
    T: Copy + std::fmt::Display,
    u32: TryFrom<T>,
{
    for (i, v) in values.enumerate() {
        match v.map(|v| (v, u32::try_from(v))) {
            Some((_, Ok(id))) => out[i] = dict.intern_id(id),
            Some((v, Err(_))) => {
                problems.mark(i, DropReason::BadId, source, v.to_string(), expected);
            }
            None => {
                problems.mark(i, DropReason::MissingValue, source, String::new(), expected);
            }
        }
    }
}

pub(super) fn measurements(
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
