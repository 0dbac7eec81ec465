//! CDN quality of service from Edgecast real-time log records (JSON Lines, one HTTP request
//! per record; the fields of `../shared/data/video-streaming-analytics/cdn_ec.json`): per
//! minute and POP, per POP, and overall.

use std::collections::BTreeMap;

use serde::Serialize;
use streamlens_engine::stats::quantile_sorted;

use crate::log::{Located, ReadError, ReadReport};

/// A response slower than this (seconds of `write_time`) is a long response.
pub const LONG_RESPONSE_S: f64 = 0.2;

/// One CDN request, as the statistics need it.
#[derive(Debug, Clone, PartialEq)]
pub struct CdnRequest {
    /// Unix ms (the record's `timestamp` is unix seconds, fractional).
    pub ts_ms: i64,
    pub pop: String,
    pub status: u16,
    /// Seconds spent writing the response.
    pub write_time_s: f64,
    pub cache_hit: bool,
    pub bytes_out: u64,
}

/// Quality of service of a set of requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CdnStats {
    pub requests: u64,
    /// Share with status ≥ 400.
    pub error_share: f64,
    /// Share with status > 299 (what the original pipeline reported as errors).
    pub non_2xx_share: f64,
    /// Share with `write_time` > 0.2 s.
    pub long_response_share: f64,
    /// Share whose `cache_status` contains `HIT`.
    pub cache_hit_share: f64,
    /// Σ `bytes_out` × 8 / Σ `write_time`, bits per second (`None` without write time).
    pub throughput_bps: Option<f64>,
    /// numpy-linear 95th percentile of `write_time`, seconds.
    pub p95_write_time_s: Option<f64>,
}

/// Per (minute, POP), per POP and overall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CdnReport {
    #[serde(flatten)]
    pub overall: CdnStats,
    pub by_pop: BTreeMap<String, CdnStats>,
    /// Per minute (unix ms of its start) → POP → stats.
    pub minutes: BTreeMap<i64, BTreeMap<String, CdnStats>>,
    pub report: ReadReport,
}

/// [`cdn_report`] of the requests logged in `[from_ms, to_ms]` (e.g. the span of the views
/// a filter keeps); `None` without any.
#[must_use]
pub fn cdn_report_between(
    requests: &[CdnRequest],
    report: ReadReport,
    from_ms: i64,
    to_ms: i64,
) -> Option<CdnReport> {
    let within: Vec<CdnRequest> = requests
        .iter()
        .filter(|r| (from_ms..=to_ms).contains(&r.ts_ms))
        .cloned()
        .collect();
    cdn_report(&within, report)
}

/// The quality of service of `requests`; `None` without requests.
#[must_use]
pub fn cdn_stats(requests: &[&CdnRequest]) -> Option<CdnStats> {
    let n = requests.len();
    if n == 0 {
        return None;
    }
    let share = |f: &dyn Fn(&CdnRequest) -> bool| {
        requests.iter().filter(|r| f(r)).count() as f64 / n as f64
    };
    let write: f64 = requests.iter().map(|r| r.write_time_s).sum();
    let bytes: f64 = requests.iter().map(|r| r.bytes_out as f64).sum();
    let mut times: Vec<f64> = requests.iter().map(|r| r.write_time_s).collect();
    times.sort_by(f64::total_cmp);
    Some(CdnStats {
        requests: n as u64,
        error_share: share(&|r| r.status >= 400),
        non_2xx_share: share(&|r| r.status > 299),
        long_response_share: share(&|r| r.write_time_s > LONG_RESPONSE_S),
        cache_hit_share: share(&|r| r.cache_hit),
        throughput_bps: (write > 0.0).then(|| bytes * 8.0 / write),
        p95_write_time_s: quantile_sorted(&times, 0.95),
    })
}

/// Most bytes of Edgecast text read from one file (unzipped): 4 GiB.
pub const MAX_CDN_TEXT_BYTES: u64 = 4 << 30;

