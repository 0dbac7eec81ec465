//! The Overview tab: dataset facts, tiles for the filtered rows, and the
//! sortable events table (clicking an event filters to it).

use egui_extras::{Column, TableBuilder};

use super::super::App;
use super::menu::fmt_count;
use streamlens_engine::analysis::events::EventRow;
use streamlens_engine::analysis::summary::Summary;
use streamlens_engine::time_fmt::{format_duration_s, format_utc_minute};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventColumn {
    Event,
    Customer,
    #[default]
    Start,
    Duration,
    Viewers,
    MeanQoe,
    MeanEngagement,
}

impl EventColumn {
    const ALL: [EventColumn; 7] = [
        EventColumn::Event,
        EventColumn::Customer,
        EventColumn::Start,
        EventColumn::Duration,
        EventColumn::Viewers,
        EventColumn::MeanQoe,
        EventColumn::MeanEngagement,
    ];

    fn title(self) -> &'static str {
        match self {
            EventColumn::Event => "Event",
            EventColumn::Customer => "Customer",
            EventColumn::Start => "Start (UTC)",
            EventColumn::Duration => "Duration",
            EventColumn::Viewers => "Viewers",
            EventColumn::MeanQoe => "Mean QoE",
            EventColumn::MeanEngagement => "Mean engagement",
        }
    }
}

/// Order events by `column` (numbers numerically, ids as numbers when they are).
pub fn sort_events(events: &mut [EventRow], column: EventColumn, ascending: bool) {
    let id_key = |s: &str| (s.parse::<u64>().unwrap_or(u64::MAX), s.to_string());
    events.sort_by(|a, b| {
        let ord = match column {
            EventColumn::Event => id_key(&a.event).cmp(&id_key(&b.event)),
            EventColumn::Customer => {
                let c = |e: &EventRow| id_key(e.customer.as_deref().unwrap_or(""));
                c(a).cmp(&c(b))
            }
            EventColumn::Start => a.start_ms.cmp(&b.start_ms),
            EventColumn::Duration => a.duration_s.total_cmp(&b.duration_s),
            EventColumn::Viewers => a.viewers.cmp(&b.viewers),
            EventColumn::MeanQoe => a.mean_qoe.total_cmp(&b.mean_qoe),
            EventColumn::MeanEngagement => a.mean_engagement.total_cmp(&b.mean_engagement),
        };
        if ascending { ord } else { ord.reverse() }
    });
}

pub fn overview_ui(app: &mut App, ui: &mut egui::Ui) {
    let Some(ds) = app.dataset.clone() else {
        ui.centered_and_justified(|ui| {
            if let Some(running) = &app.jobs.loading {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!("Loading {}…", running.label));
                });
            } else {
                ui.label("Drop telemetry files here, or use File > Open (Ctrl+O).");
            }
        });
        return;
    };
    if let Some(facts) = &app.facts {
        facts_ui(ui, &ds.name, facts);
    }
    ui.separator();
    let computing = app.telemetry.computing.is_some();
    ui.horizontal(|ui| {
        ui.heading("Filtered data");
        if computing {
            ui.spinner();
            ui.weak("updating…");
        }
    });
    let Some(overview) = app.current_overview() else {
        ui.spinner();
        return;
    };
    tiles_ui(ui, &overview.summary);
    ui.add_space(8.0);
    ui.heading(format!("Events ({})", overview.events.len()));
    ui.weak("Click an event to filter to it; click a column title to sort.");
    let mut events = overview.events.clone();
    let (sort_col, ascending) = app.ui.event_sort;
    sort_events(&mut events, sort_col, ascending);
    if let Some(clicked) = events_table_ui(app, ui, &events) {
        let mut filter = app.state.filter.clone();
        filter
            .selections
            .insert("event_id".into(), std::iter::once(clicked).collect());
        app.set_filter(filter);
    }
}

fn facts_ui(ui: &mut egui::Ui, name: &str, s: &Summary) {
    ui.horizontal_wrapped(|ui| {
        ui.strong("Dataset");
        ui.label(name);
        let opt = |v: Option<u64>| v.map_or_else(|| "—".to_string(), fmt_count);
        ui.label(format!(
            "· {} rows · {} events · {} viewers · {} customers · {} countries · {} cities",
            fmt_count(s.rows),
            fmt_count(s.events),
            fmt_count(s.viewers),
            opt(s.customers),
            opt(s.countries),
            opt(s.cities),
        ));
        if let (Some(a), Some(b)) = (s.start_ms, s.end_ms) {
            ui.label(format!(
                "· {} – {} UTC",
                format_utc_minute(a),
                format_utc_minute(b)
            ));
        }
    });
}

