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
///
/// The window calls this every frame, so it allocates nothing and reads the points twice
/// (bounds, then the four boxes in one pass), as cheap as drawing them.
#[must_use]
pub fn legend_corner(series: &[Series], y_range: Option<[f64; 2]>) -> Corner {
    let visit = |f: &mut dyn FnMut([f64; 2])| {
        for s in series {
            for_each_point(&s.mark, &mut |p| {
                if p[0].is_finite() && p[1].is_finite() {
                    f(p);
                }
            });
        }
    };
    let mut b = [
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    visit(&mut |p| {
        b = [
            b[0].min(p[0]),
            b[1].max(p[0]),
            b[2].min(p[1]),
            b[3].max(p[1]),
        ];
    });
    let [x0, x1] = [b[0], b[1]];
    let [y0, y1] = y_range.unwrap_or([b[2], b[3]]);
    if !(x1 > x0 && y1 > y0) {
        return Corner::RightTop;
    }
    let (w, h) = ((x1 - x0) * BOX_WIDTH, (y1 - y0) * BOX_HEIGHT);
    // Points in the box of right-top, left-top, right-bottom, left-bottom.
    let mut covered = [0usize; 4];
    visit(&mut |p| {
        let (right, left) = (p[0] >= x1 - w, p[0] <= x0 + w);
        let (top, bottom) = (p[1] >= y1 - h, p[1] <= y0 + h);
        covered[0] += usize::from(right && top);
        covered[1] += usize::from(left && top);
        covered[2] += usize::from(right && bottom);
        covered[3] += usize::from(left && bottom);
    });
    let corners = [
        Corner::RightTop,
        Corner::LeftTop,
        Corner::RightBottom,
        Corner::LeftBottom,
    ];
    // The first of the least covered.
    let best = (0..4).min_by_key(|&i| covered[i]).unwrap_or(0);
    corners[best]
}

/// Each point a mark puts on the chart (segments as ends and middles).
fn for_each_point(mark: &Mark, f: &mut dyn FnMut([f64; 2])) {
    match mark {
        Mark::Line(p) => path_points(p, false, f),
        Mark::Steps(p) => path_points(p, true, f),
        Mark::Points(p) | Mark::Rings(p) | Mark::LabelledPoints { points: p, .. } => {
            p.iter().copied().for_each(f);
        }
        Mark::Band { x, low, high } => {
            for ((&x, &lo), &hi) in x.iter().zip(low).zip(high) {
                [[x, lo], [x, f64::midpoint(lo, hi)], [x, hi]]
                    .into_iter()
                    .for_each(&mut *f);
            }
        }
        Mark::Bars { x, heights, .. } => {
            for (&x, &h) in x.iter().zip(heights) {
                [[x, 0.0], [x, h / 2.0], [x, h]]
                    .into_iter()
                    .for_each(&mut *f);
            }
        }
    }
}

/// A path's points and the middle of each segment (of each step's flat part for steps).
fn path_points(points: &[[f64; 2]], steps: bool, f: &mut dyn FnMut([f64; 2])) {
    points.iter().copied().for_each(&mut *f);
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let y = if steps {
            a[1]
        } else {
            f64::midpoint(a[1], b[1])
        };
        f([f64::midpoint(a[0], b[0]), y]);
    }
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
