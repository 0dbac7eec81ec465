//! What `GET /v1/status` reports: counters the request handlers, the commit thread and the
//! roller keep current without locks.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use serde::Serialize;

/// Running totals since the collector started (and what waits on disk now).
#[derive(Debug, Default)]
pub struct Counters {
    pub accepted_events: AtomicU64,
    pub accepted_batches: AtomicU64,
    /// Batches answered 400 or 413.
    pub rejected_batches: AtomicU64,
    /// Batches whose `Idempotency-Key` was stored before (answered 200, not stored again).
    pub duplicate_batches: AtomicU64,
    /// Batches answered 503 because the backlog was over its bound.
    pub deferred_batches: AtomicU64,
    /// Bytes of accepted batches (as stored: unzipped JSON Lines).
    pub accepted_bytes: AtomicU64,
    /// `fdatasync` calls of the write-ahead log (batches share them under load).
    pub syncs: AtomicU64,
    /// Bytes in the open segment.
    pub open_bytes: AtomicU64,
    /// Bytes in sealed segments not yet rolled into Parquet.
    pub sealed_bytes: AtomicU64,
    pub sealed_segments: AtomicU64,
    /// Unix ms of the first batch of the oldest sealed segment still waiting to be rolled
    /// (0: none waits).
    pub oldest_sealed_ms: AtomicU64,
    /// Unix ms of the open segment's first batch (0: it has none).
    pub open_first_batch_ms: AtomicU64,
    pub rolled_segments: AtomicU64,
    pub rolled_files: AtomicU64,
    pub roll_errors: AtomicU64,
}

/// The status page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub accepted_events: u64,
    pub accepted_batches: u64,
    pub rejected_batches: u64,
    pub duplicate_batches: u64,
    pub deferred_batches: u64,
    pub accepted_bytes: u64,
    pub syncs: u64,
    /// Bytes on disk not yet in Parquet (open and sealed segments).
    pub backlog_bytes: u64,
    /// Sealed segments waiting to be rolled.
    pub segments_waiting: u64,
    /// Seconds since the oldest batch not yet in Parquet was stored — the first batch of
    /// the oldest segment not yet rolled, sealed or open (0 when every batch is rolled).
    pub oldest_unflushed_age_s: f64,
    pub rolled_segments: u64,
    pub parquet_files_written: u64,
    pub roll_errors: u64,
}

impl Counters {
    /// Bytes written to the log and not yet rolled.
    #[must_use]
    pub fn backlog_bytes(&self) -> u64 {
        self.open_bytes.load(Relaxed) + self.sealed_bytes.load(Relaxed)
    }

    /// A snapshot, with ages measured at `now_ms` (Unix ms).
    #[must_use]
    pub fn snapshot(&self, now_ms: u64) -> Status {
        // Sealed segments hold older batches than the open one; either may be empty (0).
        let oldest = [
            self.oldest_sealed_ms.load(Relaxed),
            self.open_first_batch_ms.load(Relaxed),
        ]
        .into_iter()
        .filter(|&at| at > 0)
        .min()
        .unwrap_or(0);
        Status {
            accepted_events: self.accepted_events.load(Relaxed),
            accepted_batches: self.accepted_batches.load(Relaxed),
            rejected_batches: self.rejected_batches.load(Relaxed),
            duplicate_batches: self.duplicate_batches.load(Relaxed),
            deferred_batches: self.deferred_batches.load(Relaxed),
            accepted_bytes: self.accepted_bytes.load(Relaxed),
            syncs: self.syncs.load(Relaxed),
            backlog_bytes: self.backlog_bytes(),
            segments_waiting: self.sealed_segments.load(Relaxed),
            oldest_unflushed_age_s: if oldest == 0 {
                0.0
            } else {
                now_ms.saturating_sub(oldest) as f64 / 1000.0
            },
            rolled_segments: self.rolled_segments.load(Relaxed),
            parquet_files_written: self.rolled_files.load(Relaxed),
            roll_errors: self.roll_errors.load(Relaxed),
        }
    }
}

/// Now, in Unix milliseconds.
#[must_use]
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_unflushed_batch_is_the_earlier_of_sealed_and_open() {
        let c = Counters::default();
        let age = |c: &Counters| (c.snapshot(10_000).oldest_unflushed_age_s * 1000.0) as u64;
        assert_eq!(age(&c), 0);
        // Only the open segment holds batches: its first one counts.
        c.open_first_batch_ms.store(7_000, Relaxed);
        assert_eq!(age(&c), 3000);
        // A sealed segment waiting holds older ones.
        c.oldest_sealed_ms.store(4_000, Relaxed);
        assert_eq!(age(&c), 6000);
        c.open_first_batch_ms.store(0, Relaxed);
        assert_eq!(age(&c), 6000);
    }
}
