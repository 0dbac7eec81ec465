//! The row scan behind the Overview: per-thread accumulators, the filter test
//! per row, and exact order statistics of qoe.

use std::ops::Range;

use polars::prelude::*;

use super::sets::{QoeHistogram, ViewerSets, qoe_bin};
use crate::analysis::summary::BAD_QOE_BELOW;
use crate::error::AnalysisError;

/// Rows per unit of work handed to a thread.
pub(super) const UNIT_ROWS: usize = 1 << 18;

/// Contiguous pieces of one column, one per chunk (all columns share chunking).
pub(super) type Pieces<'a, T> = Vec<&'a [T]>;

pub(super) fn pieces<'a, T>(
    frame: &'a DataFrame,
    name: &str,
) -> Result<Pieces<'a, T::Native>, AnalysisError>
where
    T: PolarsNumericType,
{
    let column = frame
        .column(name)
        .map_err(|_| AnalysisError::MissingColumn(name.to_string()))?;
    let ca: &ChunkedArray<T> = column.as_materialized_series().unpack::<T>()?;
    Ok(ca.downcast_iter().map(|a| a.values().as_slice()).collect())
}

pub(super) struct Dim<'a> {
    pub(super) codes: Pieces<'a, u32>,
    pub(super) n_codes: usize,
    /// `Some` when this column has a selection: allowed codes.
    pub(super) allowed: Option<Vec<bool>>,
}

pub(super) struct Columns<'a> {
    pub(super) ts: Pieces<'a, i64>,
    pub(super) qoe: Pieces<'a, f64>,
    pub(super) engagement: Pieces<'a, f64>,
    pub(super) buffer: Option<Pieces<'a, f64>>,
    pub(super) viewer: Pieces<'a, u32>,
    /// Indexes into `dims`.
    pub(super) event_dim: usize,
    pub(super) customer_dim: Option<usize>,
    pub(super) dims: Vec<Dim<'a>>,
    pub(super) time: (i64, i64),
    /// Built once per dataset, for single-chunk datasets only (rows are then indexed by
    /// the row number within chunk 0).
    pub(super) index: Option<Index<'a>>,
}

/// Per-dataset numberings the scan can use instead of per-scan sets and bins.
pub(super) struct Index<'a> {
    /// Each row's (event, viewer) pair and each pair's event.
    pub(super) pairs: Option<(&'a [u32], &'a [u32])>,
    /// Each row's `qoe` value code and the values in code order.
    pub(super) qoe: Option<(&'a [u32], &'a [f64])>,
}

/// Per-thread sums.
pub(super) struct Acc {
    pub(super) rows: u64,
    pub(super) sum_qoe: f64,
    pub(super) sum_engagement: f64,
    pub(super) sum_buffer: f64,
    pub(super) bad: u64,
    pub(super) min_ts: i64,
    pub(super) max_ts: i64,
    pub(super) viewers: Vec<u64>,
    pub(super) facets: Vec<Vec<u64>>,
    pub(super) events: Vec<EventAcc>,
    pub(super) event_viewers: ViewerSets,
    pub(super) hist: QoeHistogram,
}

#[derive(Clone, Copy)]
pub(super) struct EventAcc {
    pub(super) rows: u64,
    pub(super) sum_qoe: f64,
    pub(super) sum_engagement: f64,
    pub(super) min_ts: i64,
    pub(super) max_ts: i64,
    pub(super) customer: u32,
}

impl EventAcc {
    pub(super) const EMPTY: EventAcc = EventAcc {
        rows: 0,
        sum_qoe: 0.0,
        sum_engagement: 0.0,
        min_ts: i64::MAX,
        max_ts: i64::MIN,
        customer: 0,
    };
}

impl Acc {
    fn new(cols: &Columns<'_>, n_viewers: usize) -> Self {
        let n_events = cols.dims[cols.event_dim].n_codes;
        Self {
            rows: 0,
            sum_qoe: 0.0,
            sum_engagement: 0.0,
            sum_buffer: 0.0,
            bad: 0,
            min_ts: i64::MAX,
            max_ts: i64::MIN,
            viewers: vec![0; n_viewers.div_ceil(64)],
            facets: cols.dims.iter().map(|d| vec![0; d.n_codes]).collect(),
            events: vec![EventAcc::EMPTY; n_events],
            event_viewers: ViewerSets::new(
                n_events,
                n_viewers,
                cols.index
                    .as_ref()
                    .and_then(|i| i.pairs)
                    .map(|(_, pair_event)| pair_event.len()),
            ),
            hist: QoeHistogram::new(
                cols.index
                    .as_ref()
                    .and_then(|i| i.qoe)
                    .map(|(_, values)| values.len()),
            ),
        }
    }

