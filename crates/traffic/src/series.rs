//! Throughput series of a capture: download and upload bytes and packets per time bin, summed
//! over connections (1 s and 200 ms bins), plus per-connection 1 s series for views.

use serde::Serialize;

use super::reader::{Capture, Connection};

/// Bin width of the coarse series.
pub const SECOND_MS: i64 = 1000;
/// Bin width of the fine series (five bins per second).
pub const FINE_MS: i64 = 200;

/// Per-bin sums over all packets whose time falls in `[start_ms + i·bin_ms, start_ms + (i+1)·bin_ms)`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Series {
    pub start_ms: i64,
    pub bin_ms: i64,
    pub down_bytes: Vec<f64>,
    pub up_bytes: Vec<f64>,
    pub down_packets: Vec<f64>,
    pub up_packets: Vec<f64>,
    /// Sum of squared download packet sizes (for the packet size spread).
    pub down_size_sq: Vec<f64>,
}

impl Series {
    fn zeros(start_ms: i64, bin_ms: i64, bins: usize) -> Self {
        Self {
            start_ms,
            bin_ms,
            down_bytes: vec![0.0; bins],
            up_bytes: vec![0.0; bins],
            down_packets: vec![0.0; bins],
            up_packets: vec![0.0; bins],
            down_size_sq: vec![0.0; bins],
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.down_bytes.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.down_bytes.is_empty()
    }
}

/// One connection's download and upload bytes per second.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConnectionSeries {
    pub connection: Connection,
    pub down_bytes: Vec<f64>,
    pub up_bytes: Vec<f64>,
}

/// The series of one capture, all starting at the same whole second.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaptureSeries {
    pub second: Series,
    pub fine: Series,
    pub per_connection: Vec<ConnectionSeries>,
}

impl CaptureSeries {
    /// Bins every packet of the capture. The series start at the earliest whole second among
    /// `Time` and the packet times, and end after the latest of them.
    #[must_use]
    pub fn new(capture: &Capture) -> Self {
        let p = &capture.packets;
        let first_ms = p
            .time_ms
            .iter()
            .copied()
            .min()
            .unwrap_or(i64::MAX)
            .min(capture.first_secs * SECOND_MS);
        let end_ms = p
            .time_ms
            .iter()
            .map(|t| t + 1)
            .max()
            .unwrap_or(i64::MIN)
            .max((capture.last_secs + 1) * SECOND_MS);
        let start_ms = first_ms.div_euclid(SECOND_MS) * SECOND_MS;
        let seconds = (end_ms - start_ms + SECOND_MS - 1) / SECOND_MS;
        let seconds = usize::try_from(seconds).unwrap_or(0);
        let mut second = Series::zeros(start_ms, SECOND_MS, seconds);
        let mut fine = Series::zeros(start_ms, FINE_MS, seconds * 5);
        let mut per_connection: Vec<ConnectionSeries> = capture
            .connections
            .iter()
            .map(|c| ConnectionSeries {
                connection: c.clone(),
                down_bytes: vec![0.0; seconds],
                up_bytes: vec![0.0; seconds],
            })
            .collect();
        for i in 0..p.len() {
            // In range: start_ms ≤ t < end_ms by construction of both bounds.
            let offset = (p.time_ms[i] - start_ms) as usize;
            let size = f64::from(p.size_bytes[i]);
            let (s, f) = (offset / SECOND_MS as usize, offset / FINE_MS as usize);
            let c = &mut per_connection[p.connection[i] as usize];
            if p.down[i] {
                add_down(&mut second, s, size);
                add_down(&mut fine, f, size);
                c.down_bytes[s] += size;
            } else {
                add_up(&mut second, s, size);
                add_up(&mut fine, f, size);
                c.up_bytes[s] += size;
            }
        }
        Self {
            second,
            fine,
            per_connection,
        }
    }
}

fn add_down(series: &mut Series, bin: usize, size: f64) {
    series.down_bytes[bin] += size;
    series.down_packets[bin] += 1.0;
    series.down_size_sq[bin] += size * size;
}

fn add_up(series: &mut Series, bin: usize, size: f64) {
    series.up_bytes[bin] += size;
    series.up_packets[bin] += 1.0;
}
