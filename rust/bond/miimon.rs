// SPDX-License-Identifier: GPL-2.0
//! The MII monitor: every `miimon` ms each slave's carrier, through the up and down delays of
//! `logic::mii` (`bond_mii_monitor()`: `bond_miimon_inspect()`, `bond_miimon_commit()`), and what
//! a link that comes or goes means in each mode.

use super::mode::Mode;
use super::params::Params;
use super::{same, slave, Bond, Control, Slave};
use crate::logic::mii::{self, delay_ms, Link, Proposal};
use crate::sys::link::{self, Work};
use crate::sys::netdev::NetDevice;
use crate::sys::rcu::RcuRead;
use crate::sys::rtnl::Rtnl;
use core::sync::atomic::Ordering::Relaxed;
use kernel::prelude::*;

impl Bond {
    /// One MII monitor round under RTNL (`bond_miimon_inspect()` + `bond_miimon_commit()`).
    /// Returns whether a slave's link state changed (then the caller rebuilds the snapshot).
    /// `event`: the round was brought forward by a slave's notification, not a poll: it counts no
    /// up- or downdelay (a slave waiting for one, its carrier as it was, is left as it is), so
    /// that a delay lasts its miimon ticks however many notifications come meanwhile.
    pub(super) fn miimon_round(
        &self,
        dev: &NetDevice,
        ctl: &mut Control,
        rtnl: &Rtnl,
        held: slave::Held<'_>,
        event: bool,
    ) -> bool {
        let mut changed = false;
        let p = ctl.params.clone();
        // no slave to send with: the first that comes back is taken at once (bond_miimon_inspect())
        let mut ignore_updelay = if p.mode == Mode::ActiveBackup {
            ctl.active.is_none()
        } else {
            RcuRead::with(|rcu| self.tx.get(rcu).is_some_and(|t| t.usable.is_empty()))
        };
        let mut failover = false;
        let primary = ctl.primary_index(rtnl);
        for (i, s) in ctl.slaves.iter().enumerate() {
            let mut m = s.mii();
            let was = m.link;
            let carrier = s.dev.running_with_carrier();
            if event && matches!((m.link, carrier), (Link::Fail, false) | (Link::Back, true)) {
                continue;
            }
            let Some(prop) = mii::inspect(&mut m, carrier, p.updelay, p.downdelay, ignore_updelay) else {
                s.set_mii(m);
                // 802.3ad: speed and duplex again, in case they recovered before the monitor
                // decided anything
                if p.mode == Mode::Ieee8023ad && m.link == Link::Up {
                    s.update_speed_duplex(rtnl, held);
                    self.ad_speed_duplex_changed(dev, s, rtnl);
                }
                continue;
            };
            mii::commit(&mut m, prop);
            s.set_mii(m);
            changed = true;
            let (bn, sn) = (dev.name(rtnl), s.dev.name(rtnl));
            if was == Link::Down && prop == Proposal::Up && p.updelay > 0 && crate::sys::net_ratelimit() {
                // back with an updelay that is ignored (no slave to send with): C logs it as
                // coming back in 0 ms, then takes it up in the same round
                pr_info!("{bn}: (slave {sn}): link status up, enabling it in 0 ms\n");
            }
            if let Proposal::UpAgain { after } = prop {
                // bond_miimon_inspect() logs this and proposes the link up, which
                // bond_miimon_commit() then does as for any link coming up (below); C's four
                // lines of a delay are rate limited (net_ratelimit()), as here
                s.ever_up.store(true, Relaxed);
                let ms = delay_ms(after, p.miimon);
                if crate::sys::net_ratelimit() {
                    pr_info!("{bn}: (slave {sn}): link status up again after {ms} ms\n");
                }
            }
            match prop {
                Proposal::Fail { delay } => {
                    if delay > 0 && crate::sys::net_ratelimit() {
                        // as C: "active " or "backup " in active-backup mode (bond_is_active_slave())
                        let what = match (p.mode == Mode::ActiveBackup, s.is_backup()) {
                            (true, false) => "active ",
                            (true, true) => "backup ",
                            (false, _) => "",
                        };
                        let ms = delay_ms(delay, p.miimon);
                        pr_info!("{bn}: (slave {sn}): link status down for {what}interface, disabling it in {ms} ms\n");
                    }
                }
                Proposal::Back { delay } => {
                    if delay > 0 && crate::sys::net_ratelimit() {
                        let ms = delay_ms(delay, p.miimon);
                        pr_info!("{bn}: (slave {sn}): link status up, enabling it in {ms} ms\n");
                    }
                }
                Proposal::DownAgain { after } => {
                    let ms = delay_ms(after, p.miimon);
                    if crate::sys::net_ratelimit() {
                        pr_info!("{bn}: (slave {sn}): link status down again after {ms} ms\n");
                    }
                }
                Proposal::Up | Proposal::UpAgain { .. } => {
                    // (C clears it for a link back after its updelay, not for one up again)
                    if prop == Proposal::Up {
                        ignore_updelay = false;
                    }
                    // bond_miimon_commit(): 802.3ad needs the speed and duplex; without them the
                    // link stays down (and comes back at a later round, when they are known)
                    if !s.update_speed_duplex(rtnl, held) && p.mode.needs_speed_duplex() {
                        s.set_mii(mii::MiiSlave { link: Link::Down, ..m });
                        if crate::sys::net_ratelimit() {
                            pr_warn!("{bn}: (slave {sn}): failed to get link speed/duplex\n");
                        }
                        continue;
                    }
                    s.ever_up.store(true, Relaxed);
                    s.last_link_up.store(crate::sys::probe::jiffies(), Relaxed);
                    match p.mode {
                        // not the active one until the 802.3ad machines say so
                        Mode::Ieee8023ad => s.set_backup_only(),
                        // until it is chosen
                        Mode::ActiveBackup => {}
                        Mode::RoundRobin | Mode::Xor | Mode::Broadcast => s.set_active(),
                        // bond_set_active_slave(): not a backup; what it receives is unchanged
                        Mode::Tlb | Mode::Alb => s.set_not_backup(),
                    }
                    let speed = s.speed.load(Relaxed);
                    let speed = if speed == crate::logic::procfs::SPEED_UNKNOWN { 0 } else { speed };
                    // C: `slave->duplex ? "full" : "half"`: DUPLEX_UNKNOWN (0xff) reads "full"
                    let duplex = if s.duplex.load(Relaxed) != 0 { "full" } else { "half" };
                    pr_info!("{bn}: (slave {sn}): link status definitely up, {speed} Mbps {duplex} duplex\n");
                    if p.mode == Mode::Ieee8023ad {
                        self.ad_link_change(dev, s, true, rtnl);
                    }
                    if p.mode.is_lb() {
                        self.alb_link_change(dev, ctl, s, true, rtnl);
                    }
                    let active_prio = ctl.active.as_ref().map(|a| a.prio.load(Relaxed));
                    if ctl.active.is_none() || primary == Some(i) || active_prio.is_some_and(|ap| s.prio.load(Relaxed) > ap) {
                        failover = true;
                    }
                }
                Proposal::Down => {
                    // C's u32 `link_failure_count++` wraps
                    s.link_failure_count.fetch_add(1, Relaxed);
                    if p.mode == Mode::ActiveBackup {
                        s.set_backup(p.all_slaves_active);
                    }
                    pr_info!("{bn}: (slave {sn}): link status definitely down, disabling slave\n");
                    if p.mode == Mode::Ieee8023ad {
                        self.ad_link_change(dev, s, false, rtnl);
                    }
                    if p.mode.is_lb() {
                        self.alb_link_change(dev, ctl, s, false, rtnl);
                    }
                    if same(&ctl.active, s) {
                        failover = true;
                    }
                }
            }
        }
        if failover {
            self.select_active(dev, ctl, rtnl);
        }
        self.peer_notify_tick(dev, ctl, rtnl);
        changed
    }

