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
//!
//! `@group_mean`, `@group_sum`, `@group_max` and `@group_min` summarise the
//! whole group instead (every row of a group gets the same value; no order
//! needed). They suit judging finished sessions, where a window's score may
//! weigh the whole session — a video's overall quality is what its viewer rates.

use crate::DetectError;

/// How a memory feature summarises the past.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MemoryKind {
    Mean,
    Sum,
    Max,
    Min,
    /// Exponentially weighted mean with this half-life in windows (> 0).
    Ewm(f64),
    /// A summary of the whole group, the same on each of its rows.
    Whole(GroupSummary),
}

/// Summaries of a whole group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSummary {
    Mean,
    Sum,
    Max,
    Min,
}

impl MemoryKind {
    /// Whether the rows of a group must be put in time order first.
    #[must_use]
    pub fn needs_order(self) -> bool {
        !matches!(self, Self::Whole(_))
    }
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
                 (H = half-life in windows, e.g. ewm10), or group_mean, group_sum, \
                 group_max or group_min for the whole group"
            ))
        };
        let memory = match kind {
            "mean" => MemoryKind::Mean,
            "sum" => MemoryKind::Sum,
            "max" => MemoryKind::Max,
            "min" => MemoryKind::Min,
            "group_mean" => MemoryKind::Whole(GroupSummary::Mean),
            "group_sum" => MemoryKind::Whole(GroupSummary::Sum),
            "group_max" => MemoryKind::Whole(GroupSummary::Max),
            "group_min" => MemoryKind::Whole(GroupSummary::Min),
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

/// The summary `kind` of `values` (one per row) over each row's group: running
/// kinds take the group's rows in increasing `order` (ties keep file order;
/// `order` is unused for whole-group kinds). Output is in row order.
#[must_use]
pub fn summarise(values: &[f64], groups: &[String], order: &[f64], kind: MemoryKind) -> Vec<f64> {
    match kind {
        MemoryKind::Whole(summary) => whole_group(values, groups, summary),
        _ => running(values, groups, order, kind),
    }
}

fn whole_group(values: &[f64], groups: &[String], summary: GroupSummary) -> Vec<f64> {
    let mut acc: std::collections::HashMap<&str, (f64, usize)> = std::collections::HashMap::new();
    for (x, g) in values.iter().zip(groups) {
        let slot = acc.entry(g.as_str()).or_insert((*x, 0));
        slot.0 = match (summary, slot.1) {
            (_, 0) => *x,
            (GroupSummary::Mean | GroupSummary::Sum, _) => slot.0 + x,
            (GroupSummary::Max, _) => slot.0.max(*x),
            (GroupSummary::Min, _) => slot.0.min(*x),
        };
        slot.1 += 1;
    }
    groups
        .iter()
        .map(|g| {
            let (v, n) = acc[g.as_str()];
            if summary == GroupSummary::Mean {
                v / n as f64
            } else {
                v
            }
        })
        .collect()
}

fn running(values: &[f64], groups: &[String], order: &[f64], kind: MemoryKind) -> Vec<f64> {
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
                // Routed to `whole_group` by `summarise`.
                MemoryKind::Whole(_) => state,
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
        assert_eq!(
            FeatureRef::parse("a@group_min").unwrap().memory,
            Some(MemoryKind::Whole(GroupSummary::Min))
        );
        for bad in ["a@avg", "a@ewm", "a@ewm0", "a@ewm-1", "@sum", "a@group_p95"] {
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
            summarise(&values, &groups, &order, MemoryKind::Sum),
            vec![1.0, 30.0, 6.0, 20.0, 3.0]
        );
        assert_eq!(
            summarise(&values, &groups, &order, MemoryKind::Mean),
            vec![1.0, 15.0, 2.0, 20.0, 1.5]
        );
        assert_eq!(
            summarise(&values, &groups, &order, MemoryKind::Max),
            vec![1.0, 20.0, 3.0, 20.0, 2.0]
        );
        assert_eq!(
            summarise(&values, &groups, &order, MemoryKind::Min),
            vec![1.0, 10.0, 1.0, 20.0, 1.0]
        );
        // Half-life 1 window: each step halves the past's weight.
        // a: 1 → 0.5·1 + 0.5·2 = 1.5 → 0.5·1.5 + 0.5·3 = 2.25.
        assert_eq!(
            summarise(&values, &groups, &order, MemoryKind::Ewm(1.0)),
            vec![1.0, 15.0, 2.25, 20.0, 1.5]
        );
    }

    #[test]
    fn whole_group_summaries_repeat_on_every_row() {
        let values = [1.0, 10.0, 3.0, 20.0, 2.0];
        let groups = g(&["a", "b", "a", "b", "a"]);
        let whole = |s| summarise(&values, &groups, &[], MemoryKind::Whole(s));
        assert_eq!(whole(GroupSummary::Mean), vec![2.0, 15.0, 2.0, 15.0, 2.0]);
        assert_eq!(whole(GroupSummary::Sum), vec![6.0, 30.0, 6.0, 30.0, 6.0]);
        assert_eq!(whole(GroupSummary::Max), vec![3.0, 20.0, 3.0, 20.0, 3.0]);
        assert_eq!(whole(GroupSummary::Min), vec![1.0, 10.0, 1.0, 10.0, 1.0]);
        assert!(!MemoryKind::Whole(GroupSummary::Sum).needs_order());
        assert!(MemoryKind::Ewm(3.0).needs_order());
    }

    #[test]
    fn ewm_weights_halve_every_half_life() {
        // A step from 0 to 1: after H windows of 1 the mean is 1 − 2^(−1)·(weight of the 0).
        let values = [0.0, 1.0, 1.0, 1.0, 1.0];
        let groups = g(&["v"; 5]);
        let order = [0.0, 1.0, 2.0, 3.0, 4.0];
        let out = summarise(&values, &groups, &order, MemoryKind::Ewm(2.0));
        // The first value keeps weight 2^(−k/2) after k further windows.
        for (k, v) in out.iter().enumerate() {
            let expected = 1.0 - 0.5f64.powf(k as f64 / 2.0);
            assert!((v - expected).abs() < 1e-12, "{k}: {v} vs {expected}");
        }
    }
}
