//! Level lines of a function sampled on a rectangular grid (marching squares), joined into
//! polylines for drawing a decision boundary.

use std::collections::HashMap;

/// Where the grid values cross `level`, as polylines. `values` is row-major over
/// `ys.len()` rows of `xs.len()` nodes; a node counts as above when its value is greater
/// than `level` (`NaN` counts as below). Saddle cells are split by the cell's mean.
#[must_use]
pub fn contour_lines(xs: &[f64], ys: &[f64], values: &[f64], level: f64) -> Vec<Vec<[f64; 2]>> {
    let nx = xs.len();
    if nx < 2 || ys.len() < 2 || values.len() != nx * ys.len() {
        return Vec::new();
    }
    let above = |node: usize| values[node] > level;
    // The crossing on the edge between two nodes, computed from the nodes in index order so
    // both cells sharing the edge get the same point, bit for bit.
    let crossing = |a: usize, b: usize| -> [f64; 2] {
        let (a, b) = (a.min(b), a.max(b));
        let (va, vb) = (values[a], values[b]);
        let t = if (vb - va).abs() > 0.0 && va.is_finite() && vb.is_finite() {
            ((level - va) / (vb - va)).clamp(0.0, 1.0)
        } else {
            0.5
        };
        let (pa, pb) = ([xs[a % nx], ys[a / nx]], [xs[b % nx], ys[b / nx]]);
        [pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])]
    };
    let mut segments: Vec<[[f64; 2]; 2]> = Vec::new();
    for j in 0..ys.len() - 1 {
        for i in 0..nx - 1 {
            // Corners counter-clockwise from the bottom left; edge k joins corner k and k+1.
            let c = [
                j * nx + i,
                j * nx + i + 1,
                (j + 1) * nx + i + 1,
                (j + 1) * nx + i,
            ];
            let up = c.map(above);
            let crossed: Vec<usize> = (0..4).filter(|&k| up[k] != up[(k + 1) % 4]).collect();
            let edge = |k: usize| crossing(c[k], c[(k + 1) % 4]);
            match crossed.len() {
                2 => segments.push([edge(crossed[0]), edge(crossed[1])]),
                4 => {
                    let mean = c.iter().map(|&n| values[n]).sum::<f64>() / 4.0;
                    let centre_up = mean > level;
                    // A corner on the other side from the centre is cut off by the
                    // segment between its two edges (k − 1 and k).
                    for k in (0..4).filter(|&k| up[k] != centre_up) {
                        segments.push([edge((k + 3) % 4), edge(k)]);
                    }
                }
                _ => {}
            }
        }
    }
    join(&segments)
}

/// Joins segments that share end points into polylines.
fn join(segments: &[[[f64; 2]; 2]]) -> Vec<Vec<[f64; 2]>> {
    let key = |p: [f64; 2]| (p[0].to_bits(), p[1].to_bits());
    let mut at: HashMap<(u64, u64), Vec<usize>> = HashMap::new();
    for (i, s) in segments.iter().enumerate() {
        for p in s {
            at.entry(key(*p)).or_default().push(i);
        }
    }
    let mut used = vec![false; segments.len()];
    let mut lines = Vec::new();
    for start in 0..segments.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let mut forward = vec![segments[start][0], segments[start][1]];
        let mut backward: Vec<[f64; 2]> = Vec::new();
        for (line, from) in [
            (&mut forward, segments[start][1]),
            (&mut backward, segments[start][0]),
        ] {
            let mut end = from;
            while let Some(&next) = at
                .get(&key(end))
                .and_then(|ids| ids.iter().find(|&&i| !used[i]))
            {
                used[next] = true;
                let s = segments[next];
                end = if key(s[0]) == key(end) { s[1] } else { s[0] };
                line.push(end);
            }
        }
        backward.reverse();
        backward.extend(forward);
        lines.push(backward);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(n: usize, f: impl Fn(f64, f64) -> f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let axis: Vec<f64> = (0..n)
            .map(|i| -2.0 + 4.0 * i as f64 / (n - 1) as f64)
            .collect();
        let values = axis
            .iter()
            .flat_map(|&y| axis.iter().map(move |&x| (x, y)))
            .map(|(x, y)| f(x, y))
            .collect();
        (axis.clone(), axis, values)
    }

    #[test]
    fn circle_is_one_closed_line_on_the_radius() {
        // r² = 0.98: no grid node lies exactly on the level (that degenerate case may split
        // the line where several cells meet, which still draws correctly).
        let (xs, ys, values) = grid(41, |x, y| x * x + y * y);
        let lines = contour_lines(&xs, &ys, &values, 0.98);
        assert_eq!(lines.len(), 1, "one closed curve");
        let line = &lines[0];
        assert_eq!(line.first(), line.last(), "closed");
        for p in line {
            let r = p[0].hypot(p[1]);
            // Linear interpolation of r² over a 0.1 cell: within 0.01 of the radius.
            assert!((r - 0.98f64.sqrt()).abs() < 0.01, "{p:?} at radius {r}");
        }
    }

    #[test]
    fn half_plane_gives_a_straight_open_line_and_flat_gives_none() {
        let (xs, ys, values) = grid(11, |x, _| x);
        let lines = contour_lines(&xs, &ys, &values, 0.3);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].iter().all(|p| (p[0] - 0.3).abs() < 1e-12));
        assert_eq!(lines[0].len(), 11, "one point per row of nodes");
        let (xs, ys, values) = grid(11, |_, _| 0.0);
        assert!(contour_lines(&xs, &ys, &values, 0.5).is_empty());
    }

    #[test]
    fn saddle_cells_give_two_segments() {
        // One cell: corners (bottom-left, bottom-right, top-left, top-right) = 1, 0, 0, 1.
        let lines = contour_lines(&[0.0, 1.0], &[0.0, 1.0], &[1.0, 0.0, 0.0, 1.0], 0.4);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.len() == 2));
    }
}
