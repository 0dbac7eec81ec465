//! The model map of each level for the Anomalies tab: the level's minute windows on its
//! detector's PCA plane, with the boundary at the level's window threshold and a label per
//! drawn window saying which event, unit and minute it is, and the event each belongs to.

use super::root::unit_words;
use super::score::LevelModel;
use super::windows::EventWindows;
use streamlens_detect::map::{LabelledMap, MapRequest, ModelMap};
use streamlens_engine::dataset::Dataset;
use streamlens_engine::schema::Canonical;
use streamlens_engine::time_fmt::format_utc_minute;

/// Maps of every fitted level (labels: event, unit and minute); a level whose map cannot be built is left out.
pub fn level_maps(
    dataset: &Dataset,
    events: &[EventWindows],
    units: &[Vec<super::score::ScoredUnit>],
    models: &[LevelModel],
    thresholds: &[f64],
    seed: u64,
) -> Vec<LabelledMap> {
    let mut maps = Vec::new();
    for m in models {
        // A level whose map cannot be drawn (too few rows) is left out, not fatal.
        let Ok(map) = ModelMap::build(&MapRequest {
            pipeline: &m.pipeline,
            rows: &m.rows,
            training: &m.training,
            feedable: None,
            scores: &m.scores,
            threshold: thresholds[m.level],
            seed,
        }) else {
            continue;
        };
        let labels = map
            .points
            .iter()
            .map(|p| {
                let (e, u, w) = m.at[p.row];
                let unit = units[e][u].unit;
                let minute = events[e]
                    .units
                    .iter()
                    .find(|s| s.unit == unit)
                    .and_then(|s| s.windows.get(w))
                    .map_or_else(String::new, |w| format_utc_minute(w.minute_ms));
                format!(
                    "event {} · {} · {minute}",
                    dataset.label(Canonical::EventId.name(), events[e].event),
                    unit_words(dataset, unit).0
                )
            })
            .collect();
        let groups = map.points.iter().map(|p| m.at[p.row].0).collect();
        maps.push(LabelledMap {
            name: format!("{} windows", ["event", "city", "segment"][m.level]),
            features: m.pipeline.preprocessor.names().map(str::to_owned).collect(),
            map,
            labels,
            groups,
        });
    }
    maps
}
