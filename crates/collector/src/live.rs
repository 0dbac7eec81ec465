//! Reading a collector's folder while it runs, for live dashboards: the rolled Parquet
//! partitions plus the batches still in write-ahead segments, so an event is seen as soon
//! as its 200 was sent, not only after its segment rolls. Parquet files never change once
//! renamed into place, so each is read once and kept; a segment is read on from where the
//! previous reading stopped.
//!
//! A segment that rolls during a reading must be counted once, and whole. Parquet parts are
//! named after their segment (`part-N.parquet`, one per hour the segment's events span,
//! written one after the other), and the roller deletes a segment only after all its parts
//! are in place. So segments are listed and read first, then the parts listed: the parts of
//! a segment that was read are left out (it holds all their events, however many of them
//! are written yet), and a segment that vanished before it was read was rolled completely,
//! so all its parts are in the later listing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use streamlens_sessions::{PlayerLog, read_player_events, read_player_file};

use crate::record::decode;
use crate::roll::rolled_files;
use crate::segments::{existing, wal_dir};
use crate::wal::read_batches_after;

/// One reading of a collector folder.
pub struct Collected {
    /// Every event stored so far (`None`: nothing yet).
    pub log: Option<PlayerLog>,
    pub parquet_files: usize,
    /// Events still in write-ahead segments (not yet rolled).
    pub unrolled_events: u64,
    pub events: u64,
}

/// What a collector folder holds at one moment beyond what a reader has: its rolled
/// Parquet parts, and per segment not yet rolled the batches after the reader's offset.
pub struct Snapshot {
    pub parts: Vec<PathBuf>,
    pub segments: Vec<SegmentSlice>,
}

/// The batches of one unrolled segment between two offsets, as JSON Lines (each batch's
/// lines end with a line break). `from` is 0 when the segment is read from its start —
/// new to the reader, or the reader's offset no longer fits it.
pub struct SegmentSlice {
    pub number: u64,
    pub from: u64,
    pub to: u64,
    pub lines: Vec<u8>,
}

/// Lists `root`'s Parquet parts and reads its unrolled segments after the offsets in
/// `have` (segment number → where the reader's batches end).
///
/// # Errors
/// The folder is not a collector's (no `wal/` and no partitions) or cannot be listed.
pub fn snapshot(root: &Path, have: &BTreeMap<u64, u64>) -> Result<Snapshot, String> {
    let wal = wal_dir(root);
    let listed = if wal.is_dir() {
        existing(&wal).map_err(|e| format!("{}: {e}", wal.display()))?
    } else {
        Vec::new()
    };
    let mut segments = Vec::new();
    for segment in &listed {
        let known = have.get(&segment.number).copied().unwrap_or(0);
        // Rolled and deleted since the listing: its parts are all in the listing below. An
        // offset that no longer fits: read the segment again from its start.
        let read = read_batches_after(&segment.path, known)
            .map(|read| (known, read))
            .or_else(|_| read_batches_after(&segment.path, 0).map(|read| (0, read)));
        let Ok((from, (batches, to))) = read else {
            continue;
        };
        let mut lines = Vec::new();
        for stored in &batches {
            let Some(record) = decode(stored) else {
                continue;
            };
            lines.extend_from_slice(record.lines);
            if !record.lines.ends_with(b"\n") {
                lines.push(b'\n');
            }
        }
        segments.push(SegmentSlice {
            number: segment.number,
            from,
            to,
            lines,
        });
    }
    let read: BTreeSet<u64> = segments.iter().map(|s| s.number).collect();
    let mut parts = rolled_files(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if listed.is_empty() && parts.is_empty() && !wal.is_dir() {
        return Err(format!(
            "{}: not a collector folder (no wal/ and no date=…/hour=… partitions); start \
             `streamlens collect --dir` on it",
            root.display()
        ));
    }
    parts.retain(|p| part_number(p).is_none_or(|n| !read.contains(&n)));
    Ok(Snapshot { parts, segments })
}

/// The events a reader holds of the unrolled segments: per segment number, where its
/// batches end and their events. Each batch is read and coded once.
#[derive(Default)]
pub struct UnrolledEvents {
    segments: BTreeMap<u64, (u64, PlayerLog)>,
}

impl UnrolledEvents {
    /// Per segment number, where the batches held end (for [`snapshot`]).
    #[must_use]
    pub fn offsets(&self) -> BTreeMap<u64, u64> {
        self.segments.iter().map(|(n, (to, _))| (*n, *to)).collect()
    }

    /// Takes in the slices of a snapshot; segments it no longer lists are dropped (rolled).
    ///
    /// # Errors
    /// A slice does not read as player events (the collector checked them, so the folder
    /// was changed by something else), or does not continue what is held (the reader
    /// then starts over: the next snapshot reads those segments whole).
    pub fn take(&mut self, source: &str, slices: &[SegmentSlice]) -> Result<(), String> {
        let listed: BTreeSet<u64> = slices.iter().map(|s| s.number).collect();
        self.segments.retain(|n, _| listed.contains(n));
        for slice in slices {
            let held = self.segments.get(&slice.number).map(|(to, _)| *to);
            if slice.from != 0 && held != Some(slice.from) {
                self.segments.clear();
                return Err(format!(
                    "{source}: segment {} read out of step; reading it again",
                    slice.number
                ));
            }
            let mut events = if slice.from == 0 {
                PlayerLog::default()
            } else {
                self.segments
                    .remove(&slice.number)
                    .map(|(_, log)| log)
                    .unwrap_or_default()
            };
            if !slice.lines.is_empty() {
                let name = format!("{source}: write-ahead segment {}", slice.number);
                let batch =
                    read_player_events(&name, &slice.lines, false).map_err(|e| e.to_string())?;
                events.append(&batch);
            }
            self.segments.insert(slice.number, (slice.to, events));
        }
        Ok(())
    }

    fn logs(&self) -> impl Iterator<Item = &PlayerLog> {
        self.segments.values().map(|(_, log)| log)
    }
}

/// The events of `parts` (in order) and of the unrolled segments, as one reading.
#[must_use]
pub fn collected<'a>(
    parts: impl Iterator<Item = &'a PlayerLog>,
    unrolled: &UnrolledEvents,
) -> Collected {
    let mut log: Option<PlayerLog> = None;
    let mut add = |part: &PlayerLog| match &mut log {
        Some(log) => log.append(part),
        None => log = Some(part.clone()),
    };
    let mut parquet_files = 0;
    for part in parts {
        parquet_files += 1;
        add(part);
    }
    let mut unrolled_events = 0;
    for segment in unrolled.logs().filter(|l| !l.events.is_empty()) {
        unrolled_events += segment.events.len() as u64;
        add(segment);
    }
    let events = log.as_ref().map_or(0, |l| l.events.len() as u64);
    Collected {
        log,
        parquet_files,
        unrolled_events,
        events,
    }
}

