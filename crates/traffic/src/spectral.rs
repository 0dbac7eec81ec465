//! Spectral features of the 200 ms download-bytes series: a Welch power spectral density and
//! what it says about periodic segment fetches (VOD players fetch every few seconds).

use serde::{Deserialize, Serialize};

use super::fft::fft_in_place;

/// Sampling rate of the 200 ms series.
pub const FINE_RATE_HZ: f64 = 5.0;
/// Welch segment length (25.6 s at 5 Hz: frequency resolution 0.039 Hz); 50 % overlap.
pub const WELCH_SEGMENT: usize = 128;

/// Welch power spectral density, as `scipy.signal.welch(x, fs, window="hann",
/// nperseg=segment, noverlap=segment/2, detrend="constant", scaling="density")`: the mean over
/// segments of `|FFT(w·(s − mean s))|² / (fs·Σw²)`, one-sided (bins 1…N/2−1 doubled), with the
/// periodic Hann window `w[n] = ½ − ½·cos(2πn/N)`. A series shorter than `segment` uses the
/// largest power of two that fits. Returns (frequencies in Hz, PSD); empty below 4 samples.
#[must_use]
pub fn welch(x: &[f64], fs: f64, segment: usize) -> (Vec<f64>, Vec<f64>) {
    let mut n = segment.min(x.len());
    if n < 4 {
        return (Vec::new(), Vec::new());
    }
    if !n.is_power_of_two() {
        n = n.next_power_of_two() / 2;
    }
    let step = n / 2;
    let window: Vec<f64> = (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos())
        .collect();
    let scale = 1.0 / (fs * window.iter().map(|w| w * w).sum::<f64>());
    let bins = n / 2 + 1;
    let mut psd = vec![0.0; bins];
    let (mut re, mut im) = (vec![0.0; n], vec![0.0; n]);
    let segments = (x.len() - n) / step + 1;
    for s in 0..segments {
        let seg = &x[s * step..s * step + n];
        let mean = seg.iter().sum::<f64>() / n as f64;
        for i in 0..n {
            re[i] = (seg[i] - mean) * window[i];
            im[i] = 0.0;
        }
        fft_in_place(&mut re, &mut im);
        for (k, p) in psd.iter_mut().enumerate() {
            let one_sided = if k == 0 || k == n / 2 { 1.0 } else { 2.0 };
            *p += one_sided * scale * (re[k] * re[k] + im[k] * im[k]);
        }
    }
    for p in &mut psd {
        *p /= segments as f64;
    }
    let freqs = (0..bins).map(|k| k as f64 * fs / n as f64).collect();
    (freqs, psd)
}

/// Summary of a PSD over the bins above 0 Hz (the DC bin only reflects the mean, which the
/// constant detrend removes). All are 0 when the series has no variation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spectrum {
    /// Frequency (Hz) of the largest PSD bin above 0 Hz.
    pub dominant_freq_hz: f64,
    /// Share of the power (above 0 Hz) in 0.05 ≤ f < 0.15 Hz: a fetch every 7–20 s.
    pub rel_power_0_1hz: f64,
    /// Share of the power in 0.15 ≤ f < 0.25 Hz: a fetch every 4–7 s.
    pub rel_power_0_2hz: f64,
    /// Geometric mean / arithmetic mean of the PSD (1 = white noise, → 0 = a few tones).
    pub flatness: f64,
    /// Largest PSD bin / mean PSD: how much one periodicity stands out.
    pub peak_prominence: f64,
}

/// [`Spectrum`] of the Welch PSD of a series sampled at `fs`.
#[must_use]
pub fn spectrum(x: &[f64], fs: f64) -> Spectrum {
    let (freqs, psd) = welch(x, fs, WELCH_SEGMENT);
    if psd.len() < 2 {
        return Spectrum::default();
    }
    let (freqs, psd) = (&freqs[1..], &psd[1..]);
    let total: f64 = psd.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return Spectrum::default();
    }
    let band = |lo: f64, hi: f64| {
        freqs
            .iter()
            .zip(psd)
            .filter(|&(&f, _)| f >= lo && f < hi)
            .map(|(_, p)| p)
            .sum::<f64>()
            / total
    };
    let (argmax, max) =
        psd.iter().copied().enumerate().fold(
            (0, f64::MIN),
            |best, (i, p)| if p > best.1 { (i, p) } else { best },
        );
    let mean = total / psd.len() as f64;
    // ln 0 = −∞ makes the geometric mean 0, which is the right limit for an empty bin.
    let log_mean = psd.iter().map(|p| p.ln()).sum::<f64>() / psd.len() as f64;
    Spectrum {
        dominant_freq_hz: freqs[argmax],
        rel_power_0_1hz: band(0.05, 0.15),
        rel_power_0_2hz: band(0.15, 0.25),
        flatness: log_mean.exp() / mean,
        peak_prominence: max / mean,
    }
}
