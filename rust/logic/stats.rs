// SPDX-License-Identifier: GPL-2.0
//! The bond's counters as bonding keeps them (`bond_fold_stats()`): the bond remembers what it
//! reported and what it last read from each slave, and every reading adds each slave's progress
//! since the last one. So the bond's counters never go backwards: not when a slave leaves (its
//! share stays), not when a slave's counters are reset (some drivers do at down/up: nothing is
//! added until they pass the last reading... of the new series), and a 32-bit counter that wraps
//! counts as the small step it is.

/// Number of counters in `struct rtnl_link_stats64` (all `u64`), in the struct's order.
pub const STATS_LEN: usize = 25;

/// One counter of `bond_fold_stats()`: `res` plus how far `new` got past `old`, where a counter
/// whose both readings fit in 32 bits is taken as a 32-bit counter (so that a wrap is a small
/// step forward), and a step backwards (a reset) adds nothing. Never panics: the sum wraps at
/// 2^64 as C's does.
pub fn fold_counter(res: u64, new: u64, old: u64) -> u64 {
    let delta = if ((new | old) >> 32) == 0 {
        // both readings fit in 32 bits: the distance modulo 2^32, signed
        i64::from((new as u32).wrapping_sub(old as u32) as i32)
    } else {
        new.wrapping_sub(old) as i64
    };
    if delta > 0 {
        res.wrapping_add(delta as u64)
    } else {
        res
    }
}

/// `bond_fold_stats()`: folds one slave's new reading into the bond's counters.
pub fn fold(res: &mut [u64; STATS_LEN], new: &[u64; STATS_LEN], old: &[u64; STATS_LEN]) {
    for ((r, n), o) in res.iter_mut().zip(new.iter()).zip(old.iter()) {
        *r = fold_counter(*r, *n, *o);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_added() {
        assert_eq!(fold_counter(100, 50, 20), 130);
        assert_eq!(fold_counter(0, 1 << 40, 1 << 39), 1 << 39);
    }

    #[test]
    fn no_progress_adds_nothing() {
        assert_eq!(fold_counter(7, 20, 20), 7);
    }

    #[test]
    fn a_reset_adds_nothing_and_the_next_reading_counts_from_the_new_series() {
        // a driver reset its counter from 1000 to 0: the bond keeps what it had
        let bond = fold_counter(5000, 0, 1000);
        assert_eq!(bond, 5000);
        // the bond now remembers 0 for the slave: the next 30 are added
        assert_eq!(fold_counter(bond, 30, 0), 5030);
    }

    #[test]
    fn a_64_bit_counter_that_goes_backwards_adds_nothing() {
        assert_eq!(fold_counter(9, 1 << 33, (1 << 33) + 5), 9);
        assert_eq!(fold_counter(9, 3, 1 << 40), 9);
    }

    #[test]
    fn a_32_bit_counter_that_wraps_is_a_small_step() {
        assert_eq!(fold_counter(1000, 0x10, 0xffff_fff0), 1000 + 0x20);
        assert_eq!(fold_counter(0, 0, u64::from(u32::MAX)), 1);
    }

    #[test]
    fn a_32_bit_counter_reset_adds_nothing() {
        // 0x8000_0000 back to 5 is not a wrap forward (more than half the range back)
        assert_eq!(fold_counter(1, 5, 0x8000_0005), 1);
        assert_eq!(fold_counter(1, 5, 6), 1);
    }

    #[test]
    fn the_sum_wraps_instead_of_panicking() {
        assert_eq!(fold_counter(u64::MAX, 10, 5), 4);
        assert_eq!(fold_counter(u64::MAX, u64::MAX, 0), u64::MAX);
        assert_eq!(fold_counter(0, u64::MAX, 0), 0, "a 64-bit step of 2^64-1 is -1 as C's s64: nothing");
    }

    #[test]
    fn every_counter_is_folded() {
        let mut res = [1u64; STATS_LEN];
        let old: [u64; STATS_LEN] = core::array::from_fn(|i| i as u64 * 10);
        let new: [u64; STATS_LEN] = core::array::from_fn(|i| if i % 2 == 0 { i as u64 * 10 + 3 } else { 0 });
        fold(&mut res, &new, &old);
        for (i, r) in res.iter().enumerate() {
            // even counters moved by 3; odd ones were reset (counter 1 went from 10 to 0)
            let want = if i % 2 == 0 { 4 } else { 1 };
            assert_eq!(*r, want, "counter {i}");
        }
    }

    #[test]
    fn folding_readings_in_turn_never_goes_backwards() {
        // a slave's counter: up, reset, up (32-bit steps of less than 2^31), 32-bit wrap, up
        let readings = [0u64, 100, 250, 0, 40, 0x7000_0000, 0xc000_0000, 0xffff_fff0, 0x5, 0x50];
        let (mut bond, mut seen) = (0u64, readings[0]);
        let mut last = bond;
        for &r in &readings[1..] {
            bond = fold_counter(bond, r, seen);
            seen = r;
            assert!(bond >= last);
            last = bond;
        }
        assert_eq!(bond, 250 + 0xffff_fff0 + 0x15 + 0x4b);
    }

    #[test]
    fn a_32_bit_jump_of_more_than_half_the_range_is_taken_as_a_reset() {
        // as C's (s32) cast: the one case where 32-bit detection loses progress
        assert_eq!(fold_counter(0, 0xffff_fff0, 40), 0);
    }
}
