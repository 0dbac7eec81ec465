//! Timings of the seven analyses on a loaded CSV: each analysis alone (what a tab
//! update after a filter change costs) and all seven together, for a few filters.
//!
//! `cargo bench --bench analyses -- --csv /tmp/streamlens-bench-20000000.csv`
//! (make the file with `cargo bench --bench pipeline -- --rows 20000000 --dir /tmp --keep`).
//! `--runs N` times each analysis N times (default 3); `--only "Over time"` times that tab
//! alone (no all-seven or presorted runs), for comparing two builds on one tab.
//! Prints one line per measurement; results go to BENCHMARKS.md by hand.

use std::time::Instant;

mod common;
use common::{arg, path_arg, peak_rss_mb};

use streamlens_engine::Filter;
use streamlens_engine::analysis::coded::presorted::PresortedWords;
use streamlens_engine::analysis::index::{code_all_values, presorted_qoe_words, session_links};
use streamlens_engine::analysis::suite::{AnalysisKind, AnalysisParams, run};
use streamlens_engine::io::{LoadOptions, load_paths};

fn main() -> anyhow::Result<()> {
    let csv = path_arg("--csv", "sample_data/telemetry.csv");
    let t = Instant::now();
    let ds = load_paths(std::slice::from_ref(&csv), &LoadOptions::default())?;
    println!(
        "load {} rows: {:.2} s, peak RSS {:.0} MB",
        ds.rows(),
        t.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    // Built once per dataset, on the first analysis that needs them.
    let t = Instant::now();
    let coded = code_all_values(&ds);
    println!(
        "value codes ({coded} columns): {:.2} s, peak RSS {:.0} MB",
        t.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    let t = Instant::now();
    session_links(&ds)?;
    println!(
        "session links: {:.2} s, peak RSS {:.0} MB",
        t.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    let customer = ds
        .dictionary("customer_id")
        .and_then(|d| d.codes_by_label().first().map(|&c| d.label(c)));
    let mut filters = vec![("no filter", Filter::default())];
    if let Some(c) = customer {
        let mut f = Filter::default();
        f.toggle("customer_id", &c);
        filters.push(("one customer", f));
    }
    let mut f = Filter::default();
    f.toggle("viewer_type", "WFO");
    filters.push(("WFO", f));
    let params = AnalysisParams::default();
    let runs: usize = arg("--runs")
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
        .max(1);
    let only = arg("--only");
    let kinds: Vec<AnalysisKind> = AnalysisKind::ALL
        .into_iter()
        .filter(|k| only.as_deref().is_none_or(|o| o == k.title()))
        .collect();
    for (name, filter) in &filters {
        for &kind in &kinds {
            // Several runs: single runs on a shared VM vary by ±15 %.
            let mut ms = Vec::new();
            let mut rows = 0;
            for _ in 0..runs {
                let t = Instant::now();
                rows = run(&ds, filter, &params, &[kind])?.rows;
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            ms.sort_by(f64::total_cmp);
            println!(
                "{name} ({rows} rows): {} median {:.0} ms (min {:.0})",
                kind.title(),
                ms[ms.len() / 2],
                ms[0]
            );
        }
        if only.is_some() {
            continue;
        }
        let t = Instant::now();
        run(&ds, filter, &params, &AnalysisKind::ALL)?;
        println!(
            "{name}: all seven {:.2} s, peak RSS {:.0} MB",
            t.elapsed().as_secs_f64(),
            peak_rss_mb()
        );
    }
    if only.is_some() {
        return Ok(());
    }
    // What the window builds in the background after a load (the CLI does not): each
    // customer's qoe codes sorted once, then Differences picks passing rows per change.
    let t = Instant::now();
    let bytes = presorted_qoe_words(&ds).map_or(0, PresortedWords::bytes);
    println!(
        "presorted qoe words ({:.0} MB): {:.2} s, peak RSS {:.0} MB",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    for (name, filter) in &filters {
        let t = Instant::now();
        let a = run(&ds, filter, &params, &[AnalysisKind::Differences])?;
        println!(
            "{name} ({} rows): Differences from presorted words {:.0} ms",
            a.rows,
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(())
}
