// SPDX-License-Identifier: GPL-2.0
//! Native XDP on a bond (`bond_xdp_set()`, `bond_xdp_get_xmit_slave()`, `bond_xdp_set_features()`):
//! the program attached to the bond runs on every slave (installed on each, and on a slave that
//! joins later), and XDP frames redirected to the bond leave by the slave the mode picks for them
//! (balance-rr in turn, active-backup the active slave, balance-xor and 802.3ad by the transmit
//! hash of the frame's headers). balance-tlb, balance-alb, broadcast and the vlan+srcmac policy
//! have no native XDP, as in bonding.
//!
//! XDP_TX from the program is sent back by the slave that received the frame: the kernel passes
//! it through the master (`xdp_master_redirect()`) only for slaves of bonding.ko, which it knows
//! by their `IFF_BONDING` flag (see Documentation/rbond.rst).

use super::{mode::Mode, rr, Bond, Control, Slave, TxState};
use crate::logic::hash::{encap_hash, slave_index, xmit_hash, Frame, ETH_P_IP};
use crate::logic::options::xmit_policy;
use crate::sys::netdev::{xdp_features_all, BpfProg, NetDevice};
use crate::sys::netlink::ExtAck;
use crate::sys::rtnl::Rtnl;
use kernel::prelude::*;
use kernel::sync::Arc;

/// `IPPROTO_IGMP`
const IPPROTO_IGMP: u8 = 2;

impl Mode {
    /// The mode runs native XDP with transmit hash policy `policy` (`__bond_xdp_check()`).
    pub(crate) const fn xdp(self, policy: u64) -> bool {
        match self {
            Mode::RoundRobin | Mode::ActiveBackup => true,
            // vlan+srcmac: the 802.1Q tag is usually not in an XDP frame (hardware offload)
            Mode::Xor | Mode::Ieee8023ad => policy != xmit_policy::VLAN_SRCMAC,
            Mode::Broadcast | Mode::Tlb | Mode::Alb => false,
        }
    }
}

/// `BOND_NL_ERR()`: the message to the user and in the log.
fn bond_err(dev: &NetDevice, extack: &mut ExtAck<'_>, msg: &'static CStr, rtnl: &Rtnl) {
    extack.set_msg(msg);
    pr_err!("{}: Error: {}\n", dev.name(rtnl), msg.to_str().unwrap_or(""));
}

/// `SLAVE_NL_ERR()`
fn slave_err(dev: &NetDevice, sdev: &NetDevice, extack: &mut ExtAck<'_>, msg: &'static CStr, rtnl: &Rtnl) {
    extack.set_msg(msg);
    pr_err!("{}: (slave {}): Error: {}\n", dev.name(rtnl), sdev.name(rtnl), msg.to_str().unwrap_or(""));
}

