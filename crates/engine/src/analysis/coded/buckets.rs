//! Exact per-cell quantiles of value codes in two linear passes, for alphabets too large
//! for a histogram per cell (`qoe` with 6 decimals: ~500 k distinct values).
//!
//! Pass 1 counts each cell's codes in coarse buckets (`code >> shift`, a few hundred
//! kilobytes of counters in all), sums the values and fills the slot histograms. The
//! order statistics a cell's quantiles need then lie in known buckets; pass 2 collects
//! only the codes falling into those buckets, and sorting those few gives each order
//! statistic exactly — the values sorting every cell would pick.

use crate::analysis::groups::TopGroups;
use crate::analysis::index::ValueCodes;
use crate::analysis::over_time::{
    HISTOGRAM_BINS, OverTime, OverTimeRow, QUANTILES, TimeAxis, histogram_bin,
};
use crate::analysis::parallel;
use crate::analysis::rows::Metric;
use crate::analysis::selection::Selection;
use crate::error::AnalysisError;

/// Coarse counters per metric, over all cells, kept within this many (cache-sized).
pub(super) const MAX_COARSE: usize = 1 << 18;

/// No bucket of interest.
const NO_TARGET: u32 = u32::MAX;

/// How codes fall into coarse buckets for one metric.
#[derive(Clone, Copy)]
struct Coarse {
    shift: u32,
    buckets: usize,
}

impl Coarse {
    fn new(distinct: usize, cells: usize, max_coarse: usize) -> Self {
        let buckets_at = |shift: u32| (distinct.max(1) - 1).checked_shr(shift).unwrap_or(0) + 1;
        let mut shift = 0;
        while buckets_at(shift) > 1 && cells.saturating_mul(buckets_at(shift)) > max_coarse {
            shift += 1;
        }
        Self {
            shift,
            buckets: buckets_at(shift),
        }
    }

    #[inline]
    fn slot(self, cell: usize, code: u32) -> usize {
        cell * self.buckets + (code >> self.shift) as usize
    }
}

/// Pass 1 totals of one metric.
struct Counted {
    coarse: Vec<u32>,
    sums: Vec<f64>,
    /// Slot `s`'s values per [`histogram_bin`] `b` at `s * HISTOGRAM_BINS + b`.
    histograms: Vec<u64>,
}

/// [`Counted`]'s vectors as slices, for the row loop.
struct Tallies<'a> {
    coarse: &'a mut [u32],
    sums: &'a mut [f64],
    histograms: &'a mut [u64],
}

impl Counted {
    fn tallies(&mut self) -> Tallies<'_> {
        Tallies {
            coarse: &mut self.coarse,
            sums: &mut self.sums,
            histograms: &mut self.histograms,
        }
    }
}

/// A row that does not pass, in the per-row cells pass 1 keeps for pass 2.
const NO_CELL: u16 = u16::MAX;

