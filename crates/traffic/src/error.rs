//! Typed errors of the traffic classifier. Row numbers count as a spreadsheet does: the header is
//! row 1, so the first data row is row 2.

/// Why a capture could not be read, or a model trained, evaluated or applied.
#[derive(Debug, thiserror::Error)]
pub enum TrafficError {
    #[error("{file}: cannot read the file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error(
        "{file}, row 1: not a network-stats capture: column `{missing}` not found. Columns found: {}",
        streamlens_engine::error::quote(found)
    )]
    MissingColumn {
        file: String,
        missing: String,
        found: String,
    },
    #[error("{file}, row {row}: expected {expected} fields like the header, found {found}")]
    FieldCount {
        file: String,
        row: u64,
        expected: usize,
        found: usize,
    },
    #[error("{file}, row {row}, column `{column}`: expected {expected}, found `{found}`")]
    BadValue {
        file: String,
        row: u64,
        column: String,
        expected: String,
        found: String,
    },
    #[error("{file}: the capture has a header but no data rows")]
    NoRows { file: String },
    #[error(
        "{file}: the capture has no download packets (direction 2), so there is no stream to \
         judge live or VOD; capture while the video plays"
    )]
    NoDownload { file: String },
    #[error("{file}: the capture spans {span_secs} s; at most {max_secs} s are supported")]
    TooLong {
        file: String,
        span_secs: i64,
        max_secs: i64,
    },
    #[error("window of {window_secs} s: {reason}")]
    Window { window_secs: u32, reason: String },
    #[error("{dir}: no .csv captures found")]
    NoCaptures { dir: String },
    #[error(
        "{file}: cannot tell live from VOD by the file name (expected `live` or `streaming` in it)"
    )]
    Unlabelled { file: String },
    #[error("not enough training data: {0}")]
    NotEnoughData(String),
    #[error("cancelled")]
    Cancelled,
    #[error("the model uses {model} features but this build computes {expected}: retrain it")]
    ModelMismatch { model: usize, expected: usize },
    #[error("the model file is damaged: {0}; train it again")]
    DamagedModel(String),
    #[error("training the {classifier} failed: {message}")]
    Training {
        classifier: &'static str,
        message: String,
    },
}

/// Shorthand for the common bad-cell error.
pub(crate) fn bad_value(
    file: &str,
    row: u64,
    column: &str,
    expected: impl Into<String>,
    found: &[u8],
) -> TrafficError {
    const SHOWN: usize = 40;
    let text = String::from_utf8_lossy(&found[..found.len().min(SHOWN)]);
    let found = if found.len() > SHOWN {
        format!("{text}…")
    } else {
        text.into_owned()
    };
    TrafficError::BadValue {
        file: file.to_string(),
        row,
        column: column.to_string(),
        expected: expected.into(),
        found,
    }
}
