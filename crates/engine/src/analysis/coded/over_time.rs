//! Analysis 1 (metrics over time) from per-(time bin, group) histograms of value codes.

use super::buckets::{MAX_COARSE, by_buckets};
use super::row_cells::{Divider, RowCells};
use super::{histograms_of, mean, quantiles, total};
use crate::analysis::groups::TopGroups;
use crate::analysis::index::ValueCodes;
use crate::analysis::over_time::{
    HISTOGRAM_BINS, OverTime, OverTimeParams, OverTimeRow, QUANTILES, TimeAxis, histogram_bin,
};
use crate::analysis::parallel;
use crate::analysis::rows::{Metric, code_count};
use crate::analysis::selection::{PassingRows, Selection};
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::schema::Canonical;

/// Above this many counters (cells × distinct values) the sorting path is used instead.
const MAX_COUNTERS: usize = 1 << 25;
/// As in `over_time`: more bins means the bin width is far too small for the span.
const MAX_BINS: i64 = 1_000_000;

/// Both metrics: from per-cell histograms of value codes when they fit in
/// [`MAX_COUNTERS`], else from coarse buckets of codes and the few buckets that matter.
pub fn over_time(
    dataset: &Dataset,
    sel: &Selection,
    params: &OverTimeParams,
    codes: [&ValueCodes; 2],
) -> Result<Option<Vec<OverTime>>, AnalysisError> {
    over_time_with(dataset, sel, params, codes, (MAX_COUNTERS, MAX_COARSE))
}

/// [`over_time`] with histograms up to `max_counters` and, past that, coarse buckets up to
/// `max_coarse` counters (tests force the bucket path and tiny buckets).
fn over_time_with(
    dataset: &Dataset,
    sel: &Selection,
    params: &OverTimeParams,
    codes: [&ValueCodes; 2],
    (max_counters, max_coarse): (usize, usize),
) -> Result<Option<Vec<OverTime>>, AnalysisError> {
    let ts = sel.timestamps()?;
    let events = sel.events()?;
    let n_events = code_count(dataset, Canonical::EventId.name());
    let group_codes = params.group.and_then(|g| sel.codes(g).map(|c| (g, c)));
    let n_codes = group_codes.map_or(0, |(g, _)| code_count(dataset, g.column()));
    // One pass: each event's first and last passing sample and the rows per group.
    let parts = parallel::map("over-time-spans", sel.ranges(), |range| {
        let mut span = vec![(i64::MAX, i64::MIN); n_events];
        let mut counts = vec![0u64; n_codes];
        let groups = group_codes.map(|(_, c)| c);
        let out = (span.as_mut_slice(), counts.as_mut_slice());
        match sel.passing_rows(range) {
            PassingRows::All(rows) => spans_and_counts(rows, (ts, events, groups), out),
            PassingRows::Some(rows) => spans_and_counts(rows, (ts, events, groups), out),
        }
        (span, counts)
    })?;
    let mut parts = parts.into_iter();
    let (mut span, mut counts) = parts.next().unwrap_or_default();
    for (s, c) in parts {
        for (a, b) in span.iter_mut().zip(s) {
            *a = (a.0.min(b.0), a.1.max(b.1));
        }
        for (a, b) in counts.iter_mut().zip(c) {
            *a += b;
        }
    }
    let start: Vec<i64> = span.iter().map(|s| s.0).collect();
    let groups = match group_codes {
        Some((g, c)) => TopGroups::from_counts(dataset, g, c, &counts, params.top_k),
        None => TopGroups::all(),
    };
    let width = params.axis.bin_ms();
    let present = span.iter().filter(|s| s.0 <= s.1);
    let first_ms = present.clone().map(|s| s.0).min();
    let first_bin = first_ms.map_or(0, |t| t.div_euclid(width));
    // Every passing row's offset from its bin origin is ≥ 0 and at most `max_offset`.
    let max_offset = match params.axis {
        TimeAxis::EventMinutes(_) => present.clone().map(|s| s.1 - s.0).max(),
        TimeAxis::Hour | TimeAxis::Day => present.clone().map(|s| s.1 - first_bin * width).max(),
    }
    .unwrap_or(0);
    let divide = Divider::new(width as u64, max_offset as u64);
    let last_bin = match params.axis {
        TimeAxis::EventMinutes(_) => present.map(|s| (s.1 - s.0) / width).max(),
        TimeAxis::Hour | TimeAxis::Day => present.map(|s| s.1.div_euclid(width) - first_bin).max(),
    }
    .unwrap_or(-1);
    if last_bin >= MAX_BINS {
        return Err(AnalysisError::Invalid(format!(
            "the time span needs more than {MAX_BINS} bins of {} min; choose wider bins",
            width / 60_000
        )));
    }
    let n_bins = (last_bin + 1).max(0) as usize;
    let slots = groups.labels.len();
    let largest = codes.iter().map(|c| c.values.len()).max().unwrap_or(0);
    let cells = RowCells {
        ts,
        events,
        event_origin: matches!(params.axis, TimeAxis::EventMinutes(_)).then_some(start.as_slice()),
        origin: first_bin * width,
        divide,
        groups: &groups,
        slots,
    };
    if n_bins * slots * largest > max_counters {
        let shape = (n_bins, first_bin, params.axis);
        return by_buckets(sel, &groups, shape, (codes, max_coarse), &cells).map(Some);
    }
    let groups = &groups;
    let columns: Vec<(&[u32], usize)> = codes
        .iter()
        .map(|vc| (vc.codes.as_slice(), vc.values.len()))
        .collect();
    let cells = histograms_of(sel, &columns, n_bins * slots, |r| Some(cells.cell_of(r).0))?;
    Ok(Some(
        Metric::BOTH
            .iter()
            .zip(codes)
            .zip(cells)
            .map(|((&metric, vc), cells)| {
                assemble(
                    metric,
                    groups,
                    &vc.values,
                    &cells,
                    n_bins,
                    first_bin,
                    params.axis,
                )
            })
            .collect(),
    ))
}

