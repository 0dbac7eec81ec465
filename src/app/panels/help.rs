//! Help ▸ Keyboard shortcuts (every key the window answers, from the same tables the menu
//! and the navigation use, so the list cannot drift from what the keys do), Metric
//! definitions (the report crate's glossary) and About.

use super::super::App;
use super::super::nav::{NEXT_VIEW, PREVIOUS_VIEW, Section, shortcut};
use super::menu::COMMANDS;

pub fn shortcuts_window(app: &mut App, ctx: &egui::Context) {
    let mut open = app.ui.shortcuts_open;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .resizable(false)
        .collapsible(false)
        .show(ctx, |ui| {
            egui::Grid::new("shortcut_grid")
                .num_columns(2)
                .striped(true)
                .spacing([24.0, 4.0])
                .show(ui, |ui| {
                    for command in &COMMANDS {
                        row(ui, &ctx.format_shortcut(&command.shortcut), command.label);
                    }
                    for section in Section::ALL {
                        for view in section.views() {
                            let what = format!("{} / {}", section.title(), view.title);
                            row(ui, &ctx.format_shortcut(&shortcut(view)), &what);
                        }
                    }
                    row(ui, &ctx.format_shortcut(&NEXT_VIEW), "Next view");
                    row(ui, &ctx.format_shortcut(&PREVIOUS_VIEW), "Previous view");
                    row(ui, "Esc", "Close a dialog");
                });
        });
    app.ui.shortcuts_open = open;
}

fn row(ui: &mut egui::Ui, keys: &str, what: &str) {
    ui.monospace(keys);
    ui.label(what);
    ui.end_row();
}

/// Help ▸ Metric definitions: every metric by section, searchable by name.
pub fn metrics_window(app: &mut App, ctx: &egui::Context) {
    use streamlens_report::glossary::{METRICS, sections};
    let mut open = app.ui.metrics_open;
    egui::Window::new("Metric definitions")
        .open(&mut open)
        .default_width(640.0)
        .default_height(520.0)
        .collapsible(false)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                for section in sections() {
                    ui.add_space(6.0);
                    ui.strong(section);
                    egui::Grid::new(("metric_grid", section))
                        .num_columns(2)
                        .striped(true)
                        .spacing([16.0, 4.0])
                        .show(ui, |ui| {
                            for metric in METRICS.iter().filter(|m| m.section == section) {
                                ui.label(metric.name);
                                ui.add(egui::Label::new(metric.definition).wrap());
                                ui.end_row();
                            }
                        });
                }
            });
        });
    app.ui.metrics_open = open;
}

/// Help ▸ About streamlens: version, what it is, the data and papers it builds on.
pub fn about_window(app: &mut App, ctx: &egui::Context) {
    let mut open = app.ui.about_open;
    egui::Window::new("About streamlens")
        .open(&mut open)
        .resizable(false)
        .collapsible(false)
        .show(ctx, |ui| {
            ui.heading(format!("streamlens {}", env!("CARGO_PKG_VERSION")));
            ui.label(
                "Analytics for live-video streaming: viewer telemetry, player sessions and \
                 KPIs, anomaly detection, live-vs-VOD traffic and network what-ifs.",
            );
            ui.add_space(6.0);
            ui.strong("Built on");
            for line in [
                "FISVDD: Jiang et al., Fast Incremental SVDD, 2019",
                "Pensieve QoE and traces: Mao et al., SIGCOMM 2017",
                "BBA: Huang et al., SIGCOMM 2014 · BOLA: Spiteri et al., INFOCOM 2016",
                "MPC / robustMPC: Yin et al., SIGCOMM 2015",
                "Data: Hive Streaming telemetry schema, LIVE-NFLX-II, Norway 3G and Ghent 4G traces",
            ] {
                ui.label(format!("• {line}"));
            }
            ui.add_space(6.0);
            ui.weak("The README cites every paper and dataset with its terms.");
        });
    app.ui.about_open = open;
}
