//! Where a chart's legend covers the least of its data.

use super::{Mark, Series};

/// A corner of the plot area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    RightTop,
    LeftTop,
    RightBottom,
    LeftBottom,
}

/// Share of the width and of the height a legend box is taken to cover at its corner.
const BOX_WIDTH: f64 = 0.4;
const BOX_HEIGHT: f64 = 0.3;

/// The corner of an x–y chart whose box (the outer 40 % of the data's x span and 30 % of
/// its y span, or of `y_range` when given) holds the fewest of the marks' points; line and
/// step segments count by their two ends and their middle, so a sparse line across a corner
/// counts too. Ties go to the first of right-top, left-top, right-bottom, left-bottom.
/// An ECDF rises at the right and lies flat at the bottom-left: its legend goes left-top.
#[must_use]
pub fn legend_corner(series: &[Series], y_range: Option<[f64; 2]>) -> Corner {
    let mut points: Vec<[f64; 2]> = Vec::new();
    for s in series {
        add_points(&s.mark, &mut points);
    }
    points.retain(|p| p[0].is_finite() && p[1].is_finite());
    let Some(bounds) = bounds(&points, y_range) else {
        return Corner::RightTop;
    };
    let [x0, x1, y0, y1] = bounds;
    let (w, h) = ((x1 - x0) * BOX_WIDTH, (y1 - y0) * BOX_HEIGHT);
    let covered = |corner: Corner| {
        let right = matches!(corner, Corner::RightTop | Corner::RightBottom);
        let top = matches!(corner, Corner::RightTop | Corner::LeftTop);
        points
            .iter()
            .filter(|p| {
                let in_x = if right {
                    p[0] >= x1 - w
                } else {
                    p[0] <= x0 + w
                };
                let in_y = if top { p[1] >= y1 - h } else { p[1] <= y0 + h };
                in_x && in_y
            })
            .count()
    };
    [
        Corner::RightTop,
        Corner::LeftTop,
        Corner::RightBottom,
        Corner::LeftBottom,
    ]
    .into_iter()
    .min_by_key(|&c| covered(c))
    .unwrap_or(Corner::RightTop)
}

/// The points a mark puts on the chart (segments as ends and middles).
fn add_points(mark: &Mark, out: &mut Vec<[f64; 2]>) {
    match mark {
        Mark::Line(p) => add_path(p, false, out),
        Mark::Steps(p) => add_path(p, true, out),
        Mark::Points(p) | Mark::Rings(p) | Mark::LabelledPoints { points: p, .. } => {
            out.extend_from_slice(p);
        }
        Mark::Band { x, low, high } => {
            for ((&x, &lo), &hi) in x.iter().zip(low).zip(high) {
                out.extend([[x, lo], [x, f64::midpoint(lo, hi)], [x, hi]]);
            }
        }
        Mark::Bars { x, heights, .. } => {
            for (&x, &h) in x.iter().zip(heights) {
                out.extend([[x, 0.0], [x, h / 2.0], [x, h]]);
            }
        }
    }
}

/// A path's points and the middle of each segment (of each step's flat part for steps).
fn add_path(points: &[[f64; 2]], steps: bool, out: &mut Vec<[f64; 2]>) {
    out.extend_from_slice(points);
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let y = if steps {
            a[1]
        } else {
            f64::midpoint(a[1], b[1])
        };
        out.push([f64::midpoint(a[0], b[0]), y]);
    }
}

/// [x min, x max, y min, y max] of the points (y from `y_range` when given); `None` when
/// there are no points or a span is empty.
fn bounds(points: &[[f64; 2]], y_range: Option<[f64; 2]>) -> Option<[f64; 4]> {
    let fold = |i: usize| {
        points
            .iter()
            .fold([f64::INFINITY, f64::NEG_INFINITY], |m, p| {
                [m[0].min(p[i]), m[1].max(p[i])]
            })
    };
    let [x0, x1] = fold(0);
    let [y0, y1] = y_range.unwrap_or_else(|| fold(1));
    (x1 > x0 && y1 > y0).then_some([x0, x1, y0, y1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(mark: Mark) -> Series {
        Series {
            name: "s".into(),
            color: 0,
            mark,
        }
    }

    #[test]
    fn an_ecdf_puts_the_legend_left_top() {
        // F rises late: flat near 0 over the left, up to 1 at the right.
        let ecdf: Vec<[f64; 2]> = (0..=100)
            .map(|i| {
                let x = 0.7 + 0.003 * f64::from(i);
                [x, (f64::from(i) / 100.0).powi(6)]
            })
            .collect();
        let corner = legend_corner(&[series(Mark::Steps(ecdf))], Some([0.0, 1.0]));
        assert_eq!(corner, Corner::LeftTop);
    }

    #[test]
    fn a_falling_line_puts_it_right_top_and_a_rising_one_left_top() {
        let falling = vec![[0.0, 10.0], [10.0, 0.0]];
        assert_eq!(
            legend_corner(&[series(Mark::Line(falling))], None),
            Corner::RightTop
        );
        let rising = vec![[0.0, 0.0], [10.0, 10.0]];
        assert_eq!(
            legend_corner(&[series(Mark::Line(rising))], None),
            Corner::LeftTop
        );
    }

    #[test]
    fn data_high_everywhere_puts_it_at_the_bottom() {
        let high: Vec<[f64; 2]> = (0..=20).map(|i| [f64::from(i), 9.0]).collect();
        let corner = legend_corner(&[series(Mark::Points(high))], Some([0.0, 10.0]));
        assert_eq!(corner, Corner::RightBottom);
    }

    #[test]
    fn no_data_keeps_the_default() {
        assert_eq!(legend_corner(&[], None), Corner::RightTop);
        let one = vec![[1.0, 1.0]];
        assert_eq!(
            legend_corner(&[series(Mark::Points(one))], None),
            Corner::RightTop
        );
    }
}
