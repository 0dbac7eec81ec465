//! The Overview of a dimension filter answered from the dataset's cells: each cell passes or
//! fails as a whole (its rows share every dimension code), so a filter change costs a pass
//! over the cells, the passing cells' pairs, and one `qoe` bucket per order statistic.

use polars::prelude::{Float64Type, Int64Type};

use super::Found;
use super::cells::{CellTotals, OverviewCells};
use super::scan::EventAcc;
use crate::dataset::Dataset;
use crate::filter::Filter;
use crate::schema::Canonical;

/// The totals from the dataset's cells; `None` when they are not built, the dataset lacks
/// a column or numbering they need, or a time range cuts through too many of their rows.
pub(super) fn found_by_cells(
    dataset: &Dataset,
    filter: &Filter,
    allowed: &[Option<Vec<bool>>],
    event_dim: usize,
    max_cut_rows: usize,
) -> Option<Found> {
    use crate::analysis::index::{built_overview_cells, codes_of, event_viewer_pairs};
    use crate::analysis::selection::slice_of;
    let cells = built_overview_cells(dataset)?;
    let pairs = event_viewer_pairs(dataset)?;
    let qoe = codes_of(dataset, Canonical::Qoe.name())?;
    let code_count = |c: &str| {
        dataset
            .dictionary(c)
            .map_or(0, crate::dataset::Dictionary::len)
    };
    let dim_sizes: Vec<usize> = dataset
        .dimensions
        .iter()
        .map(|d| code_count(&d.column))
        .collect();
    let position = |name: &str| dataset.dimensions.iter().position(|d| d.column == name);
    let f64s = |c: Canonical| slice_of::<Float64Type>(dataset, c.name());
    let query = CellQuery {
        allowed,
        dim_sizes: &dim_sizes,
        event_dim,
        customer_dim: position(Canonical::CustomerId.name()),
        pair_event: &pairs.pair_event,
        qoe_values: &qoe.values,
        n_viewers: code_count(Canonical::ViewerId.name()),
        time: (
            filter.time_from_ms.unwrap_or(i64::MIN),
            filter.time_to_ms.unwrap_or(i64::MAX),
        ),
        max_cut_rows,
        rows: RowColumns {
            ts: slice_of::<Int64Type>(dataset, Canonical::Timestamp.name())?,
            qoe: f64s(Canonical::Qoe)?,
            engagement: f64s(Canonical::Engagement)?,
            buffer: f64s(Canonical::BufferMs),
            pair: &pairs.pair,
            qoe_code: &qoe.codes,
        },
    };
    found_from_cells(cells, &query)
}

/// What [`found_from_cells`] needs besides the cells.
pub(super) struct CellQuery<'a> {
    /// Per dimension, the allowed codes when it has a selection.
    pub allowed: &'a [Option<Vec<bool>>],
    /// Per dimension, its number of codes.
    pub dim_sizes: &'a [usize],
    pub event_dim: usize,
    pub customer_dim: Option<usize>,
    /// Per pair its event; the `qoe` values in code order; the number of viewer codes.
    pub pair_event: &'a [u32],
    pub qoe_values: &'a [f64],
    pub n_viewers: usize,
    /// The time range (inclusive) and the row columns read for cells it cuts through.
    pub time: (i64, i64),
    /// Give up (`None`) when the cells the time range cuts through hold more rows.
    pub max_cut_rows: usize,
    pub rows: RowColumns<'a>,
}

/// Row columns, for the rows of cells a time range cuts through.
pub(super) struct RowColumns<'a> {
    pub ts: &'a [i64],
    pub qoe: &'a [f64],
    pub engagement: &'a [f64],
    pub buffer: Option<&'a [f64]>,
    pub pair: &'a [u32],
    pub qoe_code: &'a [u32],
}

/// Rows of one passing cell a time range cuts through: indexes into its `cell_rows`.
struct Cut {
    cell: usize,
    rows: std::ops::Range<usize>,
}

