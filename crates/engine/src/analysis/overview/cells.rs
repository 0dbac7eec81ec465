//! Rows pre-aggregated by their combination of dimension codes and time slice ("cells"),
//! built once per dataset so that a change of the dimension filters is answered from a few
//! thousand cells instead of 20 M rows (see `from_cells`), and a time range reads row by
//! row only the rows of the two slices it cuts through.
//!
//! Per cell: row count, sums, extremes, the distinct (event, viewer) pairs, and its rows'
//! `qoe` codes grouped by coarse bucket (buckets of about equal row counts over the whole
//! dataset), so an exact order statistic reads one bucket's codes of the passing cells.

use std::ops::Range;

pub use super::cell_totals::CellTotals;
use super::time_slices::{SliceFinder, slice_cuts};
use crate::analysis::parallel;

/// At most this many cells × buckets (bucket start offsets kept per cell).
const MAX_CELL_BUCKETS: usize = 1 << 22;
/// At most this many `qoe` buckets per cell.
const MAX_BUCKETS: usize = 256;

/// The columns a cell index is built from; every slice has one entry per row.
pub struct CellInput<'a> {
    /// Per dimension, the row codes and the number of codes.
    pub dims: Vec<(&'a [u32], usize)>,
    pub ts: &'a [i64],
    pub qoe: &'a [f64],
    pub engagement: &'a [f64],
    pub buffer: Option<&'a [f64]>,
    pub viewer: &'a [u32],
    /// Per row its (event, viewer) pair, and the number of pairs.
    pub pair: &'a [u32],
    pub n_pairs: usize,
    /// Per row the dense rank of its `qoe` value, and the number of distinct values.
    pub qoe_code: &'a [u32],
    pub n_qoe_values: usize,
}

/// The dataset's rows by cell.
#[derive(Debug)]
pub struct OverviewCells {
    pub n_dims: usize,
    /// Cell `c`'s code in dimension `d` is `codes[c * n_dims + d]`.
    pub codes: Vec<u32>,
    pub totals: Vec<CellTotals>,
    pub buckets: usize,
    /// Cell `c`'s codes in bucket `b` are `qoe_codes[bucket_start[c * buckets + b]..
    /// bucket_start[c * buckets + b + 1]]`.
    pub bucket_start: Vec<u32>,
    pub qoe_codes: Vec<u32>,
    /// Cell `c`'s distinct pairs are `pairs[pair_start[c]..pair_start[c + 1]]`, ascending.
    pub pair_start: Vec<u32>,
    pub pairs: Vec<u32>,
    /// Per pair, its viewer.
    pub pair_viewer: Vec<u32>,
    /// Per `qoe` code, its bucket.
    pub bucket_of_code: Vec<u8>,
    /// Cell `c`'s rows are `rows_by_time[row_start[c]..row_start[c + 1]]`, ascending by
    /// (time, row): the rows of a time range are one run of them.
    pub row_start: Vec<u32>,
    pub rows_by_time: Vec<u32>,
}

impl OverviewCells {
    #[must_use]
    pub fn len(&self) -> usize {
        self.totals.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.totals.is_empty()
    }

    #[must_use]
    pub fn cell_codes(&self, cell: usize) -> &[u32] {
        &self.codes[cell * self.n_dims..(cell + 1) * self.n_dims]
    }

    #[must_use]
    pub fn cell_pairs(&self, cell: usize) -> &[u32] {
        &self.pairs[self.pair_start[cell] as usize..self.pair_start[cell + 1] as usize]
    }

    /// The `qoe` codes of `cell`'s rows in bucket `bucket`, in no order.
    #[must_use]
    pub fn bucket_codes(&self, cell: usize, bucket: usize) -> &[u32] {
        let slot = cell * self.buckets + bucket;
        &self.qoe_codes[self.bucket_start[slot] as usize..self.bucket_start[slot + 1] as usize]
    }

    /// Bytes held (the vectors' lengths).
    #[must_use]
    pub fn bytes(&self) -> usize {
        let words = self.codes.len()
            + self.bucket_start.len()
            + self.qoe_codes.len()
            + self.pair_start.len()
            + self.pairs.len()
            + self.pair_viewer.len()
            + self.row_start.len()
            + self.rows_by_time.len();
        words * 4 + self.totals.len() * size_of::<CellTotals>() + self.bucket_of_code.len()
    }

    /// `cell`'s rows, ascending by (time, row).
    #[must_use]
    pub fn cell_rows(&self, cell: usize) -> &[u32] {
        &self.rows_by_time[self.row_start[cell] as usize..self.row_start[cell + 1] as usize]
    }

    #[must_use]
    pub fn bucket_rows(&self, cell: usize, bucket: usize) -> u32 {
        let slot = cell * self.buckets + bucket;
        self.bucket_start[slot + 1] - self.bucket_start[slot]
    }
}

/// Builds the cells of `input`, cut by time slices (by dimension codes alone when slices
/// would make too many); `None` when rows would not group into few enough cells (more than
/// a quarter as many cells as rows) or the row count exceeds `u32` offsets.
#[must_use]
pub fn build_cells(input: &CellInput<'_>) -> Option<OverviewCells> {
    build_sliced(input, &slice_cuts(input.ts)).or_else(|| build_sliced(input, &[]))
}

