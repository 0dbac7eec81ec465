//! Axes: ranges, "nice" ticks and their labels, the plotters chart with grid and axis
//! titles, and category names under an axis.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::theme::{AXIS, Area, DESC_PX, DrawResult, GRID, TEXT, TICK_PX, Theme};
use crate::chart::ChartSpec;
use crate::chart::numbers::decimals_for_step;
pub(super) use crate::chart::numbers::tick_label;

pub(super) type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// A linear f64 axis whose ticks are exactly the ones we chose (plotters' own key-point
/// wrapper loses the label formatter for f64 axes).
pub(super) struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = (value - self.lo) / (self.hi - self.lo);
        // `as` saturates, so far-off values land on the image edge instead of wrapping.
        (f64::from(limit.0) + t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// Lowest and highest finite value seen.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Extent(Option<(f64, f64)>);

impl Extent {
    pub fn add(&mut self, v: f64) {
        if v.is_finite() {
            self.0 = Some(self.0.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
        }
    }

    pub fn get(self) -> Option<(f64, f64)> {
        self.0
    }
}

/// A drawable range: falls back to `[0, 1]`, widens a zero-width range, then pads each
/// side by `pad` of the span.
pub(super) fn padded(range: Option<(f64, f64)>, pad: f64) -> (f64, f64) {
    let (lo, hi) = range.unwrap_or((0.0, 1.0));
    let (lo, hi) = if hi - lo > f64::EPSILON * lo.abs().max(hi.abs()).max(1e-300) {
        (lo, hi)
    } else {
        let half = if lo == 0.0 { 0.5 } else { lo.abs() * 0.1 };
        (lo - half, hi + half)
    };
    let span = hi - lo;
    let (lo, hi) = (lo - span * pad, hi + span * pad);
    if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        // Values near f64::MAX overflow the padding; such data cannot be drawn meaningfully.
        (-1.0, 1.0)
    }
}

/// "Nice" tick positions (1, 2, 2.5, 5 × 10ᵏ steps) inside `[lo, hi]`, about `target` many,
/// and the number of decimals their labels need.
pub(super) fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, usize) {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return (vec![lo], 0);
    }
    let raw = span / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * magnitude);
    let decimals = decimals_for_step(step);
    // Rounding to the label's decimals removes float noise such as 0.6000000000000001.
    let unit = 10f64.powi(decimals as i32);
    let first = (lo / step).ceil();
    let ticks = (0..=target * 3)
        .map(|i| (first + i as f64) * step)
        .take_while(|&t| t <= hi + step * 1e-9)
        .map(|t| {
            if t.abs() < step * 1e-9 {
                0.0
            } else {
                (t * unit).round() / unit
            }
        })
        .collect();
    (ticks, decimals)
}

/// How to lay out one axis: its range, ticks and their labels.
pub(super) struct AxisSpec {
    pub range: (f64, f64),
    pub ticks: Vec<f64>,
    /// Label per tick (same order); empty strings hide labels drawn elsewhere.
    pub labels: Vec<String>,
    /// Extra room for labels drawn by the caller (rotated category names), in px.
    pub extra_px: f64,
}

impl AxisSpec {
    pub fn numeric(range: (f64, f64), target_ticks: usize) -> Self {
        let (ticks, decimals) = nice_ticks(range.0, range.1, target_ticks);
        let labels = ticks.iter().map(|&t| tick_label(t, decimals)).collect();
        Self {
            range,
            ticks,
            labels,
            extra_px: 0.0,
        }
    }

    /// Categories at 0, 1, … with labels drawn by the caller.
    pub fn categories(count: usize, extra_px: f64) -> Self {
        Self {
            range: (-0.5, count.max(1) as f64 - 0.5),
            ticks: (0..count).map(|i| i as f64).collect(),
            labels: vec![String::new(); count],
            extra_px,
        }
    }

    fn axis(&self) -> Axis {
        Axis {
            lo: self.range.0,
            hi: self.range.1,
            ticks: self.ticks.clone(),
        }
    }

    fn label_of(&self, v: f64) -> String {
        self.ticks
            .iter()
            .position(|&t| (t - v).abs() <= (self.range.1 - self.range.0).abs() * 1e-9)
            .and_then(|i| self.labels.get(i).cloned())
            .unwrap_or_default()
    }
}

/// Target tick counts for a plot of about `w`×`h` px.
pub(super) fn tick_targets(theme: &Theme, w: f64, h: f64) -> (usize, usize) {
    let x = (w / theme.px(150.0)).round().clamp(2.0, 12.0) as usize;
    let y = (h / theme.px(90.0)).round().clamp(2.0, 10.0) as usize;
    (x, y)
}

