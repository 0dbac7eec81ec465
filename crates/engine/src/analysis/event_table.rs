//! Analysis 6: one row per event (as the data names it) with its span, audience,
//! mean metrics, weekday and mean viewer retention.

use serde::Serialize;

use crate::analysis::rows::{GroupBy, Metric, Rows};
use crate::analysis::sessions::sessions;
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::schema::Canonical;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    #[serde(skip)]
    pub event_id: String,
    pub customer_id: Option<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    /// (max ts − min ts) / 1000.
    pub duration_s: f64,
    /// Distinct viewers.
    pub viewers: u64,
    /// Distinct countries (`None` without a country column).
    pub countries: Option<u64>,
    pub mean_qoe: f64,
    pub mean_engagement: f64,
    pub mean_buffer_ms: Option<f64>,
    /// Weekday of `start_ms` in UTC, Monday = 0.
    pub weekday: u8,
    /// Mean over the event's viewers of (last ts − first ts) / (event max ts − min ts);
    /// 0 when the event spans 0.
    pub mean_retention: f64,
    /// Samples (not in the required JSON, useful in the table).
    pub samples: u64,
}

/// Per (event, viewer): what the engagement drivers need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewerInEvent {
    /// Index into the event rows.
    pub event_row: usize,
    pub mean_engagement: f64,
    pub retention: f64,
    /// Country code of the viewer's first sample in the event.
    pub country: Option<u32>,
}

/// Weekday of a unix-ms instant in UTC, Monday = 0 (1970-01-01 was a Thursday).
#[must_use]
pub fn weekday(ms: i64) -> u8 {
    (ms.div_euclid(86_400_000) + 3).rem_euclid(7) as u8
}

pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Event rows (ordered by start) and the (event, viewer) pairs.
pub fn event_table(
    dataset: &Dataset,
    rows: &Rows,
    order: &[u32],
) -> Result<(Vec<EventRow>, Vec<ViewerInEvent>), AnalysisError> {
    let ts = rows.timestamps()?;
    let (events, viewers) = (rows.events()?, rows.viewers()?);
    let qoe = rows.metric(Metric::Qoe)?;
    let engagement = rows.metric(Metric::Engagement)?;
    let buffer = rows.numeric(Canonical::BufferMs.name());
    let customers = rows.codes(GroupBy::Customer);
    let countries = rows.codes(GroupBy::Country);
    let n_countries = countries.map_or(0, |c| c.iter().max().map_or(0, |&m| m as usize + 1));

    // Sessions arrive grouped by event; an event's rows are finished when the next starts.
    let mut table: Vec<EventRow> = Vec::new();
    let mut pairs: Vec<ViewerInEvent> = Vec::new();
    let mut pair_spans: Vec<i64> = Vec::new();
    let mut current: Option<u32> = None;
    let mut seen_country = vec![false; n_countries];
    let mut sums = (0.0, 0.0, 0.0);
    let mut first_pair = 0;
    for session in sessions(order, events, viewers) {
        if current != Some(session.event) {
            if let Some(row) = table.last_mut() {
                finish_event(
                    row,
                    sums,
                    &mut pairs[first_pair..],
                    &pair_spans[first_pair..],
                );
            }
            current = Some(session.event);
            seen_country.fill(false);
            sums = (0.0, 0.0, 0.0);
            first_pair = pairs.len();
            let r0 = session.rows[0] as usize;
            table.push(EventRow {
                event_id: dataset.label(Canonical::EventId.name(), session.event),
                customer_id: customers.map(|c| dataset.label(GroupBy::Customer.column(), c[r0])),
                start_ms: i64::MAX,
                end_ms: i64::MIN,
                duration_s: 0.0,
                viewers: 0,
                countries: countries.map(|_| 0),
                mean_qoe: 0.0,
                mean_engagement: 0.0,
                mean_buffer_ms: buffer.map(|_| 0.0),
                weekday: 0,
                mean_retention: 0.0,
                samples: 0,
            });
        }
        let Some(row) = table.last_mut() else {
            continue;
        };
        let (first, last) = (
            session.rows[0] as usize,
            session.rows[session.rows.len() - 1] as usize,
        );
        row.start_ms = row.start_ms.min(ts[first]);
        row.end_ms = row.end_ms.max(ts[last]);
        row.viewers += 1;
        row.samples += session.rows.len() as u64;
        let mut pair_engagement = 0.0;
        for &r in session.rows {
            let r = r as usize;
            sums.0 += qoe[r];
            sums.1 += engagement[r];
            pair_engagement += engagement[r];
            if let Some(b) = buffer {
                sums.2 += b[r];
            }
            if let (Some(c), Some(count)) = (countries, row.countries.as_mut()) {
                let code = c[r] as usize;
                if !seen_country[code] {
                    seen_country[code] = true;
                    *count += 1;
                }
            }
        }
        pairs.push(ViewerInEvent {
            event_row: table.len() - 1,
            mean_engagement: pair_engagement / session.rows.len() as f64,
            retention: 0.0,
            country: countries.map(|c| c[first]),
        });
        pair_spans.push(ts[last] - ts[first]);
    }
    if let Some(row) = table.last_mut() {
        finish_event(
            row,
            sums,
            &mut pairs[first_pair..],
            &pair_spans[first_pair..],
        );
    }
    Ok(order_by_start(table, pairs))
}

/// Event rows ordered by (start, event id), with the pairs renumbered to match.
pub(super) fn order_by_start(
    table: Vec<EventRow>,
    mut pairs: Vec<ViewerInEvent>,
) -> (Vec<EventRow>, Vec<ViewerInEvent>) {
    // Order by start; the pairs point at rows, so renumber them too.
    let mut by_start: Vec<usize> = (0..table.len()).collect();
    by_start.sort_by(|&a, &b| {
        (table[a].start_ms, &table[a].event_id).cmp(&(table[b].start_ms, &table[b].event_id))
    });
    let mut new_index = vec![0usize; table.len()];
    for (new, &old) in by_start.iter().enumerate() {
        new_index[old] = new;
    }
    for p in &mut pairs {
        p.event_row = new_index[p.event_row];
    }
    let mut slots: Vec<Option<EventRow>> = table.into_iter().map(Some).collect();
    let table = by_start
        .iter()
        .filter_map(|&old| slots[old].take())
        .collect();
    (table, pairs)
}

fn finish_event(
    row: &mut EventRow,
    sums: (f64, f64, f64),
    pairs: &mut [ViewerInEvent],
    pair_spans: &[i64],
) {
    let n = row.samples.max(1) as f64;
    row.mean_qoe = sums.0 / n;
    row.mean_engagement = sums.1 / n;
    row.mean_buffer_ms = row.mean_buffer_ms.map(|_| sums.2 / n);
    let span = row.end_ms - row.start_ms;
    row.duration_s = span as f64 / 1000.0;
    row.weekday = weekday(row.start_ms);
    for (p, &s) in pairs.iter_mut().zip(pair_spans) {
        p.retention = if span > 0 {
            s as f64 / span as f64
        } else {
            0.0
        };
    }
    row.mean_retention = if pairs.is_empty() {
        0.0
    } else {
        pairs.iter().map(|p| p.retention).sum::<f64>() / pairs.len() as f64
    };
}
