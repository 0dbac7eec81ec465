//! Peak memory of this process (Linux `/proc`), to flag inputs that make a reader allocate
//! far more than their size. Process-wide, so meaningful only with one fuzz loop per process.

/// A field of `/proc/self/status` in bytes (`VmHWM`: peak resident set, `VmRSS`: now).
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Resets the peak to the current resident size and returns that size; `None` where the
/// kernel does not offer it.
#[must_use]
pub fn reset_peak() -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    status_bytes("VmRSS:")
}

/// The peak resident size since the last [`reset_peak`].
#[must_use]
pub fn peak() -> Option<u64> {
    status_bytes("VmHWM:")
}
