//! `kpis --alert KPI=VALUE`: the minutes in which a KPI crossed a threshold, overall and
//! per value of the first `--by` dimension (the alerts of the window's live view).

use std::fmt::Write as _;

use streamlens_engine::time_fmt::format_iso;
use streamlens_sessions::{Alert, AlertThresholds};

/// The keys `--alert` takes.
const KEYS: &str = "startup_p95_s, rebuffer_share, failure_share, min_views";

/// One `--alert` flag: a known key and a non-negative number.
pub fn parse_alert(text: &str) -> Result<(String, f64), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: expected KPI=VALUE with KPI one of {KEYS}"))?;
    let key = key.trim();
    if !KEYS.split(", ").any(|k| k == key) {
        return Err(format!("`{key}`: not an alert KPI; use one of {KEYS}"));
    }
    let value: f64 = value
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| format!("`{text}`: the threshold must be a number ≥ 0"))?;
    Ok((key.to_string(), value))
}

/// The thresholds of the flags: only the KPIs named are watched; `min_views` defaults to 5.
#[must_use]
pub fn thresholds(flags: &[(String, f64)]) -> AlertThresholds {
    let get = |key: &str| flags.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v);
    AlertThresholds {
        startup_p95_s: get("startup_p95_s"),
        rebuffer_share: get("rebuffer_share"),
        failure_share: get("failure_share"),
        // Counts of views are whole; the flag is read as a number like the others.
        min_views: get("min_views").map_or(AlertThresholds::default().min_views, |v| v as u64),
    }
}

/// The alerts as text lines, newest first.
#[must_use]
pub fn render(alerts: &[Alert]) -> String {
    if alerts.is_empty() {
        return "alerts: none\n".into();
    }
    let mut out = format!("alerts ({}):\n", alerts.len());
    for a in alerts {
        let place = if a.dimension == "all" {
            "all views".to_string()
        } else {
            format!("{}={}", a.dimension, a.value)
        };
        let _ = writeln!(
            out,
            "  {}  {place}: {} {:.4} > {} ({} views)",
            format_iso(a.minute_ms),
            a.kpi,
            a.observed,
            a.threshold,
            a.views
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_name_a_kpi_and_a_number() {
        assert_eq!(
            parse_alert("failure_share=0.05").unwrap(),
            ("failure_share".into(), 0.05)
        );
        assert!(
            parse_alert("failures=1")
                .unwrap_err()
                .contains("startup_p95_s")
        );
        assert!(parse_alert("startup_p95_s=-1").is_err());
        assert!(parse_alert("startup_p95_s").is_err());
        let t = thresholds(&[("failure_share".into(), 0.1), ("min_views".into(), 2.0)]);
        assert_eq!(
            (t.startup_p95_s, t.failure_share, t.min_views),
            (None, Some(0.1), 2)
        );
    }
}
