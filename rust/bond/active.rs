// SPDX-License-Identifier: GPL-2.0
//! The bond's current slave (`curr_active_slave`), in every mode that has one: its choice
//! (`bond_select_active_slave()`, `bond_find_best_slave()` in `logic::select`) and its change
//! (`bond_change_active_slave()`). In active-backup it is the slave that transmits (addresses and
//! flags follow it, peers are told, fail_over_mac applies); in balance-rr the one IGMP leaves by;
//! in every mode the "active interface up!" lines of the log come from here. After a change the
//! IP stacks report their multicast memberships again (`mcast_work`).

use super::mode::Mode;
use super::{Bond, Control, Slave};
use crate::logic::mii::{self, delay_ms, peer_notif_due, peer_notif_ticks, Link};
use crate::logic::select::{self, Candidate};
use crate::sys::link::{self, Work};
use crate::sys::netdev::{NetDevice, Notify, FLAG_ALLMULTI, FLAG_PROMISC};
use crate::sys::rcu::RcuRead;
use crate::sys::rtnl::Rtnl;
use core::sync::atomic::Ordering::Relaxed;
use kernel::prelude::*;
use kernel::sync::Arc;

impl Bond {
    /// `bond_change_active_slave()`
    pub(super) fn change_active(&self, dev: &NetDevice, ctl: &mut Control, new: Option<Arc<Slave>>, rtnl: &Rtnl) {
        let old = ctl.active.take();
        if let (Some(o), Some(n)) = (&old, &new) {
            if core::ptr::eq(&**o, &**n) {
                ctl.active = old;
                return;
            }
        }
        // the offloaded IPsec SAs leave the old active slave (bond_ipsec_del_sa_all())
        self.ipsec_del_sa_all(dev, old.as_ref());
        let uses_primary = ctl.params.uses_primary();
        if let Some(n) = &new {
            n.last_link_up.store(crate::sys::probe::jiffies(), Relaxed);
            let m = n.mii();
            if m.link == Link::Back {
                // taken before its updelay ran out (no other slave to send with)
                if uses_primary {
                    let early = delay_ms(ctl.params.updelay.wrapping_sub(m.delay), ctl.params.miimon);
                    pr_info!("{}: (slave {}): making interface the new active one {early} ms earlier\n", dev.name(rtnl), n.dev.name(rtnl));
                }
                n.set_mii(mii::MiiSlave { link: Link::Up, delay: 0 });
                if ctl.params.mode.is_lb() {
                    self.alb_link_change(dev, ctl, n, true, rtnl);
                }
            } else if uses_primary {
                pr_info!("{}: (slave {}): making interface the new active one\n", dev.name(rtnl), n.dev.name(rtnl));
            }
        }
        // bond_hw_addr_swap(): promiscuity, allmulti and address lists follow the active slave
        // (in the modes with one; in the others every slave has them)
        let flags = if uses_primary { dev.flags() } else { 0 };
        let swap_lists = uses_primary && dev.is_up();
        if let Some(o) = &old {
            if flags & FLAG_PROMISC != 0 {
                let _ = o.dev.set_promiscuity(rtnl, -1);
            }
            if flags & FLAG_ALLMULTI != 0 {
                let _ = o.dev.set_allmulti(rtnl, -1);
            }
            if swap_lists {
                o.dev.unsync_addrs_from(rtnl, dev);
            }
        }
        if let Some(n) = &new {
            if flags & FLAG_PROMISC != 0 {
                let _ = n.dev.set_promiscuity(rtnl, 1);
            }
            if flags & FLAG_ALLMULTI != 0 {
                let _ = n.dev.set_allmulti(rtnl, 1);
            }
            if swap_lists {
                n.dev.sync_addrs_from(rtnl, dev, false);
            }
        }
        if ctl.params.mode.is_lb() {
            // bond_alb_handle_active_change(): the new current slave takes the bond's MAC; it
            // alone receives everything
            ctl.active = new.clone();
            self.alb_active_change(dev, ctl, old.as_ref(), rtnl);
            if let Some(o) = &old {
                o.set_inactive(ctl.params.all_slaves_active);
            }
            if let Some(n) = &new {
                n.set_active();
            }
        }
        if ctl.params.mode == Mode::ActiveBackup {
            if let Some(o) = &old {
                o.set_backup(ctl.params.all_slaves_active);
            }
            if let Some(n) = &new {
                n.set_active();
                self.do_fail_over_mac(dev, ctl, n, old.as_ref(), rtnl);
                if dev.is_up() {
                    ctl.send_peer_notif = peer_notif_ticks(ctl.params.num_peer_notif, ctl.params.peer_notif_delay);
                }
            }
        }
        ctl.active = new;
        // ... and go to the new one (bond_ipsec_add_sa_all())
        self.ipsec_add_sa_all(dev, ctl.active.as_ref());
        // the old active slave joins the NS targets' groups, the new one leaves them
        // (bond_hw_addr_swap(): bond_slave_ns_maddrs_add()/_del())
        Self::ns_groups_sync(ctl, rtnl);
        let failover = ctl.params.mode == Mode::ActiveBackup && ctl.active.is_some();
        if failover || (ctl.active.is_some() && ctl.send_peer_notif > 0) {
            // rtnetlink's listeners read the new active slave, and the announcements go out
            // through it: publish it first
            self.rebuild(dev, ctl, rtnl);
        }
        if failover {
            // `ip monitor` prints "event BONDING FAILOVER"; VLANs, macvlans and ipvlans over the
            // bond pass it on
            dev.notify(rtnl, Notify::BondingFailover);
        }
        if ctl.active.is_some() && ctl.send_peer_notif > 0 {
            if dev.carrier_ok() {
                ctl.send_peer_notif -= 1;
                dev.notify_peers(rtnl);
            }
        }
        // the multicast memberships were announced through the old active slave: a snooping
        // switch learns the new path from the IGMP/MLD reports the IP stacks send again, at once
        // and resend_igmp - 1 more times 200 ms apart (bond_resend_igmp_join_requests_delayed())
        // (balance-rr sent them all through its current slave: after any change of it)
        let rejoin = match ctl.params.mode {
            Mode::ActiveBackup | Mode::Tlb | Mode::Alb => ctl.active.is_some(),
            Mode::RoundRobin => true,
            Mode::Xor | Mode::Broadcast | Mode::Ieee8023ad => false,
        };
        if dev.is_up() && ctl.params.resend_igmp > 0 && rejoin {
            ctl.igmp_retrans = ctl.params.resend_igmp;
            link::schedule_work(dev, self, Work::Mcast, 1);
        }
    }

