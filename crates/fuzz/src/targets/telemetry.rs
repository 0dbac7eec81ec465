//! Telemetry files through the engine's loader: CSV (each chunk size, strict or lenient, the
//! direct parser or polars only), gzip CSV and Parquet, plus the column-mapping preview.

use std::sync::Arc;

use polars::prelude::{CsvReadOptions, ParquetWriter, SerReader};
use streamlens_engine::io::{LoadOptions, LoadProgress, Source, load, preview};

use super::{ReadFn, text, variant};
use crate::seeds::{gzip as gz, head, repo, repo_dir, shared_dir};

fn load_bytes(bytes: &[u8]) -> Result<(), String> {
    let v = variant(bytes);
    let source = Source::Bytes {
        name: "fuzz-input".into(),
        bytes: Arc::from(bytes),
    };
    let options = LoadOptions {
        strict: v & 1 == 1,
        chunk_bytes: if v & 2 == 2 { 512 } else { 0 },
        polars_only: v & 4 == 4,
        ..LoadOptions::default()
    };
    // The preview's outcome does not decide the load's: both must only return.
    let _ = preview(&source);
    text(load(&[source], &options, &LoadProgress::default())).map(|_| ())
}

fn csv_seeds(shared: bool) -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = repo("sample_data/telemetry.csv")
        .map(|t| vec![head(&t, 40), head(&t, 400)])
        .unwrap_or_default();
    seeds.extend(repo_dir("tests/data/good", &[".csv", ".tsv"]));
    seeds.extend(repo_dir("tests/data/broken", &[".csv", ".bin"]));
    if shared {
        // Other CSV shapes (a telemetry loader must refuse them cleanly).
        seeds.extend(
            shared_dir("fisvdd-qoe", &["test.csv"])
                .iter()
                .map(|t| head(t, 50)),
        );
    }
    seeds
}

/// Plain CSV (and TSV, semicolon) telemetry.
pub(super) fn csv(shared: bool) -> (Vec<Vec<u8>>, ReadFn) {
    (csv_seeds(shared), Box::new(load_bytes))
}

/// Gzip CSV: a mutated text is compressed before loading, so mutations reach the CSV
/// parser through the gzip path; inputs that already are gzip (mutated compressed seeds)
/// go in as they are.
pub(super) fn gzip(shared: bool) -> (Vec<Vec<u8>>, ReadFn) {
    let mut seeds = csv_seeds(shared);
    seeds.truncate(8);
    seeds.extend(repo_dir("tests/data/broken", &[".gz"]));
    if let Some(t) = repo("sample_data/telemetry.csv") {
        seeds.push(gz(&head(&t, 60)));
    }
    let read = |bytes: &[u8]| {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            load_bytes(bytes)
        } else {
            load_bytes(&gz(bytes))
        }
    };
    (seeds, Box::new(read))
}

/// `csv` (text with a header) as Parquet bytes, through polars' own readers and writers.
pub(crate) fn to_parquet(csv: &[u8]) -> Option<Vec<u8>> {
    let mut frame = CsvReadOptions::default()
        .with_has_header(true)
        .into_reader_with_file_handle(std::io::Cursor::new(csv.to_vec()))
        .finish()
        .ok()?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut frame).ok()?;
    Some(bytes)
}

/// Parquet telemetry: the repository's Parquet cases and a small converted sample.
pub(super) fn parquet() -> (Vec<Vec<u8>>, ReadFn) {
    let mut seeds = repo_dir("tests/data/good", &[".parquet"]);
    seeds.extend(repo_dir("tests/data/broken", &[".parquet"]));
    if let Some(p) = repo("sample_data/telemetry.csv").and_then(|t| to_parquet(&head(&t, 30))) {
        seeds.push(p);
    }
    (seeds, Box::new(load_bytes))
}
