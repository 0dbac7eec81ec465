//! Which over-time cell each row falls in, shared by the histogram and the bucket paths.

use crate::analysis::groups::TopGroups;

/// Which cell (`bin * slots + slot`) and slot each row falls in. A struct with inlined
/// methods rather than closures: as a closure called from several row loops it was no
/// longer inlined, and the no-filter loop of over time slowed by a third.
pub(super) struct RowCells<'a> {
    pub(super) ts: &'a [i64],
    pub(super) events: &'a [u32],
    /// Per event, the time its bins start from (event minutes); `None`: all bins start
    /// from `origin`.
    pub(super) event_origin: Option<&'a [i64]>,
    pub(super) origin: i64,
    pub(super) divide: Divider,
    pub(super) groups: &'a TopGroups<'a>,
    pub(super) slots: usize,
}

impl RowCells<'_> {
    /// Row `r`'s (cell, slot).
    #[allow(clippy::inline_always)] // measured, see the struct
    #[inline(always)]
    pub(super) fn cell_of(&self, r: usize) -> (usize, usize) {
        let origin = match self.event_origin {
            Some(origins) => origins[self.events[r] as usize],
            None => self.origin,
        };
        let bin = self.divide.quotient((self.ts[r] - origin) as u64) as usize;
        let slot = self.groups.slot_of_row(r);
        (bin * self.slots + slot, slot)
    }
}

/// Division of offsets by the bin width without a division instruction per row (one per
/// row and pass made over time's row loops slow): `x / d` as the high half of `x · m`,
/// `m = ⌊2⁶⁴ / d⌋ + 1`, which is exact while `x · d < 2⁶⁴`; plain division otherwise.
#[derive(Clone, Copy)]
pub(super) struct Divider {
    divisor: u64,
    /// `Some(m)` when every offset up to the maximum is divided exactly by `m`.
    reciprocal: Option<u64>,
}

impl Divider {
    pub(super) fn new(divisor: u64, max_offset: u64) -> Self {
        let divisor = divisor.max(1);
        let reciprocal = (divisor > 1 && max_offset.checked_mul(divisor).is_some())
            .then(|| u64::MAX / divisor + 1);
        Self {
            divisor,
            reciprocal,
        }
    }

    #[inline]
    pub(super) fn quotient(self, x: u64) -> u64 {
        match self.reciprocal {
            Some(m) => ((u128::from(x) * u128::from(m)) >> 64) as u64,
            None => x / self.divisor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn reciprocal_division_is_exact(divisor in 1u64..100_000_000, fraction in 0.0f64..=1.0) {
            let limit = u64::MAX / divisor;
            let x = (limit as f64 * fraction) as u64;
            for x in [x, x.saturating_sub(1), limit, 0, divisor - 1, divisor] {
                let divide = Divider::new(divisor, x);
                proptest::prop_assert_eq!(divide.quotient(x), x / divisor);
            }
        }
    }
}
