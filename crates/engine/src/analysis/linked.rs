//! Analyses 3, 6 and 7 without sorting per filter: rows are read in storage order and each
//! passing row finds the same viewer's next passing sample through the dataset's session
//! links (see `index`). Same definitions as `durations` and `event_table`, which remain
//! the path for datasets without links; tests check that both agree.

use crate::analysis::durations::{Acc, DIMENSIONS, LevelDurations, finish};
use crate::analysis::event_table::{EventRow, ViewerInEvent, weekday};
use crate::analysis::index::codes_of;
use crate::analysis::links::{NONE, SessionLinks};
use crate::analysis::parallel;
use crate::analysis::rows::{GroupBy, code_count};
use crate::analysis::selection::Selection;
use crate::analysis::sessions::{LEVELS, MAX_SAMPLE_MS, level_of};
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::schema::Canonical;

/// The next passing row of `r`'s session, following links past rows the filter drops.
#[inline]
fn next_passing(sel: &Selection, links: &SessionLinks, r: usize) -> Option<usize> {
    let mut n = links.next[r];
    while n != NONE && !sel.passes(n as usize) {
        n = links.next[n as usize];
    }
    (n != NONE).then_some(n as usize)
}

/// Level durations per dimension (definitions in `durations`).
pub fn level_durations(
    dataset: &Dataset,
    sel: &Selection,
    links: &SessionLinks,
) -> Result<Vec<LevelDurations>, AnalysisError> {
    let ts = sel.timestamps()?;
    let engagement = sel.required_numeric(Canonical::Engagement.name())?;
    let dims: Vec<(GroupBy, &[u32], usize)> = DIMENSIONS
        .iter()
        .filter_map(|&d| {
            let codes = sel.codes(d)?;
            Some((d, codes, code_count(dataset, d.column())))
        })
        .collect();
    let dims = &dims;
    // The level of each distinct engagement value, once, instead of rounding every row.
    let level_table = codes_of(dataset, Canonical::Engagement.name()).map(|vc| {
        let levels: Vec<u8> = vc.values.iter().map(|&v| level_of(v) as u8).collect();
        (vc.codes.as_slice(), levels)
    });
    let level_at = |r: usize| match &level_table {
        Some((codes, levels)) => usize::from(levels[codes[r] as usize]),
        None => level_of(engagement[r]),
    };
    let parts = parallel::map("levels", sel.ranges(), |range| {
        let mut ms: Vec<Vec<[i64; LEVELS]>> = dims.iter().map(|d| vec![[0; LEVELS]; d.2]).collect();
        let mut runs: Vec<Vec<[u64; LEVELS]>> =
            dims.iter().map(|d| vec![[0; LEVELS]; d.2]).collect();
        for r in range {
            if !sel.passes(r) {
                continue;
            }
            let next = next_passing(sel, links, r);
            let gap = next.map(|n| ts[n] - ts[r]);
            let duration = gap.map_or(0, |g| g.min(MAX_SAMPLE_MS));
            let level = level_at(r);
            for (k, (_, codes, _)) in dims.iter().enumerate() {
                let group = codes[r] as usize;
                ms[k][group][level] += duration;
                // A run ends here unless the next sample continues it (same group and
                // level, no gap above the cap).
                let continues = next.is_some_and(|n| {
                    codes[n] as usize == group
                        && level_at(n) == level
                        && gap.is_some_and(|g| g <= MAX_SAMPLE_MS)
                });
                if !continues {
                    runs[k][group][level] += 1;
                }
            }
        }
        (ms, runs)
    })?;
    let mut parts = parts.into_iter();
    let (mut ms, mut runs) = parts.next().unwrap_or_default();
    for (m, r) in parts {
        add_into(&mut ms, &m, |a, b| *a += b);
        add_into(&mut runs, &r, |a, b| *a += b);
    }
    Ok(dims
        .iter()
        .zip(ms.into_iter().zip(runs))
        .map(|(&(dimension, codes, _), (ms, runs))| {
            // Every sample's duration belongs to exactly one run, so run time = level time.
            let acc = Acc {
                dimension,
                codes,
                run_ms: ms.clone(),
                ms,
                runs,
            };
            finish(dataset, &acc)
        })
        .collect())
}

