//! CSV writers for generated telemetry and labels. Telemetry rows are written by hand — no
//! per-row allocation, no `format!`, so tens of millions of rows stream out quickly; every
//! field is a number or `WFH`/`WFO`, so none can need quoting. The labels file holds text
//! (the scope) and goes through the `csv` crate like every other CSV of the project.
//!
//! Owns the text form of a [`TelemetryBatch`] row and of a [`SynthLabel`]; never opens files.

use std::io::{self, Write};

use super::{Shape, SynthLabel, TelemetryBatch};

/// Header line (without newline) matching the rows of [`write_csv_batch`].
pub const TELEMETRY_CSV_HEADER: &str = "timestamp,customer_id,event_id,viewer_id,city_id,country_id,viewer_type,qoe,engagement,buffer_ms";
/// Header line (without newline) written by [`write_labels_csv`].
pub const LABELS_CSV_HEADER: &str = "event_id,anomalous,kind,start_ms,end_ms,scope";

/// Flush the row buffer to the writer when it grows past this many bytes.
const FLUSH_BYTES: usize = 1 << 18;

/// Writes the rows of `batch` as CSV in our own shape's text form (no header; see
/// [`TELEMETRY_CSV_HEADER`]): [`write_csv_batch_shaped`] with [`Shape::Generator`].
pub fn write_csv_batch(w: &mut impl Write, batch: &TelemetryBatch) -> io::Result<()> {
    write_csv_batch_shaped(w, batch, Shape::Generator)
}

/// Writes the rows of `batch` as CSV (no header; see [`TELEMETRY_CSV_HEADER`]).
///
/// `viewer_type` is written as `WFH`/`WFO`, `qoe` with [`Shape::qoe_decimals`] decimals,
/// `engagement` with 1 decimal when it is a multiple of 0.1 (all generated levels are) and with
/// 3 otherwise. Non-finite floats are written as empty fields.
pub fn write_csv_batch_shaped(
    w: &mut impl Write,
    batch: &TelemetryBatch,
    shape: Shape,
) -> io::Result<()> {
    let qoe_decimals = shape.qoe_decimals();
    let mut buf = Vec::with_capacity(FLUSH_BYTES + 256);
    for i in 0..batch.len() {
        push_i64(&mut buf, batch.timestamp[i]);
        buf.push(b',');
        push_u64(&mut buf, u64::from(batch.customer_id[i]));
        buf.push(b',');
        push_u64(&mut buf, u64::from(batch.event_id[i]));
        buf.push(b',');
        push_u64(&mut buf, u64::from(batch.viewer_id[i]));
        buf.push(b',');
        push_u64(&mut buf, u64::from(batch.city_id[i]));
        buf.push(b',');
        push_u64(&mut buf, u64::from(batch.country_id[i]));
        buf.extend_from_slice(if batch.viewer_type_wfh[i] {
            b",WFH,"
        } else {
            b",WFO,"
        });
        push_fixed(&mut buf, batch.qoe[i], qoe_decimals);
        buf.push(b',');
        push_level(&mut buf, batch.engagement[i]);
        buf.push(b',');
        push_u64(&mut buf, u64::from(batch.buffer_ms[i]));
        buf.push(b'\n');
        if buf.len() >= FLUSH_BYTES {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}

/// Writes the labels file: [`LABELS_CSV_HEADER`], then one line per label. `anomalous` is `1`/`0`;
/// `start_ms`, `end_ms` and `scope` are empty for normal events.
pub fn write_labels_csv(w: &mut impl Write, labels: &[SynthLabel]) -> io::Result<()> {
    let mut out = crate::files::csv_writer(w);
    out.write_record(LABELS_CSV_HEADER.split(','))?;
    for label in labels {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        out.write_record([
            label.event_id.to_string(),
            u8::from(label.anomalous).to_string(),
            label.kind.clone(),
            opt(label.start_ms),
            opt(label.end_ms),
            label.scope.clone(),
        ])?;
    }
    out.flush()
}

fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0_u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

fn push_i64(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    push_u64(buf, v.unsigned_abs());
}

/// Writes `v` rounded to `decimals` (≤ 9) places, e.g. `0.953`; nothing if `v` is not finite.
fn push_fixed(buf: &mut Vec<u8>, v: f32, decimals: u32) {
    if !v.is_finite() {
        return;
    }
    let scale = 10_u64.pow(decimals);
    let scaled = (f64::from(v).abs() * scale as f64).round() as u64;
    if v < 0.0 && scaled != 0 {
        buf.push(b'-');
    }
    push_u64(buf, scaled / scale);
    buf.push(b'.');
    let frac = scaled % scale;
    let mut digit_scale = scale / 10;
    while digit_scale > 0 {
        buf.push(b'0' + (frac / digit_scale % 10) as u8);
        digit_scale /= 10;
    }
}

/// Engagement levels are multiples of 0.1: write them with one decimal, anything else with three.
fn push_level(buf: &mut Vec<u8>, v: f32) {
    let tenths = f64::from(v) * 10.0;
    let decimals = if (tenths - tenths.round()).abs() < 1e-4 {
        1
    } else {
        3
    };
    push_fixed(buf, v, decimals);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(v: f32, d: u32) -> String {
        let mut buf = Vec::new();
        push_fixed(&mut buf, v, d);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn fixed_point_formatting() {
        assert_eq!(fixed(0.9534, 3), "0.953");
        assert_eq!(fixed(0.9999, 3), "1.000");
        assert_eq!(fixed(0.0, 3), "0.000");
        assert_eq!(fixed(0.05, 3), "0.050");
        assert_eq!(fixed(-1.25, 1), "-1.3");
        assert_eq!(fixed(f32::NAN, 3), "");
        let mut buf = Vec::new();
        push_level(&mut buf, 0.9);
        buf.push(b' ');
        push_level(&mut buf, 0.25);
        buf.push(b' ');
        push_i64(&mut buf, -1_709_510_400_000);
        assert_eq!(String::from_utf8(buf).unwrap(), "0.9 0.250 -1709510400000");
    }
}
