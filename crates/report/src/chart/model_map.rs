//! The model map chart: rows (event windows, table rows) on the detector's first two
//! principal components — training rows, scored rows inside and outside the boundary (hover
//! names the row), the support vectors, and the boundary where the score equals τ.

use super::{ChartKind, ChartSpec, Mark, Series};
use streamlens_detect::map::{LabelledMap, Pca2};

const BLUE: usize = 0;
// Both read on the dark and the light theme.
const GREEN: usize = 2;
const PURPLE: usize = 3;
const VERMILLION: usize = 5;
const LIGHT_GREY: usize = 8;

/// Loadings shown per axis label.
const LOADINGS_SHOWN: usize = 2;

/// `PC1 (62 %): +0.71 qoe_p10, +0.55 bad_share` — the share of variance and the two
/// heaviest features.
fn axis_label(pca: &Pca2, axis: usize, features: &[String]) -> String {
    let loadings: Vec<String> = pca
        .top_loadings(axis, LOADINGS_SHOWN)
        .into_iter()
        .map(|(f, w)| {
            let name = features.get(f).map_or("?", String::as_str);
            format!("{w:+.2} {name}")
        })
        .collect();
    format!(
        "PC{} ({:.0} %): {}",
        axis + 1,
        pca.explained[axis] * 100.0,
        loadings.join(", ")
    )
}

/// One map (`map.map.threshold` is the τ its boundary is drawn at).
#[must_use]
pub fn model_map_chart(map: &LabelledMap) -> ChartSpec {
    let m = &map.map;
    let tau = m.threshold;
    let mut inside = (Vec::new(), Vec::new());
    let mut outside = (Vec::new(), Vec::new());
    for (p, label) in m.points.iter().zip(&map.labels) {
        let text = format!("{label}\nscore {:.2} (τ {tau:.2})", p.score);
        let side = if p.outside(tau) {
            &mut outside
        } else {
            &mut inside
        };
        side.0.push(p.at);
        side.1.push(text);
    }
    let mut boundary = Vec::new();
    for line in &m.boundary {
        if !boundary.is_empty() {
            boundary.push([f64::NAN, f64::NAN]);
        }
        boundary.extend_from_slice(line);
    }
    let mut series = vec![
        Series {
            name: "training rows".into(),
            color: LIGHT_GREY,
            mark: Mark::Points(m.training.clone()),
        },
        Series {
            name: "inside (score ≤ τ)".into(),
            color: BLUE,
            mark: Mark::LabelledPoints {
                points: inside.0,
                labels: inside.1,
            },
        },
        Series {
            name: "outside (score > τ)".into(),
            color: VERMILLION,
            mark: Mark::LabelledPoints {
                points: outside.0,
                labels: outside.1,
            },
        },
        Series {
            name: "boundary (score = τ on this plane)".into(),
            color: GREEN,
            mark: Mark::Line(boundary),
        },
    ];
    if !m.support.is_empty() {
        series.push(Series {
            name: format!("support vectors ({})", m.support.len()),
            color: PURPLE,
            mark: Mark::Rings(m.support.clone()),
        });
    }
    ChartSpec {
        id: format!("model_map_{}", map.name.replace(' ', "_")),
        title: format!("Detector map: {}", map.name),
        x_label: axis_label(&m.pca, 0, &map.features),
        y_label: axis_label(&m.pca, 1, &map.features),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}
