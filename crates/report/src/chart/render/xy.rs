//! Numeric x–y charts: lines, steps, points, bands and histogram bars.

use plotters::prelude::*;

use super::frame::{self, Area, AxisSpec, Chart, DrawResult, Extent, LegendEntry, Swatch, Theme};
use crate::chart::{ChartSpec, Mark, Series};

pub(super) fn draw(
    root: &Area<'_>,
    theme: &Theme,
    spec: &ChartSpec,
    series: &[Series],
    y_range: Option<[f64; 2]>,
) -> DrawResult {
    let entries = legend_entries(series);
    let (area, legend) = frame::frame(
        root,
        theme,
        &spec.title,
        frame::legend_width(theme, &entries),
    )?;
    let (x_ext, y_ext) = extents(series);
    let x = frame::padded(x_ext.get(), 0.02);
    let y = match y_range {
        Some([lo, hi]) if lo.is_finite() && hi.is_finite() && lo < hi => (lo, hi),
        _ => fit_y(series, y_ext),
    };
    let (w, h) = area.dim_in_pixel();
    let (tx, ty) = frame::tick_targets(theme, f64::from(w), f64::from(h));
    let x_axis = AxisSpec::numeric(x, tx);
    let y_axis = AxisSpec::numeric(y, ty);
    let mut chart = frame::build_chart(&area, theme, spec, &x_axis, &y_axis, true)?;
    let clamp = |p: (f64, f64)| (p.0.clamp(x.0, x.1), p.1.clamp(y.0, y.1));
    // Filled marks first so lines and points stay on top of them.
    for s in series {
        if matches!(s.mark, Mark::Band { .. } | Mark::Bars { .. }) {
            draw_mark(&mut chart, theme, s, &clamp)?;
        }
    }
    for s in series {
        if !matches!(s.mark, Mark::Band { .. } | Mark::Bars { .. }) {
            draw_mark(&mut chart, theme, s, &clamp)?;
        }
    }
    if let Some(legend) = legend {
        frame::draw_legend(&legend, theme, &entries)?;
    }
    Ok(())
}

fn legend_entries(series: &[Series]) -> Vec<LegendEntry> {
    series
        .iter()
        .filter(|s| !s.name.trim().is_empty())
        .map(|s| LegendEntry {
            name: s.name.clone(),
            color: frame::series_color(s.color),
            swatch: match s.mark {
                Mark::Line(_) | Mark::Steps(_) => Swatch::Line,
                Mark::Points(_) | Mark::LabelledPoints { .. } | Mark::Rings(_) => Swatch::Point,
                Mark::Band { .. } | Mark::Bars { .. } => Swatch::Fill,
            },
        })
        .collect()
}

/// Extents of everything drawn, finite values only.
fn extents(series: &[Series]) -> (Extent, Extent) {
    let (mut x, mut y) = (Extent::default(), Extent::default());
    for s in series {
        match &s.mark {
            Mark::Line(p)
            | Mark::Steps(p)
            | Mark::Points(p)
            | Mark::Rings(p)
            | Mark::LabelledPoints { points: p, .. } => {
                for &[px, py] in p.iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
                    x.add(px);
                    y.add(py);
                }
            }
            Mark::Band { x: xs, low, high } => {
                for ((&bx, &lo), &hi) in xs.iter().zip(low).zip(high) {
                    if bx.is_finite() {
                        x.add(bx);
                        y.add(lo);
                        y.add(hi);
                    }
                }
            }
            Mark::Bars {
                x: xs,
                heights,
                width,
            } => {
                let half = if width.is_finite() {
                    width.abs() / 2.0
                } else {
                    0.0
                };
                for (&bx, &bh) in xs.iter().zip(heights) {
                    if bx.is_finite() && bh.is_finite() {
                        x.add(bx - half);
                        x.add(bx + half);
                        y.add(bh);
                        y.add(0.0);
                    }
                }
            }
        }
    }
    (x, y)
}

