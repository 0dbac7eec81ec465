//! Network-stats captures (read, then cut into chunk features as `traffic classify` does)
//! and `traffic train` model files (checked, then asked for probabilities).

use streamlens_traffic::model::Classifier;
use streamlens_traffic::synth::{numbered_capture, write_csv};
use streamlens_traffic::{
    ModelParams, N_FEATURES, TrafficModel, WindowParams, extract, parse_capture, train,
};

use super::{ReadFn, text};
use crate::rng::Rng;
use crate::seeds::{head, shared_dir};

pub(super) fn capture(shared: bool) -> (Vec<Vec<u8>>, ReadFn) {
    let mut seeds: Vec<Vec<u8>> = (0..3)
        .filter_map(|i| {
            let mut csv = Vec::new();
            write_csv(&numbered_capture(5, i, 90), &mut csv).ok()?;
            Some(head(&csv, 200))
        })
        .collect();
    if shared {
        seeds.extend(
            shared_dir("live-vs-vod-vpn", &[".csv"])
                .iter()
                .map(|t| head(t, 120)),
        );
    }
    let read = |bytes: &[u8]| {
        let capture = text(parse_capture("fuzz-capture.csv", bytes))?;
        let window = WindowParams {
            window_secs: 30,
            hop_secs: Some(7),
        };
        text(extract(&capture, &window)).map(|_| ())
    };
    (seeds, Box::new(read))
}

/// Feature rows of two separable classes, for a small model.
fn rows() -> (Vec<[f64; N_FEATURES]>, Vec<bool>) {
    let mut rng = Rng::new(23);
    (0..80)
        .map(|i| {
            let live = i % 2 == 0;
            let mut row = [0.0; N_FEATURES];
            for x in &mut row {
                *x = (rng.next_u64() % 100) as f64 / 10.0 + if live { 5.0 } else { 0.0 };
            }
            (row, live)
        })
        .unzip()
}

pub(super) fn model() -> (Vec<Vec<u8>>, ReadFn) {
    let (x, live) = rows();
    let mut params = ModelParams::default();
    params.forest.trees = 3;
    params.forest.max_depth = Some(3);
    let seeds = train(&x, &live, WindowParams::default(), &params)
        .ok()
        .and_then(|m| serde_json::to_vec(&m).ok())
        .into_iter()
        .collect();
    let read = move |bytes: &[u8]| {
        let model: TrafficModel = text(serde_json::from_slice(bytes))?;
        text(model.check())?;
        for classifier in [Classifier::RandomForest, Classifier::LogisticRegression] {
            let _ = model.prob_live(&x[..4], classifier);
        }
        Ok(())
    };
    (seeds, Box::new(read))
}