    /// Initial link state of a new slave (`bond_enslave()`).
    pub(super) fn initial_link(&self, p: &Params, s: &Slave) {
        let carrier = s.dev.running_with_carrier();
        let m = if p.miimon > 0 {
            if carrier {
                if p.updelay > 0 {
                    mii::MiiSlave { link: Link::Back, delay: p.updelay }
                } else {
                    mii::MiiSlave { link: Link::Up, delay: 0 }
                }
            } else {
                mii::MiiSlave { link: Link::Down, delay: 0 }
            }
        } else if p.arp_interval > 0 {
            // the ARP monitor: as the carrier says, until the probes tell
            let link = if s.dev.carrier_ok() { Link::Up } else { Link::Down };
            mii::MiiSlave { link, delay: 0 }
        } else {
            mii::MiiSlave { link: Link::Up, delay: 0 }
        };
        let now = crate::sys::probe::jiffies();
        s.init_arp_times(p.arp_interval, now);
        s.set_mii(m);
        if m.link != Link::Down {
            s.ever_up.store(true, Relaxed);
            s.last_link_up.store(now, Relaxed);
        }
    }

    /// The delay to the MII monitor's next poll: `miimon` ms, or, after a round a notification
    /// brought forward that changed nothing, what was left of the poll's interval: the polls keep
    /// their pace, so that notifications in a row do not put off the ticks of a delay.
    fn mii_next(&self, miimon: u32, keep_pace: bool) -> u32 {
        let now = crate::sys::probe::jiffies();
        let per = crate::sys::probe::msecs_to_jiffies(miimon).max(1);
        if keep_pace {
            let due = self.mii_due.load(Relaxed);
            if due > now && due - now <= per {
                // (due - now) * miimon / per, rounded up: at most miimon
                let left = ((due - now) * u64::from(miimon)).div_ceil(per);
                return u32::try_from(left).unwrap_or(miimon);
            }
        }
        self.mii_due.store(now.saturating_add(per), Relaxed);
        miimon
    }

