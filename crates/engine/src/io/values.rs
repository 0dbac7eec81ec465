//! Parsing single values the way telemetry files write them: numbers, ids,
//! unix timestamps in s or ms, and ISO-8601 text.

use crate::time_fmt::ms_from_civil;

/// Unix seconds below this magnitude; anything larger is taken as milliseconds.
/// 1e11 s is the year 5138, 1e11 ms is 1973, so real data never sits between.
pub const SECONDS_MS_BOUNDARY: f64 = 1e11;

/// A whole-number id in `0..=u32::MAX`, from `5`, `5.0` or ` 5 `.
#[must_use]
pub fn id_from_f64(v: f64) -> Option<u32> {
    (v.is_finite() && v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v))
        .then_some(v as u32)
}

/// Text as a number, accepting surrounding spaces.
#[must_use]
pub fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

/// Normalise an id label: `5.0` → `5`, surrounding spaces removed.
#[must_use]
pub fn normalise_label(text: &str) -> String {
    let t = text.trim();
    match parse_number(t).and_then(id_from_f64) {
        Some(id) => id.to_string(),
        None => t.to_string(),
    }
}

/// ISO-8601 date-time to unix ms: `YYYY-MM-DD[T| ]HH:MM[:SS[.fff]][Z|±HH[:]MM]`
/// or a bare date. Without a zone the time is taken as UTC.
#[must_use]
pub fn parse_iso8601_ms(text: &str) -> Option<i64> {
    let t = text.trim();
    // Byte offsets below assume one byte per character.
    if !t.is_ascii() {
        return None;
    }
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &str| s.parse::<u32>().ok();
    let year: i64 = t.get(0..4)?.parse().ok()?;
    let month = num(t.get(5..7)?)?;
    let day = num(t.get(8..10)?)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut rest = &t[10..];
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0i64);
    if let Some(r) = rest.strip_prefix(['T', ' ']) {
        hour = num(r.get(0..2)?)?;
        if r.as_bytes().get(2) != Some(&b':') {
            return None;
        }
        minute = num(r.get(3..5)?)?;
        rest = &r[5..];
        if let Some(r) = rest.strip_prefix(':') {
            second = num(r.get(0..2)?)?;
            rest = &r[2..];
            if let Some(r) = rest.strip_prefix(['.', ',']) {
                let digits = r.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                let frac = &r[..digits];
                let padded = format!("{:0<3}", &frac[..digits.min(3)]);
                millis = padded.parse().ok()?;
                rest = &r[digits..];
            }
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let offset_min: i64 = match rest {
        "" | "Z" | "z" => 0,
        zone => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let z = zone[1..].replace(':', "");
            if z.len() != 4 {
                return None;
            }
            let h: i64 = z[0..2].parse().ok()?;
            let m: i64 = z[2..4].parse().ok()?;
            sign * (h * 60 + m)
        }
    };
    Some(ms_from_civil(year, month, day, hour, minute, second) + millis - offset_min * 60_000)
}

/// Timestamps outside 1970-01-01 .. 2200-01-01 (unix ms) are rejected as out of range.
pub const MAX_PLAUSIBLE_MS: i64 = 7_258_118_400_000;

/// A timestamp cell as text: a number (unit decided by the caller) or ISO-8601.
pub enum TimestampText {
    Number(f64),
    Millis(i64),
}

#[must_use]
pub fn parse_timestamp_text(text: &str) -> Option<TimestampText> {
    if let Some(v) = parse_number(text) {
        return Some(TimestampText::Number(v));
    }
    parse_iso8601_ms(text).map(TimestampText::Millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(id_from_f64(5.0), Some(5));
        assert_eq!(id_from_f64(5.5), None);
        assert_eq!(id_from_f64(-1.0), None);
        assert_eq!(normalise_label(" 5.0 "), "5");
        assert_eq!(normalise_label("Acme"), "Acme");
    }

    #[test]
    fn iso_timestamps() {
        // 2024-03-04T10:00:00Z = 1709546400 s (date -u -d 2024-03-04T10:00:00Z +%s).
        assert_eq!(
            parse_iso8601_ms("2024-03-04T10:00:00Z"),
            Some(1_709_546_400_000)
        );
        assert_eq!(
            parse_iso8601_ms("2024-03-04 10:00:00"),
            Some(1_709_546_400_000)
        );
        assert_eq!(
            parse_iso8601_ms("2024-03-04T10:00:00.250Z"),
            Some(1_709_546_400_250)
        );
        assert_eq!(
            parse_iso8601_ms("2024-03-04T12:00:00+02:00"),
            Some(1_709_546_400_000)
        );
        assert_eq!(
            parse_iso8601_ms("2024-03-04T10:00"),
            Some(1_709_546_400_000)
        );
        assert_eq!(parse_iso8601_ms("2024-03-04"), Some(1_709_510_400_000));
        assert_eq!(parse_iso8601_ms("yesterday"), None);
        assert_eq!(parse_iso8601_ms("2024-13-04T10:00:00Z"), None);
        assert_eq!(parse_iso8601_ms("2024-03-04T10:00+1é2"), None);
        assert_eq!(parse_iso8601_ms("2024-03-04T10:é0"), None);
    }
}
