//! The model map chart: rows (event windows, table rows) on the detector's first two
//! principal components — training rows, scored rows inside and outside the boundary (or
//! coloured by class, such as their event's incident kind; hover names the row), the support
//! vectors, and the boundary where the score equals τ.

use super::{ChartKind, ChartSpec, Mark, Series, category_colour};
use streamlens_detect::map::{LabelledMap, Pca2};

const BLUE: usize = 0;
// Both read on the dark and the light theme.
const GREEN: usize = 2;
const PURPLE: usize = 3;
const VERMILLION: usize = 5;
const DARK_GREY: usize = 7;
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

/// Colours for the map's points by class instead of by side of the boundary: each group
/// (see [`LabelledMap::groups`]) in one named class or in none.
pub struct PointClasses<'a> {
    /// Class names; class `i` is drawn in [`category_colour`]`(i)`.
    pub names: &'a [String],
    /// The class of each group (indexed by group), `None` for groups in no class.
    pub of_group: &'a [Option<usize>],
    /// What points in no class are called in the legend, e.g. `windows of unflagged events`.
    pub unclassed: &'a str,
}

/// One map (`map.map.threshold` is the τ its boundary is drawn at), its scored points split
/// by side of the boundary.
#[must_use]
pub fn model_map_chart(map: &LabelledMap) -> ChartSpec {
    let tau = map.map.threshold;
    let mut inside = Labelled::default();
    let mut outside = Labelled::default();
    for (i, p) in map.map.points.iter().enumerate() {
        let side = if p.outside(tau) {
            &mut outside
        } else {
            &mut inside
        };
        side.push(map, i, None);
    }
    let scored = vec![
        inside.series("inside (score ≤ τ)".into(), BLUE),
        outside.series("outside (score > τ)".into(), VERMILLION),
    ];
    assemble(map, scored)
}

/// One map with its scored points coloured by class (e.g. each window by its event's incident
/// kind); the boundary and support vectors as in [`model_map_chart`].
#[must_use]
pub fn model_map_by_class(map: &LabelledMap, classes: &PointClasses) -> ChartSpec {
    let mut by_class: Vec<Labelled> = classes.names.iter().map(|_| Labelled::default()).collect();
    let mut rest = Labelled::default();
    for (i, group) in map.groups.iter().enumerate() {
        match classes.of_group.get(*group).copied().flatten() {
            Some(c) if c < by_class.len() => by_class[c].push(map, i, Some(&classes.names[c])),
            _ => rest.push(map, i, None),
        }
    }
    let mut scored = vec![rest.series(classes.unclassed.to_owned(), DARK_GREY)];
    for (c, points) in by_class.into_iter().enumerate() {
        if !points.points.is_empty() {
            let name = format!("{} ({} windows)", classes.names[c], points.points.len());
            scored.push(points.series(name, category_colour(c)));
        }
    }
    assemble(map, scored)
}

/// Scored points with their hover labels.
#[derive(Default)]
struct Labelled {
    points: Vec<[f64; 2]>,
    labels: Vec<String>,
}

impl Labelled {
    /// Point `i` of `map`, labelled with its item, score and (if any) class.
    fn push(&mut self, map: &LabelledMap, i: usize, class: Option<&str>) {
        let (Some(p), Some(label)) = (map.map.points.get(i), map.labels.get(i)) else {
            return;
        };
        let tau = map.map.threshold;
        let mut text = format!("{label}\nscore {:.2} (τ {tau:.2})", p.score);
        if let Some(class) = class {
            text.push_str("\nkind: ");
            text.push_str(class);
        }
        self.points.push(p.at);
        self.labels.push(text);
    }

    fn series(self, name: String, color: usize) -> Series {
        Series {
            name,
            color,
            mark: Mark::LabelledPoints {
                points: self.points,
                labels: self.labels,
            },
        }
    }
}

