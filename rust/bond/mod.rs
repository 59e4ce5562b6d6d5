// SPDX-License-Identifier: GPL-2.0
//! The driver tier: bonds and their slaves. No `unsafe` here (the crate root forbids it); state is
//! owned here, decisions come from `logic`, and the kernel is reached through `sys`.
//!
//! Concurrency: the control state (`Control`) is touched only under RTNL. The data path reads
//! `TxState`, a snapshot rebuilt whole under RTNL after every change of the slaves, of their
//! state or of the options, and published by RCU: transmit takes no lock and allocates nothing.

mod ab;
mod active;
mod alb;
mod arpmon;
mod ad;
mod broadcast;
mod ipsec;
mod miimon;
pub(crate) mod mode;
mod netlink;
mod params;
mod rr;
mod slave;
mod xdp;
mod xor;
pub(crate) mod sysfs;

use crate::logic::mii::{self, Link};
use crate::logic::netlink::IFLA_BOND_MAX;
use crate::logic::select::Candidate;
use crate::sys::link::{self, BondIoctl, Master, Work};
use crate::sys::netdev::{
    AddrLock, BpfProg, DevRef, NetDevice, Notify, Skb, Sock, Stats64, TxStatus, VlanProto, ARPHRD_CAN, ARPHRD_ETHER, ARPHRD_INFINIBAND,
    FLAG_ALLMULTI, FLAG_PROMISC, STATS_LEN,
};
use crate::sys::netlink::{ExtAck, LinkData, NlMsg};
use crate::sys::notifier::{NetdevEvent, NetdevListener};
use crate::sys::procfs::{self, ProcShow, SeqWriter};
use crate::sys::rcu::{RcuBox, RcuRead};
use crate::sys::rtnl::{Rtnl, RtnlCell};
use crate::sys::spin::NestedSpinLock;
use crate::sys::rx;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;
use kernel::sync::{Arc, SetOnce};
use mode::Mode;
use params::{BondState, Change, Params};
use crate::sys::percpu::PerCpuU32;
use crate::sys::xfrm::{XfrmList, XfrmState};
pub(crate) use params::{set_module_defaults, ModuleParams};
pub(crate) use slave::Slave;

/// rbond's link kind (`ip link add NAME type rbond`) and the names of the bonds it makes itself
/// (`max_bonds`, the masters file) when not in compat mode.
pub(crate) const KIND: &CStr = c"rbond";
pub(crate) const NAME_TEMPLATE: &CStr = c"rbond%d";
/// In compat mode (`compat=1`) rbond also drives the C driver's kind, and names the bonds it makes
/// itself as the C driver does.
pub(crate) const C_KIND: &CStr = c"bond";
pub(crate) const C_NAME_TEMPLATE: &CStr = c"bond%d";
/// The C driver's module, whose load compat mode refuses (it would collide with the names below).
pub(crate) const C_MODULE: &CStr = c"bonding";
/// /proc/net/rbond and /sys/class/net/rbond_masters, or the C driver's names in compat mode.
static FILES: procfs::Names = procfs::Names { dir: c"rbond", masters: c"rbond_masters" };
static C_FILES: procfs::Names = procfs::Names { dir: c"bonding", masters: c"bonding_masters" };

/// Whether rbond runs in compat mode (the module parameter, checked at load; it does not change).
fn compat() -> bool {
    crate::sys::compat_param() == 1
}

/// The text of a bond's debugfs file (`rlb_hash_table`).
pub(crate) fn debugfs_show(dev: &NetDevice, w: &mut crate::sys::procfs::SeqWriter<'_>) -> core::fmt::Result {
    match link::master_state::<Bond>(dev) {
        Some(b) => b.rlb_hash_text(w),
        None => Ok(()),
    }
}

/// The names of the per-namespace /proc directory and masters file.
pub(crate) fn files() -> &'static procfs::Names {
    if compat() { &C_FILES } else { &FILES }
}

/// Transmit queues of a new bond: the module parameter `tx_queues`, 1 to 255
/// (`BOND_DEFAULT_TX_QUEUES`, 16, unless given), set once at load.
static TX_QUEUES: AtomicU32 = AtomicU32::new(16);

/// Sets the number of transmit queues of new bonds (module load, before any bond exists).
pub(crate) fn set_tx_queues(n: u32) {
    TX_QUEUES.store(n, Relaxed);
}
/// `NET_ADDR_RANDOM`
const NET_ADDR_RANDOM: u8 = 1;
/// `fail_over_mac` values
const FOM_ACTIVE: u64 = 1;
const FOM_FOLLOW: u64 = 2;

/// What the transmit path reads: one consistent snapshot.
struct TxState {
    mode: Mode,
    policy: u64,
    /// the options, for /proc readers
    params: Params,
    active: Option<Arc<Slave>>,
    primary: Option<Arc<Slave>>,
    /// the slave the ARP monitor probes with while there is no active one (`current_arp_slave`)
    arp_slave: Option<Arc<Slave>>,
    /// slaves that can transmit (`usable_slaves`)
    usable: KVec<Arc<Slave>>,
    /// every slave (`all_slaves`), for the counters
    all: KVec<Arc<Slave>>,
}

/// RTNL-only state.
struct Control {
    params: Params,
    slaves: KVec<Arc<Slave>>,
    active: Option<Arc<Slave>>,
    /// the ARP monitor's candidate while there is no active slave (`current_arp_slave`)
    arp_slave: Option<Arc<Slave>>,
    force_primary: bool,
    /// peer notifications still to send after a failover
    send_peer_notif: u32,
    /// IGMP/MLD rejoins still to ask for after a failover (`igmp_retrans`; `Work::Mcast`)
    igmp_retrans: u8,
    /// /proc/net/rbond/<bond>
    proc: Option<procfs::Entry>,
    /// the bond's debugfs directory (balance-alb's `rlb_hash_table`)
    debug: Option<crate::sys::debugfs::BondDir>,
    /// Room for one candidate per slave, reserved when a slave is enslaved: choosing the active
    /// slave (also when one is released) never allocates
    cands: KVec<Candidate>,
    /// the native XDP program attached to the bond, installed on every slave (`xdp_prog`)
    xdp_prog: Option<BpfProg>,
}

/// Why a slave is released (`__bond_release_one()`'s `unregister` and `all`). Every release gives
/// the slave its MTU back (and its MAC, unless fail_over_mac=active in active-backup).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Release {
    /// The user detaches it (ip link set nomaster, sysfs, ioctl): the MTU through dev_set_mtu().
    Detach,
    /// The slave device is being unregistered (deleted, or moved to another namespace).
    SlaveGone,
    /// The bond is being unregistered: every slave goes, no other one is made active.
    BondGone,
}

/// The state of one bond device.
pub(crate) struct Bond {
    ctl: RtnlCell<Control>,
    tx: RcuBox<TxState>,
    /// the counters the bond last reported (`bond->bond_stats`), under bonding's `stats_lock`
    stats: Pin<KBox<NestedSpinLock<[u64; STATS_LEN]>>>,
    /// balance-rr: frames sent, per CPU (`rr_tx_counter`)
    rr_tx: PerCpuU32,
    /// 802.3ad: the mode lock and the machines' state
    ad: ad::AdLock,
    /// 802.3ad: the active aggregator, for readers without the mode lock
    ad_view: Arc<ad::AdView>,
    /// 802.3ad: the counters of released slaves (the bond's are these plus its slaves')
    ad_departed: slave::AdCounters,
    /// 802.3ad: a tick asked for the usable-slaves array to be rebuilt and RTNL was busy
    ad_arr_pending: AtomicBool,
    /// 802.3ad with broadcast_neighbor: a port started distributing; the next MII tick (under
    /// RTNL) starts the peer notifications (`ad_cond_set_peer_notif()`)
    ad_peer_notif: AtomicBool,
    /// 802.3ad with rbond's lacp_fallback: the port that carries the traffic alone changed; the
    /// next MII tick announces the bond
    ad_fallback_notif: AtomicBool,
    /// a slave's notification brought the link monitor's round forward: that round starts and
    /// ends up- and downdelays but counts none of them (bonding counts them on its polls only)
    mii_event: AtomicBool,
    /// jiffies at which the MII monitor's next poll is due
    mii_due: AtomicU64,
    /// balance-tlb and balance-alb: allocated when the bond first takes one of them (at
    /// creation or when its mode is set, see `alb_prepare`), kept until it is deleted; the other
    /// modes do without (`alb()`)
    alb: SetOnce<Arc<alb::Alb>>,
    /// the IPsec SAs offloaded through the bond (`ipsec_list`, `ipsec_lock`)
    xfrm: Pin<KBox<XfrmList>>,
}

fn same(a: &Option<Arc<Slave>>, b: &Arc<Slave>) -> bool {
    a.as_ref().is_some_and(|a| core::ptr::eq(&**a, &**b))
}

impl Control {
    fn index_of(&self, dev: &NetDevice) -> Option<usize> {
        self.slaves.iter().position(|s| s.is(dev))
    }

