//! Known-answer tests of the seven analyses on the six-row frame in
//! `testutil::SMALL`, computed by hand from the definitions (see the comments),
//! plus property tests of the pieces that are easy to get subtly wrong.
// Sums of whole seconds are exact in f64; comparing them exactly is intended.
#![allow(clippy::float_cmp, clippy::needless_range_loop)]

use proptest::prelude::*;

use crate::Filter;
use crate::analysis::differences::DifferenceParams;
use crate::analysis::over_time::{OverTimeParams, TimeAxis};
use crate::analysis::rows::GroupBy;
use crate::analysis::suite::{AnalysisKind, AnalysisParams, run};
use crate::stats;
use crate::testutil::{SMALL, dataset};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn all(params: &AnalysisParams) -> crate::analysis::suite::Analyses {
    run(
        &dataset(SMALL),
        &Filter::default(),
        params,
        &AnalysisKind::ALL,
    )
    .expect("analyses run")
}

#[test]
fn event_table_by_hand() {
    let a = all(&AnalysisParams::default());
    let events = a.events.expect("events");
    assert_eq!(events.len(), 2);
    let e = &events[0];
    // Event 10: 1.7e12 + 1 s … + 61 s, viewers 100 and 101 in country 3.
    assert_eq!(e.event_id, "10");
    assert_eq!(e.customer_id.as_deref(), Some("1"));
    assert_eq!(
        (e.start_ms, e.end_ms),
        (1_700_000_001_000, 1_700_000_061_000)
    );
    assert!(close(e.duration_s, 60.0));
    assert_eq!((e.viewers, e.countries, e.samples), (2, Some(1), 4));
    assert!(close(e.mean_qoe, 0.775));
    assert!(close(e.mean_engagement, 0.6));
    assert!(close(e.mean_buffer_ms.unwrap(), 625.0));
    // 2023-11-14 was a Tuesday.
    assert_eq!(e.weekday, 1);
    // Viewer 100 stays 30 of 60 s, viewer 101 all 60 s.
    assert!(close(e.mean_retention, 0.75));
    let e = &events[1];
    assert_eq!(e.event_id, "20");
    assert!(close(e.duration_s, 30.0));
    assert!(close(e.mean_retention, 1.0));
}

#[test]
fn level_durations_by_hand() {
    let a = all(&AnalysisParams::default());
    let durations = a.durations.expect("durations");
    let by_type = durations
        .iter()
        .find(|d| d.dimension == GroupBy::ViewerType)
        .unwrap();
    let wfo = by_type.groups.iter().find(|g| g.group == "WFO").unwrap();
    // WFO: viewer 100 at 0.9 for 30 s then 0.1 (last, 0 s); viewer 200 at 1.0 for 30 s then 0.0.
    assert_eq!(wfo.seconds[9], 30.0);
    assert_eq!(wfo.seconds[10], 30.0);
    assert_eq!(wfo.seconds[1], 0.0);
    assert!(close(wfo.share[9], 0.5));
    assert_eq!(wfo.mean_run_s[9], Some(30.0));
    assert_eq!(wfo.mean_run_s[1], Some(0.0));
    assert_eq!(wfo.mean_run_s[5], None);
    let wfh = by_type.groups.iter().find(|g| g.group == "WFH").unwrap();
    // WFH: viewer 101 at 0.9 for 60 s (the gap is within the 120 s cap).
    assert_eq!(wfh.seconds[9], 60.0);
}

#[test]
fn durations_cap_long_gaps_and_break_runs() {
    // One viewer: 0.5 at 0 s, 0.5 at 10 s, 0.5 at 300 s (gap 290 s capped to 120), last at 310 s.
    let text = "timestamp,event_id,viewer_id,viewer_type,qoe,engagement
1700000000000,1,1,WFH,1,0.5
1700000010000,1,1,WFH,1,0.5
1700000300000,1,1,WFH,1,0.5
1700000310000,1,1,WFH,1,0.5
";
    let a = run(
        &dataset(text),
        &Filter::default(),
        &AnalysisParams::default(),
        &[AnalysisKind::Durations],
    )
    .unwrap();
    let g = &a.durations.unwrap()[0].groups[0];
    assert_eq!(g.seconds[5], 10.0 + 120.0 + 10.0);
    // Two runs: 0–10 s + capped 120 s (broken by the long gap), then 300–310 s.
    assert_eq!(g.mean_run_s[5], Some(70.0));
}

