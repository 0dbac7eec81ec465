//! Network ▸ What-if: the players replayed on throughput traces (choose traces or a
//! synthetic profile, the manifest, players and buffer), compared by bars and the CDF of
//! `QoE_lin`; one session's timeline; and the office link below (`whatif_office`). Results
//! come from the What-if workers; this file only lays them out.

use std::sync::Arc;

use streamlens_abr::Algorithm;
use streamlens_abr::synthetic::Profile;
use streamlens_abr::whatif::{ManifestSource, SYNTHETIC_SEGMENTS, TraceSource, WhatIfResults};
use streamlens_report::chart::whatif::{
    players_qoe, players_rebuffer, qoe_cdf, session_bitrate, session_buffer,
};
use streamlens_report::whatif_tables::{players_summary, segments, sessions};

use super::super::App;
use super::super::file_dialogs::DialogKind;
use super::super::whatif::{WhatIfPart, WhatIfParts};
use super::chart_row::{charts_row_ui, show_table};
use super::table::clickable_table_ui;
use super::whatif_learned::{learned_ui, rl_training_ui};
use super::whatif_office::office_ui;
use super::whatif_paths::{file_name, files_label, paths_text};

const MAX_SYNTHETIC_TRACES: usize = 500;

pub fn whatif_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let part = &mut app.state.whatif.part;
        ui.selectable_value(part, WhatIfPart::Players, "Players on traces")
            .on_hover_text("Every chosen player on every trace, compared by QoE_lin");
        ui.selectable_value(part, WhatIfPart::Office, "Office link")
            .on_hover_text("N viewers sharing one link: which ladder cap keeps them smooth");
        ui.separator();
        video_ui(app, ui);
    });
    if app.state.whatif.part == WhatIfPart::Office {
        ui.separator();
        egui::ScrollArea::vertical()
            .id_salt("whatif_office")
            .show(ui, |ui| office_ui(app, ui));
        return;
    }
    traces_ui(app, ui);
    ui.separator();
    let wanted = app.state.whatif.request();
    let running = app.whatif.players.running.is_some();
    let got = app.whatif.players_for(&wanted);
    egui::ScrollArea::vertical()
        .id_salt("whatif")
        .show(ui, |ui| match got {
            None if app.whatif.players.failed.as_ref() == Some(&wanted) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    "These traces or this manifest could not be used (see the message below); \
                 choose others.",
                );
            }
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Replaying the players on the traces…");
                });
                rl_training_ui(app, ui);
            }
            Some((results, stale)) => players_ui(app, ui, &results, stale || running),
        });
}

/// The manifest and buffer: shared by both halves.
fn video_ui(app: &mut App, ui: &mut egui::Ui) {
    let settings = &mut app.state.whatif;
    ui.label("Manifest");
    match &settings.manifest {
        ManifestSource::Synthetic { .. } => {
            ui.label(format!(
                "Big Buck Bunny ladder (synthetic, {SYNTHETIC_SEGMENTS} × 3 s)"
            ))
            .on_hover_text("10 renditions, 230–6000 kbit/s; segment sizes ±15 % around them");
        }
        ManifestSource::File(path) => {
            ui.label(file_name(path))
                .on_hover_text(path.display().to_string());
            if ui.small_button("synthetic").clicked() {
                settings.manifest = ManifestSource::Synthetic { seed: 42 };
            }
        }
    }
    let open_manifest = ui.button("Open manifest…").clicked();
    ui.separator();
    ui.label("Buffer");
    ui.add(
        egui::DragValue::new(&mut settings.buffer_s)
            .range(3.0..=600.0)
            .speed(0.5)
            .suffix(" s"),
    )
    .on_hover_text("Buffer cap: above it the player waits before the next download");
    if open_manifest {
        app.ask_for_path(DialogKind::OpenManifest);
    }
}

/// The traces and the players.
fn traces_ui(app: &mut App, ui: &mut egui::Ui) {
    let settings = &mut app.state.whatif;
    let mut open_traces = false;
    ui.horizontal_wrapped(|ui| {
        ui.label("Traces");
        let mut choice = match &settings.traces {
            TraceSource::Synthetic { profile, .. } => Some(*profile),
            TraceSource::Files(_) => None,
        };
        let before = choice;
        ui.radio_value(&mut choice, Some(Profile::Mobile3g), "synthetic 3G")
            .on_hover_text(
                "Seeded traces around 1.2 Mbit/s with outages, like the Norway 3G commutes",
            );
        ui.radio_value(&mut choice, Some(Profile::Lte), "synthetic 4G")
            .on_hover_text("Seeded traces around 20 Mbit/s, like the Ghent 4G/LTE set");
        if let TraceSource::Files(paths) = &settings.traces {
            ui.radio(true, files_label(paths))
                .on_hover_text(paths_text(paths));
        }
        if choice != before
            && let Some(profile) = choice
        {
            settings.traces = TraceSource::Synthetic {
                profile,
                count: synthetic_count(&settings.traces),
                seed: 42,
            };
        }
        if let TraceSource::Synthetic { count, .. } = &mut settings.traces {
            ui.add(
                egui::DragValue::new(count)
                    .range(1..=MAX_SYNTHETIC_TRACES)
                    .suffix(" traces"),
            );
        }
        open_traces = ui
            .button("Open traces…")
            .on_hover_text("Sabre JSON steps or Pensieve `time_s bandwidth_mbps` text; folders too")
            .clicked();
        ui.separator();
        ui.label("Players");
        for algorithm in Algorithm::ALL {
            let mut on = settings.algorithms.contains(&algorithm);
            if ui
                .checkbox(&mut on, algorithm.name())
                .on_hover_text(about(algorithm))
                .changed()
            {
                if on {
                    settings.algorithms.push(algorithm);
                    settings
                        .algorithms
                        .sort_by_key(|a| Algorithm::ALL.iter().position(|x| x == a));
                } else if settings.algorithms.len() > 1 {
                    settings.algorithms.retain(|&a| a != algorithm);
                }
            }
        }
    });
    if open_traces {
        app.ask_for_path(DialogKind::OpenTraces);
    }
    learned_ui(app, ui);
}

