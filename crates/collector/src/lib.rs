//! The beacon collector's storage (work in progress, issue 17): write-ahead segments whose
//! every batch carries its length and checksum, so that after a crash the acknowledged
//! batches are found whole and a half-written tail is cut off.

#![forbid(unsafe_code)]

pub mod commit;
pub mod wal;
