//! The roller thread: takes sealed segments in order and rolls each into Parquet; one that
//! fails stays on disk and is tried again a little later (and at the next start).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::roll::roll_segment;
use crate::segments::Sealed;
use crate::status::{Counters, now_ms};

/// How long a segment that failed to roll waits before the next try.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// Starts the roller over segments arriving on `sealed`, writing under `root`.
///
/// # Errors
/// The thread could not be started.
pub fn start(
    root: PathBuf,
    sealed: Receiver<Sealed>,
    counters: Arc<Counters>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("wal-roll".into())
        .spawn(move || run(&root, &sealed, &counters))
}

fn run(root: &std::path::Path, sealed: &Receiver<Sealed>, counters: &Counters) {
    // Waiting segments, oldest first, with the time of each one's first batch (for a
    // leftover of a previous run, when it was handed over).
    let mut waiting: VecDeque<(Sealed, u64)> = VecDeque::new();
    let mut stopped = false;
    while !(stopped && waiting.is_empty()) {
        let next = if waiting.is_empty() {
            sealed.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            sealed.recv_timeout(Duration::ZERO)
        };
        match next {
            Ok(segment) => {
                let bytes = std::fs::metadata(&segment.path).map_or(0, |m| m.len());
                counters.sealed_bytes.fetch_add(bytes, Relaxed);
                counters.sealed_segments.fetch_add(1, Relaxed);
                let since = match segment.first_batch_ms {
                    0 => now_ms(),
                    at => at,
                };
                waiting.push_back((segment, since));
                publish_oldest(&waiting, counters);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => stopped = true,
            Err(RecvTimeoutError::Timeout) => {}
        }
        let Some((segment, _)) = waiting.front() else {
            continue;
        };
        if !segment.path.exists() {
            // Deleted from under the collector: retrying cannot bring it back, and waiting
            // on it would hold up every later segment.
            counters.roll_errors.fetch_add(1, Relaxed);
            eprintln!(
                "streamlens collect: {} vanished before it was rolled (deleted by hand?); its events are not in Parquet",
                segment.path.display()
            );
            counters.sealed_segments.fetch_sub(1, Relaxed);
            waiting.pop_front();
            publish_oldest(&waiting, counters);
            continue;
        }
        let bytes = std::fs::metadata(&segment.path).map_or(0, |m| m.len());
        match roll_segment(root, segment) {
            Ok(rolled) => {
                counters.rolled_segments.fetch_add(1, Relaxed);
                counters
                    .rolled_files
                    .fetch_add(rolled.files.len() as u64, Relaxed);
                counters
                    .sealed_bytes
                    .fetch_sub(bytes.min(counters.sealed_bytes.load(Relaxed)), Relaxed);
                counters.sealed_segments.fetch_sub(1, Relaxed);
                waiting.pop_front();
                publish_oldest(&waiting, counters);
            }
            Err(e) => {
                counters.roll_errors.fetch_add(1, Relaxed);
                eprintln!(
                    "streamlens collect: cannot roll {} into Parquet yet (kept, tried again in {} s): {e}",
                    segment.path.display(),
                    RETRY_AFTER.as_secs()
                );
                if stopped {
                    // Left for the next start, which rolls it before serving.
                    return;
                }
                std::thread::sleep(RETRY_AFTER);
            }
        }
    }
}

fn publish_oldest(waiting: &VecDeque<(Sealed, u64)>, counters: &Counters) {
    let oldest = waiting.front().map_or(0, |(_, at)| *at);
    counters.oldest_sealed_ms.store(oldest, Relaxed);
}
