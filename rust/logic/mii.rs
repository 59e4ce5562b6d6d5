// SPDX-License-Identifier: GPL-2.0
//! The MII link monitor's per-slave state machine (`bond_miimon_inspect()` of the C driver).
//!
//! Each tick the driver reads every slave's carrier and calls [`inspect`]; the returned proposals
//! are committed under RTNL (`bond_miimon_commit()`), where `Up` and `Down` take effect (failover,
//! failure count) and `Fail` / `Back` only become the visible "going down" / "going back" states.

/// A slave's link state as the C driver names it (`BOND_LINK_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// `BOND_LINK_UP`: "up"
    Up,
    /// `BOND_LINK_FAIL`: "going down" (waiting for downdelay)
    Fail,
    /// `BOND_LINK_DOWN`: "down"
    Down,
    /// `BOND_LINK_BACK`: "going back" (waiting for updelay)
    Back,
}

impl Link {
    /// The text of sysfs `bonding_slave/mii_status` (`bond_slave_link_status()`).
    pub fn sysfs_name(self) -> &'static str {
        match self {
            Link::Up => "up",
            Link::Fail => "going down",
            Link::Down => "down",
            Link::Back => "going back",
        }
    }

    /// The number netlink reports (`IFLA_BOND_SLAVE_MII_STATUS`: `BOND_LINK_*`).
    pub fn number(self) -> u8 {
        match self {
            Link::Up => 0,
            Link::Fail => 1,
            Link::Down => 2,
            Link::Back => 3,
        }
    }
}

/// The monitor's memory of one slave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MiiSlave {
    /// The committed state.
    pub link: Link,
    /// Ticks left of updelay or downdelay.
    pub delay: u32,
}

/// What the monitor proposes for one slave this tick, and why (for the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposal {
    /// Carrier lost on an up slave: waiting `downdelay` ticks ("going down").
    Fail {
        /// ticks to wait
        delay: u32,
    },
    /// Carrier came back before downdelay expired: up again after `after` ticks.
    UpAgain {
        /// ticks the slave spent going down
        after: u32,
    },
    /// Definitely down.
    Down,
    /// Carrier back on a down slave: waiting `delay` ticks ("going back").
    Back {
        /// ticks to wait (0 when updelay is ignored)
        delay: u32,
    },
    /// Carrier lost again while going back, after `after` ticks.
    DownAgain {
        /// ticks the slave spent going back
        after: u32,
    },
    /// Definitely up.
    Up,
}

impl Proposal {
    /// The state the proposal commits.
    pub fn new_link(self) -> Link {
        match self {
            Proposal::Fail { .. } => Link::Fail,
            Proposal::UpAgain { .. } | Proposal::Up => Link::Up,
            Proposal::Down | Proposal::DownAgain { .. } => Link::Down,
            Proposal::Back { .. } => Link::Back,
        }
    }
}

/// One tick for one slave. `carrier` is what the slave reports now; `updelay` / `downdelay` are in
/// ticks (the C driver stores them divided by miimon); `ignore_updelay` is set in active-backup
/// while the bond has no active slave, so that the first slave to come back is used at once (the
/// caller clears it after the first `Up`, as C does).
///
/// The delay counter is updated in `s` (as the C code does during inspection); the returned
/// proposal, if any, is applied by the caller with [`commit`].
pub fn inspect(s: &mut MiiSlave, carrier: bool, updelay: u32, downdelay: u32, ignore_updelay: bool) -> Option<Proposal> {
    let mut first = None;
    match s.link {
        Link::Up | Link::Fail => {
            if s.link == Link::Up {
                if carrier {
                    return None;
                }
                s.delay = downdelay;
                first = Some(Proposal::Fail { delay: downdelay });
            }
            if carrier {
                return Some(Proposal::UpAgain { after: downdelay.saturating_sub(s.delay) });
            }
            if s.delay == 0 {
                return Some(Proposal::Down);
            }
            s.delay -= 1;
            first
        }
        Link::Down | Link::Back => {
            if s.link == Link::Down {
                if !carrier {
                    return None;
                }
                s.delay = updelay;
                first = Some(Proposal::Back { delay: if ignore_updelay { 0 } else { updelay } });
            }
            if !carrier {
                return Some(Proposal::DownAgain { after: updelay.saturating_sub(s.delay) });
            }
            if ignore_updelay {
                s.delay = 0;
            }
            if s.delay == 0 {
                return Some(Proposal::Up);
            }
            s.delay -= 1;
            first
        }
    }
}

/// Applies a proposal to the committed state.
pub fn commit(s: &mut MiiSlave, p: Proposal) {
    s.link = p.new_link();
}

/// A delay kept in miimon ticks (updelay, downdelay, peer_notif_delay: bonding stores them so) in
/// ms, as bonding computes it for /proc, sysfs, netlink and its log: `int` ticks times `int`
/// miimon. Both are at most INT_MAX, but their product need not be (an updelay of INT_MAX set at
/// miimon 1, then miimon 3); the kernel is built with -fno-strict-overflow, so C's product wraps
/// (2147483645 at miimon 3, -2 at miimon 2) and so does this one. It never panics.
pub fn delay_ms(ticks: u32, miimon: u32) -> i32 {
    (ticks as i32).wrapping_mul(miimon as i32)
}

