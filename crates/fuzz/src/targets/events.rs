//! Saved event models (`detect-events --save-model`): loaded, then used to score a small
//! generated telemetry set the way `detect-events --model` does.

use std::sync::Arc;

use streamlens_detect::{ModelKind, ModelSpec};
use streamlens_engine::io::{LoadOptions, LoadProgress, Source, load};
use streamlens_engine::progress::Progress;
use streamlens_engine::synth::{SynthParams, TELEMETRY_CSV_HEADER, generate, write_csv_batch};
use streamlens_engine::{Dataset, Filter};
use streamlens_events::saved::EventModel;
use streamlens_events::{EventDetectParams, EventRun, run_events};

use super::{ReadFn, TempInput, text};

/// A few generated events, small enough to score in a few milliseconds.
fn telemetry() -> Option<Dataset> {
    let params = SynthParams {
        seed: 17,
        events: Some(3),
        anomaly_rate: 0.5,
        ..SynthParams::default()
    };
    let mut csv = format!("{TELEMETRY_CSV_HEADER}\n").into_bytes();
    generate(&params, |batch| write_csv_batch(&mut csv, &batch)).ok()?;
    let source = Source::Bytes {
        name: "events.csv".into(),
        bytes: Arc::from(csv),
    };
    load(&[source], &LoadOptions::default(), &LoadProgress::default()).ok()
}

fn run(
    dataset: &Dataset,
    params: &EventDetectParams,
    saved: Option<&EventModel>,
) -> Result<EventModel, String> {
    let run = EventRun {
        params,
        saved,
        maps: false,
        normal_events: None,
        training: None,
        labels: None,
    };
    text(run_events(
        dataset,
        &Filter::default(),
        &run,
        &Progress::new(),
    ))
    .map(|out| out.model)
}

pub(super) fn event_model() -> (Vec<Vec<u8>>, ReadFn) {
    let Some(dataset) = telemetry() else {
        let read = |_: &[u8]| Err("harness: the generated telemetry did not load".to_string());
        return (Vec::new(), Box::new(read));
    };
    let mut seeds = Vec::new();
    for kind in [
        ModelKind::Iforest,
        ModelKind::Mahalanobis,
        ModelKind::Fisvdd,
    ] {
        let mut params = EventDetectParams::default();
        params.score.model = ModelSpec::default_for(kind, 3);
        if let Ok(model) = run(&dataset, &params, None) {
            seeds.extend(model.to_json().ok().map(String::into_bytes));
        }
    }
    let input = TempInput::new("event-model.json");
    let read = move |bytes: &[u8]| {
        let model = text(EventModel::load(input.write(bytes)?))?;
        run(&dataset, &EventDetectParams::default(), Some(&model)).map(|_| ())
    };
    (seeds, Box::new(read))
}