    /// `bond_resend_igmp_join_requests_delayed()`: NETDEV_RESEND_IGMP on the bond (the IPv4 and
    /// IPv6 stacks send their reports again), `igmp_retrans` times 200 ms apart.
    pub(super) fn mcast_work(&self, dev: &NetDevice) {
        // bond_close() cancels this work under RTNL: never wait for RTNL here
        let Some(rtnl) = Rtnl::try_lock() else {
            link::schedule_work(dev, self, Work::Mcast, 1);
            return;
        };
        let again = {
            // the work runs without RTNL, and RTNL is ours now: nothing else borrows the state
            let Some(mut ctl) = self.ctl.borrow(&rtnl) else { return };
            let again = ctl.igmp_retrans > 1;
            if again {
                ctl.igmp_retrans -= 1;
            }
            again
        };
        // the state is not borrowed while the listeners run (rtnetlink reads the bond)
        dev.notify(&rtnl, Notify::ResendIgmp);
        if again {
            link::schedule_work(dev, self, Work::Mcast, 200);
        }
    }

    /// `bond_peer_notify_may_events(bond, true)` at a link monitor's tick: an announcement every
    /// `peer_notif_delay` ticks while some are due; the count goes down even when the bond cannot
    /// announce now. 802.3ad announces (with broadcast_neighbor, when a port starts distributing)
    /// while its aggregator has a usable port; the other modes through their active slave.
    pub(super) fn peer_notify_tick(&self, dev: &NetDevice, ctl: &mut Control, rtnl: &Rtnl) {
        // an 802.3ad port started distributing (ad_cond_set_peer_notif(): bond_peer_notify_reset())
        let distributing = self.ad_peer_notif.swap(false, Relaxed) && ctl.params.broadcast_neighbor;
        // rbond's lacp_fallback: the port that carries the traffic alone changed
        // (the fallback often turns the bond's carrier on in the tick before: until linkwatch has
        // activated the bond's qdisc an announcement would be dropped, so it waits for that)
        let fallback = if !ctl.params.lacp_fallback {
            self.ad_fallback_notif.store(false, Relaxed);
            false
        } else {
            !dev.linkwatch_pending() && self.ad_fallback_notif.swap(false, Relaxed)
        };
        if (distributing || fallback) && ctl.params.mode == Mode::Ieee8023ad {
            if self.ad_arr_pending.swap(false, Relaxed) {
                // the announcement leaves by the ports that distribute now: the usable array first
                // (the 802.3ad tick could not take RTNL to rebuild it; it is held here)
                self.rebuild(dev, ctl, rtnl);
            }
            ctl.send_peer_notif = peer_notif_ticks(ctl.params.num_peer_notif, ctl.params.peer_notif_delay);
        }
        if ctl.send_peer_notif > 0 {
            let through = match ctl.params.mode {
                Mode::Ieee8023ad => RcuRead::with(|rcu| self.tx.get(rcu).is_some_and(|t| !t.usable.is_empty())),
                _ => ctl.active.is_some(),
            };
            if peer_notif_due(ctl.send_peer_notif, ctl.params.peer_notif_delay) && through && dev.carrier_ok() {
                dev.notify_peers(rtnl);
            }
            ctl.send_peer_notif -= 1;
        }
    }

