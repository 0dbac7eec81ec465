//! Timings of the player-session KPIs: read a player-event file, sessionise it, answer the
//! Sessions view's default question (all KPIs, a breakdown, the per-minute series), then
//! filter changes (one event, one country, one device + one CDN) as the window asks them.
//!
//! `cargo bench --bench sessions -- --events /tmp/sessions-10m.csv`
//! (make the file with `streamlens generate sessions --viewers 80000 --webcasts 8 --out
//! /tmp/sessions-10m.csv`, ≈ 10 M events; default: the embedded sample).
//! Prints one line per measurement; results go to BENCHMARKS.md by hand.

use std::time::Instant;

mod common;
use common::{path_arg, peak_rss_mb};

use streamlens_sessions::{Query, Sessions, ViewFilter, answer, read_player_file};

fn main() -> anyhow::Result<()> {
    let path = path_arg("--events", "sample_data/sessions.csv.gz");
    let t = Instant::now();
    let log = read_player_file(&path, false)?;
    let events = log.events.len();
    println!(
        "read {events} events: {:.2} s, peak RSS {:.0} MB",
        t.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    let t = Instant::now();
    let sessions = Sessions::new(log);
    println!(
        "sessionise ({} views): {:.2} s, peak RSS {:.0} MB",
        sessions.views.len(),
        t.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    let event = sessions.latest_event();
    let with = |values: &[(&str, &str)]| ViewFilter {
        values: values
            .iter()
            .map(|(d, v)| ((*d).to_string(), [(*v).to_string()].into()))
            .collect(),
        ..ViewFilter::default()
    };
    let questions = [
        ("all views, by city", ViewFilter::default()),
        (
            "the latest event",
            ViewFilter {
                event: event.clone(),
                ..ViewFilter::default()
            },
        ),
        ("one country", with(&[("country", "Germany")])),
        (
            "one device + one CDN",
            with(&[("device", "mobile"), ("cdn", "Akamai")]),
        ),
    ];
    for (what, filter) in questions {
        let query = Query {
            filter,
            by: vec!["city".into()],
            compare: None,
        };
        let t = Instant::now();
        let a = answer(&sessions, &query).map_err(anyhow::Error::msg)?;
        println!(
            "answer, {what} ({} views): {:.0} ms",
            a.kpis.views,
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    println!("peak RSS {:.0} MB", peak_rss_mb());
    Ok(())
}
