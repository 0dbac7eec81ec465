//! Group commit: one thread owns the segment; requests queue on a channel, and the thread
//! takes every request waiting, appends them all and syncs once, then answers each. Under
//! load many batches share one `fdatasync`; alone, a batch waits for nothing but its own.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

use crate::segments::Segments;
use crate::status::Counters;

type Reply = SyncSender<Result<(), String>>;

/// A running committer; dropping every [`Committer`] clone stops its thread.
#[derive(Clone)]
pub struct Committer {
    requests: Sender<(Vec<u8>, Reply)>,
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
        counters: Arc<Counters>,
    ) -> io::Result<(Self, JoinHandle<CommitStats>)> {
        let (requests, queue) = channel();
        let thread = std::thread::Builder::new()
            .name("wal-commit".into())
            .spawn(move || run(segments, &queue, &counters))?;
        Ok((Self { requests }, thread))
    }

    /// Appends `batch` and returns once it is durable (`Err`: it is not, and must not be
    /// acknowledged).
    ///
    /// # Errors
    /// The append or sync failed, or the committer stopped.
    pub fn commit(&self, batch: Vec<u8>) -> Result<(), String> {
        let (reply, answer) = sync_channel(1);
        self.requests
            .send((batch, reply))
            .map_err(|_| "the write-ahead log has stopped".to_string())?;
        answer
            .recv()
            .map_err(|_| "the write-ahead log stopped before answering".to_string())?
    }
}

fn run(
    mut segments: Segments,
    queue: &Receiver<(Vec<u8>, Reply)>,
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
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut group = vec![first];
        group.extend(queue.try_iter());
        // An oversized batch is refused alone, never failing the others of its group.
        group.retain(|(batch, reply)| {
            let fits = batch.len() <= crate::wal::MAX_BATCH_BYTES;
            if !fits {
                let _ = reply.send(Err(format!(
                    "a batch of {} bytes is over the {}-byte limit",
                    batch.len(),
                    crate::wal::MAX_BATCH_BYTES
                )));
            }
            fits
        });
        if group.is_empty() {
            continue;
        }
        let batches: Vec<&[u8]> = group.iter().map(|(b, _)| b.as_slice()).collect();
        let outcome = segments.append(&batches).map_err(|e| e.to_string());
        counters.open_bytes.store(segments.open_bytes(), Relaxed);
        counters.syncs.fetch_add(1, Relaxed);
        stats.syncs += 1;
        if outcome.is_ok() {
            stats.batches += group.len() as u64;
        }
        for (_, reply) in group {
            // A requester that went away no longer needs its answer.
            let _ = reply.send(outcome.clone());
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
        Committer::start(segments, Arc::default()).unwrap()
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
                        c.commit(format!("{w}:{i}").into_bytes()).unwrap();
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
                .map(|b| String::from_utf8(b.clone()).unwrap())
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
            .commit(vec![0; crate::wal::MAX_BATCH_BYTES + 1])
            .unwrap_err();
        assert!(e.contains("over the"), "{e}");
        assert!(committer.commit(b"small".to_vec()).is_ok());
    }
}
