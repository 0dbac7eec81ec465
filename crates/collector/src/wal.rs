//! A write-ahead segment: a header, then batches, each framed as
//! `magic (4 bytes) · payload length (u32 LE) · CRC-32 of the payload (u32 LE) · payload`.
//! A batch is durable once [`Segment::append`] returns: it is written and `fdatasync`'d
//! (several batches may share one sync: group commit). On reopening, [`recover`] keeps the
//! batches up to the first frame that is short or fails its checksum and truncates the rest,
//! which can only be a write that was never acknowledged.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The file header: format name and version.
pub const HEADER: &[u8; 8] = b"SLWAL\x00\x00\x01";
const MAGIC: [u8; 4] = *b"BTCH";
const FRAME: usize = 12;
/// The largest batch a segment takes (the HTTP layer refuses bigger bodies first).
pub const MAX_BATCH_BYTES: usize = 64 << 20;

/// An open segment, appended to at its end.
pub struct Segment {
    file: File,
    len: u64,
}

/// What [`recover`] found in a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The whole batches, in order.
    pub batches: Vec<Vec<u8>>,
    /// Bytes cut from the end (a torn, never-acknowledged write); 0 after a clean stop.
    pub truncated: u64,
}

impl Segment {
    /// Creates a new segment at `path` (which must not exist) and syncs its header.
    ///
    /// # Errors
    /// The file exists or cannot be written.
    pub fn create(path: &Path) -> io::Result<Self> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(path)?;
        file.write_all(HEADER)?;
        file.sync_all()?;
        if let Some(dir) = path.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(Self {
            file,
            len: HEADER.len() as u64,
        })
    }

    /// Reopens a segment after [`recover`] to append more batches.
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn reopen(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().read(true).append(true).open(path)?;
        let len = file.metadata()?.len();
        Ok(Self { file, len })
    }

    /// Appends `batches` and syncs once: when this returns `Ok`, every one is durable.
    ///
    /// # Errors
    /// A batch over [`MAX_BATCH_BYTES`] (nothing written), or the write or sync failed
    /// (then nothing may be acknowledged; [`recover`] cuts what was partly written).
    pub fn append(&mut self, batches: &[&[u8]]) -> io::Result<()> {
        if let Some(big) = batches.iter().find(|b| b.len() > MAX_BATCH_BYTES) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a batch of {} bytes is over the {MAX_BATCH_BYTES}-byte limit",
                    big.len()
                ),
            ));
        }
        let mut buf = Vec::with_capacity(batches.iter().map(|b| b.len() + FRAME).sum());
        for batch in batches {
            buf.extend_from_slice(&MAGIC);
            // Checked above: every batch fits in a u32.
            buf.extend_from_slice(&u32::try_from(batch.len()).unwrap_or(u32::MAX).to_le_bytes());
            buf.extend_from_slice(&crc32fast::hash(batch).to_le_bytes());
            buf.extend_from_slice(batch);
        }
        self.file.write_all(&buf)?;
        self.file.sync_data()?;
        self.len += buf.len() as u64;
        Ok(())
    }

    /// Bytes in the segment, header included.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the segment holds no batch yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len <= HEADER.len() as u64
    }
}

/// Reads the segment at `path`, keeps its whole batches and truncates (and syncs) whatever
/// follows the last one.
///
/// # Errors
/// The file cannot be read or truncated, or its header is not a segment's.
pub fn recover(path: &Path) -> io::Result<Recovered> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    if bytes.len() < HEADER.len() {
        // A crash between creating the file and syncing its header: nothing was acknowledged.
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(HEADER)?;
        file.sync_all()?;
        return Ok(Recovered {
            batches: Vec::new(),
            truncated: bytes.len() as u64,
        });
    }
    let (batches, at) = whole_batches(path, &bytes)?;
    let truncated = (bytes.len() - at) as u64;
    if truncated > 0 {
        file.set_len(at as u64)?;
        file.sync_all()?;
    }
    file.seek(SeekFrom::End(0))?;
    Ok(Recovered { batches, truncated })
}