/// Both metrics' rows and histograms by cell (`bin * slots + slot`); `cell_of(row)` gives a
/// passing row's (cell, slot).
pub(super) fn by_buckets(
    sel: &Selection,
    groups: &TopGroups,
    (n_bins, first_bin, axis): (usize, i64, TimeAxis),
    (codes, max_coarse): ([&ValueCodes; 2], usize),
    cell_of: impl Fn(usize) -> (usize, usize) + Sync,
) -> Result<Vec<OverTime>, AnalysisError> {
    let slots = groups.labels.len();
    let n_cells = n_bins * slots;
    let coarse = codes.map(|vc| Coarse::new(vc.values.len(), n_cells, max_coarse));
    let values = [
        sel.required_numeric(Metric::BOTH[0].column())?,
        sel.required_numeric(Metric::BOTH[1].column())?,
    ];
    let cell_of = &cell_of;
    // Pass 1 keeps each row's cell (2 bytes) when cells fit, so pass 2 reads neither time,
    // event nor group again.
    let keep_cells = n_cells < usize::from(NO_CELL);
    let ranges = sel.ranges();
    let parts = parallel::map("over-time-buckets", ranges.clone(), |range| {
        let mut rows = vec![0_u64; n_cells];
        let mut counted: [Counted; 2] = coarse.map(|c| Counted {
            coarse: vec![0; n_cells * c.buckets],
            sums: vec![0.0; n_cells],
            histograms: vec![0; slots * HISTOGRAM_BINS],
        });
        let mut row_cells = Vec::with_capacity(if keep_cells { range.len() } else { 0 });
        // Plain slices held across the loop: indexing through `counted[m]` reloaded each
        // vector's pointer per row.
        let [first, second] = &mut counted;
        let mut tallies = [first.tallies(), second.tallies()];
        let row_codes = [codes[0].codes.as_slice(), codes[1].codes.as_slice()];
        for r in range {
            if !sel.passes(r) {
                if keep_cells {
                    row_cells.push(NO_CELL);
                }
                continue;
            }
            let (cell, slot) = cell_of(r);
            if keep_cells {
                row_cells.push(cell as u16);
            }
            rows[cell] += 1;
            for (m, t) in tallies.iter_mut().enumerate() {
                let v = values[m][r];
                t.coarse[coarse[m].slot(cell, row_codes[m][r])] += 1;
                t.sums[cell] += v;
                t.histograms[slot * HISTOGRAM_BINS + histogram_bin(v)] += 1;
            }
        }
        (rows, counted, row_cells)
    })?;
    let mut row_cells = Vec::with_capacity(parts.len());
    let mut parts = parts.into_iter().map(|(rows, counted, cells)| {
        row_cells.push(cells);
        (rows, counted)
    });
    let Some((mut rows, mut counted)) = parts.next() else {
        return Ok(Vec::new());
    };
    for (r, c) in parts.by_ref() {
        add(&mut rows, &r);
        for (into, from) in counted.iter_mut().zip(c) {
            add(&mut into.coarse, &from.coarse);
            for (a, b) in into.sums.iter_mut().zip(&from.sums) {
                *a += b;
            }
            add(&mut into.histograms, &from.histograms);
        }
    }
    // Which bucket holds each order statistic each cell needs.
    let wanted: Vec<Wanted> = (0..2)
        .map(|m| Wanted::new(&rows, &counted[m].coarse, coarse[m]))
        .collect();
    // Pass 2: the codes of the buckets that matter — only for metrics whose buckets hold
    // several codes (with one code per bucket, as for `engagement`'s few values, pass 1's
    // counts are each cell's histogram and give the order statistics directly).
    let exact_needed: Vec<usize> = (0..2).filter(|&m| coarse[m].shift > 0).collect();
    let exact_needed = &exact_needed;
    let wanted_ref = &wanted;
    let items: Vec<(std::ops::Range<usize>, &[u16])> = if exact_needed.is_empty() {
        Vec::new()
    } else {
        ranges
            .into_iter()
            .zip(row_cells.iter().map(Vec::as_slice))
            .collect()
    };
    let collected = parallel::map("over-time-collect", items, |(range, cells)| {
        let mut lists: Vec<Vec<Vec<u32>>> = wanted_ref
            .iter()
            .map(|w| vec![Vec::new(); w.buckets.len()])
            .collect();
        for (i, r) in range.enumerate() {
            let cell = if keep_cells {
                match cells[i] {
                    NO_CELL => continue,
                    c => usize::from(c),
                }
            } else if sel.passes(r) {
                cell_of(r).0
            } else {
                continue;
            };
            for m in exact_needed.iter().copied() {
                let code = codes[m].codes[r];
                let t = wanted_ref[m].target[coarse[m].slot(cell, code)];
                if t != NO_TARGET {
                    lists[m][t as usize].push(code);
                }
            }
        }
        lists
    })?;
    drop(row_cells);
    let mut out = Vec::with_capacity(2);
    for (m, ((metric, counted), wanted)) in
        Metric::BOTH.iter().zip(counted).zip(&wanted).enumerate()
    {
        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); wanted.buckets.len()];
        for part in &collected {
            for (list, codes) in lists.iter_mut().zip(&part[m]) {
                list.extend_from_slice(codes);
            }
        }
        for list in &mut lists {
            list.sort_unstable();
        }
        let vc = codes[m];
        let order_statistic = |cell: usize, k: u64| -> f64 {
            let (t, below, bucket) = wanted.locate(cell, k);
            if coarse[m].shift == 0 {
                return vc.values[bucket];
            }
            vc.values[lists[t][(k - below) as usize] as usize]
        };
        let mut cells_out = Vec::new();
        for slot in 0..slots {
            for bin in 0..n_bins {
                let c = bin * slots + slot;
                let n = rows[c];
                if n == 0 {
                    continue;
                }
                let q: Vec<f64> = QUANTILES
                    .iter()
                    .map(|q| {
                        let p = q * (n - 1) as f64;
                        let lo = order_statistic(c, p.floor() as u64);
                        let hi = order_statistic(c, p.ceil() as u64);
                        lo + (hi - lo) * (p - p.floor())
                    })
                    .collect();
                cells_out.push(OverTimeRow::cell(
                    &groups.labels[slot],
                    (bin, first_bin, axis),
                    n,
                    counted.sums[c] / n as f64,
                    &q,
                ));
            }
        }
        out.push(OverTime {
            metric: *metric,
            groups: groups.labels.clone(),
            rows: cells_out,
            histograms: counted
                .histograms
                .chunks(HISTOGRAM_BINS)
                .map(|h| {
                    let total = h.iter().sum::<u64>().max(1) as f64;
                    h.iter().map(|&c| c as f64 / total).collect()
                })
                .collect(),
        });
    }
    Ok(out)
}

