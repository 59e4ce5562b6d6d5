// SPDX-License-Identifier: GPL-2.0
//! IPsec offload through the bond (bonding's `bond_xfrmdev_ops`) and the slave a socket's frames
//! leave by (`ndo_sk_get_lower_dev`, which kTLS device offload asks).
//!
//! An SA offloaded to the bond (`ip xfrm state add ... offload dev BOND`) is programmed into the
//! active slave's device (`xso.real_dev`) and kept in the bond's list (`ipsec_list`); when the
//! active slave changes, the SAs leave the old one and go to the new one
//! (`bond_ipsec_del_sa_all()`, `bond_ipsec_add_sa_all()`), and when it leaves the bond they leave
//! it. Frames use the offload in active-backup only (`bond_ipsec_dev()`), as in bonding; like
//! bonding, adding an SA is not refused in the other modes: it goes to the current slave (none in
//! 802.3ad, where rbond keeps no current slave: ENODEV there, as for a bond without one).

use super::mode::Mode;
use super::Bond;
use super::Slave;
use crate::logic::hash::{sk_hash_l34, slave_index};
use crate::logic::options::xmit_policy;
use crate::sys::link;
use crate::sys::netdev::{NetDevice, Sock};
use crate::sys::netlink::ExtAck;
use crate::sys::rcu::RcuRead;
use crate::sys::xfrm::XfrmState;
use kernel::prelude::*;
use kernel::sync::Arc;

/// Whether `dev` is a bond: bonding refuses to offload through one (`netif_is_bond_master()`,
/// which an rbond is not; rbond refuses both).
fn is_rbond(dev: &NetDevice) -> bool {
    link::master_state::<Bond>(dev).is_some()
}

impl Bond {
    /// `bond_ipsec_dev()`: the slave that holds `xs` for the data path: the active slave, in
    /// active-backup only, if the state is on a slave (with bonding's warning when that is not the
    /// active one).
    fn ipsec_dev<'r>(&'r self, dev: &NetDevice, xs: &XfrmState, rcu: &'r RcuRead) -> Option<&'r NetDevice> {
        let t = self.tx.get(rcu)?;
        if t.mode != Mode::ActiveBackup {
            return None;
        }
        let a = t.active.as_ref()?;
        xs.check_real_dev(dev, &a.dev).then_some(&*a.dev)
    }

    /// `bond_ipsec_add_sa()`: to the current slave; rbond takes the one that holds the other SAs
    /// (the list's holder, the active slave once a change of it is done), under the list's lock,
    /// so that an SA added while the active slave changes is moved with the others.
    pub(super) fn ipsec_add_sa(&self, _dev: &NetDevice, xs: &XfrmState, extack: &mut ExtAck<'_>) -> Result {
        let mut list = self.xfrm.lock();
        let real = list.holder().ok_or(ENODEV)?;
        if !real.xfrm_can_add(is_rbond(&real)) {
            // NL_SET_ERR_MSG_MOD(): the module's name first, bonding's in compat mode
            extack.set_msg(if super::compat() {
                c"bonding: Slave does not support ipsec offload"
            } else {
                c"rbond: Slave does not support ipsec offload"
            });
            return Err(EOPNOTSUPP);
        }
        // the list's room first (bonding allocates its entry first): a failure changes nothing
        list.reserve_one()?;
        real.xfrm_add(xs, extack)?;
        xs.set_real_dev(Some(&real), &list);
        // within the room reserved above
        list.push(xs)
    }

    /// `bond_ipsec_del_sa()`: any context.
    pub(super) fn ipsec_del_sa(&self, dev: &NetDevice, xs: &XfrmState) {
        let Some(real) = xs.real_dev() else { return };
        if !real.xfrm_can_delete(is_rbond(real)) {
            dev.slave_warn(real, c"bond_ipsec_del_sa: no slave xdo_dev_state_delete");
            return;
        }
        real.xfrm_delete(xs);
    }

    /// `bond_ipsec_free_sa()` (the adapter then drops `xs` from the list, if still there).
    pub(super) fn ipsec_free_sa(&self, xs: &XfrmState) {
        let mut list = self.xfrm.lock();
        if let Some(real) = xs.real_dev() {
            real.xfrm_free(xs);
            xs.set_real_dev(None, &list);
        }
        list.remove(xs);
    }

    /// `bond_ipsec_del_sa_all()`: every SA leaves the active slave `old`, which is changing.
    pub(super) fn ipsec_del_sa_all(&self, dev: &NetDevice, old: Option<&Arc<Slave>>) {
        let mut list = self.xfrm.lock();
        list.set_holder(None);
        let Some(old) = old else { return };
        let real = &old.dev;
        for xs in list.iter() {
            if !xs.has_real_dev() {
                continue;
            }
            if !real.xfrm_can_delete(is_rbond(real)) {
                dev.slave_warn(real, c"bond_ipsec_del_sa_all: no slave xdo_dev_state_delete");
                continue;
            }
            {
                let l = xs.lock();
                xs.set_real_dev(None, &list);
                // the user may have deleted it already: not twice
                if !l.is_dead() {
                    real.xfrm_delete(xs);
                }
            }
            real.xfrm_free(xs);
        }
    }

