//! Cutting a capture's series into fixed windows and computing each window's features.

use serde::{Deserialize, Serialize};

use super::error::TrafficError;
use super::features::{ChunkBins, Features};
use super::reader::Capture;
use super::series::{CaptureSeries, Series};

/// Shortest and longest window accepted.
pub const MIN_WINDOW_SECS: u32 = 30;
pub const MAX_WINDOW_SECS: u32 = 300;
/// Fine (200 ms) bins per second.
const FINE_PER_SECOND: usize = 5;

/// How a capture is cut into chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WindowParams {
    /// Window length, 30–300 s.
    pub window_secs: u32,
    /// Step between window starts (1 s to the window length); `None` = the window length.
    pub hop_secs: Option<u32>,
}

impl Default for WindowParams {
    fn default() -> Self {
        Self {
            window_secs: 60,
            hop_secs: None,
        }
    }
}

impl WindowParams {
    pub fn validate(&self) -> Result<(), TrafficError> {
        let w = self.window_secs;
        let reason = if !(MIN_WINDOW_SECS..=MAX_WINDOW_SECS).contains(&w) {
            format!("the window must be {MIN_WINDOW_SECS}–{MAX_WINDOW_SECS} s")
        } else if self.hop_secs.is_some_and(|h| h == 0 || h > w) {
            "the hop must be 1 s to the window length".to_string()
        } else {
            return Ok(());
        };
        Err(TrafficError::Window {
            window_secs: w,
            reason,
        })
    }

    /// The step between window starts.
    #[must_use]
    pub fn hop(&self) -> u32 {
        self.hop_secs.unwrap_or(self.window_secs)
    }
}

/// One window of a capture and its features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChunkFeatures {
    /// Window start, unix ms (inclusive); the window ends `window_secs` later.
    pub start_ms: i64,
    pub features: Features,
}

/// Features of every complete window: windows start at the series start and every hop after;
/// a tail shorter than the window is left out (its rates would not be comparable).
#[must_use]
pub fn capture_chunks(series: &CaptureSeries, params: &WindowParams) -> Vec<ChunkFeatures> {
    let window = params.window_secs as usize;
    let hop = params.hop().max(1) as usize;
    let seconds = series.second.len();
    let mut out = Vec::new();
    let mut start = 0;
    while start + window <= seconds {
        let bins = chunk_bins(&series.second, &series.fine, start, window);
        out.push(ChunkFeatures {
            start_ms: series.second.start_ms + start as i64 * 1000,
            features: Features::compute(&bins),
        });
        start += hop;
    }
    out
}

/// Series and chunk features of a capture, after checking the window.
pub fn extract(
    capture: &Capture,
    params: &WindowParams,
) -> Result<(CaptureSeries, Vec<ChunkFeatures>), TrafficError> {
    params.validate()?;
    let series = CaptureSeries::new(capture);
    let chunks = capture_chunks(&series, params);
    Ok((series, chunks))
}

fn chunk_bins<'a>(second: &'a Series, fine: &'a Series, start: usize, len: usize) -> ChunkBins<'a> {
    let s = start..start + len;
    let f = start * FINE_PER_SECOND..(start + len) * FINE_PER_SECOND;
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    ChunkBins {
        down_1s: &second.down_bytes[s.clone()],
        down_fine: &fine.down_bytes[f],
        down_bytes: sum(&second.down_bytes[s.clone()]),
        up_bytes: sum(&second.up_bytes[s.clone()]),
        down_packets: sum(&second.down_packets[s.clone()]),
        up_packets: sum(&second.up_packets[s.clone()]),
        down_size_sq: sum(&second.down_size_sq[s]),
    }
}
