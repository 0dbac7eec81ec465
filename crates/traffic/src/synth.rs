//! Seeded synthetic captures in the network-stats format, for tests and demos.
//!
//! Live: the player pulls short segments (1–2 s) or the server pushes video frames every
//! 33 ms, so download is a dense stream of small bursts. VOD: the player fills a buffer at link
//! speed, then fetches one 4–10 s segment whenever the buffer drops, leaving idle gaps. Both
//! carry TCP-style upload acknowledgements and a sparse background connection. Output depends
//! only on the seed (and the `rand` version).

use std::io::{self, Write};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::TrafficLabel;
use super::reader::COLUMNS;

/// First `Time` of every synthetic capture (2024-12-24T00:26:40Z).
pub const START_SECS: i64 = 1_735_000_000;
/// Download packets carry at most this many bytes.
const MTU_BYTES: u32 = 1400;
const ACK_BYTES: u32 = 66;

/// One synthetic packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SynthPacket {
    pub time_ms: i64,
    pub size_bytes: u32,
    pub down: bool,
    /// 0 = the video connection, 1 = background.
    pub connection: u8,
}

/// A generated capture.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthCapture {
    /// A file name that carries the label (`synth-live-03.csv`, `synth-streaming-04.csv`).
    pub name: String,
    pub label: TrafficLabel,
    /// Sorted by time.
    pub packets: Vec<SynthPacket>,
}

/// `count` captures alternating live and VOD (starting with live), capture `i` seeded from
/// `(seed, i)`, each `duration_secs` long.
#[must_use]
pub fn synth_captures(seed: u64, count: usize, duration_secs: u32) -> Vec<SynthCapture> {
    (0..count)
        .map(|i| numbered_capture(seed, i, duration_secs))
        .collect()
}

/// Capture `i` of [`synth_captures`]`(seed, …)`, made on its own.
#[must_use]
pub fn numbered_capture(seed: u64, i: usize, duration_secs: u32) -> SynthCapture {
    let label = if i.is_multiple_of(2) {
        TrafficLabel::Live
    } else {
        TrafficLabel::Vod
    };
    let s = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(i as u64);
    synth_capture(label, s, duration_secs, i)
}

/// One capture of the given kind.
#[must_use]
pub fn synth_capture(
    label: TrafficLabel,
    seed: u64,
    duration_secs: u32,
    index: usize,
) -> SynthCapture {
    let mut rng = StdRng::seed_from_u64(seed);
    let end_ms = i64::from(duration_secs) * 1000;
    // Video bitrate and link speed, bytes per ms.
    let rate = rng.random_range(1.5..6.0) * 1e6 / 8.0 / 1000.0;
    let link = rng.random_range(15.0..60.0) * 1e6 / 8.0 / 1000.0;
    let mut g = Gen {
        rng,
        packets: Vec::new(),
    };
    match label {
        TrafficLabel::Live if g.rng.random_bool(0.5) => g.live_frames(rate, end_ms),
        TrafficLabel::Live => g.live_segments(rate, link, end_ms),
        TrafficLabel::Vod => g.vod(rate, link, end_ms),
    }
    g.background(end_ms);
    let mut packets = g.packets;
    packets.retain(|p| p.time_ms >= 0 && p.time_ms < end_ms);
    for p in &mut packets {
        p.time_ms += START_SECS * 1000;
    }
    packets.sort_by_key(|p| (p.time_ms, p.connection));
    let kind = match label {
        TrafficLabel::Live => "live",
        TrafficLabel::Vod => "streaming",
    };
    SynthCapture {
        name: format!("synth-{kind}-{index:02}.csv"),
        label,
        packets,
    }
}

struct Gen {
    rng: StdRng,
    packets: Vec<SynthPacket>,
}

impl Gen {
    /// `bytes` downloaded from `t0_ms` at `link` bytes/ms, with an ACK every second packet.
    fn burst(&mut self, t0_ms: f64, bytes: f64, link: f64) {
        let n = (bytes / f64::from(MTU_BYTES)).ceil().max(1.0) as u32;
        let spacing = f64::from(MTU_BYTES) / link;
        for k in 0..n {
            let size = if k + 1 == n {
                (bytes as u32)
                    .saturating_sub(k * MTU_BYTES)
                    .clamp(60, MTU_BYTES)
            } else {
                MTU_BYTES
            };
            let t = (t0_ms + f64::from(k) * spacing + self.rng.random_range(0.0..1.0)) as i64;
            self.push(t, size, true, 0);
            if k % 2 == 1 {
                self.push(t + 1, ACK_BYTES, false, 0);
            }
        }
    }

