//! The Sessions view's left panel: event, time range of first requests, and one checkbox
//! list per dimension (customer, country, city, device, os, browser, player, cdn, isp, …).

use std::collections::BTreeSet;

use super::super::App;
use super::menu::fmt_count;
use streamlens_engine::io::values::{parse_iso8601_ms, parse_number};
use streamlens_engine::time_fmt::format_iso;
use streamlens_sessions::ViewFilter;

/// Values listed per dimension before "…and N more" (the search narrows them).
const SHOWN_VALUES: usize = 60;

/// A time typed as ISO-8601 or unix ms; `None` for empty text, `Err` for anything else.
fn parse_time(text: &str) -> Result<Option<i64>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse_iso8601_ms(text)
        .or_else(|| parse_number(text).map(|v| v as i64))
        .map(Some)
        .ok_or(())
}

pub fn session_filters_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.heading("Session filters");
        if app.sessions.asking.is_some() || app.sessions.loading.is_some() {
            ui.spinner();
        }
    });
    let Some(data) = app.sessions.data.clone() else {
        ui.weak("Open player events to filter them.");
        return;
    };
    let mut filter = app.sessions.query.filter.clone();
    let reset = ui.add_enabled(
        filter != ViewFilter::default(),
        egui::Button::new("Reset all"),
    );
    if reset
        .on_hover_text("Every event, every time, every value")
        .clicked()
    {
        filter = ViewFilter::default();
        app.sessions.from_text.clear();
        app.sessions.to_text.clear();
    }
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let events = &data.sessions.log.webcasts.labels;
            ui.label("Event (webcast)");
            let shown = filter.event.clone().unwrap_or_else(|| "all events".into());
            egui::ComboBox::from_id_salt("session_event")
                .selected_text(shown)
                .width(240.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut filter.event, None, "all events");
                    for e in events {
                        ui.selectable_value(&mut filter.event, Some(e.clone()), e);
                    }
                });
            ui.add_space(6.0);
            time_ui(app, ui, &mut filter);
            let answer = app.sessions.answer.clone();
            let counts = answer.as_ref().map(|a| a.value_counts.as_slice());
            for (d, (name, labels, _)) in data.sessions.dimensions().into_iter().enumerate() {
                let counts = counts.and_then(|c| c.get(d)).map(Vec::as_slice);
                values_ui(ui, name, &labels.labels, counts, &mut filter);
            }
        });
    if filter != app.sessions.query.filter {
        app.sessions.query.filter = filter;
    }
}

fn time_ui(app: &mut App, ui: &mut egui::Ui, filter: &mut ViewFilter) {
    ui.label("First request between (UTC, ISO-8601 or unix ms)");
    let t = &mut app.sessions;
    for (text, value, hint, empty) in [
        (
            &mut t.from_text,
            &mut filter.from_ms,
            "from",
            "the first request",
        ),
        (&mut t.to_text, &mut filter.to_ms, "to", "the last request"),
    ] {
        if text.is_empty()
            && let Some(v) = *value
        {
            *text = format_iso(v);
        }
        let edit = ui
            .horizontal(|ui| {
                let label = ui.label(format!("{hint:>4}"));
                ui.add(
                    egui::TextEdit::singleline(text)
                        .hint_text(empty)
                        .desired_width(190.0),
                )
                .labelled_by(label.id)
            })
            .inner;
        let parsed = parse_time(text);
        if parsed.is_err() {
            ui.colored_label(
                ui.visuals().error_fg_color,
                "Expected e.g. 2026-11-26T15:10:00Z",
            );
        }
        if (edit.lost_focus() || edit.changed())
            && let Ok(v) = parsed
        {
            *value = v;
        }
    }
}

/// One dimension's values as checkboxes, most viewed first, each with its view count
/// under the other filters (`counts`, by label code, when an answer has them).
fn values_ui(
    ui: &mut egui::Ui,
    name: &str,
    labels: &[String],
    counts: Option<&[u64]>,
    filter: &mut ViewFilter,
) {
    let chosen = filter.values.get(name).map_or(0, BTreeSet::len);
    let title = if chosen == 0 {
        format!("{name} ({} values)", labels.len())
    } else {
        format!("{name} ({chosen} of {} chosen)", labels.len())
    };
    let count = |code: usize| counts.and_then(|c| c.get(code)).copied();
    egui::CollapsingHeader::new(title)
        .id_salt(("session_dimension", name))
        .default_open(chosen > 0)
        .show(ui, |ui| {
            if chosen > 0 && ui.small_button("Clear").clicked() {
                filter.values.remove(name);
            }
            let mut order: Vec<usize> = (0..labels.len()).collect();
            order.sort_by(|&a, &b| {
                count(b)
                    .cmp(&count(a))
                    .then_with(|| labels[a].cmp(&labels[b]))
            });
            for &code in order.iter().take(SHOWN_VALUES) {
                let label = &labels[code];
                let set = filter.values.entry(name.to_string()).or_default();
                let mut on = set.contains(label);
                let text = match count(code) {
                    Some(n) => format!("{label}  ({})", fmt_count(n)),
                    None => label.clone(),
                };
                let changed = ui
                    .checkbox(&mut on, text)
                    .on_hover_text("views with this value under the other filters")
                    .changed();
                if changed {
                    if on {
                        set.insert(label.clone());
                    } else {
                        set.remove(label);
                    }
                }
            }
            if order.len() > SHOWN_VALUES {
                ui.weak(format!(
                    "…and {} more (break down by {name} and click a value)",
                    order.len() - SHOWN_VALUES
                ));
            }
            filter.values.retain(|_, v| !v.is_empty());
        });
}