fn add_into<T: Copy>(
    into: &mut [Vec<[T; LEVELS]>],
    from: &[Vec<[T; LEVELS]>],
    add: impl Fn(&mut T, T),
) {
    for (a, b) in into.iter_mut().zip(from) {
        for (x, y) in a.iter_mut().zip(b) {
            for (u, &v) in x.iter_mut().zip(y) {
                add(u, v);
            }
        }
    }
}

/// One (event, viewer) pair's passing samples.
#[derive(Clone, Copy)]
struct PairAcc {
    count: u32,
    /// Earliest sample (lowest row among equal times) and latest time.
    first_ts: i64,
    first_row: u32,
    last_ts: i64,
    sum_engagement: f64,
}

impl Default for PairAcc {
    fn default() -> Self {
        Self {
            count: 0,
            first_ts: i64::MAX,
            first_row: u32::MAX,
            last_ts: i64::MIN,
            sum_engagement: 0.0,
        }
    }
}

impl PairAcc {
    fn merge(&mut self, o: &PairAcc) {
        if o.count == 0 {
            return;
        }
        // `o` covers later rows, so on equal times this one's row is the lower.
        if o.first_ts < self.first_ts {
            self.first_ts = o.first_ts;
            self.first_row = o.first_row;
        }
        self.last_ts = self.last_ts.max(o.last_ts);
        self.count += o.count;
        self.sum_engagement += o.sum_engagement;
    }
}

/// Per event: sample sums (qoe, engagement, buffer).
#[derive(Clone, Copy, Default)]
struct EventSums {
    samples: u64,
    qoe: f64,
    engagement: f64,
    buffer: f64,
}

/// The event table and (event, viewer) pairs (definitions in `event_table`).
pub fn event_table(
    dataset: &Dataset,
    sel: &Selection,
    links: &SessionLinks,
) -> Result<(Vec<EventRow>, Vec<ViewerInEvent>), AnalysisError> {
    let ts = sel.timestamps()?;
    let qoe = sel.required_numeric(Canonical::Qoe.name())?;
    let engagement = sel.required_numeric(Canonical::Engagement.name())?;
    let buffer = sel.numeric(Canonical::BufferMs.name());
    let events = sel.events()?;
    let n_pairs = links.pairs.pair_event.len();
    let n_events = code_count(dataset, Canonical::EventId.name());
    let countries = sel.codes(GroupBy::Country);
    let n_countries = code_count(dataset, GroupBy::Country.column());
    let parts = parallel::map("events", sel.ranges(), |range| {
        let mut pairs = vec![PairAcc::default(); n_pairs];
        let mut sums = vec![EventSums::default(); n_events];
        // Bit (event · countries + country): the event has a passing row in that country.
        let mut seen = vec![0u64; (n_events * n_countries).div_ceil(64)];
        for r in range {
            if !sel.passes(r) {
                continue;
            }
            let p = &mut pairs[links.pairs.pair[r] as usize];
            if ts[r] < p.first_ts {
                p.first_ts = ts[r];
                p.first_row = r as u32;
            }
            p.last_ts = p.last_ts.max(ts[r]);
            p.count += 1;
            p.sum_engagement += engagement[r];
            let s = &mut sums[events[r] as usize];
            s.samples += 1;
            s.qoe += qoe[r];
            s.engagement += engagement[r];
            if let Some(b) = buffer {
                s.buffer += b[r];
            }
            if let Some(c) = countries {
                let bit = events[r] as usize * n_countries + c[r] as usize;
                seen[bit / 64] |= 1 << (bit % 64);
            }
        }
        (pairs, sums, seen)
    })?;
    let mut parts = parts.into_iter();
    let (mut pairs, mut sums, mut seen) = parts.next().unwrap_or_default();
    for (p, s, c) in parts {
        for (a, b) in seen.iter_mut().zip(&c) {
            *a |= b;
        }
        for (a, b) in pairs.iter_mut().zip(&p) {
            a.merge(b);
        }
        for (a, b) in sums.iter_mut().zip(&s) {
            a.samples += b.samples;
            a.qoe += b.qoe;
            a.engagement += b.engagement;
            a.buffer += b.buffer;
        }
    }
    let distinct_countries = |event: u32| -> u64 {
        let first = event as usize * n_countries;
        (first..first + n_countries)
            .filter(|&bit| seen[bit / 64] >> (bit % 64) & 1 == 1)
            .count() as u64
    };
    Ok(assemble(
        dataset,
        sel,
        links,
        &pairs,
        &sums,
        &distinct_countries,
    ))
}

