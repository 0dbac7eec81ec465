//! Exact statistics on plain slices, defined as scipy/numpy define them so
//! users can check every number: quantiles (numpy's linear method), sample
//! standard deviation, average ranks, Pearson and Spearman correlation, the
//! correlation ratio η, the two-sample Kolmogorov–Smirnov statistic, the
//! Mann–Whitney U test and Benjamini–Hochberg q-values.
//!
//! The KS p-value lives in [`crate::kolmogorov`].

/// The `q`-quantile of sorted values with linear interpolation between order
/// statistics (numpy's default): position `q·(n−1)`.
#[must_use]
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let position = q * (sorted.len() - 1) as f64;
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    let frac = position - lower as f64;
    Some(sorted[lower] + (sorted[upper] - sorted[lower]) * frac)
}

/// Arithmetic mean.
#[must_use]
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample standard deviation (ddof = 1); `None` below two values.
#[must_use]
pub fn std_sample(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    Some((ss / (values.len() - 1) as f64).sqrt())
}

/// Ties are values that are exactly equal (as in scipy); no tolerance.
#[allow(clippy::float_cmp)]
fn tied(a: f64, b: f64) -> bool {
    a == b
}

/// Ranks 1..n with ties given their average rank (scipy `rankdata`, method "average").
#[must_use]
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && tied(values[order[j + 1]], values[order[i]]) {
            j += 1;
        }
        // Positions i..=j (0-based) share rank (i+1 + j+1) / 2.
        let rank = (i + j + 2) as f64 / 2.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Pearson's r; `None` when either side is constant or lengths differ.
#[must_use]
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (mx, my) = (mean(x)?, mean(y)?);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// Spearman's ρ: Pearson's r of average ranks.
#[must_use]
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson(&average_ranks(x), &average_ranks(y))
}

/// Correlation ratio η = √(between-group sum of squares / total sum of squares).
#[must_use]
pub fn correlation_ratio(groups: &[Vec<f64>]) -> Option<f64> {
    let all: Vec<f64> = groups.iter().flatten().copied().collect();
    let m = mean(&all)?;
    let total: f64 = all.iter().map(|v| (v - m) * (v - m)).sum();
    if total == 0.0 {
        return None;
    }
    let between: f64 = groups
        .iter()
        .filter_map(|g| Some(g.len() as f64 * (mean(g)? - m).powi(2)))
        .sum();
    Some((between / total).sqrt())
}

/// Two-sample Kolmogorov–Smirnov statistic D = max |F₁ − F₂| over all values.
#[must_use]
pub fn ks_statistic(a: &[f64], b: &[f64]) -> Option<f64> {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    ks_statistic_sorted(&a, &b)
}

/// [`ks_statistic`] of two samples already sorted ascending (one merge pass).
#[must_use]
pub fn ks_statistic_sorted(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0_f64);
    while i < a.len() && j < b.len() {
        // Step past every copy of the smaller value in both samples.
        let v = a[i].min(b[j]);
        while i < a.len() && a[i] <= v {
            i += 1;
        }
        while j < b.len() && b[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    Some(d)
}

/// Upper tail of the standard normal distribution.
#[must_use]
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// Mann–Whitney U test result: `u` is U of the first sample.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MannWhitney {
    pub u: f64,
    pub p_value: f64,
}

/// Mann–Whitney U with the two-sided p-value from the normal approximation,
/// with tie and continuity corrections (scipy `mannwhitneyu`, method
/// "asymptotic"): z = (max(U₁, U₂) − n₁n₂/2 − ½) / σ, σ² = n₁n₂/12 ·
/// ((n+1) − Σ(t³−t)/(n(n−1))), p = 2·sf(z) capped at 1.
#[must_use]
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<MannWhitney> {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    mann_whitney_sorted(&a, &b)
}

/// [`mann_whitney`] of two samples already sorted ascending: the rank sum and
/// the tie term come from one merge pass over runs of equal values.
#[must_use]
pub fn mann_whitney_sorted(a: &[f64], b: &[f64]) -> Option<MannWhitney> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0, 0);
    let (mut rank_sum_a, mut tie_term) = (0.0, 0.0);
    while i < a.len() || j < b.len() {
        let v = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        let start = (i + j) as f64;
        let (i0, j0) = (i, j);
        while i < a.len() && tied(a[i], v) {
            i += 1;
        }
        while j < b.len() && tied(b[j], v) {
            j += 1;
        }
        let t = ((i - i0) + (j - j0)) as f64;
        // The run takes ranks start+1 ..= start+t; each member gets their mean.
        rank_sum_a += (i - i0) as f64 * (start + f64::midpoint(t, 1.0));
        tie_term += t * t * t - t;
    }
    Some(mann_whitney_from_sums(n1, n2, rank_sum_a, tie_term))
}

