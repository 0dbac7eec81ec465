//! The office panel of Network ▸ What-if: a city from the loaded telemetry fills in its peak
//! in-office viewers (or type a number), drag the link capacity, choose the player; the
//! outcome per ladder cap and the recommended cap follow from the office worker.

use streamlens_abr::Algorithm;
use streamlens_abr::capacity::{REBUFFER_TARGET, STALLED_ALLOWED};
use streamlens_report::chart::whatif::{office_qoe, office_rebuffer};
use streamlens_report::tables::Cell;
use streamlens_report::whatif_tables::{city_peaks, office_outcomes};

use super::super::App;
use super::chart_row::{charts_row_ui, show_table};
use super::table::clickable_table_ui;

/// Viewers one office run may have (10 k take a few seconds on two cores).
const MAX_VIEWERS: usize = 10_000;

pub fn office_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.label(
        "Viewers in one office share its link fairly while they download. Every rendition of \
         the ladder is tried as the highest allowed; the recommendation is the highest cap \
         that keeps the mean rebuffer ratio under 1 % with at most 5 % of viewers at or above it.",
    );
    controls_ui(app, ui);
    let wanted = app.state.whatif.office_request();
    let running = app.whatif.office.running.is_some();
    match app.whatif.office.get(&wanted) {
        None if app.whatif.office.failed.as_ref() == Some(&wanted) => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                "This office could not be simulated (see the message below).",
            );
        }
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Simulating the office at every ladder cap…");
            });
        }
        Some((advice, stale)) => {
            ui.horizontal_wrapped(|ui| {
                let text = match advice.recommended_cap_kbps {
                    Some(cap) => format!(
                        "Recommended: cap the ladder at {cap:.0} kbit/s for {} viewers on {} Mbit/s",
                        advice.office.viewers, advice.office.link_mbps
                    ),
                    None => format!(
                        "No cap keeps the rebuffer ratio under {:.0} % (with at most {:.0} % of \
                         viewers above it): {} Mbit/s is too small for {} viewers",
                        100.0 * REBUFFER_TARGET,
                        100.0 * STALLED_ALLOWED,
                        advice.office.link_mbps,
                        advice.office.viewers
                    ),
                };
                ui.label(egui::RichText::new(text).strong());
                if let Some(best) = advice.best_qoe_cap_kbps {
                    ui.label(format!("· highest mean QoE_lin with the cap at {best:.0} kbit/s"));
                }
                if stale || running {
                    ui.spinner();
                    ui.weak("updating…");
                }
            });
            let charts = [office_rebuffer(&advice), office_qoe(&advice)];
            charts_row_ui(app, ui, &charts, "whatif_office");
            show_table(app, ui, &office_outcomes(&advice), 280.0);
        }
    }
}

fn controls_ui(app: &mut App, ui: &mut egui::Ui) {
    let peaks = app.city_peaks();
    ui.horizontal_wrapped(|ui| {
        let settings = &mut app.state.whatif;
        ui.label("Viewers");
        ui.add(egui::DragValue::new(&mut settings.viewers).range(1..=MAX_VIEWERS));
        ui.separator();
        ui.label("Link");
        ui.add(
            egui::Slider::new(&mut settings.link_mbps, 1.0..=10_000.0)
                .logarithmic(true)
                .suffix(" Mbit/s"),
        )
        .on_hover_text("The office's share of its internet link for the webcast");
        ui.separator();
        ui.label("Player");
        egui::ComboBox::from_id_salt("whatif_office_player")
            .selected_text(settings.office_algorithm.name())
            .show_ui(ui, |ui| {
                for a in Algorithm::ALL {
                    ui.selectable_value(&mut settings.office_algorithm, a, a.name());
                }
            });
    });
    let viewers = app.state.whatif.viewers as u64;
    match (&peaks, app.dataset.is_some()) {
        (Some(peaks), _) if !peaks.is_empty() => {
            let current = app
                .whatif
                .city
                .as_ref()
                .filter(|c| peaks.iter().any(|p| &p.city == *c && p.viewers == viewers));
            ui.label(match current {
                Some(city) => format!("Viewers: the peak of city {city} in the loaded telemetry"),
                None => "Viewers typed; or take a city's peak from the loaded telemetry \
                         (the most distinct in-office viewers in one minute):"
                    .into(),
            });
            let table = city_peaks(peaks);
            let sort = app.ui.table_sort.entry(table.id.clone()).or_default();
            let (export, clicked) = clickable_table_ui(ui, &table, sort, 150.0);
            if export {
                app.export_table(&table);
            }
            if let Some(row) = clicked
                && let Some(city) = table.rows[row].first().map(Cell::display)
                && let Some(peak) = peaks.iter().find(|p| p.city == city)
            {
                app.choose_office_city(peak);
                app.state.whatif.viewers = app.state.whatif.viewers.min(MAX_VIEWERS);
            }
        }
        (Some(_), _) => {
            ui.weak("The loaded telemetry has no in-office (WFO) viewers to take a peak from.");
        }
        (None, true) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak("counting peak in-office viewers per city…");
            });
        }
        (None, false) => {
            ui.weak("Load telemetry to take a city's peak viewers.");
        }
    }
}
