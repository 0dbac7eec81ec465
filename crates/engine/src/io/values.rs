//! Parsing single values the way telemetry files write them: numbers, ids,
//! unix timestamps in s or ms, and ISO-8601 text.

/// Unix seconds below this magnitude; anything larger is taken as milliseconds.
/// 1e11 s is the year 5138, 1e11 ms is 1973, so real data never sits between.
pub const SECONDS_MS_BOUNDARY: f64 = 1e11;

/// Whether a numeric timestamp `v`, as written, is in the file's unit. A file's unit is
/// decided once (the median magnitude); then, per cell, a magnitude below
/// [`SECONDS_MS_BOUNDARY`] in a file in milliseconds is unix seconds written among
/// milliseconds (read as ms it would be a moment of 1970–1973), and one at or above it in a
/// file in seconds is milliseconds among seconds. Such a row is dropped, not misread.
#[must_use]
pub fn fits_time_unit(v: f64, in_seconds: bool) -> bool {
    (v.abs() < SECONDS_MS_BOUNDARY) == in_seconds
}

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
/// or a bare date. Without a zone the time is taken as UTC. The calendar and the offset are
/// checked by `chrono`: a day the month does not have (`2023-02-29`), an hour above 23, a
/// minute above 59 or an offset beyond ±23:59 (`+25:00`, `+05:60`) is no instant (`None`),
/// never rolled over into the next day. A leap second (`:60`) is the last millisecond of its
/// minute's second 59 plus the fraction, as `chrono` keeps it.
#[must_use]
pub fn parse_iso8601_ms(text: &str) -> Option<i64> {
    use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeZone as _};
    let t = text.trim();
    // Byte offsets below assume one byte per character.
    if !t.is_ascii() {
        return None;
    }
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &str| {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(num(t.get(0..4)?)?).ok()?,
        num(t.get(5..7)?)?,
        num(t.get(8..10)?)?,
    )?;
    let mut rest = &t[10..];
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
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
                let padded = format!("{:0<3}", &r[..digits.min(3)]);
                millis = padded.parse().ok()?;
                rest = &r[digits..];
            }
        }
    }
    // chrono writes a leap second as second 59 with 1,000 ms or more.
    let time = if second == 60 {
        NaiveTime::from_hms_milli_opt(hour, minute, 59, 1_000 + millis)?
    } else {
        NaiveTime::from_hms_milli_opt(hour, minute, second, millis)?
    };
    let offset_s: i32 = match rest {
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
            let (h, m) = (num(&z[0..2])?, num(&z[2..4])?);
            if m > 59 {
                return None;
            }
            sign * i32::try_from(h * 3_600 + m * 60).ok()?
        }
    };
    let zone = FixedOffset::east_opt(offset_s)?;
    let instant = zone.from_local_datetime(&date.and_time(time)).single()?;
    Some(instant.timestamp_millis())
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
        // Days the month does not have, hours, minutes and offsets out of range: no instant.
        for impossible in [
            "2024-02-31",
            "2023-02-29T10:00:00Z",
            "2024-04-31 00:00",
            "2024-03-04T24:00:00Z",
            "2024-03-04T10:60:00Z",
            "2024-03-04T10:00:61Z",
            "2024-03-04T10:00:00+25:00",
            "2024-03-04T10:00:00+99:99",
            "2024-03-04T10:00:00+05:60",
            "2024-03-04T10:00:00-24:00",
            "2024-3-04T10:00:00Z",
            "+024-03-04",
        ] {
            assert_eq!(parse_iso8601_ms(impossible), None, "{impossible}");
        }
        // A leap day that exists, the widest real offsets and a leap second.
        assert_eq!(
            parse_iso8601_ms("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000)
        );
        assert_eq!(
            parse_iso8601_ms("2024-03-04T23:59:00+14:00"),
            Some(1_709_510_400_000 + 9 * 3_600_000 + 59 * 60_000)
        );
        assert_eq!(
            parse_iso8601_ms("2016-12-31T23:59:60Z"),
            Some(1_483_228_800_000)
        );
        assert_eq!(parse_iso8601_ms("2024-03-04T10:00+1é2"), None);
        assert_eq!(parse_iso8601_ms("2024-03-04T10:é0"), None);
    }
}
