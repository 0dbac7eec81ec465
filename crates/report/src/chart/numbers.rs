//! How numbers read on charts, in the window and in exported images alike: tick labels,
//! grid steps and hover values. One place, so a chart on screen and its PNG agree.

/// Decimals a label needs on a grid of `step` (steps are 1, 2, 2.5 or 5 × 10ᵏ):
/// 0.5 → 1, 0.25 → 2, 0.05 → 2, 20 → 0.
#[must_use]
pub fn decimals_for_step(step: f64) -> usize {
    if !(step > 0.0 && step.is_finite()) {
        return 0;
    }
    // The smallest d with step · 10^d an integer; an epsilon absorbs log10 rounding.
    let mut decimals = (-step.log10() - 1e-9).ceil().max(0.0) as usize;
    while decimals < 12 {
        let scaled = step * 10f64.powi(decimals as i32);
        if (scaled - scaled.round()).abs() <= 1e-6 * scaled.abs().max(1.0) {
            break;
        }
        decimals += 1;
    }
    decimals.min(12)
}

/// A tick label with `decimals` fixed decimals; scientific notation for magnitudes of 10⁷
/// and more, or below 10⁻⁴ where fixed decimals would not show the value. "-0" reads "0".
#[must_use]
pub fn tick_label(value: f64, decimals: usize) -> String {
    let a = value.abs();
    let unit = 10f64.powi(decimals.min(15) as i32);
    let shows_as_zero = (value * unit).round() == 0.0;
    if a >= 1e7 || (a != 0.0 && a < 1e-4 && !shows_as_zero) {
        return format!("{value:.2e}");
    }
    let text = format!("{value:.decimals$}");
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        text.trim_start_matches('-').to_string()
    } else {
        text
    }
}

/// Three nested grid steps on the 1-2-5 series: the smallest at least `base`, then
/// multiples of it that keep every coarser line on a finer one (1, 5, 10 · 2, 10, 20 ·
/// 5, 10, 50 × 10ᵏ), so labels land on round numbers at a readable spacing.
#[must_use]
pub fn grid_steps(base: f64) -> [f64; 3] {
    let base = base.abs();
    if !(base.is_finite() && base > 0.0) {
        return [1.0, 5.0, 10.0];
    }
    let mut power = 10f64.powf(base.log10().floor());
    // log10 of an exact power of ten can land just below it.
    if base / power >= 10.0 {
        power *= 10.0;
    }
    let mantissa = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|&m| m * power >= base)
        .unwrap_or(10.0);
    let first = mantissa * power;
    if (3.5..7.5).contains(&mantissa) {
        [first, first * 2.0, first * 10.0]
    } else {
        [first, first * 5.0, first * 10.0]
    }
}

/// A number in a tooltip: up to 4 decimals without trailing zeros, scientific at extremes,
/// "–" for a missing value.
#[must_use]
pub fn hover_number(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        "–".to_string()
    } else if a >= 1e7 || (a != 0.0 && a < 1e-4) {
        format!("{v:.3e}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_the_step() {
        for (step, want) in [
            (0.5, 1),
            (0.25, 2),
            (0.05, 2),
            (2.5, 1),
            (20.0, 0),
            (1000.0, 0),
            (0.1, 1),
            (0.0, 0),
        ] {
            assert_eq!(decimals_for_step(step), want, "{step}");
        }
    }

    #[test]
    fn labels_are_fixed_or_scientific_and_never_minus_zero() {
        assert_eq!(tick_label(0.5, 1), "0.5");
        assert_eq!(tick_label(-1e-17, 1), "0.0");
        assert_eq!(tick_label(-0.0, 0), "0");
        assert_eq!(tick_label(5e-5, 5), "5.00e-5");
        assert_eq!(tick_label(2.5e7, 0), "2.50e7");
        assert_eq!(tick_label(1234.0, 0), "1234");
    }

    #[test]
    fn hover_numbers_trim_zeros() {
        assert_eq!(hover_number(0.5), "0.5");
        assert_eq!(hover_number(2.0), "2");
        assert_eq!(hover_number(f64::NAN), "–");
        assert_eq!(hover_number(1e-6), "1.000e-6");
    }
}