/// Space taken around the plot by axes, for callers that size things before building.
/// `desc` is the axis title; an empty one takes no room.
pub(super) fn y_label_area(theme: &Theme, y: &AxisSpec, desc: &str) -> f64 {
    let widest = y
        .labels
        .iter()
        .map(|l| theme.text_width(l, TICK_PX))
        .fold(0.0, f64::max);
    widest + theme.px(desc_room(desc) + 24.0)
}

pub(super) fn x_label_area(theme: &Theme, x: &AxisSpec, desc: &str) -> f64 {
    theme.px(TICK_PX * 1.4 + desc_room(desc) + 16.0) + x.extra_px
}

fn desc_room(desc: &str) -> f64 {
    if desc.trim().is_empty() {
        0.0
    } else {
        DESC_PX * 1.6
    }
}

/// Builds the axes, grid and axis titles in `area`.
pub(super) fn build_chart<'a, 'b>(
    area: &'a Area<'b>,
    theme: &Theme,
    spec: &ChartSpec,
    x: &AxisSpec,
    y: &AxisSpec,
    grid: bool,
) -> DrawResult<Chart<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(theme.px_i32(10.0))
        .margin_right(theme.px_i32(20.0))
        .x_label_area_size(x_label_area(theme, x, &spec.x_label).round() as i32)
        .y_label_area_size(y_label_area(theme, y, &spec.y_label).round() as i32)
        .build_cartesian_2d(x.axis(), y.axis())?;
    let x_fmt = |v: &f64| x.label_of(*v);
    let y_fmt = |v: &f64| y.label_of(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(spec.x_label.as_str())
        .y_desc(spec.y_label.as_str())
        .axis_desc_style(theme.text(DESC_PX, TEXT))
        .label_style(theme.text(TICK_PX, TEXT))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .axis_style(AXIS.stroke_width(1))
        .bold_line_style(GRID.stroke_width(1))
        .set_all_tick_mark_size(theme.px(6.0).round().max(1.0) as u32);
    if !grid {
        mesh.disable_mesh();
    }
    mesh.draw()?;
    Ok(chart)
}

/// Category names under the x axis: horizontal when they fit their slot, otherwise
/// rotated to read upwards; with too many, every k-th is shown.
pub(super) struct CategoryLabels {
    pub labels: Vec<String>,
    pub rotated: bool,
    pub every: usize,
}

impl CategoryLabels {
    /// Chooses the layout for `names` over a plot about `plot_w` px wide.
    pub fn layout(theme: &Theme, names: &[String], plot_w: f64) -> Self {
        let n = names.len().max(1);
        let slot = plot_w / n as f64;
        let line_h = theme.px(TICK_PX * 1.3);
        let every = ((line_h / slot).ceil() as usize).max(1);
        let widest = names
            .iter()
            .map(|s| theme.text_width(s, TICK_PX))
            .fold(0.0, f64::max);
        let rotated = widest > slot * every as f64 * 0.92;
        let max_px = if rotated {
            theme.height * 0.22
        } else {
            slot * 0.92
        };
        let labels = names
            .iter()
            .map(|s| theme.fit(s, TICK_PX, max_px))
            .collect::<Vec<_>>();
        Self {
            labels,
            rotated,
            every,
        }
    }

    /// Extra height the x label area needs beyond one line of tick labels.
    pub fn extra_px(&self, theme: &Theme) -> f64 {
        if self.rotated {
            let widest = self
                .labels
                .iter()
                .map(|s| theme.text_width(s, TICK_PX))
                .fold(0.0, f64::max);
            (widest - theme.px(TICK_PX * 1.2)).max(0.0)
        } else {
            0.0
        }
    }

    /// Draws the labels under the axis of `chart` (positions 0, 1, …) onto `root`.
    pub fn draw(&self, root: &Area<'_>, theme: &Theme, chart: &Chart<'_, '_>) -> DrawResult {
        let y_axis = chart.y_range().start;
        let gap = theme.px_i32(12.0);
        for (i, label) in self.labels.iter().enumerate().step_by(self.every) {
            let (px, py) = chart.backend_coord(&(i as f64, y_axis));
            let style = if self.rotated {
                theme
                    .text(TICK_PX, TEXT)
                    .transform(FontTransform::Rotate270)
                    .pos(Pos::new(HPos::Right, VPos::Center))
            } else {
                theme
                    .text(TICK_PX, TEXT)
                    .pos(Pos::new(HPos::Center, VPos::Top))
            };
            root.draw(&Text::new(label.clone(), (px, py + gap), style))?;
        }
        Ok(())
    }
}
