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
use streamlens_engine::analysis::overview::overview;
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
    // Each filter change is timed REPEATS times: the median is the figure to quote (shared
    // machines are noisy), the minimum shows what the code can do undisturbed.
    for (name, filter) in &filters {
        let mut ms = Vec::with_capacity(REPEATS);
        let mut rows = 0;
        for _ in 0..REPEATS {
            let t = Instant::now();
            rows = overview(&ds, filter)?.summary.rows;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "filter change ({name}, {rows} rows) → Overview (summary + facet counts + events): \
             median {:.0} ms, min {:.0} ms of {REPEATS}",
            ms[REPEATS / 2],
            ms[0]
        );
    }
    println!("peak RSS at end: {:.0} MB", peak_rss_mb());
    if !keep {
        std::fs::remove_file(&path)?;
    }
    Ok(())
}
