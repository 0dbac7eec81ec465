//! Helpers shared by the benchmarks.
#![allow(dead_code)] // Each bench uses only some of them.

/// Peak resident memory of this process so far (Linux; NaN elsewhere).
#[must_use]
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The value after `--name` on the command line.
#[must_use]
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The path after `--name`, else `default` relative to the crate root.
#[must_use]
pub fn path_arg(name: &str, default: &str) -> std::path::PathBuf {
    arg(name).map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(default),
        std::path::PathBuf::from,
    )
}