/// Reads the Edgecast records of the file at `path` as [`read_cdn_records`] does, never
/// without end: a folder, a device such as `/dev/zero` (binary) or more than
/// [`MAX_CDN_TEXT_BYTES`] are errors saying so.
pub fn read_cdn_file(
    path: &std::path::Path,
    strict: bool,
) -> Result<(Vec<CdnRequest>, ReadReport), ReadError> {
    use std::io::Read as _;
    let file = path.display().to_string();
    let unreadable = |message: String| ReadError::Unreadable {
        file: file.clone(),
        message,
    };
    if path.is_dir() {
        return Err(unreadable("is a folder, not a file".into()));
    }
    let mut source = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let mut bytes = Vec::new();
    let head = (&mut source)
        .take(64 << 10)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if !bytes.starts_with(&[0x1f, 0x8b])
        && let Some(why) = streamlens_engine::encoding::binary_reason(&bytes[..head])
    {
        return Err(unreadable(why.to_string()));
    }
    source
        .take(MAX_CDN_TEXT_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_CDN_TEXT_BYTES {
        return Err(unreadable(format!(
            "larger than {} MiB",
            MAX_CDN_TEXT_BYTES >> 20
        )));
    }
    read_cdn_records(&file, &bytes, strict)
}

/// Reads Edgecast records from JSON Lines text (plain or gzip). Records without a valid `timestamp`,
/// `status_code`, `write_time` (≥ 0) or `bytes_out` (≥ 0) are dropped and counted (strict:
/// the first is an error); a missing `pop` reads `(missing)`.
pub fn read_cdn_records(
    file: &str,
    bytes: &[u8],
    strict: bool,
) -> Result<(Vec<CdnRequest>, ReadReport), ReadError> {
    let unreadable = |message: String| ReadError::Unreadable {
        file: file.to_string(),
        message,
    };
    let mut unzipped = Vec::new();
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let decoder = flate2::read::MultiGzDecoder::new(bytes);
        std::io::Read::read_to_end(
            &mut std::io::Read::take(decoder, MAX_CDN_TEXT_BYTES + 1),
            &mut unzipped,
        )
        .map_err(|e| unreadable(e.to_string()))?;
        if unzipped.len() as u64 > MAX_CDN_TEXT_BYTES {
            return Err(unreadable(format!(
                "more than {} MiB of text once unzipped",
                MAX_CDN_TEXT_BYTES >> 20
            )));
        }
        unzipped
    } else {
        bytes.to_vec()
    };
    let head = &bytes[..bytes.len().min(64 << 10)];
    if let Some(why) = streamlens_engine::encoding::binary_reason(head) {
        return Err(unreadable(why.to_string()));
    }
    let bytes = streamlens_engine::encoding::to_utf8(bytes).map_err(unreadable)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut requests = Vec::new();
    let mut report = ReadReport::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        report.rows_read += 1;
        match record(file, i as u64 + 1, line) {
            Ok(r) => {
                requests.push(r);
                report.rows_kept += 1;
            }
            Err((reason, at)) => {
                if strict {
                    return Err(ReadError::BadRow(Box::new(at)));
                }
                *report.dropped.entry(reason.to_string()).or_default() += 1;
                report.first_drop.get_or_insert(at);
            }
        }
    }
    if requests.is_empty() {
        return Err(ReadError::NoValidRows {
            file: file.to_string(),
            first: report.first_drop.clone().map(Box::new),
        });
    }
    Ok((requests, report))
}

/// The quality of service of `requests` overall, per POP and per (minute, POP); `report` is
/// carried along.
#[must_use]
pub fn cdn_report(requests: &[CdnRequest], report: ReadReport) -> Option<CdnReport> {
    let all: Vec<&CdnRequest> = requests.iter().collect();
    let overall = cdn_stats(&all)?;
    let mut pops: BTreeMap<String, Vec<&CdnRequest>> = BTreeMap::new();
    let mut minutes: BTreeMap<i64, BTreeMap<String, Vec<&CdnRequest>>> = BTreeMap::new();
    for r in requests {
        pops.entry(r.pop.clone()).or_default().push(r);
        minutes
            .entry(r.ts_ms.div_euclid(60_000) * 60_000)
            .or_default()
            .entry(r.pop.clone())
            .or_default()
            .push(r);
    }
    let stats = |groups: BTreeMap<String, Vec<&CdnRequest>>| {
        groups
            .into_iter()
            .filter_map(|(pop, rs)| Some((pop, cdn_stats(&rs)?)))
            .collect()
    };
    Some(CdnReport {
        overall,
        by_pop: stats(pops),
        minutes: minutes.into_iter().map(|(m, g)| (m, stats(g))).collect(),
        report,
    })
}