#[test]
fn viewer_types_by_hand() {
    let a = all(&AnalysisParams::default());
    let vt = a.viewer_types.flatten().expect("viewer types");
    let qoe = &vt[0];
    assert_eq!(qoe.compared, Some(("WFH".into(), "WFO".into())));
    let wfh = &qoe.groups["WFH"];
    assert_eq!(wfh.n, 2);
    assert!(close(wfh.mean, 0.8) && close(wfh.median, 0.8));
    assert!(close(wfh.std.unwrap(), 0.02_f64.sqrt()));
    let wfo = &qoe.groups["WFO"];
    assert!(close(wfo.mean, 0.725) && close(wfo.median, 0.7));
    assert!(close(wfo.std.unwrap(), (0.1475_f64 / 3.0).sqrt()));
    // WFH {0.7, 0.9} vs WFO {0.5, 0.6, 0.8, 1.0}: D = 0.5 at 0.6; ranks 3 + 5 → U = 8 − 3 = 5.
    assert!(close(qoe.ks_statistic.unwrap(), 0.5));
    assert!(close(qoe.mw_u.unwrap(), 5.0));
    // z = (5 − 4 − ½)/√(8/12·7), p = 2·sf(z).
    let z = 0.5 / (8.0_f64 / 12.0 * 7.0).sqrt();
    assert!(close(qoe.mw_p_value.unwrap(), 2.0 * stats::normal_sf(z)));
}

#[test]
fn over_time_by_hand() {
    let params = AnalysisParams {
        over_time: OverTimeParams {
            group: Some(GroupBy::ViewerType),
            top_k: 5,
            axis: TimeAxis::EventMinutes(1),
        },
        ..AnalysisParams::default()
    };
    let a = all(&params);
    let qoe = &a.over_time.unwrap()[0];
    // WFO has 4 rows, WFH 2: WFO first.
    assert_eq!(qoe.groups, vec!["WFO", "WFH"]);
    let wfo0 = &qoe.rows[0];
    assert_eq!(
        (wfo0.group.as_str(), wfo0.minute, wfo0.n),
        ("WFO", Some(0), 4)
    );
    // {0.5, 0.6, 0.8, 1.0}: p10 at position 0.3, p90 at 2.7.
    assert!(close(wfo0.mean, 0.725));
    assert!(close(wfo0.p10, 0.53) && close(wfo0.p50, 0.7) && close(wfo0.p90, 0.94));
    let wfh: Vec<_> = qoe.rows.iter().filter(|r| r.group == "WFH").collect();
    // Viewer 101's second sample is 60 s after event 10's first: minute 1.
    assert_eq!(
        wfh.iter().map(|r| (r.minute, r.n)).collect::<Vec<_>>(),
        vec![(Some(0), 1), (Some(1), 1)]
    );
    assert!(close(wfh[1].p50, 0.7));
}

#[test]
fn drivers_by_hand() {
    let a = all(&AnalysisParams::default());
    let d = a.drivers.unwrap().values;
    // Two events: (2 viewers, 60 s, 0.6) and (1 viewer, 30 s, 0.5) lie on a line.
    assert!(close(d.viewers.unwrap(), 1.0));
    assert!(close(d.duration.unwrap(), 1.0));
    // Both events start on a Tuesday: one group, η undefined.
    assert_eq!(d.weekday, None);
    // Viewer means: country 3 {0.5, 0.7}, country 4 {0.5}: between SS 1/150, total 1/37.5.
    assert!((d.country.unwrap() - 0.5).abs() < 1e-9);
    // Retention (0.5, 1, 1) vs engagement (0.5, 0.7, 0.5): r = 0.5.
    assert!((d.retention.unwrap() - 0.5).abs() < 1e-9);
}

#[test]
fn correlation_matches_definitions() {
    let a = all(&AnalysisParams::default());
    let c = a.correlation.unwrap();
    assert_eq!(c.columns, vec!["qoe", "engagement", "buffer_ms"]);
    let qoe = [1.0, 0.5, 0.9, 0.7, 0.8, 0.6];
    let buffer = [0.0, 2000.0, 0.0, 500.0, 0.0, 1000.0];
    assert!(close(
        c.pearson[0][2].unwrap(),
        stats::pearson(&qoe, &buffer).unwrap()
    ));
    assert!(close(
        c.spearman[2][0].unwrap(),
        stats::spearman(&qoe, &buffer).unwrap()
    ));
    for i in 0..3 {
        assert_eq!(c.pearson[i][i], Some(1.0));
        for j in 0..3 {
            assert_eq!(c.pearson[i][j], c.pearson[j][i]);
        }
    }
}

#[test]
fn differences_by_hand() {
    let params = AnalysisParams {
        differences: DifferenceParams {
            min_samples: 1,
            ..DifferenceParams::default()
        },
        ..AnalysisParams::default()
    };
    let a = all(&params);
    let d = a.differences.unwrap();
    // Customer 1 has one country (no rest): no country test. Cities 5 {1.0, 0.5} vs 6 {0.9, 0.7}.
    assert!(d.countries.is_empty());
    let city5 = d
        .cities
        .iter()
        .find(|r| r.city_id.as_deref() == Some("5"))
        .unwrap();
    assert!(close(city5.ks_statistic, 0.5));
    // n_eff = round(2·2/4) = 1: P(D₁ > 0.5) = 1.
    assert!(close(city5.p_value, 1.0));
    assert!(!city5.differs);
}

