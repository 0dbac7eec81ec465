//! Group commit: one thread owns the segment; requests queue on a channel, and the thread
//! takes every request waiting, appends them all and syncs once, then answers each. Under
//! load many batches share one `fdatasync`; alone, a batch waits for nothing but its own.
//! The thread also owns the `Idempotency-Key` index: a batch whose key was stored (or comes
//! earlier in the same group) is not appended again, and is answered once the first is
//! durable.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

use crate::keys::KeyIndex;
use crate::record::encode;
use crate::segments::Segments;
use crate::status::{Counters, now_ms};

/// What became of a committed batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Appended and synced now.
    New,
    /// Its key was stored before: nothing appended (the earlier copy is durable).
    Duplicate,
}

type Reply = SyncSender<Result<Stored, String>>;

/// One batch waiting for the commit thread: its lines and key.
struct Request {
    lines: Vec<u8>,
    key: Option<String>,
    reply: Reply,
}

/// What the commit thread does with one request of a group.
enum Slot {
    Append(Vec<u8>),
    Duplicate,
    Answered,
}

/// A running committer; dropping every [`Committer`] clone stops its thread.
#[derive(Clone)]
pub struct Committer {
    requests: Sender<Request>,
}

/// Counts for the status page and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitStats {
    pub batches: u64,
    pub syncs: u64,
}

impl Committer {
    /// Starts the commit thread over `segments`; its stats come back when it stops. It
    /// keeps `counters.open_bytes` and the sync count current.
    ///
    /// # Errors
    /// The thread could not be started.
    pub fn start(
        segments: Segments,
        keys: KeyIndex,
        counters: Arc<Counters>,
    ) -> io::Result<(Self, JoinHandle<CommitStats>)> {
        let (requests, queue) = channel();
        let thread = std::thread::Builder::new()
            .name("wal-commit".into())
            .spawn(move || run(segments, keys, &queue, &counters))?;
        Ok((Self { requests }, thread))
    }

    /// Appends `lines` (with the request's idempotency `key`) and returns once they are
    /// durable, or once the earlier batch with the same key is (`Err`: not stored, must not
    /// be acknowledged).
    ///
    /// # Errors
    /// The append or sync failed, or the committer stopped.
    pub fn commit(&self, lines: Vec<u8>, key: Option<String>) -> Result<Stored, String> {
        let (reply, answer) = sync_channel(1);
        self.requests
            .send(Request { lines, key, reply })
            .map_err(|_| "the write-ahead log has stopped".to_string())?;
        answer
            .recv()
            .map_err(|_| "the write-ahead log stopped before answering".to_string())?
    }
}

