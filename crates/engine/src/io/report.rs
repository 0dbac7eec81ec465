//! What loading dropped and why: counts per reason plus the first occurrence,
//! so a user can open the file at that row.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{LoadError, SourceFile};

/// Why a row was rejected. The text of each is the key in `dropped_rows`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DropReason {
    MissingValue,
    Unparsable,
    NotFinite,
    OutOfRange,
    Negative,
    BadId,
    WrongFieldCount,
    DuplicateViewerTimestamp,
    /// A label outside the column's known values (a viewer type other than WFH or WFO).
    UnknownValue,
    /// A numeric timestamp in the other unit than the file's (seconds among milliseconds,
    /// or milliseconds among seconds; see [`crate::io::values::fits_time_unit`]).
    TimeUnitMismatch,
    /// A text cell whose bytes are not UTF-8.
    NotUtf8,
}

impl DropReason {
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            DropReason::MissingValue => "missing_value",
            DropReason::Unparsable => "unparsable_value",
            DropReason::NotFinite => "not_finite",
            DropReason::OutOfRange => "out_of_range",
            DropReason::Negative => "negative",
            DropReason::BadId => "bad_id",
            DropReason::WrongFieldCount => "wrong_field_count",
            DropReason::DuplicateViewerTimestamp => "duplicate_viewer_timestamp",
            DropReason::UnknownValue => "unknown_value",
            DropReason::TimeUnitMismatch => "time_unit_mismatch",
            DropReason::NotUtf8 => "not_utf8",
        }
    }

    /// Human wording used in messages ("expected …").
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            DropReason::MissingValue => "missing value",
            DropReason::Unparsable => "value that cannot be parsed",
            DropReason::NotFinite => "NaN or infinite number",
            DropReason::OutOfRange => "value outside [0, 1]",
            DropReason::Negative => "negative value",
            DropReason::BadId => "id that is not a whole number in 0..4294967295",
            DropReason::WrongFieldCount => "row with the wrong number of fields",
            DropReason::DuplicateViewerTimestamp => "second row for the same viewer and timestamp",
            DropReason::UnknownValue => "value outside the column's known values",
            DropReason::TimeUnitMismatch => {
                "timestamp in the other unit (seconds vs milliseconds) than the file's others"
            }
            DropReason::NotUtf8 => "text that is not UTF-8",
        }
    }
}

/// The first dropped row for one reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstDrop {
    pub file: String,
    pub row: u64,
    pub column: String,
    pub found: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DropStat {
    pub count: u64,
    pub first: FirstDrop,
}

/// Everything a user should know about how the files became the dataset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    pub files: Vec<SourceFile>,
    /// reason key → count and first occurrence.
    pub dropped: BTreeMap<String, DropStat>,
    /// Source columns that were neither canonical nor kept as extras.
    pub ignored_columns: Vec<String>,
}

impl LoadReport {
    /// Record a dropped row; in strict mode the first one is an error instead.
    pub(crate) fn drop_row(
        &mut self,
        strict: bool,
        reason: DropReason,
        first: FirstDrop,
        expected: &str,
    ) -> Result<(), LoadError> {
        if strict {
            return Err(LoadError::BadValue {
                file: first.file,
                row: first.row,
                column: first.column,
                expected: expected.to_string(),
                found: first.found,
            });
        }
        self.dropped
            .entry(reason.key().to_string())
            .and_modify(|s| s.count += 1)
            .or_insert(DropStat { count: 1, first });
        Ok(())
    }

    #[must_use]
    pub fn dropped_counts(&self) -> BTreeMap<String, u64> {
        self.dropped
            .iter()
            .map(|(k, v)| (k.clone(), v.count))
            .collect()
    }

    /// One line per reason: "12 rows: value outside [0, 1] (first: file, row 7, column `qoe`, found `1.3`)".
    #[must_use]
    pub fn dropped_lines(&self) -> Vec<String> {
        self.dropped
            .iter()
            .map(|(key, stat)| {
                format!(
                    "{} row{} dropped: {} (first: {}, row {}, column `{}`, found `{}`)",
                    stat.count,
                    if stat.count == 1 { "" } else { "s" },
                    key.replace('_', " "),
                    stat.first.file,
                    stat.first.row,
                    stat.first.column,
                    stat.first.found
                )
            })
            .collect()
    }
}
