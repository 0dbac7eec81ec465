//! Controls of the Anomalies tab's toolbar: which window features the detectors see, and
//! the saved event model (open, forget, save). Layout only.

use super::super::App;
use super::super::file_dialogs::DialogKind;
use streamlens_events::dataset_features;
use streamlens_events::features::WindowFeature;

/// Which window features the detectors see (those the data lacks are shown, greyed).
pub(super) fn features_menu_ui(app: &mut App, ui: &mut egui::Ui) {
    let Some(available) = app.dataset.as_ref().map(|d| dataset_features(d)) else {
        return;
    };
    let settings = &mut app.state.anomalies;
    let used = available.iter().filter(|&&f| !settings.excludes(f)).count();
    let from_model = app.anomalies.model_file.is_some();
    let text = if from_model {
        "Features: the model's".to_string()
    } else {
        format!("Features ({used} of {})", available.len())
    };
    ui.add_enabled_ui(!from_model, |ui| {
        ui.menu_button(text, |ui| {
            for (i, feature) in WindowFeature::ALL.into_iter().enumerate() {
                let has = available.contains(&feature);
                let mut on = has && !settings.excluded_features[i];
                let response = ui
                    .add_enabled(has, egui::Checkbox::new(&mut on, feature.name()))
                    .on_hover_text(feature.describe())
                    .on_disabled_hover_text("This data has no column for it");
                // Keep at least one feature: the last one cannot be unticked.
                if response.changed() && (on || used > 1) {
                    settings.excluded_features[i] = !on;
                }
            }
            if ui.button("All").clicked() {
                settings.excluded_features = Default::default();
            }
        })
        .response
        .on_hover_text("Window features the detectors see, as deviations from each unit's usual");
    });
}

/// Open / forget a saved event model, and save the current one.
pub(super) fn model_file_ui(app: &mut App, ui: &mut egui::Ui) {
    if let Some(path) = app.anomalies.model_file.clone() {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        ui.label(format!("Model: {name}")).on_hover_text(format!(
            "Scoring with the detectors and thresholds saved in {}",
            path.display()
        ));
        if ui
            .button("Fit on this data")
            .on_hover_text("Forget the saved model and fit the detectors on these events again")
            .clicked()
        {
            app.forget_event_model();
        }
    } else if ui
        .button("Open model…")
        .on_hover_text(
            "Score with a saved event model: detectors and thresholds fitted on other telemetry",
        )
        .clicked()
    {
        app.ask_for_path(DialogKind::OpenEventModel);
    }
    let savable = app
        .anomalies
        .results
        .as_ref()
        .and_then(|(_, view)| view.model.as_ref())
        .is_some_and(|m| {
            m.pipelines.iter().any(Option::is_some) || m.deep.iter().any(Option::is_some)
        });
    if ui
        .add_enabled(savable, egui::Button::new("Save model…"))
        .on_hover_text("Save the detectors and thresholds behind these scores (JSON)")
        .on_disabled_hover_text("No detector was fitted on this data (too few minute windows)")
        .clicked()
    {
        app.save_event_model();
    }
}
