//! Feature-extraction throughput of the live-vs-VOD classifier: parse a capture, build its
//! 1 s / 200 ms series and compute every 60 s chunk's features, on one core.
//!
//! `cargo bench --bench traffic [-- --dir DIR]`: uses `../shared/data/live-vs-vod-vpn/` when
//! present, else 8 synthetic 300 s captures. Prints MB/s of CSV text; results go to
//! BENCHMARKS.md by hand.

use std::time::{Duration, Instant};

mod common;

use streamlens_traffic::synth::{synth_captures, write_csv};
use streamlens_traffic::{
    CaptureSeries, WindowParams, capture_chunks, list_captures, parse_capture,
};

/// Keep measuring each stage for at least this long.
const MIN_TIME: Duration = Duration::from_secs(2);

/// (name, CSV text) of each capture.
type Files = Vec<(String, Vec<u8>)>;

fn inputs() -> anyhow::Result<(String, Files)> {
    let dir = common::path_arg("--dir", "../shared/data/live-vs-vod-vpn");
    if dir.is_dir() {
        let files = list_captures(&dir)?
            .into_iter()
            .map(|p| Ok((p.display().to_string(), std::fs::read(&p)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        return Ok((dir.display().to_string(), files));
    }
    let files = synth_captures(42, 8, 300)
        .into_iter()
        .map(|c| {
            let mut text = Vec::new();
            write_csv(&c, &mut text)?;
            Ok((c.name, text))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(("8 synthetic captures (seed 42, 300 s)".into(), files))
}

/// Runs `f` over all files repeatedly for at least [`MIN_TIME`]; returns MB/s.
fn throughput(files: &[(String, Vec<u8>)], mut f: impl FnMut(&str, &[u8]) -> usize) -> f64 {
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let start = Instant::now();
    let mut rounds = 0_u32;
    let mut sink = 0;
    while start.elapsed() < MIN_TIME {
        for (name, text) in files {
            sink += f(name, text);
        }
        rounds += 1;
    }
    std::hint::black_box(sink);
    bytes as f64 * f64::from(rounds) / start.elapsed().as_secs_f64() / 1e6
}

fn main() -> anyhow::Result<()> {
    let (source, files) = inputs()?;
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let window = WindowParams::default();
    for (name, text) in &files {
        parse_capture(name, text)?;
    }
    println!(
        "{source}: {} files, {:.1} MB of CSV",
        files.len(),
        bytes as f64 / 1e6
    );
    let parse = throughput(&files, |name, text| {
        parse_capture(name, text).map_or(0, |c| c.packets.len())
    });
    println!("parse only:                       {parse:.0} MB/s");
    let full = throughput(&files, |name, text| {
        parse_capture(name, text).map_or(0, |c| {
            capture_chunks(&CaptureSeries::new(&c), &window).len()
        })
    });
    println!("parse + series + 60 s features:   {full:.0} MB/s");
    Ok(())
}
