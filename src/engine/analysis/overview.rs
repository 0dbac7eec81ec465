//! The Overview — summary tiles, filter-list counts and the events table — in
//! one pass over the rows, so a filter change on 20 M rows stays interactive.
//!
//! Filter-list counts use the faceted-search rule: a row that passes every
//! filter counts in every list; a row that fails exactly one column's
//! selection counts only in that column's list (what that list would show if
//! the selection changed). The median is exact: a 65 536-bin histogram finds
//! the bin of each needed order statistic, and only a bin holding different
//! values is looked at again.

use std::ops::Range;

use polars::prelude::*;

use super::events::EventRow;
use super::facets::{Facet, FacetValue};
use super::summary::{BAD_QOE_BELOW, Summary};
use crate::engine::dataset::Dataset;
use crate::engine::error::AnalysisError;
use crate::engine::filter::Filter;
use crate::engine::schema::Canonical;

/// Everything the Overview tab shows for one (dataset, filter).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Overview {
    pub summary: Summary,
    pub facets: Vec<Facet>,
    pub events: Vec<EventRow>,
}

const QOE_BINS: usize = 1 << 16;
/// Rows per unit of work handed to a thread.
const UNIT_ROWS: usize = 1 << 18;
/// Above this many bits, per-event viewer sets use a hash set instead of bitsets.
const MAX_EVENT_VIEWER_BITS: usize = 1 << 30;

/// Contiguous pieces of one column, one per chunk (all columns share chunking).
type Pieces<'a, T> = Vec<&'a [T]>;

fn pieces<'a, T>(frame: &'a DataFrame, name: &str) -> Result<Pieces<'a, T::Native>, AnalysisError>
where
    T: PolarsNumericType,
{
    let column = frame
        .column(name)
        .map_err(|_| AnalysisError::MissingColumn(name.to_string()))?;
    let ca: &ChunkedArray<T> = column.as_materialized_series().unpack::<T>()?;
    Ok(ca.downcast_iter().map(|a| a.values().as_slice()).collect())
}

struct Dim<'a> {
    codes: Pieces<'a, u32>,
    n_codes: usize,
    /// `Some` when this column has a selection: allowed codes.
    allowed: Option<Vec<bool>>,
}

struct Columns<'a> {
    ts: Pieces<'a, i64>,
    qoe: Pieces<'a, f64>,
    engagement: Pieces<'a, f64>,
    buffer: Option<Pieces<'a, f64>>,
    viewer: Pieces<'a, u32>,
    /// Indexes into `dims`.
    event_dim: usize,
    customer_dim: Option<usize>,
    dims: Vec<Dim<'a>>,
    time: (i64, i64),
}

/// Per-thread sums.
struct Acc {
    rows: u64,
    sum_qoe: f64,
    sum_engagement: f64,
    sum_buffer: f64,
    bad: u64,
    min_ts: i64,
    max_ts: i64,
    viewers: Vec<u64>,
    facets: Vec<Vec<u64>>,
    events: Vec<EventAcc>,
    event_viewers: ViewerSets,
    hist: Vec<Bin>,
}

/// One histogram bin: count and the smallest and largest value seen in it,
/// kept together so a row touches one cache line.
#[derive(Clone, Copy)]
struct Bin {
    count: u64,
    min: f64,
    max: f64,
}

impl Bin {
    const EMPTY: Bin = Bin {
        count: 0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };
}

#[derive(Clone, Copy)]
struct EventAcc {
    rows: u64,
    sum_qoe: f64,
    sum_engagement: f64,
    min_ts: i64,
    max_ts: i64,
    customer: u32,
}

enum ViewerSets {
    Bits {
        words_per_event: usize,
        bits: Vec<u64>,
    },
    Hashed(std::collections::HashSet<(u32, u32)>),
}

impl ViewerSets {
    fn new(events: usize, viewers: usize) -> Self {
        let words = viewers.div_ceil(64);
        if events.saturating_mul(words * 64) <= MAX_EVENT_VIEWER_BITS {
            ViewerSets::Bits {
                words_per_event: words,
                bits: vec![0; events * words],
            }
        } else {
            ViewerSets::Hashed(std::collections::HashSet::new())
        }
    }

