//! The What-if view's learned players: learned-mpc and rl on or off, the traces they are
//! fitted on (never the evaluated ones), the rl player's training length, and its progress.

use streamlens_abr::whatif_learned::{MAX_RL_ITERATIONS, TRAINING_TRACES, TrainingSource};

use super::super::App;
use super::super::file_dialogs::DialogKind;
use super::whatif_paths::{files_label, paths_text};

pub fn learned_ui(app: &mut App, ui: &mut egui::Ui) {
    let learned = &mut app.state.whatif.learned;
    let mut open = false;
    ui.horizontal_wrapped(|ui| {
        ui.label("Learned players");
        ui.checkbox(&mut learned.learned_mpc, "learned-mpc")
            .on_hover_text(
                "robustMPC planning with a throughput predictor fitted (linear regression) on \
                 the training traces",
            );
        ui.checkbox(&mut learned.rl, "rl").on_hover_text(
            "A policy network trained by actor-critic reinforcement learning (as Pensieve) on \
             the training traces; 1000 iterations take about a minute on two cores",
        );
        ui.add_enabled(
            learned.rl,
            egui::DragValue::new(&mut learned.rl_iterations)
                .range(10..=MAX_RL_ITERATIONS)
                .speed(10)
                .suffix(" iterations"),
        )
        .on_hover_text("Training iterations of the rl player, 32 sessions each");
        ui.label("trained on");
        match &learned.training {
            TrainingSource::Synthetic => {
                ui.label(format!("{TRAINING_TRACES} synthetic traces"))
                    .on_hover_text(
                        "Seeded traces of the evaluated profile (3G for trace files), never \
                         the evaluated ones",
                    );
            }
            TrainingSource::Files(paths) => {
                ui.label(files_label(paths))
                    .on_hover_text(paths_text(paths));
                if ui.small_button("synthetic").clicked() {
                    learned.training = TrainingSource::Synthetic;
                }
            }
        }
        open = ui
            .button("Open training traces…")
            .on_hover_text(
                "Traces to fit the learned players on; a trace also evaluated is refused",
            )
            .clicked();
    });
    if open {
        app.ask_for_path(DialogKind::OpenTrainingTraces);
    }
}

/// A progress bar while the rl player trains.
pub fn rl_training_ui(app: &App, ui: &mut egui::Ui) {
    if let Some(done) = app.whatif.rl_training() {
        ui.add(
            egui::ProgressBar::new(done)
                .desired_width(360.0)
                .text(format!("Training the rl player… {:.0} %", 100.0 * done)),
        );
    }
}