    /// `bond_option_queue_id_set()`'s checks: the slave `sdev` may take queue ID `qid` (at
    /// most the bond's number of transmit queues, as C compares it; a nonzero ID no other slave
    /// has). Returns the slave; `EPERM` otherwise, C's errno for all of these.
    fn queue_id_slave(&self, dev: &NetDevice, sdev: &NetDevice, qid: u16) -> Result<Arc<Slave>> {
        if u32::from(qid) > dev.real_num_tx_queues() {
            return Err(EPERM);
        }
        let s = self.slaves.iter().find(|s| s.is(sdev)).ok_or(EPERM)?;
        if qid != 0 && self.slaves.iter().any(|o| !o.is(sdev) && o.queue_id.load(Relaxed) == qid) {
            return Err(EPERM);
        }
        Ok(s.clone())
    }

    fn primary_index(&self, rtnl: &Rtnl) -> Option<usize> {
        if !self.params.uses_primary() {
            return None;
        }
        let name = self.params.primary_name()?;
        self.slaves.iter().position(|s| s.dev.name(rtnl).to_bytes() == name.as_bytes())
    }
}

impl Bond {
    /// Rebuilds the transmit snapshot and the carrier from the control state (`bond_update_slave_arr()`
    /// and `bond_set_carrier()`). Every change ends here. It never fails: when memory is short the
    /// published snapshot is rewritten in place (see `rebuild_in_place`), so that a released
    /// slave never stays in it.
    fn rebuild(&self, dev: &NetDevice, ctl: &Control, rtnl: &Rtnl) {
        let lacp = ctl.params.mode == Mode::Ieee8023ad;
        // the ARP monitor checks what the slaves receive (`bond->recv_probe`)
        let alb = ctl.params.mode == Mode::Alb;
        let alb_rx = alb && self.alb().is_some_and(|a| a.rx_on.load(Relaxed));
        for s in ctl.slaves.iter() {
            s.probe.store(ctl.params.arp_interval > 0, Relaxed);
            s.alb_rx.store(alb_rx, Relaxed);
            s.alb_unicast.store(alb, Relaxed);
        }
        // 802.3ad: only the ports of the active aggregator transmit (bond_update_slave_arr()),
        // none if there is no active aggregator
        let ad = if lacp { Some(self.ad.lock()) } else { None };
        let active_agg = ad.as_ref().and_then(|st| st.active_agg_uid());
        let usable = |s: &Arc<Slave>| {
            let in_agg = match &ad {
                None => true,
                Some(st) => active_agg.is_some() && st.member(s).and_then(|m| m.port.agg) == active_agg,
            };
            in_agg && s.can_tx()
        };
        if self.build_snapshot(ctl, rtnl, &usable).is_err() {
            pr_err!("{}: cannot allocate the slave arrays; rebuilding them in place\n", dev.name(rtnl));
            self.rebuild_in_place(ctl, rtnl, &usable);
        }
        // carrier: up while a slave's link is up; 802.3ad: while the active aggregator has
        // min_links ports
        let up = match &ad {
            Some(st) => crate::logic::ad::carrier(&st.ms, &st.cfg),
            None => ctl.slaves.iter().any(|s| s.link() == Link::Up),
        };
        drop(ad);
        if up && !dev.carrier_ok() {
            dev.carrier_on();
        } else if !up && dev.carrier_ok() {
            dev.carrier_off();
        }
        self.tell_lower_states(ctl, rtnl);
    }

    /// NETDEV_CHANGELOWERSTATE (`bond_lower_state_changed()`: link up, transmit enabled) for each
    /// slave whose state changed since it was last told, and for a new slave; switch and NIC
    /// drivers that offload the LAG follow it, and the slave's RTM_NEWLINK shows its new state.
    fn tell_lower_states(&self, ctl: &Control, rtnl: &Rtnl) {
        for s in ctl.slaves.iter() {
            let now = s.lower_state();
            if s.lower_told.swap(now, Relaxed) != now {
                s.dev.lower_state_changed(rtnl, now & 1 != 0, now & 2 != 0);
            }
        }
    }

    /// A new snapshot from the control state, published; fails only on allocation.
    fn build_snapshot(&self, ctl: &Control, rtnl: &Rtnl, usable: &dyn Fn(&Arc<Slave>) -> bool) -> Result {
        let mut u = KVec::with_capacity(ctl.slaves.len(), GFP_KERNEL)?;
        let mut all = KVec::with_capacity(ctl.slaves.len(), GFP_KERNEL)?;
        for s in ctl.slaves.iter() {
            // within the capacity reserved above: these cannot fail
            let _ = all.push_within_capacity(s.clone());
            if usable(s) {
                let _ = u.push_within_capacity(s.clone());
            }
        }
        let t = TxState {
            mode: ctl.params.mode,
            policy: ctl.params.xmit_policy,
            params: ctl.params.clone(),
            active: ctl.active.clone(),
            primary: ctl.primary_index(rtnl).map(|i| ctl.slaves[i].clone()),
            arp_slave: ctl.arp_slave.clone(),
            usable: u,
            all,
        };
        self.tx.replace(rtnl, Some(t))
    }

    /// `rebuild()` without allocating (bonding's `bond_update_slave_arr()` with a `skipslave`
    /// drops the released slave from the old array when it cannot allocate a new one): the
    /// published snapshot is taken back from the readers (for one grace period they see none,
    /// and transmit drops), refilled from the control state within the room its arrays already
    /// have, and published again. A released slave is always gone from it afterwards (the arrays
    /// only shrink on a release); a slave that would need more room is left out until the next
    /// rebuild (it neither transmits nor is counted meanwhile).
    fn rebuild_in_place(&self, ctl: &Control, rtnl: &Rtnl, usable: &dyn Fn(&Arc<Slave>) -> bool) {
        let Some(mut t) = self.tx.take_back(rtnl) else { return };
        t.mode = ctl.params.mode;
        t.policy = ctl.params.xmit_policy;
        t.params = ctl.params.clone();
        t.active = ctl.active.clone();
        t.primary = ctl.primary_index(rtnl).map(|i| ctl.slaves[i].clone());
        t.arp_slave = ctl.arp_slave.clone();
        t.all.clear();
        t.usable.clear();
        for s in ctl.slaves.iter() {
            if t.all.push_within_capacity(s.clone()).is_err() {
                break;
            }
            if usable(s) {
                let _ = t.usable.push_within_capacity(s.clone());
            }
        }
        self.tx.put_back(rtnl, t);
    }

    /// `bond_get_stats()`: the counters the bond reported last, plus every slave's progress since
    /// the bond last read it (`bond_fold_stats()`), under the counters lock so that concurrent
    /// readers each add a step once. The bond's counters never go backwards.
    fn fold_stats(&self, dev: &NetDevice, out: &mut Stats64) {
        RcuRead::with(|rcu| {
            let mut bond = self.stats.lock(dev);
            if let Some(t) = self.tx.get(rcu) {
                let mut now = Stats64::zeroed();
                for s in t.all.iter() {
                    s.dev.stats(&mut now);
                    let new = now.to_array();
                    crate::logic::stats::fold(&mut bond, &new, &s.stats_seen.load());
                    s.stats_seen.store(&new);
                }
            }
            *out = Stats64::from_array(&bond);
        });
    }

