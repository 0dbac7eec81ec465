//! End-to-end timings on generated data: generate N rows to CSV, load them into
//! a dataset, and recompute the Overview after filter changes.
//!
//! `cargo bench --bench pipeline -- --rows 20000000 [--shape export] [--dir /tmp/x] [--keep]`
//! (`--shape export`: data shaped like a real telemetry export, see `synth::Shape`).
//! Prints one line per measurement; results go to BENCHMARKS.md by hand.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

mod common;
use common::{arg, peak_rss_mb};

use streamlens_engine::Filter;
use streamlens_engine::analysis::overview::{Overview, overview};
use streamlens_engine::error::AnalysisError;
use streamlens_engine::io::{LoadOptions, load_paths};
use streamlens_engine::synth::{
    Shape, SynthParams, TELEMETRY_CSV_HEADER, generate, write_csv_batch_shaped,
};

/// Times each filter change is measured.
const REPEATS: usize = 9;

fn main() -> anyhow::Result<()> {
    let rows: usize = arg("--rows").map_or(Ok(1_000_000), |r| r.parse())?;
    let dir = arg("--dir").map_or_else(std::env::temp_dir, PathBuf::from);
    let keep = std::env::args().any(|a| a == "--keep");
    let (shape, suffix) = match arg("--shape").as_deref() {
        None | Some("generator") => (Shape::Generator, ""),
        Some("export") => (Shape::Export, "-export"),
        Some(other) => anyhow::bail!("--shape {other}: expected generator or export"),
    };
    let path = dir.join(format!("streamlens-bench-{rows}{suffix}.csv"));

    if !(keep && path.exists()) {
        let t = Instant::now();
        let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
        writeln!(out, "{TELEMETRY_CSV_HEADER}")?;
        let params = SynthParams {
            rows: Some(rows),
            events: None,
            shape,
            ..SynthParams::default()
        };
        generate(&params, |batch| {
            write_csv_batch_shaped(&mut out, &batch, shape)
        })?;
        out.flush()?;
        let size_mb = std::fs::metadata(&path)?.len() as f64 / 1e6;
        println!(
            "generate {rows} rows → {size_mb:.0} MB CSV: {:.2} s",
            t.elapsed().as_secs_f64()
        );
    }

    let t = Instant::now();
    let ds = load_paths(std::slice::from_ref(&path), &LoadOptions::default())?;
    println!(
        "load {} rows: {:.2} s, peak RSS {:.0} MB",
        ds.rows(),
        t.elapsed().as_secs_f64(),
        peak_rss_mb()
    );

    // The first Overview also numbers the (event, viewer) pairs and codes the values once
    // per dataset; it is what a user waits for after a load.
    let t = Instant::now();
    let first = overview(&ds, &Filter::default())?;
    println!(
        "first Overview after load (builds the dataset's numberings): {:.0} ms, peak RSS {:.0} MB",
        t.elapsed().as_secs_f64() * 1000.0,
        peak_rss_mb()
    );
    let customer = first
        .facets
        .iter()
        .find(|f| f.column == "customer_id")
        .and_then(|f| f.values.first())
        .map(|v| v.label.clone());
    let mut filters = vec![("no filter", Filter::default())];
    if let Some(c) = customer {
        let mut f = Filter::default();
        f.toggle("customer_id", &c);
        filters.push(("one customer", f.clone()));
        f.toggle("viewer_type", "WFH");
        filters.push(("customer + WFH", f));
    }
    let mut f = Filter::default();
    f.toggle("viewer_type", "WFO");
    filters.push(("WFO", f));
    // Time ranges: cells the range cuts through are read row by row.
    if let (Some(start), Some(end)) = (first.summary.start_ms, first.summary.end_ms) {
        let middle = start + (end - start) / 2;
        let hour = Filter {
            time_from_ms: Some(middle - 1_800_000),
            time_to_ms: Some(middle + 1_800_000),
            ..Filter::default()
        };
        filters.push(("the middle hour", hour));
        let half = Filter {
            time_from_ms: Some(start + (end - start) / 4),
            time_to_ms: Some(end - (end - start) / 4),
            ..Filter::default()
        };
        filters.push(("the middle half of the span", half));
    }
    // A range inside the largest event cuts through every cell of it (and of the events
    // running beside it): before cells were cut by time, that fell back to the row scan.
    if let Some(e) = first.events.iter().max_by_key(|e| e.rows) {
        let inside = Filter {
            time_from_ms: Some(e.start_ms + (e.end_ms - e.start_ms) / 4),
            time_to_ms: Some(e.end_ms - (e.end_ms - e.start_ms) / 4),
            ..Filter::default()
        };
        filters.push(("the middle half of the largest event", inside));
    }

    // Each filter change is timed REPEATS times: the median is the figure to quote (shared
    // machines are noisy), the minimum shows what the code can do undisturbed. First by the
    // row scan, then from the cells the window groups in the background after a load.
    let mut scanned = Vec::new();
    for (name, filter) in &filters {
        let (answer, ms) = timed(|| overview(&ds, filter))?;
        println!(
            "filter change ({name}, {} rows) → Overview by the row scan: {ms}",
            answer.summary.rows
        );
        scanned.push(answer);
    }
    let t = Instant::now();
    let cells = streamlens_engine::analysis::overview::prepare_filter_changes(&ds);
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let built = streamlens_engine::analysis::index::built_overview_cells(&ds)
        .filter(|_| cells)
        .map_or("not built: the row scan answers".to_string(), |c| {
            format!(
                "{} cells × {} qoe buckets, {:.0} MB kept",
                c.len(),
                c.buckets,
                c.bytes() as f64 / 1e6
            )
        });
    println!(
        "group rows into cells for filter changes ({built}): {ms:.0} ms, peak RSS {:.0} MB",
        peak_rss_mb()
    );
    for ((name, filter), by_scan) in filters.iter().zip(&scanned) {
        let (answer, ms) = timed(|| overview(&ds, filter))?;
        println!(
            "filter change ({name}) → Overview from cells: {ms}; same answer as the scan: {}",
            if same_answer(&answer, by_scan) {
                "yes"
            } else {
                "NO"
            }
        );
    }
    println!("peak RSS at end: {:.0} MB", peak_rss_mb());
    if !keep {
        std::fs::remove_file(&path)?;
    }
    Ok(())
}

