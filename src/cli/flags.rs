//! Value parsers for numeric flags: each refuses what the engine cannot use, naming the
//! range it accepts (`--top-k 0` used to act as 1, `--sigma 1e-300` gave NaN scores,
//! `--trees 4000000000` aborted on allocation).

/// A whole number in `min..=max` (`usize`, `u32`, …).
pub fn whole_in<T>(min: T, max: T) -> impl Fn(&str) -> Result<T, String> + Clone
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    move |text| {
        text.trim()
            .parse::<T>()
            .ok()
            .filter(|v| (min..=max).contains(v))
            .ok_or_else(|| format!("expected a whole number from {min} to {max}"))
    }
}

/// A finite number in `min..=max`.
pub fn number_in(min: f64, max: f64) -> impl Fn(&str) -> Result<f64, String> + Clone {
    move |text| {
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && (min..=max).contains(v))
            .ok_or_else(|| format!("expected a number from {min} to {max}"))
    }
}

/// A number above 0 and at most 1 (a probability, a share, ν).
pub fn share(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| *v > 0.0 && *v <= 1.0)
        .ok_or_else(|| "expected a number above 0 and at most 1".to_string())
}

/// A number above 0 and below 1 (a quantile that leaves something on both sides).
pub fn open_share(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| *v > 0.0 && *v < 1.0)
        .ok_or_else(|| "expected a number above 0 and below 1".to_string())
}

/// Any finite number.
pub fn finite(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| "expected a finite number".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_enforced_and_named() {
        let top_k = whole_in(1, 100);
        assert_eq!(top_k("6"), Ok(6));
        assert_eq!(
            top_k("0"),
            Err("expected a whole number from 1 to 100".into())
        );
        assert!(top_k("-1").is_err() && top_k("1e3").is_err() && top_k("101").is_err());
        let sigma = number_in(1e-3, 1e4);
        assert_eq!(sigma("0.5"), Ok(0.5));
        assert!(sigma("1e-300").is_err() && sigma("NaN").is_err() && sigma("inf").is_err());
        assert_eq!(share("1"), Ok(1.0));
        assert!(share("0").is_err() && share("NaN").is_err() && share("1.5").is_err());
        assert!(open_share("1").is_err() && open_share("0.95").is_ok());
        assert!(finite("nan").is_err() && finite("-2.5").is_ok());
        assert_eq!(
            whole_in(1u32, 10_080)("0"),
            Err("expected a whole number from 1 to 10080".into())
        );
    }
}
