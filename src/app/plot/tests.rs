//! The window's charts: grid steps, tick labels, every kind drawn with its export buttons.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use super::*;
use streamlens_report::chart::samples;

#[test]
fn grid_steps_follow_the_one_two_five_series() {
    let steps = |base: f64| {
        nice_steps(GridInput {
            bounds: (0.0, 1.0),
            base_step_size: base,
        })
    };
    let close = |a: [f64; 3], b: [f64; 3]| a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-9 * y);
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
