//! Formatting of unix-millisecond instants and durations for people (UTC).

/// `2024-03-04 10:05 UTC` style text for a unix-ms instant.
#[must_use]
pub fn format_utc_minute(ms: i64) -> String {
    let (y, mo, d, h, mi, _) = civil_from_ms(ms);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
}

/// `2024-03-04T10:05:07Z` for a unix-ms instant.
#[must_use]
pub fn format_iso(ms: i64) -> String {
    let (y, mo, d, h, mi, s) = civil_from_ms(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `1 h 05 min` / `12 min 30 s` / `45 s`.
#[must_use]
pub fn format_duration_s(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as i64;
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    if h > 0 {
        format!("{h} h {m:02} min")
    } else if m > 0 {
        format!("{m} min {s:02} s")
    } else {
        format!("{s} s")
    }
}

/// Year, month, day, hour, minute, second of a unix-ms instant (proleptic Gregorian, UTC).
#[must_use]
pub fn civil_from_ms(ms: i64) -> (i64, u32, u32, u32, u32, u32) {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

/// Unix ms of a UTC civil date-time (inverse of [`civil_from_ms`] at second precision).
#[must_use]
pub fn ms_from_civil(y: i64, m: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s)) * 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        // 2024-03-04T00:00:00Z = 1709510400 s (checked with `date -d @1709510400 -u`).
        assert_eq!(format_iso(1_709_510_400_000), "2024-03-04T00:00:00Z");
        assert_eq!(ms_from_civil(2024, 3, 4, 0, 0, 0), 1_709_510_400_000);
        assert_eq!(format_iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_utc_minute(951_782_400_000 + 3_661_000),
            "2000-02-29 01:01"
        );
    }

    #[test]
    fn round_trips() {
        for ms in [0_i64, 86_399_000, 1_700_000_123_000, 4_102_444_800_000] {
            let (y, mo, d, h, mi, s) = civil_from_ms(ms);
            assert_eq!(ms_from_civil(y, mo, d, h, mi, s), ms);
        }
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration_s(45.0), "45 s");
        assert_eq!(format_duration_s(750.0), "12 min 30 s");
        assert_eq!(format_duration_s(3900.0), "1 h 05 min");
    }
}