/// One record, or the reason it is dropped and where.
fn record(file: &str, row: u64, line: &str) -> Result<CdnRequest, (&'static str, Located)> {
    let bad = |column: &str, found: String, expected: &str| Located {
        file: file.to_string(),
        row,
        column: column.to_string(),
        found,
        expected: expected.to_string(),
    };
    let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(line) else {
        let found: String = line.chars().take(40).collect();
        return Err(("malformed_record", bad("(record)", found, "a JSON object")));
    };
    let found = |key: &str| o.get(key).map_or_else(String::new, ToString::to_string);
    let number = |key: &str| o.get(key).and_then(serde_json::Value::as_f64);
    let ts = number("timestamp")
        .filter(|t| t.is_finite() && *t >= 0.0 && *t < 7.2e9)
        .ok_or_else(|| {
            let expected = "unix seconds between 1970 and 2200";
            (
                "bad_timestamp",
                bad("timestamp", found("timestamp"), expected),
            )
        })?;
    let status = number("status_code")
        .filter(|s| s.fract() == 0.0 && (100.0..=599.0).contains(s))
        .ok_or_else(|| {
            let expected = "an HTTP status code (100–599)";
            (
                "bad_status",
                bad("status_code", found("status_code"), expected),
            )
        })?;
    let write_time_s = number("write_time")
        .filter(|w| w.is_finite() && *w >= 0.0)
        .ok_or_else(|| {
            let expected = "seconds ≥ 0";
            (
                "bad_write_time",
                bad("write_time", found("write_time"), expected),
            )
        })?;
    let bytes_out = o
        .get("bytes_out")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| {
            let expected = "a byte count ≥ 0";
            (
                "bad_bytes_out",
                bad("bytes_out", found("bytes_out"), expected),
            )
        })?;
    let text = |key: &str| o.get(key).and_then(serde_json::Value::as_str).unwrap_or("");
    let pop = match text("pop").trim() {
        "" => "(missing)".to_string(),
        p => p.to_string(),
    };
    Ok(CdnRequest {
        ts_ms: (ts * 1000.0).round() as i64,
        pop,
        status: status as u16,
        write_time_s,
        cache_hit: text("cache_status").to_ascii_uppercase().contains("HIT"),
        bytes_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORDS: &str = r#"{"timestamp": 1700000000.5, "pop": "ARN", "status_code": 200, "write_time": 0.1, "bytes_out": 1000, "cache_status": "TCP_HIT"}
{"timestamp": 1700000010, "pop": "ARN", "status_code": 404, "write_time": 0.3, "bytes_out": 200, "cache_status": "TCP_MISS"}
{"timestamp": 1700000070, "pop": "OSL", "status_code": 304, "write_time": 0.0, "bytes_out": 0, "cache_status": "TCP_MEM_HIT"}
{"timestamp": 1700000071, "status_code": 503, "write_time": 0.6, "bytes_out": 0}
"#;

    #[test]
    fn qos_by_hand() {
        let (requests, report) = read_cdn_records("c.jsonl", RECORDS.as_bytes(), true).unwrap();
        assert_eq!(report.rows_kept, 4);
        let r = cdn_report(&requests, report).unwrap();
        let o = &r.overall;
        assert_eq!(o.requests, 4);
        // ≥ 400: 404 and 503; > 299: also 304; > 0.2 s: 0.3 and 0.6; HIT: two.
        assert_eq!((o.error_share, o.non_2xx_share), (0.5, 0.75));
        assert_eq!((o.long_response_share, o.cache_hit_share), (0.5, 0.5));
        // 1200 bytes · 8 over 1.0 s of writing.
        assert!((o.throughput_bps.unwrap() - 9_600.0).abs() < 1e-9);
        // Sorted 0, 0.1, 0.3, 0.6: position 2.85 → 0.3 + 0.85 · 0.3.
        assert!((o.p95_write_time_s.unwrap() - 0.555).abs() < 1e-12);
        assert_eq!(
            r.by_pop.keys().collect::<Vec<_>>(),
            ["(missing)", "ARN", "OSL"]
        );
        assert_eq!(r.by_pop["ARN"].requests, 2);
        // Minutes 22:13 (ARN ×2) and 22:14 (OSL, missing).
        let minutes: Vec<(i64, usize)> = r.minutes.iter().map(|(m, p)| (*m, p.len())).collect();
        assert_eq!(minutes, [(1_699_999_980_000, 1), (1_700_000_040_000, 2)]);
        assert_eq!(r.by_pop["OSL"].throughput_bps, None);
    }

    #[test]
    fn bad_records_are_located() {
        let text = format!(
            "{RECORDS}{{\"timestamp\": 1700000100, \"status_code\": 200, \"write_time\": -1, \"bytes_out\": 5}}\nnot json\n"
        );
        let (_, report) = read_cdn_records("c.jsonl", text.as_bytes(), false).unwrap();
        assert_eq!((report.rows_read, report.rows_kept), (6, 4));
        let first = report.first_drop.unwrap();
        assert_eq!(
            (first.row, first.column.as_str(), first.found.as_str()),
            (5, "write_time", "-1")
        );
        let strict = read_cdn_records("c.jsonl", text.as_bytes(), true).unwrap_err();
        assert!(
            strict
                .to_string()
                .starts_with("c.jsonl, row 5, column `write_time`: expected seconds ≥ 0"),
            "{strict}"
        );
        assert!(matches!(
            read_cdn_records("c.jsonl", b"x\n", false),
            Err(ReadError::NoValidRows { .. })
        ));
    }
}
