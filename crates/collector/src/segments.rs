//! The write-ahead log as numbered segments in `DIR/wal/` (`00000001.wal`, …): batches go
//! to the newest; when it reaches its size or age it is sealed, a new one is started, and
//! the sealed one's path is handed to whoever turns it into Parquet (see `roll`).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use crate::wal::Segment;

/// When the open segment is sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollPolicy {
    /// At this many bytes.
    pub max_bytes: u64,
    /// Or this long after its first batch.
    pub max_age: Duration,
}

impl Default for RollPolicy {
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
            max_age: Duration::from_secs(10),
        }
    }
}

/// A sealed segment waiting to be rolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub number: u64,
    pub path: PathBuf,
    /// Unix ms of its first batch (0: not known — left by a previous run).
    pub first_batch_ms: u64,
}

/// The open segment and where sealed ones go.
pub struct Segments {
    wal_dir: PathBuf,
    open: Segment,
    number: u64,
    first_batch_at: Option<Instant>,
    /// The same moment in Unix ms, for the status page.
    first_batch_ms: Option<u64>,
    policy: RollPolicy,
    sealed: Sender<Sealed>,
}

/// The folder of the write-ahead segments under a collector directory.
#[must_use]
pub fn wal_dir(root: &Path) -> PathBuf {
    root.join("wal")
}

/// The segment file with `number`.
#[must_use]
pub fn segment_path(wal_dir: &Path, number: u64) -> PathBuf {
    wal_dir.join(format!("{number:08}.wal"))
}

/// The segments in `wal_dir`, oldest first.
///
/// # Errors
/// The folder cannot be listed.
pub fn existing(wal_dir: &Path) -> io::Result<Vec<Sealed>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(wal_dir)? {
        let path = entry?.path();
        let number = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".wal"))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(number) = number {
            found.push(Sealed {
                number,
                path,
                first_batch_ms: 0,
            });
        }
    }
    found.sort_by_key(|s| s.number);
    Ok(found)
}

impl Segments {
    /// Opens a new segment numbered after every one in `root/wal/` (which the caller rolls
    /// first: they are all sealed now); sealed segments will be sent to `sealed`.
    ///
    /// # Errors
    /// The folder or the new segment cannot be created.
    pub fn open(root: &Path, policy: RollPolicy, sealed: Sender<Sealed>) -> io::Result<Self> {
        let wal_dir = wal_dir(root);
        std::fs::create_dir_all(&wal_dir)?;
        let number = existing(&wal_dir)?.last().map_or(1, |s| s.number + 1);
        let open = Segment::create(&segment_path(&wal_dir, number))?;
        Ok(Self {
            wal_dir,
            open,
            number,
            first_batch_at: None,
            first_batch_ms: None,
            policy,
            sealed,
        })
    }

    /// Appends `batches` to the open segment with one sync (see [`Segment::append`]), then
    /// seals it if it is full.
    ///
    /// # Errors
    /// The append failed (nothing may be acknowledged), or a new segment could not be
    /// started (the batches are durable; later appends go to the old segment).
    pub fn append(&mut self, batches: &[&[u8]]) -> io::Result<()> {
        self.open.append(batches)?;
        self.first_batch_at.get_or_insert_with(Instant::now);
        self.first_batch_ms
            .get_or_insert_with(crate::status::now_ms);
        if self.open.len() >= self.policy.max_bytes {
            self.seal()?;
        }
        Ok(())
    }

    /// Seals the open segment if its first batch is older than the policy's age.
    ///
    /// # Errors
    /// A new segment could not be started.
    pub fn tick(&mut self) -> io::Result<()> {
        if self
            .first_batch_at
            .is_some_and(|t| t.elapsed() >= self.policy.max_age)
        {
            self.seal()?;
        }
        Ok(())
    }

    /// How long until [`Self::tick`] has something to do.
    #[must_use]
    pub fn until_due(&self) -> Duration {
        self.first_batch_at.map_or(self.policy.max_age, |t| {
            self.policy.max_age.saturating_sub(t.elapsed())
        })
    }

    /// Unix ms of the open segment's first batch (`None`: it has none).
    #[must_use]
    pub fn first_batch_ms(&self) -> Option<u64> {
        self.first_batch_ms
    }

    /// Bytes of batches in the open segment (its header does not wait for anything).
    #[must_use]
    pub fn open_bytes(&self) -> u64 {
        self.open
            .len()
            .saturating_sub(crate::wal::HEADER.len() as u64)
    }

    fn seal(&mut self) -> io::Result<()> {
        if self.open.is_empty() {
            return Ok(());
        }
        let next = self.number + 1;
        let fresh = Segment::create(&segment_path(&self.wal_dir, next))?;
        let sealed = Sealed {
            number: self.number,
            path: segment_path(&self.wal_dir, self.number),
            first_batch_ms: self.first_batch_ms.unwrap_or(0),
        };
        self.open = fresh;
        self.number = next;
        self.first_batch_at = None;
        self.first_batch_ms = None;
        // A roller that has stopped leaves the segment on disk for the next start.
        let _ = self.sealed.send(sealed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wal::recover;

    #[test]
    fn a_full_segment_is_sealed_and_the_next_one_numbered_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let policy = RollPolicy {
            max_bytes: 100,
            max_age: Duration::from_secs(3600),
        };
        let mut segments = Segments::open(dir.path(), policy, tx.clone()).unwrap();
        segments.append(&[&[b'a'; 60]]).unwrap();
        assert!(rx.try_recv().is_err());
        segments.append(&[&[b'b'; 60]]).unwrap();
        let sealed = rx.try_recv().unwrap();
        assert_eq!(sealed.number, 1);
        assert_eq!(recover(&sealed.path).unwrap().batches.len(), 2);
        // Reopening numbers after everything on disk.
        drop(segments);
        let again = Segments::open(dir.path(), policy, tx).unwrap();
        assert_eq!(again.number, 3);
        let numbers: Vec<u64> = existing(&wal_dir(dir.path()))
            .unwrap()
            .iter()
            .map(|s| s.number)
            .collect();
        assert_eq!(numbers, vec![1, 2, 3]);
    }

    #[test]
    fn an_old_segment_is_sealed_by_tick_and_an_empty_one_never() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let policy = RollPolicy {
            max_bytes: 1 << 20,
            max_age: Duration::ZERO,
        };
        let mut segments = Segments::open(dir.path(), policy, tx).unwrap();
        segments.tick().unwrap();
        assert!(rx.try_recv().is_err(), "an empty segment is not sealed");
        let before = crate::status::now_ms();
        segments.append(&[b"x"]).unwrap();
        let first = segments.first_batch_ms().unwrap();
        assert!(first >= before);
        segments.tick().unwrap();
        let sealed = rx.try_recv().unwrap();
        assert_eq!((sealed.number, sealed.first_batch_ms), (1, first));
        assert_eq!(segments.first_batch_ms(), None);
    }
}