    #[inline]
    fn insert(&mut self, event: u32, viewer: u32) {
        match self {
            ViewerSets::Bits {
                words_per_event,
                bits,
            } => {
                let w = event as usize * *words_per_event + viewer as usize / 64;
                bits[w] |= 1 << (viewer % 64);
            }
            ViewerSets::Hashed(set) => {
                set.insert((event, viewer));
            }
        }
    }

    fn merge(&mut self, other: ViewerSets) {
        match (self, other) {
            (ViewerSets::Bits { bits, .. }, ViewerSets::Bits { bits: o, .. }) => {
                for (a, b) in bits.iter_mut().zip(o) {
                    *a |= b;
                }
            }
            (ViewerSets::Hashed(a), ViewerSets::Hashed(b)) => a.extend(b),
            // Both sides are built by `new` with the same sizes.
            _ => unreachable!("viewer sets of one pass have one representation"),
        }
    }

    fn count(&self, events: usize) -> Vec<u64> {
        match self {
            ViewerSets::Bits {
                words_per_event,
                bits,
            } => (0..events)
                .map(|e| {
                    bits[e * words_per_event..(e + 1) * words_per_event]
                        .iter()
                        .map(|w| u64::from(w.count_ones()))
                        .sum()
                })
                .collect(),
            ViewerSets::Hashed(set) => {
                let mut counts = vec![0; events];
                for &(e, _) in set {
                    counts[e as usize] += 1;
                }
                counts
            }
        }
    }
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
            events: vec![
                EventAcc {
                    rows: 0,
                    sum_qoe: 0.0,
                    sum_engagement: 0.0,
                    min_ts: i64::MAX,
                    max_ts: i64::MIN,
                    customer: 0,
                };
                n_events
            ],
            event_viewers: ViewerSets::new(n_events, n_viewers),
            hist: vec![Bin::EMPTY; QOE_BINS + 1],
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
        for (a, b) in self.hist.iter_mut().zip(o.hist) {
            a.count += b.count;
            a.min = a.min.min(b.min);
            a.max = a.max.max(b.max);
        }
    }
}

#[inline]
fn qoe_bin(q: f64) -> usize {
    // qoe is validated to [0, 1] at load.
    ((q * QOE_BINS as f64) as usize).min(QOE_BINS)
}

