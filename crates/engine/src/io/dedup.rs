//! Finding rows that repeat an earlier row's (viewer, timestamp).
//!
//! One pass keeps each viewer's latest timestamp: while a viewer's timestamps
//! only increase (files sorted by time or by event), no row of theirs can repeat
//! an earlier one. Only viewers whose timestamps go backwards are checked by
//! sorting their rows.

/// Indices of rows whose (viewer, timestamp) appeared at a smaller index, ascending.
/// `viewers` are dense codes below `n_viewers`, one per row of `timestamps`.
#[must_use]
pub fn later_duplicates(viewers: &[u32], timestamps: &[i64], n_viewers: usize) -> Vec<usize> {
    let mut last = vec![i64::MIN; n_viewers];
    // A flag per viewer, not a set: the second pass tests it for every row, and hashing
    // 20 M viewer codes took longer than the rest of the check.
    let mut unordered = vec![false; n_viewers];
    let mut any_unordered = false;
    for (&v, &t) in viewers.iter().zip(timestamps) {
        let slot = &mut last[v as usize];
        if t > *slot {
            *slot = t;
        } else {
            unordered[v as usize] = true;
            any_unordered = true;
        }
    }
    if !any_unordered {
        return Vec::new();
    }
    let mut rows: Vec<(u32, i64, usize)> = viewers
        .iter()
        .zip(timestamps)
        .enumerate()
        .filter(|(_, (v, _))| unordered[**v as usize])
        .map(|(i, (&v, &t))| (v, t, i))
        .collect();
    rows.sort_unstable();
    let mut later: Vec<usize> = rows
        .windows(2)
        .filter(|w| w[0].0 == w[1].0 && w[0].1 == w[1].1)
        .map(|w| w[1].2)
        .collect();
    later.sort_unstable();
    later
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn dups(v: &[u32], t: &[i64]) -> Vec<usize> {
        later_duplicates(v, t, 10)
    }

    #[test]
    fn increasing_times_have_no_duplicates() {
        assert!(dups(&[0, 1, 0, 1], &[1, 1, 2, 2]).is_empty());
    }

    #[test]
    fn repeats_after_the_first_are_found_wherever_they_are() {
        // viewer 0 at t=5 three times (indices 0, 3, 5); viewer 1 at t=5 once.
        assert_eq!(dups(&[0, 1, 0, 0, 1, 0], &[5, 5, 9, 5, 6, 5]), vec![3, 5]);
    }

    proptest::proptest! {
        #[test]
        fn matches_a_set_based_check(pairs in proptest::collection::vec((0u32..4, 0i64..6), 0..80)) {
            let (v, t): (Vec<u32>, Vec<i64>) = pairs.iter().copied().unzip();
            let mut seen = HashSet::new();
            let expected: Vec<usize> = pairs.iter().enumerate().filter(|(_, p)| !seen.insert(**p)).map(|(i, _)| i).collect();
            proptest::prop_assert_eq!(dups(&v, &t), expected);
        }
    }
}
