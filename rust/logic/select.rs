// SPDX-License-Identifier: GPL-2.0
//! Choice of the active slave in active-backup mode (`bond_find_best_slave()` and
//! `bond_choose_primary_or_current()` of the C driver), over a view of the slaves.

use super::mii::Link;
use super::options::primary_reselect;

/// What selection needs to know of one slave, in enslave order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The monitor's state.
    pub link: Link,
    /// Ticks left of updelay (for slaves going back).
    pub delay: u32,
    /// Running with carrier (`bond_slave_is_up()`).
    pub is_up: bool,
    /// The slave's priority (`IFLA_BOND_SLAVE_PRIO`), 0 by default.
    pub prio: i32,
    /// Speed in Mb/s (0 if unknown).
    pub speed: u32,
    /// 1 for full duplex, 0 for half or unknown.
    pub duplex: u8,
}

/// The inputs of a selection.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    /// Every slave, in enslave order.
    pub slaves: &'a [Candidate],
    /// Index of the primary slave, if one is set and enslaved.
    pub primary: Option<usize>,
    /// Index of the current active slave.
    pub current: Option<usize>,
    /// `primary_reselect` (always / better / failure).
    pub reselect: u64,
    /// updelay in ticks.
    pub updelay: u32,
}

/// `bond_choose_primary_or_current()`. `force_primary` is consumed as in C.
fn primary_or_current(sel: &Selection<'_>, force_primary: &mut bool) -> Option<usize> {
    let s = sel.slaves;
    let up = |i: usize| s[i].link == Link::Up;
    let curr = sel.current;
    let prim = match sel.primary {
        Some(p) if up(p) => {
            if *force_primary {
                *force_primary = false;
                return Some(p);
            }
            p
        }
        _ => {
            // no usable primary: the up slave of highest priority (the first among equals)
            let mut hprio: Option<usize> = None;
            for i in 0..s.len() {
                if up(i) && hprio.is_none_or(|h| s[i].prio > s[h].prio) {
                    hprio = Some(i);
                }
            }
            match hprio {
                Some(h) if Some(h) != curr => h,
                _ => return curr.filter(|&c| up(c)),
            }
        }
    };
    let Some(c) = curr.filter(|&c| up(c)) else { return Some(prim) };
    // both the primary (or best priority) and the current slave are up
    match sel.reselect {
        primary_reselect::ALWAYS => Some(prim),
        primary_reselect::BETTER => {
            let (p, cu) = (&s[prim], &s[c]);
            if p.speed < cu.speed || (p.speed == cu.speed && p.duplex <= cu.duplex) {
                Some(c)
            } else {
                Some(prim)
            }
        }
        _ => Some(c),
    }
}

/// `bond_find_best_slave()`: the slave that should be active, if any.
pub fn best_slave(sel: &Selection<'_>, force_primary: &mut bool) -> Option<usize> {
    if let Some(i) = primary_or_current(sel, force_primary) {
        return Some(i);
    }
    let mut best = None;
    let mut mintime = sel.updelay;
    for (i, c) in sel.slaves.iter().enumerate() {
        if c.link == Link::Up {
            return Some(i);
        }
        if c.link == Link::Back && c.is_up && c.delay < mintime {
            mintime = c.delay;
            best = Some(i);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(link: Link) -> Candidate {
        Candidate { link, delay: 0, is_up: link != Link::Down, prio: 0, speed: 1000, duplex: 1 }
    }

    fn sel(slaves: &[Candidate], primary: Option<usize>, current: Option<usize>, reselect: u64) -> Selection<'_> {
        Selection { slaves, primary, current, reselect, updelay: 0 }
    }

    #[test]
    fn first_up_slave_without_primary() {
        let s = [c(Link::Down), c(Link::Up), c(Link::Up)];
        assert_eq!(best_slave(&sel(&s, None, None, 0), &mut false), Some(1));
    }

    #[test]
    fn reselection_without_primary_prefers_the_first_up_slave() {
        // as in C: when a reselection happens, the highest-priority up slave (the first among
        // equals) is chosen over the current one; the driver reselects only on failover, a
        // primary coming up or a higher priority (bond_miimon_commit), so the current usually stays
        let s = [c(Link::Up), c(Link::Up)];
        assert_eq!(best_slave(&sel(&s, None, Some(1), primary_reselect::ALWAYS), &mut false), Some(0));
        assert_eq!(best_slave(&sel(&s, None, Some(1), primary_reselect::FAILURE), &mut false), Some(1));
        assert_eq!(best_slave(&sel(&s, None, Some(0), primary_reselect::ALWAYS), &mut false), Some(0));
    }

    #[test]
    fn failover_to_the_next_up_slave() {
        let s = [c(Link::Down), c(Link::Up)];
        assert_eq!(best_slave(&sel(&s, None, Some(0), 0), &mut false), Some(1));
        let s = [c(Link::Down), c(Link::Down)];
        assert_eq!(best_slave(&sel(&s, None, Some(0), 0), &mut false), None);
    }

    #[test]
    fn primary_reselect_policies() {
        let s = [c(Link::Up), c(Link::Up)];
        // primary 0 came back while 1 is active
        assert_eq!(best_slave(&sel(&s, Some(0), Some(1), primary_reselect::ALWAYS), &mut false), Some(0));
        assert_eq!(best_slave(&sel(&s, Some(0), Some(1), primary_reselect::FAILURE), &mut false), Some(1));
        // better: equal speed and duplex keeps the current slave
        assert_eq!(best_slave(&sel(&s, Some(0), Some(1), primary_reselect::BETTER), &mut false), Some(1));
        let mut fast = s;
        fast[0].speed = 10000;
        assert_eq!(best_slave(&sel(&fast, Some(0), Some(1), primary_reselect::BETTER), &mut false), Some(0));
        // force_primary (set when the primary is chosen) wins once, then is cleared
        let mut force = true;
        assert_eq!(best_slave(&sel(&s, Some(0), Some(1), primary_reselect::FAILURE), &mut force), Some(0));
        assert!(!force);
    }

    #[test]
    fn a_slave_going_back_is_used_when_nothing_is_up() {
        let mut s = [c(Link::Down), c(Link::Back), c(Link::Back)];
        s[1].delay = 3;
        s[2].delay = 1;
        let mut x = sel(&s, None, None, 0);
        x.updelay = 5;
        assert_eq!(best_slave(&x, &mut false), Some(2));
    }

    #[test]
    fn higher_prio_wins_without_primary() {
        let mut s = [c(Link::Up), c(Link::Up)];
        s[1].prio = 10;
        assert_eq!(best_slave(&sel(&s, None, Some(0), primary_reselect::ALWAYS), &mut false), Some(1));
    }
}
