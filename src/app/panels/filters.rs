//! The left panel: active filters as chips, Reset all, time range, and one
//! searchable multi-select list per dimension with row counts.

use super::super::App;
use super::menu::fmt_count;
use streamlens_engine::analysis::facets::Facet;
use streamlens_engine::io::values::parse_iso8601_ms;
use streamlens_engine::time_fmt::format_utc_minute;

pub fn filters_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.heading("Filters");
        if app.telemetry.computing.is_some() {
            ui.spinner();
        }
    });
    let mut filter = app.state.filter.clone();
    ui.horizontal(|ui| {
        let reset = ui.add_enabled(!filter.is_empty(), egui::Button::new("Reset all"));
        if reset
            .on_hover_text("Remove every filter (Ctrl+Shift+R)")
            .clicked()
        {
            filter = streamlens_engine::Filter::default();
            app.ui.time_from.clear();
            app.ui.time_to.clear();
        }
    });
    chips_ui(app, ui, &mut filter);
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            time_range_ui(app, ui, &mut filter);
            let overview = app.current_overview();
            let facets: &[Facet] = overview.as_ref().map_or(&[], |o| &o.facets);
            if app.dataset.is_some() && facets.is_empty() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Counting…");
                });
            }
            for facet in facets {
                facet_ui(app, ui, facet, &mut filter);
            }
            if let Some(ds) = &app.dataset {
                let missing: Vec<&str> = ["customer_id", "country_id", "city_id", "viewer_type"]
                    .into_iter()
                    .filter(|c| !ds.has_column(c))
                    .collect();
                if !missing.is_empty() {
                    ui.weak(format!(
                        "Not in this data (no filter): {}",
                        missing.join(", ")
                    ));
                }
            }
        });
    if filter != app.state.filter {
        app.set_filter(filter);
    }
}

fn chips_ui(app: &App, ui: &mut egui::Ui, filter: &mut streamlens_engine::Filter) {
    let Some(ds) = &app.dataset else { return };
    if filter.is_empty() {
        ui.weak("No filters: showing all data.");
        return;
    }
    ui.horizontal_wrapped(|ui| {
        for (column, labels) in filter.selections.clone() {
            let title = ds
                .dimension(&column)
                .map_or(column.clone(), |d| d.title.clone());
            for label in labels {
                let chip = ui
                    .button(format!("{title}: {label} ×"))
                    .on_hover_text("Remove this filter");
                if chip.clicked() {
                    filter.toggle(&column, &label);
                }
            }
        }
        if filter.time_from_ms.is_some() || filter.time_to_ms.is_some() {
            let f = |t: Option<i64>| t.map_or_else(|| "…".to_string(), format_utc_minute);
            if ui
                .button(format!(
                    "Time: {} – {} ×",
                    f(filter.time_from_ms),
                    f(filter.time_to_ms)
                ))
                .clicked()
            {
                filter.time_from_ms = None;
                filter.time_to_ms = None;
            }
        }
    });
}

fn time_range_ui(app: &mut App, ui: &mut egui::Ui, filter: &mut streamlens_engine::Filter) {
    let Some(span) = app.facts.as_ref().map(|f| (f.start_ms, f.end_ms)) else {
        return;
    };
    // Keep the exact-time fields in step with changes made elsewhere
    // (slider, chip, Reset all, a restored workspace).
    let current = (filter.time_from_ms, filter.time_to_ms);
    if current != app.ui.time_synced {
        app.ui.time_from = current.0.map(format_utc_minute).unwrap_or_default();
        app.ui.time_to = current.1.map(format_utc_minute).unwrap_or_default();
        app.ui.time_synced = current;
    }
    egui::CollapsingHeader::new("Time range (UTC)")
        .default_open(false)
        .show(ui, |ui| {
            if let (Some(s), Some(e)) = span {
                ui.weak(format!(
                    "Data: {} – {}",
                    format_utc_minute(s),
                    format_utc_minute(e)
                ));
            }
            if let (Some(start), Some(end)) = span {
                time_sliders_ui(ui, filter, start, end);
            }
            ui.weak("or type exact times:");
            let mut apply = false;
            for (label, text) in [("From", &mut app.ui.time_from), ("To", &mut app.ui.time_to)] {
                ui.horizontal(|ui| {
                    let l = ui.label(label);
                    let r = ui.add(
                        egui::TextEdit::singleline(text)
                            .hint_text("2024-03-04 10:00")
                            .desired_width(150.0),
                    );
                    let r = r.labelled_by(l.id);
                    if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                        apply = true;
                    }
                });
            }
            ui.horizontal(|ui| {
                apply |= ui.button("Apply").clicked();
                if ui.button("Whole span").clicked() {
                    app.ui.time_from.clear();
                    app.ui.time_to.clear();
                    apply = true;
                }
            });
            if apply {
                match (
                    parse_time_field(&app.ui.time_from, false),
                    parse_time_field(&app.ui.time_to, true),
                ) {
                    (Ok(from), Ok(to)) => {
                        filter.time_from_ms = from;
                        filter.time_to_ms = to;
                        // The typed text stays as written.
                        app.ui.time_synced = (from, to);
                    }
                    (Err(e), _) | (_, Err(e)) => app.error(e),
                }
            }
        });
}

