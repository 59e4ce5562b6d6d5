// SPDX-License-Identifier: GPL-2.0
//! The ARP monitor (`bond_arp_monitor()`): every `arp_interval` ms, ARP requests to the targets
//! (`arp_ip_target`) through the slaves, and a slave's link judged by what it sent and received
//! within the last intervals, as the C driver judges it: in active-backup by
//! `bond_activebackup_arp_mon()` (one slave probes at a time; with no active slave the backups
//! are tried in turn), in the other modes by `bond_loadbalance_arp_mon()` (every slave probes).
//! The decisions are `logic::arpmon`'s; received ARP packets are checked here, in the receive
//! path (`bond_rcv_validate()`), against the targets and `arp_validate`.

use super::mode::Mode;
use super::params::Params;
use super::{same, Bond, Control, Slave, TxState};
use crate::logic::arpmon::{self, validate, Clock, Proposal, Targets, ARP_LEN, ARPOP_REPLY, ARPOP_REQUEST, ND_LEN};
use crate::sys::netdev::FLAG_MULTICAST;
use crate::logic::mii::{MiiSlave, Link};
use super::params::{Ip4, Ip6};
use crate::sys::netdev::NetDevice;
use crate::sys::probe::{self, VlanPath, ETH_P_ARP, ETH_P_IPV6};
use crate::sys::rcu::RcuRead;
use crate::sys::rtnl::Rtnl;
use crate::sys::rx::RxSkb;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
use kernel::prelude::*;

/// `pr_warn_once()` of `bond_arp_send_all()` and of `bond_ns_send_all()`
static NO_ROUTE_WARNED: AtomicBool = AtomicBool::new(false);
static NO_ROUTE6_WARNED: AtomicBool = AtomicBool::new(false);

fn clock(p: &Params) -> Clock {
    Clock { now: probe::jiffies(), delta: probe::msecs_to_jiffies(p.arp_interval), missed_max: p.missed_max }
}

impl Bond {
    /// One round of the ARP monitor under RTNL; returns whether the snapshot must be rebuilt.
    pub(super) fn arp_round(&self, dev: &NetDevice, ctl: &mut Control, rtnl: &Rtnl) -> bool {
        if ctl.slaves.is_empty() {
            return false;
        }
        match ctl.params.mode {
            Mode::ActiveBackup => self.ab_arp_round(dev, ctl, rtnl),
            Mode::RoundRobin | Mode::Xor | Mode::Broadcast => self.lb_arp_round(dev, ctl, rtnl),
            // refused in 802.3ad, tlb and alb (the modes of arp_interval)
            Mode::Ieee8023ad | Mode::Tlb | Mode::Alb => false,
        }
    }

    /// `bond_arp_send_all()` for one slave: a request to each target, from the address the bond
    /// answers with on the route's device, tagged for the VLANs between the bond and that device;
    /// a target whose route leaves by a device not stacked on the bond is skipped, one without a
    /// route is asked from 0.0.0.0 untagged.
    fn send_probes(&self, dev: &NetDevice, p: &Params, s: &Slave) {
        for t in p.arp_targets.iter() {
            let (path, src) = match probe::route4(dev, *t) {
                None => {
                    if p.arp_validate != 0 && !NO_ROUTE_WARNED.swap(true, Relaxed) {
                        let mut n = [0u8; 16];
                        pr_warn!("{}: no route to arp_ip_target {} and arp_validate is set\n", &*dev.name_copy(&mut n), Ip4(*t));
                    }
                    (Some(VlanPath::none()), [0; 4])
                }
                Some((Some(rdev), src)) if rdev.same(dev) => (Some(VlanPath::none()), src),
                Some((Some(rdev), src)) => (RcuRead::with(|rcu| probe::verify_device_path(dev, &rdev, rcu)), src),
                Some((None, _)) => (None, [0; 4]),
            };
            // not our device: skipped (slave_dbg "no path to arp_ip_target")
            let Some(path) = path else { continue };
            if probe::send_arp(&s.dev, ARPOP_REQUEST, *t, src, &path) {
                s.last_tx.store(probe::jiffies(), Relaxed);
            }
        }
        if probe::ipv6_enabled() {
            self.send_ns_probes(dev, p, s);
        }
    }

