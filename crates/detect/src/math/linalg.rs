//! Small dense linear algebra on row-major `Vec<f64>`: Gaussian kernel values,
//! a Cholesky-based inverse of symmetric positive definite matrices and the
//! rank-1 grow/shrink updates of an inverse that FISVDD maintains.
//!
//! Matrices here are at most a few hundred rows (support vectors, features), so
//! plain loops are exact enough and fast enough; no BLAS.

/// Squared Euclidean distance.
#[inline]
#[must_use]
pub fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Gaussian kernel `exp(−‖a−b‖²·gamma)` with `gamma = 1/(2σ²)`.
#[inline]
#[must_use]
pub fn gaussian(a: &[f64], b: &[f64], gamma: f64) -> f64 {
    (-sq_dist(a, b) * gamma).exp()
}

/// Inverse of a symmetric positive definite `n×n` matrix through its Cholesky
/// factor `A = LLᵀ`; `None` when a pivot is not positive (singular or not SPD).
#[must_use]
pub fn spd_inverse(a: &[f64], n: usize) -> Option<Vec<f64>> {
    debug_assert_eq!(a.len(), n * n);
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    // Invert L (lower triangular), then A⁻¹ = L⁻ᵀ L⁻¹.
    let mut li = vec![0.0; n * n];
    for i in 0..n {
        li[i * n + i] = 1.0 / l[i * n + i];
        for j in 0..i {
            let mut s = 0.0;
            for k in j..i {
                s -= l[i * n + k] * li[k * n + j];
            }
            li[i * n + j] = s / l[i * n + i];
        }
    }
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = 0.0;
            for k in i..n {
                s += li[k * n + i] * li[k * n + j];
            }
            inv[i * n + j] = s;
            inv[j * n + i] = s;
        }
    }
    Some(inv)
}

/// `y = M·x` for an `n×n` matrix.
#[must_use]
pub fn mat_vec(m: &[f64], x: &[f64]) -> Vec<f64> {
    let n = x.len();
    (0..n)
        .map(|i| {
            m[i * n..(i + 1) * n]
                .iter()
                .zip(x)
                .map(|(a, b)| a * b)
                .sum()
        })
        .collect()
}

/// Row sums of an `n×n` matrix (`M·e`).
#[must_use]
pub fn row_sums(m: &[f64], n: usize) -> Vec<f64> {
    (0..n).map(|i| m[i * n..(i + 1) * n].iter().sum()).collect()
}

/// Inverse of the bordered matrix `[[A, v], [vᵀ, 1]]` from `A⁻¹` (Schur complement):
/// with `p = A⁻¹v` and `β = 1 − vᵀp`, the new inverse is
/// `[[A⁻¹ + ppᵀ/β, −p/β], [−pᵀ/β, 1/β]]`. `p` and `β` are passed in because the
/// caller has already computed them to decide whether to grow.
#[must_use]
pub fn grow_inverse(inv: &[f64], n: usize, p: &[f64], beta: f64) -> Vec<f64> {
    let m = n + 1;
    let mut out = vec![0.0; m * m];
    for i in 0..n {
        for j in 0..n {
            out[i * m + j] = inv[i * n + j] + p[i] * p[j] / beta;
        }
        out[i * m + n] = -p[i] / beta;
        out[n * m + i] = -p[i] / beta;
    }
    out[n * m + n] = 1.0 / beta;
    out
}

/// Inverse of `A` with row and column `k` removed, from `B = A⁻¹`:
/// `B₋ₖ₋ₖ − B₋ₖ,ₖ·Bₖ,₋ₖ / Bₖₖ` (the rank-1 downdate).
#[must_use]
pub fn shrink_inverse(inv: &[f64], n: usize, k: usize) -> Vec<f64> {
    let m = n - 1;
    let bkk = inv[k * n + k];
    let mut out = Vec::with_capacity(m * m);
    for i in (0..n).filter(|&i| i != k) {
        let bik = inv[i * n + k];
        for j in (0..n).filter(|&j| j != k) {
            out.push(inv[i * n + j] - bik * inv[k * n + j] / bkk);
        }
    }
    out
}

