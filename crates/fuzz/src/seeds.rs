//! Where seeds come from: files of this repository (`sample_data/`, `tests/`), the shared
//! data folder next to the checkout when present (never copied into the repository), and
//! small helpers to cut, compress and decompress them.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Seeds larger than this are cut (by whole lines) before fuzzing.
pub const MAX_SEED_BYTES: usize = 48 << 10;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of the repository, by path from its root.
#[must_use]
pub fn repo(relative: &str) -> Option<Vec<u8>> {
    std::fs::read(repo_root().join(relative)).ok()
}

/// Every file of a repository folder whose name ends in one of `suffixes`, in name order.
#[must_use]
pub fn repo_dir(relative: &str, suffixes: &[&str]) -> Vec<Vec<u8>> {
    files_in(&repo_root().join(relative), suffixes)
}

/// The regression cases of `target` in `tests/hostile/fuzz/` (files named
/// `<target>--<what>.<ext>`): each input that once crashed its reader, with its file name.
#[must_use]
pub fn hostile(target: &str) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(repo_root().join("tests/hostile/fuzz")) else {
        return Vec::new();
    };
    let prefix = format!("{target}--");
    let mut cases: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(e.path()).ok()?;
            name.starts_with(&prefix).then_some((name, bytes))
        })
        .collect();
    cases.sort();
    cases
}

/// The shared data folder (`../shared/data` from the checkout), if there is one.
#[must_use]
pub fn shared_root() -> Option<PathBuf> {
    let dir = repo_root().join("../shared/data");
    dir.is_dir().then_some(dir)
}

/// Every file of a shared-data folder ending in one of `suffixes`; empty without the folder.
#[must_use]
pub fn shared_dir(relative: &str, suffixes: &[&str]) -> Vec<Vec<u8>> {
    shared_root().map_or_else(Vec::new, |root| files_in(&root.join(relative), suffixes))
}

fn files_in(dir: &Path, suffixes: &[&str]) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| suffixes.iter().any(|s| n.ends_with(s)))
        })
        .collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// The first `lines` lines of `text`, and never more than [`MAX_SEED_BYTES`] (cut at a line).
#[must_use]
pub fn head(text: &[u8], lines: usize) -> Vec<u8> {
    let mut end = 0;
    for (n, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        if n >= lines || end + line.len() > MAX_SEED_BYTES {
            break;
        }
        end += line.len();
    }
    if end == 0 {
        // One line longer than the cap: keep its start.
        end = text.len().min(MAX_SEED_BYTES);
    }
    text[..end].to_vec()
}

/// Gzip-compressed `bytes`.
#[must_use]
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = out.write_all(bytes);
    out.finish().unwrap_or_default()
}

/// Decompressed gzip `bytes`, at most `max` bytes of them; empty when they are not gzip.
#[must_use]
pub fn gunzip(bytes: &[u8], max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = flate2::read::MultiGzDecoder::new(bytes)
        .take(max as u64)
        .read_to_end(&mut out);
    out
}
