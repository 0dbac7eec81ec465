//! The `Idempotency-Key`s stored in the last 24 hours, so that a retried batch (its 200 lost
//! on the way back) is stored once. The commit thread owns the index; when a segment is
//! rolled its keys go to `DIR/keys/NNNNNNNN.keys` (written before the segment is deleted),
//! and a start reads those files back, dropping the ones past the horizon.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

/// How long a key is remembered.
pub const HORIZON_MS: u64 = 24 * 3_600_000;

/// Keys with the time their batch was stored (Unix ms).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct KeyIndex {
    stored: HashMap<String, u64>,
}

impl KeyIndex {
    #[must_use]
    pub fn contains(&self, key: &str) -> bool {
        self.stored.contains_key(key)
    }

    pub fn insert(&mut self, key: &str, at_ms: u64) {
        self.stored.insert(key.to_string(), at_ms);
    }

    /// Forgets keys stored before `now_ms − HORIZON_MS`.
    pub fn prune(&mut self, now_ms: u64) {
        let oldest = now_ms.saturating_sub(HORIZON_MS);
        self.stored.retain(|_, at| *at >= oldest);
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.stored.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.stored.is_empty()
    }

    /// The keys of every rolled segment under `root` stored within the horizon of `now_ms`;
    /// files wholly past it are deleted.
    ///
    /// # Errors
    /// The folder or a file cannot be read.
    pub fn load(root: &Path, now_ms: u64) -> io::Result<Self> {
        let mut index = Self::default();
        let dir = keys_dir(root);
        if !dir.exists() {
            return Ok(index);
        }
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().is_none_or(|e| e != "keys") {
                continue;
            }
            let text = std::fs::read_to_string(&path)?;
            let mut newest = 0;
            for line in text.lines() {
                if let Some((at, key)) = line.split_once(' ')
                    && let Ok(at) = at.parse::<u64>()
                {
                    index.insert(key, at);
                    newest = newest.max(at);
                }
            }
            if newest + HORIZON_MS < now_ms {
                std::fs::remove_file(&path)?;
            }
        }
        index.prune(now_ms);
        Ok(index)
    }
}

/// The folder of the rolled segments' key files.
#[must_use]
pub fn keys_dir(root: &Path) -> PathBuf {
    root.join("keys")
}

/// Writes one rolled segment's keys (`at_ms key` per line) atomically; nothing when none.
///
/// # Errors
/// The file cannot be written.
pub fn write_segment_keys(root: &Path, segment: u64, keys: &[(String, u64)]) -> io::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let dir = keys_dir(root);
    std::fs::create_dir_all(&dir)?;
    let mut text = String::new();
    for (key, at) in keys {
        use std::fmt::Write as _;
        let _ = writeln!(text, "{at} {key}");
    }
    streamlens_engine::files::atomic_write(&dir.join(format!("{segment:08}.keys")), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_survive_a_restart_until_the_horizon() {
        let dir = tempfile::tempdir().unwrap();
        let now = 10 * HORIZON_MS;
        write_segment_keys(dir.path(), 1, &[("old".into(), now - HORIZON_MS - 1)]).unwrap();
        write_segment_keys(
            dir.path(),
            2,
            &[("new".into(), now - 5), ("mid".into(), now - HORIZON_MS)],
        )
        .unwrap();
        let index = KeyIndex::load(dir.path(), now).unwrap();
        assert!(index.contains("new") && index.contains("mid") && !index.contains("old"));
        assert!(
            !keys_dir(dir.path()).join("00000001.keys").exists(),
            "an expired file is deleted"
        );
        assert!(keys_dir(dir.path()).join("00000002.keys").exists());
    }
}
