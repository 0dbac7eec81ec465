//! Throughput traces: how fast a link ran, step by step.
//!
//! Two formats are read: the JSON steps of the Sabre simulator's data
//! (`[{"duration_ms", "bandwidth_kbps", "latency_ms"}, …]`) and Pensieve's text traces
//! (one `time_s bandwidth_mbps` line per sample; the bandwidth on a line holds from the
//! previous line's time to its own, and each request pays [`PENSIEVE_LATENCY_S`]).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::AbrError;

/// Latency per request for text traces, which carry none: Pensieve's link RTT (80 ms).
pub const PENSIEVE_LATENCY_S: f64 = 0.08;

/// Bounds on a step: a day, 1 Tbit/s, a minute of latency — far beyond any real link,
/// and small enough that sums over a trace stay exact to the millisecond.
pub const MAX_STEP_S: f64 = 86_400.0;
pub const MAX_BANDWIDTH_KBPS: f64 = 1e9;
pub const MAX_LATENCY_S: f64 = 60.0;

/// Largest trace or manifest file read (a real one is a few hundred kB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// One stretch of time at a constant bandwidth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub duration_s: f64,
    pub bandwidth_kbps: f64,
    /// Paid before the first bit of each request that starts in this step.
    pub latency_s: f64,
}

/// A named throughput trace; it loops when a session outlasts it.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub name: String,
    pub steps: Vec<Step>,
}

impl Trace {
    /// A trace from steps, checked: at least one step, durations and bandwidths finite and
    /// not negative, some time at a bandwidth above zero (else a download never ends).
    pub fn new(name: impl Into<String>, steps: Vec<Step>) -> Result<Self, String> {
        for (i, s) in steps.iter().enumerate() {
            let within = |v: f64, max: f64| v.is_finite() && (0.0..=max).contains(&v);
            if !within(s.duration_s, MAX_STEP_S)
                || !within(s.bandwidth_kbps, MAX_BANDWIDTH_KBPS)
                || !within(s.latency_s, MAX_LATENCY_S)
            {
                return Err(format!(
                    "step {}: expected a duration of 0 to {MAX_STEP_S} s, a bandwidth of 0 to \
                     {MAX_BANDWIDTH_KBPS} kbit/s and a latency of 0 to {MAX_LATENCY_S} s \
                     (got {:?} s, {:?} kbit/s, {:?} s)",
                    i + 1,
                    s.duration_s,
                    s.bandwidth_kbps,
                    s.latency_s
                ));
            }
        }
        // Steps without time carry nothing (two equal times in a text trace give one).
        let steps: Vec<Step> = steps.into_iter().filter(|s| s.duration_s > 0.0).collect();
        if !steps
            .iter()
            .any(|s| s.duration_s > 0.0 && s.bandwidth_kbps > 0.0)
        {
            return Err("no step has both a duration and a bandwidth above zero".into());
        }
        Ok(Self {
            name: name.into(),
            steps,
        })
    }

    /// Length of one pass through the trace, in seconds.
    #[must_use]
    pub fn duration_s(&self) -> f64 {
        self.steps.iter().map(|s| s.duration_s).sum()
    }

    /// Mean bandwidth over one pass, time-weighted, in kbit/s.
    #[must_use]
    pub fn mean_kbps(&self) -> f64 {
        let bits: f64 = self
            .steps
            .iter()
            .map(|s| s.duration_s * s.bandwidth_kbps)
            .sum();
        bits / self.duration_s()
    }
}

impl Trace {
    /// The trace in the Sabre JSON format [`read_trace`] reads (milliseconds rounded).
    #[must_use]
    pub fn to_json(&self) -> String {
        let lines: Vec<String> = self
            .steps
            .iter()
            .map(|s| {
                format!(
                    "  {{\"duration_ms\": {}, \"bandwidth_kbps\": {}, \"latency_ms\": {}}}",
                    (s.duration_s * 1000.0).round(),
                    s.bandwidth_kbps,
                    (s.latency_s * 1000.0).round()
                )
            })
            .collect();
        format!("[\n{}\n]\n", lines.join(",\n"))
    }
}

#[derive(Deserialize)]
struct JsonStep {
    duration_ms: f64,
    bandwidth_kbps: f64,
    #[serde(default)]
    latency_ms: f64,
}

/// A file's text, refused above [`MAX_FILE_BYTES`] without reading further.
pub(crate) fn read_text(path: &Path) -> Result<String, AbrError> {
    let io = |source| AbrError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Asked before opening: opening a FIFO would block until a writer comes.
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(AbrError::Format {
            path: path.to_path_buf(),
            what: "not a regular file".into(),
        });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(AbrError::Format {
            path: path.to_path_buf(),
            what: format!("larger than {} MiB", MAX_FILE_BYTES >> 20),
        });
    }
    let bytes = text_from_wide(bytes).map_err(|what| AbrError::Format {
        path: path.to_path_buf(),
        what,
    })?;
    String::from_utf8(bytes).map_err(|e| AbrError::Format {
        path: path.to_path_buf(),
        what: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    })
}