/// The same totals as the row scan, from the cells that pass `q.allowed` and `q.time`;
/// `None` when the time range cuts through cells holding more than `q.max_cut_rows` rows.
pub(super) fn found_from_cells(cells: &OverviewCells, q: &CellQuery<'_>) -> Option<Found> {
    let active: Vec<(usize, &[bool])> = q
        .allowed
        .iter()
        .enumerate()
        .filter_map(|(d, a)| a.as_deref().map(|a| (d, a)))
        .collect();
    let (from, to) = q.time;
    let mut found = Found::empty(q.dim_sizes, q.dim_sizes[q.event_dim]);
    let mut event_first_row = vec![u32::MAX; q.dim_sizes[q.event_dim]];
    let mut whole = Vec::new();
    let mut cuts = Vec::new();
    let mut cut_rows = 0;
    for cell in 0..cells.len() {
        let codes = cells.cell_codes(cell);
        let t = &cells.totals[cell];
        let mut fails = 0;
        let mut failed = 0;
        for &(d, allowed) in &active {
            if !allowed[codes[d] as usize] {
                fails += 1;
                failed = d;
            }
        }
        if fails > 1 || t.max_ts < from || t.min_ts > to {
            continue;
        }
        let in_range = if t.min_ts >= from && t.max_ts <= to {
            None
        } else {
            let rows = cells.cell_rows(cell);
            let at = |x: i64| rows.partition_point(|&r| q.rows.ts[r as usize] < x);
            let lo = at(from);
            let hi = if to == i64::MAX {
                rows.len()
            } else {
                at(to + 1)
            };
            Some(lo..hi)
        };
        let n = in_range.as_ref().map_or(t.rows, |r| r.len() as u64);
        if fails == 1 {
            found.facets[failed][codes[failed] as usize] += n;
            continue;
        }
        for (facet, &code) in found.facets.iter_mut().zip(codes) {
            facet[code as usize] += n;
        }
        match in_range {
            None => {
                whole.push(cell);
                add_cell(&mut found, &mut event_first_row, q, codes, t);
            }
            Some(rows) if !rows.is_empty() => {
                cut_rows += rows.len();
                cuts.push(Cut { cell, rows });
            }
            Some(_) => {}
        }
    }
    if cut_rows > q.max_cut_rows {
        return None;
    }
    for cut in &cuts {
        let t = cut_totals(cells, &q.rows, cut);
        add_cell(
            &mut found,
            &mut event_first_row,
            q,
            cells.cell_codes(cut.cell),
            &t,
        );
    }
    count_viewers(cells, q, &whole, &cuts, &mut found);
    found.median_qoe = median(cells, q, &whole, &cuts, found.totals.rows);
    Some(found)
}

/// Adds a passing cell's totals (or those of its rows in the time range).
fn add_cell(
    found: &mut Found,
    event_first_row: &mut [u32],
    q: &CellQuery<'_>,
    codes: &[u32],
    t: &CellTotals,
) {
    found.totals.merge(t);
    let event = codes[q.event_dim] as usize;
    let ev = &mut found.events[event];
    // The event's customer is the one of its earliest row (the first such row).
    if (t.min_ts, t.first_row_at_min) < (ev.min_ts, event_first_row[event]) {
        ev.min_ts = t.min_ts;
        event_first_row[event] = t.first_row_at_min;
        ev.customer = q.customer_dim.map_or(0, |d| codes[d]);
    }
    ev.max_ts = ev.max_ts.max(t.max_ts);
    ev.rows += t.rows;
    ev.sum_qoe += t.sum_qoe;
    ev.sum_engagement += t.sum_engagement;
}

/// The totals of a cell's rows in the time range, read row by row.
fn cut_totals(cells: &OverviewCells, c: &RowColumns<'_>, cut: &Cut) -> CellTotals {
    let rows = &cells.cell_rows(cut.cell)[cut.rows.clone()];
    let mut t = CellTotals::EMPTY;
    // In (time, row) order, so the first row at the earliest time is the one recorded.
    for &r in rows {
        let r = r as usize;
        let b = c.buffer.map_or(0.0, |b| b[r]);
        t.add_row(r as u32, c.ts[r], c.qoe[r], c.engagement[r], b);
    }
    t
}

