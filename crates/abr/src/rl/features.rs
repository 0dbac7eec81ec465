//! What the policy sees before each segment, as numbers near the unit range (the network
//! learns faster on inputs of one scale). Throughputs and bitrates are relative to the
//! ladder's top bitrate and times to the segment duration, so one policy reads any trace.

use crate::players::PlayerState;

/// Past segments whose throughput and download time the policy sees (Pensieve uses 8).
pub const HISTORY: usize = 8;

/// Relative values above this are clipped (a link 10× the top rendition is as good as any).
const CLIP: f64 = 10.0;

/// Inputs for a ladder of `renditions`: last bitrate, buffer ÷ 10 s, buffer ÷ cap, share of
/// the video left, history filled, harmonic-mean throughput, then [`HISTORY`] throughputs,
/// [`HISTORY`] download times, and per rendition the next segment's download time at the
/// harmonic mean and at the lowest of the last [`crate::players::HISTORY`] throughputs
/// (÷ 10 s, as the buffer: what a rendition would cost the buffer).
#[must_use]
pub fn feature_count(renditions: usize) -> usize {
    6 + 2 * HISTORY + 2 * renditions
}

/// Writes the features of `state` into `out` (cleared first). Missing history is 0.
pub fn observe(state: &PlayerState, out: &mut Vec<f32>) {
    let m = state.manifest;
    let top = m.bitrates_kbps.last().copied().unwrap_or(1.0).max(1e-9);
    let rel = |v: f64| (v.max(0.0) / top).min(CLIP) as f32;
    let seconds = |v: f64| (v.max(0.0) / m.segment_s).min(CLIP) as f32;
    out.clear();
    out.push(state.last.map_or(0.0, |r| rel(m.bitrates_kbps[r])));
    out.push((state.buffer_s / 10.0) as f32);
    out.push((state.buffer_s / state.buffer_cap_s.max(1e-9)).min(CLIP) as f32);
    let n = m.segments().max(1);
    out.push(((n - state.index.min(n)) as f64 / n as f64) as f32);
    let seen = state.throughputs_kbps.len();
    out.push((seen.min(HISTORY) as f64 / HISTORY as f64) as f32);
    out.push(crate::players::recent_harmonic_mean(state.throughputs_kbps).map_or(0.0, rel));
    // Newest first.
    for i in 0..HISTORY {
        out.push(
            seen.checked_sub(i + 1)
                .map_or(0.0, |k| rel(state.throughputs_kbps[k])),
        );
    }
    let took = state.downloads_s.len();
    for i in 0..HISTORY {
        out.push(
            took.checked_sub(i + 1)
                .map_or(0.0, |k| seconds(state.downloads_s[k])),
        );
    }
    let sizes = &m.sizes_bits[state.index.min(m.segments() - 1)];
    let recent = &state.throughputs_kbps[seen.saturating_sub(crate::players::HISTORY)..];
    let lowest = recent.iter().copied().fold(f64::INFINITY, f64::min);
    let mean = crate::players::recent_harmonic_mean(state.throughputs_kbps);
    for kbps in [
        mean.unwrap_or(0.0),
        if lowest.is_finite() { lowest } else { 0.0 },
    ] {
        for &bits in sizes {
            // Unknown before the first download: as if it took no time.
            let at = if kbps > 0.0 {
                bits / 1000.0 / kbps
            } else {
                0.0
            };
            out.push((at / 10.0).min(CLIP) as f32);
        }
    }
}