/// Why a slave cannot run the bond's program, with bonding's message; None if it can.
fn slave_refusal(sdev: &NetDevice, not_capable: &'static CStr, rtnl: &Rtnl) -> Option<&'static CStr> {
    if !sdev.xdp_capable() {
        Some(not_capable)
    } else if sdev.xdp_prog_count(rtnl) > 0 {
        Some(c"Slave has XDP program loaded, please unload before enslaving")
    } else {
        None
    }
}

impl Bond {
    /// `bond_xdp_set()`: `prog` (None: none) on the bond and on every slave, or, if a slave
    /// refuses it, the previous program back on the slaves that took it.
    pub(super) fn xdp_set(&self, dev: &NetDevice, ctl: &mut Control, prog: Option<BpfProg>, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result {
        if !ctl.params.mode.xdp(ctl.params.xmit_policy) {
            bond_err(dev, extack, c"No native XDP support for the current bonding mode", rtnl);
            return Err(EOPNOTSUPP);
        }
        let mut failed = None;
        for (i, s) in ctl.slaves.iter().enumerate() {
            if let Some(msg) = slave_refusal(&s.dev, c"Slave device does not support XDP", rtnl) {
                slave_err(dev, &s.dev, extack, msg, rtnl);
                failed = Some((i, EOPNOTSUPP));
                break;
            }
            if let Err(e) = s.dev.xdp_propagate(rtnl, prog.as_ref().map(BpfProg::clone_ref), Some(extack)) {
                pr_err!("{}: (slave {}): Error {} calling ndo_bpf\n", dev.name(rtnl), s.dev.name(rtnl), e.to_errno());
                failed = Some((i, e));
                break;
            }
        }
        if let Some((n, e)) = failed {
            // the slaves before the one that failed get the previous program back
            for s in ctl.slaves.iter().take(n) {
                if let Err(u) = s.dev.xdp_propagate(rtnl, ctl.xdp_prog.as_ref().map(BpfProg::clone_ref), None) {
                    pr_err!("{}: (slave {}): Error {} when unwinding XDP program change\n", dev.name(rtnl), s.dev.name(rtnl), u.to_errno());
                }
            }
            return Err(e);
        }
        // the previous program's reference is put here
        ctl.xdp_prog = prog;
        Ok(())
    }

    /// `bond_enslave()`'s part: a slave of a bond with a program must run it too; all or nothing.
    pub(super) fn xdp_enslave(&self, dev: &NetDevice, ctl: &Control, sdev: &NetDevice, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result {
        let Some(prog) = ctl.xdp_prog.as_ref() else { return Ok(()) };
        if let Some(msg) = slave_refusal(sdev, c"Slave does not support XDP", rtnl) {
            slave_err(dev, sdev, extack, msg, rtnl);
            return Err(EOPNOTSUPP);
        }
        // the slave's ndo_bpf sets the message
        sdev.xdp_propagate(rtnl, Some(prog.clone_ref()), Some(extack))
    }

    /// `__bond_release_one()`'s part: a leaving slave stops running the bond's program.
    pub(super) fn xdp_release(&self, dev: &NetDevice, ctl: &Control, sdev: &NetDevice, rtnl: &Rtnl) {
        if ctl.xdp_prog.is_some() && sdev.xdp_propagate(rtnl, None, None).is_err() {
            pr_warn!("{}: (slave {}): failed to unload XDP program\n", dev.name(rtnl), sdev.name(rtnl));
        }
    }

    /// `bond_xdp_set_features()`: the XDP features every slave offers (none without slaves or in
    /// a mode without native XDP); after every change of the slaves, the mode, the policy, or a
    /// slave's features.
    pub(super) fn xdp_set_features(&self, dev: &NetDevice, ctl: &Control, rtnl: &Rtnl) {
        let val = if !ctl.params.mode.xdp(ctl.params.xmit_policy) || ctl.slaves.is_empty() {
            0
        } else {
            ctl.slaves.iter().fold(xdp_features_all(), |v, s| v & s.dev.xdp_features(rtnl))
        };
        dev.set_xdp_features(rtnl, val);
    }
}

/// `bond_xdp_get_xmit_slave()`: the slave that sends the XDP frame `data` (bytes from the MAC
/// header; an XDP frame has no out-of-band VLAN tag and its EtherType is in the header).
pub(super) fn xmit_slave<'a>(b: &Bond, t: &'a TxState, dev: &NetDevice, data: &[u8]) -> Option<&'a Arc<Slave>> {
    match t.mode {
        Mode::RoundRobin => {
            // bond_xdp_xmit_roundrobin_slave_get(): IGMP on the current slave
            let f = Frame::ethernet(data);
            let igmp = f.protocol == ETH_P_IP && data.get(14 + 9) == Some(&IPPROTO_IGMP);
            rr::pick(b, t, igmp)
        }
        Mode::ActiveBackup => t.active.as_ref(),
        Mode::Xor | Mode::Ieee8023ad => {
            // bond_xmit_hash_xdp(): 0 for a frame shorter than an Ethernet header
            let f = Frame::ethernet(data);
            let hash = if data.len() < 14 {
                0
            } else {
                match t.policy {
                    xmit_policy::ENCAP23 | xmit_policy::ENCAP34 => encap_hash(t.policy, data, dev.dissect_data(data, f.protocol, 14)).ok()?,
                    _ => xmit_hash(t.policy, &f).ok()?,
                }
            };
            slave_index(hash, t.usable.len()).map(|i| &t.usable[i])
        }
        Mode::Broadcast | Mode::Tlb | Mode::Alb => None,
    }
}
