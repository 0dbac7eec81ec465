//! Viewer segments as tables and charts, shared by the window and `streamlens segments`:
//! the segments with their centroids, how they split by country and viewer type, every
//! viewer's segment, and the viewers on engagement × `QoE` coloured by segment. Formatting only.

use crate::chart::{BarSeries, ChartKind, ChartSpec, Mark, Series, category_colour};
use crate::tables::{Cell, TableSpec};
use streamlens_clusters::viewers::{SegmentSplit, ViewerSegments};
use streamlens_engine::dataset::Dataset;
use streamlens_engine::schema::Canonical;

/// Viewers drawn at most on the scatter (evenly spaced by viewer order).
const MAX_DRAWN: usize = 3_000;

fn number(value: f64, decimals: usize) -> Cell {
    Cell::Number { value, decimals }
}

/// One row per segment: size, share, centroid.
#[must_use]
pub fn segments_table(s: &ViewerSegments) -> TableSpec {
    TableSpec {
        id: "viewer_segments".into(),
        title: "Viewer segments".into(),
        columns: [
            "segment",
            "viewers",
            "share",
            "engagement",
            "qoe",
            "bad_share",
            "buffer_s",
            "samples",
            "description",
        ]
        .iter()
        .map(|c| (*c).to_string())
        .collect(),
        rows: s
            .segments
            .iter()
            .map(|g| {
                let c = &g.centroid;
                vec![
                    Cell::Text(g.name.clone()),
                    number(g.viewers as f64, 0),
                    number(g.share, 3),
                    number(c[0], 3),
                    number(c[1], 3),
                    number(c[2], 3),
                    number(c[3], 2),
                    number(c[4], 0),
                    Cell::Text(g.description.clone()),
                ]
            })
            .collect(),
    }
}

/// Viewers per segment and value of each split dimension (long form).
#[must_use]
pub fn split_table(s: &ViewerSegments) -> TableSpec {
    let mut rows = Vec::new();
    for split in &s.splits {
        for (g, counts) in s.segments.iter().zip(&split.counts) {
            for (value, &n) in split.values.iter().zip(counts) {
                rows.push(vec![
                    Cell::Text(g.name.clone()),
                    Cell::Text(split.dimension.clone()),
                    Cell::Text(value.clone()),
                    number(n as f64, 0),
                ]);
            }
        }
    }
    TableSpec {
        id: "viewer_segment_split".into(),
        title: "Viewer segments by country and viewer type".into(),
        columns: vec![
            "segment".into(),
            "dimension".into(),
            "value".into(),
            "viewers".into(),
        ],
        rows,
    }
}

/// Every viewer with their segment and profile.
#[must_use]
pub fn viewers_table(dataset: &Dataset, s: &ViewerSegments) -> TableSpec {
    TableSpec {
        id: "viewers".into(),
        title: "Viewers and their segments".into(),
        columns: [
            "viewer_id",
            "segment",
            "engagement",
            "qoe",
            "bad_share",
            "buffer_s",
            "samples",
        ]
        .iter()
        .map(|c| (*c).to_string())
        .collect(),
        rows: s
            .profiles
            .iter()
            .zip(&s.segment_of)
            .map(|(p, &g)| {
                vec![
                    Cell::Text(dataset.label(Canonical::ViewerId.name(), p.viewer)),
                    Cell::Text(s.segments[g].name.clone()),
                    number(p.engagement, 3),
                    number(p.qoe, 4),
                    number(p.bad_share, 3),
                    number(p.buffer_s, 3),
                    number(f64::from(p.samples), 0),
                ]
            })
            .collect(),
    }
}

/// Viewers on mean engagement × mean `QoE`, one colour per segment (at most 3,000 drawn).
#[must_use]
pub fn segments_scatter(s: &ViewerSegments) -> ChartSpec {
    let step = s.profiles.len().div_ceil(MAX_DRAWN).max(1);
    let series = s
        .segments
        .iter()
        .map(|g| Series {
            name: format!("{} ({})", g.name, g.viewers),
            color: category_colour(g.id),
            mark: Mark::Points(
                s.profiles
                    .iter()
                    .zip(&s.segment_of)
                    .step_by(step)
                    .filter(|&(_, &seg)| seg == g.id)
                    .map(|(p, _)| [p.engagement, p.qoe])
                    .collect(),
            ),
        })
        .collect();
    ChartSpec {
        id: "viewer_segments_scatter".into(),
        title: format!(
            "Viewer segments: {} viewers in {} segments{}",
            s.profiles.len(),
            s.segments.len(),
            s.silhouette
                .map_or_else(String::new, |v| format!(" (silhouette {v:.2})"))
        ),
        x_label: "mean engagement".into(),
        y_label: "mean QoE".into(),
        kind: ChartKind::Xy {
            series,
            y_range: None,
        },
    }
}

/// How each value of `split`'s dimension divides into segments (stacked bars, viewers).
#[must_use]
pub fn split_chart(s: &ViewerSegments, split: &SegmentSplit) -> ChartSpec {
    ChartSpec {
        id: format!("viewer_segments_by_{}", split.dimension.replace(' ', "_")),
        title: format!("Viewer segments by {}", split.dimension),
        x_label: split.dimension.clone(),
        y_label: "viewers".into(),
        kind: ChartKind::Bars {
            categories: split.values.clone(),
            series: s
                .segments
                .iter()
                .zip(&split.counts)
                .map(|(g, counts)| BarSeries {
                    name: g.name.clone(),
                    color: category_colour(g.id),
                    values: counts.iter().map(|&n| n as f64).collect(),
                })
                .collect(),
            stacked: true,
        },
    }
}