/// A typed time; an end without seconds covers its whole minute (or day).
fn parse_time_field(text: &str, is_end: bool) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let ms = parse_iso8601_ms(t)
        .ok_or_else(|| format!("`{t}` is not a time; write it like 2024-03-04 10:00"))?;
    let extra = match (is_end, t.matches(':').count()) {
        (true, 0) => 86_399_999,
        (true, 1) => 59_999,
        _ => 0,
    };
    Ok(Some(ms + extra))
}

/// Two sliders over the data's span, in whole minutes; dragging filters live
/// (the worker only computes the newest position).
fn time_sliders_ui(
    ui: &mut egui::Ui,
    filter: &mut streamlens_engine::Filter,
    start: i64,
    end: i64,
) {
    const MINUTE_MS: i64 = 60_000;
    let span_min = ((end - start) / MINUTE_MS).max(1);
    let to_minute = |t: Option<i64>, default: i64| {
        t.map_or(default, |t| ((t - start) / MINUTE_MS).clamp(0, span_min))
    };
    let mut from = to_minute(filter.time_from_ms, 0);
    let mut to = to_minute(filter.time_to_ms, span_min);
    let label = move |m: f64| format_utc_minute(start + m as i64 * MINUTE_MS);
    let r1 = ui.add(
        egui::Slider::new(&mut from, 0..=span_min)
            .text("Start")
            .custom_formatter(move |m, _| label(m)),
    );
    let r2 = ui.add(
        egui::Slider::new(&mut to, 0..=span_min)
            .text("End")
            .custom_formatter(move |m, _| label(m)),
    );
    if r1.changed() || r2.changed() {
        if r1.changed() {
            to = to.max(from);
        } else {
            from = from.min(to);
        }
        filter.time_from_ms = (from > 0).then_some(start + from * MINUTE_MS);
        // The last minute is inclusive of every sample in it.
        filter.time_to_ms = (to < span_min).then_some(start + (to + 1) * MINUTE_MS - 1);
    }
}

/// Rows above this make a list scroll instead of growing.
const LIST_HEIGHT: f32 = 170.0;

fn facet_ui(
    app: &mut App,
    ui: &mut egui::Ui,
    facet: &Facet,
    filter: &mut streamlens_engine::Filter,
) {
    let selected = filter.selected(&facet.column).cloned().unwrap_or_default();
    let header = if selected.is_empty() {
        format!("{} ({})", facet.title, facet.values.len())
    } else {
        format!(
            "{} ({} of {})",
            facet.title,
            selected.len(),
            facet.values.len()
        )
    };
    egui::CollapsingHeader::new(header)
        .id_salt(&facet.column)
        .default_open(facet.values.len() <= 40 || facet.column == "customer_id")
        .show(ui, |ui| {
            let search = app.ui.facet_search.entry(facet.column.clone()).or_default();
            ui.horizontal(|ui| {
                let l = ui.label("Search");
                ui.add(egui::TextEdit::singleline(search).desired_width(140.0))
                    .labelled_by(l.id);
                if !selected.is_empty() && ui.small_button("Clear").clicked() {
                    filter.clear_column(&facet.column);
                }
            });
            let needle = search.to_lowercase();
            // Selected values stay visible even when other filters leave them no rows.
            let mut values: Vec<(String, u64)> = facet
                .values
                .iter()
                .filter(|v| needle.is_empty() || v.label.to_lowercase().contains(&needle))
                .map(|v| (v.label.clone(), v.rows))
                .collect();
            for s in &selected {
                if !values.iter().any(|(l, _)| l == s) {
                    values.push((s.clone(), 0));
                }
            }
            let row_height = ui.spacing().interact_size.y;
            egui::ScrollArea::vertical()
                .id_salt(("facet_list", &facet.column))
                .max_height(LIST_HEIGHT)
                .show_rows(ui, row_height, values.len(), |ui, range| {
                    for (label, rows) in &values[range] {
                        let mut checked = selected.contains(label);
                        if ui
                            .checkbox(&mut checked, format!("{label}  ({})", fmt_count(*rows)))
                            .changed()
                        {
                            filter.toggle(&facet.column, label);
                        }
                    }
                });
        });
}
