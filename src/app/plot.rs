//! Draws a [`ChartSpec`] in the window with `egui_plot`: the live twin of
//! `streamlens_report::chart::render`. It draws only what the spec says and does no file I/O; export requests
//! go back to the caller in [`ChartResponse`].

use std::hash::{Hash, Hasher as _};

use egui::{Color32, Ui};
use egui_plot::{
    Bar, BarChart, FilledArea, GridInput, HoverPosition, Legend, Line, Plot, PlotPoints, Points,
};

mod category;
mod heatmap;

use category::{bars_ui, boxes_ui};
use streamlens_report::chart::numbers::{self, decimals_for_step, grid_steps, hover_number as num};
use streamlens_report::chart::{ChartKind, ChartSpec, ImageFormat, Mark, Series, palette};

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
        // A long title on a narrow chart is shortened with "…" (the full title on hover)
        // instead of running under the export buttons.
        let title_width = (ui.available_width() - EXPORT_BUTTONS_WIDTH).max(80.0);
        ui.scope(|ui| {
            ui.set_max_width(title_width);
            ui.add(egui::Label::new(egui::RichText::new(&spec.title).strong()).truncate());
        });
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            export_buttons_ui(ui, &mut out);
        });
    });
    let plot = Plot::new(("streamlens_chart", salt))
        .x_axis_label(spec.x_label.as_str())
        .y_axis_label(spec.y_label.as_str())
        .legend(Legend::default().position(legend_position(spec)))
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
        } => bars_ui(ui, plot, &spec.x_label, categories, series, *stacked),
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
        ChartKind::Boxes { boxes } => boxes_ui(ui, plot, &spec.x_label, boxes),
    };
    response.context_menu(|ui| export_buttons_ui(ui, &mut out));
    out
}

/// Room the two export buttons take in a chart's title row.
const EXPORT_BUTTONS_WIDTH: f32 = 200.0;

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

/// `egui_plot`'s grid steps, on the same 1-2-5 series as exported charts.
#[allow(clippy::needless_pass_by_value)] // egui_plot's spacer hands the input over by value.
fn nice_steps(input: GridInput) -> [f64; 3] {
    grid_steps(input.base_step_size)
}

/// A tick label with as many decimals as its grid step needs (0.5 → one, 0.05 → two);
/// `egui_plot`'s default assumes steps that are powers of ten and would print 0.5 as "0".
fn tick_label(value: f64, step: f64) -> String {
    numbers::tick_label(value, decimals_for_step(step))
}

fn finite(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    points
        .iter()
        .copied()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .collect()
}

/// The legend in the corner that hides the least data (x–y charts; others right-top).
fn legend_position(spec: &ChartSpec) -> egui_plot::Corner {
    use streamlens_report::chart::legend::{Corner, legend_corner};
    let ChartKind::Xy { series, y_range } = &spec.kind else {
        return egui_plot::Corner::RightTop;
    };
    match legend_corner(series, *y_range) {
        Corner::RightTop => egui_plot::Corner::RightTop,
        Corner::LeftTop => egui_plot::Corner::LeftTop,
        Corner::RightBottom => egui_plot::Corner::RightBottom,
        Corner::LeftBottom => egui_plot::Corner::LeftBottom,
    }
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

#[cfg(test)]
mod tests;
