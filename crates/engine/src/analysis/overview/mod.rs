//! The Overview — summary tiles, filter-list counts and the events table — in
//! one pass over the rows, so a filter change on 20 M rows stays interactive.
//!
//! Filter-list counts use the faceted-search rule: a row that passes every
//! filter counts in every list; a row that fails exactly one column's
//! selection counts only in that column's list (what that list would show if
//! the selection changed). The median is exact: a 65 536-bin histogram finds
//! the bin of each needed order statistic, and only a bin holding different
//! values is looked at again.

use polars::prelude::*;

use super::events::EventRow;
use super::facets::{Facet, FacetValue};
use super::summary::Summary;
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::filter::Filter;
use crate::schema::Canonical;
use scan::{Columns, Dim, Index, median, pieces, plan_units, run_parallel};

mod cell_totals;
pub mod cells;
mod from_cells;
mod scan;
mod sets;
mod time_slices;

/// Everything the Overview tab shows for one (dataset, filter).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Overview {
    pub summary: Summary,
    pub facets: Vec<Facet>,
    pub events: Vec<EventRow>,
}

fn columns<'a>(
    dataset: &'a Dataset,
    filter: &Filter,
    indexed: bool,
) -> Result<Columns<'a>, AnalysisError> {
    let frame = &dataset.frame;
    let mut dims = Vec::new();
    for dim in &dataset.dimensions {
        let n_codes = dataset
            .dictionary(&dim.column)
            .map_or(0, crate::dataset::Dictionary::len);
        let allowed = filter.allowed_codes(dataset, &dim.column);
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
        index: None,
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
    let single_chunk = cols.ts.len() == 1;
    Ok(Columns {
        index: (indexed && single_chunk).then(|| index(dataset)),
        ..cols
    })
}

/// The dataset's numbered pairs and `qoe` codes, built on first use (side by side) and kept.
fn index(dataset: &Dataset) -> Index<'_> {
    use crate::analysis::index::{codes_of, event_viewer_pairs};
    let (pairs, qoe) = std::thread::scope(|s| {
        let pairs = std::thread::Builder::new()
            .name("overview-pairs".into())
            .spawn_scoped(s, || event_viewer_pairs(dataset));
        let qoe = codes_of(dataset, Canonical::Qoe.name());
        // No thread to be had, or it failed: number the pairs here.
        let pairs = pairs
            .ok()
            .and_then(|h| h.join().ok())
            .unwrap_or_else(|| event_viewer_pairs(dataset));
        (pairs, qoe)
    });
    Index {
        pairs: pairs.map(|p| (p.pair.as_slice(), p.pair_event.as_slice())),
        qoe: qoe.map(|c| (c.codes.as_slice(), c.values.as_slice())),
    }
}

/// Compute the Overview of the rows `filter` keeps. Definitions as in
/// [`Summary`], [`EventRow`] and [`Facet`].
///
/// Without a time range, and once [`prepare_filter_changes`] has run for this dataset,
/// the answer comes from the dataset's cells (same definitions; sums may differ from the
/// row scan in the last bits, as any change of summation order does).
pub fn overview(dataset: &Dataset, filter: &Filter) -> Result<Overview, AnalysisError> {
    overview_with(dataset, filter, Route::Fastest)
}

/// Groups the dataset's rows into cells of equal dimension codes, once, so that later
/// dimension-filter changes are answered from the cells; then sorts each customer's `qoe`
/// codes once, so that the Differences tab picks passing rows instead of sorting them.
/// Returns whether the cells exist (not for multi-chunk datasets or rows that do not group
/// into few cells). Takes about as long as one Overview and one Differences; the window
/// runs it in the background after a load.
pub fn prepare_filter_changes(dataset: &Dataset) -> bool {
    let cells = crate::analysis::index::overview_cells(dataset).is_some();
    crate::analysis::index::presorted_qoe_words(dataset);
    cells
}

/// How [`overview_with`] finds its totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Cells when built (and a time range cuts through few of their rows), else the
    /// indexed scan.
    Fastest,
    /// Cells however many rows a time range cuts through, else the indexed scan (tests).
    Cells,
    /// The row scan with the dataset's pair and `qoe` numberings (tests).
    #[cfg(test)]
    Indexed,
    /// The row scan with per-scan sets and bins, as multi-chunk datasets use (tests).
    Unindexed,
}

