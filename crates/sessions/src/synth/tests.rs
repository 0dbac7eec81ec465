use super::*;
use crate::{ViewFilter, cdn_report, read_cdn_records, read_player_events, report};

fn small() -> SessionSynthParams {
    SessionSynthParams {
        viewers: 300,
        webcasts: 3,
        minutes: 30,
        ..SessionSynthParams::default()
    }
}

fn generated(params: &SessionSynthParams) -> (Vec<u8>, Vec<u8>, SynthSummary) {
    let (mut events, mut cdn) = (Vec::new(), Vec::new());
    let summary = generate_sessions(params, &mut events, Some(&mut cdn)).unwrap();
    (events, cdn, summary)
}

#[test]
fn the_same_parameters_write_the_same_bytes_and_another_seed_does_not() {
    let a = generated(&small());
    let b = generated(&small());
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    let other = generated(&SessionSynthParams { seed: 7, ..small() });
    assert_ne!(a.0, other.0);
}

#[test]
fn every_written_row_reads_back_and_the_summary_counts_them() {
    let (events, cdn, summary) = generated(&small());
    let log = read_player_events("synth.csv", events.as_slice(), true).unwrap();
    assert_eq!(log.report.rows_read, summary.rows);
    assert_eq!(log.sessions.labels.len() as u64, summary.sessions);
    assert_eq!(log.webcasts.labels, summary.webcasts);
    let names: Vec<&str> = log.dimensions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "country", "city", "device", "os", "browser", "player", "cdn", "isp"
        ]
    );
    let (records, read) = read_cdn_records("cdn.jsonl", &cdn, true).unwrap();
    assert_eq!(records.len() as u64, summary.cdn_records);
    assert_eq!(read.rows_kept, summary.cdn_records);
}

#[test]
fn rows_arrive_out_of_time_order_as_a_collector_receives_them() {
    let (events, _, _) = generated(&small());
    let text = String::from_utf8(events).unwrap();
    let ts: Vec<i64> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    let late = ts.windows(2).filter(|w| w[1] < w[0]).count();
    assert!(late > 0 && late < ts.len() / 2, "{late} of {}", ts.len());
}

#[test]
fn the_kpis_look_like_a_healthy_webcast_with_one_bad_office() {
    let (events, cdn, summary) = generated(&SessionSynthParams {
        viewers: 900,
        ..small()
    });
    let log = read_player_events("synth.csv", events.as_slice(), true).unwrap();
    let all = report(&log, &ViewFilter::default(), &["device".into()]).unwrap();
    let k = &all.overall;
    assert!(k.views > 900 && k.views < 1100, "{} views", k.views);
    assert!(k.unique_viewers < k.views);
    assert!(k.sessions_without_request > 0);
    let failures = k.failure_share.unwrap();
    assert!((0.01..0.08).contains(&failures), "failures {failures}");
    let p50 = k.startup_ms.p50.unwrap();
    assert!((900.0..2500.0).contains(&p50), "startup p50 {p50}");
    let mobile = &all.by["device"]["mobile"];
    let desktop = &all.by["device"]["desktop"];
    assert!(mobile.ebvs_share > desktop.ebvs_share);
    assert!(mobile.mean_bitrate_kbps < desktop.mean_bitrate_kbps);
    // The incident: the last webcast, German offices, on Edgecast.
    let last = ViewFilter {
        event: summary.webcasts.last().cloned(),
        ..ViewFilter::default()
    };
    let by = report(&log, &last, &["country".into(), "cdn".into()]).unwrap();
    let germany = by.by["country"]["Germany"].rebuffer_share.unwrap();
    let sweden = by.by["country"]["Sweden"].rebuffer_share.unwrap();
    assert!(germany > 3.0 * sweden, "Germany {germany}, Sweden {sweden}");
    let (records, read) = read_cdn_records("cdn.jsonl", &cdn, true).unwrap();
    let cdn = cdn_report(&records, read).unwrap();
    let (fra, arn) = (&cdn.by_pop["FRA"], &cdn.by_pop["ARN"]);
    assert!(fra.error_share > arn.error_share);
    assert!(fra.long_response_share > 1.5 * arn.long_response_share);
    assert!(fra.throughput_bps < arn.throughput_bps);
}