    fn merge(&mut self, o: Acc) {
        self.rows += o.rows;
        self.sum_qoe += o.sum_qoe;
        self.sum_engagement += o.sum_engagement;
        self.sum_buffer += o.sum_buffer;
        self.bad += o.bad;
        self.min_ts = self.min_ts.min(o.min_ts);
        self.max_ts = self.max_ts.max(o.max_ts);
        for (a, b) in self.viewers.iter_mut().zip(o.viewers) {
            *a |= b;
        }
        for (fa, fb) in self.facets.iter_mut().zip(o.facets) {
            for (a, b) in fa.iter_mut().zip(fb) {
                *a += b;
            }
        }
        for (a, b) in self.events.iter_mut().zip(o.events) {
            if b.min_ts < a.min_ts {
                a.customer = b.customer;
            }
            a.rows += b.rows;
            a.sum_qoe += b.sum_qoe;
            a.sum_engagement += b.sum_engagement;
            a.min_ts = a.min_ts.min(b.min_ts);
            a.max_ts = a.max_ts.max(b.max_ts);
        }
        self.event_viewers.merge(o.event_viewers);
        self.hist.merge(o.hist);
    }
}

/// Visit rows of `units`: `pass(chunk, row)` for rows passing every filter,
/// `fail_one(dim, code)` for rows failing exactly one column's selection.
pub(super) fn scan(
    cols: &Columns<'_>,
    units: &[(usize, Range<usize>)],
    mut pass: impl FnMut(usize, usize),
    mut fail_one: impl FnMut(usize, u32),
) {
    let active: Vec<(usize, &[bool])> = cols
        .dims
        .iter()
        .enumerate()
        .filter_map(|(d, dim)| dim.allowed.as_deref().map(|a| (d, a)))
        .collect();
    let (from, to) = cols.time;
    let timed = from > i64::MIN || to < i64::MAX;
    for (chunk, range) in units {
        let ts = cols.ts[*chunk];
        let codes: Vec<&[u32]> = active
            .iter()
            .map(|(d, _)| cols.dims[*d].codes[*chunk])
            .collect();
        for row in range.clone() {
            // Without a time range the timestamps need not be read at all.
            if timed && !(from..=to).contains(&ts[row]) {
                continue;
            }
            let mut fails = 0;
            let mut failed = 0;
            for (k, (_, allowed)) in active.iter().enumerate() {
                if !allowed[codes[k][row] as usize] {
                    fails += 1;
                    failed = k;
                    if fails > 1 {
                        break;
                    }
                }
            }
            match fails {
                0 => pass(*chunk, row),
                1 => fail_one(active[failed].0, codes[failed][row]),
                _ => {}
            }
        }
    }
}

pub(super) fn accumulate(
    cols: &Columns<'_>,
    units: &[(usize, Range<usize>)],
    n_viewers: usize,
) -> Acc {
    let mut acc = Acc::new(cols, n_viewers);
    let mut missed: Vec<Vec<u64>> = cols.dims.iter().map(|d| vec![0; d.n_codes]).collect();
    // This chunk's code slice of every dimension, looked up once per chunk, not per row.
    let mut chunk = usize::MAX;
    let mut dim_codes: Vec<&[u32]> = Vec::with_capacity(cols.dims.len());
    scan(
        cols,
        units,
        |c, r| {
            if c != chunk {
                chunk = c;
                dim_codes.clear();
                dim_codes.extend(cols.dims.iter().map(|d| d.codes[c]));
            }
            let (t, q, e, v) = (
                cols.ts[c][r],
                cols.qoe[c][r],
                cols.engagement[c][r],
                cols.viewer[c][r],
            );
            acc.rows += 1;
            acc.sum_qoe += q;
            acc.sum_engagement += e;
            if let Some(b) = &cols.buffer {
                acc.sum_buffer += b[c][r];
            }
            acc.bad += u64::from(q < BAD_QOE_BELOW);
            acc.min_ts = acc.min_ts.min(t);
            acc.max_ts = acc.max_ts.max(t);
            acc.viewers[v as usize / 64] |= 1 << (v % 64);
            for (facet, codes) in acc.facets.iter_mut().zip(&dim_codes) {
                facet[codes[r] as usize] += 1;
            }
            let event = dim_codes[cols.event_dim][r];
            let ev = &mut acc.events[event as usize];
            if t < ev.min_ts {
                ev.min_ts = t;
                ev.customer = cols.customer_dim.map_or(0, |d| dim_codes[d][r]);
            }
            ev.max_ts = ev.max_ts.max(t);
            ev.rows += 1;
            ev.sum_qoe += q;
            ev.sum_engagement += e;
            let index = cols.index.as_ref();
            let pair = || index.and_then(|i| i.pairs).map_or(0, |(p, _)| p[r]);
            acc.event_viewers.insert(pair, event, v);
            let code = || index.and_then(|i| i.qoe).map_or(0, |(c, _)| c[r]);
            acc.hist.insert(code, q);
        },
        |d, code| missed[d][code as usize] += 1,
    );
    for (fa, fm) in acc.facets.iter_mut().zip(missed) {
        for (a, m) in fa.iter_mut().zip(fm) {
            *a += m;
        }
    }
    acc
}

