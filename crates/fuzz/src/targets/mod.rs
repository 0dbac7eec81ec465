//! One fuzz target per reader: its seeds and a call of the reader's public entry point on
//! an input (through a temporary file when the reader takes a path). Where a reader's output
//! goes straight into the code that uses it (a model scores rows, a capture gives chunk
//! features, a trace or manifest is simulated), the target does that too: a file that reads
//! without an error must also be usable without a panic.

mod abr;
mod events;
mod sessions;
mod tables;
mod telemetry;
mod traffic;

use std::path::{Path, PathBuf};

/// A reader as a fuzz target sees it: input bytes in, `Err(message)` for a refused input.
pub type ReadFn = Box<dyn Fn(&[u8]) -> Result<(), String> + Send + Sync>;

/// A reader under test.
pub struct Target {
    pub name: &'static str,
    /// Inputs the run starts from and mutates; never empty.
    pub seeds: Vec<Vec<u8>>,
    pub read: ReadFn,
}

/// Every target, by name.
pub const NAMES: &[&str] = &[
    "telemetry-csv",
    "telemetry-gzip",
    "telemetry-parquet",
    "feature-table",
    "table-model",
    "event-labels",
    "event-model",
    "traffic-capture",
    "traffic-model",
    "player-events",
    "cdn-jsonl",
    "abr-trace",
    "abr-manifest",
];

/// The target called `name`; `shared` adds seeds from the shared data folder when present.
/// `None` for an unknown name.
#[must_use]
pub fn target(name: &str, shared: bool) -> Option<Target> {
    let (seeds, read) = match name {
        "telemetry-csv" => telemetry::csv(shared),
        "telemetry-gzip" => telemetry::gzip(shared),
        "telemetry-parquet" => telemetry::parquet(),
        "feature-table" => tables::feature_table(shared),
        "table-model" => tables::table_model(),
        "event-labels" => tables::event_labels(),
        "event-model" => events::event_model(),
        "traffic-capture" => traffic::capture(shared),
        "traffic-model" => traffic::model(),
        "player-events" => sessions::player_events(),
        "cdn-jsonl" => sessions::cdn(shared),
        "abr-trace" => abr::trace(shared),
        "abr-manifest" => abr::manifest(shared),
        _ => return None,
    };
    let name = NAMES.iter().find(|n| **n == name)?;
    let mut seeds = seeds;
    seeds.extend(
        crate::seeds::hostile(name)
            .into_iter()
            .map(|(_, bytes)| bytes),
    );
    if seeds.is_empty() {
        seeds.push(Vec::new());
    }
    Some(Target { name, seeds, read })
}

/// A number derived from the input (FNV-1a), so that options a target varies (strict or
/// lenient, chunk size) are the same whenever the same input is replayed.
pub(crate) fn variant(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A file in a private temporary folder, rewritten with each input, for readers that take
/// a path.
pub(crate) struct TempInput {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl TempInput {
    pub(crate) fn new(file_name: &str) -> Self {
        // The temporary folder is the harness's own; failing to make one is a broken machine.
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join(file_name);
        Self { _dir: dir, path }
    }

    pub(crate) fn write(&self, bytes: &[u8]) -> Result<&Path, String> {
        std::fs::write(&self.path, bytes)
            .map_err(|e| format!("harness: cannot write the input: {e}"))?;
        Ok(&self.path)
    }
}

/// `Err(e.to_string())` for any displayable error.
pub(crate) fn text<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, String> {
    r.map_err(|e| e.to_string())
}