fn run(
    mut segments: Segments,
    mut keys: KeyIndex,
    queue: &Receiver<Request>,
    counters: &Counters,
) -> CommitStats {
    let mut stats = CommitStats::default();
    loop {
        let first = match queue.recv_timeout(segments.until_due()) {
            Ok(first) => first,
            Err(RecvTimeoutError::Timeout) => {
                // An old segment is sealed even when no batch comes to trigger it.
                if let Err(e) = segments.tick() {
                    eprintln!("streamlens collect: cannot start a new segment: {e}");
                }
                counters.open_bytes.store(segments.open_bytes(), Relaxed);
                counters
                    .open_first_batch_ms
                    .store(segments.first_batch_ms().unwrap_or(0), Relaxed);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut group = vec![first];
        group.extend(queue.try_iter());
        let at = now_ms();
        keys.prune(at);
        // Each request's fate: appended, a duplicate (its key stored before or earlier in
        // this group), or refused alone as oversized, never failing the others of its group.
        let mut in_group: Vec<&str> = Vec::new();
        let mut slots: Vec<Slot> = Vec::with_capacity(group.len());
        for request in &group {
            if let Some(key) = request.key.as_deref()
                && (keys.contains(key) || in_group.contains(&key))
            {
                slots.push(Slot::Duplicate);
                continue;
            }
            let record = encode(request.key.as_deref().map(|k| (k, at)), &request.lines);
            if record.len() > crate::wal::MAX_BATCH_BYTES {
                let _ = request.reply.send(Err(format!(
                    "a batch of {} bytes is over the {}-byte limit",
                    record.len(),
                    crate::wal::MAX_BATCH_BYTES
                )));
                slots.push(Slot::Answered);
                continue;
            }
            if let Some(key) = request.key.as_deref() {
                in_group.push(key);
            }
            slots.push(Slot::Append(record));
        }
        let batches: Vec<&[u8]> = slots
            .iter()
            .filter_map(|s| match s {
                Slot::Append(record) => Some(record.as_slice()),
                _ => None,
            })
            .collect();
        let outcome = if batches.is_empty() {
            Ok(())
        } else {
            let done = segments.append(&batches).map_err(|e| e.to_string());
            counters.open_bytes.store(segments.open_bytes(), Relaxed);
            counters
                .open_first_batch_ms
                .store(segments.first_batch_ms().unwrap_or(0), Relaxed);
            counters.syncs.fetch_add(1, Relaxed);
            stats.syncs += 1;
            done
        };
        if outcome.is_ok() {
            stats.batches += batches.len() as u64;
            for key in in_group {
                keys.insert(key, at);
            }
        }
        for (request, slot) in group.iter().zip(&slots) {
            let answer = match (slot, &outcome) {
                (Slot::Answered, _) => continue,
                (_, Err(e)) => Err(e.clone()),
                (Slot::Append(_), Ok(())) => Ok(Stored::New),
                (Slot::Duplicate, Ok(())) => Ok(Stored::Duplicate),
            };
            // A requester that went away no longer needs its answer.
            let _ = request.reply.send(answer);
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segments::{RollPolicy, Segments, existing, wal_dir};
    use crate::wal::recover;

    fn start(dir: &std::path::Path) -> (Committer, JoinHandle<CommitStats>) {
        let (sealed, _) = channel();
        let segments = Segments::open(dir, RollPolicy::default(), sealed).unwrap();
        Committer::start(segments, KeyIndex::default(), Arc::default()).unwrap()
    }

    /// Eight writers, 200 batches each: every acknowledged batch is in the segment exactly
    /// once, each writer's in its own order, and batches shared syncs.
    #[test]
    fn concurrent_commits_are_each_stored_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (committer, thread) = start(dir.path());
        let path = existing(&wal_dir(dir.path())).unwrap()[0].path.clone();
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let c = committer.clone();
                std::thread::spawn(move || {
                    for i in 0..200 {
                        c.commit(format!("{w}:{i}").into_bytes(), None).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        drop(committer);
        let stats = thread.join().unwrap();
        assert_eq!(stats.batches, 1600);
        assert!(stats.syncs <= stats.batches);
        let stored = recover(&path).unwrap().batches;
        assert_eq!(stored.len(), 1600);
        for w in 0..8 {
            let mine: Vec<String> = stored
                .iter()
                .map(|b| {
                    String::from_utf8(crate::record::decode(b).unwrap().lines.to_vec()).unwrap()
                })
                .filter(|s| s.starts_with(&format!("{w}:")))
                .collect();
            let expected: Vec<String> = (0..200).map(|i| format!("{w}:{i}")).collect();
            assert_eq!(mine, expected);
        }
    }

    #[test]
    fn a_refused_batch_is_answered_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let (committer, _thread) = start(dir.path());
        let e = committer
            .commit(vec![0; crate::wal::MAX_BATCH_BYTES + 1], None)
            .unwrap_err();
        assert!(e.contains("over the"), "{e}");
        assert!(committer.commit(b"small".to_vec(), None).is_ok());
    }

    #[test]
    fn a_key_is_stored_once_even_when_retried_concurrently() {
        let dir = tempfile::tempdir().unwrap();
        let (committer, thread) = start(dir.path());
        let tries: Vec<_> = (0..6)
            .map(|_| {
                let c = committer.clone();
                std::thread::spawn(move || c.commit(b"x".to_vec(), Some("k1".into())).unwrap())
            })
            .collect();
        let answers: Vec<Stored> = tries.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(answers.iter().filter(|a| **a == Stored::New).count(), 1);
        assert_eq!(
            committer.commit(b"x".to_vec(), Some("k1".into())).unwrap(),
            Stored::Duplicate
        );
        assert_eq!(
            committer.commit(b"y".to_vec(), Some("k2".into())).unwrap(),
            Stored::New
        );
        drop(committer);
        assert_eq!(thread.join().unwrap().batches, 2);
    }
}
