//! Two sets of views side by side (two periods, two events or two files): each KPI in
//! both, its difference (second − first) and a test where one applies.

use std::collections::BTreeMap;

use serde::Serialize;
use streamlens_engine::stats::{mann_whitney, normal_sf};

use crate::kpis::{Kpis, kpis};
use crate::view::View;

/// One KPI in both sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compared {
    pub first: Option<f64>,
    pub second: Option<f64>,
    /// second − first.
    pub difference: Option<f64>,
    /// `two_proportion_z` for shares, `mann_whitney` for per-view quantities.
    pub test: Option<&'static str>,
    pub p_value: Option<f64>,
}

/// Both sets' KPIs and, per KPI key, the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub first: Kpis,
    pub second: Kpis,
    pub kpis: BTreeMap<&'static str, Compared>,
}

/// Two-sided p-value of the pooled two-proportion z test of `x1/n1` against `x2/n2`
/// (`None` when a set is empty or the pooled share is 0 or 1).
#[must_use]
pub fn two_proportion_p(x1: usize, n1: usize, x2: usize, n2: usize) -> Option<f64> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (n1, n2) = (n1 as f64, n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    (se > 0.0).then(|| {
        let z = (x1 as f64 / n1 - x2 as f64 / n2) / se;
        (2.0 * normal_sf(z.abs())).min(1.0)
    })
}

/// Whether a view counts towards a share.
type IsCounted = fn(&View) -> bool;
/// A per-view quantity, where the view has one.
type PerView = fn(&View) -> Option<f64>;

/// Compares `first` and `second` (views, and their sessions without a request).
#[must_use]
pub fn compare(first: (&[View], u64), second: (&[View], u64)) -> Comparison {
    let (a, b) = (kpis(first.0, first.1), kpis(second.0, second.1));
    let mut out = BTreeMap::new();
    let plain = |x: Option<f64>, y: Option<f64>| Compared {
        first: x,
        second: y,
        difference: x.zip(y).map(|(x, y)| y - x),
        test: None,
        p_value: None,
    };
    let count = |views: &[View], f: fn(&View) -> bool| views.iter().filter(|v| f(v)).count();
    let shares: [(&'static str, Option<f64>, Option<f64>, IsCounted); 3] = [
        ("failure_share", a.failure_share, b.failure_share, |v| {
            v.failed
        }),
        ("vsf_share", a.vsf_share, b.vsf_share, |v| v.vsf),
        ("ebvs_share", a.ebvs_share, b.ebvs_share, |v| v.ebvs),
    ];
    for (key, x, y, f) in shares {
        let p = two_proportion_p(
            count(first.0, f),
            first.0.len(),
            count(second.0, f),
            second.0.len(),
        );
        out.insert(
            key,
            Compared {
                test: p.map(|_| "two_proportion_z"),
                p_value: p,
                ..plain(x, y)
            },
        );
    }
    let per_view =
        |views: &[View], f: PerView| -> Vec<f64> { views.iter().filter_map(f).collect() };
    let samples: [(&'static str, Option<f64>, Option<f64>, PerView); 2] = [
        ("startup_ms", a.startup_ms.mean, b.startup_ms.mean, |v| {
            v.startup_ms().map(|ms| ms as f64)
        }),
        (
            "session_duration_s",
            a.session_duration_s,
            b.session_duration_s,
            |v| Some(v.watch_ms as f64 / 1000.0),
        ),
    ];
    for (key, x, y, f) in samples {
        let test = mann_whitney(&per_view(first.0, f), &per_view(second.0, f));
        out.insert(
            key,
            Compared {
                test: test.map(|_| "mann_whitney"),
                p_value: test.map(|t| t.p_value),
                ..plain(x, y)
            },
        );
    }
    let counts = |k: &Kpis| [k.views, k.unique_viewers, k.peak_concurrent_views];
    for (key, (x, y)) in ["views", "unique_viewers", "peak_concurrent_views"]
        .into_iter()
        .zip(counts(&a).into_iter().zip(counts(&b)))
    {
        out.insert(key, plain(Some(x as f64), Some(y as f64)));
    }
    for (key, x, y) in [
        ("watch_time_s", Some(a.watch_time_s), Some(b.watch_time_s)),
        ("rebuffer_share", a.rebuffer_share, b.rebuffer_share),
        ("stalls_per_hour", a.stalls_per_hour, b.stalls_per_hour),
        (
            "mean_bitrate_kbps",
            a.mean_bitrate_kbps,
            b.mean_bitrate_kbps,
        ),
        (
            "playback_success_score",
            a.playback_success_score,
            b.playback_success_score,
        ),
        ("startup_score", a.startup_score, b.startup_score),
        ("smoothness_score", a.smoothness_score, b.smoothness_score),
        ("experience_score", a.experience_score, b.experience_score),
    ] {
        out.insert(key, plain(x, y));
    }
    Comparison {
        first: a,
        second: b,
        kpis: out,
    }
}
