//! What the Overview scan collects per thread beyond sums: which viewers each event had
//! (for distinct viewers per event) and how `qoe` is distributed (for its exact median).

/// Fixed-width `qoe` bins of the histogram used without value codes.
const QOE_BINS: usize = 1 << 16;
/// Above this many bits, per-event viewer bitsets give way to a hash set.
const MAX_EVENT_VIEWER_BITS: usize = 1 << 28;

/// Distinct (event, viewer) pairs among the passing rows.
pub(super) enum ViewerSets {
    /// One bit per numbered pair (see `analysis::pairs`): the usual case.
    Pairs(Vec<u64>),
    /// One bitset over viewers per event (datasets whose pairs are not numbered).
    Bits {
        words_per_event: usize,
        bits: Vec<u64>,
    },
    Hashed(std::collections::HashSet<(u32, u32)>),
}

impl ViewerSets {
    pub(super) fn new(events: usize, viewers: usize, pairs: Option<usize>) -> Self {
        if let Some(pairs) = pairs {
            return ViewerSets::Pairs(vec![0; pairs.div_ceil(64)]);
        }
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

    /// Records a passing row: its pair when pairs are numbered, else (event, viewer).
    #[inline]
    pub(super) fn insert(&mut self, pair: impl FnOnce() -> u32, event: u32, viewer: u32) {
        match self {
            ViewerSets::Pairs(bits) => {
                let p = pair();
                bits[p as usize / 64] |= 1 << (p % 64);
            }
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

    pub(super) fn merge(&mut self, other: ViewerSets) {
        match (self, other) {
            (ViewerSets::Pairs(bits), ViewerSets::Pairs(o))
            | (ViewerSets::Bits { bits, .. }, ViewerSets::Bits { bits: o, .. }) => {
                for (a, b) in bits.iter_mut().zip(o) {
                    *a |= b;
                }
            }
            (ViewerSets::Hashed(a), ViewerSets::Hashed(b)) => a.extend(b),
            // Both sides are built by `new` with the same sizes.
            _ => unreachable!("viewer sets of one pass have one representation"),
        }
    }

    /// Distinct viewers per event; `pair_event` gives each pair's event for [`Self::Pairs`].
    pub(super) fn count(&self, events: usize, pair_event: &[u32]) -> Vec<u64> {
        let mut counts = vec![0; events];
        match self {
            ViewerSets::Pairs(bits) => {
                for (w, &word) in bits.iter().enumerate() {
                    let mut rest = word;
                    while rest != 0 {
                        let p = w * 64 + rest.trailing_zeros() as usize;
                        counts[pair_event[p] as usize] += 1;
                        rest &= rest - 1;
                    }
                }
            }
            ViewerSets::Bits {
                words_per_event,
                bits,
            } => {
                for (e, count) in counts.iter_mut().enumerate() {
                    *count = bits[e * words_per_event..(e + 1) * words_per_event]
                        .iter()
                        .map(|w| u64::from(w.count_ones()))
                        .sum();
                }
            }
            ViewerSets::Hashed(set) => {
                for &(e, _) in set {
                    counts[e as usize] += 1;
                }
            }
        }
        counts
    }
}

/// The fixed-width bin of `q`.
#[inline]
pub(super) fn qoe_bin(q: f64) -> usize {
    // qoe is validated to [0, 1] at load.
    ((q * QOE_BINS as f64) as usize).min(QOE_BINS)
}

/// How the passing rows' `qoe` values are distributed.
pub(super) enum QoeHistogram {
    /// Rows per value code (a dense rank of the value): exact order statistics directly.
    Codes(Vec<u32>),
    /// Rows per fixed-width bin with the bin's smallest and largest value; a bin holding
    /// several values needs a second look at the rows (see `scan::order_statistic`).
    Bins(Vec<Bin>),
}

/// One histogram bin: count and the smallest and largest value seen in it,
/// kept together so a row touches one cache line.
#[derive(Clone, Copy)]
pub(super) struct Bin {
    pub(super) count: u64,
    pub(super) min: f64,
    pub(super) max: f64,
}

impl Bin {
    const EMPTY: Bin = Bin {
        count: 0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };
}

impl QoeHistogram {
    pub(super) fn new(codes: Option<usize>) -> Self {
        match codes {
            Some(distinct) => QoeHistogram::Codes(vec![0; distinct]),
            None => QoeHistogram::Bins(vec![Bin::EMPTY; QOE_BINS + 1]),
        }
    }

    #[inline]
    pub(super) fn insert(&mut self, code: impl FnOnce() -> u32, q: f64) {
        match self {
            QoeHistogram::Codes(counts) => counts[code() as usize] += 1,
            QoeHistogram::Bins(bins) => {
                let bin = &mut bins[qoe_bin(q)];
                bin.count += 1;
                bin.min = bin.min.min(q);
                bin.max = bin.max.max(q);
            }
        }
    }

    pub(super) fn merge(&mut self, other: QoeHistogram) {
        match (self, other) {
            (QoeHistogram::Codes(a), QoeHistogram::Codes(b)) => {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
            }
            (QoeHistogram::Bins(a), QoeHistogram::Bins(b)) => {
                for (x, y) in a.iter_mut().zip(b) {
                    x.count += y.count;
                    x.min = x.min.min(y.min);
                    x.max = x.max.max(y.max);
                }
            }
            _ => unreachable!("histograms of one pass have one representation"),
        }
    }
}
