//! Memory features: a window's value summarised over the windows of its group
//! that came before it (and itself), in the order of an order column.
//!
//! Why: a viewer's judgement of a moment carries the session so far — a stall
//! a minute ago or a long stretch of low quality still weighs on it (the
//! recency and memory effects of continuous-time `QoE` studies). A window's own
//! features cannot show that; a running summary of its group's past can.
//!
//! A feature named `source@kind` is derived from column `source`:
//! `@mean` running mean, `@sum` running sum, `@max` / `@min` running extremes,
//! `@ewmH` exponentially weighted mean with a half-life of `H` windows
//! (weight of a window `k` steps back ∝ 2^(−k/H)). Only the group's own rows
//! are used and no labels, so folds that keep groups together stay clean.

use super::DetectError;

/// How a memory feature summarises the past.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MemoryKind {
    Mean,
    Sum,
    Max,
    Min,
    /// Exponentially weighted mean with this half-life in windows (> 0).
    Ewm(f64),
}

/// One requested feature: a column, maybe summarised over its group's past.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRef {
    pub source: String,
    pub memory: Option<MemoryKind>,
}

impl FeatureRef {
    /// Parse `column` or `column@kind`.
    pub fn parse(name: &str) -> Result<Self, DetectError> {
        let Some((source, kind)) = name.rsplit_once('@') else {
            return Ok(Self {
                source: name.to_string(),
                memory: None,
            });
        };
        let bad = || {
            DetectError::Evaluation(format!(
                "feature `{name}`: after `@` write mean, sum, max, min or ewmH \
                 (H = half-life in windows, e.g. ewm10)"
            ))
        };
        let memory = match kind {
            "mean" => MemoryKind::Mean,
            "sum" => MemoryKind::Sum,
            "max" => MemoryKind::Max,
            "min" => MemoryKind::Min,
            _ => {
                let h: f64 = kind
                    .strip_prefix("ewm")
                    .and_then(|h| h.parse().ok())
                    .ok_or_else(bad)?;
                if !(h.is_finite() && h > 0.0) {
                    return Err(bad());
                }
                MemoryKind::Ewm(h)
            }
        };
        if source.is_empty() {
            return Err(bad());
        }
        Ok(Self {
            source: source.to_string(),
            memory: Some(memory),
        })
    }
}

/// Running summaries of `values` (one per row) within each group, rows taken
/// in increasing `order` (ties keep file order). Output is in row order.
#[must_use]
pub fn running(values: &[f64], groups: &[String], order: &[f64], kind: MemoryKind) -> Vec<f64> {
    let mut rows: Vec<usize> = (0..values.len()).collect();
    // Group first, then time; `sort_by` is stable so ties keep file order.
    rows.sort_by(|&a, &b| {
        groups[a]
            .cmp(&groups[b])
            .then(order[a].total_cmp(&order[b]))
    });
    let mut out = vec![0.0; values.len()];
    let decay = match kind {
        MemoryKind::Ewm(h) => 0.5f64.powf(1.0 / h),
        _ => 0.0,
    };
    let mut state = 0.0;
    let mut count = 0usize;
    for (k, &row) in rows.iter().enumerate() {
        if k == 0 || groups[row] != groups[rows[k - 1]] {
            count = 0;
        }
        let x = values[row];
        count += 1;
        state = if count == 1 {
            x
        } else {
            match kind {
                MemoryKind::Mean => state + (x - state) / count as f64,
                MemoryKind::Sum => state + x,
                MemoryKind::Max => state.max(x),
                MemoryKind::Min => state.min(x),
                MemoryKind::Ewm(_) => decay * state + (1.0 - decay) * x,
            }
        };
        out[row] = state;
    }
    out
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact in binary here.
mod tests {
    use super::*;

    fn g(v: &[&str]) -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn parses_names() {
        assert_eq!(FeatureRef::parse("a").unwrap().memory, None);
        assert_eq!(
            FeatureRef::parse("a@mean").unwrap(),
            FeatureRef {
                source: "a".into(),
                memory: Some(MemoryKind::Mean)
            }
        );
        assert_eq!(
            FeatureRef::parse("x@y@ewm2.5").unwrap(),
            FeatureRef {
                source: "x@y".into(),
                memory: Some(MemoryKind::Ewm(2.5))
            }
        );
        for bad in ["a@avg", "a@ewm", "a@ewm0", "a@ewm-1", "@sum"] {
            let e = FeatureRef::parse(bad).unwrap_err().to_string();
            assert!(e.contains(bad) && e.contains("ewmH"), "{e}");
        }
    }

    #[test]
    fn running_summaries_follow_group_and_order() {
        // Two groups interleaved, rows out of time order.
        let values = [1.0, 10.0, 3.0, 20.0, 2.0];
        let groups = g(&["a", "b", "a", "b", "a"]);
        let order = [0.0, 5.0, 2.0, 1.0, 1.0];
        // Group a in time: rows 0 (1), 4 (2), 2 (3); group b: rows 3 (20), 1 (10).
        assert_eq!(
            running(&values, &groups, &order, MemoryKind::Sum),
            vec![1.0, 30.0, 6.0, 20.0, 3.0]
        );
        assert_eq!(
            running(&values, &groups, &order, MemoryKind::Mean),
            vec![1.0, 15.0, 2.0, 20.0, 1.5]
        );
        assert_eq!(
            running(&values, &groups, &order, MemoryKind::Max),
            vec![1.0, 20.0, 3.0, 20.0, 2.0]
        );
        assert_eq!(
            running(&values, &groups, &order, MemoryKind::Min),
            vec![1.0, 10.0, 1.0, 20.0, 1.0]
        );
        // Half-life 1 window: each step halves the past's weight.
        // a: 1 → 0.5·1 + 0.5·2 = 1.5 → 0.5·1.5 + 0.5·3 = 2.25.
        assert_eq!(
            running(&values, &groups, &order, MemoryKind::Ewm(1.0)),
            vec![1.0, 15.0, 2.25, 20.0, 1.5]
        );
    }

    #[test]
    fn ewm_weights_halve_every_half_life() {
        // A step from 0 to 1: after H windows of 1 the mean is 1 − 2^(−1)·(weight of the 0).
        let values = [0.0, 1.0, 1.0, 1.0, 1.0];
        let groups = g(&["v"; 5]);
        let order = [0.0, 1.0, 2.0, 3.0, 4.0];
        let out = running(&values, &groups, &order, MemoryKind::Ewm(2.0));
        // The first value keeps weight 2^(−k/2) after k further windows.
        for (k, v) in out.iter().enumerate() {
            let expected = 1.0 - 0.5f64.powf(k as f64 / 2.0);
            assert!((v - expected).abs() < 1e-12, "{k}: {v} vs {expected}");
        }
    }
}