/// `f` run REPEATS times: its last answer and "median M ms, min N ms of REPEATS".
fn timed<T>(mut f: impl FnMut() -> Result<T, AnalysisError>) -> anyhow::Result<(T, String)> {
    let mut ms = Vec::with_capacity(REPEATS);
    let mut answer = None;
    for _ in 0..REPEATS {
        let t = Instant::now();
        answer = Some(f()?);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    let text = format!(
        "median {:.1} ms, min {:.1} ms of {REPEATS}",
        ms[REPEATS / 2],
        ms[0]
    );
    Ok((answer.expect("REPEATS > 0"), text))
}

/// Counts, extremes, the median, facets and events equal; means within 1e-9 (relative):
/// the routes sum in different orders.
fn same_answer(a: &Overview, b: &Overview) -> bool {
    let close = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        (x, y) => x == y,
    };
    let (s, t) = (&a.summary, &b.summary);
    (
        s.rows,
        s.events,
        s.viewers,
        s.customers,
        s.countries,
        s.cities,
        s.start_ms,
        s.end_ms,
    ) == (
        t.rows,
        t.events,
        t.viewers,
        t.customers,
        t.countries,
        t.cities,
        t.start_ms,
        t.end_ms,
    ) && s.median_qoe == t.median_qoe
        && close(s.mean_qoe, t.mean_qoe)
        && close(s.bad_qoe_share, t.bad_qoe_share)
        && close(s.mean_engagement, t.mean_engagement)
        && close(s.total_buffer_ms, t.total_buffer_ms)
        && a.facets == b.facets
        && a.events.len() == b.events.len()
        && a.events.iter().zip(&b.events).all(|(x, y)| {
            (
                &x.event,
                &x.customer,
                x.start_ms,
                x.end_ms,
                x.viewers,
                x.rows,
            ) == (
                &y.event,
                &y.customer,
                y.start_ms,
                y.end_ms,
                y.viewers,
                y.rows,
            ) && close(Some(x.mean_qoe), Some(y.mean_qoe))
                && close(Some(x.mean_engagement), Some(y.mean_engagement))
        })
}
