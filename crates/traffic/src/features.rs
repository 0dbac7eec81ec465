//! Per-chunk features. Each field's doc comment is its exact definition; "1 s bins" and
//! "200 ms bins" are the chunk's slices of the capture series (see [`super::series`]).
//!
//! Sizes are expressed relative to the chunk's own mean throughput where it makes sense
//! (peak heights, burst sizes): the bitrate depends on the content and the screen, not on
//! whether it is live, and with few captures absolute levels would be learned as identities.

use serde::{Deserialize, Serialize};

use super::spectral::{FINE_RATE_HZ, spectrum};

/// Number of features per chunk.
pub const N_FEATURES: usize = 22;

/// Feature names, in the order of [`Features::values`] (also the JSON field names).
pub const FEATURE_NAMES: [&str; N_FEATURES] = [
    "active_ratio",
    "leisure_sum_s",
    "leisure_mean_s",
    "peak_count",
    "peak_rate_per_min",
    "peak_height_mean",
    "peak_height_max",
    "empty_fine_share",
    "burst_rate_per_min",
    "burst_mean_s",
    "burst_max_s",
    "burst_cv",
    "down_cv_1s",
    "up_down_ratio",
    "down_packet_mean_bytes",
    "down_packet_std_bytes",
    "up_packet_mean_bytes",
    "dominant_freq_hz",
    "rel_power_0_1hz",
    "rel_power_0_2hz",
    "spectral_flatness",
    "spectral_peak_prominence",
];

/// The slices of one chunk: 1 s bins and 200 ms bins over the same time span.
#[derive(Clone, Copy, Debug)]
pub struct ChunkBins<'a> {
    /// Download bytes per 1 s bin.
    pub down_1s: &'a [f64],
    /// Download bytes per 200 ms bin.
    pub down_fine: &'a [f64],
    /// Totals over the chunk.
    pub down_bytes: f64,
    pub up_bytes: f64,
    pub down_packets: f64,
    pub up_packets: f64,
    /// Σ size² over the chunk's download packets.
    pub down_size_sq: f64,
}

/// Features of one chunk. "Spike" = a 1 s bin whose download bytes exceed the chunk's mean
/// 1 s download bytes; "peak" = a maximal run of consecutive spike bins; "burst" = a maximal
/// run of consecutive non-empty 200 ms download bins. Ratios with a zero denominator are 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// Share of 1 s bins with any download bytes.
    pub active_ratio: f64,
    /// Σ over consecutive peaks of the number of non-spike 1 s bins between them (s).
    pub leisure_sum_s: f64,
    /// Mean of those gaps, counting only gaps of at least one bin (s).
    pub leisure_mean_s: f64,
    /// Number of peaks.
    pub peak_count: f64,
    /// Peaks per minute of chunk.
    pub peak_rate_per_min: f64,
    /// Mean over peaks of the peak's largest 1 s bin, divided by the chunk mean 1 s bin.
    pub peak_height_mean: f64,
    /// Largest 1 s bin divided by the chunk mean 1 s bin (0 without peaks).
    pub peak_height_max: f64,
    /// Share of 200 ms bins without download bytes.
    pub empty_fine_share: f64,
    /// Bursts per minute of chunk.
    pub burst_rate_per_min: f64,
    /// Mean burst bytes divided by the chunk mean download bytes per second (s of throughput).
    pub burst_mean_s: f64,
    /// Largest burst bytes divided by the chunk mean download bytes per second.
    pub burst_max_s: f64,
    /// Population standard deviation / mean of burst bytes.
    pub burst_cv: f64,
    /// Population standard deviation / mean of the 1 s download bytes.
    pub down_cv_1s: f64,
    /// Upload bytes / download bytes over the chunk.
    pub up_down_ratio: f64,
    /// Mean download packet size (bytes).
    pub down_packet_mean_bytes: f64,
    /// Population standard deviation of download packet sizes (bytes).
    pub down_packet_std_bytes: f64,
    /// Mean upload packet size (bytes).
    pub up_packet_mean_bytes: f64,
    /// Frequency of the largest Welch PSD bin above 0 Hz, 200 ms download bytes
    /// (see [`super::spectral::welch`]).
    pub dominant_freq_hz: f64,
    /// Share of PSD power above 0 Hz in 0.05 ≤ f < 0.15 Hz.
    pub rel_power_0_1hz: f64,
    /// Share of PSD power above 0 Hz in 0.15 ≤ f < 0.25 Hz.
    pub rel_power_0_2hz: f64,
    /// Geometric over arithmetic mean of the PSD above 0 Hz.
    pub spectral_flatness: f64,
    /// Largest PSD bin above 0 Hz over the mean of those bins.
    pub spectral_peak_prominence: f64,
}