/// What a route finds for one filter: the passing rows' sums, the faceted counts (already
/// including rows that fail one selection), per-event sums and distinct viewers, the median.
pub(super) struct Found {
    /// Rows, sums and extremes of the passing rows (a cell's totals, over all of them).
    totals: cell_totals::CellTotals,
    viewers: u64,
    facets: Vec<Vec<u64>>,
    events: Vec<scan::EventAcc>,
    viewers_per_event: Vec<u64>,
    median_qoe: Option<f64>,
}

fn found_by_scan(
    dataset: &Dataset,
    filter: &Filter,
    indexed: bool,
) -> Result<Found, AnalysisError> {
    let cols = columns(dataset, filter, indexed)?;
    let n_viewers = dataset
        .dictionary(Canonical::ViewerId.name())
        .map_or(0, crate::dataset::Dictionary::len);
    let units = plan_units(&cols);
    let acc = run_parallel(&cols, &units, n_viewers);
    let pair_event = cols
        .index
        .as_ref()
        .and_then(|i| i.pairs)
        .map_or(&[][..], |p| p.1);
    Ok(Found {
        viewers_per_event: acc.event_viewers.count(acc.events.len(), pair_event),
        median_qoe: median(&cols, &units, &acc),
        viewers: acc.viewers.iter().map(|w| u64::from(w.count_ones())).sum(),
        totals: cell_totals::CellTotals {
            rows: acc.rows,
            sum_qoe: acc.sum_qoe,
            sum_engagement: acc.sum_engagement,
            sum_buffer: acc.sum_buffer,
            bad: acc.bad,
            min_ts: acc.min_ts,
            max_ts: acc.max_ts,
            first_row_at_min: u32::MAX,
        },
        facets: acc.facets,
        events: acc.events,
    })
}

fn overview_with(
    dataset: &Dataset,
    filter: &Filter,
    route: Route,
) -> Result<Overview, AnalysisError> {
    let event_dim = dataset
        .dimensions
        .iter()
        .position(|d| d.column == Canonical::EventId.name())
        .ok_or_else(|| AnalysisError::MissingColumn(Canonical::EventId.name().into()))?;
    let allowed: Vec<Option<Vec<bool>>> = dataset
        .dimensions
        .iter()
        .map(|d| filter.allowed_codes(dataset, &d.column))
        .collect();
    let by_cells = matches!(route, Route::Fastest | Route::Cells)
        .then(|| {
            // Reading a cut cell's rows one by one costs a few times a row of the scan. With
            // time slices a range cuts at most two slices' rows; cells built without them
            // (too many cells) can be cut much more.
            let max_cut_rows = if route == Route::Cells {
                usize::MAX
            } else {
                dataset.rows() / 6
            };
            from_cells::found_by_cells(dataset, filter, &allowed, event_dim, max_cut_rows)
        })
        .flatten();
    let acc = match by_cells {
        Some(found) => found,
        None => found_by_scan(dataset, filter, route != Route::Unindexed)?,
    };

    // Distinct values of a column among passing rows: codes with passing rows.
    let distinct = |d: usize| -> u64 {
        acc.facets[d]
            .iter()
            .enumerate()
            .filter(|(code, n)| **n > 0 && allowed[d].as_ref().is_none_or(|a| a[*code]))
            .count() as u64
    };
    let distinct_of = |c: Canonical| {
        let d = dataset
            .dimensions
            .iter()
            .position(|d| d.column == c.name())?;
        Some(distinct(d))
    };
    let t = &acc.totals;
    let empty = t.rows == 0;
    let n = t.rows as f64;
    let summary = Summary {
        rows: t.rows,
        events: distinct(event_dim),
        viewers: acc.viewers,
        customers: distinct_of(Canonical::CustomerId),
        countries: distinct_of(Canonical::CountryId),
        cities: distinct_of(Canonical::CityId),
        start_ms: (!empty).then_some(t.min_ts),
        end_ms: (!empty).then_some(t.max_ts),
        mean_qoe: (!empty).then(|| t.sum_qoe / n),
        median_qoe: acc.median_qoe,
        bad_qoe_share: (!empty).then(|| t.bad as f64 / n),
        mean_engagement: (!empty).then(|| t.sum_engagement / n),
        total_buffer_ms: dataset.has(Canonical::BufferMs).then_some(t.sum_buffer),
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

    let event_column = &dataset.dimensions[event_dim].column;
    let viewers_per_event = &acc.viewers_per_event;
    let customer_column = dataset
        .dimensions
        .iter()
        .find(|d| d.column == Canonical::CustomerId.name())
        .map(|d| d.column.clone());
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
mod tests;
