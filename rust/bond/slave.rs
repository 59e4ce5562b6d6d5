// SPDX-License-Identifier: GPL-2.0
//! One slave of a bond: the device, what it was before we took it, and its state.

use crate::logic::mii::{Link, MiiSlave};
use crate::sys::netdev::{DevRef, NetDevice, Stats64};
use crate::sys::rcu::RcuRead;
use crate::sys::rx::{RxAction, RxHandler, RxSkb};
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU8, Ordering::Relaxed};

/// A slave. Fields that the data path, /proc or sysfs read without RTNL are atomics; all writes
/// happen under RTNL.
pub(crate) struct Slave {
    /// The slave device (a reference is held while this lives).
    pub(crate) dev: DevRef,
    /// The bond (kept alive as long as a slave points at it).
    pub(crate) bond_dev: DevRef,
    /// The MAC address the slave had before it was enslaved (restored on release).
    pub(crate) perm_hwaddr: [u8; 6],
    /// The MTU the slave had before it was enslaved (restored on release).
    pub(crate) original_mtu: u32,
    /// Counters when it was enslaved: the bond counts what happened since.
    pub(crate) stats_base: Stats64,
    link: AtomicU8,
    delay: AtomicU32,
    /// A backup slave (`state` "backup" in sysfs).
    backup: AtomicBool,
    /// Frames from this slave are delivered only to listeners bound to it (inactive slave).
    inactive: AtomicBool,
    pub(crate) link_failure_count: AtomicU32,
    pub(crate) speed: AtomicU32,
    /// 1 full, 0 half, 0xff unknown
    pub(crate) duplex: AtomicU8,
    pub(crate) prio: AtomicI32,
}

impl Slave {
    pub(crate) fn new(dev: DevRef, bond_dev: DevRef, perm_hwaddr: [u8; 6], original_mtu: u32, stats_base: Stats64) -> Self {
        Slave {
            dev,
            bond_dev,
            perm_hwaddr,
            original_mtu,
            stats_base,
            link: AtomicU8::new(Link::Down.number()),
            delay: AtomicU32::new(0),
            backup: AtomicBool::new(false),
            inactive: AtomicBool::new(false),
            link_failure_count: AtomicU32::new(0),
            speed: AtomicU32::new(crate::logic::procfs::SPEED_UNKNOWN),
            duplex: AtomicU8::new(0xff),
            prio: AtomicI32::new(0),
        }
    }

    pub(crate) fn link(&self) -> Link {
        match self.link.load(Relaxed) {
            0 => Link::Up,
            1 => Link::Fail,
            3 => Link::Back,
            _ => Link::Down,
        }
    }

    pub(crate) fn mii(&self) -> MiiSlave {
        MiiSlave { link: self.link(), delay: self.delay.load(Relaxed) }
    }

    pub(crate) fn set_mii(&self, m: MiiSlave) {
        self.link.store(m.link.number(), Relaxed);
        self.delay.store(m.delay, Relaxed);
    }

    pub(crate) fn is_backup(&self) -> bool {
        self.backup.load(Relaxed)
    }

    /// `bond_set_slave_active_flags()`
    pub(crate) fn set_active(&self) {
        self.backup.store(false, Relaxed);
        self.inactive.store(false, Relaxed);
    }

    /// `bond_set_slave_inactive_flags()`: a backup; inactive unless all_slaves_active.
    pub(crate) fn set_backup(&self, all_slaves_active: bool) {
        self.backup.store(true, Relaxed);
        self.inactive.store(!all_slaves_active, Relaxed);
    }

    /// Running with carrier, link up and not a backup (`bond_slave_can_tx()`).
    pub(crate) fn can_tx(&self) -> bool {
        self.dev.running_with_carrier() && self.link() == Link::Up && !self.is_backup()
    }

    /// `bond_update_speed_duplex()`: what the driver reports now, or unknown.
    pub(crate) fn update_speed_duplex(&self, rtnl: &crate::sys::rtnl::Rtnl) {
        let (sp, du) = self.dev.speed_duplex(rtnl).unwrap_or((crate::logic::procfs::SPEED_UNKNOWN, 0xff));
        self.speed.store(sp, Relaxed);
        self.duplex.store(du, Relaxed);
    }

    pub(crate) fn is(&self, dev: &NetDevice) -> bool {
        self.dev.same(dev)
    }
}

impl RxHandler for Slave {
    /// `bond_handle_frame()`: frames of an inactive slave stay on it (link-local ones pass as
    /// usual); everything else is the bond's.
    fn rx<'a>(&'a self, skb: &RxSkb, _rcu: &'a RcuRead) -> RxAction<'a> {
        if self.inactive.load(Relaxed) {
            if skb.dest_is_link_local() {
                return RxAction::Pass;
            }
            return RxAction::Exact;
        }
        RxAction::Another(&self.bond_dev)
    }
}