    /// `bond_ns_send_all()` for one slave: a neighbour solicitation for each NS target, as the
    /// ARP requests (route, stacked devices, VLAN tags; `::` as source without a route).
    fn send_ns_probes(&self, dev: &NetDevice, p: &Params, s: &Slave) {
        for t in p.ns_targets.iter() {
            let (path, src) = match probe::route6(dev, t) {
                None => {
                    if p.arp_validate != 0 && !NO_ROUTE6_WARNED.swap(true, Relaxed) {
                        let mut n = [0u8; 16];
                        pr_warn!("{}: no route to ns_ip6_target {} and arp_validate is set\n", &*dev.name_copy(&mut n), Ip6(t));
                    }
                    (Some(VlanPath::none()), [0; 16])
                }
                Some((Some(rdev), src)) if rdev.same(dev) => (Some(VlanPath::none()), src),
                Some((Some(rdev), src)) => (RcuRead::with(|rcu| probe::verify_device_path(dev, &rdev, rcu)), src),
                Some((None, _)) => (None, [0; 16]),
            };
            let Some(path) = path else { continue };
            if probe::send_ns(&s.dev, t, &src, &path) {
                s.last_tx.store(probe::jiffies(), Relaxed);
            }
        }
    }

    /// The part of an ARP monitor round that needs no RTNL, for a round that found RTNL busy:
    /// bonding's monitors inspect and probe under RCU and take RTNL only to commit a change, so
    /// that a busy RTNL never stops the probes (without them the active slave's own transmit and
    /// receive times age, and it is failed). Load balancing: every slave that is up probes, as
    /// `bond_loadbalance_arp_mon()` does before it finds RTNL busy (a change waits for the next
    /// round). Active-backup: the active slave probes when no slave's link needs to change
    /// (`bond_activebackup_arp_mon()`); a change, or no active slave (the search changes the
    /// slaves' state), waits for RTNL. Returns the delay of the next round in ms: the interval
    /// after a probe, else 1 (C's next jiffy), or `None` when the ARP monitor does not run.
    pub(super) fn arp_round_unlocked(&self, dev: &NetDevice) -> Option<u32> {
        RcuRead::with(|rcu| {
            let t = self.tx.get(rcu)?;
            let p = &t.params;
            if p.miimon != 0 || p.arp_interval == 0 || t.all.is_empty() {
                return None;
            }
            let c = clock(p);
            match p.mode {
                Mode::ActiveBackup => {
                    let Some(a) = t.active.as_ref() else { return Some(1) };
                    let searching = t.arp_slave.is_some();
                    if t.all.iter().any(|s| arpmon::ab_inspect(&s.arp_view(p), &c, searching) != Proposal::NoChange) {
                        return Some(1);
                    }
                    self.send_probes(dev, p, a);
                }
                Mode::RoundRobin | Mode::Xor | Mode::Broadcast => {
                    for s in t.all.iter().filter(|s| s.dev.running_with_carrier()) {
                        self.send_probes(dev, p, s);
                    }
                }
                Mode::Ieee8023ad | Mode::Tlb | Mode::Alb => return None,
            }
            Some(p.arp_interval)
        })
    }

    /// One active-backup round: inspection, commit, probe (`bond_activebackup_arp_mon()`).
    /// Returns whether the snapshot must be rebuilt.
    fn ab_arp_round(&self, dev: &NetDevice, ctl: &mut Control, rtnl: &Rtnl) -> bool {
        let p = ctl.params.clone();
        let c = clock(&p);
        let searching = ctl.arp_slave.is_some();
        let mut commit = false;
        for s in ctl.slaves.iter() {
            let prop = arpmon::ab_inspect(&s.arp_view(&p), &c, searching);
            s.set_arp_proposal(prop);
            commit |= prop != Proposal::NoChange;
        }
        if commit {
            self.ab_arp_commit(dev, ctl, &p, rtnl);
        }
        let probed = self.ab_arp_probe(dev, ctl, &p, &c, rtnl);
        self.peer_notify_tick(dev, ctl, rtnl);
        commit || probed
    }

