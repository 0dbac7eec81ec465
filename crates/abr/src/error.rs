//! What can go wrong reading traces and manifests or choosing players.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AbrError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file that is not what it should be: where, and what was expected.
    #[error("{path}: {what}")]
    Format { path: PathBuf, what: String },
    #[error("unknown player `{0}`; players: {1}")]
    UnknownAlgorithm(String, String),
    #[error("{0}")]
    Invalid(String),
    /// The caller stopped the work (a newer request replaced it); nothing was kept.
    #[error("stopped: a newer request replaced this one")]
    Stopped,
}

/// Most characters of file content a message quotes.
const QUOTE_CHARS: usize = 120;

/// `text` quoted (as `{:?}` does) after cutting it at [`QUOTE_CHARS`] characters, then how
/// many there were: a 1 MB line must not become a 1 MB message.
pub(crate) fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!(
            "{:?}… ({} characters in all)",
            &text[..cut],
            text.chars().count()
        ),
    }
}
