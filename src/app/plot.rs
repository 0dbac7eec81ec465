//! Draws a [`ChartSpec`] in the window with `egui_plot`: the live twin of
//! `chart::render`. It draws only what the spec says and does no file I/O; export requests
//! go back to the caller in [`ChartResponse`].

use std::hash::{Hash, Hasher as _};

use egui::{Color32, Ui};
use egui_plot::{
    Bar, BarChart, BoxElem, BoxPlot, BoxSpread, FilledArea, GridInput, GridMark, HoverPosition,
    Legend, Line, Plot, PlotPoints, Points,
};

mod heatmap;

use crate::chart::{BarSeries, BoxStats, ChartKind, ChartSpec, ImageFormat, Mark, Series, palette};

/// Share of a category's slot its bars or box fill (as in the exported image).
const GROUP_WIDTH: f64 = 0.8;
const BOX_WIDTH: f64 = 0.5;

/// What the user asked for while the chart was drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ChartResponse {
    /// Export this chart in this format (the caller asks where and saves).
    pub export: Option<ImageFormat>,
    /// A heatmap cell was clicked: (row, column) in the spec's `values`.
    pub clicked_cell: Option<(usize, usize)>,
    /// On a draggable chart: the x under the pointer while the primary button is held on it.
    pub dragged_x: Option<f64>,
}

/// The title, an export row and the plot of `spec`; `id_salt` keeps zoom state apart
/// when several charts share a window.
pub fn chart_ui(ui: &mut Ui, spec: &ChartSpec, id_salt: impl Hash) -> ChartResponse {
    chart_ui_inner(ui, spec, id_salt, false)
}

/// [`chart_ui`] for a chart whose x the user sets by pressing or dragging on it (a threshold
/// line): panning and zooming are off, and [`ChartResponse::dragged_x`] reports the x.
pub fn draggable_chart_ui(ui: &mut Ui, spec: &ChartSpec, id_salt: impl Hash) -> ChartResponse {
    chart_ui_inner(ui, spec, id_salt, true)
}

fn chart_ui_inner(
    ui: &mut Ui,
    spec: &ChartSpec,
    id_salt: impl Hash,
    draggable: bool,
) -> ChartResponse {
    // egui 0.37 salts need Debug too; hashing first keeps the caller's bound to Hash.
    let salt = {
        let mut hasher = std::hash::DefaultHasher::new();
        id_salt.hash(&mut hasher);
        hasher.finish()
    };
    let mut out = ChartResponse::default();
    ui.horizontal(|ui| {
        ui.strong(&spec.title);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            export_buttons_ui(ui, &mut out);
        });
    });
    let plot = Plot::new(("streamlens_chart", salt))
        .x_axis_label(spec.x_label.as_str())
        .y_axis_label(spec.y_label.as_str())
        .legend(Legend::default())
        // The wheel scrolls the page of charts; Ctrl + wheel and dragging still zoom and pan.
        .allow_scroll(false)
        .min_size(egui::vec2(160.0, 120.0))
        .allow_drag(!draggable)
        .allow_zoom(!draggable)
        .allow_boxed_zoom(!draggable)
        .allow_double_click_reset(!draggable);
    let response = match &spec.kind {
        ChartKind::Xy { series, y_range } => {
            let (response, pressed_x) = xy_ui(ui, plot, spec, series, *y_range);
            if draggable {
                out.dragged_x = pressed_x;
            }
            response
        }
        ChartKind::Bars {
            categories,
            series,
            stacked,
        } => bars_ui(ui, plot, categories, series, *stacked),
        ChartKind::Heatmap {
            x_labels,
            y_labels,
            values,
            scale,
            show_values,
        } => {
            let grid = heatmap::Grid {
                x_labels,
                y_labels,
                values,
                scale: *scale,
                show_values: *show_values,
            };
            let (response, clicked) = heatmap::heatmap_ui(ui, plot, &grid);
            out.clicked_cell = clicked;
            response
        }
        ChartKind::Boxes { boxes } => boxes_ui(ui, plot, boxes),
    };
    response.context_menu(|ui| export_buttons_ui(ui, &mut out));
    out
}