/// Visit rows of `units`: `pass(chunk, row)` for rows passing every filter,
/// `fail_one(dim, code)` for rows failing exactly one column's selection.
fn scan(
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

fn accumulate(cols: &Columns<'_>, units: &[(usize, Range<usize>)], n_viewers: usize) -> Acc {
    let mut acc = Acc::new(cols, n_viewers);
    let mut missed: Vec<Vec<u64>> = cols.dims.iter().map(|d| vec![0; d.n_codes]).collect();
    scan(
        cols,
        units,
        |c, r| {
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
            for (d, dim) in cols.dims.iter().enumerate() {
                acc.facets[d][dim.codes[c][r] as usize] += 1;
            }
            let event = cols.dims[cols.event_dim].codes[c][r];
            let ev = &mut acc.events[event as usize];
            if t < ev.min_ts {
                ev.min_ts = t;
                ev.customer = cols.customer_dim.map_or(0, |d| cols.dims[d].codes[c][r]);
            }
            ev.max_ts = ev.max_ts.max(t);
            ev.rows += 1;
            ev.sum_qoe += q;
            ev.sum_engagement += e;
            acc.event_viewers.insert(event, v);
            let bin = &mut acc.hist[qoe_bin(q)];
            bin.count += 1;
            bin.min = bin.min.min(q);
            bin.max = bin.max.max(q);
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
fn plan_units(cols: &Columns<'_>) -> Vec<(usize, Range<usize>)> {
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

fn run_parallel(cols: &Columns<'_>, units: &[(usize, Range<usize>)], n_viewers: usize) -> Acc {
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
            .map(|part| s.spawn(move || accumulate(cols, part, n_viewers)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
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
fn order_statistic(cols: &Columns<'_>, units: &[(usize, Range<usize>)], acc: &Acc, k: u64) -> f64 {
    let mut seen = 0;
    for (b, bin) in acc.hist.iter().enumerate() {
        let n = bin.count;
        if seen + n > k {
            // Exactly one distinct value in the bin (compared bit for bit).
            if bin.min.to_bits() == bin.max.to_bits() {
                return bin.min;
            }
            // Several values share this bin: collect them (rare for real data).
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

fn median(cols: &Columns<'_>, units: &[(usize, Range<usize>)], acc: &Acc) -> Option<f64> {
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

fn columns<'a>(dataset: &'a Dataset, filter: &Filter) -> Result<Columns<'a>, AnalysisError> {
    let frame = &dataset.frame;
    let mut dims = Vec::new();
    for dim in &dataset.dimensions {
        let n_codes = dataset
            .dictionary(&dim.column)
            .map_or(0, crate::engine::dataset::Dictionary::len);
        let allowed = filter.selected(&dim.column).map(|labels| {
            let mut allowed = vec![false; n_codes];
            if let Some(d) = dataset.dictionary(&dim.column) {
                for code in labels.iter().filter_map(|l| d.key_of(l)) {
                    allowed[code as usize] = true;
                }
            }
            allowed
        });
        dims.push(Dim {
            codes: pieces::<UInt32Type>(frame, &dim.column)?,
            n_codes,
            allowed,
        });
    }
    let position = |name: &str| dataset.dimensions.iter().position(|d| d.column == name);
    let event_dim = position(Canonical::EventId.name())
        .ok_or_else(|| AnalysisError::MissingColumn(Canonical::EventId.name().into()))?;
    let cols = Columns {
        ts: pieces::<Int64Type>(frame, Canonical::Timestamp.name())?,
        qoe: pieces::<Float64Type>(frame, Canonical::Qoe.name())?,
        engagement: pieces::<Float64Type>(frame, Canonical::Engagement.name())?,
        buffer: if dataset.has(Canonical::BufferMs) {
            Some(pieces::<Float64Type>(frame, Canonical::BufferMs.name())?)
        } else {
            None
        },
        viewer: pieces::<UInt32Type>(frame, Canonical::ViewerId.name())?,
        event_dim,
        customer_dim: position(Canonical::CustomerId.name()),
        dims,
        time: (
            filter.time_from_ms.unwrap_or(i64::MIN),
            filter.time_to_ms.unwrap_or(i64::MAX),
        ),
    };
    // Every column must be cut the same way for row (chunk, index) to mean one row.
    let lengths = |p: &[&[u32]]| p.iter().map(|s| s.len()).collect::<Vec<_>>();
    let expected: Vec<usize> = cols.ts.iter().map(|s| s.len()).collect();
    let aligned = cols.dims.iter().all(|d| lengths(&d.codes) == expected)
        && lengths(&cols.viewer) == expected
        && cols
            .qoe
            .iter()
            .map(|s| s.len())
            .eq(expected.iter().copied())
        && cols
            .engagement
            .iter()
            .map(|s| s.len())
            .eq(expected.iter().copied())
        && cols
            .buffer
            .as_ref()
            .is_none_or(|b| b.iter().map(|s| s.len()).eq(expected.iter().copied()));
    if !aligned {
        return Err(AnalysisError::Polars(PolarsError::ComputeError(
            "dataset columns are not aligned in chunks".into(),
        )));
    }
    Ok(cols)
}

/// Compute the Overview of the rows `filter` keeps. Definitions as in
/// [`Summary`], [`EventRow`] and [`Facet`].
pub fn overview(dataset: &Dataset, filter: &Filter) -> Result<Overview, AnalysisError> {
    let cols = columns(dataset, filter)?;
    let n_viewers = dataset
        .dictionary(Canonical::ViewerId.name())
        .map_or(0, crate::engine::dataset::Dictionary::len);
    let units = plan_units(&cols);
    let acc = run_parallel(&cols, &units, n_viewers);

    // Distinct values of a column among passing rows: codes with passing rows.
    let distinct = |d: usize| -> u64 {
        let dim = &cols.dims[d];
        acc.facets[d]
            .iter()
            .enumerate()
            .filter(|(code, n)| **n > 0 && dim.allowed.as_ref().is_none_or(|a| a[*code]))
            .count() as u64
    };
    let distinct_of = |c: Canonical| {
        let d = dataset
            .dimensions
            .iter()
            .position(|d| d.column == c.name())?;
        Some(distinct(d))
    };
    let empty = acc.rows == 0;
    let n = acc.rows as f64;
    let summary = Summary {
        rows: acc.rows,
        events: distinct(cols.event_dim),
        viewers: acc.viewers.iter().map(|w| u64::from(w.count_ones())).sum(),
        customers: distinct_of(Canonical::CustomerId),
        countries: distinct_of(Canonical::CountryId),
        cities: distinct_of(Canonical::CityId),
        start_ms: (!empty).then_some(acc.min_ts),
        end_ms: (!empty).then_some(acc.max_ts),
        mean_qoe: (!empty).then(|| acc.sum_qoe / n),
        median_qoe: median(&cols, &units, &acc),
        bad_qoe_share: (!empty).then(|| acc.bad as f64 / n),
        mean_engagement: (!empty).then(|| acc.sum_engagement / n),
        total_buffer_ms: cols.buffer.as_ref().map(|_| acc.sum_buffer),
        dropped_rows: dataset.report.dropped_counts(),
    };

    let facets = dataset
        .dimensions
        .iter()
        .zip(&acc.facets)
        .map(|(dim, counts)| {
            let mut values: Vec<FacetValue> = counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(code, &rows)| FacetValue {
                    label: dataset.label(&dim.column, code as u32),
                    rows,
                })
                .collect();
            values.sort_by(|a, b| {
                b.rows
                    .cmp(&a.rows)
                    .then_with(|| natural_cmp(&a.label, &b.label))
            });
            Facet {
                column: dim.column.clone(),
                title: dim.title.clone(),
                values,
            }
        })
        .collect();

    let event_column = &dataset.dimensions[cols.event_dim].column;
    let viewers_per_event = acc.event_viewers.count(acc.events.len());
    let customer_column = cols
        .customer_dim
        .map(|d| dataset.dimensions[d].column.clone());
    let mut events: Vec<EventRow> = acc
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.rows > 0)
        .map(|(code, e)| EventRow {
            event: dataset.label(event_column, code as u32),
            customer: customer_column
                .as_ref()
                .map(|c| dataset.label(c, e.customer)),
            start_ms: e.min_ts,
            end_ms: e.max_ts,
            duration_s: (e.max_ts - e.min_ts) as f64 / 1000.0,
            viewers: viewers_per_event[code],
            rows: e.rows,
            mean_qoe: e.sum_qoe / e.rows as f64,
            mean_engagement: e.sum_engagement / e.rows as f64,
        })
        .collect();
    events.sort_by(|a, b| {
        a.start_ms
            .cmp(&b.start_ms)
            .then_with(|| natural_cmp(&a.event, &b.event))
    });
    Ok(Overview {
        summary,
        facets,
        events,
    })
}

/// Numbers by value, then text: "9" < "10" < "abc".
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::engine::analysis::reference::{event_table, facets, summarize};
    use crate::engine::testutil::{SMALL, dataset};

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
            (None, None) => true,
            _ => false,
        }
    }

    /// The one-pass Overview agrees with the polars reference queries.
    fn agrees_with_reference(ds: &Dataset, filter: &Filter) {
        let fast = overview(ds, filter).unwrap();
        let s = summarize(ds, filter).unwrap();
        let f = &fast.summary;
        assert_eq!(
            (
                f.rows,
                f.events,
                f.viewers,
                f.customers,
                f.countries,
                f.cities,
                f.start_ms,
                f.end_ms
            ),
            (
                s.rows,
                s.events,
                s.viewers,
                s.customers,
                s.countries,
                s.cities,
                s.start_ms,
                s.end_ms
            )
        );
        assert!(close(f.mean_qoe, s.mean_qoe), "{f:?} vs {s:?}");
        assert!(close(f.median_qoe, s.median_qoe), "{f:?} vs {s:?}");
        assert!(close(f.bad_qoe_share, s.bad_qoe_share));
        assert!(close(f.mean_engagement, s.mean_engagement));
        assert!(close(f.total_buffer_ms, s.total_buffer_ms));
        let mut reference = facets(ds, filter).unwrap();
        let mut mine = fast.facets.clone();
        for list in reference.iter_mut().chain(mine.iter_mut()) {
            list.values.sort_by(|a, b| a.label.cmp(&b.label));
        }
        assert_eq!(mine, reference);
        let reference = event_table(ds, filter).unwrap();
        assert_eq!(fast.events.len(), reference.len());
        for (a, b) in fast.events.iter().zip(&reference) {
            assert_eq!(
                (&a.event, &a.customer, a.start_ms, a.end_ms),
                (&b.event, &b.customer, b.start_ms, b.end_ms)
            );
            assert_eq!((a.viewers, a.rows), (b.viewers, b.rows));
            assert!((a.mean_qoe - b.mean_qoe).abs() < 1e-9);
            assert!((a.mean_engagement - b.mean_engagement).abs() < 1e-9);
        }
    }

    #[test]
    fn small_frame_known_answers() {
        let ds = dataset(SMALL);
        let o = overview(&ds, &Filter::default()).unwrap();
        assert_eq!(o.summary.rows, 6);
        assert!((o.summary.median_qoe.unwrap() - 0.75).abs() < 1e-12);
        assert_eq!(o.events.len(), 2);
        assert_eq!(o.events[0].viewers, 2);
        let mut f = Filter::default();
        f.toggle("customer_id", "2");
        agrees_with_reference(&ds, &f);
        let o = overview(&ds, &f).unwrap();
        let customers = &o
            .facets
            .iter()
            .find(|f| f.column == "customer_id")
            .unwrap()
            .values;
        assert_eq!(
            customers.len(),
            2,
            "its own list still offers both customers"
        );
        assert_eq!(o.summary.customers, Some(1));
    }

    #[test]
    fn median_inside_a_bin_with_different_values() {
        // 0.50000 and 0.50001 share a histogram bin; the median interpolates between them.
        let text = "timestamp,event_id,viewer_id,qoe,engagement\n\
            1700000000000,1,1,0.5,0\n1700000001000,1,2,0.50001,0\n1700000002000,1,3,0.2,0\n1700000003000,1,4,0.9,0\n";
        let ds = dataset(text);
        let o = overview(&ds, &Filter::default()).unwrap();
        assert!((o.summary.median_qoe.unwrap() - 0.500_005).abs() < 1e-12);
        agrees_with_reference(&ds, &Filter::default());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(30))]
        #[test]
        fn one_pass_matches_polars(
            rows in proptest::collection::vec(
                (0u32..3, 0u32..4, 0u32..5, 0u32..8, proptest::bool::ANY, 0i64..50, 0u32..1000, 0u32..11),
                1..80,
            ),
            customers in proptest::collection::btree_set(0u32..3, 0..2),
            cities in proptest::collection::btree_set(0u32..4, 0..3),
            from in proptest::option::of(0i64..50),
        ) {
            let mut text = String::from("timestamp,customer_id,city_id,event_id,viewer_id,viewer_type,qoe,engagement,buffer_ms\n");
            for (c, city, event, viewer, wfh, t, q, e) in &rows {
                let vt = if *wfh { "WFH" } else { "WFO" };
                let ts = 1_700_000_000_000 + t * 1000 + i64::from(*viewer);
                writeln!(text, "{ts},{c},{city},{event},{viewer},{vt},{},{},{}", f64::from(*q) / 1000.0, f64::from(*e) / 10.0, q % 7).unwrap();
            }
            let ds = dataset(&text);
            let mut f = Filter { time_from_ms: from.map(|t| 1_700_000_000_000 + t * 1000), ..Filter::default() };
            for c in &customers { f.toggle("customer_id", &c.to_string()); }
            for c in &cities { f.toggle("city_id", &c.to_string()); }
            agrees_with_reference(&ds, &f);
        }
    }
}