    /// The link monitor's work: the MII monitor's (`bond_mii_monitor()`), every `miimon` ms, or
    /// the ARP monitor's (`bond_arp_monitor()`), every `arp_interval` ms, while the bond is up.
    /// Which one is decided under RTNL, where the options change.
    pub(super) fn monitor_work(&self, dev: &NetDevice) {
        // bond_close() cancels this work under RTNL: never wait for RTNL here
        let Some(rtnl) = Rtnl::try_lock() else {
            // the ARP monitor probes without RTNL and re-arms at its interval (load balancing:
            // the round's changes wait for the next one, as bond_loadbalance_arp_mon()'s; at
            // bond_open() a bond's first round usually finds RTNL busy), or retries at the next
            // jiffy when a change waits for RTNL; the MII monitor retries
            let next = self.arp_round_unlocked(dev);
            link::schedule_work(dev, self, Work::Monitor, next.unwrap_or(1));
            return;
        };
        let Some(mut ctl) = self.ctl.borrow(&rtnl) else { return };
        let event = self.mii_event.swap(false, Relaxed);
        let next = if ctl.params.miimon > 0 {
            // a quiet tick publishes nothing: every other change (events, options, enslave)
            // rebuilds when it happens
            let changed = self.miimon_round(dev, &mut ctl, &rtnl, None, event);
            if changed {
                self.rebuild(dev, &ctl, &rtnl);
            }
            self.mii_next(ctl.params.miimon, event && !changed)
        } else if ctl.params.arp_interval > 0 {
            if self.arp_round(dev, &mut ctl, &rtnl) {
                self.rebuild(dev, &ctl, &rtnl);
            }
            ctl.params.arp_interval
        } else {
            return;
        };
        link::schedule_work(dev, self, Work::Monitor, next);
    }
}