/// [`build_cells`] with the time slices `cuts` (none: one slice).
fn build_sliced(input: &CellInput<'_>, cuts: &[i64]) -> Option<OverviewCells> {
    let n = input.ts.len();
    if n >= u32::MAX as usize || input.dims.iter().any(|(codes, _)| codes.len() != n) {
        return None;
    }
    let radix: Vec<u64> = input.dims.iter().map(|&(_, k)| k.max(1) as u64).collect();
    let slices = cuts.len() as u64 + 1;
    radix
        .iter()
        .try_fold(1u64, |acc, &k| acc.checked_mul(k))?
        .checked_mul(slices)?;
    let ranges = parallel::core_ranges(n);
    let (cell_of_row, keys) = number_cells(input, &radix, cuts, &ranges);
    let n_cells = keys.len();
    if n_cells > (n / 4).max(64) {
        return None;
    }
    let buckets = (MAX_CELL_BUCKETS / n_cells.max(1)).clamp(1, MAX_BUCKETS);
    let bucket_of_code = code_buckets(input, buckets, &ranges);

    // Per-range totals and (cell, bucket) counts, merged in range order.
    let parts = parallel::map_all("overview-cells", ranges.clone(), |range| {
        cell_sums(
            input,
            &cell_of_row,
            &bucket_of_code,
            n_cells,
            buckets,
            range,
        )
    });
    let mut totals = vec![CellTotals::EMPTY; n_cells];
    let mut bucket_counts = vec![0u32; n_cells * buckets];
    for (part_totals, part_counts) in &parts {
        for (t, p) in totals.iter_mut().zip(part_totals) {
            t.merge(p);
        }
        for (c, p) in bucket_counts.iter_mut().zip(part_counts) {
            *c += p;
        }
    }
    drop(parts);
    let mut bucket_start = Vec::with_capacity(bucket_counts.len() + 1);
    let mut next = 0u32;
    for &count in &bucket_counts {
        bucket_start.push(next);
        next += count;
    }
    bucket_start.push(next);
    drop(bucket_counts);
    let mut row_start = Vec::with_capacity(n_cells + 1);
    let mut next = 0u32;
    for t in &totals {
        row_start.push(next);
        next += t.rows as u32;
    }
    row_start.push(next);
    let mut fill: Vec<u32> = bucket_start[..bucket_start.len() - 1].to_vec();
    let mut row_fill: Vec<u32> = row_start[..n_cells].to_vec();
    let mut qoe_codes = vec![0u32; n];
    let mut rows_by_time = vec![0u32; n];
    for (r, &cell) in cell_of_row.iter().enumerate() {
        let code = input.qoe_code[r];
        let slot = &mut fill[cell as usize * buckets + usize::from(bucket_of_code[code as usize])];
        qoe_codes[*slot as usize] = code;
        *slot += 1;
        rows_by_time[row_fill[cell as usize] as usize] = r as u32;
        row_fill[cell as usize] += 1;
    }
    drop((fill, row_fill));
    sort_by_time(input.ts, &row_start, &mut rows_by_time);
    let (pair_start, pairs, pair_viewer) = cell_pairs(input, &cell_of_row, n_cells);
    let n_dims = input.dims.len();
    let mut codes = Vec::with_capacity(n_cells * n_dims);
    for key in keys {
        let mut rest = key / slices;
        let mut cell = vec![0u32; n_dims];
        for d in (0..n_dims).rev() {
            cell[d] = (rest % radix[d]) as u32;
            rest /= radix[d];
        }
        codes.extend(cell);
    }
    Some(OverviewCells {
        n_dims,
        codes,
        totals,
        buckets,
        bucket_start,
        qoe_codes,
        pair_start,
        pairs,
        pair_viewer,
        bucket_of_code,
        row_start,
        rows_by_time,
    })
}

/// Sorts each cell's rows (in row order) by (time, row), the cells in two halves of about
/// equal rows on the cores. Rows of time-sorted files are sorted already and only checked.
fn sort_by_time(ts: &[i64], row_start: &[u32], rows: &mut [u32]) {
    let n_cells = row_start.len() - 1;
    let half = row_start
        .partition_point(|&s| (s as usize) < rows.len() / 2)
        .min(n_cells);
    let mut batches: Vec<Vec<&mut [u32]>> = vec![Vec::new(), Vec::new()];
    let mut rest = rows;
    for c in 0..n_cells {
        let (cell, after) = rest.split_at_mut((row_start[c + 1] - row_start[c]) as usize);
        batches[usize::from(c >= half)].push(cell);
        rest = after;
    }
    parallel::map_all("overview-cell-times", batches, |batch| {
        for cell in batch {
            if !cell.is_sorted_by_key(|&r| ts[r as usize]) {
                cell.sort_unstable_by_key(|&r| (ts[r as usize], r));
            }
        }
    });
}