    /// `bond_ab_arp_commit()`
    fn ab_arp_commit(&self, dev: &NetDevice, ctl: &mut Control, p: &Params, rtnl: &Rtnl) {
        let mut failover = false;
        let primary = ctl.primary_index(rtnl);
        for i in 0..ctl.slaves.len() {
            let s = ctl.slaves[i].clone();
            let (bn, sn) = (dev.name(rtnl), s.dev.name(rtnl));
            match s.take_arp_proposal() {
                Proposal::NoChange => {}
                Proposal::Up => {
                    // (the active slave itself is left as it is)
                    if same(&ctl.active, &s) {
                        continue;
                    }
                    s.set_mii(MiiSlave { link: Link::Up, delay: s.mii().delay });
                    s.ever_up.store(true, Relaxed);
                    if let Some(a) = ctl.arp_slave.take() {
                        a.set_backup(p.all_slaves_active);
                    }
                    pr_info!("{bn}: (slave {sn}): link status definitely up\n");
                    let active_prio = ctl.active.as_ref().map(|a| a.prio.load(Relaxed));
                    if ctl.active.is_none() || primary == Some(i) || active_prio.is_some_and(|ap| s.prio.load(Relaxed) > ap) {
                        failover = true;
                    }
                }
                Proposal::Down => {
                    // C's u32 `link_failure_count++` wraps
                    s.link_failure_count.fetch_add(1, Relaxed);
                    s.set_mii(MiiSlave { link: Link::Down, delay: s.mii().delay });
                    s.set_backup(p.all_slaves_active);
                    pr_info!("{bn}: (slave {sn}): link status definitely down, disabling slave\n");
                    if same(&ctl.active, &s) {
                        ctl.arp_slave = None;
                        failover = true;
                    }
                }
                Proposal::Fail => {
                    s.set_mii(MiiSlave { link: Link::Fail, delay: s.mii().delay });
                    s.set_backup(p.all_slaves_active);
                    // a slave just enslaved became the active one
                    if ctl.active.is_some() {
                        ctl.arp_slave = None;
                    }
                }
            }
        }
        if failover {
            self.select_active(dev, ctl, rtnl);
        }
    }

    /// `bond_ab_arp_probe()`: the active slave probes; without one, the next backup that is up
    /// is tried (made active in its flags, its link "going back"), a slave after the one tried
    /// last. Returns whether something changed.
    fn ab_arp_probe(&self, dev: &NetDevice, ctl: &mut Control, p: &Params, c: &Clock, rtnl: &Rtnl) -> bool {
        if let (Some(a), Some(cur)) = (&ctl.arp_slave, &ctl.active) {
            pr_info!("{}: PROBE: c_arp {} && cas {} BAD\n", dev.name(rtnl), a.dev.name(rtnl), cur.dev.name(rtnl));
        }
        if let Some(a) = ctl.active.clone() {
            self.send_probes(dev, p, &a);
            return false;
        }
        if ctl.slaves.is_empty() {
            return false;
        }
        let mut changed = false;
        // a slave whose link is still up although its device is not (simultaneous failures that
        // left it unchosen) is marked down
        for s in ctl.slaves.iter() {
            if !s.dev.running_with_carrier() && s.link() == Link::Up {
                s.set_mii(MiiSlave { link: Link::Down, delay: s.mii().delay });
                s.link_failure_count.fetch_add(1, Relaxed);
                s.set_backup(p.all_slaves_active);
                pr_info!("{}: (slave {}): backup interface is now down\n", dev.name(rtnl), s.dev.name(rtnl));
                changed = true;
            }
        }
        let current = ctl.arp_slave.as_ref().and_then(|a| ctl.index_of(&a.dev));
        let slaves = &ctl.slaves;
        let next = arpmon::next_probe(slaves.len(), current, |i| slaves.get(i).is_some_and(|s| s.dev.running_with_carrier()));
        if let Some(n) = next {
            let s = ctl.slaves[n].clone();
            s.set_mii(MiiSlave { link: Link::Back, delay: s.mii().delay });
            s.set_active();
            self.send_probes(dev, p, &s);
            s.last_link_up.store(c.now, Relaxed);
            ctl.arp_slave = Some(s);
            changed = true;
        }
        changed
    }

