//! How the What-if view names chosen files: one by its name, several by their count, every
//! path in the hover text.

use std::path::{Path, PathBuf};

#[must_use]
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    )
}

#[must_use]
pub fn files_label(paths: &[PathBuf]) -> String {
    match paths {
        [one] => file_name(one),
        _ => format!("{} paths", paths.len()),
    }
}

#[must_use]
pub fn paths_text(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
