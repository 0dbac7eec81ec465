//! Analysis 1: a metric's distribution over time per group — n, mean and the
//! p10/p25/p50/p75/p90 quantiles (numpy's linear method) per time bin and group,
//! plus a histogram per group.

use serde::{Deserialize, Serialize};

use crate::analysis::groups::TopGroups;
use crate::analysis::rows::{GroupBy, Metric, Rows};
use crate::analysis::sorting::quantiles_by_selection;
use crate::dataset::Dataset;
use crate::error::AnalysisError;

pub const QUANTILES: [f64; 5] = [0.1, 0.25, 0.5, 0.75, 0.9];
/// Histogram bins over [0, 1] for the second view.
pub const HISTOGRAM_BINS: usize = 50;
/// The histogram bin of a value in [0, 1] (1.0 falls in the last bin).
#[inline]
#[must_use]
pub fn histogram_bin(v: f64) -> usize {
    ((v * HISTOGRAM_BINS as f64) as usize).min(HISTOGRAM_BINS - 1)
}

/// More bins than this means the bin width is far too small for the time span.
const MAX_BINS: i64 = 1_000_000;

/// What the x axis counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeAxis {
    /// Minutes since each event's first (filtered) sample, in bins of this many minutes.
    EventMinutes(u32),
    /// Calendar hours (UTC).
    Hour,
    /// Calendar days (UTC).
    Day,
}

