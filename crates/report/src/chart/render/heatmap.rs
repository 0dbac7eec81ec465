//! Heatmaps: coloured cells with optional values, category names on both axes and a
//! colour bar on the right.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, Area, AxisSpec, CategoryLabels, DrawResult, TICK_PX, Theme};
use crate::chart::{ChartSpec, ColorScale, cell_decimals, cell_label, text_on};

/// Colour of a cell without a value.
const EMPTY: RGBColor = RGBColor(238, 238, 238);

pub(super) use crate::chart::HeatmapGrid as Grid;

/// The value range a colour scale spans, for the colour bar.
pub(super) fn scale_domain(scale: ColorScale) -> (f64, f64) {
    match scale {
        ColorScale::Diverging { min, max } if min.is_finite() && max.is_finite() && min < max => {
            (min, max)
        }
        ColorScale::Diverging { min, max } => frame::padded(Some((min, max)), 0.0),
        ColorScale::Sequential { max } if max.is_finite() && max > 0.0 => (0.0, max),
        ColorScale::Sequential { .. } => (0.0, 1.0),
    }
}

pub(super) fn draw(
    root: &Area<'_>,
    theme: &Theme,
    spec: &ChartSpec,
    grid: &Grid<'_>,
) -> DrawResult {
    let (rows, cols) = (grid.rows(), grid.cols());
    let domain = scale_domain(grid.scale);
    let (bar_ticks, decimals) = frame::nice_ticks(domain.0, domain.1, 5);
    let bar_labels: Vec<String> = bar_ticks
        .iter()
        .map(|&t| frame::tick_label(t, decimals))
        .collect();
    let widest_bar_label = bar_labels
        .iter()
        .map(|l| theme.text_width(l, TICK_PX))
        .fold(0.0, f64::max);
    let bar_strip = theme.px(24.0 + 28.0 + 10.0 + 16.0) + widest_bar_label;
    let (area, legend) = frame::frame(root, theme, &spec.title, Some(bar_strip))?;

    let (w, h) = area.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    // Row labels: row 0 at the top, so the y position of row r is rows-1-r.
    let row_h = h * 0.8 / rows.max(1) as f64;
    let every_row = ((theme.px(TICK_PX * 1.2) / row_h).ceil() as usize).max(1);
    let mut y_axis = AxisSpec::categories(rows, 0.0);
    y_axis.labels = (0..rows)
        .map(|t| {
            let r = rows - 1 - t;
            if r % every_row == 0 {
                let name = grid.y_labels.get(r).map_or("", String::as_str);
                theme.fit(name, TICK_PX, theme.width * 0.2)
            } else {
                String::new()
            }
        })
        .collect();
    let plot_w = w - frame::y_label_area(theme, &y_axis, &spec.y_label) - theme.px(20.0);
    let x_names: Vec<String> = (0..cols)
        .map(|c| grid.x_labels.get(c).cloned().unwrap_or_default())
        .collect();
    let labels = CategoryLabels::layout(theme, &x_names, plot_w);
    let x_axis = AxisSpec::categories(cols, labels.extra_px(theme));
    let chart = frame::build_chart(&area, theme, spec, &x_axis, &y_axis, false)?;
    let plot = chart.plotting_area();

    let (cell_w, cell_h) = {
        let (x0, y0) = chart.backend_coord(&(0.0, 0.0));
        let (x1, y1) = chart.backend_coord(&(1.0, 1.0));
        (f64::from((x1 - x0).abs()), f64::from((y1 - y0).abs()))
    };
    let decimals = cell_decimals(grid.values);
    let value_px = if grid.show_values {
        value_text_px(theme, grid, decimals, (cell_w, cell_h))
    } else {
        None
    };
    let gap = u32::from(cell_w.min(cell_h) > 12.0);
    for r in 0..rows {
        let y = (rows - 1 - r) as f64;
        for c in 0..cols {
            let x = c as f64;
            let value = grid.value(r, c);
            let fill = value.map_or(EMPTY, |v| frame::rgb(grid.scale.color(v)));
            plot.draw(&Rectangle::new(
                [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                fill.filled(),
            ))?;
            if gap > 0 {
                plot.draw(&Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    WHITE.stroke_width(gap),
                ))?;
            }
            if let (Some(px), Some(v)) = (value_px, value) {
                let text = cell_label(v, decimals);
                draw_value(root, theme, &chart, (x, y), px, text, fill)?;
            }
        }
    }
    labels.draw(root, theme, &chart)?;
    if let Some(legend) = legend {
        draw_color_bar(&legend, theme, grid.scale, domain, &bar_ticks, &bar_labels)?;
    }
    Ok(())
}