    /// The current slave is set (or cleared) without a change of it (`bond_change_active_slave()`
    /// is for the changes that move the SAs): new SAs go to it.
    pub(super) fn ipsec_set_holder(&self, slave: Option<&Arc<Slave>>) {
        self.xfrm.lock().set_holder(slave.map(|s| &*s.dev));
    }

    /// A slave leaves the bond: if it still holds SAs (its being the active slave was cleared
    /// without a change of it: `active_slave` set to none while no slave could take over), they
    /// leave it as in [`Self::ipsec_del_sa_all`], so that no SA points to a device that is gone
    /// (bonding leaves them).
    pub(super) fn ipsec_slave_released(&self, dev: &NetDevice, slave: &Arc<Slave>) {
        let real = &slave.dev;
        let mut list = self.xfrm.lock();
        if list.holder().is_some_and(|h| h.same(real)) {
            list.set_holder(None);
        }
        for xs in list.iter().filter(|xs| xs.real_dev_is(real)) {
            if !real.xfrm_can_delete(is_rbond(real)) {
                dev.slave_warn(real, c"bond_ipsec_del_sa_all: no slave xdo_dev_state_delete");
                continue;
            }
            {
                let l = xs.lock();
                xs.set_real_dev(None, &list);
                if !l.is_dead() {
                    real.xfrm_delete(xs);
                }
            }
            real.xfrm_free(xs);
        }
    }

    /// `bond_ipsec_add_sa_all()`: every SA goes to the new active slave `new`.
    pub(super) fn ipsec_add_sa_all(&self, dev: &NetDevice, new: Option<&Arc<Slave>>) {
        let mut list = self.xfrm.lock();
        let Some(new) = new else { return };
        let real = &new.dev;
        list.set_holder(Some(real));
        if !real.xfrm_can_add(is_rbond(real)) {
            if !list.is_empty() {
                dev.slave_warn(real, c"bond_ipsec_add_sa_all: no slave xdo_dev_state_add");
            }
            return;
        }
        for xs in list.iter() {
            // added there already (bond_ipsec_add_sa() ran in between)
            if xs.real_dev_is(real) {
                continue;
            }
            if real.xfrm_add(xs, &mut ExtAck::none()).is_err() {
                dev.slave_warn(real, c"bond_ipsec_add_sa_all: failed to add SA");
                continue;
            }
            let l = xs.lock();
            // deleted by the user during the move: off the new slave again; the core's free
            // callback does the rest
            if l.is_dead() {
                real.xfrm_delete(xs);
            }
            xs.set_real_dev(Some(real), &list);
        }
    }

    /// `bond_ipsec_offload_ok()`: transmit path.
    pub(super) fn ipsec_offload_ok(&self, dev: &NetDevice, xs: &XfrmState, rcu: &RcuRead) -> bool {
        self.ipsec_dev(dev, xs, rcu).is_some_and(|real| !real.is_c_bond_master() && !is_rbond(real))
    }

    /// `bond_advance_esn_state()`
    pub(super) fn ipsec_advance_esn(&self, dev: &NetDevice, xs: &XfrmState, rcu: &RcuRead) {
        if let Some(real) = self.ipsec_dev(dev, xs, rcu) {
            real.xfrm_advance_esn(xs);
        }
    }

    /// `bond_xfrm_update_stats()`
    pub(super) fn ipsec_update_stats(&self, dev: &NetDevice, xs: &XfrmState, rcu: &RcuRead) {
        if let Some(real) = self.ipsec_dev(dev, xs, rcu) {
            real.xfrm_update_stats(xs);
        }
    }

    /// `bond_sk_get_lower_dev()`: in balance-xor and 802.3ad with the layer3+4 policy, the
    /// transmitting slave the socket's flow hashes to (`bond_sk_hash_l34()`); none otherwise.
    pub(super) fn sk_get_lower_dev<'r>(&'r self, sk: &Sock, rcu: &'r RcuRead) -> Option<&'r NetDevice> {
        let t = self.tx.get(rcu)?;
        // bond_sk_check()
        if !matches!(t.mode, Mode::Xor | Mode::Ieee8023ad) || t.policy != xmit_policy::LAYER34 {
            return None;
        }
        let (ports, src, dst) = sk.flow();
        let i = slave_index(sk_hash_l34(ports, src, dst), t.usable.len())?;
        Some(&t.usable[i].dev)
    }
}