/// Reads a collector folder again and again, keeping what cannot change.
#[derive(Default)]
pub struct CollectedReader {
    root: PathBuf,
    parts: BTreeMap<PathBuf, PlayerLog>,
    unrolled: UnrolledEvents,
}

impl CollectedReader {
    #[must_use]
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            ..Self::default()
        }
    }

    /// Everything stored in the folder now.
    ///
    /// # Errors
    /// The folder is not a collector's (no `wal/` and no partitions), or a file in it
    /// cannot be read; the message names it.
    pub fn read(&mut self) -> Result<Collected, String> {
        let now = snapshot(&self.root, &self.unrolled.offsets())?;
        for path in &now.parts {
            if !self.parts.contains_key(path) {
                let log = read_player_file(path, false).map_err(|e| e.to_string())?;
                self.parts.insert(path.clone(), log);
            }
        }
        let listed: BTreeSet<&PathBuf> = now.parts.iter().collect();
        self.parts.retain(|path, _| listed.contains(path));
        self.unrolled
            .take(&self.root.display().to_string(), &now.segments)?;
        Ok(collected(
            now.parts.iter().map(|p| &self.parts[p]),
            &self.unrolled,
        ))
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

        // Rolled but the segment not yet deleted: still counted once, from the segment.
        let sealed = Sealed {
            number: 1,
            path: path.clone(),
            first_batch_ms: 0,
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
            (4, 4, 0)
        );
        // The segment deleted (the roll done): its part counts instead.
        std::fs::remove_file(&path).unwrap();
        let now = reader.read().unwrap();
        assert_eq!(
            (now.events, now.unrolled_events, now.parquet_files),
            (4, 2, 1)
        );
        let log = now.log.unwrap();
        assert_eq!(log.sessions.labels, ["a", "b"]);
    }

    #[test]
    fn each_batch_is_read_once_and_a_segment_read_again_when_out_of_step() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let wal = wal_dir(root);
        std::fs::create_dir_all(&wal).unwrap();
        let path = segment_path(&wal, 7);
        let mut segment = Segment::create(&path).unwrap();
        let mut reader = CollectedReader::new(root);
        segment
            .append(&[&crate::record::encode(
                None,
                view("a", 1_733_400_000_000).as_bytes(),
            )])
            .unwrap();
        assert_eq!(reader.read().unwrap().events, 2);
        let first_end = reader.unrolled.offsets()[&7];
        assert_eq!(first_end, std::fs::metadata(&path).unwrap().len());
        segment
            .append(&[&crate::record::encode(
                None,
                view("b", 1_733_400_060_000).as_bytes(),
            )])
            .unwrap();
        // Only the new batch is read: the snapshot starts where the reader's batches end.
        let now = snapshot(root, &reader.unrolled.offsets()).unwrap();
        assert_eq!(now.segments[0].from, first_end);
        assert_eq!(
            now.segments[0].lines,
            view("b", 1_733_400_060_000).into_bytes()
        );
        let read = reader.read().unwrap();
        assert_eq!((read.events, read.unrolled_events), (4, 4));
        assert_eq!(read.log.unwrap().sessions.labels, ["a", "b"]);
        // An offset beyond the file (not the segment read before): read whole again.
        let now = snapshot(root, &BTreeMap::from([(7, 1 << 30)])).unwrap();
        assert_eq!(now.segments[0].from, 0);
        let mut stale = UnrolledEvents::default();
        let slice = SegmentSlice {
            number: 7,
            from: 99,
            to: 120,
            lines: Vec::new(),
        };
        assert!(
            stale
                .take("t", &[slice])
                .unwrap_err()
                .contains("out of step")
        );
        assert!(stale.offsets().is_empty());
    }
}
