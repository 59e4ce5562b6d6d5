// SPDX-License-Identifier: GPL-2.0
//! active-backup: one slave, the bond's current one (`active`), carries the traffic; the others
//! wait as backups. Its transmit, and fail_over_mac. The choice of the current slave and the
//! failover itself are in `active`, shared with the modes that also have a current slave.

use super::{Bond, Control, Slave, FOM_ACTIVE, FOM_FOLLOW};
use crate::sys::netdev::{NetDevice, Skb, TxStatus};
use crate::sys::rcu::RcuRead;
use crate::sys::rtnl::Rtnl;
use kernel::prelude::*;
use kernel::sync::Arc;

/// Transmit: on the active slave, if it can (`bond_xmit_activebackup()`).
pub(super) fn xmit(t: &super::TxState, dev: &NetDevice, skb: Skb, _rcu: &RcuRead) -> TxStatus {
    match t.active.as_ref() {
        Some(s) if s.can_tx() => s.xmit(skb, dev),
        _ => skb.drop_tx(dev),
    }
}

impl Bond {
    /// `bond_do_fail_over_mac()`: active: the bond takes the new active slave's MAC; follow: the
    /// new active slave takes the bond's MAC and the old one the new one's.
    pub(super) fn do_fail_over_mac(&self, dev: &NetDevice, ctl: &Control, new: &Arc<Slave>, old: Option<&Arc<Slave>>, rtnl: &Rtnl) {
        match ctl.params.fom() {
            FOM_ACTIVE => {
                if let Err(e) = dev.steal_addr_of(rtnl, &new.dev) {
                    pr_err!("{}: (slave {}): Error {:?} setting bond MAC from slave\n", dev.name(rtnl), new.dev.name(rtnl), e);
                }
            }
            FOM_FOLLOW => {
                // the old active slave: the one passed, or (after a release) one with the bond's MAC
                let bond_mac = dev.addr(rtnl);
                let old = old.cloned().or_else(|| {
                    ctl.slaves.iter().find(|s| !core::ptr::eq(&***s, &**new) && s.dev.addr(rtnl) == bond_mac).cloned()
                });
                let new_mac = new.dev.addr(rtnl);
                let target = match &old {
                    Some(o) => o.dev.addr(rtnl),
                    None => bond_mac,
                };
                if let Err(e) = new.dev.set_mac(rtnl, &target, None) {
                    pr_err!("{}: (slave {}): Error {:?} setting MAC of new active slave\n", dev.name(rtnl), new.dev.name(rtnl), e);
                    return;
                }
                if let Some(o) = old {
                    if let Err(e) = o.dev.set_mac(rtnl, &new_mac, None) {
                        pr_err!("{}: (slave {}): Error {:?} setting MAC of old active slave\n", dev.name(rtnl), o.dev.name(rtnl), e);
                    }
                }
            }
            _ => {}
        }
    }
}