    /// `bond_enslave()`: the checks and the bond's type (a first slave of another type gives the
    /// bond its own, `bond_setup_by_slave()`), then [`Self::enslave_typed`]. When that fails with
    /// no slave in the bond, a non-Ethernet bond becomes Ethernet again (as bonding's error path)
    /// and fail_over_mac is what it was.
    fn enslave(&self, dev: &NetDevice, sdev: &NetDevice, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result {
        let Some(mut ctl) = self.ctl.borrow(rtnl) else { return Err(EBUSY) };
        let fail = |extack: &mut ExtAck<'_>, e: Error, m: &CStr| -> Result {
            extack.set_msg(m);
            Err(e)
        };
        if sdev.dev_type() == ARPHRD_CAN {
            return fail(extack, EPERM, c"CAN devices cannot be enslaved");
        }
        if sdev.same(dev) {
            return fail(extack, EPERM, c"Cannot enslave bond to itself.");
        }
        if sdev.is_loopback() {
            return fail(extack, EPERM, c"The loopback device cannot be enslaved");
        }
        // bonds may be enslaved (ours, and bonding.ko's as bonding allows), other masters not
        if sdev.is_master() && !sdev.is_c_bond_master() && link::master_state::<Bond>(sdev).is_none() {
            return fail(extack, EPERM, c"Device type (master device) cannot be enslaved");
        }
        if !sdev.same_netns(dev, rtnl) {
            return fail(extack, EINVAL, c"The device is in another network namespace");
        }
        if sdev.rx_handler_busy(rtnl) {
            return fail(extack, EBUSY, c"Device is in use and cannot be enslaved");
        }
        if sdev.is_up() {
            return fail(extack, EPERM, c"Device can not be enslaved while up");
        }

        // bonds are made Ethernet; another type of device gives a bond without slaves its own
        // type, and a bond with slaves takes only devices of their type (bond_enslave())
        let (bond_type, slave_type) = (dev.dev_type(), sdev.dev_type());
        let has_slaves = !ctl.slaves.is_empty();
        let mode = ctl.params.mode;
        if has_slaves && bond_type != slave_type {
            return fail(extack, EINVAL, c"Device type is different from other slaves");
        }
        if !has_slaves && bond_type != slave_type && slave_type != ARPHRD_ETHER && mode == Mode::Ieee8023ad {
            return fail(extack, EINVAL, c"8023AD mode requires Ethernet devices");
        }
        // checked before the type changes (bonding checks after, and undoes the type)
        if slave_type == ARPHRD_INFINIBAND && mode != Mode::ActiveBackup {
            return fail(extack, EOPNOTSUPP, c"Only active-backup mode is supported for infiniband slaves");
        }
        // a slave whose address cannot be set: active-backup with fail_over_mac=active only
        // (bonding says so after the type change; refused, the type is not changed here)
        let fom_was = ctl.params.fail_over_mac;
        let cannot_set_mac = !sdev.can_set_mac() || slave_type == ARPHRD_INFINIBAND;
        let warn_mac = || {
            pr_warn!(
                "{}: (slave {}): The slave device specified does not support setting the MAC address\n",
                dev.name(rtnl),
                sdev.name(rtnl)
            );
        };
        let mut fom_forced = false;
        if cannot_set_mac {
            if mode == Mode::ActiveBackup && ctl.params.fail_over_mac != FOM_ACTIVE {
                if has_slaves {
                    warn_mac();
                    return fail(
                        extack,
                        EOPNOTSUPP,
                        c"Slave device does not support setting the MAC address, but fail_over_mac is not set to active",
                    );
                }
                fom_forced = true;
            } else if mode != Mode::ActiveBackup {
                // bonding fails later, at dev_set_mac_address(), with this message
                warn_mac();
                pr_err!(
                    "{}: (slave {}): Error {} calling set_mac_address\n",
                    dev.name(rtnl),
                    sdev.name(rtnl),
                    EOPNOTSUPP.to_errno()
                );
                return Err(EOPNOTSUPP);
            }
        }
        if !has_slaves && bond_type != slave_type {
            // the bond is closed and opened again: its ndo_stop/ndo_open take the control state
            drop(ctl);
            if dev.change_type(rtnl, sdev).is_err() {
                pr_err!("{}: (slave {}): refused to change device type\n", dev.name(rtnl), sdev.name(rtnl));
                return Err(EBUSY);
            }
            let Some(c) = self.ctl.borrow(rtnl) else { return Err(EBUSY) };
            ctl = c;
        }
        if cannot_set_mac {
            warn_mac();
        }
        if fom_forced {
            ctl.params.fail_over_mac = FOM_ACTIVE;
            pr_warn!(
                "{}: (slave {}): Setting fail_over_mac to active for active-backup mode\n",
                dev.name(rtnl),
                sdev.name(rtnl)
            );
        }
        let r = self.enslave_typed(dev, sdev, &mut ctl, extack, rtnl);
        if r.is_err() && ctl.slaves.is_empty() {
            ctl.params.fail_over_mac = fom_was;
            drop(ctl);
            dev.undo_type_change(rtnl);
        }
        r
    }