    /// One round of `bond_loadbalance_arp_mon()`: every slave that is up probes; a slave is up
    /// once it sent and received within an interval, down once it missed `arp_missed_max`.
    fn lb_arp_round(&self, dev: &NetDevice, ctl: &mut Control, rtnl: &Rtnl) -> bool {
        let p = ctl.params.clone();
        let c = clock(&p);
        let no_current = ctl.active.is_none();
        let (mut changed, mut failover) = (false, false);
        for s in ctl.slaves.iter() {
            let prop = arpmon::lb_inspect(&s.arp_view(&p), &c);
            let (bn, sn) = (dev.name(rtnl), s.dev.name(rtnl));
            match prop {
                Proposal::Up => {
                    changed = true;
                    if no_current {
                        pr_info!("{bn}: (slave {sn}): link status definitely up\n");
                        failover = true;
                    } else {
                        pr_info!("{bn}: (slave {sn}): interface is now up\n");
                    }
                }
                Proposal::Down => {
                    changed = true;
                    s.link_failure_count.fetch_add(1, Relaxed);
                    pr_info!("{bn}: (slave {sn}): interface is now down\n");
                    if same(&ctl.active, s) {
                        failover = true;
                    }
                }
                Proposal::NoChange | Proposal::Fail => {}
            }
            s.set_arp_proposal(prop);
            if s.dev.running_with_carrier() {
                self.send_probes(dev, &p, s);
            }
        }
        if !changed {
            return false;
        }
        for s in ctl.slaves.iter() {
            let link = match s.take_arp_proposal() {
                Proposal::Up => Link::Up,
                Proposal::Down => Link::Down,
                Proposal::NoChange | Proposal::Fail => continue,
            };
            s.set_mii(MiiSlave { link, delay: s.mii().delay });
            if link == Link::Up {
                s.ever_up.store(true, Relaxed);
            }
        }
        // bond_slave_state_change(): up slaves send, down ones do not
        for s in ctl.slaves.iter() {
            match s.link() {
                Link::Up => s.set_active(),
                Link::Down => s.set_backup_only(),
                Link::Fail | Link::Back => {}
            }
        }
        if failover {
            self.select_active(dev, ctl, rtnl);
        }
        true
    }

    /// `bond_rcv_validate()`, in the receive path of a slave (no lock, no allocation): a packet
    /// that a slave in this state validates counts if it is an ARP packet to or from a target as
    /// `bond_arp_rcv()` trusts it; otherwise any packet counts (with `filter`: ARP and IPv6 only).
    pub(super) fn rcv_validate(&self, s: &Slave, skb: &RxSkb, rcu: &RcuRead) {
        let Some(t) = self.tx.get(rcu) else { return };
        let p = &t.params;
        if p.arp_interval == 0 {
            return;
        }
        let proto = skb.protocol();
        let is_arp = proto == ETH_P_ARP;
        if !arpmon::do_validate(p.arp_validate, s.is_backup()) {
            let only = p.arp_validate & validate::FILTER != 0;
            if !only || is_arp || proto == ETH_P_IPV6 {
                s.last_rx.store(probe::jiffies(), Relaxed);
            }
            return;
        }
        if is_arp {
            self.arp_rcv(t, s, skb, rcu);
        } else if proto == ETH_P_IPV6 && probe::ipv6_enabled() {
            self.na_rcv(t, s, skb, rcu);
        }
    }

