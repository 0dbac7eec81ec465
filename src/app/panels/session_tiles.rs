//! The Sessions view's headline: KPI tiles and the four experience-score gauges.

use std::f32::consts::PI;

use streamlens_sessions::Kpis;

const TILE_WIDTH: f32 = 150.0;
const GAUGE_SIZE: egui::Vec2 = egui::vec2(150.0, 104.0);

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{:.2} %", 100.0 * v))
}

fn fixed(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.digits$}"))
}

/// One tile: a big value over its caption; the hover text says how it is defined.
fn tile(ui: &mut egui::Ui, (value, caption, definition): (&str, &str, &str)) {
    egui::Frame::group(ui.style())
        .inner_margin(egui::Margin::symmetric(8, 6))
        .show(ui, |ui| {
            ui.set_width(TILE_WIDTH);
            ui.vertical(|ui| {
                ui.label(egui::RichText::new(value).size(22.0).strong());
                ui.label(egui::RichText::new(caption).weak());
            });
        })
        .response
        .on_hover_text(definition);
}

/// The KPI tiles of the filtered views.
pub fn tiles_ui(ui: &mut egui::Ui, k: &Kpis) {
    let startup = format!(
        "{} / {}",
        fixed(k.startup_ms.p50.map(|v| v / 1000.0), 2),
        fixed(k.startup_ms.p95.map(|v| v / 1000.0), 2)
    );
    let peak = k.peak_minute_ms.map_or_else(String::new, |m| {
        format!(
            " in the minute from {}",
            streamlens_engine::time_fmt::format_iso(m)
        )
    });
    let views = k.views.to_string();
    let viewers = k.unique_viewers.to_string();
    let views_note = format!(
        "Sessions with a request ({} sessions had none and are not views)",
        k.sessions_without_request
    );
    let (failures, vsf, ebvs) = (pct(k.failure_share), pct(k.vsf_share), pct(k.ebvs_share));
    let rebuffering = pct(k.rebuffer_share);
    let stalls = fixed(k.stalls_per_hour, 2);
    let bitrate = fixed(k.mean_bitrate_kbps, 0);
    let watch = format!("{:.1}", k.watch_time_s / 3600.0);
    let concurrent = k.peak_concurrent_views.to_string();
    let peak_note = format!("Most views active in one UTC minute{peak}");
    let tiles = [
        (views.as_str(), "views", views_note.as_str()),
        (
            viewers.as_str(),
            "unique viewers",
            "Distinct viewer ids among the views",
        ),
        (failures.as_str(), "failures", "Views with an error ÷ views"),
        (
            vsf.as_str(),
            "video start failures",
            "Failed before the video started ÷ views",
        ),
        (
            ebvs.as_str(),
            "exits before start",
            "Left without an error before the video started ÷ views",
        ),
        (
            startup.as_str(),
            "start-up p50 / p95 (s)",
            "First start − first request, over started views (numpy linear quantiles)",
        ),
        (
            rebuffering.as_str(),
            "rebuffering",
            "Σ stall time ÷ Σ watch time, over started views",
        ),
        (
            stalls.as_str(),
            "stalls per hour",
            "Σ stalls ÷ Σ watch hours, over started views",
        ),
        (
            bitrate.as_str(),
            "mean bitrate (kbps)",
            "Σ rendition bitrate × playing time ÷ Σ playing time",
        ),
        (
            watch.as_str(),
            "watch hours",
            "Σ (last event − request − paused time)",
        ),
        (
            concurrent.as_str(),
            "peak concurrent views",
            peak_note.as_str(),
        ),
    ];
    // As many tiles per row as fit: the row never pushes the page wider than the panel.
    let per_row = ((ui.available_width() / (TILE_WIDTH + 28.0)) as usize).max(1);
    for row in tiles.chunks(per_row) {
        ui.horizontal(|ui| {
            for &t in row {
                tile(ui, t);
            }
        });
    }
}

/// The four experience scores as gauges (0–100).
pub fn gauges_ui(ui: &mut egui::Ui, k: &Kpis) {
    let scores = [
        (
            "playback success",
            k.playback_success_score,
            "0 failed, 50 exited before start, 100 otherwise; mean over views",
        ),
        (
            "startup",
            k.startup_score,
            "100 · 8 / (8 + start-up seconds); mean over started views",
        ),
        (
            "smoothness",
            k.smoothness_score,
            "Mean of 100/√(1 + (stalls/2)²) and 100·e^(−10 · stall time / watch time); started views",
        ),
        (
            "experience",
            k.experience_score,
            "Ours: per view the mean of the scores that apply to it, then the mean over views",
        ),
    ];
    ui.horizontal_wrapped(|ui| {
        for (name, score, definition) in scores {
            gauge(ui, name, score).on_hover_text(definition);
        }
    });
}

fn gauge(ui: &mut egui::Ui, name: &str, score: Option<f64>) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(GAUGE_SIZE, egui::Sense::hover());
    // Painted, so screen readers (and tests) need its words.
    let spoken = format!(
        "{name} score: {}",
        score.map_or_else(|| "n/a".into(), |s| format!("{s:.1}"))
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &spoken));
    let painter = ui.painter_at(rect);
    let center = egui::pos2(rect.center().x, rect.top() + 62.0);
    let radius = 50.0;
    let arc = |from: f32, to: f32| -> Vec<egui::Pos2> {
        (0..=40)
            .map(|i| {
                let a = PI + (to - from) * i as f32 / 40.0 + from;
                center + radius * egui::vec2(a.cos(), a.sin())
            })
            .collect()
    };
    let track = ui.visuals().widgets.noninteractive.bg_stroke.color;
    painter.add(egui::Shape::line(
        arc(0.0, PI),
        egui::Stroke::new(10.0, track),
    ));
    let value = score.unwrap_or(0.0).clamp(0.0, 100.0) as f32;
    let color = match value {
        v if v >= 85.0 => egui::Color32::from_rgb(0, 158, 115),
        v if v >= 70.0 => egui::Color32::from_rgb(230, 159, 0),
        _ => egui::Color32::from_rgb(213, 94, 0),
    };
    if score.is_some() && value > 0.0 {
        painter.add(egui::Shape::line(
            arc(0.0, PI * value / 100.0),
            egui::Stroke::new(10.0, color),
        ));
    }
    let text_color = ui.visuals().strong_text_color();
    painter.text(
        center - egui::vec2(0.0, 12.0),
        egui::Align2::CENTER_CENTER,
        score.map_or_else(|| "n/a".into(), |s| format!("{s:.1}")),
        egui::FontId::proportional(22.0),
        text_color,
    );
    painter.text(
        egui::pos2(rect.center().x, rect.bottom() - 12.0),
        egui::Align2::CENTER_CENTER,
        format!("{name} score"),
        egui::FontId::proportional(13.0),
        ui.visuals().text_color(),
    );
    response
}