    /// `bond_enslave()` once the bond has the slave's type.
    fn enslave_typed(&self, dev: &NetDevice, sdev: &NetDevice, ctl: &mut Control, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result {
        // bond_enslave(): netconsole stops using a device that joins a master
        sdev.notify(rtnl, Notify::Join);

        // the first slave gives the bond its MAC unless the user set one
        let first = ctl.slaves.is_empty();
        let bond_addr_was = dev.addr(rtnl);
        let stole = first && dev.addr_assign_type(rtnl) == NET_ADDR_RANDOM;
        if stole {
            dev.steal_addr_of(rtnl, sdev)?;
        }
        let undo_addr = |rtnl: &Rtnl| {
            if stole {
                let _ = dev.take_addr(rtnl, &bond_addr_was, NET_ADDR_RANDOM);
            }
        };

        let original_mtu = sdev.mtu();
        if let Err(e) = sdev.change_mtu(rtnl, dev.mtu()) {
            undo_addr(rtnl);
            pr_err!("{}: (slave {}): Error {:?} calling dev_set_mtu\n", dev.name(rtnl), sdev.name(rtnl), e);
            return Err(e);
        }
        let perm = sdev.addr(rtnl);
        // the slave takes the bond's MAC, except with fail_over_mac (active-backup): then it keeps
        // its own, or with follow gets a random one if it has the bond's (bond_enslave())
        let fom = ctl.params.fom();
        let mac = if fom == 0 {
            Some(dev.addr(rtnl))
        } else if fom == FOM_FOLLOW && !first && perm == dev.addr(rtnl) {
            Some(crate::sys::netdev::random_mac())
        } else {
            None
        };
        if let Some(mac) = mac {
            if let Err(e) = sdev.set_mac(rtnl, &mac, Some(extack)) {
                let _ = sdev.change_mtu(rtnl, original_mtu);
                undo_addr(rtnl);
                return Err(e);
            }
        }
        sdev.set_slave_flags(rtnl, true);
        let undo_dev = |rtnl: &Rtnl| {
            sdev.set_slave_flags(rtnl, false);
            let _ = sdev.set_mac(rtnl, &perm, None);
            let _ = sdev.change_mtu(rtnl, original_mtu);
            undo_addr(rtnl);
        };
        if let Err(e) = sdev.open(rtnl, Some(extack)) {
            undo_dev(rtnl);
            return Err(e);
        }
        let mut base = Stats64::zeroed();
        sdev.stats(&mut base);
        // the VLANs used over the bond: a slave that filters VLANs must let them in
        if let Err(e) = sdev.vlan_vids_add_by_dev(rtnl, dev) {
            pr_err!("{}: (slave {}): Couldn't add bond vlan ids\n", dev.name(rtnl), sdev.name(rtnl));
            sdev.close(rtnl);
            undo_dev(rtnl);
            return Err(e);
        }
        let undo_open = |rtnl: &Rtnl| {
            sdev.vlan_vids_del_by_dev(rtnl, dev);
            sdev.close(rtnl);
            undo_dev(rtnl);
        };

        // 802.3ad: the port's mailbox and counters (bond_alloc_slave()'s ad_info)
        let ad = if ctl.params.mode == Mode::Ieee8023ad {
            match KBox::new(slave::AdSlave::new(), GFP_KERNEL) {
                Ok(b) => Some(b),
                Err(e) => {
                    undo_open(rtnl);
                    return Err(e.into());
                }
            }
        } else {
            None
        };
        let slave = Slave::new(DevRef::of(sdev), DevRef::of(dev), perm, original_mtu, base, ad);
        slave.update_speed_duplex(rtnl, None);
        self.initial_link(&ctl.params, &slave);
        if ctl.params.mode.slaves_start_backup() {
            slave.set_backup(ctl.params.all_slaves_active);
        } else if ctl.params.mode.is_lb() {
            // every slave transmits; only the current one receives all (bond_enslave())
            slave.set_not_backup();
            slave.set_inactive(ctl.params.all_slaves_active);
        } else {
            slave.set_active();
        }
        let slave = match Arc::new(slave, GFP_KERNEL) {
            Ok(s) => s,
            Err(e) => {
                undo_open(rtnl);
                return Err(e.into());
            }
        };
        if let Err(e) = ctl.slaves.reserve(1, GFP_KERNEL) {
            undo_open(rtnl);
            return Err(e.into());
        }
        if let Err(e) = self.alb_reserve(ctl.slaves.len()) {
            undo_open(rtnl);
            return Err(e);
        }
        // bond_alb_init_slave(): its own MAC (or a free one), before it joins
        if ctl.params.mode.is_lb() {
            if let Err(e) = self.alb_init_slave(dev, ctl, &slave, rtnl) {
                undo_open(rtnl);
                return Err(e);
            }
        }
        // room for this slave's candidate in select_active() (kept when slaves leave)
        let more = ctl.slaves.len().saturating_add(1).saturating_sub(ctl.cands.len());
        if let Err(e) = ctl.cands.reserve(more, GFP_KERNEL) {
            undo_open(rtnl);
            return Err(e.into());
        }
        if ctl.params.mode == Mode::Ieee8023ad {
            if let Err(e) = self.ad_reserve() {
                undo_open(rtnl);
                return Err(e);
            }
        }
        // netconsole over the bond: the new slave needs a netpoll too
        if dev.netpoll_in_use(rtnl) && slave.np.enable(sdev, rtnl).is_err() {
            pr_info!(
                "{}: (slave {}): master_dev is using netpoll, but new slave device does not support netpoll\n",
                dev.name(rtnl),
                sdev.name(rtnl)
            );
            undo_open(rtnl);
            return Err(EBUSY);
        }
        let undo_open = |rtnl: &Rtnl| {
            slave.np.disable(rtnl);
            undo_open(rtnl);
        };
        if let Err(e) = rx::register(sdev, rtnl, slave.clone()) {
            undo_open(rtnl);
            return Err(e);
        }
        if let Err(e) = sdev.link_master(rtnl, dev, ctl.params.mode.lag_info(ctl.params.xmit_policy), Some(extack)) {
            drop(rx::unregister::<Slave>(sdev, rtnl));
            undo_open(rtnl);
            return Err(e);
        }
        if let Err(e) = sdev.add_slave_sysfs(rtnl) {
            sdev.unlink_master(rtnl, dev);
            drop(rx::unregister::<Slave>(sdev, rtnl));
            undo_open(rtnl);
            return Err(e);
        }
        // the bond's XDP program runs on the new slave too
        if let Err(e) = self.xdp_enslave(dev, ctl, sdev, extack, rtnl) {
            sdev.del_slave_sysfs(rtnl);
            sdev.unlink_master(rtnl, dev);
            drop(rx::unregister::<Slave>(sdev, rtnl));
            undo_open(rtnl);
            return Err(e);
        }
        if !ctl.params.uses_primary() {
            // every slave carries the bond's promiscuity, allmulti and address lists
            let flags = dev.flags();
            if flags & FLAG_PROMISC != 0 {
                let _ = sdev.set_promiscuity(rtnl, 1);
            }
            if flags & FLAG_ALLMULTI != 0 {
                let _ = sdev.set_allmulti(rtnl, 1);
            }
            sdev.sync_addrs_from(rtnl, dev, true);
        }
        // cannot fail: reserved above
        let _ = ctl.slaves.push(slave.clone(), GFP_KERNEL);
        dev.compute_upper_features(rtnl);
        if ctl.primary_index(rtnl).is_some_and(|i| ctl.slaves[i].is(sdev)) {
            ctl.force_primary = true;
        }
        // bond_set_carrier() before the selection, as bonding: a slave with an up link gives the
        // bond its carrier here, so the selection does not announce "active interface up!"
        self.rebuild(dev, ctl, rtnl);
        match ctl.params.mode {
            Mode::ActiveBackup | Mode::Tlb | Mode::Alb => self.select_active(dev, ctl, rtnl),
            // the 802.3ad machines activate the ports of the selected aggregator
            Mode::Ieee8023ad => self.ad_bind(dev, &ctl.params, &slave, rtnl),
            Mode::RoundRobin | Mode::Xor | Mode::Broadcast => {
                if ctl.active.is_none() && slave.link() == Link::Up {
                    ctl.active = Some(slave.clone());
                    // the current slave without a change of it, as bonding: new IPsec SAs go to it
                    self.ipsec_set_holder(ctl.active.as_ref());
                }
            }
        }
        self.rebuild(dev, ctl, rtnl);
        // a backup joins the NS targets' solicited-node groups (bond_slave_ns_maddrs_add())
        Self::ns_groups_sync(ctl, rtnl);
        self.xdp_set_features(dev, ctl, rtnl);
        // after the selection, as bonding: the role is the one the slave got
        let role = if slave.is_backup() { "a backup" } else { "an active" };
        // a link coming back (updelay) is "an up" one to bonding too
        let state = if slave.link() != Link::Down { "an up" } else { "a down" };
        pr_info!("{}: (slave {}): Enslaving as {role} interface with {state} link\n", dev.name(rtnl), sdev.name(rtnl));
        Ok(())
    }

    /// `__bond_release_one()`
    fn release(&self, dev: &NetDevice, ctl: &mut Control, idx: usize, how: Release, rtnl: &Rtnl) {
        // C's `unregister` and `all`
        let unregistering = how != Release::Detach;
        let all = how == Release::BondGone;
        // recompute the counters just before the slave leaves (bond_get_stats()): what it did
        // until now stays with the bond, and readers that still see it count only what it does
        // after this reading (the published snapshot still holds it here)
        self.fold_stats(dev, &mut Stats64::zeroed());
        let Ok(slave) = ctl.slaves.remove(idx) else { return };
        let sdev = &slave.dev;
        self.xdp_release(dev, ctl, sdev, rtnl);
        // bond_set_slave_inactive_flags(): a slave leaves as a backup (so bonding's "Releasing
        // backup interface" in every mode it has but tlb/alb)
        if ctl.params.mode.is_lb() {
            slave.set_inactive(ctl.params.all_slaves_active);
        } else {
            slave.set_backup(ctl.params.all_slaves_active);
        }
        if ctl.params.mode == Mode::Ieee8023ad {
            self.ad_unbind(dev, &slave, rtnl);
        }
        sdev.del_slave_sysfs(rtnl);
        // no frame reaches the bond through this slave once this returns
        drop(rx::unregister::<Slave>(sdev, rtnl));
        sdev.unlink_master(rtnl, dev);
        let role = if slave.is_backup() { "backup" } else { "active" };
        pr_info!("{}: (slave {}): Releasing {role} interface\n", dev.log_name(rtnl), sdev.name(rtnl));
        ctl.arp_slave = None;
        if !all
            && (ctl.params.fom() != FOM_ACTIVE || ctl.params.mode != Mode::ActiveBackup)
            && dev.addr(rtnl) == slave.perm_hwaddr
            && !ctl.slaves.is_empty()
        {
            let m = &slave.perm_hwaddr;
            pr_warn!(
                "{}: (slave {}): the permanent HWaddr of slave - {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x} - is still in use by bond - set the HWaddr of slave to a different address to avoid conflicts\n",
                dev.log_name(rtnl),
                sdev.name(rtnl),
                m[0], m[1], m[2], m[3], m[4], m[5]
            );
        }
        let mut ad = [0u64; 9];
        slave.ad_stats_sum_into(&mut ad);
        for (i, n) in ad.iter().enumerate() {
            self.ad_departed.add(i, *n);
        }
        let flags = dev.flags();
        let was_active = same(&ctl.active, &slave);
        if was_active {
            // (active-backup: gives back what bond_hw_addr_swap() gave it)
            self.change_active(dev, ctl, None, rtnl);
        }
        // no IPsec SA may stay on a device that leaves (as a rule change_active() took them off)
        self.ipsec_slave_released(dev, &slave);
        // balance-tlb/alb: after the current slave is cleared, before another is chosen
        if ctl.params.mode.is_lb() {
            self.alb_deinit_slave(dev, ctl, &slave, rtnl);
        }
        // the bond going away releases them all without choosing another current slave
        if was_active && !all {
            self.select_active(dev, ctl, rtnl);
        }
        // the snapshot without the slave and the carrier (bond_update_slave_arr() after the
        // unlink, bond_set_carrier()) before the notifications: the RTM_NEWLINK below reads the
        // bond's counters, which must not fold in the slave again (a bond below: its stats lock
        // taken inside ours at its own, now higher, nesting level)
        self.rebuild(dev, ctl, rtnl);
        if ctl.slaves.is_empty() {
            dev.random_addr(rtnl);
            // the new address reaches rtnetlink's listeners (an RTM_NEWLINK), and netconsole
            // learns that the bond has no slave left (__bond_release_one())
            dev.notify(rtnl, Notify::ChangeAddr);
            dev.notify(rtnl, Notify::Release);
        }
        dev.compute_upper_features(rtnl);
        self.xdp_set_features(dev, ctl, rtnl);
        // the VLANs the bond gave it, and the NS targets' groups (bond_slave_ns_maddrs_del())
        sdev.vlan_vids_del_by_dev(rtnl, dev);
        Self::ns_groups_set(&slave, None, rtnl);
        if !ctl.params.uses_primary() {
            if flags & FLAG_PROMISC != 0 {
                let _ = sdev.set_promiscuity(rtnl, -1);
            }
            if flags & FLAG_ALLMULTI != 0 {
                let _ = sdev.set_allmulti(rtnl, -1);
            }
            sdev.unsync_addrs_from(rtnl, dev);
        }
        // slave_disable_netpoll(), before the slave is closed
        slave.np.disable(rtnl);
        // the data path may still hold the old snapshot: the device stays referenced by the Arc
        // until the RCU callback drops it
        sdev.close(rtnl);
        sdev.set_slave_flags(rtnl, false);
        if ctl.params.fom() != FOM_ACTIVE {
            let _ = sdev.set_mac(rtnl, &slave.perm_hwaddr, None);
        }
        // its MTU back in every case, as __bond_release_one(): while it or the bond is being
        // unregistered without dev_set_mtu()'s checks and notifications
        if unregistering {
            let _ = sdev.restore_mtu_unregistering(rtnl, slave.original_mtu);
        } else {
            let _ = sdev.change_mtu(rtnl, slave.original_mtu);
        }
    }

    fn apply(&self, dev: &NetDevice, ctl: &mut Control, changes: &[(Change, &'static str)], extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result {
        // check everything on a copy first: nothing is applied if anything is refused
        let mut p = ctl.params.clone();
        let st = BondState { has_slaves: !ctl.slaves.is_empty(), up: dev.is_up() };
        let slaves = &ctl.slaves;
        let mut check_active = |ifindex: i32, extack: &mut ExtAck<'_>| -> Result {
            if ifindex == 0 {
                return Ok(());
            }
            let Some(s) = slaves.iter().find(|s| s.dev.ifindex() == ifindex) else {
                extack.set_msg(c"active_slave: the device is not a slave of this bond");
                return Err(EINVAL);
            };
            if !s.dev.running_with_carrier() || s.link() != Link::Up {
                extack.set_msg(c"active_slave: the slave's link is not up");
                return Err(EINVAL);
            }
            Ok(())
        };
        let active_req = params::fold(&mut p, changes, st, dev, extack, rtnl, &mut check_active)?;
        // bond_option_mode_set(), bond_option_xmit_hash_policy_set(): the bond's XDP program must
        // keep running (bonding refuses without a message)
        if ctl.xdp_prog.is_some() && !p.mode.xdp(p.xmit_policy) {
            if p.mode != ctl.params.mode {
                extack.set_msg(c"mode: the bond's XDP program does not run in this mode; detach it first");
            } else {
                extack.set_msg(c"xmit_hash_policy: the bond's XDP program does not run with this policy; detach it first");
            }
            return Err(EOPNOTSUPP);
        }
        let active = match active_req {
            None => None,
            Some(0) => Some(None),
            Some(ifindex) => {
                if !p.mode.uses_primary() {
                    extack.set_msg(c"active_slave: option not supported in this mode");
                    return Err(EACCES);
                }
                let Some(s) = ctl.slaves.iter().find(|s| s.dev.ifindex() == ifindex) else {
                    extack.set_msg(c"active_slave: the device is not a slave of this bond");
                    return Err(EINVAL);
                };
                if !s.dev.running_with_carrier() || s.link() != Link::Up {
                    extack.set_msg(c"active_slave: the slave's link is not up");
                    return Err(EINVAL);
                }
                Some(Some(s.clone()))
            }
        };
        // balance-tlb/alb's tables, before anything changes: ENOMEM refuses it all (as bonding's
        // open fails when bond_alb_initialize() cannot allocate them)
        self.alb_prepare(p.mode)?;
        // mode 802.3ad/tlb/alb would set miimon here; rbond's modes keep it
        let was = core::mem::replace(&mut ctl.params, p);
        // bond_option_mode_set(): ESP offload wanted in active-backup only
        if changes.iter().any(|(c, _)| matches!(c, Change::Mode(_))) {
            dev.xfrm_features_mode(rtnl, ctl.params.mode == Mode::ActiveBackup);
        }
        // one link monitor work: the MII monitor's or the ARP monitor's, whichever is on
        let monitor = |p: &Params| (p.miimon, p.arp_interval);
        if monitor(&was) != monitor(&ctl.params) && dev.is_up() {
            if ctl.params.miimon == 0 && ctl.params.arp_interval == 0 {
                link::cancel_work(dev, self, Work::Monitor);
            } else {
                link::schedule_work(dev, self, Work::Monitor, 0);
            }
        }
        if was.arp_targets != ctl.params.arp_targets || changes.iter().any(|(c, _)| matches!(c, Change::ArpTargetsClear(_))) {
            let replaced = changes.iter().any(|(c, _)| matches!(c, Change::ArpTargetsClear(_)));
            Self::arp_targets_moved(ctl, &was, replaced);
        }
        // netlink's NS list: the receive times of every slot cleared, then "now" for each target
        // added (_bond_options_ns_ip6_target_set(); the slots are the ARP targets' too, as in C)
        if changes.iter().any(|(c, _)| matches!(c, Change::NsTargetsClear(_))) {
            Self::ns_targets_set(ctl);
        }
        self.ad_options(dev, &ctl.params, &was, rtnl);
        if was.all_slaves_active != ctl.params.all_slaves_active {
            for s in ctl.slaves.iter().filter(|s| s.is_backup()) {
                s.set_backup(ctl.params.all_slaves_active);
            }
        }
        if was.primary != ctl.params.primary || was.primary_reselect != ctl.params.primary_reselect {
            ctl.force_primary = was.primary != ctl.params.primary && ctl.primary_index(rtnl).is_some();
            self.select_active(dev, ctl, rtnl);
        }
        match active {
            Some(None) => {
                ctl.active = None;
                self.ipsec_set_holder(None);
                self.select_active(dev, ctl, rtnl);
            }
            Some(Some(s)) => self.change_active(dev, ctl, Some(s), rtnl),
            None => {}
        }
        self.rebuild(dev, ctl, rtnl);
        Self::ns_groups_sync(ctl, rtnl);
        if was.mode != ctl.params.mode || was.xmit_policy != ctl.params.xmit_policy {
            self.xdp_set_features(dev, ctl, rtnl);
        }
        Ok(())
    }

    /// A netdevice event for a bond itself.
    fn master_event(&self, dev: &NetDevice, ev: NetdevEvent, rtnl: &Rtnl) {
        let Some(mut ctl) = self.ctl.borrow(rtnl) else { return };
        match ev {
            NetdevEvent::Register | NetdevEvent::ChangeName => {
                if let Some(e) = ctl.proc.take() {
                    e.remove(rtnl);
                }
                ctl.proc = procfs::Entry::create(dev, rtnl, self);
                if ctl.proc.is_none() {
                    pr_warn!("{}: Cannot create /proc/net/{}/{}\n", dev.name(rtnl), files().dir, dev.name(rtnl));
                }
                // bond_debug_register() / bond_debug_reregister()
                ctl.debug = match (ctl.debug.take(), ev) {
                    (Some(d), NetdevEvent::ChangeName) => {
                        let d = d.rename(dev, rtnl);
                        if d.is_none() {
                            pr_warn!("{}: failed to reregister, so just unregister old one\n", dev.name(rtnl));
                        }
                        d
                    }
                    (Some(d), _) => Some(d),
                    (None, _) => crate::sys::debugfs::BondDir::create(dev, c"rlb_hash_table", rtnl),
                };
                // the first snapshot, so that readers see the options of a bond without slaves
                self.rebuild(dev, &ctl, rtnl);
            }
            NetdevEvent::Unregister => {
                if let Some(e) = ctl.proc.take() {
                    e.remove(rtnl);
                }
                if let Some(d) = ctl.debug.take() {
                    d.remove();
                }
                // bond_master_netdev_event(): the SAs offloaded through the bond are deleted
                drop(ctl);
                dev.xfrm_flush(rtnl);
            }
            _ => {}
        }
    }

    /// A netdevice event for one of our slaves.
    fn slave_event(&self, dev: &NetDevice, sdev: &NetDevice, ev: NetdevEvent, rtnl: &Rtnl) {
        // inside one of our own operations: it rebuilds when it is done
        let Some(mut ctl) = self.ctl.borrow(rtnl) else { return };
        let Some(idx) = ctl.index_of(sdev) else { return };
        match ev {
            NetdevEvent::Unregister => {
                self.release(dev, &mut ctl, idx, Release::SlaveGone, rtnl);
                // bond_release_and_destroy(): a non-Ethernet bond goes with its last slave
                if dev.dev_type() != ARPHRD_ETHER && ctl.slaves.is_empty() && dev.is_registered(rtnl) {
                    drop(ctl);
                    pr_info!("{}: Destroying bond\n", dev.name(rtnl));
                    dev.unregister(rtnl);
                }
            }
            NetdevEvent::ChangeName => {
                // the primary is a name: a slave may become or stop being it
                if ctl.params.uses_primary() && ctl.params.primary_name().is_some() {
                    ctl.force_primary = ctl.primary_index(rtnl) == Some(idx);
                    self.select_active(dev, &mut ctl, rtnl);
                }
                self.rebuild(dev, &ctl, rtnl);
            }
            NetdevEvent::Up | NetdevEvent::Down | NetdevEvent::Change => {
                let known = ctl.slaves[idx].update_speed_duplex(rtnl, Some((sdev, ev)));
                // bond_slave_netdev_event(): in 802.3ad a slave without valid speed and duplex
                // is failing if its link was ever up, else down, until the MII monitor finds
                // them valid again
                if !known && ctl.params.mode == Mode::Ieee8023ad && ev != NetdevEvent::Down {
                    let s = &ctl.slaves[idx];
                    let link = if s.ever_up.load(Relaxed) { Link::Fail } else { Link::Down };
                    s.set_mii(mii::MiiSlave { link, ..s.mii() });
                }
                if ctl.params.mode == Mode::Ieee8023ad && ev != NetdevEvent::Down {
                    let s = ctl.slaves[idx].clone();
                    self.ad_speed_duplex_changed(dev, &s, rtnl);
                }
                // react now rather than at the next poll: the link monitor runs at once, in its
                // work (the notifier may hold the slave's instance lock, which failover, taking
                // the slaves' locks, must not meet)
                if ctl.params.miimon > 0 && dev.is_up() {
                    self.mii_event.store(true, Relaxed);
                    link::run_work_now(dev, self, Work::Monitor);
                }
                self.rebuild(dev, &ctl, rtnl);
            }
            NetdevEvent::FeatChange => {
                dev.compute_upper_features(rtnl);
                self.rebuild(dev, &ctl, rtnl);
            }
            NetdevEvent::XdpFeatChange => self.xdp_set_features(dev, &ctl, rtnl),
            NetdevEvent::ResendIgmp => {
                // a slave asks for its memberships again (a bond below this one failed over, a
                // NIC's peers were told it moved): they are the bond's (bond_slave_netdev_event())
                drop(ctl);
                dev.notify(rtnl, Notify::ResendIgmp);
            }
            _ => self.rebuild(dev, &ctl, rtnl),
        }
    }
}

impl Master for Bond {
    const MAXTYPE: u16 = IFLA_BOND_MAX;
    const SLAVE_MAXTYPE: u16 = crate::logic::netlink::IFLA_BOND_SLAVE_MAX;
    const INFO_SIZE: usize = crate::logic::netlink::BOND_INFO_SIZE;
    const SLAVE_INFO_SIZE: usize = crate::logic::netlink::SLAVE_INFO_SIZE;
    const XSTATS_SIZE: usize = crate::logic::netlink::XSTATS_SIZE;
    fn tx_queues() -> u32 {
        TX_QUEUES.load(Relaxed)
    }
    type Config = Params;

    fn validate(_data: &LinkData<'_>, _extack: &mut ExtAck<'_>) -> Result {
        // options are checked as a whole by parse_config / changelink
        Ok(())
    }

    fn parse_config(dev: &NetDevice, data: &LinkData<'_>, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result<Params> {
        let changes = params::parse(data, extack)?;
        let mut p = Params::module_defaults();
        // as bond_newlink(): the options are set on a registered bond that is down, without slaves
        let st = BondState { has_slaves: false, up: false };
        // a new bond has no slaves: only 0 (none) is an active_slave it can take
        let mut check_active = |i: i32, extack: &mut ExtAck<'_>| -> Result {
            if i != 0 {
                extack.set_msg(c"active_slave: the device is not a slave of this bond");
                return Err(EINVAL);
            }
            Ok(())
        };
        params::fold(&mut p, &changes, st, dev, extack, rtnl, &mut check_active)?;
        Ok(p)
    }

    fn init(dev: &NetDevice, rtnl: &Rtnl, config: Option<Params>) -> Result<Self> {
        dev.random_addr_unless_set(rtnl);
        // like the C driver: no slave, no carrier
        dev.carrier_off();
        let (ad, ad_view) = ad::new_lock()?;
        let params = config.unwrap_or_else(Params::module_defaults);
        let ab = params.mode == Mode::ActiveBackup;
        let mode = params.mode;
        // the first snapshot, allocated here where a failure can still refuse the bond: the one
        // built when the bond registers replaces it, or is refilled in place when that cannot
        // allocate; without one, the bond's option files would read empty and it could not
        // transmit (found by 26-fault-injection.sh)
        let first = TxState {
            mode: params.mode,
            policy: params.xmit_policy,
            params: params.clone(),
            active: None,
            primary: None,
            arp_slave: None,
            usable: KVec::new(),
            all: KVec::new(),
        };
        let bond = Bond {
            ctl: RtnlCell::new(Control {
                params,
                slaves: KVec::new(),
                active: None,
                arp_slave: None,
                force_primary: false,
                send_peer_notif: 0,
                igmp_retrans: 0,
                proc: None,
                debug: None,
                cands: KVec::new(),
                xdp_prog: None,
            }),
            tx: RcuBox::empty(),
            stats: KBox::pin_init(NestedSpinLock::new([0u64; STATS_LEN]), GFP_KERNEL)?,
            rr_tx: PerCpuU32::new()?,
            ad,
            ad_view,
            ad_departed: slave::AdCounters::new(),
            ad_arr_pending: AtomicBool::new(false),
            ad_peer_notif: AtomicBool::new(false),
            ad_fallback_notif: AtomicBool::new(false),
            mii_event: AtomicBool::new(false),
            mii_due: AtomicU64::new(0),
            alb: SetOnce::new(),
            xfrm: XfrmList::new()?,
        };
        // balance-tlb/alb's tables, if the bond is made in one of these modes
        bond.alb_prepare(mode)?;
        // bond_setup(): ESP offload offered, on in active-backup
        dev.xfrm_features_init(rtnl, ab);
        bond.tx.replace(rtnl, Some(first))?;
        Ok(bond)
    }

    fn uninit(&self, dev: &NetDevice, rtnl: &Rtnl) {
        if let Some(mut ctl) = self.ctl.borrow(rtnl) {
            if let Some(e) = ctl.proc.take() {
                e.remove(rtnl);
            }
            if let Some(d) = ctl.debug.take() {
                d.remove();
            }
            // first to last, as bond_uninit()
            while !ctl.slaves.is_empty() {
                self.release(dev, &mut ctl, 0, Release::BondGone, rtnl);
            }
        }
        pr_info!("{}: Released all slaves\n", dev.log_name(rtnl));
        let _ = self.tx.replace(rtnl, None);
    }

    fn changelink(&self, dev: &NetDevice, data: &LinkData<'_>, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result {
        let changes = params::parse(data, extack)?;
        let Some(mut ctl) = self.ctl.borrow(rtnl) else { return Err(EBUSY) };
        self.apply(dev, &mut ctl, &changes, extack, rtnl)
    }

    fn fill_info(&self, dev: &NetDevice, msg: &mut NlMsg<'_>, rtnl: &Rtnl) -> Result {
        netlink::fill_info(self, dev, msg, rtnl)
    }

    fn fill_slave_info(&self, dev: &NetDevice, slave: &NetDevice, msg: &mut NlMsg<'_>, rtnl: &Rtnl) -> Result {
        netlink::fill_slave_info(self, dev, slave, msg, rtnl)
    }

    fn fill_xstats(dev: &NetDevice, slave: bool, msg: &mut NlMsg<'_>, rtnl: &Rtnl) -> Result {
        netlink::fill_xstats(dev, slave, msg, rtnl)
    }

    fn slave_changelink(&self, dev: &NetDevice, slave: &NetDevice, data: &LinkData<'_>, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result {
        netlink::slave_changelink(self, dev, slave, data, extack, rtnl)
    }

    fn open(&self, dev: &NetDevice, rtnl: &Rtnl) -> Result {
        let Some(ctl) = self.ctl.borrow(rtnl) else { return Err(EBUSY) };
        if ctl.params.miimon > 0 || ctl.params.arp_interval > 0 {
            link::schedule_work(dev, self, Work::Monitor, 0);
        }
        if ctl.params.mode == Mode::Ieee8023ad {
            self.ad_open(dev, rtnl);
        }
        self.alb_open(dev, &ctl, rtnl);
        self.rebuild(dev, &ctl, rtnl);
        Ok(())
    }

    fn stop(&self, dev: &NetDevice, rtnl: &Rtnl) -> Result {
        link::cancel_work(dev, self, Work::Monitor);
        link::cancel_work(dev, self, Work::Mcast);
        self.ad_stop(dev, rtnl);
        self.alb_stop(dev);
        // bond_close(): no announcement left for the next open
        self.ad_peer_notif.store(false, Relaxed);
        self.ad_fallback_notif.store(false, Relaxed);
        if let Some(mut ctl) = self.ctl.borrow(rtnl) {
            ctl.send_peer_notif = 0;
        }
        // bond_close(): the unicast and multicast addresses the bond gave its slaves are taken
        // back (the active slave's in active-backup); ndo_set_rx_mode gives them again at open.
        // Addresses removed from a bond that is down never reach the slaves, so they must not
        // keep the old ones (a macvlan on a bond deleted while down).
        if let Some(ctl) = self.ctl.borrow(rtnl) {
            if ctl.params.uses_primary() {
                if let Some(a) = &ctl.active {
                    a.dev.unsync_addrs_from(rtnl, dev);
                }
            } else {
                for s in ctl.slaves.iter() {
                    s.dev.unsync_addrs_from(rtnl, dev);
                }
            }
        }
        Ok(())
    }

    fn change_mtu(&self, dev: &NetDevice, rtnl: &Rtnl, mtu: u32) -> Result {
        let Some(ctl) = self.ctl.borrow(rtnl) else { return Err(EBUSY) };
        // all slaves follow, or none (bond_change_mtu() unwinds the same way)
        for (i, s) in ctl.slaves.iter().enumerate() {
            if let Err(e) = s.dev.change_mtu(rtnl, mtu) {
                for t in ctl.slaves.iter().take(i) {
                    let _ = t.dev.change_mtu(rtnl, dev.mtu());
                }
                return Err(e);
            }
        }
        dev.set_mtu(rtnl, mtu);
        Ok(())
    }

    fn set_mac_address(&self, dev: &NetDevice, addr: &[u8; 6], rtnl: &Rtnl) -> Result {
        let Some(ctl) = self.ctl.borrow(rtnl) else { return Err(EBUSY) };
        if ctl.params.mode == Mode::Alb {
            return self.alb_set_mac_address(dev, &ctl, addr, rtnl);
        }
        // with fail_over_mac the C driver does nothing and reports success
        if ctl.params.fom() != 0 {
            return Ok(());
        }
        // every slave takes the address, or none does (bond_set_mac_address())
        let old = dev.addr(rtnl);
        for (i, s) in ctl.slaves.iter().enumerate() {
            if let Err(e) = s.dev.set_mac(rtnl, addr, None) {
                for t in ctl.slaves.iter().take(i) {
                    let _ = t.dev.set_mac(rtnl, &old, None);
                }
                return Err(e);
            }
        }
        dev.set_addr(rtnl, addr);
        Ok(())
    }

    fn add_slave(&self, dev: &NetDevice, slave: &NetDevice, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result {
        self.enslave(dev, slave, extack, rtnl)
    }

    fn del_slave(&self, dev: &NetDevice, slave: &NetDevice, rtnl: &Rtnl) -> Result {
        let Some(mut ctl) = self.ctl.borrow(rtnl) else { return Err(EBUSY) };
        let Some(idx) = ctl.index_of(slave) else { return Err(EINVAL) };
        self.release(dev, &mut ctl, idx, Release::Detach, rtnl);
        Ok(())
    }

    fn ioctl(&self, dev: &NetDevice, cmd: BondIoctl, slave: &NetDevice, rtnl: &Rtnl) -> Result {
        match cmd {
            BondIoctl::Enslave => self.enslave(dev, slave, &mut ExtAck::none(), rtnl),
            BondIoctl::Release => self.del_slave(dev, slave, rtnl),
            BondIoctl::SetHwAddr => dev.steal_addr_of(rtnl, slave),
            BondIoctl::ChangeActive => {
                let Some(mut ctl) = self.ctl.borrow(rtnl) else { return Err(EBUSY) };
                self.apply(dev, &mut ctl, &[(Change::ActiveSlave(slave.ifindex()), "active_slave")], &mut ExtAck::none(), rtnl)?;
                drop(ctl);
                // __bond_opt_set_notify(), as a sysfs option write
                sysfs::notify_option_set(dev, rtnl);
                Ok(())
            }
        }
    }

    fn change_rx_flags(&self, _dev: &NetDevice, change: u32, rtnl: &Rtnl) {
        let Some(ctl) = self.ctl.borrow(rtnl) else { return };
        let flags = _dev.flags();
        let targets: &[Arc<Slave>] = if ctl.params.uses_primary() {
            ctl.active.as_slice()
        } else {
            &ctl.slaves
        };
        for s in targets {
            if change & FLAG_PROMISC != 0 {
                let _ = s.dev.set_promiscuity(rtnl, if flags & FLAG_PROMISC != 0 { 1 } else { -1 });
            }
            if change & FLAG_ALLMULTI != 0 {
                let _ = s.dev.set_allmulti(rtnl, if flags & FLAG_ALLMULTI != 0 { 1 } else { -1 });
            }
        }
    }

    fn set_rx_mode(&self, dev: &NetDevice, lock: &AddrLock, rcu: &RcuRead) {
        let Some(t) = self.tx.get(rcu) else { return };
        if t.params.uses_primary() {
            if let Some(a) = &t.active {
                a.dev.sync_addrs_from_locked(dev, lock, false);
            }
        } else {
            for s in t.all.iter() {
                s.dev.sync_addrs_from_locked(dev, lock, true);
            }
        }
    }

    /// `bond_vlan_rx_add_vid()`: every slave filters the VLAN in, or none does.
    fn vlan_rx_add_vid(&self, _dev: &NetDevice, proto: VlanProto, vid: u16, rtnl: &Rtnl) -> Result {
        // the core calls this from 8021q, never from inside one of our operations (the bond's
        // VLAN filter features do not follow the slaves')
        let Some(ctl) = self.ctl.borrow(rtnl) else { return Err(EBUSY) };
        for (i, s) in ctl.slaves.iter().enumerate() {
            if let Err(e) = s.dev.vlan_vid_add(rtnl, proto, vid) {
                // unwind to the slave that failed
                for t in ctl.slaves.iter().take(i) {
                    t.dev.vlan_vid_del(rtnl, proto, vid);
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// `bond_vlan_rx_kill_vid()`
    fn vlan_rx_kill_vid(&self, _dev: &NetDevice, proto: VlanProto, vid: u16, rtnl: &Rtnl) {
        let Some(ctl) = self.ctl.borrow(rtnl) else { return };
        for s in ctl.slaves.iter() {
            s.dev.vlan_vid_del(rtnl, proto, vid);
        }
        self.alb_clear_vlan(&ctl, vid);
    }

    fn get_stats64(&self, dev: &NetDevice, stats: &mut Stats64) {
        self.fold_stats(dev, stats);
    }

    fn info_query(&self, _dev: &NetDevice, rtnl: &Rtnl) -> [i32; 3] {
        let Some(ctl) = self.ctl.borrow(rtnl) else { return [0; 3] };
        // C's ints; a slave count and miimon (at most INT_MAX) fit
        let n = i32::try_from(ctl.slaves.len()).unwrap_or(i32::MAX);
        [ctl.params.mode.value() as i32, n, i32::try_from(ctl.params.miimon).unwrap_or(i32::MAX)]
    }

    fn slave_info_query(&self, _dev: &NetDevice, index: i32, rtnl: &Rtnl) -> Option<(DevRef, i8, i8, u32)> {
        let ctl = self.ctl.borrow(rtnl)?;
        let s = ctl.slaves.get(usize::try_from(index).ok()?)?;
        let link = s.link().number() as i8;
        Some((DevRef::of(&s.dev), link, i8::from(s.is_backup()), s.link_failure_count.load(Relaxed)))
    }

    fn link_ksettings(&self, _dev: &NetDevice, rtnl: &Rtnl) -> (u32, u8) {
        const DUPLEX_UNKNOWN: u8 = 0xff;
        let unknown = crate::logic::procfs::SPEED_UNKNOWN;
        let Some(ctl) = self.ctl.borrow(rtnl) else { return (unknown, DUPLEX_UNKNOWN) };
        let broadcast = ctl.params.mode == Mode::Broadcast;
        let (mut speed, mut duplex) = (0u32, DUPLEX_UNKNOWN);
        // bond_ethtool_get_link_ksettings(): the slaves that can transmit (not a backup, link
        // up), their speeds asked again; summed as C's u32 (wrapping), the slowest in broadcast
        for s in ctl.slaves.iter().filter(|s| s.can_tx()) {
            s.update_speed_duplex(rtnl, None);
            let sp = s.speed.load(Relaxed);
            if sp != unknown {
                speed = if broadcast {
                    if speed == 0 || speed > sp { sp } else { speed }
                } else {
                    speed.wrapping_add(sp)
                };
            }
            let du = s.duplex.load(Relaxed);
            if duplex == DUPLEX_UNKNOWN && du != DUPLEX_UNKNOWN {
                duplex = du;
            }
        }
        (if speed == 0 { unknown } else { speed }, duplex)
    }

    fn netpoll_setup(&self, _dev: &NetDevice, rtnl: &Rtnl) -> Result {
        let Some(ctl) = self.ctl.borrow(rtnl) else { return Err(EBUSY) };
        // bond_netpoll_setup(): every slave, or none
        for s in ctl.slaves.iter() {
            if let Err(e) = s.np.enable(&s.dev, rtnl) {
                for s in ctl.slaves.iter() {
                    s.np.disable(rtnl);
                }
                return Err(e);
            }
        }
        Ok(())
    }

    fn netpoll_cleanup(&self, _dev: &NetDevice, rtnl: &Rtnl) {
        let Some(ctl) = self.ctl.borrow(rtnl) else { return };
        // bond_netpoll_cleanup() skips the slaves that are not up (bond_slave_is_up()); their
        // netpoll goes when they are released, as in C
        for s in ctl.slaves.iter().filter(|s| s.dev.running_with_carrier()) {
            s.np.disable(rtnl);
        }
    }

    fn poll_controller(&self, _dev: &NetDevice, rcu: &RcuRead) {
        let Some(t) = self.tx.get(rcu) else { return };
        // bond_poll_controller(): the slaves that are up; in 802.3ad those of the active
        // aggregator (its ports are the usable ones), none without one
        let slaves = if t.mode == Mode::Ieee8023ad { &t.usable } else { &t.all };
        for s in slaves.iter().filter(|s| s.dev.running_with_carrier()) {
            s.dev.netpoll_poll();
        }
    }

    fn active_slave(&self, _dev: &NetDevice) -> Option<DevRef> {
        RcuRead::with(|rcu| {
            let t = self.tx.get(rcu)?;
            if !t.params.uses_primary() {
                return None;
            }
            t.active.as_ref().map(|a| DevRef::of(&a.dev))
        })
    }

    fn xdp_setup(&self, dev: &NetDevice, prog: Option<BpfProg>, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result {
        let Some(mut ctl) = self.ctl.borrow(rtnl) else { return Err(EBUSY) };
        self.xdp_set(dev, &mut ctl, prog, extack, rtnl)
    }

    fn xdp_xmit_slave<'a>(&'a self, dev: &NetDevice, frame: &[u8], rcu: &'a RcuRead) -> Option<&'a NetDevice> {
        let t = self.tx.get(rcu)?;
        xdp::xmit_slave(self, t, dev, frame).map(|s| &*s.dev)
    }

    fn xfrm_list(&self) -> &XfrmList {
        &self.xfrm
    }

    fn xfrm_add(&self, dev: &NetDevice, xs: &XfrmState, extack: &mut ExtAck<'_>) -> Result {
        self.ipsec_add_sa(dev, xs, extack)
    }

    fn xfrm_delete(&self, dev: &NetDevice, xs: &XfrmState) {
        self.ipsec_del_sa(dev, xs);
    }

    fn xfrm_free(&self, _dev: &NetDevice, xs: &XfrmState) {
        self.ipsec_free_sa(xs);
    }

    fn xfrm_offload_ok(&self, dev: &NetDevice, xs: &XfrmState, rcu: &RcuRead) -> bool {
        self.ipsec_offload_ok(dev, xs, rcu)
    }

    fn xfrm_advance_esn(&self, dev: &NetDevice, xs: &XfrmState, rcu: &RcuRead) {
        self.ipsec_advance_esn(dev, xs, rcu);
    }

    fn xfrm_update_stats(&self, dev: &NetDevice, xs: &XfrmState, rcu: &RcuRead) {
        self.ipsec_update_stats(dev, xs, rcu);
    }

    fn sk_lower_dev<'r>(&'r self, _dev: &NetDevice, sk: &Sock, rcu: &'r RcuRead) -> Option<&'r NetDevice> {
        self.sk_get_lower_dev(sk, rcu)
    }

    fn header_slave(&self, _dev: &NetDevice) -> Option<DevRef> {
        RcuRead::with(|rcu| self.tx.get(rcu)?.active.as_ref().map(|a| DevRef::of(&a.dev)))
    }

    // inlined into the device's ndo_start_xmit, its one caller: a call less for each frame
    #[inline]
    fn start_xmit(&self, dev: &NetDevice, skb: Skb, rcu: &RcuRead) -> TxStatus {
        let Some(t) = self.tx.get(rcu) else { return skb.drop_tx(dev) };
        // bond_should_override_tx_queue() && !bond_slave_override()
        let skb = match t.mode {
            Mode::ActiveBackup | Mode::RoundRobin => match queue_override(t, dev, skb) {
                Ok(skb) => skb,
                Err(sent) => return sent,
            },
            Mode::Xor | Mode::Broadcast | Mode::Ieee8023ad | Mode::Tlb | Mode::Alb => skb,
        };
        // bond_tls_device_xmit(): a frame whose TLS is offloaded leaves by the slave that has the
        // offload (ndo_sk_get_lower_dev chose it), or is dropped if that is no slave (any more)
        if let Some(tls) = skb.tls_device(rcu) {
            return match tls.and_then(|d| t.all.iter().find(|s| s.is(d))) {
                Some(s) => s.xmit(skb, dev),
                None => skb.drop_tx(dev),
            };
        }
        match t.mode {
            Mode::RoundRobin => rr::xmit(self, t, dev, skb, rcu),
            Mode::ActiveBackup => ab::xmit(t, dev, skb, rcu),
            // bond_should_broadcast_neighbor()
            Mode::Ieee8023ad if t.params.broadcast_neighbor && skb.bytes().frame().is_neighbour() => broadcast::xmit_usable(t, dev, skb, rcu),
            Mode::Xor | Mode::Ieee8023ad => xor::xmit(t, dev, skb, rcu),
            Mode::Broadcast => broadcast::xmit(t, dev, skb, rcu),
            Mode::Tlb | Mode::Alb => alb::xmit(self, t, dev, skb, rcu),
        }
    }

    fn work(&self, dev: &NetDevice, which: Work) {
        match which {
            Work::Ad => self.ad_tick(dev),
            Work::AdRx => self.ad_rx(dev),
            Work::Mcast => self.mcast_work(dev),
            Work::Monitor => self.monitor_work(dev),
            Work::Alb => self.alb_work(dev),
        }
    }
}

/// `bond_slave_override()`: a frame whose transmit queue (set by a tc filter's `skbedit
/// queue_mapping`) is a slave's `queue_id` leaves by that slave if it is up with an up link,
/// backup or not (`Err`: what its transmit returned); otherwise, and for queue 0, the mode
/// chooses (the frame is given back).
fn queue_override(t: &TxState, dev: &NetDevice, skb: Skb) -> Result<Skb, TxStatus> {
    let q = skb.queue_mapping();
    if q == 0 {
        return Ok(skb);
    }
    match t.all.iter().find(|s| s.queue_id.load(Relaxed) == q) {
        Some(s) if s.up_for_broadcast() => Err(s.xmit(skb, dev)),
        _ => Ok(skb),
    }
}

/// The module's netdevice listener: events of our slaves go to their bond.
pub(crate) struct Events;

impl NetdevListener for Events {
    fn event(ev: NetdevEvent, dev: &NetDevice, rtnl: &Rtnl) {
        // a bond may be a slave of another bond too: both roles see the event (bond_netdev_event())
        if let Some(bond) = link::master_state::<Bond>(dev) {
            bond.master_event(dev, ev, rtnl);
        }
        // hold the slave: handling the event may release it
        let Some(slave) = rx::data::<Slave>(dev, rtnl) else { return };
        let slave: Arc<Slave> = slave.into();
        let Some(bond) = link::master_state::<Bond>(&slave.bond_dev) else { return };
        bond.slave_event(&slave.bond_dev, dev, ev, rtnl);
    }
}

impl ProcShow for Bond {
    fn show(&self, dev: &NetDevice, w: &mut SeqWriter<'_>) -> core::fmt::Result {
        use crate::logic::procfs::{agg_reason, write_master, write_slave, AdMasterInfo, AdSlaveInfo, MasterInfo, SlaveInfo, DUPLEX_UNKNOWN};
        // the 802.3ad machines are read under the mode lock (a mutex): take it before RCU
        let ad = self.ad.lock();
        let privileged = crate::sys::capable_net_admin();
        let mut bn = [0u8; 16];
        let bond_name = dev.name_copy(&mut bn);
        RcuRead::with(|rcu| {
            let Some(t) = self.tx.get(rcu) else { return Ok(()) };
            let p = &t.params;
            let lacp = p.mode == Mode::Ieee8023ad;
            let ad_master = lacp.then(|| AdMasterInfo {
                bond_name: &bond_name,
                privileged,
                lacp_active: p.lacp_active,
                lacp_fast: p.lacp_fast,
                min_links: p.min_links,
                ad_select: p.ad_select,
                system_priority: ad.system_priority,
                system_mac: ad.system,
                active: crate::logic::ad::active_agg_info(&ad.ms),
            });
            let (mut pbuf, mut abuf) = ([0u8; 16], [0u8; 16]);
            let primary = t.primary.as_ref().map(|s| s.dev.name_copy(&mut pbuf));
            let active = t.active.as_ref().map(|s| s.dev.name_copy(&mut abuf));
            write_master(w, &MasterInfo {
                kernel_release: procfs::kernel_release(),
                mode: p.mode.value(),
                fail_over_mac: p.fail_over_mac,
                xmit_policy: p.xmit_policy,
                tlb_dynamic_lb: p.tlb_dynamic_lb,
                primary: primary.as_deref(),
                primary_reselect: p.primary_reselect,
                active: if p.mode.uses_primary() { active.as_deref() } else { None },
                carrier: dev.carrier_ok(),
                miimon: p.miimon,
                updelay: p.updelay,
                downdelay: p.downdelay,
                peer_notif_delay: p.peer_notif_delay,
                arp: (p.arp_interval > 0).then_some(crate::logic::procfs::ArpInfo {
                    interval: p.arp_interval,
                    missed_max: p.missed_max,
                    targets: p.arp_targets,
                    ns_targets: p.ns_targets,
                }),
                ad: ad_master,
            })?;
            for s in t.all.iter() {
                let mut n = [0u8; 16];
                let name = s.dev.name_copy(&mut n);
                let speed = s.speed.load(Relaxed);
                let duplex = s.duplex.load(Relaxed);
                let i = if lacp { ad.slaves.iter().position(|x| core::ptr::eq(&**x, &**s)) } else { None };
                let reason = i.map(|i| agg_reason(&ad.facts(i)));
                let ad_slave = i.map(|i| {
                    let m = &ad.ms[i];
                    AdSlaveInfo {
                        privileged,
                        aggregator_id: m.port.agg.and_then(|u| ad.ms.iter().find(|o| o.uid == u)).map(|o| o.agg.id),
                        actor_churn: m.port.churn_actor,
                        partner_churn: m.port.churn_partner,
                        actor_churn_count: m.port.churn_actor_count,
                        partner_churn_count: m.port.churn_partner_count,
                        actor: m.port.actor,
                        partner: m.port.partner_oper,
                        aggregation: reason.as_ref().map(|r| r as &dyn core::fmt::Display),
                    }
                });
                write_slave(w, &SlaveInfo {
                    name: &name,
                    link: s.link(),
                    speed,
                    duplex: if duplex > 1 { DUPLEX_UNKNOWN } else { duplex },
                    link_failure_count: s.link_failure_count.load(Relaxed),
                    perm_hwaddr: s.perm_addr(),
                    queue_id: s.queue_id.load(Relaxed),
                    ad: ad_slave,
                })?;
            }
            Ok(())
        })
    }
}
