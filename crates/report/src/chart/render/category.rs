//! Charts over named categories: grouped or stacked bars, and box plots.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{
    self, Area, AxisSpec, CategoryLabels, DrawResult, Extent, LegendEntry, Swatch, Theme,
};
use crate::chart::{BarSeries, BoxStats, ChartSpec};

/// Share of a category's slot that its bars or box fill.
const GROUP_WIDTH: f64 = 0.8;
const BOX_WIDTH: f64 = 0.5;

pub(super) fn draw_bars(
    root: &Area<'_>,
    theme: &Theme,
    spec: &ChartSpec,
    categories: &[String],
    series: &[BarSeries],
    stacked: bool,
) -> DrawResult {
    let entries: Vec<LegendEntry> = series
        .iter()
        .filter(|s| !s.name.trim().is_empty())
        .map(|s| LegendEntry {
            name: s.name.clone(),
            color: frame::series_color(s.color),
            swatch: Swatch::Fill,
        })
        .collect();
    let (area, legend) = frame::frame(
        root,
        theme,
        &spec.title,
        frame::legend_width(theme, &entries),
    )?;
    let value = |s: &BarSeries, c: usize| s.values.get(c).copied().filter(|v| v.is_finite());

    let mut ext = Extent::default();
    ext.add(0.0);
    for c in 0..categories.len() {
        let (mut up, mut down) = (0.0, 0.0);
        for s in series {
            let v = value(s, c).unwrap_or(0.0);
            if stacked {
                if v >= 0.0 {
                    up += v;
                } else {
                    down += v;
                }
            } else {
                ext.add(v);
            }
        }
        ext.add(up);
        ext.add(down);
    }
    let y = zero_based(ext);

    let (w, h) = area.dim_in_pixel();
    let (_, ty) = frame::tick_targets(theme, f64::from(w), f64::from(h));
    let y_axis = AxisSpec::numeric(y, ty);
    let plot_w = f64::from(w) - frame::y_label_area(theme, &y_axis, &spec.y_label) - theme.px(20.0);
    let labels = CategoryLabels::layout(theme, categories, plot_w);
    let x_axis = AxisSpec::categories(categories.len(), labels.extra_px(theme));
    let chart = frame::build_chart(&area, theme, spec, &x_axis, &y_axis, true)?;
    let plot = chart.plotting_area();

    let k = series.len().max(1) as f64;
    for c in 0..categories.len() {
        let (mut up, mut down) = (0.0, 0.0);
        for (j, s) in series.iter().enumerate() {
            let Some(v) = value(s, c) else { continue };
            let centre = c as f64;
            let (x0, x1, base) = if stacked {
                let base = if v >= 0.0 { up } else { down };
                (centre - GROUP_WIDTH / 2.0, centre + GROUP_WIDTH / 2.0, base)
            } else {
                let bar_w = GROUP_WIDTH / k;
                let x0 = centre - GROUP_WIDTH / 2.0 + j as f64 * bar_w;
                (x0, x0 + bar_w, 0.0)
            };
            if stacked {
                if v >= 0.0 {
                    up += v;
                } else {
                    down += v;
                }
            }
            let clamp_y = |v: f64| v.clamp(y.0, y.1);
            let corners = [(x0, clamp_y(base)), (x1, clamp_y(base + v))];
            let color = frame::series_color(s.color);
            plot.draw(&Rectangle::new(corners, color.mix(0.85).filled()))?;
            plot.draw(&Rectangle::new(corners, WHITE.stroke_width(1)))?;
        }
    }
    labels.draw(root, theme, &chart)?;
    if let Some(legend) = legend {
        frame::draw_legend(&legend, theme, &entries)?;
    }
    Ok(())
}

/// A value range that includes zero, padded away from it.
fn zero_based(ext: Extent) -> (f64, f64) {
    let (lo, hi) = frame::padded(ext.get(), 0.05);
    match ext.get() {
        Some((data_lo, data_hi)) if data_lo >= 0.0 && data_hi > 0.0 => (0.0, hi),
        Some((data_lo, data_hi)) if data_hi <= 0.0 && data_lo < 0.0 => (lo, 0.0),
        _ => (lo, hi),
    }
}

