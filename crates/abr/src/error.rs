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
}
