//! Reading a collector's folder while it runs, for live dashboards: the rolled Parquet
//! partitions plus the batches still in write-ahead segments, so an event is seen as soon
//! as its 200 was sent, not only after its segment rolls. Parquet files never change once
//! renamed into place, so each is read once and kept; segments are re-read every time.
//!
//! A segment that rolls between two listings would be counted twice, once as Parquet and
//! once as a segment. Parquet parts are named after their segment (`part-N.parquet`), so a
//! segment whose number has a part is skipped; listing segments before partitions makes
//! that hold whichever way the race goes (the roller renames the part, then deletes the
//! segment).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use streamlens_sessions::{PlayerLog, read_player_events, read_player_file};

use crate::record::decode;
use crate::roll::rolled_files;
use crate::segments::{existing, wal_dir};
use crate::wal::read_batches;

/// One reading of a collector folder.
pub struct Collected {
    /// Every event stored so far (`None`: nothing yet).
    pub log: Option<PlayerLog>,
    pub parquet_files: usize,
    /// Events still in write-ahead segments (not yet rolled).
    pub unrolled_events: u64,
    pub events: u64,
}

/// What a collector folder holds at one moment: its rolled Parquet parts and the JSON
/// Lines of the batches not yet rolled (each batch's lines end with a line break).
pub struct Snapshot {
    pub parts: Vec<PathBuf>,
    pub unrolled: Vec<u8>,
}

/// Lists `root`'s Parquet parts and gathers the batches of its unrolled segments.
///
/// # Errors
/// The folder is not a collector's (no `wal/` and no partitions) or cannot be listed.
pub fn snapshot(root: &Path) -> Result<Snapshot, String> {
    let wal = wal_dir(root);
    let segments = if wal.is_dir() {
        existing(&wal).map_err(|e| format!("{}: {e}", wal.display()))?
    } else {
        Vec::new()
    };
    let parts = rolled_files(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if segments.is_empty() && parts.is_empty() && !wal.is_dir() {
        return Err(format!(
            "{}: not a collector folder (no wal/ and no date=…/hour=… partitions); start \
             `streamlens collect --dir` on it",
            root.display()
        ));
    }
    let rolled: BTreeSet<u64> = parts.iter().filter_map(|p| part_number(p)).collect();
    let mut unrolled = Vec::new();
    for segment in segments.iter().filter(|s| !rolled.contains(&s.number)) {
        // Rolled and deleted since the listing: its part was listed above, or will be
        // read next time.
        let Ok(batches) = read_batches(&segment.path) else {
            continue;
        };
        for stored in &batches {
            let Some(record) = decode(stored) else {
                continue;
            };
            unrolled.extend_from_slice(record.lines);
            if !record.lines.ends_with(b"\n") {
                unrolled.push(b'\n');
            }
        }
    }
    Ok(Snapshot { parts, unrolled })
}

/// The events of `parts` (in order) and of the unrolled batches, as one reading.
///
/// # Errors
/// The unrolled batches do not read as player events (the collector checked them, so
/// this means the folder was changed by something else); the message names `source`.
pub fn collected<'a>(
    source: &str,
    parts: impl Iterator<Item = &'a PlayerLog>,
    unrolled: &[u8],
) -> Result<Collected, String> {
    let mut log: Option<PlayerLog> = None;
    let mut parquet_files = 0;
    for part in parts {
        parquet_files += 1;
        match &mut log {
            Some(log) => log.append(part),
            None => log = Some(part.clone()),
        }
    }
    let mut unrolled_events = 0;
    if !unrolled.is_empty() {
        let name = format!("{source}: write-ahead batches");
        let batch = read_player_events(&name, unrolled, false).map_err(|e| e.to_string())?;
        unrolled_events = batch.events.len() as u64;
        match &mut log {
            Some(log) => log.append(&batch),
            None => log = Some(batch),
        }
    }
    let events = log.as_ref().map_or(0, |l| l.events.len() as u64);
    Ok(Collected {
        log,
        parquet_files,
        unrolled_events,
        events,
    })
}

/// Reads a collector folder again and again, keeping what cannot change.
#[derive(Default)]
pub struct CollectedReader {
    root: PathBuf,
    parts: BTreeMap<PathBuf, PlayerLog>,
}

impl CollectedReader {
    #[must_use]
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            parts: BTreeMap::new(),
        }
    }

    /// Everything stored in the folder now.
    ///
    /// # Errors
    /// The folder is not a collector's (no `wal/` and no partitions), or a file in it
    /// cannot be read; the message names it.
    pub fn read(&mut self) -> Result<Collected, String> {
        let now = snapshot(&self.root)?;
        for path in &now.parts {
            if !self.parts.contains_key(path) {
                let log = read_player_file(path, false).map_err(|e| e.to_string())?;
                self.parts.insert(path.clone(), log);
            }
        }
        let listed: BTreeSet<&PathBuf> = now.parts.iter().collect();
        self.parts.retain(|path, _| listed.contains(path));
        collected(
            &self.root.display().to_string(),
            now.parts.iter().map(|p| &self.parts[p]),
            &now.unrolled,
        )
    }
}

/// The segment number of a `part-N.parquet` file.
fn part_number(path: &Path) -> Option<u64> {
    path.file_name()?
        .to_str()?
        .strip_prefix("part-")?
        .strip_suffix(".parquet")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roll::roll_segment;
    use crate::segments::{Sealed, segment_path};
    use crate::wal::Segment;

    fn view(id: &str, ts: i64) -> String {
        format!(
            "{{\"ts\":{ts},\"session_id\":\"{id}\",\"viewer_id\":\"v\",\"event_id\":\"w\",\"event_type\":\"request\",\"country\":\"Sweden\"}}\n\
             {{\"ts\":{},\"session_id\":\"{id}\",\"viewer_id\":\"v\",\"event_id\":\"w\",\"event_type\":\"start\",\"bitrate_kbps\":3000}}\n",
            ts + 1500
        )
    }

    #[test]
    fn events_are_seen_in_segments_then_in_parquet_exactly_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut reader = CollectedReader::new(root);
        assert!(
            reader
                .read()
                .err()
                .unwrap()
                .contains("not a collector folder")
        );
        let wal = wal_dir(root);
        std::fs::create_dir_all(&wal).unwrap();
        let path = segment_path(&wal, 1);
        let mut segment = Segment::create(&path).unwrap();
        let batch = crate::record::encode(None, view("a", 1_733_400_000_000).as_bytes());
        segment.append(&[&batch]).unwrap();
        // A torn tail (a batch being written) is not read.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"SLB"))
            .unwrap();
        let now = reader.read().unwrap();
        assert_eq!(
            (now.events, now.unrolled_events, now.parquet_files),
            (2, 2, 0)
        );

        // Rolled but the segment not yet deleted: still counted once.
        let sealed = Sealed {
            number: 1,
            path: path.clone(),
        };
        let kept = std::fs::read(&path).unwrap();
        roll_segment(root, &sealed).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, kept).unwrap();
        let mut second = Segment::create(&segment_path(&wal, 2)).unwrap();
        let batch = crate::record::encode(None, view("b", 1_733_400_060_000).as_bytes());
        second.append(&[&batch]).unwrap();
        let now = reader.read().unwrap();
        assert_eq!(
            (now.events, now.unrolled_events, now.parquet_files),
            (4, 2, 1)
        );
        let log = now.log.unwrap();
        assert_eq!(log.sessions.labels, ["a", "b"]);
    }
}
