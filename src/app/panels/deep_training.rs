//! The deep detector in the Anomalies tab: its place in the detector list with its epochs,
//! the live validation-loss curve while it trains, and, once trained, each level's loss
//! curves and chosen hyper-parameters. Layout only: the curves are `streamlens_report` specs.

use super::super::App;
use super::super::anomalies::MAX_DEEP_EPOCHS;
use super::super::plot::chart_ui;
use streamlens_detect::ModelKind;
use streamlens_events::score::LEVEL_NAMES;
use streamlens_events::view::ReportView;
use streamlens_report::chart::training::{live_loss, loss_curves};

const DEEP_NAME: &str = "Deep (GRU autoencoder)";
const SUPERVISED_NAME: &str = "Deep, supervised (GRU classifier)";
const CURVE_HEIGHT: f32 = 260.0;

/// The detector list (window detectors, then the deep model) and, for the deep model, its
/// most epochs per candidate.
pub(super) fn detector_choice_ui(app: &mut App, ui: &mut egui::Ui) {
    let has_labels = app.anomalies.labels_file.is_some() || app.state.files.is_empty();
    let settings = &mut app.state.anomalies;
    if settings.supervised && !has_labels {
        // Labels were forgotten: the classifier has nothing to learn from.
        settings.supervised = false;
    }
    let selected = if settings.supervised {
        SUPERVISED_NAME
    } else if settings.deep {
        DEEP_NAME
    } else {
        settings.model.name()
    };
    egui::ComboBox::from_id_salt("anomaly_detector")
        .selected_text(selected)
        .show_ui(ui, |ui| {
            let window_model = !settings.deep && !settings.supervised;
            for kind in ModelKind::ALL {
                if ui
                    .selectable_label(window_model && settings.model == kind, kind.name())
                    .clicked()
                {
                    settings.model = kind;
                    settings.deep = false;
                    settings.supervised = false;
                }
            }
            if ui
                .selectable_label(settings.deep && !settings.supervised, DEEP_NAME)
                .on_hover_text(
                    "A GRU autoencoder of ten-minute window sequences per level, trained on \
                     these events (split by event, early stopping); slower, shows its training",
                )
                .clicked()
            {
                settings.deep = true;
                settings.supervised = false;
            }
            if ui
                .add_enabled(
                    has_labels,
                    egui::Button::selectable(settings.supervised, SUPERVISED_NAME),
                )
                .on_hover_text(
                    "A GRU sequence classifier learning the labelled incidents (class-weighted); \
                     every event is scored by a model trained on the other four fifths of the \
                     events. Scores are incident probabilities.",
                )
                .on_disabled_hover_text("Needs labels: open a labels file first")
                .clicked()
            {
                settings.supervised = true;
            }
        })
        .response
        .on_hover_text("Fitted per level (event, city, country × viewer type) on the windows");
    if settings.deep || settings.supervised {
        ui.label("Epochs");
        ui.add(egui::DragValue::new(&mut settings.deep_epochs).range(1..=MAX_DEEP_EPOCHS))
            .on_hover_text(
                "Most training epochs per candidate of the search or per fold (early stopping \
                 usually ends sooner)",
            );
    }
}

/// While the deep model trains: the validation loss of every level after each epoch so far.
pub(super) fn live_training_ui(app: &mut App, ui: &mut egui::Ui) {
    let epochs = app.anomalies.training.snapshot();
    let Some(last) = epochs.last() else {
        return;
    };
    let r = &last.report;
    ui.label(format!(
        "Training the deep model: {} epochs so far · last: {} level, candidate {}/{} (hidden {}, \
         learning rate {}), epoch {}, training loss {:.4}, validation loss {:.4}",
        epochs.len(),
        LEVEL_NAMES.get(last.level).copied().unwrap_or("?"),
        r.candidate + 1,
        r.candidates,
        r.hidden,
        r.learning_rate,
        r.epoch,
        r.train_loss,
        r.validation_loss
    ));
    let spec = live_loss(&epochs, &LEVEL_NAMES);
    ui.allocate_ui(egui::vec2(ui.available_width(), CURVE_HEIGHT), |ui| {
        if let Some(format) = chart_ui(ui, &spec, "deep_live_loss").export {
            app.export_chart(&spec, format);
        }
    });
}

/// Each level's training of the deep model behind these scores (nothing for other detectors).
pub(super) fn trained_model_ui(app: &mut App, ui: &mut egui::Ui, view: &ReportView) {
    if view.report.params.score.supervised.is_some() {
        ui.separator();
        ui.strong("Supervised classifier training");
        ui.label(
            "Each event was scored by a classifier trained on the other four of five folds of \
             events, so no score comes from a model that saw the event. Scores are incident \
             probabilities (the class weighting undone); the default threshold is 0.5.",
        );
        let epochs = app.anomalies.training.snapshot();
        if !epochs.is_empty() {
            let spec = live_loss(&epochs, &LEVEL_NAMES);
            ui.allocate_ui(egui::vec2(ui.available_width(), CURVE_HEIGHT), |ui| {
                if let Some(format) = chart_ui(ui, &spec, "supervised_loss").export {
                    app.export_chart(&spec, format);
                }
            });
        }
        return;
    }
    let Some(model) = &view.model else {
        return;
    };
    let levels: Vec<_> = LEVEL_NAMES
        .iter()
        .zip(&model.deep)
        .filter_map(|(&name, m)| m.as_ref().map(|m| (name, m)))
        .collect();
    if levels.is_empty() {
        return;
    }
    ui.separator();
    ui.strong("Deep model training");
    for (name, m) in &levels {
        let log = &m.log;
        let Some(chosen) = log.candidates.get(log.chosen) else {
            continue;
        };
        ui.label(format!(
            "{name} level: kept hidden {} · learning rate {} · epoch {} of {} · validation loss \
             {:.4} · trained on {} events ({} sequences), validated on {} others ({} sequences) \
             · {} parameters",
            chosen.hidden,
            chosen.learning_rate,
            chosen.best_epoch,
            chosen.validation_loss.len(),
            chosen.best_validation_loss(),
            log.training_groups,
            log.training_sequences,
            log.validation_groups,
            log.validation_sequences,
            m.parameter_count()
        ));
    }
    let logs: Vec<_> = levels.iter().map(|(name, m)| (*name, &m.log)).collect();
    let spec = loss_curves(&logs);
    ui.allocate_ui(egui::vec2(ui.available_width(), CURVE_HEIGHT), |ui| {
        if let Some(format) = chart_ui(ui, &spec, "deep_loss_curves").export {
            app.export_chart(&spec, format);
        }
    });
}