#[test]
fn analysis_json_has_the_issue_keys() {
    let doc = all(&AnalysisParams::default()).to_json().unwrap();
    for key in [
        "rows",
        "correlation",
        "viewer_type",
        "events",
        "engagement_vs",
        "level_duration_s",
        "country_differences",
        "city_differences",
        "over_time",
    ] {
        assert!(doc.get(key).is_some(), "missing {key}");
    }
    assert_eq!(doc["rows"], 6);
    assert_eq!(doc["level_duration_s"]["by_viewer_type"]["WFO|0.9"], 30.0);
    assert_eq!(doc["events"]["10"]["viewers"], 2);
    assert_eq!(doc["viewer_type"]["qoe"]["groups"]["WFH"]["n"], 2);
    assert!(doc["over_time"]["engagement"][0]["p50"].is_number());
}

proptest! {
    /// The differences analysis's KS of a group vs the rest equals the plain
    /// two-sample statistic of the two value sets.
    #[test]
    fn group_vs_rest_ks_matches_definition(
        rows in prop::collection::vec((0u8..12, 0u32..3), 2..300),
    ) {
        let text: String = std::iter::once("timestamp,event_id,viewer_id,customer_id,city_id,qoe,engagement\n".to_string())
            .chain(rows.iter().enumerate().map(|(i, (q, city))| {
                format!("{},1,{},1,{},{},0.5\n", 1_700_000_000_000_i64 + i as i64 * 1000, i, city, f64::from(*q) / 11.0)
            }))
            .collect();
        let params = AnalysisParams {
            differences: DifferenceParams { min_samples: 1, ..DifferenceParams::default() },
            ..AnalysisParams::default()
        };
        let a = run(&dataset(&text), &Filter::default(), &params, &[AnalysisKind::Differences]).unwrap();
        for row in &a.differences.unwrap().cities {
            let city: u32 = row.group().parse().unwrap();
            let (inside, rest): (Vec<_>, Vec<_>) = rows.iter().partition(|(_, c)| *c == city);
            let values = |v: &[&(u8, u32)]| v.iter().map(|(q, _)| f64::from(*q) / 11.0).collect::<Vec<_>>();
            let expected = stats::ks_statistic(&values(&inside), &values(&rest)).unwrap();
            prop_assert!((row.ks_statistic - expected).abs() < 1e-12, "{} vs {}", row.ks_statistic, expected);
            prop_assert!(row.q_value >= row.p_value - 1e-15);
        }
    }

    #[test]
    fn correlation_matrix_is_symmetric_and_bounded(
        values in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0, 0.0f64..5000.0), 3..200),
    ) {
        let text: String = std::iter::once("timestamp,event_id,viewer_id,qoe,engagement,buffer_ms\n".to_string())
            .chain(values.iter().enumerate().map(|(i, (q, e, b))| {
                format!("{},1,{},{q},{e},{b}\n", 1_700_000_000_000_i64 + i as i64 * 1000, i)
            }))
            .collect();
        let a = run(&dataset(&text), &Filter::default(), &AnalysisParams::default(), &[AnalysisKind::Correlations]).unwrap();
        let c = a.correlation.unwrap();
        for m in [&c.pearson, &c.spearman] {
            for i in 0..3 {
                for j in 0..3 {
                    prop_assert_eq!(m[i][j], m[j][i]);
                    if let Some(r) = m[i][j] { prop_assert!(r.abs() <= 1.0); }
                }
            }
        }
    }
}

#[test]
fn calendar_hours_bin_by_utc_hour() {
    let params = AnalysisParams {
        over_time: OverTimeParams {
            group: None,
            top_k: 5,
            axis: TimeAxis::Hour,
        },
        ..AnalysisParams::default()
    };
    let a = run(
        &dataset(SMALL),
        &Filter::default(),
        &params,
        &[AnalysisKind::OverTime],
    )
    .unwrap();
    let qoe = &a.over_time.unwrap()[0];
    // All six samples fall in 22:00–23:00 UTC on 2023-11-14 (hour 472,222 since 1970).
    assert_eq!(qoe.rows.len(), 1);
    let r = &qoe.rows[0];
    assert_eq!(
        (r.group.as_str(), r.bin_start_ms, r.minute, r.n),
        ("all", Some(472_222 * 3_600_000), None, 6)
    );
    assert!(close(r.mean, 4.5 / 6.0));
}