fn assemble(
    dataset: &Dataset,
    sel: &Selection,
    links: &SessionLinks,
    pairs: &[PairAcc],
    sums: &[EventSums],
    distinct_countries: &dyn Fn(u32) -> u64,
) -> (Vec<EventRow>, Vec<ViewerInEvent>) {
    let customers = sel.codes(GroupBy::Customer);
    let countries = sel.codes(GroupBy::Country);
    let mut table: Vec<EventRow> = Vec::new();
    let mut out_pairs: Vec<ViewerInEvent> = Vec::new();
    let mut spans: Vec<i64> = Vec::new();
    // Per table row, its first pair in `out_pairs` (pairs of one event are consecutive).
    let mut first_pair: Vec<usize> = Vec::new();
    let mut current: Option<u32> = None;
    // In (event, viewer) order, each event's pairs are consecutive.
    for &p in &links.by_event {
        let acc = &pairs[p as usize];
        if acc.count == 0 {
            continue;
        }
        let event = links.pairs.pair_event[p as usize];
        if current != Some(event) {
            current = Some(event);
            first_pair.push(out_pairs.len());
            let s = sums[event as usize];
            let r0 = acc.first_row as usize;
            table.push(EventRow {
                event_id: dataset.label(Canonical::EventId.name(), event),
                customer_id: customers.map(|c| dataset.label(GroupBy::Customer.column(), c[r0])),
                start_ms: i64::MAX,
                end_ms: i64::MIN,
                duration_s: 0.0,
                viewers: 0,
                countries: countries.map(|_| distinct_countries(event)),
                mean_qoe: s.qoe / s.samples.max(1) as f64,
                mean_engagement: s.engagement / s.samples.max(1) as f64,
                mean_buffer_ms: sel
                    .numeric(Canonical::BufferMs.name())
                    .map(|_| s.buffer / s.samples.max(1) as f64),
                weekday: 0,
                mean_retention: 0.0,
                samples: s.samples,
            });
        }
        let Some(row) = table.last_mut() else {
            continue;
        };
        row.start_ms = row.start_ms.min(acc.first_ts);
        row.end_ms = row.end_ms.max(acc.last_ts);
        row.viewers += 1;
        out_pairs.push(ViewerInEvent {
            event_row: table.len() - 1,
            mean_engagement: acc.sum_engagement / f64::from(acc.count),
            retention: 0.0,
            country: countries.map(|c| c[acc.first_row as usize]),
        });
        spans.push(acc.last_ts - acc.first_ts);
    }
    first_pair.push(out_pairs.len());
    for (i, row) in table.iter_mut().enumerate() {
        let span = row.end_ms - row.start_ms;
        row.duration_s = span as f64 / 1000.0;
        row.weekday = weekday(row.start_ms);
        let range = first_pair[i]..first_pair[i + 1];
        for (p, &s) in out_pairs[range.clone()]
            .iter_mut()
            .zip(&spans[range.clone()])
        {
            p.retention = if span > 0 {
                s as f64 / span as f64
            } else {
                0.0
            };
        }
        let n = range.len();
        row.mean_retention = if n == 0 {
            0.0
        } else {
            out_pairs[range].iter().map(|p| p.retention).sum::<f64>() / n as f64
        };
    }
    crate::analysis::event_table::order_by_start(table, out_pairs)
}