    /// `bond_na_rcv()`: a neighbour solicitation or advertisement, trusted as `bond_arp_rcv()`
    /// trusts an ARP packet (the last case without the reply check).
    fn na_rcv(&self, t: &TxState, s: &Slave, skb: &RxSkb, rcu: &RcuRead) {
        if skb.not_for_us() {
            return;
        }
        let mut b = [0u8; ND_LEN];
        if !skb.copy_from_network(&mut b) {
            return;
        }
        let Some((saddr, daddr)) = arpmon::parse_nd(&b) else { return };
        let p = &t.params;
        if !s.is_backup() {
            self.validate_na(&s.bond_dev, p, s, &saddr, &daddr, rcu);
        } else if t.active.as_ref().is_some_and(|c| arpmon::time_after(c.arp_last_rx(p), c.last_link_up.load(Relaxed))) {
            self.validate_na(&s.bond_dev, p, s, &daddr, &saddr, rcu);
        } else if let Some(arp) = t.arp_slave.as_ref() {
            let c = clock(p);
            if arpmon::time_in_interval(c.now, arp.last_tx.load(Relaxed), c.delta, 1) {
                self.validate_na(&s.bond_dev, p, s, &saddr, &daddr, rcu);
            }
        }
    }

    /// `bond_validate_na()`: `saddr` a target, `daddr` all-nodes or an address of the bond.
    fn validate_na(&self, dev: &NetDevice, p: &Params, s: &Slave, saddr: &[u8; 16], daddr: &[u8; 16], rcu: &RcuRead) {
        if *saddr == [0; 16] || (*daddr != arpmon::ALL_NODES && !probe::has_ip6(dev, daddr, rcu)) {
            return;
        }
        let Some(i) = arpmon::ns_target_slot(&p.ns_targets, saddr) else { return };
        let now = probe::jiffies();
        s.last_rx.store(now, Relaxed);
        if let Some(r) = s.target_rx.get(i) {
            r.store(now, Relaxed);
        }
    }

    /// After netlink replaced the NS targets: every slot's receive time 0, then "now" for the
    /// slots of the targets added.
    pub(super) fn ns_targets_set(ctl: &Control) {
        let now = probe::jiffies();
        let n = ctl.params.ns_targets.len();
        for s in ctl.slaves.iter() {
            for (i, slot) in s.target_rx.iter().enumerate() {
                slot.store(if i < n { now } else { 0 }, Relaxed);
            }
        }
    }

    /// `slave_set_ns_maddrs()`, as a state to reach: a backup of an active-backup bond that
    /// validates (`arp_validate`), if it does multicast, is in the solicited-node group of each
    /// NS target (the active slave's solicitations reach it through the switch); any other slave
    /// is in none of them. Called after every change of the slaves, their roles or the options.
    pub(super) fn ns_groups_sync(ctl: &Control, rtnl: &Rtnl) {
        let p = &ctl.params;
        for s in ctl.slaves.iter() {
            let want = p.mode == Mode::ActiveBackup && p.arp_validate != 0 && s.is_backup() && s.dev.flags() & FLAG_MULTICAST != 0;
            Self::ns_groups_set(s, if want { Some(&p.ns_targets) } else { None }, rtnl);
        }
    }

