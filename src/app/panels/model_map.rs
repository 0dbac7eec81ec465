//! The detector map section of the Anomalies tab: one level's windows on the detector's PCA
//! plane with its boundary and support vectors; with FISVDD, buttons that feed the model more
//! normal windows so the description and its support vectors visibly change; windows can be
//! coloured by their event's incident kind.

use std::sync::Arc;

use super::super::App;
use super::super::plot::chart_ui;
use streamlens_detect::map::ModelMap;
use streamlens_events::view::ReportView;
use streamlens_report::chart::model_map::model_map_chart;
use streamlens_report::incident_tables::map_by_kind;

const MAP_HEIGHT: f32 = 380.0;
/// Normal windows fed per press.
pub const FEED_STEP: usize = 200;

pub fn model_map_ui(app: &mut App, ui: &mut egui::Ui, view: &Arc<ReportView>, threshold: f64) {
    if view.maps.is_empty() {
        let deep = view
            .model
            .as_ref()
            .is_some_and(|m| m.deep.iter().any(Option::is_some));
        ui.weak(if deep {
            "No detector map: the deep model scores ten-minute sequences, not single windows \
             on a plane; its training is below."
        } else {
            "No detector map: no level had enough windows to fit a detector."
        });
        return;
    }
    let level = app.anomalies.map_level.min(view.maps.len() - 1);
    ui.horizontal_wrapped(|ui| {
        ui.strong("Detector map");
        egui::ComboBox::from_id_salt("map_level")
            .selected_text(&view.maps[level].name)
            .show_ui(ui, |ui| {
                for (i, m) in view.maps.iter().enumerate() {
                    ui.selectable_value(&mut app.anomalies.map_level, i, &m.name);
                }
            })
            .response
            .on_hover_text("Which level's detector to draw");
        ui.separator();
        ui.label("Colour:");
        ui.selectable_value(&mut app.anomalies.map_by_kind, false, "side of boundary")
            .on_hover_text("Windows inside the boundary in blue, outside in vermillion");
        ui.selectable_value(&mut app.anomalies.map_by_kind, true, "incident kind")
            .on_hover_text(
                "Each window in the colour of its event's incident kind (as in Incident \
                 kinds above); windows of events not flagged at the event threshold in grey",
            );
    });
    let kinds = if app.anomalies.map_by_kind {
        app.incident_kinds(view, threshold)
    } else {
        None
    };
    // The fed copy of this level's map, if the user has fed it; else the worker's.
    let fed = app
        .anomalies
        .fed_map
        .as_ref()
        .filter(|(l, _)| *l == level)
        .map(|(_, m)| m);
    let map = fed.unwrap_or(&view.maps[level]);
    // Rebuilt only when the results, the level, the fed model or the colouring change.
    let key = [
        Arc::as_ptr(view) as usize as u64,
        level as u64,
        map.map.fed as u64,
        u64::from(fed.is_some()),
        kinds.as_ref().map_or(0, |k| Arc::as_ptr(k) as usize as u64),
    ];
    let spec = app.anomalies.map_spec.get(key, || match &kinds {
        Some(kinds) => map_by_kind(map, kinds, &view.report),
        None => model_map_chart(map),
    });
    let m = &map.map;
    let outside = m.points.iter().filter(|p| p.outside(m.threshold)).count();
    let mut to_feed = None;
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{} windows drawn ({outside} outside) · {} training windows drawn · window threshold τ {:.2}",
            m.points.len(),
            m.training.len(),
            m.threshold
        ));
        if m.support_count() > 0 {
            ui.label(format!("· {} support vectors", m.support_count()));
        }
        if m.feedable() > 0 || m.fed > 0 {
            ui.separator();
            to_feed = feed_controls_ui(ui, m, "windows");
        } else if m.support_count() == 0 {
            ui.weak("(support vectors and incremental learning: choose fisvdd)");
        }
    });
    ui.allocate_ui(egui::vec2(ui.available_width(), MAP_HEIGHT), |ui| {
        if let Some(format) = chart_ui(ui, &spec, ("model_map", level)).export {
            app.export_chart(&spec, format);
        }
    });
    if app.anomalies.map_by_kind && kinds.is_none() {
        ui.weak("Sorting the flagged events into kinds…");
    }
    ui.weak(
        "Points are windows projected on the detector's first two principal components, \
         coloured by their own score or their event's kind; the boundary is where the score equals the level's \
         window threshold on this plane, so windows off the plane can sit across it. Flagged \
         spans use the 5-minute median of window scores, so a lone outside window is not yet \
         an incident. Hover a point to see its event, unit and minute.",
    );
    match to_feed {
        Some(0) => app.anomalies.fed_map = None,
        Some(count) => app.feed_model_map(level, count),
        None => {}
    }
}

/// FISVDD feeding controls of a map whose pool is not empty or was fed: the Feed button, what
/// feeding did, and Reset map. Returns the rows to feed (0 = reset), if pressed.
pub(super) fn feed_controls_ui(ui: &mut egui::Ui, m: &ModelMap, noun: &str) -> Option<usize> {
    let feedable = m.feedable();
    if feedable == 0 && m.fed == 0 {
        return None;
    }
    let mut to_feed = None;
    let text = if feedable > 0 {
        format!("Feed {} normal {noun}", FEED_STEP.min(feedable))
    } else {
        format!("All normal {noun} fed")
    };
    if ui
        .add_enabled(feedable > 0, egui::Button::new(text))
        .on_hover_text(format!(
            "FISVDD learns incrementally: update the drawn model with normal {noun} it has not \
             seen and redraw its support vectors and boundary. The scores above stay those of \
             the fitted model."
        ))
        .clicked()
    {
        to_feed = Some(FEED_STEP);
    }
    ui.label(format!(
        "fed {} ({} became support vectors) · {feedable} left",
        m.fed, m.fed_expanded
    ));
    if m.fed > 0
        && ui
            .button("Reset map")
            .on_hover_text("Back to the fitted model")
            .clicked()
    {
        to_feed = Some(0);
    }
    to_feed
}
