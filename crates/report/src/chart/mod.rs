//! One chart definition shared by the window and the exports.
//!
//! An analysis result maps to [`ChartSpec`]s; `app::plot` draws them with `egui_plot` and
//! [`render`] draws the same specs with plotters to PNG/SVG. Neither side adds data of its
//! own, so an exported chart is the chart on screen. This module never imports egui.

pub mod anomalies;
pub mod legend;
pub mod model_map;
pub mod numbers;
pub mod render;
/// Sample specs of every kind, for the renderers' and the window's tests.
#[doc(hidden)]
pub mod samples;

pub mod sessions;
pub mod specs;
pub mod traffic;
pub mod training;
pub mod whatif;

pub use render::ImageFormat;

use serde::Serialize;

/// A chart: title, axes and what to draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartSpec {
    /// File stem for exports (`over_time_qoe`), unique within one analysis run.
    pub id: String,
    pub title: String,
    /// Axis label including the unit, e.g. `"minutes since event start"`.
    pub x_label: String,
    pub y_label: String,
    pub kind: ChartKind,
}

/// What a chart draws. Colours are palette indices ([`PALETTE`]) so both renderers agree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ChartKind {
    /// Numeric x and y: lines, ECDF steps, points, shaded bands, histogram bars.
    Xy {
        series: Vec<Series>,
        /// Fixed y range (e.g. `[0, 1]` for an ECDF); `None` fits the data.
        y_range: Option<[f64; 2]>,
    },
    /// Bars over named categories; several series side by side or stacked.
    Bars {
        categories: Vec<String>,
        series: Vec<BarSeries>,
        stacked: bool,
    },
    /// A grid of cells: `values[row][col]`, `NaN` = empty. Row 0 is drawn at the top.
    Heatmap {
        x_labels: Vec<String>,
        y_labels: Vec<String>,
        values: Vec<Vec<f64>>,
        scale: ColorScale,
        /// Print each cell's value on it.
        show_values: bool,
    },
    /// Box plots (whiskers at 1.5 IQR clipped to the data) over named categories.
    Boxes { boxes: Vec<BoxStats> },
}

/// One named thing on an x–y chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub name: String,
    /// Index into [`PALETTE`] (taken modulo its length).
    pub color: usize,
    pub mark: Mark,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Mark {
    /// Straight segments through the points in order; a non-finite point breaks the line.
    Line(Vec<[f64; 2]>),
    /// A step function: each point's y holds until the next point's x (ECDFs).
    Steps(Vec<[f64; 2]>),
    /// Scatter points.
    Points(Vec<[f64; 2]>),
    /// Scatter points whose hover text (in the window) is their label.
    LabelledPoints {
        points: Vec<[f64; 2]>,
        labels: Vec<String>,
    },
    /// Hollow circles drawn over other marks (support vectors).
    Rings(Vec<[f64; 2]>),
    /// A translucent band between `low` and `high` at each `x` (all three the same length).
    Band {
        x: Vec<f64>,
        low: Vec<f64>,
        high: Vec<f64>,
    },
    /// Histogram bars centred at `x` with one common `width`.
    Bars {
        x: Vec<f64>,
        heights: Vec<f64>,
        width: f64,
    },
}

/// One series of a bar chart: a value per category (same order as `categories`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarSeries {
    pub name: String,
    pub color: usize,
    pub values: Vec<f64>,
}

pub use streamlens_engine::analysis::sorting::BoxStats;

/// Colour scale of a heatmap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum ColorScale {
    /// Blue (min) – white (mid) – red (max); correlations use `[-1, 1]`.
    Diverging { min: f64, max: f64 },
    /// White (0) to dark blue (max); counts.
    Sequential { max: f64 },
}

/// A colour-blind-safe categorical palette (Okabe–Ito, then two greys), as sRGB.
pub const PALETTE: [[u8; 3]; 9] = [
    [0, 114, 178],   // blue
    [230, 159, 0],   // orange
    [0, 158, 115],   // bluish green
    [204, 121, 167], // reddish purple
    [86, 180, 233],  // sky blue
    [213, 94, 0],    // vermillion
    [240, 228, 66],  // yellow
    [100, 100, 100], // dark grey ("other")
    [170, 170, 170], // light grey
];

/// Palette indices for categories drawn side by side (clusters, kinds), in an order whose
/// neighbours differ most: blue and sky blue, the closest pair, never both in the first five.
const CATEGORY_ORDER: [usize; 7] = [0, 5, 2, 1, 3, 6, 4];

/// The palette index of category `i` (cycling after [`CATEGORY_ORDER`]'s seven).
#[must_use]
pub fn category_colour(i: usize) -> usize {
    CATEGORY_ORDER[i % CATEGORY_ORDER.len()]
}

