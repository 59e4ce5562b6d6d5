// SPDX-License-Identifier: GPL-2.0
//! What balance-tlb and balance-alb need of the kernel (`bond_alb.c`): learning packets, the
//! devices stacked on the bond they are sent for, frames rewritten on transmit and receive, and
//! the ARP replies that teach a client the slave to send to.

use super::bindings;
use super::netdev::{NetDevice, Skb};
use super::probe::MAX_NEST;
use super::rcu::RcuRead;
use super::rx::RxSkb;
use kernel::ffi::c_void;

// SAFETY: a `TlbTable` is atomics only (slave ids with 0 for none, byte counters): all zero
// bytes are an empty table, as `TlbTable::new()` makes it.
unsafe impl pin_init::Zeroable for crate::logic::tlb::TlbTable {}
// SAFETY: an `RlbView` is atomics only (sequence counts, addresses, slave ids with 0 for none):
// all zero bytes are a view without clients, as `RlbView::new()` makes it.
unsafe impl pin_init::Zeroable for crate::logic::rlb::RlbView {}

/// `NET_ADDR_STOLEN`: an address a device took from another (a VLAN device's, from the bond).
pub(crate) const NET_ADDR_STOLEN: u8 = 2;

/// Sends a learning packet (`alb_send_lp_vid()`) on `slave`: to and from `mac`, EtherType
/// 0x9000, tagged with `tag` (protocol, ID; host order) unless its ID is 0. False if not sent.
pub(crate) fn send_learning_packet(slave: &NetDevice, mac: &[u8; 6], tag: [u16; 2]) -> bool {
    // SAFETY: the slave is valid (the caller holds it: RTNL, RCU or a reference); the shim copies
    // `mac` into a new skb.
    unsafe { bindings::rbond_send_lp(slave.as_raw(), mac.as_ptr(), tag[0], tag[1]) }
}

/// Sends an ARP reply from `slave` (its MAC as sender) telling `dst_ip` at `dst_mac` that
/// `src_ip` is at that MAC (`rlb_update_client()`), tagged with VLAN `vid` (802.1Q) unless 0.
/// Addresses in wire order. False if not sent (no memory).
pub(crate) fn send_arp_reply(slave: &NetDevice, dst_ip: [u8; 4], src_ip: [u8; 4], dst_mac: &[u8; 6], vid: u16) -> bool {
    // SAFETY: the slave is valid (the caller holds it); the shim copies the addresses.
    unsafe { bindings::rbond_arp_reply(slave.as_raw(), u32::from_ne_bytes(dst_ip), u32::from_ne_bytes(src_ip), dst_mac.as_ptr(), vid) }
}

/// `ip` (wire order) is an address of a bridge device of the bond's namespace
/// (`rlb_arp_xmit()`: ARP of a bridge above the bond is not balanced).
pub(crate) fn ip_on_bridge(bond: &NetDevice, ip: [u8; 4], _rcu: &RcuRead) -> bool {
    // SAFETY: the bond is valid; ip_dev_find() takes and the shim drops a reference.
    unsafe { bindings::rbond_ip_on_bridge(bond.as_raw(), u32::from_ne_bytes(ip)) }
}

/// Calls `f(device, depth)` on every device stacked on `dev` at any depth
/// (`netdev_walk_all_upper_dev_rcu()`), depth 0 for the devices directly above it, up to
/// `MAX_NEST` levels.
pub(crate) fn for_each_upper_all(dev: &NetDevice, _rcu: &RcuRead, f: &mut dyn FnMut(&NetDevice, usize)) {
    fn walk(dev: &NetDevice, depth: usize, f: &mut dyn FnMut(&NetDevice, usize)) {
        if depth >= MAX_NEST {
            return;
        }
        let mut iter: *mut c_void = core::ptr::null_mut();
        loop {
            // SAFETY: `dev` is valid under the caller's RCU section; `iter` is null at the start
            // and then what the shim left in it, in the same section.
            let up = unsafe { bindings::rbond_upper_next_rcu(dev.as_raw(), &mut iter) };
            if up.is_null() {
                return;
            }
            // SAFETY: a device found under RCU stays allocated until the section ends.
            let up = unsafe { NetDevice::from_raw(up) };
            f(up, depth);
            walk(up, depth + 1, f);
        }
    }
    walk(dev, 0, f)
}

