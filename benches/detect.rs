//! Detector timings: FISVDD training and batch scoring, Isolation Forest scoring.
//!
//! `cargo bench --bench detect -- [--csv LIVE_NFLX_II_train.csv]`: trains on the six-feature
//! table (default: `../shared/data/fisvdd-qoe/LIVE_NFLX_II_train.csv`, 4,257 windows; a seeded
//! synthetic table of the same size when it is missing) and scores 1 M windows.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

mod common;

use streamlens::engine::detect::Detector;
use streamlens::engine::detect::fisvdd::{Fisvdd, FisvddParams};
use streamlens::engine::detect::iforest::{IForest, IForestParams};
use streamlens::engine::detect::preprocess::{FeatureSpec, PreprocessSpec, Preprocessor};
use streamlens::engine::detect::sweep::{ThresholdSweep, decimate_curve};
use streamlens::engine::detect::table::{TableRequest, read_table};

const FEATURES: [&str; 6] = [
    "vmaf_mean",
    "vmaf_std",
    "vmaf_mad",
    "bitrate_mean",
    "stall_ratio",
    "tsl_end",
];

fn training_rows(csv: &Path) -> Vec<f64> {
    let request = TableRequest {
        features: FEATURES.iter().map(|s| (*s).to_string()).collect(),
        ..TableRequest::default()
    };
    if let Ok(t) = read_table(csv, &request) {
        println!("training table: {} ({} rows)", csv.display(), t.rows());
        return t.features;
    }
    println!("{} not found: seeded synthetic rows", csv.display());
    let mut x = 1u64;
    (0..4257 * 6)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (x >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

fn main() {
    let csv = common::path_arg("--csv", "../shared/data/fisvdd-qoe/LIVE_NFLX_II_train.csv");
    let raw = training_rows(&csv);
    let spec = PreprocessSpec {
        features: FEATURES
            .iter()
            .map(|n| FeatureSpec {
                name: (*n).to_string(),
                ..FeatureSpec::default()
            })
            .collect(),
        clip_quantile: None,
    };
    let pre = Preprocessor::fit(&spec, &raw).expect("training rows are finite");
    let rows = pre.transform(&raw);
    let n_train = rows.len() / 6;

    let runs = 20;
    let t = Instant::now();
    let mut model = None;
    for _ in 0..runs {
        model = Some(Fisvdd::fit(black_box(&rows), 6, FisvddParams::default()).expect("fits"));
    }
    let train_ms = t.elapsed().as_secs_f64() * 1e3 / f64::from(runs);
    let model = model.expect("runs > 0");
    println!(
        "FISVDD training on {n_train} windows (σ median heuristic, {} SVs): {train_ms:.2} ms",
        model.support_count()
    );
    let fixed = FisvddParams {
        sigma: Some(model.sigma()),
        ..FisvddParams::default()
    };
    let t = Instant::now();
    for _ in 0..runs {
        black_box(Fisvdd::fit(black_box(&rows), 6, fixed).expect("fits"));
    }
    println!(
        "FISVDD training with σ given (incremental updates only): {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3 / f64::from(runs)
    );

    // 1 M windows to score: the training rows repeated.
    let reps = 1_000_000 / n_train + 1;
    let big: Vec<f64> = (0..reps).flat_map(|_| rows.iter().copied()).collect();
    let n_big = big.len() / 6;
    let t = Instant::now();
    let s = model.score_batch(black_box(&big));
    let secs = t.elapsed().as_secs_f64();
    black_box(s);
    println!(
        "FISVDD batch scoring ({} SVs × 6 features): {:.3} µs/window ({n_big} windows, 1 core)",
        model.support_count(),
        secs * 1e6 / n_big as f64
    );

    let t = Instant::now();
    let forest = IForest::fit(&rows, 6, &IForestParams::default()).expect("fits");
    println!(
        "Isolation Forest training ({} trees, ψ 256): {:.1} ms",
        IForestParams::default().trees,
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let s = forest.score_batch_on_one_core(black_box(&big));
    let one_core = t.elapsed().as_secs_f64();
    black_box(s);
    let t = Instant::now();
    let s = forest.score_batch(black_box(&big));
    let all_cores = t.elapsed().as_secs_f64();
    black_box(s);
    println!(
        "Isolation Forest scoring ({} trees): {:.3} µs/window on 1 core, {:.3} µs/window on all {} cores ({n_big} windows)",
        IForestParams::default().trees,
        one_core * 1e6 / n_big as f64,
        all_cores * 1e6 / n_big as f64,
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
    );

    threshold_drag(&model.score_batch(&big));
}

/// What a frame does while τ is dragged over a million labelled scores: the sweep is built
/// once (on the worker), then each frame looks up the operating point.
fn threshold_drag(scores: &[f64]) {
    // Label every seventh window bad, so precision and recall are defined.
    let positive: Vec<bool> = (0..scores.len()).map(|i| i % 7 == 0).collect();
    let t = Instant::now();
    let sweep = ThresholdSweep::new(scores, Some(&positive));
    let roc = sweep.roc().map(|c| decimate_curve(&c, 1e-3));
    let pr = sweep.precision_recall().map(|c| decimate_curve(&c, 1e-3));
    let build_ms = t.elapsed().as_secs_f64() * 1e3;
    let (lo, hi) = sweep.range().expect("scores exist");
    let frames = 10_000;
    let t = Instant::now();
    for k in 0..frames {
        let tau = lo + (hi - lo) * f64::from(k) / f64::from(frames);
        black_box(sweep.at(black_box(tau)));
        black_box(sweep.roc_point(tau));
    }
    let frame_us = t.elapsed().as_secs_f64() * 1e6 / f64::from(frames);
    println!(
        "threshold drag over {} scores: sweep + curves built once in {build_ms:.0} ms \
         (ROC {} / PR {} points drawn); per frame {frame_us:.2} µs",
        sweep.len(),
        roc.map_or(0, |c| c.len()),
        pr.map_or(0, |c| c.len()),
    );
}