/// Work units over all chunks, and the threads to run them on.
pub(super) fn plan_units(cols: &Columns<'_>) -> Vec<(usize, Range<usize>)> {
    let mut units = Vec::new();
    for (c, piece) in cols.ts.iter().enumerate() {
        let mut start = 0;
        while start < piece.len() {
            let end = (start + UNIT_ROWS).min(piece.len());
            units.push((c, start..end));
            start = end;
        }
    }
    units
}

pub(super) fn run_parallel(
    cols: &Columns<'_>,
    units: &[(usize, Range<usize>)],
    n_viewers: usize,
) -> Acc {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(units.len().max(1));
    if threads <= 1 {
        return accumulate(cols, units, n_viewers);
    }
    let per = units.len().div_ceil(threads);
    let partials: Vec<Acc> = std::thread::scope(|s| {
        let handles: Vec<_> = units
            .chunks(per)
            .map(|part| {
                let spawned = std::thread::Builder::new()
                    .name("streamlens-overview".into())
                    .spawn_scoped(s, move || accumulate(cols, part, n_viewers));
                (part, spawned)
            })
            .collect();
        handles
            .into_iter()
            .map(|(part, h)| match h {
                Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                // No thread to be had: do that part here.
                Err(_) => accumulate(cols, part, n_viewers),
            })
            .collect()
    });
    let mut parts = partials.into_iter();
    let mut acc = parts.next().unwrap_or_else(|| Acc::new(cols, n_viewers));
    for p in parts {
        acc.merge(p);
    }
    acc
}

/// The `k`-th smallest qoe (0-based) of the passing rows.
pub(super) fn order_statistic(
    cols: &Columns<'_>,
    units: &[(usize, Range<usize>)],
    acc: &Acc,
    k: u64,
) -> f64 {
    let bins = match &acc.hist {
        QoeHistogram::Codes(counts) => {
            let values = cols
                .index
                .as_ref()
                .and_then(|i| i.qoe)
                .map_or(&[][..], |q| q.1);
            return crate::analysis::coded::order_statistics(values, counts, &[k])[0];
        }
        QoeHistogram::Bins(bins) => bins,
    };
    let mut seen = 0;
    for (b, bin) in bins.iter().enumerate() {
        let n = bin.count;
        if seen + n > k {
            // Exactly one distinct value in the bin (compared bit for bit).
            if bin.min.to_bits() == bin.max.to_bits() {
                return bin.min;
            }
            // Several values share this bin: collect them.
            let mut values = Vec::new();
            scan(
                cols,
                units,
                |c, r| {
                    let q = cols.qoe[c][r];
                    if qoe_bin(q) == b {
                        values.push(q);
                    }
                },
                |_, _| {},
            );
            values.sort_by(f64::total_cmp);
            return values[(k - seen) as usize];
        }
        seen += n;
    }
    f64::NAN
}

pub(super) fn median(
    cols: &Columns<'_>,
    units: &[(usize, Range<usize>)],
    acc: &Acc,
) -> Option<f64> {
    if acc.rows == 0 {
        return None;
    }
    // Linear interpolation between order statistics (numpy's default).
    let position = (acc.rows - 1) as f64 * 0.5;
    let lower = position.floor() as u64;
    let low = order_statistic(cols, units, acc, lower);
    let frac = position - lower as f64;
    if frac == 0.0 {
        return Some(low);
    }
    let high = order_statistic(cols, units, acc, lower + 1);
    Some(low + (high - low) * frac)
}
