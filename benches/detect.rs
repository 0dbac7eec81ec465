//! Detector timings (Criterion): FISVDD training and batch scoring, Isolation Forest training
//! and scoring, and what a frame does while the threshold is dragged.
//!
//! `cargo bench --bench detect`: trains on the six-feature table
//! `../shared/data/fisvdd-qoe/LIVE_NFLX_II_train.csv` (4,257 windows; another file through
//! `STREAMLENS_BENCH_CSV`; a seeded synthetic table of the same size when it is missing) and
//! scores 1 M windows (the training rows repeated). Scoring groups report throughput in
//! windows, so time per window = 1 / throughput.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use streamlens_detect::Detector;
use streamlens_detect::detectors::fisvdd::{Fisvdd, FisvddParams};
use streamlens_detect::detectors::iforest::{IForest, IForestParams};
use streamlens_detect::eval::sweep::{ThresholdSweep, decimate_curve};
use streamlens_detect::pipeline::preprocess::{FeatureSpec, PreprocessSpec, Preprocessor};
use streamlens_detect::table::{TableRequest, read_table};

const FEATURES: [&str; 6] = [
    "vmaf_mean",
    "vmaf_std",
    "vmaf_mad",
    "bitrate_mean",
    "stall_ratio",
    "tsl_end",
];

fn training_csv() -> PathBuf {
    std::env::var_os("STREAMLENS_BENCH_CSV").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/data/fisvdd-qoe/LIVE_NFLX_II_train.csv")
        },
        PathBuf::from,
    )
}

/// The training table's six features, standardised (as the pipeline feeds the detectors).
fn training_rows() -> Vec<f64> {
    let csv = training_csv();
    let request = TableRequest {
        features: FEATURES.iter().map(|s| (*s).to_string()).collect(),
        ..TableRequest::default()
    };
    let raw = if let Ok(t) = read_table(&csv, &request) {
        eprintln!("training table: {} ({} rows)", csv.display(), t.rows());
        t.features
    } else {
        eprintln!("{} not found: seeded synthetic rows", csv.display());
        let mut x = 1u64;
        (0..4257 * 6)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (x >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    };
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
    Preprocessor::fit(&spec, &raw)
        .expect("training rows are finite")
        .transform(&raw)
}

/// About a million windows to score: the training rows repeated.
fn million(rows: &[f64]) -> Vec<f64> {
    let reps = 1_000_000 / (rows.len() / 6) + 1;
    (0..reps).flat_map(|_| rows.iter().copied()).collect()
}

fn fisvdd(c: &mut Criterion) {
    let rows = training_rows();
    let model = Fisvdd::fit(&rows, 6, FisvddParams::default()).expect("fits");
    eprintln!(
        "FISVDD: {} windows, {} support vectors, σ {:.4}",
        rows.len() / 6,
        model.support_count(),
        model.sigma()
    );
    let mut g = c.benchmark_group("fisvdd_training");
    g.sample_size(50);
    g.bench_function("median_heuristic_sigma_and_fit", |b| {
        b.iter(|| Fisvdd::fit(black_box(&rows), 6, FisvddParams::default()));
    });
    let fixed = FisvddParams {
        sigma: Some(model.sigma()),
        ..FisvddParams::default()
    };
    g.bench_function("fit_with_sigma_given", |b| {
        b.iter(|| Fisvdd::fit(black_box(&rows), 6, fixed));
    });
    g.finish();

    let big = million(&rows);
    let mut g = c.benchmark_group("fisvdd_scoring");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements((big.len() / 6) as u64));
    g.bench_function("batch_one_core", |b| {
        b.iter(|| model.score_batch(black_box(&big)));
    });
    g.finish();
}

fn iforest(c: &mut Criterion) {
    let rows = training_rows();
    let params = IForestParams::default();
    let mut g = c.benchmark_group("iforest_training");
    g.sample_size(20);
    g.bench_function("fit_100_trees_psi_256", |b| {
        b.iter(|| IForest::fit(black_box(&rows), 6, &params));
    });
    g.finish();

    let forest = IForest::fit(&rows, 6, &params).expect("fits");
    let big = million(&rows);
    let mut g = c.benchmark_group("iforest_scoring");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements((big.len() / 6) as u64));
    g.bench_function("batch_one_core", |b| {
        b.iter(|| forest.score_batch_on_one_core(black_box(&big)));
    });
    g.bench_function("batch_all_cores", |b| {
        b.iter(|| forest.score_batch(black_box(&big)));
    });
    g.finish();
}

/// Dragging τ over a million labelled scores: the sweep and thinned curves are built once
/// (on the worker), then each frame looks up the operating point.
fn threshold_drag(c: &mut Criterion) {
    let rows = training_rows();
    let model = Fisvdd::fit(&rows, 6, FisvddParams::default()).expect("fits");
    let scores = model.score_batch(&million(&rows));
    // Every seventh window labelled bad, so precision and recall are defined.
    let positive: Vec<bool> = (0..scores.len()).map(|i| i % 7 == 0).collect();
    let mut g = c.benchmark_group("threshold_drag");
    g.sample_size(10);
    g.bench_function("sweep_and_curves_once", |b| {
        b.iter(|| {
            let sweep = ThresholdSweep::new(black_box(&scores), Some(&positive));
            let roc = sweep.roc().map(|c| decimate_curve(&c, 1e-3));
            let pr = sweep.precision_recall().map(|c| decimate_curve(&c, 1e-3));
            (sweep.len(), roc, pr)
        });
    });
    let sweep = ThresholdSweep::new(&scores, Some(&positive));
    let (lo, hi) = sweep.range().expect("scores exist");
    g.sample_size(100);
    g.bench_function("per_frame_operating_point", |b| {
        let mut k = 0u32;
        b.iter(|| {
            k = (k + 1) % 10_000;
            let tau = lo + (hi - lo) * f64::from(k) / 10_000.0;
            (sweep.at(black_box(tau)), sweep.roc_point(tau))
        });
    });
    g.finish();
}

criterion_group!(benches, fisvdd, iforest, threshold_drag);
criterion_main!(benches);