/// `bond_peer_notify_reset()`: the monitor ticks a failover's peer notifications take,
/// `num_peer_notif` announcements `peer_notif_delay` ticks apart.
pub fn peer_notif_ticks(num_peer_notif: u8, peer_notif_delay: u32) -> u32 {
    u32::from(num_peer_notif).saturating_mul(peer_notif_delay.max(1))
}

/// `bond_should_notify_peers()`'s count test: with `left` ticks left, an announcement is due now.
pub fn peer_notif_due(left: u32, peer_notif_delay: u32) -> bool {
    left != 0 && left % peer_notif_delay.max(1) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_notifications_are_spaced_by_the_delay() {
        // 3 announcements 2 ticks apart: 6 ticks, announced at 6, 4 and 2 ticks left
        let n = peer_notif_ticks(3, 2);
        assert_eq!(n, 6);
        let mut due = [0u32; 3];
        let mut k = 0;
        for l in (1..=n).rev().filter(|&l| peer_notif_due(l, 2)) {
            due[k] = l;
            k += 1;
        }
        assert_eq!((k, due), (3, [6, 4, 2]));
        // no delay: every tick
        assert_eq!(peer_notif_ticks(2, 0), 2);
        assert!(peer_notif_due(2, 0) && peer_notif_due(1, 0) && !peer_notif_due(0, 0));
        // the largest values do not overflow
        assert_eq!(peer_notif_ticks(255, 300_000), 76_500_000);
        assert_eq!(peer_notif_ticks(255, u32::MAX), u32::MAX);
    }

    fn run(s: &mut MiiSlave, carrier: bool, up: u32, down: u32) -> Option<Proposal> {
        let p = inspect(s, carrier, up, down, false);
        if let Some(p) = p {
            commit(s, p);
        }
        p
    }

    #[test]
    fn delays_in_ms_wrap_as_c_int_products() {
        assert_eq!(delay_ms(2, 100), 200);
        assert_eq!(delay_ms(0, i32::MAX as u32), 0);
        // updelay INT_MAX at miimon 1, then miimon 3 (issue 12): C's `updelay * miimon`
        assert_eq!(delay_ms(i32::MAX as u32, 3), 2147483645);
        assert_eq!(delay_ms(i32::MAX as u32, 2), -2);
        assert_eq!(delay_ms(i32::MAX as u32, i32::MAX as u32), 1);
        assert_eq!(delay_ms(1 << 30, 2), i32::MIN);
    }

    #[test]
    fn without_delays_links_change_in_one_tick() {
        let mut s = MiiSlave { link: Link::Up, delay: 0 };
        assert_eq!(run(&mut s, true, 0, 0), None);
        assert_eq!(run(&mut s, false, 0, 0), Some(Proposal::Down));
        assert_eq!(s.link, Link::Down);
        assert_eq!(run(&mut s, false, 0, 0), None);
        assert_eq!(run(&mut s, true, 0, 0), Some(Proposal::Up));
        assert_eq!(s.link, Link::Up);
    }

    #[test]
    fn downdelay_goes_down_after_the_delay() {
        // downdelay 2 ticks: FAIL, then one more tick, then DOWN on the third
        let mut s = MiiSlave { link: Link::Up, delay: 0 };
        assert_eq!(run(&mut s, false, 0, 2), Some(Proposal::Fail { delay: 2 }));
        assert_eq!((s.link, s.delay), (Link::Fail, 1));
        assert_eq!(run(&mut s, false, 0, 2), None);
        assert_eq!(s.delay, 0);
        assert_eq!(run(&mut s, false, 0, 2), Some(Proposal::Down));
        assert_eq!(s.link, Link::Down);
    }

    #[test]
    fn carrier_back_during_downdelay_is_up_again() {
        let mut s = MiiSlave { link: Link::Up, delay: 0 };
        run(&mut s, false, 0, 3);
        run(&mut s, false, 0, 3);
        assert_eq!(run(&mut s, true, 0, 3), Some(Proposal::UpAgain { after: 2 }));
        assert_eq!(s.link, Link::Up);
    }

    #[test]
    fn updelay_and_its_interruption() {
        let mut s = MiiSlave { link: Link::Down, delay: 0 };
        assert_eq!(run(&mut s, true, 2, 0), Some(Proposal::Back { delay: 2 }));
        assert_eq!(s.link, Link::Back);
        assert_eq!(run(&mut s, false, 2, 0), Some(Proposal::DownAgain { after: 1 }));
        assert_eq!(s.link, Link::Down);
        run(&mut s, true, 2, 0);
        assert_eq!(run(&mut s, true, 2, 0), None);
        assert_eq!(run(&mut s, true, 2, 0), Some(Proposal::Up));
    }

    #[test]
    fn ignore_updelay_brings_a_slave_up_at_once() {
        // C proposes BACK and falls through to UP in the same tick
        let mut s = MiiSlave { link: Link::Down, delay: 0 };
        assert_eq!(inspect(&mut s, true, 5, 0, true), Some(Proposal::Up));
        let mut s = MiiSlave { link: Link::Back, delay: 4 };
        assert_eq!(inspect(&mut s, true, 5, 0, true), Some(Proposal::Up));
    }

    #[test]
    fn names_and_numbers_match_sysfs_and_netlink() {
        assert_eq!(Link::Fail.sysfs_name(), "going down");
        assert_eq!(Link::Back.sysfs_name(), "going back");
        assert_eq!([Link::Up, Link::Fail, Link::Down, Link::Back].map(Link::number), [0, 1, 2, 3]);
    }
}