fn about(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::RateBased => {
            "Rate-based: the highest rendition under the harmonic mean of the last 5 throughputs"
        }
        Algorithm::Bba => {
            "BBA (Huang et al., SIGCOMM 2014): the rendition follows the buffer level"
        }
        Algorithm::Bola => {
            "BOLA (Spiteri et al., INFOCOM 2016): Lyapunov utility of buffer and bitrate"
        }
        Algorithm::Mpc => "MPC (Yin et al., SIGCOMM 2015): best QoE over the next 5 segments",
        Algorithm::RobustMpc => {
            "robustMPC: MPC on throughput discounted by its recent prediction error"
        }
    }
}

fn synthetic_count(traces: &TraceSource) -> usize {
    match traces {
        TraceSource::Synthetic { count, .. } => *count,
        TraceSource::Files(_) => super::super::whatif::DEFAULT_TRACES,
    }
}

fn parts(app: &mut App, results: &Arc<WhatIfResults>) -> Arc<WhatIfParts> {
    if app.whatif.session >= results.evaluation.sessions.len() {
        app.whatif.session = 0;
    }
    let session = app.whatif.session;
    if let Some(p) = &app.whatif.parts
        && Arc::ptr_eq(&p.results, results)
        && p.session == session
    {
        return Arc::clone(p);
    }
    let e = &results.evaluation;
    let mut timeline = Vec::new();
    let mut segment_table = None;
    if let (Some(row), Some(run)) = (e.sessions.get(session), results.runs.get(session)) {
        let label = format!("{} on {}", row.algorithm, row.trace);
        timeline = vec![session_bitrate(run, &label), session_buffer(run, &label)];
        segment_table = Some(segments(run, &label));
    }
    let built = Arc::new(WhatIfParts {
        results: Arc::clone(results),
        session,
        players: vec![players_qoe(e), qoe_cdf(e), players_rebuffer(e)],
        summary: players_summary(e),
        sessions: sessions(e),
        timeline,
        segments: segment_table,
    });
    app.whatif.parts = Some(Arc::clone(&built));
    built
}

fn players_ui(app: &mut App, ui: &mut egui::Ui, results: &Arc<WhatIfResults>, updating: bool) {
    let parts = parts(app, results);
    let e = &results.evaluation;
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{} traces × {} players = {} sessions, {} s segments, buffer cap {} s",
            e.traces,
            results.players.len(),
            e.sessions.len(),
            results.segment_s,
            e.config.buffer_cap_s
        ));
        if updating {
            ui.spinner();
            ui.weak("updating…");
        }
    });
    rl_training_ui(app, ui);
    if let Some(best) = e
        .summary
        .iter()
        .max_by(|a, b| a.qoe_lin_mean.total_cmp(&b.qoe_lin_mean))
    {
        ui.label(
            egui::RichText::new(format!(
                "Best mean QoE_lin here: {} ({:.3}; {:.0} kbit/s, {:.2} % stalled)",
                best.algorithm,
                best.qoe_lin_mean,
                best.bitrate_kbps_mean,
                100.0 * best.rebuffer_ratio_mean
            ))
            .strong(),
        );
    }
    charts_row_ui(app, ui, &parts.players, "whatif_players");
    show_table(app, ui, &parts.summary, 200.0);
    ui.add_space(8.0);
    session_picker_ui(app, ui, results);
    charts_row_ui(app, ui, &parts.timeline, "whatif_session");
    if let Some(table) = &parts.segments {
        egui::CollapsingHeader::new("Segments of this session")
            .id_salt("whatif_segments")
            .show(ui, |ui| show_table(app, ui, table, 240.0));
    }
    let sort = app
        .ui
        .table_sort
        .entry(parts.sessions.id.clone())
        .or_default();
    let (export, clicked) = clickable_table_ui(ui, &parts.sessions, sort, 260.0);
    if export {
        app.export_table(&parts.sessions);
    }
    if let Some(row) = clicked {
        app.whatif.session = row;
    }
}

fn session_picker_ui(app: &mut App, ui: &mut egui::Ui, results: &WhatIfResults) {
    let players = results.players.len().max(1);
    let (mut trace, mut player) = (app.whatif.session / players, app.whatif.session % players);
    ui.horizontal(|ui| {
        ui.label("Session: trace");
        egui::ComboBox::from_id_salt("whatif_trace")
            .selected_text(results.trace_names.get(trace).map_or("", String::as_str))
            .width(260.0)
            .show_ui(ui, |ui| {
                for (i, name) in results.trace_names.iter().enumerate() {
                    ui.selectable_value(&mut trace, i, name);
                }
            });
        if ui
            .add_enabled(trace > 0, egui::Button::new("Previous"))
            .clicked()
        {
            trace -= 1;
        }
        if ui
            .add_enabled(
                trace + 1 < results.trace_names.len(),
                egui::Button::new("Next"),
            )
            .clicked()
        {
            trace += 1;
        }
        ui.label("player");
        for (i, name) in results.players.iter().enumerate() {
            ui.selectable_value(&mut player, i, *name);
        }
    });
    app.whatif.session = trace * players + player;
}
