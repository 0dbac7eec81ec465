//! Analysis 3: time spent at each engagement level (engagement rounded to one
//! decimal) per viewer type, country and city. A sample lasts until the same
//! viewer's next sample in the same event, capped at 120 s; the last lasts 0.
//! A run is a maximal stretch of one viewer's consecutive samples at one level in
//! one group with no gap above the cap; its length is the sum of its samples'
//! durations.

use serde::Serialize;

use crate::analysis::rows::{GroupBy, Rows};
use crate::analysis::sessions::{LEVELS, MAX_SAMPLE_MS, durations_ms, level_of, sessions};
use crate::dataset::Dataset;
use crate::error::AnalysisError;

/// Seconds per level for one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelGroup {
    pub group: String,
    /// Seconds at level 0.0, 0.1, …, 1.0.
    pub seconds: Vec<f64>,
    /// Share of the group's seconds at each level (0 when the group has none).
    pub share: Vec<f64>,
    /// Mean run length in seconds per level; `None` without a run at that level.
    pub mean_run_s: Vec<Option<f64>>,
}

/// One dimension's level durations, groups by total seconds (largest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelDurations {
    pub dimension: GroupBy,
    pub groups: Vec<LevelGroup>,
}

/// The three dimensions the analysis reports.
pub const DIMENSIONS: [GroupBy; 3] = [GroupBy::ViewerType, GroupBy::Country, GroupBy::City];

pub(super) struct Acc<'a> {
    pub(super) dimension: GroupBy,
    pub(super) codes: &'a [u32],
    pub(super) ms: Vec<[i64; LEVELS]>,
    pub(super) run_ms: Vec<[i64; LEVELS]>,
    pub(super) runs: Vec<[u64; LEVELS]>,
}

/// Level durations for every dimension the data has.
pub fn level_durations(
    dataset: &Dataset,
    rows: &Rows,
    order: &[u32],
) -> Result<Vec<LevelDurations>, AnalysisError> {
    let ts = rows.timestamps()?;
    let (events, viewers) = (rows.events()?, rows.viewers()?);
    let engagement = rows.metric(crate::analysis::rows::Metric::Engagement)?;
    let mut accs: Vec<Acc> = DIMENSIONS
        .iter()
        .filter_map(|&dimension| {
            let codes = rows.codes(dimension)?;
            let n = codes.iter().max().map_or(0, |&m| m as usize + 1);
            Some(Acc {
                dimension,
                codes,
                ms: vec![[0; LEVELS]; n],
                run_ms: vec![[0; LEVELS]; n],
                runs: vec![[0; LEVELS]; n],
            })
        })
        .collect();
    for session in sessions(order, events, viewers) {
        for acc in &mut accs {
            // The open run: (group, level, length so far).
            let mut run: Option<(usize, usize, i64)> = None;
            for (k, duration) in durations_ms(&session, ts).enumerate() {
                let r = session.rows[k] as usize;
                let (group, level) = (acc.codes[r] as usize, level_of(engagement[r]));
                acc.ms[group][level] += duration;
                let continues = matches!(run, Some((g, l, _)) if g == group && l == level);
                if !continues {
                    close(acc, run.take());
                    run = Some((group, level, 0));
                }
                if let Some((_, _, length)) = &mut run {
                    *length += duration;
                }
                // A gap longer than the cap interrupts the run.
                let gap_after = session
                    .rows
                    .get(k + 1)
                    .map_or(0, |&next| ts[next as usize] - ts[r]);
                if gap_after > MAX_SAMPLE_MS {
                    close(acc, run.take());
                }
            }
            close(acc, run);
        }
    }
    Ok(accs.into_iter().map(|acc| finish(dataset, &acc)).collect())
}

fn close(acc: &mut Acc, run: Option<(usize, usize, i64)>) {
    if let Some((group, level, length)) = run {
        acc.run_ms[group][level] += length;
        acc.runs[group][level] += 1;
    }
}

pub(super) fn finish(dataset: &Dataset, acc: &Acc) -> LevelDurations {
    let column = acc.dimension.column();
    let mut groups: Vec<(i64, LevelGroup)> = acc
        .ms
        .iter()
        .enumerate()
        .filter(|(g, _)| acc.runs[*g].iter().any(|&r| r > 0))
        .map(|(g, ms)| {
            let total: i64 = ms.iter().sum();
            let group = LevelGroup {
                group: dataset.label(column, g as u32),
                seconds: ms.iter().map(|&m| m as f64 / 1000.0).collect(),
                share: ms
                    .iter()
                    .map(|&m| {
                        if total > 0 {
                            m as f64 / total as f64
                        } else {
                            0.0
                        }
                    })
                    .collect(),
                mean_run_s: (0..LEVELS)
                    .map(|l| {
                        let runs = acc.runs[g][l];
                        (runs > 0).then(|| acc.run_ms[g][l] as f64 / 1000.0 / runs as f64)
                    })
                    .collect(),
            };
            (total, group)
        })
        .collect();
    groups.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.group.cmp(&b.1.group)));
    LevelDurations {
        dimension: acc.dimension,
        groups: groups.into_iter().map(|(_, g)| g).collect(),
    }
}
