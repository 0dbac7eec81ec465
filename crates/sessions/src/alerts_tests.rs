use super::*;
use crate::read_player_events;
use std::fmt::Write as _;

/// Minute 0 (from `BASE`): five views in Oslo starting after 1, 1, 1, 1 and 9 s; five in
/// Bergen starting after 1 s but one that fails. Minute 1: three views in Oslo that all
/// fail (too few to judge).
const BASE: i64 = 1_733_400_000_000;

fn sessions() -> Sessions {
    let mut csv = String::from("ts,session_id,viewer_id,event_id,event_type,city\n");
    let mut add = |id: &str, at: i64, city: &str, startup_s: Option<i64>| {
        let _ = writeln!(csv, "{at},{id},v{id},w,request,{city}");
        match startup_s {
            Some(s) => {
                let _ = writeln!(csv, "{},{id},v{id},w,start,{city}", at + s * 1000);
                let _ = writeln!(csv, "{},{id},v{id},w,end,{city}", at + 30_000);
            }
            None => {
                let _ = writeln!(csv, "{},{id},v{id},w,error,{city}", at + 2000);
            }
        }
    };
    for (i, s) in [1, 1, 1, 1, 9].into_iter().enumerate() {
        add(&format!("o{i}"), BASE + i as i64 * 1000, "Oslo", Some(s));
    }
    for i in 0..5 {
        let startup = (i != 4).then_some(1);
        add(
            &format!("b{i}"),
            BASE + 10_000 + i * 1000,
            "Bergen",
            startup,
        );
    }
    for i in 0..3 {
        add(&format!("late{i}"), BASE + 60_000 + i * 1000, "Oslo", None);
    }
    Sessions::new(read_player_events("test.csv", csv.as_bytes(), true).unwrap())
}

fn found(alerts: &[Alert]) -> Vec<(i64, &str, &str, &str, f64)> {
    alerts
        .iter()
        .map(|a| {
            let rounded = (a.observed * 1e9).round() / 1e9;
            (
                (a.minute_ms - BASE) / 60_000,
                a.dimension.as_str(),
                a.value.as_str(),
                a.kpi,
                rounded,
            )
        })
        .collect()
}

#[test]
fn minutes_over_a_threshold_are_listed_with_time_and_place() {
    let alerts = alerts(
        &sessions(),
        &ViewFilter::default(),
        Some("city"),
        &AlertThresholds::default(),
    )
    .unwrap();
    // All views: start-ups 1 ×8 and 9 → p95 at rank 7.6 = 1 + 0.6 · 8 = 5.8 s; 1 failure
    // in 10. Oslo: p95 at rank 3.8 = 1 + 0.8 · 8 = 7.4 s. Bergen: 1 failure in 5.
    assert_eq!(
        found(&alerts),
        [
            (0, "all", "all", "startup_p95_s", 5.8),
            (0, "all", "all", "failure_share", 0.1),
            (0, "city", "Bergen", "failure_share", 0.2),
            (0, "city", "Oslo", "startup_p95_s", 7.4),
        ]
    );
    assert!(alerts.iter().all(|a| a.views >= 5));
}

#[test]
fn thresholds_and_the_view_minimum_decide() {
    let s = sessions();
    let loose = AlertThresholds {
        startup_p95_s: Some(8.0),
        rebuffer_share: None,
        failure_share: Some(0.15),
        min_views: 3,
    };
    // Every start-up p95 stays under 8 s; minute 1's three failures now count (3 views),
    // and the newest minute comes first.
    let a = alerts(&s, &ViewFilter::default(), Some("city"), &loose).unwrap();
    assert_eq!(
        found(&a),
        [
            (1, "all", "all", "failure_share", 1.0),
            (1, "city", "Oslo", "failure_share", 1.0),
            (0, "city", "Bergen", "failure_share", 0.2),
        ]
    );
    let none = AlertThresholds {
        startup_p95_s: None,
        rebuffer_share: None,
        failure_share: None,
        min_views: 1,
    };
    assert!(
        alerts(&s, &ViewFilter::default(), None, &none)
            .unwrap()
            .is_empty()
    );
    assert!(alerts(&s, &ViewFilter::default(), Some("planet"), &loose).is_err());
}