    /// The slave's groups made those of `targets` (none for `None`).
    pub(super) fn ns_groups_set(s: &Slave, targets: Option<&Targets<16>>, rtnl: &Rtnl) {
        let Some(mut g) = s.ns_groups.borrow(rtnl) else { return };
        let mut want = [[0u8; 6]; arpmon::MAX_TARGETS];
        let mut n = 0;
        for t in targets.into_iter().flat_map(|t| t.iter()) {
            if let Some(mac) = probe::ns_maddr(&s.dev, t) {
                if let Some(w) = want.get_mut(n) {
                    *w = mac;
                    n += 1;
                }
            }
        }
        let have = &mut *g;
        if have[..] == want[..n] {
            return;
        }
        // room for the new list first: a slave that cannot have it keeps the groups it is in
        // (bonding ignores a failed dev_mc_add() there too)
        if have.reserve(n.saturating_sub(have.len()), GFP_KERNEL).is_err() {
            pr_warn!("(slave {}): cannot allocate its NS targets' multicast groups\n", s.dev.name(rtnl));
            return;
        }
        for mac in have.iter() {
            s.dev.mc(rtnl, mac, false);
        }
        have.clear();
        for mac in want[..n].iter() {
            s.dev.mc(rtnl, mac, true);
            // within the room reserved above
            let _ = have.push_within_capacity(*mac);
        }
        if have.is_empty() {
            // none left: the slave gives its memory back
            *have = KVec::new();
        }
    }

    /// `bond_arp_rcv()`: which of the packet's addresses must be a target and which the bond's.
    fn arp_rcv(&self, t: &TxState, s: &Slave, skb: &RxSkb, rcu: &RcuRead) {
        if skb.not_for_us() {
            return;
        }
        let mut b = [0u8; ARP_LEN];
        if !skb.copy_from_network(&mut b) {
            return;
        }
        let Some(a) = arpmon::parse_arp(&b) else { return };
        let p = &t.params;
        // trusted (a) on an active slave; (b) on a backup while the active slave has had valid
        // replies since it became active (the request of the active slave's probe, passed by the
        // switch: sender and target swapped); (c) a reply while a probing slave sent within the
        // last interval (the switch may deliver it to another slave)
        if !s.is_backup() {
            self.validate_arp(&s.bond_dev, p, s, a.sip, a.tip, rcu);
        } else if t.active.as_ref().is_some_and(|c| arpmon::time_after(c.arp_last_rx(p), c.last_link_up.load(Relaxed))) {
            self.validate_arp(&s.bond_dev, p, s, a.tip, a.sip, rcu);
        } else if let Some(arp) = t.arp_slave.as_ref() {
            let c = clock(p);
            if a.op == ARPOP_REPLY && arpmon::time_in_interval(c.now, arp.last_tx.load(Relaxed), c.delta, 1) {
                self.validate_arp(&s.bond_dev, p, s, a.sip, a.tip, rcu);
            }
        }
    }

    /// `bond_validate_arp()`: `sip` a target, `tip` an address of the bond (or of a device on it).
    fn validate_arp(&self, dev: &NetDevice, p: &Params, s: &Slave, sip: [u8; 4], tip: [u8; 4], rcu: &RcuRead) {
        if sip == [0; 4] || !probe::has_ip4(dev, tip, rcu) {
            return;
        }
        let Some(i) = p.arp_targets.find(&sip) else { return };
        let now = probe::jiffies();
        s.last_rx.store(now, Relaxed);
        if let Some(r) = s.target_rx.get(i) {
            r.store(now, Relaxed);
        }
    }

    /// After the targets changed (`_bond_options_arp_ip_target_set()`, `_rem()`): each slave's
    /// last reply per target follows its target to its new slot; a target added has "now"
    /// (as has every target of a list netlink replaced).
    pub(super) fn arp_targets_moved(ctl: &Control, was: &Params, replaced: bool) {
        let now = probe::jiffies();
        let new = &ctl.params.arp_targets;
        for s in ctl.slaves.iter() {
            let mut old = [0u64; arpmon::MAX_TARGETS];
            for (o, a) in old.iter_mut().zip(s.target_rx.iter()) {
                *o = a.load(Relaxed);
            }
            for (i, slot) in s.target_rx.iter().enumerate() {
                let t = new.0[i];
                let v = if t == [0; 4] {
                    0
                } else if replaced {
                    now
                } else {
                    was.arp_targets.find(&t).map_or(now, |j| old[j])
                };
                slot.store(v, Relaxed);
            }
        }
    }
}