/// The chart around the scored series: training rows under them, the boundary and the
/// support vectors over them.
fn assemble(map: &LabelledMap, scored: Vec<Series>) -> ChartSpec {
    let m = &map.map;
    let mut boundary = Vec::new();
    for line in &m.boundary {
        if !boundary.is_empty() {
            boundary.push([f64::NAN, f64::NAN]);
        }
        boundary.extend_from_slice(line);
    }
    let mut series = vec![Series {
        name: "training rows".into(),
        color: LIGHT_GREY,
        mark: Mark::Points(m.training.clone()),
    }];
    series.extend(scored);
    series.push(Series {
        name: "boundary (score = τ on this plane)".into(),
        color: GREEN,
        mark: Mark::Line(boundary),
    });
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

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use streamlens_detect::ModelKind;
    use streamlens_detect::table::view::{TableSetup, score_table};
    use streamlens_engine::progress::Progress;

    /// A table's detector map: 60 normal rows near the origin and 6 far ones.
    fn table_map() -> LabelledMap {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("x,y\n");
        for i in 0..60 {
            let t = f64::from(i) / 10.0;
            writeln!(text, "{},{}", t.sin(), t.cos()).unwrap();
        }
        for i in 0..6 {
            writeln!(text, "{},-8", 8.0 + f64::from(i)).unwrap();
        }
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let setup = TableSetup {
            features: vec!["x".into(), "y".into()],
            model: ModelKind::Mahalanobis,
            ..TableSetup::default()
        };
        score_table(&path, &setup, 20, &Progress::new())
            .unwrap()
            .map
            .unwrap()
    }

    fn scored(spec: &ChartSpec) -> Vec<(String, usize, Vec<String>)> {
        let ChartKind::Xy { series, .. } = &spec.kind else {
            panic!("a map is an x–y chart");
        };
        series
            .iter()
            .filter_map(|s| match &s.mark {
                Mark::LabelledPoints { labels, .. } => {
                    Some((s.name.clone(), s.color, labels.clone()))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_point_is_drawn_once_in_its_class_colour() {
        let map = table_map();
        let drawn = map.map.points.len();
        assert_eq!(map.groups.len(), drawn);
        // Rows 0–9 in class "a", the far rows in class "c"; class "b" has no row.
        let names = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
        let of_group: Vec<Option<usize>> = (0..66)
            .map(|row| match row {
                0..10 => Some(0),
                60.. => Some(2),
                _ => None,
            })
            .collect();
        let spec = model_map_by_class(
            &map,
            &PointClasses {
                names: &names,
                of_group: &of_group,
                unclassed: "others",
            },
        );
        let series = scored(&spec);
        let expect_a = map.groups.iter().filter(|&&g| g < 10).count();
        let expect_c = map.groups.iter().filter(|&&g| g >= 60).count();
        assert_eq!(expect_c, 6, "the far rows are all drawn");
        assert_eq!(
            series
                .iter()
                .map(|(n, c, l)| (n.as_str(), *c, l.len()))
                .collect::<Vec<_>>(),
            vec![
                ("others", DARK_GREY, drawn - expect_a - expect_c),
                (
                    format!("a ({expect_a} windows)").as_str(),
                    category_colour(0),
                    expect_a
                ),
                ("c (6 windows)", category_colour(2), 6),
            ]
        );
        assert!(series[2].2.iter().all(|l| l.ends_with("kind: c")));
        assert!(series[0].2.iter().all(|l| !l.contains("kind:")));
        // By side of the boundary: the same points, split inside / outside.
        let sides = scored(&model_map_chart(&map));
        assert_eq!(sides.iter().map(|s| s.2.len()).sum::<usize>(), drawn);
    }

    #[test]
    fn the_first_five_categories_never_pair_blue_with_sky_blue() {
        let first: Vec<usize> = (0..5).map(category_colour).collect();
        assert!(!(first.contains(&0) && first.contains(&4)), "{first:?}");
        let mut unique = first.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 5);
    }
}