/// Fits y to the data; bar charts keep their baseline at zero instead of padding below it.
fn fit_y(series: &[Series], y: Extent) -> (f64, f64) {
    let (lo, hi) = frame::padded(y.get(), 0.04);
    let has_bars = series.iter().any(|s| matches!(s.mark, Mark::Bars { .. }));
    match y.get() {
        Some((data_lo, data_hi)) if has_bars && data_lo >= 0.0 && data_hi > 0.0 => (0.0, hi),
        Some((data_lo, data_hi)) if has_bars && data_hi <= 0.0 && data_lo < 0.0 => (lo, 0.0),
        _ => (lo, hi),
    }
}

/// Runs of consecutive finite points; a non-finite value breaks a line.
fn finite_runs(points: &[[f64; 2]]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for &[x, y] in points {
        if x.is_finite() && y.is_finite() {
            if let Some(run) = runs.last_mut() {
                run.push((x, y));
            }
        } else if runs.last().is_some_and(|r| !r.is_empty()) {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn draw_mark(
    chart: &mut Chart<'_, '_>,
    theme: &Theme,
    s: &Series,
    clamp: &dyn Fn((f64, f64)) -> (f64, f64),
) -> DrawResult {
    let color = frame::series_color(s.color);
    let line_w = theme.px(3.0).round().max(1.0) as u32;
    let area = chart.plotting_area();
    match &s.mark {
        Mark::Line(points) => {
            for run in finite_runs(points) {
                let run: Vec<_> = run.into_iter().map(clamp).collect();
                area.draw(&PathElement::new(run, color.stroke_width(line_w)))?;
            }
        }
        Mark::Steps(points) => {
            for run in finite_runs(points) {
                let mut path = Vec::with_capacity(run.len() * 2);
                for (i, &(x, y)) in run.iter().enumerate() {
                    if i > 0 {
                        path.push(clamp((x, run[i - 1].1)));
                    }
                    path.push(clamp((x, y)));
                }
                area.draw(&PathElement::new(path, color.stroke_width(line_w)))?;
            }
        }
        Mark::Points(points) | Mark::LabelledPoints { points, .. } => {
            let r = theme.px(5.0).round().max(2.0) as i32;
            let style = color.mix(0.8).filled();
            for p in points
                .iter()
                .filter(|p| p[0].is_finite() && p[1].is_finite())
            {
                area.draw(&Circle::new(clamp((p[0], p[1])), r, style))?;
            }
        }
        Mark::Rings(points) => {
            let r = theme.px(8.0).round().max(3.0) as i32;
            let style = color.stroke_width(theme.px(2.0).round().max(1.0) as u32);
            for p in points
                .iter()
                .filter(|p| p[0].is_finite() && p[1].is_finite())
            {
                area.draw(&Circle::new(clamp((p[0], p[1])), r, style))?;
            }
        }
        Mark::Band { x, low, high } => {
            let mut runs: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
            for ((&bx, &lo), &hi) in x.iter().zip(low).zip(high) {
                if bx.is_finite() && lo.is_finite() && hi.is_finite() {
                    if let Some(run) = runs.last_mut() {
                        run.push((bx, lo, hi));
                    }
                } else {
                    runs.push(Vec::new());
                }
            }
            for run in runs.iter().filter(|r| r.len() >= 2) {
                let outline: Vec<_> = run
                    .iter()
                    .map(|&(bx, lo, _)| clamp((bx, lo)))
                    .chain(run.iter().rev().map(|&(bx, _, hi)| clamp((bx, hi))))
                    .collect();
                area.draw(&Polygon::new(outline, color.mix(0.22).filled()))?;
            }
        }
        Mark::Bars { x, heights, width } => {
            let half = if width.is_finite() {
                width.abs() / 2.0
            } else {
                0.0
            };
            for (&bx, &bh) in x.iter().zip(heights) {
                if !(bx.is_finite() && bh.is_finite()) {
                    continue;
                }
                let corners = [clamp((bx - half, 0.0)), clamp((bx + half, bh))];
                // Translucent fill so overlaid histograms of several groups stay visible.
                area.draw(&Rectangle::new(corners, color.mix(0.45).filled()))?;
                area.draw(&Rectangle::new(corners, color.mix(0.9).stroke_width(1)))?;
            }
        }
    }
    Ok(())
}
