use super::*;
use crate::chart::samples;

/// Whether `text` is drawn as one SVG text element (plotters puts it on its own line).
fn has_text(svg: &str, text: &str) -> bool {
    svg.contains(&format!(">\n{text}\n</text>"))
}

fn png_size(png: &[u8]) -> (u32, u32) {
    // IHDR follows the 8-byte signature and the chunk's length and type (8 bytes).
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

fn distinct_colours(png: &[u8]) -> usize {
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(png).expect("our own PNG decodes");
    let mut seen: Vec<[u8; 4]> = pixmap
        .data()
        .chunks_exact(4)
        .map(|p| [p[0], p[1], p[2], p[3]])
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

#[test]
fn svg_has_title_and_axis_labels_for_every_kind() {
    for spec in samples::typical().iter().chain(&samples::degenerate()) {
        let svg = to_svg(spec, 1600, 1000).expect("renders");
        assert!(svg.starts_with("<svg"), "{}", spec.id);
        assert!(svg.contains(&spec.title), "{}: title missing", spec.id);
        for label in [&spec.x_label, &spec.y_label] {
            assert!(
                svg.contains(label.as_str()),
                "{}: axis label {label}",
                spec.id
            );
        }
        assert!(svg.contains("font-family=\"sans-serif\""), "{}", spec.id);
    }
}

#[test]
fn legend_names_and_category_labels_are_drawn() {
    let specs = samples::typical();
    let find = |id: &str| specs.iter().find(|s| s.id == id).expect("sample exists");
    let svg = to_svg(find("xy_ecdf"), 1600, 1000).expect("renders");
    assert!(has_text(&svg, "new viewers") && has_text(&svg, "returning viewers"));
    let svg = to_svg(find("bars_grouped"), 1600, 1000).expect("renders");
    assert!(has_text(&svg, "smart tv") && has_text(&svg, "startup failure"));
    let svg = to_svg(find("heatmap_corr"), 1600, 1000).expect("renders");
    assert!(has_text(&svg, "rebuffer ratio"));
    // Shared decimals: 1 prints as 1.00 next to 0.60.
    assert!(has_text(&svg, "0.60") && has_text(&svg, "1.00"));
    let svg = to_svg(find("boxes"), 1600, 1000).expect("renders");
    assert!(has_text(&svg, "console") && has_text(&svg, "n = 1000"));
    let svg = to_svg(find("heatmap_counts"), 1600, 1000).expect("renders");
    assert!(has_text(&svg, "1311") && has_text(&svg, "Sun") && has_text(&svg, "23:00"));
}

#[test]
fn png_has_requested_size_and_content() {
    for spec in samples::typical().iter().chain(&samples::degenerate()) {
        for (w, h) in [(1600, 1000), (640, 400)] {
            let png = to_png(spec, w, h).expect("renders");
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{}", spec.id);
            assert_eq!(png_size(&png), (w, h), "{}", spec.id);
            // Title text and axes alone give many anti-aliased shades.
            assert!(distinct_colours(&png) >= 5, "{} looks blank", spec.id);
        }
    }
}

#[test]
fn embedded_font_is_used_for_sans_serif() {
    assert!(
        raster::sans_family().contains("Ubuntu"),
        "{}",
        raster::sans_family()
    );
}

#[test]
fn bad_sizes_are_errors_naming_the_chart() {
    let spec = &samples::typical()[0];
    let err = to_svg(spec, 10, 1000).expect_err("too small");
    assert!(err.to_string().contains(&spec.id), "{err}");
    assert!(to_png(spec, 1000, MAX_SIDE_PX + 1).is_err());
}

#[test]
fn save_writes_both_formats_atomically() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = &samples::typical()[0];
    let png = dir.path().join("chart.png");
    let svg = dir.path().join("chart.svg");
    save(spec, &png, ImageFormat::Png, 800, 500).expect("png saved");
    save(spec, &svg, ImageFormat::Svg, 800, 500).expect("svg saved");
    assert!(
        std::fs::read(&png)
            .expect("png exists")
            .starts_with(b"\x89PNG")
    );
    assert!(
        std::fs::read_to_string(&svg)
            .expect("svg exists")
            .contains("<svg")
    );
    let names: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
    assert_eq!(names.len(), 2, "no temporary files left behind");

    let missing = dir.path().join("no/such/dir/chart.png");
    let err = save(spec, &missing, ImageFormat::Png, 800, 500).expect_err("no dir");
    assert!(err.to_string().contains("no/such/dir"), "{err}");
}

#[test]
fn image_format_from_extension() {
    assert_eq!(ImageFormat::from_extension("PNG"), Some(ImageFormat::Png));
    assert_eq!(ImageFormat::from_extension("svg"), Some(ImageFormat::Svg));
    assert_eq!(ImageFormat::from_extension("jpg"), None);
    assert_eq!(
        ImageFormat::from_path(Path::new("/a/b.Svg")),
        Some(ImageFormat::Svg)
    );
}

#[test]
fn ticks_are_nice_and_cover_the_range() {
    let (ticks, decimals) = frame::nice_ticks(0.0, 1.0, 5);
    assert_eq!(ticks, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    assert_eq!(decimals, 1);
    let (ticks, _) = frame::nice_ticks(-3.0, 1234.0, 6);
    assert!(ticks.len() >= 3 && ticks.iter().all(|t| (-3.0..=1234.0).contains(t)));
    assert_eq!(frame::padded(Some((2.0, 2.0)), 0.0), (1.8, 2.2));
    assert_eq!(frame::padded(None, 0.0), (0.0, 1.0));
    assert_eq!(crate::chart::cell_label(-0.004, 2), "0.00");
    assert_eq!(crate::chart::cell_label(0.5, 2), "0.50");
}

/// Writes every sample to `/tmp/chart-previews` for looking at; run with `--ignored`.
#[test]
#[ignore = "writes preview images for a human to look at"]
fn write_previews() {
    let dir = Path::new("/tmp/chart-previews");
    std::fs::create_dir_all(dir).expect("preview dir");
    for spec in samples::typical().iter().chain(&samples::degenerate()) {
        save(
            spec,
            &dir.join(format!("{}.png", spec.id)),
            ImageFormat::Png,
            1600,
            1000,
        )
        .expect("saved");
        save(
            spec,
            &dir.join(format!("{}_small.png", spec.id)),
            ImageFormat::Png,
            640,
            400,
        )
        .expect("saved");
    }
}
