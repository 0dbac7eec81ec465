//! Feature (window) tables as `streamlens detect` reads them, saved table models (scored on a
//! small table of their own columns), and event labels (also put through the event metrics,
//! which compare their spans).

use streamlens_detect::pipeline::PipelineSpec;
use streamlens_detect::pipeline::preprocess::{FeatureSpec, PreprocessSpec};
use streamlens_detect::table::model::TableModel;
use streamlens_detect::table::{TableRequest, WindowTable, inspect::inspect_table, read_table};
use streamlens_detect::{ModelKind, ModelSpec};
use streamlens_events::labels::{ScoredEvent, event_metrics, normal_event_ids, read_labels};

use super::{ReadFn, TempInput, text};
use crate::rng::Rng;
use crate::seeds::{head, repo, shared_dir};

/// The table as the CLI and the Anomalies tab read it: inspected, then read with the
/// default feature, label and group columns, then with memory features of its first feature.
fn read_feature_table(path: &std::path::Path) -> Result<(), String> {
    let summary = text(inspect_table(path))?;
    let label = summary.default_label().map(|l| l.column);
    let features = summary.default_features(label.as_deref());
    let request = TableRequest {
        features,
        label_column: label,
        group_column: summary.default_group(),
        ..TableRequest::default()
    };
    let table = text(read_table(path, &request))?;
    if let (Some(first), Some(group)) = (table.feature_names.first(), &request.group_column) {
        let memory = TableRequest {
            features: ["mean", "ewm3", "max", "group_sum"]
                .iter()
                .map(|k| format!("{first}@{k}"))
                .collect(),
            group_column: Some(group.clone()),
            order_column: Some(first.clone()),
            ..TableRequest::default()
        };
        text(read_table(path, &memory))?;
    }
    Ok(())
}

pub(super) fn feature_table(shared: bool) -> (Vec<Vec<u8>>, ReadFn) {
    let mut seeds = vec![
        b"file,a,b,q\n\"x,1\",1,2,0.5\r\ny,3,4,-1\nx,5,6,0.25\n".to_vec(),
        b"group,t,vmaf_mean,stall_ratio,QoE_win\nv1,0,50.5,0,0.2\nv1,1,40,0.1,-0.3\nv2,0,60,0,0.9\nv2,1,61,0.02,0.8\n"
            .to_vec(),
        b"\xef\xbb\xbfx,y\n1,2\n3,4\n\n5,6\n".to_vec(),
    ];
    if shared {
        seeds.extend(
            shared_dir("fisvdd-qoe", &[".csv"])
                .iter()
                .map(|t| head(t, 60)),
        );
    }
    let input = TempInput::new("table.csv");
    let read = move |bytes: &[u8]| read_feature_table(input.write(bytes)?);
    (seeds, Box::new(read))
}

/// A table of `columns` with 60 seeded rows.
fn small_table(columns: &[&str], seed: u64) -> WindowTable {
    let mut rng = Rng::new(seed);
    let features = (0..60 * columns.len())
        .map(|_| (rng.next_u64() % 1000) as f64 / 100.0)
        .collect();
    WindowTable {
        file: "fuzz.csv".into(),
        feature_names: columns.iter().map(|c| (*c).to_string()).collect(),
        features,
        ..WindowTable::default()
    }
}

/// Models of every detector family fitted on a small table, as saved files and as the bare
/// pipelines `detect --save-models` writes.
fn model_seeds() -> Vec<Vec<u8>> {
    let table = small_table(&["a", "b", "c"], 3);
    let rows: Vec<usize> = (0..table.rows()).collect();
    let spec = |kind| PipelineSpec {
        preprocess: PreprocessSpec {
            features: ["a", "b", "c"]
                .iter()
                .enumerate()
                .map(|(i, name)| FeatureSpec {
                    name: (*name).to_string(),
                    log1p: i == 1,
                    ..FeatureSpec::default()
                })
                .collect(),
            clip_quantile: (kind == ModelKind::Iforest).then_some(0.01),
        },
        model: ModelSpec::default_for(kind, 5),
    };
    let mut seeds = Vec::new();
    for kind in ModelKind::ALL {
        let specs = if kind == ModelKind::Mahalanobis {
            vec![spec(kind), spec(ModelKind::Iforest)]
        } else {
            vec![spec(kind)]
        };
        if let Ok(model) = TableModel::fit_bag(&table, &rows, &specs, None, 0.95) {
            seeds.extend(serde_json::to_vec(&model).ok());
            seeds.extend(serde_json::to_vec(&model.pipeline).ok());
        }
    }
    seeds
}

pub(super) fn table_model() -> (Vec<Vec<u8>>, ReadFn) {
    let input = TempInput::new("model.json");
    let read = move |bytes: &[u8]| {
        let model = text(TableModel::load(input.write(bytes)?))?;
        let features = model.features();
        let names: Vec<&str> = features.iter().map(String::as_str).collect();
        let table = small_table(&names, 11);
        text(model.score_rows(&table, &[0, 1, 2, 59])).map(|_| ())
    };
    (model_seeds(), Box::new(read))
}

pub(super) fn event_labels() -> (Vec<Vec<u8>>, ReadFn) {
    let mut seeds: Vec<Vec<u8>> = repo("sample_data/labels.csv").into_iter().collect();
    seeds.push(
        b"event_id,anomalous,kind,start_ms,end_ms,scope,extra\n7,1,cdn,1700000000000,1700000060000,city=3,x\n8,0,,,,,\n"
            .to_vec(),
    );
    let input = TempInput::new("labels.csv");
    let read = move |bytes: &[u8]| {
        let labels = text(read_labels(input.write(bytes)?))?;
        let _ = normal_event_ids(&labels);
        let scored: Vec<ScoredEvent<'_>> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| ScoredEvent {
                event_id: &l.event_id,
                score: i as f64,
                scope: Some(&l.scope),
                span: Some((i as i64, i64::MAX)),
            })
            .collect();
        let _ = event_metrics(&scored, &labels, 1.0);
        Ok(())
    };
    (seeds, Box::new(read))
}