/// Each row's cell, cells numbered in ascending key order (a key is the row's dimension
/// codes in mixed radix, then its time slice), and the keys.
fn number_cells(
    input: &CellInput<'_>,
    radix: &[u64],
    cuts: &[i64],
    ranges: &[Range<usize>],
) -> (Vec<u32>, Vec<u64>) {
    type Table = hashbrown::HashMap<u64, u32, foldhash::fast::FixedState>;
    let slices = cuts.len() as u64 + 1;
    let key_of = |r: usize, finder: &mut SliceFinder| {
        let dims = input
            .dims
            .iter()
            .zip(radix)
            .fold(0u64, |key, ((codes, _), &k)| key * k + u64::from(codes[r]));
        dims * slices + finder.slice(input.ts[r])
    };
    // Per range: local cell numbers in order of appearance and their keys.
    let parts = parallel::map_all("overview-cell-keys", ranges.to_vec(), |range| {
        let mut table = Table::with_hasher(foldhash::fast::FixedState::with_seed(7));
        let mut keys = Vec::new();
        let mut local = Vec::with_capacity(range.len());
        let mut last = (u64::MAX, 0u32);
        let mut finder = SliceFinder::new(cuts);
        for r in range {
            let key = key_of(r, &mut finder);
            if key != last.0 {
                let next = keys.len() as u32;
                let cell = *table.entry(key).or_insert_with(|| {
                    keys.push(key);
                    next
                });
                last = (key, cell);
            }
            local.push(last.1);
        }
        (local, keys)
    });
    let mut keys: Vec<u64> = parts.iter().flat_map(|(_, k)| k.iter().copied()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut cell_of_row = Vec::with_capacity(input.ts.len());
    for (local, part_keys) in parts {
        let global: Vec<u32> = part_keys
            .iter()
            .map(|k| keys.partition_point(|x| x < k) as u32)
            .collect();
        cell_of_row.extend(local.into_iter().map(|l| global[l as usize]));
    }
    (cell_of_row, keys)
}

/// Per `qoe` code its bucket, cutting the codes where the running row count passes each
/// multiple of rows / `buckets`.
fn code_buckets(input: &CellInput<'_>, buckets: usize, ranges: &[Range<usize>]) -> Vec<u8> {
    let n_values = input.n_qoe_values;
    let parts = parallel::map_all("overview-qoe-counts", ranges.to_vec(), |range| {
        let mut counts = vec![0u32; n_values];
        for &code in &input.qoe_code[range] {
            counts[code as usize] += 1;
        }
        counts
    });
    let n = input.qoe_code.len() as u64;
    let mut bucket_of_code = vec![0u8; n_values];
    let (mut seen, mut bucket) = (0u64, 0usize);
    for (code, slot) in bucket_of_code.iter_mut().enumerate() {
        // Bucket b holds the codes whose first row falls in [b·n/B, (b+1)·n/B).
        while bucket + 1 < buckets && seen >= (bucket as u64 + 1) * n / buckets as u64 {
            bucket += 1;
        }
        *slot = bucket as u8;
        seen += parts.iter().map(|p| u64::from(p[code])).sum::<u64>();
    }
    bucket_of_code
}

type PartSums = (Vec<CellTotals>, Vec<u32>);

fn cell_sums(
    input: &CellInput<'_>,
    cell_of_row: &[u32],
    bucket_of_code: &[u8],
    n_cells: usize,
    buckets: usize,
    range: Range<usize>,
) -> PartSums {
    let mut totals = vec![CellTotals::EMPTY; n_cells];
    let mut counts = vec![0u32; n_cells * buckets];
    for r in range {
        let cell = cell_of_row[r] as usize;
        let b = input.buffer.map_or(0.0, |b| b[r]);
        totals[cell].add_row(r as u32, input.ts[r], input.qoe[r], input.engagement[r], b);
        let bucket = usize::from(bucket_of_code[input.qoe_code[r] as usize]);
        counts[cell * buckets + bucket] += 1;
    }
    (totals, counts)
}

/// Per cell its distinct pairs (ascending), as offsets and one list; and each pair's viewer.
fn cell_pairs(
    input: &CellInput<'_>,
    cell_of_row: &[u32],
    n_cells: usize,
) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let mut pair_viewer = vec![0u32; input.n_pairs];
    // A pair's rows mostly stay in one cell: only a change of cell adds an entry.
    let mut last_cell = vec![u32::MAX; input.n_pairs];
    let mut entries: Vec<u64> = Vec::with_capacity(input.n_pairs + input.n_pairs / 8);
    for (r, &cell) in cell_of_row.iter().enumerate() {
        let p = input.pair[r] as usize;
        pair_viewer[p] = input.viewer[r];
        if last_cell[p] != cell {
            last_cell[p] = cell;
            entries.push(u64::from(cell) << 32 | p as u64);
        }
    }
    drop(last_cell);
    entries.sort_unstable();
    entries.dedup();
    let mut pair_start = vec![0u32; n_cells + 1];
    for &e in &entries {
        pair_start[(e >> 32) as usize + 1] += 1;
    }
    for c in 0..n_cells {
        pair_start[c + 1] += pair_start[c];
    }
    let pairs = entries.into_iter().map(|e| e as u32).collect();
    (pair_start, pairs, pair_viewer)
}