/// One text size for all cell values (so they read as a table), or `None` when the
/// longest value would be too small to read; then no values are printed at all.
fn value_text_px(theme: &Theme, grid: &Grid<'_>, decimals: usize, cell: (f64, f64)) -> Option<f64> {
    let longest = grid
        .values
        .iter()
        .flatten()
        .map(|&v| cell_label(v, decimals).chars().count())
        .max()?
        .max(1) as f64;
    // Largest size that fits the cell, capped at the tick size.
    let px = theme
        .px(TICK_PX)
        .min(cell.0 * 0.9 / (longest * 0.55))
        .min(cell.1 * 0.5);
    (px >= 9.0).then_some(px)
}

fn draw_value(
    root: &Area<'_>,
    theme: &Theme,
    chart: &frame::Chart<'_, '_>,
    centre: (f64, f64),
    px: f64,
    text: String,
    fill: RGBColor,
) -> DrawResult {
    let color = frame::rgb(text_on([fill.0, fill.1, fill.2]));
    let style = theme
        .text(TICK_PX * px / theme.px(TICK_PX), color)
        .pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new(text, chart.backend_coord(&centre), style))?;
    Ok(())
}

fn draw_color_bar(
    area: &Area<'_>,
    theme: &Theme,
    scale: ColorScale,
    (lo, hi): (f64, f64),
    ticks: &[f64],
    labels: &[String],
) -> DrawResult {
    const STEPS: usize = 64;
    let (_, h) = area.dim_in_pixel();
    let left = theme.px(24.0);
    let bar_w = theme.px(28.0);
    let top = theme.px(12.0);
    let bar_h = (f64::from(h) * 0.6).max(theme.px(60.0));
    let y_of = |v: f64| top + bar_h * (1.0 - (v - lo) / (hi - lo));
    for i in 0..STEPS {
        let t0 = i as f64 / STEPS as f64;
        let t1 = (i + 1) as f64 / STEPS as f64;
        let v = lo + (hi - lo) * (t0 + t1) / 2.0;
        let color = frame::rgb(scale.color(v));
        area.draw(&Rectangle::new(
            [
                (left as i32, y_of(lo + (hi - lo) * t1).floor() as i32),
                (
                    (left + bar_w) as i32,
                    y_of(lo + (hi - lo) * t0).ceil() as i32,
                ),
            ],
            color.filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [
            (left as i32, top as i32),
            ((left + bar_w) as i32, (top + bar_h) as i32),
        ],
        RGBColor(120, 120, 120).stroke_width(1),
    ))?;
    let style = theme
        .text(TICK_PX, frame::TEXT)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (&t, label) in ticks.iter().zip(labels) {
        let y = y_of(t) as i32;
        let x = (left + bar_w) as i32;
        area.draw(&PathElement::new(
            vec![(x, y), (x + theme.px_i32(6.0), y)],
            RGBColor(120, 120, 120).stroke_width(1),
        ))?;
        area.draw(&Text::new(
            label.clone(),
            (x + theme.px_i32(10.0), y),
            style.clone(),
        ))?;
    }
    Ok(())
}