fn add<T: Copy + std::ops::AddAssign>(into: &mut [T], from: &[T]) {
    for (a, &b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

/// The buckets holding the order statistics the quantiles need.
struct Wanted {
    /// Per coarse slot (cell · buckets + bucket): its index in `buckets`, or [`NO_TARGET`].
    target: Vec<u32>,
    /// Per wanted bucket: (cell, rows of the cell in lower buckets).
    buckets: Vec<(usize, u64)>,
    coarse: Coarse,
    counts: Vec<u32>,
}

impl Wanted {
    fn new(rows: &[u64], counts: &[u32], coarse: Coarse) -> Self {
        let mut target = vec![NO_TARGET; counts.len()];
        let mut buckets = Vec::new();
        for (cell, &n) in rows.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let mut ranks: Vec<u64> = QUANTILES
                .iter()
                .flat_map(|q| {
                    let p = q * (n - 1) as f64;
                    [p.floor() as u64, p.ceil() as u64]
                })
                .collect();
            ranks.sort_unstable();
            ranks.dedup();
            let cell_counts = &counts[cell * coarse.buckets..(cell + 1) * coarse.buckets];
            let (mut b, mut below) = (0, 0_u64);
            for k in ranks {
                while below + u64::from(cell_counts[b]) <= k {
                    below += u64::from(cell_counts[b]);
                    b += 1;
                }
                let slot = cell * coarse.buckets + b;
                if target[slot] == NO_TARGET {
                    target[slot] = buckets.len() as u32;
                    buckets.push((cell, below));
                }
            }
        }
        Self {
            target,
            buckets,
            coarse,
            counts: counts.to_vec(),
        }
    }

    /// The wanted bucket holding `cell`'s `k`-th smallest code, the cell's rows below it,
    /// and the bucket's number.
    fn locate(&self, cell: usize, k: u64) -> (usize, u64, usize) {
        let cell_counts =
            &self.counts[cell * self.coarse.buckets..(cell + 1) * self.coarse.buckets];
        let (mut b, mut below) = (0, 0_u64);
        while below + u64::from(cell_counts[b]) <= k {
            below += u64::from(cell_counts[b]);
            b += 1;
        }
        let t = self.target[cell * self.coarse.buckets + b] as usize;
        (t, below, b)
    }
}
