//! Colours, font sizes and the size scaling every rendered chart shares.

use plotters::coord::Shift;
use plotters::prelude::*;

pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

pub(super) const TEXT: RGBColor = RGBColor(30, 30, 30);
pub(super) const MUTED: RGBColor = RGBColor(90, 90, 90);
pub(super) const GRID: RGBColor = RGBColor(225, 225, 225);
pub(super) const AXIS: RGBColor = RGBColor(120, 120, 120);

/// A drawing failure, already turned into words (plotters' errors borrow the backend type).
#[derive(Debug)]
pub(super) struct DrawError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        Self(e.to_string())
    }
}

pub(super) type DrawResult<T = ()> = Result<T, DrawError>;

/// Sizes in px for an image; 1600×1000 is the reference size.
pub(super) struct Theme {
    pub width: f64,
    pub height: f64,
    scale: f64,
}

/// Font sizes at the reference size, in px.
pub(super) const TITLE_PX: f64 = 30.0;
pub(super) const DESC_PX: f64 = 24.0;
pub(super) const TICK_PX: f64 = 21.0;
pub(super) const LEGEND_PX: f64 = 21.0;

impl Theme {
    pub fn new((width, height): (u32, u32)) -> Self {
        let (width, height) = (f64::from(width), f64::from(height));
        Self {
            width,
            height,
            scale: (width / 1600.0).min(height / 1000.0).max(0.5),
        }
    }

    /// A length given at the reference size, scaled to this image.
    pub fn px(&self, reference_px: f64) -> f64 {
        reference_px * self.scale
    }

    pub fn px_i32(&self, reference_px: f64) -> i32 {
        self.px(reference_px).round() as i32
    }

    /// Text of `reference_px` size (scaled), in colour `color`.
    pub fn text(&self, reference_px: f64, color: RGBColor) -> TextStyle<'static> {
        // plotters' SVG backend writes `font-size = size / 1.24`; undo that so sizes are px.
        ("sans-serif", self.px(reference_px) * 1.24)
            .into_font()
            .color(&color)
    }

    /// Approximate width of `text` at `reference_px` (Ubuntu averages ~0.55 em per glyph).
    pub fn text_width(&self, text: &str, reference_px: f64) -> f64 {
        text.chars().count() as f64 * self.px(reference_px) * 0.55
    }

    /// `text` shortened with an ellipsis to fit `max_px` at `reference_px`.
    pub fn fit(&self, text: &str, reference_px: f64, max_px: f64) -> String {
        let per_char = self.px(reference_px) * 0.55;
        let max_chars = (max_px / per_char).floor().max(2.0) as usize;
        if text.chars().count() <= max_chars {
            text.to_string()
        } else {
            let kept: String = text.chars().take(max_chars - 1).collect();
            format!("{}…", kept.trim_end())
        }
    }
}
