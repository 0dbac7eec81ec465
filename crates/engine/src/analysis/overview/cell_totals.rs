//! One cell's sums over its rows, as the Overview's cells keep them.

use crate::analysis::summary::BAD_QOE_BELOW;

/// One cell's sums over its rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellTotals {
    pub rows: u64,
    pub sum_qoe: f64,
    pub sum_engagement: f64,
    pub sum_buffer: f64,
    /// Rows with `qoe` below [`BAD_QOE_BELOW`].
    pub bad: u64,
    pub min_ts: i64,
    pub max_ts: i64,
    /// The first row (in row order) whose time is `min_ts`.
    pub first_row_at_min: u32,
}

impl CellTotals {
    pub(super) const EMPTY: CellTotals = CellTotals {
        rows: 0,
        sum_qoe: 0.0,
        sum_engagement: 0.0,
        sum_buffer: 0.0,
        bad: 0,
        min_ts: i64::MAX,
        max_ts: i64::MIN,
        first_row_at_min: u32::MAX,
    };

    pub(super) fn add_row(&mut self, row: u32, t: i64, q: f64, e: f64, b: f64) {
        self.rows += 1;
        self.sum_qoe += q;
        self.sum_engagement += e;
        self.sum_buffer += b;
        self.bad += u64::from(q < BAD_QOE_BELOW);
        if t < self.min_ts {
            self.min_ts = t;
            self.first_row_at_min = row;
        }
        self.max_ts = self.max_ts.max(t);
    }

    /// Adds other rows' totals; the first row at the earliest time comes from whichever
    /// side has the earlier time (on a tie, this side: pass parts in row order).
    pub(super) fn merge(&mut self, o: &CellTotals) {
        self.rows += o.rows;
        self.sum_qoe += o.sum_qoe;
        self.sum_engagement += o.sum_engagement;
        self.sum_buffer += o.sum_buffer;
        self.bad += o.bad;
        if o.min_ts < self.min_ts {
            self.min_ts = o.min_ts;
            self.first_row_at_min = o.first_row_at_min;
        }
        self.max_ts = self.max_ts.max(o.max_ts);
    }
}
