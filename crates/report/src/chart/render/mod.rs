//! Renders a [`ChartSpec`] to SVG (plotters) and PNG (resvg) for export and the CLI.
//!
//! Draws only what the spec says; the window draws the same spec with `egui_plot` in
//! `app::plot`. No egui here. Text uses the generic `sans-serif` family, which the PNG path
//! maps to the embedded Ubuntu font so a PNG looks the same on every machine.

mod axes;
mod category;
mod frame;
mod heatmap;
mod raster;
#[cfg(test)]
mod tests;
mod theme;
mod xy;

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::{ChartKind, ChartSpec};

/// Smallest and largest image side we draw; below the minimum the layout has no room.
pub const MIN_SIDE_PX: u32 = 160;
pub const MAX_SIDE_PX: u32 = 16_384;

/// Export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ImageFormat {
    Png,
    Svg,
}

impl ImageFormat {
    /// The format for a file extension (`"png"`, `"SVG"`, …), if known.
    #[must_use]
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "svg" => Some(Self::Svg),
            _ => None,
        }
    }

    /// The format a path's extension names, if known.
    #[must_use]
    pub fn from_path(path: &Path) -> Option<Self> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(Self::from_extension)
    }

    /// The usual file extension, without a dot.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Svg => "svg",
        }
    }
}

/// Why a chart could not be rendered or saved.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "chart `{id}`: image size {width}×{height} px is outside {MIN_SIDE_PX}–{MAX_SIDE_PX} px per side"
    )]
    Size { id: String, width: u32, height: u32 },
    #[error("chart `{id}`: drawing the SVG failed: {message}")]
    Draw { id: String, message: String },
    #[error("chart `{id}`: the rendered SVG could not be parsed for rasterising")]
    Svg {
        id: String,
        #[source]
        source: resvg::usvg::Error,
    },
    #[error("chart `{id}`: encoding the PNG failed")]
    Png {
        id: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("chart `{id}`: writing {} failed", path.display())]
    Write {
        id: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The SVG document of a chart, `width`×`height` px.
pub fn to_svg(spec: &ChartSpec, width: u32, height: u32) -> Result<String, RenderError> {
    check_size(spec, width, height)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root, spec)
            .and_then(|()| root.present().map_err(frame::DrawError::from))
            .map_err(|e| RenderError::Draw {
                id: spec.id.clone(),
                message: e.0,
            })?;
        // The backend writes the closing tag when dropped, which ends this scope.
    }
    Ok(svg)
}

/// The chart as PNG bytes, `width`×`height` px, text in the embedded Ubuntu font.
pub fn to_png(spec: &ChartSpec, width: u32, height: u32) -> Result<Vec<u8>, RenderError> {
    let svg = to_svg(spec, width, height)?;
    raster::svg_to_png(&spec.id, &svg, width, height)
}

/// Renders the chart and writes it to `path`, replacing the file only once it is complete
/// (written to a temporary file in the same directory, then renamed).
pub fn save(
    spec: &ChartSpec,
    path: &Path,
    format: ImageFormat,
    width: u32,
    height: u32,
) -> Result<(), RenderError> {
    let bytes = match format {
        ImageFormat::Png => to_png(spec, width, height)?,
        ImageFormat::Svg => to_svg(spec, width, height)?.into_bytes(),
    };
    streamlens_engine::files::atomic_write(path, &bytes).map_err(|source| RenderError::Write {
        id: spec.id.clone(),
        path: path.to_path_buf(),
        source,
    })
}

fn check_size(spec: &ChartSpec, width: u32, height: u32) -> Result<(), RenderError> {
    let ok = |side: u32| (MIN_SIDE_PX..=MAX_SIDE_PX).contains(&side);
    if ok(width) && ok(height) {
        Ok(())
    } else {
        Err(RenderError::Size {
            id: spec.id.clone(),
            width,
            height,
        })
    }
}

fn draw(root: &frame::Area<'_>, spec: &ChartSpec) -> Result<(), frame::DrawError> {
    let theme = frame::Theme::new(root.dim_in_pixel());
    root.fill(&WHITE)?;
    match &spec.kind {
        ChartKind::Xy { series, y_range } => xy::draw(root, &theme, spec, series, *y_range),
        ChartKind::Bars {
            categories,
            series,
            stacked,
        } => category::draw_bars(root, &theme, spec, categories, series, *stacked),
        ChartKind::Heatmap {
            x_labels,
            y_labels,
            values,
            scale,
            show_values,
        } => heatmap::draw(
            root,
            &theme,
            spec,
            &heatmap::Grid {
                x_labels,
                y_labels,
                values,
                scale: *scale,
                show_values: *show_values,
            },
        ),
        ChartKind::Boxes { boxes } => category::draw_boxes(root, &theme, spec, boxes),
    }
}