/// Inner width of a tile; tiles wrap onto rows of equal tiles.
const TILE_WIDTH: f32 = 160.0;

fn tile_ui(ui: &mut egui::Ui, title: &str, value: &str, hint: &str) {
    egui::Frame::group(ui.style())
        .inner_margin(egui::Margin::same(10))
        .show(ui, |ui| {
            ui.set_width(TILE_WIDTH);
            ui.vertical(|ui| {
                ui.weak(title);
                ui.add(egui::Label::new(egui::RichText::new(value).size(24.0).strong()).extend());
            });
        })
        .response
        .on_hover_text(hint);
}

fn tiles_ui(ui: &mut egui::Ui, s: &Summary) {
    let f = |v: Option<f64>, d: usize| v.map_or_else(|| "—".into(), |v| format!("{v:.d$}"));
    let tiles = [
        (
            "Viewers",
            fmt_count(s.viewers),
            "Distinct viewers in the filtered rows",
        ),
        ("Mean QoE", f(s.mean_qoe, 3), "Mean of qoe over samples"),
        (
            "Median QoE",
            f(s.median_qoe, 3),
            "Median of qoe over samples",
        ),
        (
            "QoE < 0.8",
            s.bad_qoe_share
                .map_or_else(|| "—".into(), |v| format!("{:.1} %", v * 100.0)),
            "Share of samples with qoe below 0.8",
        ),
        (
            "Mean engagement",
            f(s.mean_engagement, 3),
            "Mean of engagement over samples",
        ),
        (
            "Total buffering",
            s.total_buffer_ms
                .map_or_else(|| "no buffer_ms".into(), |v| buffering_text(v / 1000.0)),
            "Sum of buffer_ms over samples",
        ),
        ("Samples", fmt_count(s.rows), "Rows after filtering"),
    ];
    let spacing = ui.spacing().item_spacing.x;
    let outer = TILE_WIDTH + 2.0 * 10.0 + 2.0 + spacing;
    let per_row = ((ui.available_width() + spacing) / outer).floor().max(1.0) as usize;
    for row in tiles.chunks(per_row) {
        ui.horizontal(|ui| {
            for (title, value, hint) in row {
                tile_ui(ui, title, value, hint);
            }
        });
    }
}

/// Buffering totals: minutes and seconds while short, whole hours once long.
fn buffering_text(seconds: f64) -> String {
    if seconds >= 100.0 * 3600.0 {
        format!("{} h", fmt_count((seconds / 3600.0).round() as u64))
    } else {
        format_duration_s(seconds)
    }
}

/// Draw the table; returns the event label that was clicked.
fn events_table_ui(app: &mut App, ui: &mut egui::Ui, events: &[EventRow]) -> Option<String> {
    let mut clicked = None;
    let (sort_col, ascending) = app.ui.event_sort;
    let row_height = ui.spacing().interact_size.y;
    TableBuilder::new(ui)
        .id_salt("events_table")
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .columns(Column::auto().at_least(70.0), 6)
        .column(Column::remainder().at_least(90.0))
        .header(row_height + 4.0, |mut header| {
            for column in EventColumn::ALL {
                header.col(|ui| {
                    let arrow = if column == sort_col {
                        if ascending { " ⏶" } else { " ⏷" }
                    } else {
                        ""
                    };
                    if ui.button(format!("{}{arrow}", column.title())).clicked() {
                        app.ui.event_sort = if column == sort_col {
                            (column, !ascending)
                        } else {
                            (column, true)
                        };
                    }
                });
            }
        })
        .body(|body| {
            body.rows(row_height, events.len(), |mut row| {
                let e = &events[row.index()];
                row.col(|ui| {
                    if ui
                        .link(&e.event)
                        .on_hover_text("Filter to this event")
                        .clicked()
                    {
                        clicked = Some(e.event.clone());
                    }
                });
                row.col(|ui| {
                    ui.label(e.customer.as_deref().unwrap_or("—"));
                });
                row.col(|ui| {
                    ui.label(format_utc_minute(e.start_ms));
                });
                row.col(|ui| {
                    ui.label(format_duration_s(e.duration_s));
                });
                row.col(|ui| {
                    ui.label(fmt_count(e.viewers));
                });
                row.col(|ui| {
                    ui.label(format!("{:.3}", e.mean_qoe));
                });
                row.col(|ui| {
                    ui.label(format!("{:.3}", e.mean_engagement));
                });
                if row.response().clicked() {
                    clicked = Some(e.event.clone());
                }
            });
        });
    clicked
}