/// U and p from the sample sizes, the first sample's rank sum and Σ(t³ − t) over ties.
#[must_use]
pub fn mann_whitney_from_sums(n1: f64, n2: f64, rank_sum_a: f64, tie_term: f64) -> MannWhitney {
    let u1 = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let u = u1.max(n1 * n2 - u1);
    let n = n1 + n2;
    let sigma = (n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
    let p_value = if sigma > 0.0 {
        (2.0 * normal_sf((u - n1 * n2 / 2.0 - 0.5) / sigma)).min(1.0)
    } else {
        1.0
    };
    MannWhitney { u: u1, p_value }
}

/// Benjamini–Hochberg q-values in the input order (scipy
/// `false_discovery_control`, method "bh"): q₍ᵢ₎ = min over j ≥ i of p₍ⱼ₎·m/j, capped at 1.
#[must_use]
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len() as f64;
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![0.0; p.len()];
    let mut running = f64::INFINITY;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
#[allow(clippy::unreadable_literal)] // reference values exactly as scipy printed them
mod tests {
    use super::*;

    // Reference values from scipy 1.17.1 / numpy (printed with repr).
    const X: [f64; 25] = [
        0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64, -0.82,
        0.37, 1.77, 1.09, -1.28, 2.36, 1.31, 1.05, -0.32, -0.4, 1.06, -2.47,
    ];
    const Y: [f64; 26] = [
        2.2, 1.66, 1.38, 0.2, 0.36, 0.0, 0.96, 1.56, 0.44, 1.5, -0.3, 0.66, 2.31, 3.29, -0.27,
        -0.37, 0.38, 0.7, 0.19, -0.41, -0.47, 0.18, 1.32, 0.43, 0.2, 0.36,
    ];

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }

    #[test]
    fn quantiles_and_std_match_numpy() {
        let mut s = X.to_vec();
        s.sort_by(f64::total_cmp);
        let want = [-1.0959999999999999, -0.4, 0.37, 1.05, 1.5080000000000005];
        for (q, w) in [0.1, 0.25, 0.5, 0.75, 0.9].into_iter().zip(want) {
            close(quantile_sorted(&s, q).unwrap(), w);
        }
        close(std_sample(&X).unwrap(), 1.1115412722881683);
    }

    #[test]
    fn ranks_average_ties() {
        let r = average_ranks(&[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0]);
        assert_eq!(
            r,
            vec![4.5, 1.5, 6.0, 1.5, 8.0, 11.0, 3.0, 10.0, 8.0, 4.5, 8.0]
        );
    }

    #[test]
    fn correlations_match_scipy() {
        close(pearson(&X[..24], &Y[..24]).unwrap(), -0.24682084703031565);
        close(spearman(&X[..24], &Y[..24]).unwrap(), -0.248695652173913);
        let a = [1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 5.0, 7.0];
        let b = [2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0, 5.0, 6.0, 6.0];
        close(spearman(&a, &b).unwrap(), 0.9361937579983592);
        assert_eq!(pearson(&[1.0, 1.0], &[2.0, 3.0]), None);
    }

    #[test]
    fn eta_by_hand() {
        let groups = vec![
            vec![1.0, 2.0, 3.0],
            vec![2.0, 4.0],
            vec![9.0, 8.0, 10.0, 7.0],
        ];
        close(correlation_ratio(&groups).unwrap(), 0.9503210235740815);
    }

    #[test]
    fn ks_statistic_matches_scipy() {
        close(ks_statistic(&X, &Y).unwrap(), 0.24);
        let a = [1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 5.0];
        let b = [2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0, 5.0, 6.0, 6.0];
        close(ks_statistic(&a, &b).unwrap(), 0.40909090909090906);
    }

    #[test]
    fn mann_whitney_matches_scipy() {
        let r = mann_whitney(&X, &Y).unwrap();
        close(r.u, 259.0);
        close(r.p_value, 0.21712025348534492);
        let a = [1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 5.0];
        let b = [2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0, 5.0, 6.0, 6.0];
        let r = mann_whitney(&a, &b).unwrap();
        close(r.u, 26.5);
        close(r.p_value, 0.044584027189531604);
    }

    #[test]
    fn normal_tail() {
        close(normal_sf(1.2345), 0.10850832336267019);
        assert!((normal_sf(5.5) - 1.898956246588768e-08).abs() < 1e-20);
        close(normal_sf(-0.3), 0.6179114221889526);
    }

    #[test]
    fn bh_matches_scipy() {
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.5, 0.2, 0.04]);
        let want = [0.035, 0.056, 0.056, 0.035, 0.5, 0.23333333333333336, 0.056];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn bh_q_values_are_at_least_p_and_monotone(p in proptest::collection::vec(0.0f64..1.0, 1..40)) {
            let q = benjamini_hochberg(&p);
            let mut pairs: Vec<(f64, f64)> = p.iter().copied().zip(q.iter().copied()).collect();
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            for w in pairs.windows(2) {
                proptest::prop_assert!(w[0].1 <= w[1].1 + 1e-15);
            }
            for (p, q) in pairs {
                proptest::prop_assert!(q >= p - 1e-15 && q <= 1.0);
            }
        }

        #[test]
        fn correlations_are_bounded_and_symmetric(
            xy in proptest::collection::vec((-100.0f64..100.0, -100.0f64..100.0), 3..50)
        ) {
            let (x, y): (Vec<f64>, Vec<f64>) = xy.into_iter().unzip();
            if let Some(r) = pearson(&x, &y) {
                proptest::prop_assert!((-1.0..=1.0).contains(&r));
                proptest::prop_assert!((r - pearson(&y, &x).unwrap()).abs() < 1e-12);
            }
            if let Some(r) = spearman(&x, &y) {
                proptest::prop_assert!((-1.0..=1.0).contains(&r));
            }
        }
    }
}