impl TimeAxis {
    #[must_use]
    pub fn bin_ms(self) -> i64 {
        match self {
            TimeAxis::EventMinutes(m) => i64::from(m.max(1)) * 60_000,
            TimeAxis::Hour => 3_600_000,
            TimeAxis::Day => 86_400_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverTimeParams {
    pub group: Option<GroupBy>,
    /// Groups with the most rows shown by name; the rest are "other".
    pub top_k: usize,
    pub axis: TimeAxis,
}

impl Default for OverTimeParams {
    fn default() -> Self {
        Self {
            group: Some(GroupBy::ViewerType),
            top_k: 6,
            axis: TimeAxis::EventMinutes(1),
        }
    }
}

/// One (group, time bin) cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverTimeRow {
    pub group: String,
    /// Event-relative bins: the bin's first minute since the event's first sample.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minute: Option<i64>,
    /// Calendar bins: the bin's start (unix ms, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin_start_ms: Option<i64>,
    pub n: u64,
    pub mean: f64,
    pub p10: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
}

impl OverTimeRow {
    /// The row of one cell: `bin` counts from `first_bin` (calendar axes) or from each
    /// event's start; `q` holds the [`QUANTILES`].
    #[must_use]
    pub fn cell(
        group: &str,
        (bin, first_bin, axis): (usize, i64, TimeAxis),
        n: u64,
        mean: f64,
        q: &[f64],
    ) -> Self {
        let bin_index = bin as i64;
        let (minute, bin_start_ms) = match axis {
            TimeAxis::EventMinutes(m) => (Some(bin_index * i64::from(m.max(1))), None),
            TimeAxis::Hour | TimeAxis::Day => (None, Some((first_bin + bin_index) * axis.bin_ms())),
        };
        Self {
            group: group.to_string(),
            minute,
            bin_start_ms,
            n,
            mean,
            p10: q[0],
            p25: q[1],
            p50: q[2],
            p75: q[3],
            p90: q[4],
        }
    }
}

/// A metric over time: rows ordered by group (largest first, "other" last) then time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverTime {
    pub metric: Metric,
    pub groups: Vec<String>,
    pub rows: Vec<OverTimeRow>,
    /// Per group: share of its samples in each of [`HISTOGRAM_BINS`] equal bins of [0, 1].
    pub histograms: Vec<Vec<f64>>,
}

/// Both metrics over time, one thread per metric.
pub fn over_time(
    dataset: &Dataset,
    rows: &Rows,
    params: &OverTimeParams,
) -> Result<Vec<OverTime>, AnalysisError> {
    let groups = TopGroups::new(dataset, rows, params.group, params.top_k);
    let (bins, first_bin) = time_bins(rows, params.axis)?;
    let (groups, bins) = (&groups, &bins);
    crate::analysis::parallel::map("over-time", Metric::BOTH.to_vec(), |metric| {
        one_metric(rows, metric, groups, bins, first_bin, params.axis)
    })?
    .into_iter()
    .collect()
}

/// Each row's time bin (0-based) and, for calendar axes, the first bin's index.
fn time_bins(rows: &Rows, axis: TimeAxis) -> Result<(Vec<u32>, i64), AnalysisError> {
    let ts = rows.timestamps()?;
    let width = axis.bin_ms();
    let (bins, first) = match axis {
        TimeAxis::EventMinutes(_) => {
            let events = rows.events()?;
            let n_events = events.iter().max().map_or(0, |&m| m as usize + 1);
            let mut start = vec![i64::MAX; n_events];
            for (&e, &t) in events.iter().zip(ts) {
                start[e as usize] = start[e as usize].min(t);
            }
            let bins: Vec<i64> = events
                .iter()
                .zip(ts)
                .map(|(&e, &t)| (t - start[e as usize]) / width)
                .collect();
            (bins, 0)
        }
        TimeAxis::Hour | TimeAxis::Day => {
            let first = ts.iter().min().map_or(0, |&t| t.div_euclid(width));
            (
                ts.iter().map(|&t| t.div_euclid(width) - first).collect(),
                first,
            )
        }
    };
    if bins.iter().any(|&b| b >= MAX_BINS) {
        return Err(AnalysisError::Invalid(format!(
            "the time span needs more than {MAX_BINS} bins of {} min; choose wider bins",
            width / 60_000
        )));
    }
    Ok((bins.into_iter().map(|b| b as u32).collect(), first))
}

fn one_metric(
    rows: &Rows,
    metric: Metric,
    groups: &TopGroups,
    bins: &[u32],
    first_bin: i64,
    axis: TimeAxis,
) -> Result<OverTime, AnalysisError> {
    let values = rows.metric(metric)?;
    let slots = groups.labels.len();
    let n_bins = bins.iter().max().map_or(0, |&b| b as usize + 1);
    // Counting sort of the values by (bin, group) so each cell is one contiguous slice.
    let cell = |i: usize| bins[i] as usize * slots + groups.slot_of_row(i);
    let mut offsets = vec![0usize; n_bins * slots + 1];
    for i in 0..values.len() {
        offsets[cell(i) + 1] += 1;
    }
    for c in 1..offsets.len() {
        offsets[c] += offsets[c - 1];
    }
    let cell_values = values.iter().enumerate().map(|(i, &v)| (cell(i), v));
    let (mut sorted, histograms) = scatter_by_cell(cell_values, &offsets, slots);
    Ok(assemble_sorted(
        metric,
        groups,
        (n_bins, first_bin, axis),
        &mut sorted,
        &offsets,
        histograms,
    ))
}

/// The second pass of a counting sort by cell: each `(cell, value)` placed in its cell's
/// slice (cells start at `offsets`), and each slot's histogram of values.
pub(super) fn scatter_by_cell(
    cell_values: impl Iterator<Item = (usize, f64)>,
    offsets: &[usize],
    slots: usize,
) -> (Vec<f64>, Vec<Vec<u64>>) {
    let mut next = offsets.to_vec();
    let mut sorted = vec![0.0; offsets.last().copied().unwrap_or(0)];
    let mut histograms = vec![vec![0u64; HISTOGRAM_BINS]; slots];
    for (c, v) in cell_values {
        sorted[next[c]] = v;
        next[c] += 1;
        histograms[c % slots][histogram_bin(v)] += 1;
    }
    (sorted, histograms)
}

/// One metric's rows and histograms from its values sorted by cell (`bin * slots + slot`):
/// cell `c` holds `sorted[offsets[c]..offsets[c + 1]]`; `histograms` counts each slot's
/// values per [`histogram_bin`].
pub(super) fn assemble_sorted(
    metric: Metric,
    groups: &TopGroups,
    (n_bins, first_bin, axis): (usize, i64, TimeAxis),
    sorted: &mut [f64],
    offsets: &[usize],
    histograms: Vec<Vec<u64>>,
) -> OverTime {
    let slots = groups.labels.len();
    let mut out = Vec::new();
    for slot in 0..slots {
        for bin in 0..n_bins {
            let c = bin * slots + slot;
            let cell_values = &mut sorted[offsets[c]..offsets[c + 1]];
            if cell_values.is_empty() {
                continue;
            }
            let n = cell_values.len();
            let mean = cell_values.iter().sum::<f64>() / n as f64;
            let q = quantiles_by_selection(cell_values, &QUANTILES);
            out.push(OverTimeRow::cell(
                &groups.labels[slot],
                (bin, first_bin, axis),
                n as u64,
                mean,
                &q,
            ));
        }
    }
    let histograms = histograms
        .into_iter()
        .map(|h| {
            let total = h.iter().sum::<u64>().max(1) as f64;
            h.into_iter().map(|c| c as f64 / total).collect()
        })
        .collect();
    OverTime {
        metric,
        groups: groups.labels.clone(),
        rows: out,
        histograms,
    }
}
