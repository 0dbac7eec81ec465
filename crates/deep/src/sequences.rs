//! Cutting series of per-step feature rows into fixed-length sequences.

/// Where the sequences over a series of `len` steps start, `stride` apart, the last one ending
/// at the last step so that every step is covered. A series shorter than `window` gets one
/// sequence from 0 (padded, see [`cut`]).
pub(crate) fn starts(len: usize, window: usize, stride: usize) -> Vec<usize> {
    if len <= window {
        return vec![0];
    }
    let last = len - window;
    let mut out: Vec<usize> = (0..=last).step_by(stride.max(1)).collect();
    if out.last() != Some(&last) {
        out.push(last);
    }
    out
}

/// Appends the `window` rows of `series` (scaled, `dim` wide) from `start` to `out`; past the
/// series' end the last row repeats (a short series reads as holding its last state).
pub(crate) fn cut(series: &[f32], dim: usize, window: usize, start: usize, out: &mut Vec<f32>) {
    let len = series.len() / dim;
    for step in start..start + window {
        let row = step.min(len - 1);
        out.extend_from_slice(&series[row * dim..(row + 1) * dim]);
    }
}