impl NetDevice {
    /// A macvlan device (`netif_is_macvlan()`).
    pub(crate) fn is_macvlan(&self) -> bool {
        // SAFETY: the device is valid.
        unsafe { bindings::rbond_netif_is_macvlan(self.as_raw()) }
    }

    /// A VLAN device's protocol and ID (host order); `None` for another device.
    pub(crate) fn vlan_info(&self) -> Option<[u16; 2]> {
        let mut t = [0u16; 2];
        // SAFETY: the device is valid; the outputs are valid for writes.
        unsafe { bindings::rbond_vlan_dev_info(self.as_raw(), &mut t[0], &mut t[1]) }.then_some(t)
    }

    /// The device's MAC address, read without RTNL (as bonding reads `dev_addr` on transmit:
    /// a concurrent change may be seen half-written, as in C).
    pub(crate) fn addr_unlocked(&self) -> [u8; 6] {
        let mut a = [0u8; 6];
        // SAFETY: the device is valid; `a` has room for ETH_ALEN bytes.
        unsafe { bindings::rbond_dev_addr_get(self.as_raw(), a.as_mut_ptr()) };
        a
    }

    /// Sets the address the device reports, not its hardware's, keeping how it was assigned
    /// (`__dev_addr_set()`: balance-tlb's slaves).
    pub(crate) fn set_addr_keep_type(&self, rtnl: &super::rtnl::Rtnl, addr: &[u8; 6]) {
        let t = self.addr_assign_type(rtnl);
        // SAFETY: the device is valid; `addr` holds ETH_ALEN bytes; RTNL serializes changes.
        unsafe { bindings::rbond_dev_addr_set(self.as_raw(), addr.as_ptr(), t) }
    }

    /// `addr_assign_type`, read without RTNL.
    pub(crate) fn addr_assign_type_unlocked(&self) -> u8 {
        // SAFETY: the device is valid.
        unsafe { bindings::rbond_dev_addr_assign_type(self.as_raw()) }
    }
}

impl Skb {
    /// The frame's length in bytes (`skb->len`).
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: we own a valid skb (type invariant of `Skb`): its field is ours to read.
        unsafe { (*self.as_raw().cast::<super::netdev::KernelSkb>()).len }
    }

    /// The Ethernet source address becomes `mac` (`bond_do_alb_xmit()`); false if the header
    /// could not be made writable (the caller drops the frame).
    pub(crate) fn set_eth_source(&mut self, mac: &[u8; 6]) -> bool {
        // SAFETY: we own a valid skb (type invariant of `Skb`); the shim makes the header
        // writable before writing it.
        unsafe { bindings::rbond_skb_set_eth_source(self.as_raw(), mac.as_ptr()) }
    }

    /// The ARP sender hardware address becomes `mac` (`rlb_arp_xmit()`); false if the ARP header
    /// is missing or could not be made writable.
    pub(crate) fn set_arp_sha(&mut self, mac: &[u8; 6]) -> bool {
        // SAFETY: as `set_eth_source`; the shim pulls the ARP header first.
        unsafe { bindings::rbond_skb_set_arp_sha(self.as_raw(), mac.as_ptr()) }
    }
}

impl RxSkb {
    /// Received as broadcast or multicast (`skb->pkt_type`).
    pub(crate) fn is_bcast_mcast(&self) -> bool {
        // SAFETY: valid skb (type invariant of `RxSkb`).
        unsafe { bindings::rbond_skb_is_bcast_mcast(self.as_raw()) }
    }

    /// balance-alb on a bond that is a bridge port: a frame for this host gets the bond's MAC as
    /// its destination (`bond_handle_frame()`); false if it must be dropped (no memory).
    pub(crate) fn alb_bridge_dest(&self, bond: &NetDevice) -> bool {
        // SAFETY: valid, unshared skb (type invariant); the bond is valid under RCU.
        unsafe { bindings::rbond_skb_alb_bridge_dest(self.as_raw(), bond.as_raw()) }
    }
}
