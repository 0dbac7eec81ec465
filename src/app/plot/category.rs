//! Category charts: grouped or stacked bars and box plots, one slot per category.

use egui::Ui;
use egui_plot::{AxisHints, Bar, BarChart, BoxElem, BoxPlot, BoxSpread, GridInput, GridMark, Plot};

use super::{color, num};
use streamlens_report::chart::{BarSeries, BoxStats};

/// Share of a category's slot its bars or box fill (as in the exported image).
const GROUP_WIDTH: f64 = 0.8;
const BOX_WIDTH: f64 = 0.5;

/// Grid marks at 0, 1, … `count-1`, for category axes.
pub(super) fn category_marks(count: usize) -> impl Fn(GridInput) -> Vec<GridMark> {
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
pub(super) fn category_at(labels: &[String], value: f64) -> String {
    let i = value.round();
    if (value - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

/// The x axis of a category chart: its title and one label per category. `egui_plot` hides
/// each label wider than its slot by itself, so the spacing floor only keeps labels off when
/// slots are tiny (its default, 60 points, dropped every label of seven players on a
/// third-width chart). Long hyphenated names wrap after the hyphen to fit narrower slots.
fn category_axis(x_label: &str, names: &[String]) -> AxisHints<'static> {
    let names: Vec<String> = names.iter().map(|n| wrapped(n)).collect();
    AxisHints::new_x()
        .label(x_label.to_string())
        .formatter(move |mark, _| category_at(&names, mark.value))
        .label_spacing(16.0..=28.0)
}

/// `name` on two lines after its first hyphen when it is longer than 8 characters.
fn wrapped(name: &str) -> String {
    match name.split_once('-') {
        Some((head, tail)) if name.chars().count() > 8 && !head.is_empty() && !tail.is_empty() => {
            format!("{head}-\n{tail}")
        }
        _ => name.to_string(),
    }
}

pub(super) fn bars_ui(
    ui: &mut Ui,
    plot: Plot<'_>,
    x_label: &str,
    categories: &[String],
    series: &[BarSeries],
    stacked: bool,
) -> egui::Response {
    let plot = plot
        .x_grid_spacer(category_marks(categories.len()))
        .custom_x_axes(vec![category_axis(x_label, categories)])
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

pub(super) fn boxes_ui(
    ui: &mut Ui,
    plot: Plot<'_>,
    x_label: &str,
    boxes: &[BoxStats],
) -> egui::Response {
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
        .custom_x_axes(vec![category_axis(x_label, &names)])
        .label_formatter(|_| None)
        .show(ui, |plot_ui| plot_ui.box_plot(chart))
        .response
}