pub(super) fn draw_boxes(
    root: &Area<'_>,
    theme: &Theme,
    spec: &ChartSpec,
    boxes: &[BoxStats],
) -> DrawResult {
    let (area, _) = frame::frame(root, theme, &spec.title, None)?;
    let mut ext = Extent::default();
    for b in boxes {
        for v in [b.whisker_low, b.q1, b.median, b.q3, b.whisker_high] {
            ext.add(v);
        }
    }
    // Room above the top whisker for the "n = …" labels.
    let (lo, hi) = frame::padded(ext.get(), 0.05);
    let y = (lo, hi + (hi - lo) * 0.06);

    let (w, h) = area.dim_in_pixel();
    let (_, ty) = frame::tick_targets(theme, f64::from(w), f64::from(h));
    let y_axis = AxisSpec::numeric(y, ty);
    let plot_w = f64::from(w) - frame::y_label_area(theme, &y_axis, &spec.y_label) - theme.px(20.0);
    let names: Vec<String> = boxes.iter().map(|b| b.label.clone()).collect();
    let labels = CategoryLabels::layout(theme, &names, plot_w);
    let x_axis = AxisSpec::categories(boxes.len(), labels.extra_px(theme));
    let chart = frame::build_chart(&area, theme, spec, &x_axis, &y_axis, true)?;
    let plot = chart.plotting_area();

    let color = frame::series_color(0);
    let line = color.stroke_width(theme.px(2.5).round().max(1.0) as u32);
    let median_line = frame::TEXT.stroke_width(theme.px(4.0).round().max(1.0) as u32);
    let n_style = theme
        .text(frame::TICK_PX * 0.85, RGBColor(90, 90, 90))
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    let slot_px = plot_w / boxes.len().max(1) as f64;
    for (i, b) in boxes.iter().enumerate() {
        let c = i as f64;
        let clamp = |v: f64| v.clamp(y.0, y.1);
        let (x0, x1) = (c - BOX_WIDTH / 2.0, c + BOX_WIDTH / 2.0);
        if b.q1.is_finite() && b.q3.is_finite() {
            let corners = [(x0, clamp(b.q1)), (x1, clamp(b.q3))];
            plot.draw(&Rectangle::new(corners, color.mix(0.3).filled()))?;
            plot.draw(&Rectangle::new(corners, line))?;
        }
        let cap = BOX_WIDTH / 4.0;
        for (end, whisker) in [(b.q1, b.whisker_low), (b.q3, b.whisker_high)] {
            if end.is_finite() && whisker.is_finite() {
                plot.draw(&PathElement::new(
                    vec![(c, clamp(end)), (c, clamp(whisker))],
                    line,
                ))?;
                plot.draw(&PathElement::new(
                    vec![(c - cap, clamp(whisker)), (c + cap, clamp(whisker))],
                    line,
                ))?;
            }
        }
        if b.median.is_finite() {
            plot.draw(&PathElement::new(
                vec![(x0, clamp(b.median)), (x1, clamp(b.median))],
                median_line,
            ))?;
        }
        let top = [b.whisker_high, b.q3, b.median]
            .into_iter()
            .find(|v| v.is_finite());
        let n_text = format!("n = {}", b.n);
        // Counts only where they fit their slot; the hover in the window shows them always.
        if let Some(top) = top
            && theme.text_width(&n_text, frame::TICK_PX * 0.85) < slot_px * 0.95
        {
            let (px, py) = chart.backend_coord(&(c, clamp(top)));
            root.draw(&Text::new(
                n_text,
                (px, py - theme.px_i32(6.0)),
                n_style.clone(),
            ))?;
        }
    }
    labels.draw(root, theme, &chart)?;
    Ok(())
}
