//! SVG → PNG with resvg, using only fonts embedded in the binary so the output does not
//! depend on the fonts installed on the machine.

use std::sync::{Arc, LazyLock};

use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};

use super::RenderError;

/// Family names of the embedded fonts, as the font files declare them.
struct Fonts {
    db: Arc<fontdb::Database>,
    sans: String,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let mut db = fontdb::Database::new();
    db.load_font_data(epaint_default_fonts::UBUNTU_LIGHT.to_vec());
    // The first face is Ubuntu Light; ask the file for its family name rather than assume it.
    let sans = first_family(&db).unwrap_or_else(|| "Ubuntu".to_string());
    db.load_font_data(epaint_default_fonts::HACK_REGULAR.to_vec());
    let mono = db
        .faces()
        .nth(1)
        .and_then(|f| f.families.first())
        .map_or_else(|| "Hack".to_string(), |(name, _)| name.clone());
    db.set_sans_serif_family(sans.clone());
    db.set_serif_family(sans.clone());
    db.set_monospace_family(mono);
    Fonts {
        db: Arc::new(db),
        sans,
    }
});

fn first_family(db: &fontdb::Database) -> Option<String> {
    db.faces()
        .next()
        .and_then(|f| f.families.first())
        .map(|(name, _)| name.clone())
}

/// The family name `sans-serif` resolves to when rasterising.
#[cfg(test)]
pub(super) fn sans_family() -> &'static str {
    &FONTS.sans
}

pub(super) fn svg_to_png(
    id: &str,
    svg: &str,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, RenderError> {
    let options = usvg::Options {
        font_family: FONTS.sans.clone(),
        fontdb: Arc::clone(&FONTS.db),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|source| RenderError::Svg {
        id: id.to_string(),
        source,
    })?;
    // Width and height were checked against MAX_SIDE_PX, so this only fails when memory does.
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or_else(|| RenderError::Size {
        id: id.to_string(),
        width,
        height,
    })?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let size = tree.size();
    let transform = tiny_skia::Transform::from_scale(
        width as f32 / size.width(),
        height as f32 / size.height(),
    );
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| RenderError::Png {
        id: id.to_string(),
        source: Box::new(e),
    })
}