    fn push(&mut self, time_ms: i64, size_bytes: u32, down: bool, connection: u8) {
        self.packets.push(SynthPacket {
            time_ms,
            size_bytes,
            down,
            connection,
        });
    }

    /// Pushed frames every ~33 ms (a call or a low-latency stream) with a small upload stream.
    fn live_frames(&mut self, rate: f64, end_ms: i64) {
        let mut t = 0.0;
        let up_share = self.rng.random_range(0.02..0.3);
        while t < end_ms as f64 {
            let frame = rate * 33.3 * self.rng.random_range(0.5..1.5);
            self.burst(t, frame, rate * 20.0);
            if self.rng.random_bool(0.5) {
                let up = (frame * up_share * 2.0).clamp(60.0, f64::from(MTU_BYTES));
                self.push(t as i64 + 3, up as u32, false, 0);
            }
            t += self.rng.random_range(28.0..39.0);
        }
    }

    /// Short segments pulled back to back as they are produced.
    fn live_segments(&mut self, rate: f64, link: f64, end_ms: i64) {
        let segment_ms = self.rng.random_range(1000.0..2000.0);
        let mut t = self.rng.random_range(0.0..segment_ms);
        while t < end_ms as f64 {
            let bytes = rate * segment_ms * self.rng.random_range(0.7..1.3);
            self.burst(t, bytes, link);
            t += segment_ms * self.rng.random_range(0.9..1.1);
        }
    }

    /// Buffer filling at link speed, then one segment per segment duration.
    fn vod(&mut self, rate: f64, link: f64, end_ms: i64) {
        let segment_ms = self.rng.random_range(4000.0..10_000.0);
        let buffer_target_ms = self.rng.random_range(20_000.0..60_000.0);
        let mut t = 0.0;
        let mut buffered_ms = 0.0;
        while t < end_ms as f64 {
            let bytes = rate * segment_ms * self.rng.random_range(0.7..1.3);
            self.burst(t, bytes, link);
            let busy = bytes / link + self.rng.random_range(20.0..80.0);
            buffered_ms += segment_ms - busy;
            if buffered_ms < buffer_target_ms {
                t += busy;
            } else {
                let wait = segment_ms * self.rng.random_range(0.85..1.15);
                buffered_ms -= wait;
                t += busy + wait;
            }
        }
    }

    /// A few small packets on a second connection in about a third of the seconds, and in the
    /// first and last second so the capture spans its whole duration.
    fn background(&mut self, end_ms: i64) {
        let last = end_ms / 1000 - 1;
        for s in 0..=last {
            if s == 0 || s == last || self.rng.random_bool(0.3) {
                for _ in 0..self.rng.random_range(1..4) {
                    let t = s * 1000 + self.rng.random_range(0..1000);
                    let size = self.rng.random_range(60..400);
                    let down = self.rng.random_bool(0.5);
                    self.push(t, size, down, 1);
                }
            }
        }
    }
}

/// Writes a capture as network-stats CSV: one row per (second, connection) with packets.
pub fn write_csv(capture: &SynthCapture, w: &mut impl Write) -> io::Result<()> {
    writeln!(w, "{}", COLUMNS.join(","))?;
    let mut rows: Vec<(i64, u8, Vec<SynthPacket>)> = Vec::new();
    for p in &capture.packets {
        let key = (p.time_ms.div_euclid(1000), p.connection);
        match rows.iter_mut().rev().take(2).find(|r| (r.0, r.1) == key) {
            Some(row) => row.2.push(*p),
            None => rows.push((key.0, key.1, vec![*p])),
        }
    }
    rows.sort_by_key(|r| (r.0, r.1));
    for (secs, conn, packets) in rows {
        let sum = |down: bool| -> (u64, usize) {
            let it = packets.iter().filter(|p| p.down == down);
            (
                it.clone().map(|p| u64::from(p.size_bytes)).sum(),
                it.count(),
            )
        };
        let ((up_b, up_n), (down_b, down_n)) = (sum(false), sum(true));
        let proto = if conn == 0 { 6 } else { 17 };
        write!(
            w,
            "{secs},10.0.0.2,{},203.0.113.{},443,{proto},{up_b},{down_b},{up_n},{down_n},",
            50_000 + u32::from(conn),
            u32::from(conn) + 1
        )?;
        for p in &packets {
            write!(w, "{};", p.time_ms)?;
        }
        w.write_all(b",")?;
        for p in &packets {
            write!(w, "{};", p.size_bytes)?;
        }
        w.write_all(b",")?;
        for p in &packets {
            w.write_all(if p.down { b"2;" } else { b"1;" })?;
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}