/// Series colours from this index up run along [`RAMP`] (ordered levels such as
/// engagement 0.0 … 1.0) instead of the categorical palette.
pub const RAMP_BASE: usize = 100;

/// An ordered ramp for levels (viridis samples): dark purple (low) to yellow (high).
pub const RAMP: [[u8; 3]; 11] = [
    [68, 1, 84],
    [72, 36, 117],
    [65, 68, 135],
    [53, 95, 141],
    [42, 120, 142],
    [33, 145, 140],
    [34, 168, 132],
    [68, 191, 112],
    [122, 209, 81],
    [189, 223, 38],
    [253, 231, 37],
];

/// The colour for a series index: categorical below [`RAMP_BASE`], ramp from it.
#[must_use]
pub fn palette(index: usize) -> [u8; 3] {
    if index >= RAMP_BASE {
        RAMP[(index - RAMP_BASE).min(RAMP.len() - 1)]
    } else {
        PALETTE[index % PALETTE.len()]
    }
}

impl ColorScale {
    /// The colour of a value (values outside the scale are clamped).
    #[must_use]
    pub fn color(self, value: f64) -> [u8; 3] {
        const BLUE: [f64; 3] = [33.0, 102.0, 172.0];
        const RED: [f64; 3] = [178.0, 24.0, 43.0];
        const WHITE: [f64; 3] = [247.0, 247.0, 247.0];
        const DARK: [f64; 3] = [8.0, 48.0, 107.0];
        let mix = |a: [f64; 3], b: [f64; 3], t: f64| {
            // A zero-width scale gives 0/0; treat it as the scale's midpoint, not black.
            let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
            [0, 1, 2].map(|i| (a[i] + (b[i] - a[i]) * t).round() as u8)
        };
        if !value.is_finite() {
            return [255, 255, 255];
        }
        match self {
            ColorScale::Diverging { min, max } => {
                let mid = f64::midpoint(min, max);
                if value < mid {
                    mix(WHITE, BLUE, (mid - value) / (mid - min))
                } else {
                    mix(WHITE, RED, (value - mid) / (max - mid))
                }
            }
            ColorScale::Sequential { max } => {
                if max <= 0.0 {
                    mix(WHITE, DARK, 0.0)
                } else {
                    mix(WHITE, DARK, value / max)
                }
            }
        }
    }
}

/// Text colour readable on a cell of colour `rgb`.
#[must_use]
pub fn text_on(rgb: [u8; 3]) -> [u8; 3] {
    let luma = 0.299 * f64::from(rgb[0]) + 0.587 * f64::from(rgb[1]) + 0.114 * f64::from(rgb[2]);
    if luma > 140.0 {
        [20, 20, 20]
    } else {
        [250, 250, 250]
    }
}

/// Decimals for heatmap cell values, shared by all cells so numbers line up: none for
/// counts, otherwise fewer the larger the largest magnitude.
#[must_use]
pub fn cell_decimals(values: &[Vec<f64>]) -> usize {
    let finite = || values.iter().flatten().filter(|v| v.is_finite());
    let largest = finite().fold(0.0, |m: f64, v| m.max(v.abs()));
    if finite().all(|v| v.fract() == 0.0) || largest >= 100.0 {
        0
    } else if largest >= 10.0 {
        1
    } else {
        2
    }
}

/// A heatmap cell's printed value with `decimals` (from [`cell_decimals`]); very large or
/// tiny magnitudes switch to scientific notation, `NaN` prints nothing.
#[must_use]
pub fn cell_label(v: f64, decimals: usize) -> String {
    let a = v.abs();
    if !v.is_finite() {
        return String::new();
    }
    if a >= 1e7 || (a != 0.0 && a < 1e-3 && decimals > 0) {
        return format!("{v:.2e}");
    }
    let text = format!("{v:.decimals$}");
    // "-0.00" reads as a sign error; a value that rounds to zero is printed as zero.
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

/// A heatmap's data as both renderers read it; ragged rows read as empty cells.
#[derive(Debug, Clone, Copy)]
pub struct HeatmapGrid<'a> {
    pub x_labels: &'a [String],
    pub y_labels: &'a [String],
    pub values: &'a [Vec<f64>],
    pub scale: ColorScale,
    pub show_values: bool,
}

impl HeatmapGrid<'_> {
    #[must_use]
    pub fn rows(&self) -> usize {
        self.y_labels.len().max(self.values.len())
    }

    #[must_use]
    pub fn cols(&self) -> usize {
        let widest = self.values.iter().map(Vec::len).max().unwrap_or(0);
        self.x_labels.len().max(widest)
    }

    /// The finite value of a cell, `None` for an empty one.
    #[must_use]
    pub fn value(&self, row: usize, col: usize) -> Option<f64> {
        self.values
            .get(row)
            .and_then(|r| r.get(col))
            .copied()
            .filter(|v| v.is_finite())
    }
}