impl Features {
    /// The values in [`FEATURE_NAMES`] order.
    #[must_use]
    pub fn values(&self) -> [f64; N_FEATURES] {
        [
            self.active_ratio,
            self.leisure_sum_s,
            self.leisure_mean_s,
            self.peak_count,
            self.peak_rate_per_min,
            self.peak_height_mean,
            self.peak_height_max,
            self.empty_fine_share,
            self.burst_rate_per_min,
            self.burst_mean_s,
            self.burst_max_s,
            self.burst_cv,
            self.down_cv_1s,
            self.up_down_ratio,
            self.down_packet_mean_bytes,
            self.down_packet_std_bytes,
            self.up_packet_mean_bytes,
            self.dominant_freq_hz,
            self.rel_power_0_1hz,
            self.rel_power_0_2hz,
            self.spectral_flatness,
            self.spectral_peak_prominence,
        ]
    }

    /// Computes every feature of one chunk.
    #[must_use]
    pub fn compute(bins: &ChunkBins<'_>) -> Self {
        let seconds = bins.down_1s.len() as f64;
        let minutes = seconds / 60.0;
        let mean_1s = ratio(bins.down_1s.iter().sum(), seconds);
        let peaks = peaks(bins.down_1s, mean_1s);
        let bursts = runs(bins.down_fine, 0.0);
        let burst_bytes: Vec<f64> = bursts.iter().map(|r| r.sum).collect();
        let (burst_mean, burst_std) = mean_std(&burst_bytes);
        let (_, std_1s) = mean_std(bins.down_1s);
        let heights: Vec<f64> = peaks.runs.iter().map(|r| r.max).collect();
        let down_pkt_mean = ratio(bins.down_bytes, bins.down_packets);
        let down_pkt_var = ratio(bins.down_size_sq, bins.down_packets) - down_pkt_mean.powi(2);
        let s = spectrum(bins.down_fine, FINE_RATE_HZ);
        Self {
            active_ratio: ratio(
                bins.down_1s.iter().filter(|&&b| b > 0.0).count() as f64,
                seconds,
            ),
            leisure_sum_s: peaks.gaps.iter().sum(),
            leisure_mean_s: ratio(peaks.gaps.iter().sum(), peaks.gaps.len() as f64),
            peak_count: peaks.runs.len() as f64,
            peak_rate_per_min: ratio(peaks.runs.len() as f64, minutes),
            peak_height_mean: ratio(mean_std(&heights).0, mean_1s),
            peak_height_max: ratio(heights.iter().copied().fold(0.0, f64::max), mean_1s),
            empty_fine_share: ratio(
                bins.down_fine.iter().filter(|&&b| b <= 0.0).count() as f64,
                bins.down_fine.len() as f64,
            ),
            burst_rate_per_min: ratio(bursts.len() as f64, minutes),
            burst_mean_s: ratio(burst_mean, mean_1s),
            burst_max_s: ratio(burst_bytes.iter().copied().fold(0.0, f64::max), mean_1s),
            burst_cv: ratio(burst_std, burst_mean),
            down_cv_1s: ratio(std_1s, mean_1s),
            up_down_ratio: ratio(bins.up_bytes, bins.down_bytes),
            down_packet_mean_bytes: down_pkt_mean,
            // Rounding can make a zero variance slightly negative.
            down_packet_std_bytes: down_pkt_var.max(0.0).sqrt(),
            up_packet_mean_bytes: ratio(bins.up_bytes, bins.up_packets),
            dominant_freq_hz: s.dominant_freq_hz,
            rel_power_0_1hz: s.rel_power_0_1hz,
            rel_power_0_2hz: s.rel_power_0_2hz,
            spectral_flatness: s.flatness,
            spectral_peak_prominence: s.peak_prominence,
        }
    }
}

/// `a / b`, or 0 when `b` is 0.
fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// Mean and population standard deviation (0, 0 for an empty slice).
pub(crate) fn mean_std(x: &[f64]) -> (f64, f64) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// A maximal run of consecutive bins above a threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Run {
    pub first: usize,
    pub last: usize,
    pub sum: f64,
    pub max: f64,
}

/// Maximal runs of bins strictly above `threshold`.
pub(crate) fn runs(bins: &[f64], threshold: f64) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut open = false;
    for (i, &b) in bins.iter().enumerate() {
        if b > threshold {
            match out.last_mut() {
                Some(run) if open => {
                    run.last = i;
                    run.sum += b;
                    run.max = run.max.max(b);
                }
                _ => out.push(Run {
                    first: i,
                    last: i,
                    sum: b,
                    max: b,
                }),
            }
            open = true;
        } else {
            open = false;
        }
    }
    out
}

pub(crate) struct Peaks {
    pub runs: Vec<Run>,
    /// Bins between consecutive runs (each ≥ 1 by maximality).
    pub gaps: Vec<f64>,
}

pub(crate) fn peaks(bins: &[f64], mean: f64) -> Peaks {
    let runs = runs(bins, mean);
    let gaps = runs
        .windows(2)
        .map(|w| (w[1].first - w[0].last - 1) as f64)
        .collect();
    Peaks { runs, gaps }
}
