//! Exact per-cell quantiles of value codes in two linear passes, for alphabets too large
//! for a histogram per cell (`qoe` with 6 decimals: ~500 k distinct values).
//!
//! Pass 1 counts each cell's codes in coarse buckets (`code >> shift`, a few hundred
//! kilobytes of counters in all), sums the values and fills the slot histograms. The
//! order statistics a cell's quantiles need then lie in known buckets; pass 2 collects
//! only the codes falling into those buckets, and sorting those few gives each order
//! statistic exactly — the values sorting every cell would pick.

use super::row_cells::RowCells;
use crate::analysis::groups::TopGroups;
use crate::analysis::index::ValueCodes;
use crate::analysis::over_time::{
    HISTOGRAM_BINS, OverTime, OverTimeRow, QUANTILES, TimeAxis, histogram_bin,
};
use crate::analysis::parallel;
use crate::analysis::rows::Metric;
use crate::analysis::selection::{PassingRows, Selection};
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

/// Cells pass 1 keeps per row for pass 2 must number fewer than this (16 bits).
const MAX_KEPT_CELLS: usize = 1 << 16;

/// Pass 1's inputs and per-range outputs besides the tallies.
struct FirstPass<'a> {
    /// Passing rows per cell.
    rows: Vec<u64>,
    /// The passing rows' cells in visiting order (pass 2 visits the same rows in the same
    /// order); `None` when cells do not fit in 16 bits.
    row_cells: Option<Vec<u16>>,
    codes: [&'a [u32]; 2],
    values: [&'a [f64]; 2],
    coarse: [Coarse; 2],
}

impl FirstPass<'_> {
    /// Counts the passing `rows` (generic so the loop is compiled for the plain range and
    /// for a filter's set bits alike).
    #[inline]
    fn count(
        &mut self,
        rows: impl Iterator<Item = usize>,
        counted: &mut [Counted; 2],
        cells: &RowCells,
    ) {
        // Plain slices held across the loop: indexing through `counted[m]` or `self`
        // reloaded each vector's pointer per row.
        let (codes, values, coarse) = (self.codes, self.values, self.coarse);
        let keep_cells = self.row_cells.is_some();
        let mut row_cells = self.row_cells.take().unwrap_or_default();
        let cell_rows = self.rows.as_mut_slice();
        let [first, second] = counted;
        let mut tallies = [first.tallies(), second.tallies()];
        for r in rows {
            let (cell, slot) = cells.cell_of(r);
            if keep_cells {
                row_cells.push(cell as u16);
            }
            cell_rows[cell] += 1;
            for (m, t) in tallies.iter_mut().enumerate() {
                let v = values[m][r];
                t.coarse[coarse[m].slot(cell, codes[m][r])] += 1;
                t.sums[cell] += v;
                t.histograms[slot * HISTOGRAM_BINS + histogram_bin(v)] += 1;
            }
        }
        if keep_cells {
            self.row_cells = Some(row_cells);
        }
    }
}

/// Both metrics' rows and histograms by cell (`bin * slots + slot`); `cells` gives a
/// passing row's (cell, slot).
pub(super) fn by_buckets(
    sel: &Selection,
    groups: &TopGroups,
    (n_bins, first_bin, axis): (usize, i64, TimeAxis),
    (codes, max_coarse): ([&ValueCodes; 2], usize),
    cells: &RowCells,
) -> Result<Vec<OverTime>, AnalysisError> {
    let slots = groups.labels.len();
    let n_cells = n_bins * slots;
    let coarse = codes.map(|vc| Coarse::new(vc.values.len(), n_cells, max_coarse));
    let values = [
        sel.required_numeric(Metric::BOTH[0].column())?,
        sel.required_numeric(Metric::BOTH[1].column())?,
    ];
    // Pass 1 keeps each row's cell (2 bytes) when cells fit, so pass 2 reads neither time,
    // event nor group again.
    let keep_cells = n_cells < MAX_KEPT_CELLS;
    let ranges = sel.ranges();
    let parts = parallel::map("over-time-buckets", ranges.clone(), |range| {
        let mut counted: [Counted; 2] = coarse.map(|c| Counted {
            coarse: vec![0; n_cells * c.buckets],
            sums: vec![0.0; n_cells],
            histograms: vec![0; slots * HISTOGRAM_BINS],
        });
        let mut pass = FirstPass {
            rows: vec![0_u64; n_cells],
            row_cells: keep_cells.then(|| Vec::with_capacity(range.len())),
            codes: [codes[0].codes.as_slice(), codes[1].codes.as_slice()],
            values,
            coarse,
        };
        match sel.passing_rows(range) {
            PassingRows::All(rows) => pass.count(rows, &mut counted, cells),
            PassingRows::Some(rows) => pass.count(rows, &mut counted, cells),
        }
        (pass.rows, counted, pass.row_cells)
    })?;
    let mut row_cells = Vec::with_capacity(parts.len());
    let mut parts = parts.into_iter().map(|(rows, counted, cells)| {
        row_cells.push(cells.unwrap_or_default());
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
    let collected = parallel::map("over-time-collect", items, |(range, kept_cells)| {
        let mut lists: Vec<Vec<Vec<u32>>> = wanted_ref
            .iter()
            .map(|w| vec![Vec::new(); w.buckets.len()])
            .collect();
        let kept = keep_cells.then_some(kept_cells);
        let wanted = (
            exact_needed.as_slice(),
            wanted_ref.as_slice(),
            codes,
            coarse,
        );
        match sel.passing_rows(range) {
            PassingRows::All(rows) => collect_wanted(rows, kept, cells, wanted, &mut lists),
            PassingRows::Some(rows) => collect_wanted(rows, kept, cells, wanted, &mut lists),
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

/// Pass 2 over the passing `rows`: each metric's codes that fall in a wanted bucket, per
/// wanted bucket. The rows' cells are pass 1's `kept` cells (in visiting order) or, when
/// none were kept, `cells`'.
fn collect_wanted(
    rows: impl Iterator<Item = usize>,
    kept: Option<&[u16]>,
    cells: &RowCells,
    wanted: (&[usize], &[Wanted], [&ValueCodes; 2], [Coarse; 2]),
    lists: &mut [Vec<Vec<u32>>],
) {
    match kept {
        Some(cells) => {
            for (r, &cell) in rows.zip(cells) {
                collect_row(r, usize::from(cell), wanted, lists);
            }
        }
        None => {
            for r in rows {
                collect_row(r, cells.cell_of(r).0, wanted, lists);
            }
        }
    }
}

// Measured: with a plain `#[inline]` pass 2 took 104 instead of 50 ms (no filter).
#[allow(clippy::inline_always)]
#[inline(always)]
fn collect_row(
    r: usize,
    cell: usize,
    (metrics, wanted, codes, coarse): (&[usize], &[Wanted], [&ValueCodes; 2], [Coarse; 2]),
    lists: &mut [Vec<Vec<u32>>],
) {
    for &m in metrics {
        let code = codes[m].codes[r];
        let t = wanted[m].target[coarse[m].slot(cell, code)];
        if t != NO_TARGET {
            lists[m][t as usize].push(code);
        }
    }
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
