//! Typed load errors. Each names the file and, where it applies, the row
//! (counted as a spreadsheet does: the header is row 1) and the column.

use std::path::PathBuf;

/// Why a file could not become (part of) a dataset.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: cannot read the file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}: the file has a header but no data rows")]
    HeaderOnly { file: String },
    #[error(
        "{file}: required column `{canonical}` not found. Columns found: {}. Accepted names for `{canonical}`: {aliases} (case-insensitive; `_`, `-` and spaces ignored)",
        quote(.found)
    )]
    MissingColumn {
        file: String,
        canonical: String,
        found: String,
        aliases: String,
    },
    #[error(
        "{file}, row {row}, column `{column}`: expected {expected}, found `{}`",
        quote(.found)
    )]
    BadValue {
        file: String,
        row: u64,
        column: String,
        expected: String,
        found: String,
    },
    #[error(
        "{file}: its columns ({}) differ from those of {first_file} ({})",
        quote(.found),
        quote(.expected)
    )]
    SchemaMismatch {
        file: String,
        first_file: String,
        found: String,
        expected: String,
    },
    #[error("{file}: not a readable {format} file: {}", quote_at(.message, 400))]
    Parse {
        file: String,
        format: &'static str,
        message: String,
    },
    #[error("{file}, column `{column}`: it holds {found}; `{canonical}` needs {expected}")]
    ColumnType {
        file: String,
        column: String,
        canonical: &'static str,
        found: &'static str,
        expected: &'static str,
    },
    #[error("{file}: every data row was rejected ({summary})")]
    NoValidRows { file: String, summary: String },
    #[error("no files were given")]
    NoFiles,
    #[error("loading was cancelled")]
    Cancelled,
}

/// Most characters of file content an error message quotes.
pub const QUOTE_CHARS: usize = 120;

/// `text` as an error message quotes it: at most [`QUOTE_CHARS`] characters, then how many
/// more there were (a 1 MB header line must not become a 1 MB message).
#[must_use]
pub fn quote(text: &str) -> String {
    quote_at(text, QUOTE_CHARS)
}

/// `text` cut after `max` characters, then how many there were (for a reader's message,
/// which may itself quote the file).
#[must_use]
pub fn quote_at(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!(
            "{}… ({} characters in all)",
            &text[..cut],
            text.chars().count()
        ),
    }
}

/// Most characters of an error message printed or shown: readers quote at most
/// [`QUOTE_CHARS`] of a file, and this last guard keeps any message from growing with it.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// `text` cut to [`MAX_MESSAGE_CHARS`] characters (then how long it was).
#[must_use]
pub fn bounded_message(text: String) -> String {
    if text.len() <= MAX_MESSAGE_CHARS {
        text
    } else {
        quote_at(&text, MAX_MESSAGE_CHARS)
    }
}

impl LoadError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            file: display_path(path),
            source,
        }
    }
}

/// A path as users see it in messages.
#[must_use]
pub fn display_path(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// Errors of analyses run on an already loaded dataset.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("the analysis needs column `{0}`, which this dataset does not have")]
    MissingColumn(String),
    #[error("unknown {dimension} `{value}`; known values include: {known}")]
    UnknownFilterValue {
        dimension: String,
        value: String,
        known: String,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("a worker thread of the {0} analysis failed")]
    Worker(String),
    #[error("computation failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

/// Where a dataset came from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub rows_read: u64,
    pub rows_kept: u64,
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_are_short() {
        assert_eq!(super::quote("abc"), "abc");
        let long = "é".repeat(200);
        let q = super::quote(&long);
        assert!(q.starts_with(&"é".repeat(120)));
        assert!(q.ends_with("… (200 characters in all)"), "{q}");
    }
}