fn export_buttons_ui(ui: &mut Ui, out: &mut ChartResponse) {
    // Right-to-left in the title row, so SVG comes first to end up on the right.
    if ui
        .button("Export SVG…")
        .on_hover_text("Save this chart as an SVG image")
        .clicked()
    {
        out.export = Some(ImageFormat::Svg);
        ui.close();
    }
    if ui
        .button("Export PNG…")
        .on_hover_text("Save this chart as a PNG image")
        .clicked()
    {
        out.export = Some(ImageFormat::Png);
        ui.close();
    }
}

fn color(index: usize) -> Color32 {
    let [r, g, b] = palette(index);
    Color32::from_rgb(r, g, b)
}

/// A number for a tooltip: up to 4 decimals without trailing zeros, scientific at extremes.
fn num(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        "–".to_string()
    } else if a >= 1e7 || (a != 0.0 && a < 1e-4) {
        format!("{v:.3e}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Grid marks at 0, 1, … `count-1`, for category axes.
fn category_marks(count: usize) -> impl Fn(GridInput) -> Vec<GridMark> {
    move |input: GridInput| {
        let (lo, hi) = input.bounds;
        (0..count)
            .map(|i| i as f64)
            .filter(|&v| v >= lo - 0.5 && v <= hi + 0.5)
            .map(|value| GridMark {
                value,
                step_size: 1.0,
            })
            .collect()
    }
}

/// The label of the category at an integer grid mark, empty elsewhere.
fn category_at(labels: &[String], value: f64) -> String {
    let i = value.round();
    if (value - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

/// Three nested grid steps on the 1-2-5 series: the smallest at least the input's minimum
/// step, then multiples of it that keep every coarser line on a finer one (1, 5, 10 · 2, 10,
/// 20 · 5, 10, 50 × 10ᵏ), so labels land on round numbers at a readable spacing.
#[allow(clippy::needless_pass_by_value)] // egui_plot's spacer hands the input over by value.
fn nice_steps(input: GridInput) -> [f64; 3] {
    let base = input.base_step_size.abs();
    if !(base.is_finite() && base > 0.0) {
        return [1.0, 5.0, 10.0];
    }
    let mut power = 10f64.powf(base.log10().floor());
    // log10 of an exact power of ten can land just below it.
    if base / power >= 10.0 {
        power *= 10.0;
    }
    let mantissa = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|&m| m * power >= base)
        .unwrap_or(10.0);
    let first = mantissa * power;
    if (3.5..7.5).contains(&mantissa) {
        [first, first * 2.0, first * 10.0]
    } else {
        [first, first * 5.0, first * 10.0]
    }
}

/// A tick label with as many decimals as its grid step needs (0.5 → one, 0.05 → two);
/// `egui_plot`'s default assumes steps that are powers of ten and would print 0.5 as "0".
fn tick_label(value: f64, step: f64) -> String {
    let decimals = if step > 0.0 && step.is_finite() {
        // Steps are 1, 2 or 5 × 10ᵏ; a small epsilon absorbs log10 rounding.
        (-step.log10() - 1e-9).ceil().max(0.0)
    } else {
        0.0
    };
    // At most 15 after the max/min above, so the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let decimals = decimals.min(15.0) as usize;
    let text = format!("{value:.decimals$}");
    // "-0" and "-0.0" read as zero.
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        text.trim_start_matches('-').to_string()
    } else {
        text
    }
}

fn finite(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    points
        .iter()
        .copied()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .collect()
}

fn xy_ui(
    ui: &mut Ui,
    plot: Plot<'_>,
    spec: &ChartSpec,
    series: &[Series],
    y_range: Option<[f64; 2]>,
) -> (egui::Response, Option<f64>) {
    let (x_name, y_name) = (spec.x_label.clone(), spec.y_label.clone());
    // Hover texts of labelled points, by series name (labels of non-finite points dropped
    // with them, so indices match what is drawn).
    let hover_labels: Vec<(String, Vec<String>)> = series
        .iter()
        .filter_map(|s| match &s.mark {
            Mark::LabelledPoints { points, labels } => Some((
                s.name.clone(),
                points
                    .iter()
                    .zip(labels)
                    .filter(|(p, _)| p[0].is_finite() && p[1].is_finite())
                    .map(|(_, l)| l.clone())
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    // Steps of 1, 2 and 5 × 10ᵏ: egui_plot's default (powers of ten) leaves a narrow chart
    // over, say, 3 to 10 with a single labelled tick.
    let plot = plot
        .x_grid_spacer(egui_plot::uniform_grid_spacer(nice_steps))
        .x_axis_formatter(|mark, _| tick_label(mark.value, mark.step_size));
    let mut plot = plot.label_formatter(move |pos| {
        let (name, p, index) = match pos {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                index,
            } => (*plot_name, *position, Some(*index)),
            HoverPosition::Elsewhere { position } => ("", *position, None),
        };
        let label = hover_labels
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, labels)| labels.get(index?));
        let head = match (name.is_empty(), label) {
            (_, Some(label)) => format!("{name}\n{label}\n"),
            (true, None) => String::new(),
            (false, None) => format!("{name}\n"),
        };
        Some(format!(
            "{head}{}: {}\n{}: {}",
            axis_name(&x_name, "x"),
            num(p.x),
            axis_name(&y_name, "y"),
            num(p.y)
        ))
    });
    if let Some([lo, hi]) = y_range
        && lo.is_finite()
        && hi.is_finite()
        && lo < hi
    {
        plot = plot.default_y_bounds(lo, hi);
    }
    let shown = plot.show(ui, |plot_ui| {
        // Filled marks first so lines and points stay visible on top.
        let filled = |s: &&Series| matches!(s.mark, Mark::Band { .. } | Mark::Bars { .. });
        for s in series.iter().filter(filled) {
            add_mark(plot_ui, s);
        }
        for s in series.iter().filter(|s| !filled(s)) {
            add_mark(plot_ui, s);
        }
        let held = plot_ui.response().is_pointer_button_down_on();
        plot_ui.pointer_coordinate().filter(|_| held).map(|p| p.x)
    });
    (shown.response, shown.inner)
}

fn axis_name<'a>(label: &'a str, fallback: &'a str) -> &'a str {
    if label.is_empty() { fallback } else { label }
}

fn add_mark(plot_ui: &mut egui_plot::PlotUi<'_>, s: &Series) {
    let c = color(s.color);
    match &s.mark {
        Mark::Line(points) => {
            // Lines here are aggregates, never millions of points; band merging would fill
            // curves with vertical runs (a ROC curve) as solid areas. A non-finite point
            // breaks the line; the pieces share one name (one legend entry).
            for run in points.split(|p| !(p[0].is_finite() && p[1].is_finite())) {
                if run.len() >= 2 {
                    plot_ui.line(
                        Line::new(&s.name, PlotPoints::new(run.to_vec()))
                            .color(c)
                            .width(2.0)
                            .allow_band(false),
                    );
                }
            }
        }
        Mark::Steps(points) => {
            let points = finite(points);
            let mut steps = Vec::with_capacity(points.len() * 2);
            for (i, p) in points.iter().enumerate() {
                if i > 0 {
                    steps.push([p[0], points[i - 1][1]]);
                }
                steps.push(*p);
            }
            // egui_plot would merge points sharing a pixel column into a band, which turns
            // a step's vertical edge into a slope.
            plot_ui.line(
                Line::new(&s.name, PlotPoints::new(steps))
                    .color(c)
                    .width(2.0)
                    .allow_band(false),
            );
        }
        Mark::Points(points) | Mark::LabelledPoints { points, .. } => {
            plot_ui.points(
                Points::new(&s.name, PlotPoints::new(finite(points)))
                    .color(c)
                    .radius(3.0)
                    .filled(true),
            );
        }
        Mark::Rings(points) => {
            plot_ui.points(
                Points::new(&s.name, PlotPoints::new(finite(points)))
                    .color(c)
                    .radius(6.0)
                    .filled(false),
            );
        }
        Mark::Band { x, low, high } => {
            // A non-finite value ends a run: separate bands, as in the exported image.
            let (mut xs, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
            let mut flush = |xs: &mut Vec<f64>, lo: &mut Vec<f64>, hi: &mut Vec<f64>| {
                if xs.len() >= 2 {
                    plot_ui.add(
                        FilledArea::new(&s.name, xs, lo, hi)
                            .fill_color(c.gamma_multiply(0.25))
                            .stroke(egui::Stroke::NONE),
                    );
                }
                xs.clear();
                lo.clear();
                hi.clear();
            };
            for ((&bx, &l), &h) in x.iter().zip(low).zip(high) {
                if bx.is_finite() && l.is_finite() && h.is_finite() {
                    xs.push(bx);
                    lo.push(l);
                    hi.push(h);
                } else {
                    flush(&mut xs, &mut lo, &mut hi);
                }
            }
            flush(&mut xs, &mut lo, &mut hi);
        }
        Mark::Bars { x, heights, width } => {
            let width = if width.is_finite() { width.abs() } else { 0.0 };
            let bars = x
                .iter()
                .zip(heights)
                .filter(|(bx, bh)| bx.is_finite() && bh.is_finite())
                .map(|(&bx, &bh)| {
                    Bar::new(bx, bh)
                        .width(width)
                        .fill(c.gamma_multiply(0.45))
                        .stroke(egui::Stroke::new(1.0, c))
                })
                .collect();
            let name = s.name.clone();
            plot_ui.bar_chart(
                BarChart::new(&s.name, bars)
                    .color(c)
                    .element_formatter(Box::new(move |bar, _| {
                        format!(
                            "{name}\nx: {}\nheight: {}",
                            num(bar.argument),
                            num(bar.value)
                        )
                    })),
            );
        }
    }
}

fn bars_ui(
    ui: &mut Ui,
    plot: Plot<'_>,
    categories: &[String],
    series: &[BarSeries],
    stacked: bool,
) -> egui::Response {
    let names = categories.to_vec();
    let plot = plot
        .x_grid_spacer(category_marks(categories.len()))
        .x_axis_formatter(move |mark, _| category_at(&names, mark.value))
        // Bars say their own values on hover; the coordinate label would only repeat it.
        .label_formatter(|_| None)
        .include_y(0.0);
    let k = series.len().max(1) as f64;
    let mut charts: Vec<BarChart> = Vec::with_capacity(series.len());
    for (j, s) in series.iter().enumerate() {
        let c = color(s.color);
        let bars: Vec<Bar> = categories
            .iter()
            .enumerate()
            .filter_map(|(i, cat)| {
                let v = s.values.get(i).copied().filter(|v| v.is_finite())?;
                let (x, w) = if stacked {
                    (i as f64, GROUP_WIDTH)
                } else {
                    let w = GROUP_WIDTH / k;
                    (i as f64 - GROUP_WIDTH / 2.0 + (j as f64 + 0.5) * w, w)
                };
                Some(
                    Bar::new(x, v)
                        .width(w)
                        .name(cat)
                        .fill(c.gamma_multiply(0.85)),
                )
            })
            .collect();
        let name = s.name.clone();
        let mut chart = BarChart::new(&s.name, bars)
            .color(c)
            .element_formatter(Box::new(move |bar, _| {
                format!("{}\n{name}: {}", bar.name, num(bar.value))
            }));
        if stacked {
            let below: Vec<&BarChart> = charts.iter().collect();
            chart = chart.stack_on(&below);
        }
        charts.push(chart);
    }
    plot.show(ui, |plot_ui| {
        for chart in charts {
            plot_ui.bar_chart(chart);
        }
    })
    .response
}

fn boxes_ui(ui: &mut Ui, plot: Plot<'_>, boxes: &[BoxStats]) -> egui::Response {
    let names: Vec<String> = boxes.iter().map(|b| b.label.clone()).collect();
    let counts: Vec<usize> = boxes.iter().map(|b| b.n).collect();
    let c = color(0);
    let elems = boxes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            BoxElem::new(
                i as f64,
                BoxSpread::new(b.whisker_low, b.q1, b.median, b.q3, b.whisker_high),
            )
            .name(&b.label)
            .box_width(BOX_WIDTH)
            .whisker_width(BOX_WIDTH / 2.0)
            .fill(c.gamma_multiply(0.3))
            .stroke(egui::Stroke::new(1.5, c))
        })
        .collect();
    let chart = BoxPlot::new("", elems)
        .color(c)
        .element_formatter(Box::new(move |e, _| {
            let n = counts
                .get(e.argument.round() as usize)
                .copied()
                .unwrap_or(0);
            let s = &e.spread;
            format!(
                "{} (n = {n})\nupper whisker: {}\nq3: {}\nmedian: {}\nq1: {}\nlower whisker: {}",
                e.name,
                num(s.upper_whisker),
                num(s.quartile3),
                num(s.median),
                num(s.quartile1),
                num(s.lower_whisker)
            )
        }));
    plot.x_grid_spacer(category_marks(boxes.len()))
        .x_axis_formatter(move |mark, _| category_at(&names, mark.value))
        .label_formatter(|_| None)
        .show(ui, |plot_ui| plot_ui.box_plot(chart))
        .response
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::chart::samples;

    #[test]
    fn grid_steps_follow_the_one_two_five_series() {
        let steps = |base: f64| {
            nice_steps(GridInput {
                bounds: (0.0, 1.0),
                base_step_size: base,
            })
        };
        let close =
            |a: [f64; 3], b: [f64; 3]| a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-9 * y);
        // Each step a multiple of the finer ones.
        for (base, want) in [
            (0.2, [0.2, 1.0, 2.0]),
            (0.27, [0.5, 1.0, 5.0]),
            (0.03, [0.05, 0.1, 0.5]),
            (700.0, [1000.0, 5000.0, 10_000.0]),
            (0.0, [1.0, 5.0, 10.0]),
        ] {
            assert!(close(steps(base), want), "{base}: {:?}", steps(base));
        }
    }

    #[test]
    fn tick_labels_show_the_decimals_their_step_needs() {
        assert_eq!(tick_label(0.5, 0.5), "0.5");
        assert_eq!(tick_label(1.0, 0.5), "1.0");
        assert_eq!(tick_label(0.25, 0.05), "0.25");
        assert_eq!(tick_label(20.0, 2.0), "20");
        assert_eq!(tick_label(1.0, 0.1), "1.0");
        assert_eq!(tick_label(-1e-17, 0.2), "0.0");
        assert_eq!(tick_label(5000.0, 1000.0), "5000");
    }

    #[test]
    fn every_kind_draws_and_offers_export() {
        for spec in samples::typical().iter().chain(&samples::degenerate()) {
            let mut harness = Harness::builder()
                .with_size(egui::vec2(800.0, 500.0))
                .build_ui(|ui| {
                    chart_ui(ui, spec, "t");
                });
            harness.run_steps(3);
            harness.get_by_label("Export PNG…");
            harness.get_by_label("Export SVG…");
        }
    }

    #[test]
    fn export_button_reports_the_format() {
        let spec = &samples::typical()[0];
        let mut last = ChartResponse::default();
        {
            let mut harness = Harness::builder()
                .with_size(egui::vec2(800.0, 500.0))
                .build_ui(|ui| {
                    let r = chart_ui(ui, spec, "t");
                    if r.export.is_some() {
                        last = r;
                    }
                });
            harness.run_steps(2);
            harness.get_by_label("Export PNG…").click();
            harness.run_steps(2);
        }
        assert_eq!(last.export, Some(ImageFormat::Png));
    }
}