/// Eigen-decomposition of a symmetric `n×n` matrix by cyclic Jacobi rotations (exact to
/// rounding for the handful of features we decompose). Returns the eigenvalues in
/// descending order and the matching unit eigenvectors as rows (`n × n`), each signed so
/// that its largest component is positive (a deterministic orientation).
#[must_use]
pub fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    debug_assert_eq!(a.len(), n * n);
    let mut m = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = m.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    for _sweep in 0..64 {
        let off: f64 = (0..n)
            .flat_map(|p| (0..n).filter(move |&q| q != p).map(move |q| (p, q)))
            .map(|(p, q)| m[p * n + q] * m[p * n + q])
            .sum();
        if off <= 1e-30 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                // Rotation angle that zeroes m[p][q] (the smaller of the two roots).
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + theta.hypot(1.0));
                let c = 1.0 / t.hypot(1.0);
                let s = t * c;
                for k in 0..n {
                    let (kp, kq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * kp - s * kq;
                    m[k * n + q] = s * kp + c * kq;
                }
                for k in 0..n {
                    let (pk, qk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * pk - s * qk;
                    m[q * n + k] = s * pk + c * qk;
                }
                for k in 0..n {
                    let (kp, kq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * kp - s * kq;
                    v[k * n + q] = s * kp + c * kq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| m[j * n + j].total_cmp(&m[i * n + i]));
    let values = order.iter().map(|&i| m[i * n + i]).collect();
    let mut vectors = Vec::with_capacity(n * n);
    for &i in &order {
        let column: Vec<f64> = (0..n).map(|k| v[k * n + i]).collect();
        let largest = column
            .iter()
            .copied()
            .fold(0.0f64, |acc, x| if x.abs() > acc.abs() { x } else { acc });
        let sign = if largest < 0.0 { -1.0 } else { 1.0 };
        vectors.extend(column.iter().map(|x| x * sign));
    }
    (values, vectors)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact here.
mod tests {
    use super::*;

    fn mat_mul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
        let mut out = vec![0.0; n * n];
        for i in 0..n {
            for k in 0..n {
                for j in 0..n {
                    out[i * n + j] += a[i * n + k] * b[k * n + j];
                }
            }
        }
        out
    }

    fn is_identity(m: &[f64], n: usize, tol: f64) -> bool {
        (0..n).all(|i| (0..n).all(|j| (m[i * n + j] - f64::from(u8::from(i == j))).abs() < tol))
    }

    #[test]
    fn inverse_of_known_matrix() {
        // [[4, 2], [2, 3]]⁻¹ = [[3, −2], [−2, 4]] / 8
        let inv = spd_inverse(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        let want = [0.375, -0.25, -0.25, 0.5];
        for (a, b) in inv.iter().zip(want) {
            assert!((a - b).abs() < 1e-15);
        }
        assert!(spd_inverse(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }

    #[test]
    fn grow_and_shrink_match_fresh_inverses() {
        let pts = [[0.0, 0.0], [1.0, 0.3], [0.2, 1.4], [1.5, 1.1]];
        let kernel = |idx: &[usize]| {
            let n = idx.len();
            let mut a = vec![0.0; n * n];
            for (i, &p) in idx.iter().enumerate() {
                for (j, &q) in idx.iter().enumerate() {
                    a[i * n + j] = gaussian(&pts[p], &pts[q], 0.5);
                }
            }
            a
        };
        let inv3 = spd_inverse(&kernel(&[0, 1, 2]), 3).unwrap();
        let v: Vec<f64> = [0, 1, 2]
            .iter()
            .map(|&i| gaussian(&pts[i], &pts[3], 0.5))
            .collect();
        let p = mat_vec(&inv3, &v);
        let beta = 1.0 - v.iter().zip(&p).map(|(a, b)| a * b).sum::<f64>();
        let inv4 = grow_inverse(&inv3, 3, &p, beta);
        assert!(is_identity(
            &mat_mul(&kernel(&[0, 1, 2, 3]), &inv4, 4),
            4,
            1e-12
        ));
        let inv_minus1 = shrink_inverse(&inv4, 4, 1);
        assert!(is_identity(
            &mat_mul(&kernel(&[0, 2, 3]), &inv_minus1, 3),
            3,
            1e-12
        ));
    }

    #[test]
    fn eigen_of_known_and_random_symmetric_matrices() {
        // [[2,1],[1,2]]: eigenvalues 3 and 1, vectors (1,1)/√2 and (1,−1)/√2 (signed).
        let (values, vectors) = symmetric_eigen(&[2.0, 1.0, 1.0, 2.0], 2);
        assert!((values[0] - 3.0).abs() < 1e-12 && (values[1] - 1.0).abs() < 1e-12);
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!((vectors[0] - h).abs() < 1e-12 && (vectors[1] - h).abs() < 1e-12);
        assert!((vectors[2].abs() - h).abs() < 1e-12 && (vectors[2] + vectors[3]).abs() < 1e-12);
        // A v = λ v on a 5×5 matrix BᵀB.
        let b: Vec<f64> = (0..25)
            .map(|i| f64::from((i * 7 % 11) as u8) - 5.0)
            .collect();
        let mut a = vec![0.0; 25];
        for i in 0..5 {
            for j in 0..5 {
                a[i * 5 + j] = (0..5).map(|k| b[k * 5 + i] * b[k * 5 + j]).sum();
            }
        }
        let (values, vectors) = symmetric_eigen(&a, 5);
        assert!(values.windows(2).all(|w| w[0] >= w[1]));
        for (k, lambda) in values.iter().enumerate() {
            let vk = &vectors[k * 5..(k + 1) * 5];
            let av = mat_vec(&a, vk);
            for (x, y) in av.iter().zip(vk) {
                assert!((x - lambda * y).abs() < 1e-9 * (1.0 + lambda.abs()));
            }
            assert!((vk.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }
}