/// `bytes` without a UTF-8 byte-order mark, UTF-16 after its mark as UTF-8; NUL bytes
/// otherwise mean a binary file (or UTF-16 without a mark), said so.
fn text_from_wide(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return Ok(rest.to_vec());
    }
    let big_endian = match bytes.get(..2) {
        Some([0xff, 0xfe]) => false,
        Some([0xfe, 0xff]) => true,
        _ if bytes.contains(&0) => {
            return Err(
                "has NUL bytes: a binary file, not text (UTF-16 text without a \
                        byte-order mark also looks like this: save it as UTF-8)"
                    .into(),
            );
        }
        _ => return Ok(bytes),
    };
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| match (c, big_endian) {
            ([a, b], false) => u16::from_le_bytes([*a, *b]),
            ([a, b], true) => u16::from_be_bytes([*a, *b]),
            _ => 0xdc00, // a lone trailing byte: invalid, reported below
        })
        .collect();
    String::from_utf16(&units)
        .map(String::into_bytes)
        .map_err(|_| "is not valid UTF-16 text after its byte-order mark: save it as UTF-8".into())
}

/// Reads one trace, JSON or Pensieve text, told apart by the first non-blank character.
pub fn read_trace(path: &Path) -> Result<Trace, AbrError> {
    let text = read_text(path)?;
    let name = path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into(),
    );
    let format = |what: String| AbrError::Format {
        path: path.to_path_buf(),
        what,
    };
    let steps = if text.trim_start().starts_with('[') {
        let json: Vec<JsonStep> = serde_json::from_str(&text).map_err(|e| {
            format(format!(
                "line {}, column {}: expected a JSON array of \
                 {{\"duration_ms\", \"bandwidth_kbps\", \"latency_ms\"}} steps ({e})",
                e.line(),
                e.column()
            ))
        })?;
        json.into_iter()
            .map(|s| Step {
                duration_s: s.duration_ms / 1000.0,
                bandwidth_kbps: s.bandwidth_kbps,
                latency_s: s.latency_ms / 1000.0,
            })
            .collect()
    } else {
        text_steps(&text).map_err(format)?
    };
    Trace::new(name, steps).map_err(format)
}

/// Pensieve's `time_s bandwidth_mbps` lines as steps.
fn text_steps(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut last_time: Option<f64> = None;
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let number = |k: usize, what: &str| -> Result<f64, String> {
            fields
                .get(k)
                .and_then(|f| f.parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    format!(
                        "line {}: expected `time_s bandwidth_mbps`, column {} ({what}) is {}",
                        i + 1,
                        k + 1,
                        crate::error::quote(fields.get(k).copied().unwrap_or("missing"))
                    )
                })
        };
        let (time, mbps) = (number(0, "time")?, number(1, "bandwidth")?);
        if let Some(last) = last_time {
            if time < last {
                return Err(format!(
                    "line {}: time {time} s goes back (previous line: {last} s)",
                    i + 1
                ));
            }
            steps.push(Step {
                duration_s: time - last,
                bandwidth_kbps: mbps * 1000.0,
                latency_s: PENSIEVE_LATENCY_S,
            });
        }
        last_time = Some(time);
    }
    Ok(steps)
}

/// Traces from files and folders (a folder gives its files, by name, skipping hidden
/// ones and README/LICENSE texts). An empty result is an error naming the paths.
pub fn read_traces(paths: &[PathBuf]) -> Result<Vec<Trace>, AbrError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| AbrError::Io {
                path: path.clone(),
                source,
            })?;
            let mut inside: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && is_trace_name(p))
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(path.clone());
        }
    }
    if files.is_empty() {
        return Err(AbrError::Invalid(format!(
            "no trace files in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    files.iter().map(|f| read_trace(f)).collect()
}

fn is_trace_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    !(name.starts_with('.')
        || name.starts_with("readme")
        || name.starts_with("license")
        || std::path::Path::new(&name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md")))
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact here.
mod tests {
    use super::*;

    #[test]
    fn text_traces_hold_each_bandwidth_until_its_line() {
        let steps = text_steps("0 1.0\n2 3.0\n\n2.5 0.5\n").unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].duration_s, 2.0);
        assert_eq!(steps[0].bandwidth_kbps, 3000.0);
        assert_eq!(steps[1].duration_s, 0.5);
        assert_eq!(steps[1].bandwidth_kbps, 500.0);
    }

    #[test]
    fn bad_lines_name_line_and_column() {
        let e = text_steps("0 1\n1 fast\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("column 2"), "{e}");
        let e = text_steps("3 1\n1 1\n").unwrap_err();
        assert!(e.contains("goes back"), "{e}");
    }

    #[test]
    fn a_trace_without_bandwidth_is_refused() {
        let step = Step {
            duration_s: 1.0,
            bandwidth_kbps: 0.0,
            latency_s: 0.0,
        };
        assert!(Trace::new("dead", vec![step]).is_err());
        assert!(Trace::new("empty", vec![]).is_err());
    }

    #[test]
    fn json_errors_say_what_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        std::fs::write(&path, "[{\"duration_ms\": 1000}]").unwrap();
        let e = read_trace(&path).unwrap_err().to_string();
        assert!(e.contains("bandwidth_kbps") && e.contains("t.json"), "{e}");
    }
}
