//! Every (event, viewer) pair of a dataset numbered once, so that "distinct viewers per
//! event" under any filter is a bitset over pairs (one bit per pair, a few hundred kilobytes)
//! instead of a set of pairs built anew for every filter change.

/// No pair yet.
const NONE: u32 = u32::MAX;

/// The pair of each row and the event of each pair.
#[derive(Debug)]
pub struct EventViewerPairs {
    /// Per row, its pair; pairs are numbered in order of first appearance.
    pub pair: Vec<u32>,
    /// Per pair, its event code.
    pub pair_event: Vec<u32>,
}

/// Numbers the pairs of `events[r]`, `viewers[r]` (dense codes below `n_viewers`).
///
/// A viewer's consecutive rows mostly belong to the same event, so each viewer's latest
/// pair is tried first; only a change of event looks the pair up in a hash table.
#[must_use]
pub fn number_pairs(events: &[u32], viewers: &[u32], n_viewers: usize) -> EventViewerPairs {
    let mut latest = vec![NONE; n_viewers];
    let mut table = PairTable::with_capacity(n_viewers.max(1024));
    let mut pair_event = Vec::new();
    let pair = events
        .iter()
        .zip(viewers)
        .map(|(&e, &v)| {
            if v as usize >= latest.len() {
                latest.resize(v as usize + 1, NONE);
            }
            let last = latest[v as usize];
            if last != NONE && pair_event[last as usize] == e {
                return last;
            }
            let id = table.get_or_insert(e, v, pair_event.len() as u32);
            if id as usize == pair_event.len() {
                pair_event.push(e);
            }
            latest[v as usize] = id;
            id
        })
        .collect();
    EventViewerPairs { pair, pair_event }
}

/// Open addressing from (event, viewer) to a pair id, kept at most half full.
struct PairTable {
    keys: Vec<u64>,
    ids: Vec<u32>,
    len: usize,
}

impl PairTable {
    const EMPTY: u64 = u64::MAX;

    fn with_capacity(pairs: usize) -> Self {
        let slots = (pairs * 2).next_power_of_two();
        Self {
            keys: vec![Self::EMPTY; slots],
            ids: vec![0; slots],
            len: 0,
        }
    }

    fn slot(&self, key: u64) -> usize {
        let mask = self.keys.len() - 1;
        let mut s = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask;
        while self.keys[s] != key && self.keys[s] != Self::EMPTY {
            s = (s + 1) & mask;
        }
        s
    }

    /// The id of (event, viewer), or `next` after storing it there.
    fn get_or_insert(&mut self, event: u32, viewer: u32, next: u32) -> u32 {
        let key = (u64::from(event) << 32) | u64::from(viewer);
        let s = self.slot(key);
        if self.keys[s] == key {
            return self.ids[s];
        }
        self.keys[s] = key;
        self.ids[s] = next;
        self.len += 1;
        if self.len * 2 > self.keys.len() {
            self.grow();
        }
        next
    }

    fn grow(&mut self) {
        let slots = self.keys.len() * 2;
        let keys = std::mem::replace(&mut self.keys, vec![Self::EMPTY; slots]);
        let ids = std::mem::replace(&mut self.ids, vec![0; slots]);
        for (k, id) in keys.into_iter().zip(ids) {
            if k != Self::EMPTY {
                let s = self.slot(k);
                self.keys[s] = k;
                self.ids[s] = id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    proptest::proptest! {
        #[test]
        fn same_pair_same_number_and_numbers_are_dense(
            rows in proptest::collection::vec((0u32..5, 0u32..7), 0..300),
        ) {
            let (events, viewers): (Vec<u32>, Vec<u32>) = rows.iter().copied().unzip();
            let p = number_pairs(&events, &viewers, 7);
            let mut seen: HashMap<(u32, u32), u32> = HashMap::new();
            for (r, &(e, v)) in rows.iter().enumerate() {
                let expected = seen.len() as u32;
                let id = *seen.entry((e, v)).or_insert(expected);
                proptest::prop_assert_eq!(p.pair[r], id);
                proptest::prop_assert_eq!(p.pair_event[id as usize], e);
            }
            proptest::prop_assert_eq!(p.pair_event.len(), seen.len());
        }
    }
}
