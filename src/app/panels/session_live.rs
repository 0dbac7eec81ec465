//! The live strip of the Sessions view (a collector folder or URL open): when it last updated,
//! how fast events arrive, pause; the alert thresholds and the alerts they raised.

use std::time::SystemTime;

use super::super::App;
use super::super::sessions::SessionAnswer;
use streamlens_engine::time_fmt::format_iso;

const ALERT_ROWS: usize = 50;

/// The strip above the KPIs; nothing when no collector (folder or URL) is open.
pub fn live_strip_ui(app: &mut App, ui: &mut egui::Ui) {
    if let Some(wait) = app.live_tick() {
        // Also keeps "n s ago" current between readings.
        ui.ctx()
            .request_repaint_after(wait.min(std::time::Duration::from_secs(1)));
    } else {
        return;
    }
    let live = &mut app.sessions.live;
    ui.horizontal_wrapped(|ui| {
        let (dot, colour) = if live.paused {
            ("PAUSED", ui.visuals().weak_text_color())
        } else {
            ("LIVE", egui::Color32::from_rgb(220, 50, 47))
        };
        ui.label(egui::RichText::new(dot).strong().color(colour));
        if let Some((at, read)) = &live.updated {
            let ago = SystemTime::now()
                .duration_since(*at)
                .map_or(0, |d| d.as_secs());
            let stamp = at
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
            ui.label(format!("updated {} ({ago} s ago)", format_iso(stamp)));
            ui.separator();
            ui.label(format!(
                "{} events ({} not yet rolled) in {} Parquet files",
                read.events, read.unrolled_events, read.parquet_files
            ));
        } else {
            ui.spinner();
            ui.label("reading the collector…");
        }
        if let Some(rate) = live.ingest_rate {
            ui.separator();
            ui.label(format!("ingest {rate:.0} events/s"));
        }
        if let Some(took) = live.refresh_took {
            ui.separator();
            ui.label(format!("refresh {:.1} s", took.as_secs_f64()))
                .on_hover_text("From reading the collector to the KPIs on screen; an event acknowledged by the collector shows within this plus 2 s");
        }
        ui.separator();
        let label = if live.paused { "Resume" } else { "Pause" };
        if ui
            .button(label)
            .on_hover_text("Stop or restart reading the collector every 2 s")
            .clicked()
        {
            live.paused = !live.paused;
        }
        if live.refreshing {
            ui.spinner();
        }
    });
    if let Some(error) = &live.error {
        ui.colored_label(ui.visuals().warn_fg_color, error);
    }
    thresholds_ui(app, ui);
}

/// One threshold: a check box to watch the KPI and its value (shown in `unit`, stored ×
/// `scale`).
fn threshold(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut Option<f64>,
    default: f64,
    scale: f64,
    unit: &str,
) {
    let mut on = value.is_some();
    ui.checkbox(&mut on, label);
    let mut shown = value.unwrap_or(default) / scale;
    ui.add_enabled(
        on,
        egui::DragValue::new(&mut shown)
            .range(0.0..=f64::MAX)
            .speed(0.1)
            .suffix(unit),
    );
    *value = on.then_some(shown * scale);
}

fn thresholds_ui(app: &mut App, ui: &mut egui::Ui) {
    let t = &mut app.sessions.live.thresholds;
    ui.horizontal_wrapped(|ui| {
        ui.label("Alert per minute when");
        threshold(ui, "start-up p95 >", &mut t.startup_p95_s, 4.0, 1.0, " s");
        threshold(ui, "rebuffering >", &mut t.rebuffer_share, 0.02, 0.01, " %");
        threshold(ui, "failures >", &mut t.failure_share, 0.05, 0.01, " %");
        ui.label("with at least");
        ui.add(egui::DragValue::new(&mut t.min_views).range(1..=1_000_000));
        ui.label("views");
    });
}

/// One line above the KPIs: how many alerts, and the newest (live folders only).
pub fn alerts_summary_ui(ui: &mut egui::Ui, answer: &SessionAnswer) {
    if answer.thresholds.is_none() {
        return;
    }
    let red = egui::Color32::from_rgb(220, 50, 47);
    match answer.alerts.first() {
        None => {
            ui.label("No alerts in the last day.");
        }
        Some(a) => {
            let place = if a.dimension == "all" {
                "all views".to_string()
            } else {
                format!("{} = {}", a.dimension, a.value)
            };
            ui.label(
                egui::RichText::new(format!(
                    "{} alerts — newest: {} {place}, {} (list below the scores)",
                    answer.alerts.len(),
                    format_iso(a.minute_ms),
                    kpi_name(a.kpi)
                ))
                .color(red),
            );
        }
    }
}

fn kpi_name(kpi: &str) -> &'static str {
    match kpi {
        "startup_p95_s" => "start-up p95",
        "rebuffer_share" => "rebuffering",
        _ => "failures",
    }
}

/// The alerts of the answer, newest first (live folders only).
pub fn alerts_ui(ui: &mut egui::Ui, answer: &SessionAnswer) {
    if answer.thresholds.is_none() {
        return;
    }
    ui.add_space(8.0);
    let n = answer.alerts.len();
    let heading = if n == 0 {
        egui::RichText::new("Alerts: none in the last day")
    } else {
        egui::RichText::new(format!("Alerts: {n}")).color(egui::Color32::from_rgb(220, 50, 47))
    };
    ui.heading(heading);
    if n == 0 {
        return;
    }
    ui.weak(match answer.query.by.first() {
        Some(by) => format!("Overall and per {by} (the breakdown below); newest minute first."),
        None => {
            "Overall (choose a breakdown to watch each of its values too); newest minute first."
                .to_string()
        }
    });
    egui::ScrollArea::vertical()
        .id_salt("session_alerts_scroll")
        .max_height(240.0)
        .show(ui, |ui| alerts_grid(ui, answer));
    if n > ALERT_ROWS {
        ui.weak(format!(
            "… and {} older (kpis --alert lists them all).",
            n - ALERT_ROWS
        ));
    }
}

fn alerts_grid(ui: &mut egui::Ui, answer: &SessionAnswer) {
    egui::Grid::new("session_alerts")
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            for title in [
                "Minute (UTC)",
                "Where",
                "KPI",
                "Value",
                "Threshold",
                "Views",
            ] {
                ui.strong(title);
            }
            ui.end_row();
            for a in answer.alerts.iter().take(ALERT_ROWS) {
                ui.label(format_iso(a.minute_ms));
                ui.label(if a.dimension == "all" {
                    "all views".to_string()
                } else {
                    format!("{} = {}", a.dimension, a.value)
                });
                let (shown, limit) = match a.kpi {
                    "startup_p95_s" => (
                        format!("{:.2} s", a.observed),
                        format!("{:.2} s", a.threshold),
                    ),
                    "rebuffer_share" => (
                        format!("{:.2} %", a.observed * 100.0),
                        format!("{:.2} %", a.threshold * 100.0),
                    ),
                    _ => (
                        format!("{:.1} %", a.observed * 100.0),
                        format!("{:.1} %", a.threshold * 100.0),
                    ),
                };
                ui.label(kpi_name(a.kpi));
                ui.label(egui::RichText::new(shown).strong());
                ui.label(limit);
                ui.label(a.views.to_string());
                ui.end_row();
            }
        });
}