/// The whole, checksum-valid batches of the segment at `path` that start at byte `from` or
/// later (`from` is where a previous call ended: the header's end for a new reader), and
/// where the last one ends. Segments only grow until they are rolled, so a reader beside a
/// running collector reads each batch once.
///
/// # Errors
/// The file cannot be read, its header is not a segment's, or it is shorter than `from`
/// (not the segment read before).
pub fn read_batches_after(path: &Path, from: u64) -> io::Result<(Vec<Vec<u8>>, u64)> {
    if from <= HEADER.len() as u64 {
        let bytes = std::fs::read(path)?;
        if bytes.len() < HEADER.len() {
            return Ok((Vec::new(), 0));
        }
        let (batches, at) = whole_batches(path, &bytes)?;
        return Ok((batches, at as u64));
    }
    let mut file = File::open(path)?;
    let length = file.metadata()?.len();
    if length < from {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} is shorter than what was read of it before",
                path.display()
            ),
        ));
    }
    file.seek(SeekFrom::Start(from))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let mut at = 0;
    let mut batches = Vec::new();
    while let Some(batch) = frame_at(&bytes, at) {
        at += FRAME + batch.len();
        batches.push(batch.to_vec());
    }
    Ok((batches, from + at as u64))
}

/// The whole, checksum-valid batches of a segment's `bytes` (header included) and where
/// the last one ends.
fn whole_batches(path: &Path, bytes: &[u8]) -> io::Result<(Vec<Vec<u8>>, usize)> {
    if bytes.get(..HEADER.len()) != Some(HEADER.as_slice()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not a streamlens write-ahead segment", path.display()),
        ));
    }
    let mut at = HEADER.len();
    let mut batches = Vec::new();
    while let Some(batch) = frame_at(bytes, at) {
        at += FRAME + batch.len();
        batches.push(batch.to_vec());
    }
    Ok((batches, at))
}

/// The whole, checksum-valid batch framed at `at`, if there is one.
fn frame_at(bytes: &[u8], at: usize) -> Option<&[u8]> {
    let head = bytes.get(at..at + FRAME)?;
    if head[..4] != MAGIC {
        return None;
    }
    let len = u32::from_le_bytes(head[4..8].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(head[8..12].try_into().ok()?);
    let payload = bytes.get(at + FRAME..at + FRAME + len)?;
    (crc32fast::hash(payload) == crc).then_some(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment_with(batches: &[&[u8]]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("000001.wal");
        let mut s = Segment::create(&path).unwrap();
        s.append(batches).unwrap();
        (dir, path)
    }

    #[test]
    fn batches_come_back_whole_and_in_order() {
        let (_d, path) = segment_with(&[b"{\"a\":1}\n", b"", b"second"]);
        let r = recover(&path).unwrap();
        assert_eq!(
            r.batches,
            [b"{\"a\":1}\n".to_vec(), Vec::new(), b"second".to_vec()]
        );
        assert_eq!(r.truncated, 0);
    }

    /// A crash at every byte of the last write: the batches before it always survive, the
    /// torn one never does, and the file can be appended to again.
    #[test]
    fn a_torn_tail_at_any_byte_is_cut_and_the_rest_kept() {
        let (_d, path) = segment_with(&[b"first", b"second"]);
        let whole = std::fs::read(&path).unwrap();
        let mut s = Segment::reopen(&path).unwrap();
        s.append(&[b"third, never acknowledged"]).unwrap();
        let longer = std::fs::read(&path).unwrap();
        for cut in whole.len()..longer.len() {
            std::fs::write(&path, &longer[..cut]).unwrap();
            let r = recover(&path).unwrap();
            assert_eq!(
                r.batches,
                [b"first".to_vec(), b"second".to_vec()],
                "cut at {cut}"
            );
            assert_eq!(r.truncated, (cut - whole.len()) as u64);
            assert_eq!(std::fs::read(&path).unwrap(), whole);
        }
        let mut s = Segment::reopen(&path).unwrap();
        s.append(&[b"after recovery"]).unwrap();
        assert_eq!(recover(&path).unwrap().batches.len(), 3);
    }

    #[test]
    fn a_flipped_byte_ends_the_segment_at_that_batch() {
        let (_d, path) = segment_with(&[b"first", b"second", b"third"]);
        let mut bytes = std::fs::read(&path).unwrap();
        let second = HEADER.len() + FRAME + 5 + FRAME;
        bytes[second] ^= 0x40;
        std::fs::write(&path, &bytes).unwrap();
        let r = recover(&path).unwrap();
        assert_eq!(r.batches, [b"first".to_vec()]);
    }

    #[test]
    fn a_foreign_file_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.wal");
        std::fs::write(&path, b"not a segment at all").unwrap();
        let e = recover(&path).unwrap_err().to_string();
        assert!(e.contains("is not a streamlens write-ahead segment"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), b"not a segment at all");
    }

    #[test]
    fn an_empty_file_from_a_crash_at_creation_becomes_an_empty_segment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("000002.wal");
        std::fs::write(&path, b"SLW").unwrap();
        let r = recover(&path).unwrap();
        assert!(r.batches.is_empty());
        assert_eq!(std::fs::read(&path).unwrap(), HEADER);
    }
}