/// Over the passing `rows`: each event's first and last timestamp into `span` and, when
/// grouped, the rows per group code into `counts`.
fn spans_and_counts(
    rows: impl Iterator<Item = usize>,
    (ts, events, groups): (&[i64], &[u32], Option<&[u32]>),
    (span, counts): (&mut [(i64, i64)], &mut [u64]),
) {
    for r in rows {
        let s = &mut span[events[r] as usize];
        *s = (s.0.min(ts[r]), s.1.max(ts[r]));
        if let Some(c) = groups {
            counts[c[r] as usize] += 1;
        }
    }
}

fn assemble(
    metric: Metric,
    groups: &TopGroups,
    values: &[f64],
    cells: &[u32],
    n_bins: usize,
    first_bin: i64,
    axis: TimeAxis,
) -> OverTime {
    let (d, slots) = (values.len(), groups.labels.len());
    let mut rows = Vec::new();
    let mut histograms = vec![vec![0u64; HISTOGRAM_BINS]; slots];
    for (slot, histogram) in histograms.iter_mut().enumerate() {
        for bin in 0..n_bins {
            let c = bin * slots + slot;
            let counts = &cells[c * d..(c + 1) * d];
            let n = total(counts);
            if n == 0 {
                continue;
            }
            for (&v, &k) in values.iter().zip(counts) {
                histogram[histogram_bin(v)] += u64::from(k);
            }
            let q = quantiles(values, counts, &QUANTILES);
            rows.push(OverTimeRow::cell(
                &groups.labels[slot],
                (bin, first_bin, axis),
                n,
                mean(values, counts),
                &q,
            ));
        }
    }
    let histograms = histograms
        .into_iter()
        .map(|h| {
            let all = h.iter().sum::<u64>().max(1) as f64;
            h.into_iter().map(|c| c as f64 / all).collect()
        })
        .collect();
    OverTime {
        metric,
        groups: groups.labels.clone(),
        rows,
        histograms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::Filter;
    use crate::analysis::index::codes_of;
    use crate::analysis::rows::GroupBy;
    use crate::testutil::dataset;

    #[test]
    fn buckets_give_the_histograms_answer() {
        let ds = dataset(include_str!("../../../../../sample_data/telemetry.csv"));
        let codes = [
            codes_of(&ds, "qoe").unwrap(),
            codes_of(&ds, "engagement").unwrap(),
        ];
        let mut wfo = Filter::default();
        wfo.toggle("viewer_type", "WFO");
        let grouped = OverTimeParams {
            group: Some(GroupBy::Country),
            ..OverTimeParams::default()
        };
        for (filter, params) in [
            (Filter::default(), OverTimeParams::default()),
            (wfo, grouped),
        ] {
            let sel = Selection::new(&ds, &filter).unwrap().unwrap();
            let histograms = over_time(&ds, &sel, &params, codes).unwrap().unwrap();
            for max_coarse in [MAX_COARSE, 1000, 8] {
                let sorted = over_time_with(&ds, &sel, &params, codes, (0, max_coarse))
                    .unwrap()
                    .unwrap();
                assert_eq!(histograms.len(), sorted.len());
                for (h, s) in histograms.iter().zip(&sorted) {
                    assert_eq!(
                        (h.metric, &h.groups, h.rows.len()),
                        (s.metric, &s.groups, s.rows.len())
                    );
                    for (a, b) in h.rows.iter().zip(&s.rows) {
                        assert_eq!(
                            (&a.group, a.minute, a.bin_start_ms, a.n),
                            (&b.group, b.minute, b.bin_start_ms, b.n)
                        );
                        // Quantiles pick the same values; means differ only in summation order.
                        let bits =
                            |r: &OverTimeRow| [r.p10, r.p25, r.p50, r.p75, r.p90].map(f64::to_bits);
                        assert_eq!(bits(a), bits(b));
                        assert!((a.mean - b.mean).abs() < 1e-12, "{} vs {}", a.mean, b.mean);
                    }
                    for (x, y) in h
                        .histograms
                        .iter()
                        .flatten()
                        .zip(s.histograms.iter().flatten())
                    {
                        assert!((x - y).abs() < 1e-12);
                    }
                }
            }
        }
    }
}