/// Distinct viewers overall and per event among the passing cells' pairs.
fn count_viewers(
    cells: &OverviewCells,
    q: &CellQuery<'_>,
    whole: &[usize],
    cuts: &[Cut],
    found: &mut Found,
) {
    let mut pair_bits = vec![0u64; q.pair_event.len().div_ceil(64)];
    for &cell in whole {
        for &p in cells.cell_pairs(cell) {
            pair_bits[p as usize / 64] |= 1 << (p % 64);
        }
    }
    for cut in cuts {
        for &r in &cells.cell_rows(cut.cell)[cut.rows.clone()] {
            let p = q.rows.pair[r as usize];
            pair_bits[p as usize / 64] |= 1 << (p % 64);
        }
    }
    let mut viewer_bits = vec![0u64; q.n_viewers.div_ceil(64)];
    for (w, &word) in pair_bits.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            let p = w * 64 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let v = cells.pair_viewer[p];
            viewer_bits[v as usize / 64] |= 1 << (v % 64);
            found.viewers_per_event[q.pair_event[p] as usize] += 1;
        }
    }
    found.viewers = viewer_bits.iter().map(|w| u64::from(w.count_ones())).sum();
}

/// The passing rows: whole cells and the time range's rows of cut cells.
struct Passing<'a> {
    whole: &'a [usize],
    /// The `qoe` codes of the cut cells' rows in the time range.
    cut_codes: Vec<u32>,
}

/// numpy's linear median of the passing rows' `qoe`.
fn median(
    cells: &OverviewCells,
    q: &CellQuery<'_>,
    whole: &[usize],
    cuts: &[Cut],
    rows: u64,
) -> Option<f64> {
    if rows == 0 {
        return None;
    }
    let passing = Passing {
        whole,
        cut_codes: cuts
            .iter()
            .flat_map(|cut| &cells.cell_rows(cut.cell)[cut.rows.clone()])
            .map(|&r| q.rows.qoe_code[r as usize])
            .collect(),
    };
    let mut per_bucket = vec![0u64; cells.buckets];
    for &cell in whole {
        for (b, n) in per_bucket.iter_mut().enumerate() {
            *n += u64::from(cells.bucket_rows(cell, b));
        }
    }
    for &code in &passing.cut_codes {
        per_bucket[usize::from(cells.bucket_of_code[code as usize])] += 1;
    }
    let position = (rows - 1) as f64 * 0.5;
    let lower = position.floor() as u64;
    let low = order_statistic(cells, q.qoe_values, &passing, &per_bucket, lower);
    let frac = position - lower as f64;
    if frac == 0.0 {
        return Some(low);
    }
    let high = order_statistic(cells, q.qoe_values, &passing, &per_bucket, lower + 1);
    Some(low + (high - low) * frac)
}

/// The `k`-th smallest (0-based) `qoe` of the passing cells: the bucket holding it, then a
/// selection among that bucket's codes.
fn order_statistic(
    cells: &OverviewCells,
    values: &[f64],
    passing: &Passing<'_>,
    per_bucket: &[u64],
    k: u64,
) -> f64 {
    let mut below = 0;
    for (b, &n) in per_bucket.iter().enumerate() {
        if below + n > k {
            let mut codes: Vec<u32> = Vec::with_capacity(n as usize);
            for &cell in passing.whole {
                codes.extend_from_slice(cells.bucket_codes(cell, b));
            }
            let in_bucket = |c: &&u32| usize::from(cells.bucket_of_code[**c as usize]) == b;
            codes.extend(passing.cut_codes.iter().filter(in_bucket));
            let (_, &mut code, _) = codes.select_nth_unstable((k - below) as usize);
            return values.get(code as usize).copied().unwrap_or(f64::NAN);
        }
        below += n;
    }
    f64::NAN
}

impl Found {
    pub(super) fn empty(dim_sizes: &[usize], n_events: usize) -> Self {
        Found {
            totals: CellTotals::EMPTY,
            viewers: 0,
            facets: dim_sizes.iter().map(|&n| vec![0; n]).collect(),
            events: vec![EventAcc::EMPTY; n_events],
            viewers_per_event: vec![0; n_events],
            median_qoe: None,
        }
    }
}
