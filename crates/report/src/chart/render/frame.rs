//! What every chart kind shares: sizes that scale with the image, the title and the
//! legend strip. Axes and ticks live in `axes`.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(super) use super::axes::{
    AxisSpec, CategoryLabels, Chart, Extent, build_chart, nice_ticks, padded, tick_label,
    tick_targets, y_label_area,
};

use super::theme::MUTED;
pub(super) use super::theme::{
    Area, DrawError, DrawResult, LEGEND_PX, TEXT, TICK_PX, TITLE_PX, Theme,
};
use crate::chart::palette;

pub(super) fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

pub(super) fn series_color(index: usize) -> RGBColor {
    rgb(palette(index))
}

/// How a legend entry shows its series.
#[derive(Debug, Clone, Copy)]
pub(super) enum Swatch {
    Line,
    Point,
    Fill,
}

pub(super) struct LegendEntry {
    pub name: String,
    pub color: RGBColor,
    pub swatch: Swatch,
}

/// Draws the title and splits off a legend strip on the right when `legend_px` is given.
/// Returns the area for the chart and, if any, the one for the legend.
pub(super) fn frame<'a>(
    root: &Area<'a>,
    theme: &Theme,
    title: &str,
    legend_px: Option<f64>,
) -> DrawResult<(Area<'a>, Option<Area<'a>>)> {
    let title_h = theme.px_i32(TITLE_PX * 2.0);
    let (top, body) = root.split_vertically(title_h);
    if !title.is_empty() {
        let style = theme
            .text(TITLE_PX, TEXT)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let text = theme.fit(title, TITLE_PX, theme.width * 0.95);
        top.draw(&Text::new(
            text,
            ((theme.width / 2.0) as i32, title_h / 2),
            style,
        ))?;
    }
    let body = body.margin(0, theme.px_i32(12.0), theme.px_i32(12.0), 0);
    match legend_px {
        Some(w) => {
            let (body_w, _) = body.dim_in_pixel();
            let (chart, legend) = body.split_horizontally(f64::from(body_w) - w);
            Ok((chart, Some(legend)))
        }
        None => Ok((body.margin(0, 0, 0, theme.px_i32(24.0)), None)),
    }
}

/// Width of the legend strip for `entries`, or `None` when nothing is named.
pub(super) fn legend_width(theme: &Theme, entries: &[LegendEntry]) -> Option<f64> {
    let longest = entries
        .iter()
        .map(|e| theme.text_width(&e.name, LEGEND_PX))
        .fold(None, |acc: Option<f64>, w| {
            Some(acc.map_or(w, |a| a.max(w)))
        })?;
    let chrome = theme.px(24.0 + 36.0 + 10.0 + 16.0);
    Some((longest + chrome).clamp(theme.px(140.0), theme.width * 0.28))
}

/// Draws legend rows top-down in `area`; rows that do not fit become "+ n more".
pub(super) fn draw_legend(area: &Area<'_>, theme: &Theme, entries: &[LegendEntry]) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    let row_h = theme.px(LEGEND_PX * 1.7);
    let left = theme.px(24.0);
    let swatch_w = theme.px(36.0);
    let text_x = left + swatch_w + theme.px(10.0);
    let max_rows = (((h - theme.px(20.0)) / row_h).floor() as usize).max(1);
    let shown = if entries.len() > max_rows {
        max_rows - 1
    } else {
        entries.len()
    };
    let style = theme
        .text(LEGEND_PX, TEXT)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, e) in entries.iter().take(shown).enumerate() {
        let cy = theme.px(20.0) + row_h * (i as f64 + 0.5);
        let (x0, x1, y) = (left as i32, (left + swatch_w) as i32, cy as i32);
        match e.swatch {
            Swatch::Line => area.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                e.color.stroke_width(theme.px(4.0).round().max(1.0) as u32),
            ))?,
            Swatch::Point => area.draw(&Circle::new(
                (i32::midpoint(x0, x1), y),
                theme.px_i32(7.0),
                e.color.filled(),
            ))?,
            Swatch::Fill => {
                let half = theme.px_i32(9.0);
                area.draw(&Rectangle::new(
                    [(x0, y - half), (x1, y + half)],
                    e.color.mix(0.6).filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(x0, y - half), (x1, y + half)],
                    e.color.stroke_width(1),
                ))?;
            }
        }
        let name = theme.fit(&e.name, LEGEND_PX, w - text_x - theme.px(8.0));
        area.draw(&Text::new(name, (text_x as i32, y), style.clone()))?;
    }
    if shown < entries.len() {
        let cy = theme.px(20.0) + row_h * (shown as f64 + 0.5);
        let more = format!("+ {} more", entries.len() - shown);
        area.draw(&Text::new(
            more,
            (left as i32, cy as i32),
            theme
                .text(LEGEND_PX, MUTED)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}