    /// `bond_select_active_slave()`: in every mode but 802.3ad, as bonding: the slave that sends
    /// (active-backup), IGMP (balance-rr), or nothing but the log lines below (xor, broadcast).
    pub(super) fn select_active(&self, dev: &NetDevice, ctl: &mut Control, rtnl: &Rtnl) {
        // 802.3ad: the machines choose the ports that transmit; rbond keeps no current slave
        // there (bonding keeps one, which it uses for nothing but these same log lines)
        if ctl.params.mode == Mode::Ieee8023ad {
            return;
        }
        // the room reserved at enslave time: no allocation here (a release must not depend on one)
        let mut cands = core::mem::take(&mut ctl.cands);
        cands.clear();
        for s in ctl.slaves.iter() {
            let m = s.mii();
            let c = Candidate {
                link: m.link,
                delay: m.delay,
                is_up: s.dev.running_with_carrier(),
                prio: s.prio.load(Relaxed),
                speed: s.speed.load(Relaxed),
                duplex: u8::from(s.duplex.load(Relaxed) == 1),
            };
            // within the capacity reserved for every slave: does not allocate
            if cands.push_within_capacity(c).is_err() {
                ctl.cands = cands;
                return;
            }
        }
        let current = ctl.active.as_ref().and_then(|a| ctl.index_of(&a.dev));
        let sel = select::Selection {
            slaves: &cands,
            primary: ctl.primary_index(rtnl),
            current,
            reselect: ctl.params.primary_reselect,
            updelay: ctl.params.updelay,
        };
        let mut force = ctl.force_primary;
        let best = select::best_slave(&sel, &mut force);
        ctl.cands = cands;
        ctl.force_primary = force;
        if best != current {
            let new = best.map(|i| ctl.slaves[i].clone());
            let had_carrier = dev.carrier_ok();
            self.change_active(dev, ctl, new, rtnl);
            // bond_set_carrier() (in rebuild(), which publishes the new active slave first): up
            // while a slave's link is up, and change_active() may have made the new one's up;
            // bonding tells when that changed here
            self.rebuild(dev, ctl, rtnl);
            match (had_carrier, dev.carrier_ok()) {
                (false, true) => pr_info!("{}: active interface up!\n", dev.name(rtnl)),
                (true, false) => pr_info!("{}: now running without any active interface!\n", dev.name(rtnl)),
                _ => {}
            }
        }
    }
}
