// SPDX-License-Identifier: GPL-2.0
//! What the ARP monitor needs of the kernel: the clock (jiffies), the route to a target, the
//! devices stacked on the bond (their VLAN tags), the addresses they have, and the probe itself.

use super::bindings;
use super::netdev::{DevRef, NetDevice};
use super::rcu::RcuRead;
use super::rx::RxSkb;
use core::ffi::c_void;
use core::ptr::NonNull;

/// `jiffies` now.
pub(crate) fn jiffies() -> u64 {
    // SAFETY: plain FFI call; reads the jiffies counter.
    unsafe { bindings::rbond_jiffies() as u64 }
}

/// `msecs_to_jiffies(ms)`
pub(crate) fn msecs_to_jiffies(ms: u32) -> u64 {
    // SAFETY: plain FFI call; pure arithmetic.
    unsafe { bindings::rbond_msecs_to_jiffies(ms) as u64 }
}

/// The most devices between the bond and the device a route leaves by (`MAX_NEST_DEV`).
pub(crate) const MAX_NEST: usize = 8;

/// The VLAN tags of the path from the bond to a route's device (`struct bond_vlan_tag[]` of
/// `bond_verify_device_path()`): one per level, `(protocol, ID)` in host order, `(0, 0)` for a
/// level that is not a VLAN device. The first is the outer tag.
#[derive(Clone, Copy)]
pub(crate) struct VlanPath {
    tags: [[u16; 2]; MAX_NEST + 1],
    len: usize,
}

impl VlanPath {
    /// The path of a route that leaves by the bond itself: no tag.
    pub(crate) const fn none() -> Self {
        VlanPath { tags: [[0; 2]; MAX_NEST + 1], len: 0 }
    }

    /// The tag of the device directly above the bond on the path (`tags[0]` of
    /// `bond_verify_device_path()`), `[0, 0]` if it is not a VLAN device or the path is empty.
    pub(crate) fn outer(&self) -> [u16; 2] {
        if self.len == 0 { [0, 0] } else { self.tags[0] }
    }
}

/// The route to `dst` (IPv4, wire order) from the bond's namespace: the device it leaves by and
/// the address of that device the bond answers with (0.0.0.0 if none). `None` without a route;
/// `Some((None, _))` for a route without a device.
pub(crate) fn route4(bond: &NetDevice, dst: [u8; 4]) -> Option<(Option<DevRef>, [u8; 4])> {
    let mut out: *mut bindings::net_device = core::ptr::null_mut();
    let mut src: u32 = 0;
    // SAFETY: the bond is valid; `out` and `src` are valid for writes. The shim returns 1 with a
    // reference held on *out, which the DevRef made below owns.
    let r = unsafe { bindings::rbond_route4(bond.as_raw(), u32::from_ne_bytes(dst), &mut out, &mut src) };
    let src = src.to_ne_bytes();
    match r {
        1 => {
            let p = NonNull::new(out)?;
            // SAFETY: the shim took a reference on the device for us (dev_hold).
            Some((Some(unsafe { DevRef::adopt(p) }), src))
        }
        0 => Some((None, src)),
        _ => None,
    }
}

/// `bond_verify_device_path(bond, end)`: whether `end` is stacked on the bond (depth first, the
/// first path found), and the VLAN tags on that path. Under RCU; allocates nothing.
pub(crate) fn verify_device_path(bond: &NetDevice, end: &NetDevice, _rcu: &RcuRead) -> Option<VlanPath> {
    let mut path = VlanPath::none();
    walk(bond, end, 0, &mut path).then_some(path)
}

fn walk(start: &NetDevice, end: &NetDevice, level: usize, path: &mut VlanPath) -> bool {
    if start.same(end) {
        path.len = level;
        return true;
    }
    if level >= MAX_NEST {
        return false;
    }
    let mut found = false;
    for_each_upper(start, &mut |upper| {
        if !walk(upper, end, level + 1, path) {
            return false;
        }
        let mut tag = [0u16; 2];
        // SAFETY: `upper` is valid under RCU (for_each_upper); the outputs are valid for writes.
        if unsafe { bindings::rbond_vlan_dev_info(upper.as_raw(), &mut tag[0], &mut tag[1]) } {
            path.tags[level] = tag;
        } else {
            path.tags[level] = [0, 0];
        }
        found = true;
        true
    });
    found
}

/// Calls `f` on each device directly above `dev` until it returns true. The caller is in an
/// RCU read-side section (every caller here holds an `RcuRead` or runs in the receive path).
fn for_each_upper(dev: &NetDevice, f: &mut dyn FnMut(&NetDevice) -> bool) {
    let mut iter: *mut c_void = core::ptr::null_mut();
    loop {
        // SAFETY: `dev` is valid; `iter` is null at the start and then what the shim left in it,
        // under the same RCU section.
        let up = unsafe { bindings::rbond_upper_next_rcu(dev.as_raw(), &mut iter) };
        if up.is_null() {
            return;
        }
        // SAFETY: an upper device found under RCU stays allocated until the section ends.
        if f(unsafe { NetDevice::from_raw(up) }) {
            return;
        }
    }
}

/// `bond_has_this_ip()`: `ip` (wire order) is an address of the bond or of a device stacked on
/// it, at any depth (`netdev_walk_all_upper_dev_rcu()`).
pub(crate) fn has_ip4(bond: &NetDevice, ip: [u8; 4], _rcu: &RcuRead) -> bool {
    fn any(dev: &NetDevice, ip: u32, depth: usize) -> bool {
        let mut found = false;
        if depth < MAX_NEST {
            for_each_upper(dev, &mut |up| {
                // SAFETY: `up` is valid under RCU, which the callers hold.
                found = unsafe { bindings::rbond_dev_has_ip4(up.as_raw(), ip) } || any(up, ip, depth + 1);
                found
            });
        }
        found
    }
    let ip = u32::from_ne_bytes(ip);
    // SAFETY: the bond is valid; the caller holds RCU (`_rcu`).
    let own = unsafe { bindings::rbond_dev_has_ip4(bond.as_raw(), ip) };
    own || any(bond, ip, 0)
}

/// Sends an ARP packet (`op`) from `slave` to `dst` with sender address `src`, tagged for `path`
/// (`bond_arp_send()`). False if nothing was sent (no memory).
pub(crate) fn send_arp(slave: &NetDevice, op: u16, dst: [u8; 4], src: [u8; 4], path: &VlanPath) -> bool {
    let n = path.len.min(path.tags.len());
    // SAFETY: the slave is valid; `tags` holds `n` pairs of u16 (a [[u16; 2]] is laid out as
    // 2 * n u16s), which the shim reads only.
    unsafe {
        bindings::rbond_arp_send(
            slave.as_raw(),
            op.into(),
            u32::from_ne_bytes(dst),
            u32::from_ne_bytes(src),
            path.tags.as_ptr().cast::<u16>(),
            n as u32,
        )
    }
}

/// Whether IPv6 runs (`ipv6_mod_enabled()`): the NS probes and their validation need it.
pub(crate) fn ipv6_enabled() -> bool {
    // SAFETY: plain FFI call.
    unsafe { bindings::rbond_ipv6_enabled() }
}

/// The route to `dst` (IPv6) from the bond's namespace, as [`route4`]: the device it leaves by
/// and the address to send from (`ipv6_dev_get_saddr()`; `::` if none).
pub(crate) fn route6(bond: &NetDevice, dst: &[u8; 16]) -> Option<(Option<DevRef>, [u8; 16])> {
    let mut out: *mut bindings::net_device = core::ptr::null_mut();
    let mut src = [0u8; 16];
    // SAFETY: the bond is valid; `dst` is 16 readable bytes, `src` 16 writable ones, `out`
    // writable; on 1 the shim holds a reference on *out for the DevRef made below.
    let r = unsafe { bindings::rbond_route6(bond.as_raw(), dst.as_ptr(), &mut out, src.as_mut_ptr()) };
    match r {
        1 => {
            let p = NonNull::new(out)?;
            // SAFETY: the shim took a reference on the device for us (dev_hold).
            Some((Some(unsafe { DevRef::adopt(p) }), src))
        }
        0 => Some((None, src)),
        _ => None,
    }
}

/// `bond_has_this_ip6()`: `ip` is an address of the bond or of a device stacked on it.
pub(crate) fn has_ip6(bond: &NetDevice, ip: &[u8; 16], _rcu: &RcuRead) -> bool {
    fn any(dev: &NetDevice, ip: &[u8; 16], depth: usize) -> bool {
        let mut found = false;
        if depth < MAX_NEST {
            for_each_upper(dev, &mut |up| {
                // SAFETY: `up` is valid under RCU, which the callers hold; `ip` is 16 bytes.
                found = unsafe { bindings::rbond_dev_has_ip6(up.as_raw(), ip.as_ptr()) } || any(up, ip, depth + 1);
                found
            });
        }
        found
    }
    // SAFETY: the bond is valid; `ip` is 16 readable bytes.
    let own = unsafe { bindings::rbond_dev_has_ip6(bond.as_raw(), ip.as_ptr()) };
    own || any(bond, ip, 0)
}

/// Sends a neighbour solicitation for `dst` from `slave` (source `src`, `::` allowed) to the
/// target's solicited-node group, tagged for `path` (`bond_ns_send()`). False if nothing was sent.
pub(crate) fn send_ns(slave: &NetDevice, dst: &[u8; 16], src: &[u8; 16], path: &VlanPath) -> bool {
    let n = path.len.min(path.tags.len());
    // SAFETY: the slave is valid; `dst` and `src` are 16 readable bytes; `tags` holds `n` pairs
    // of u16, read only.
    unsafe { bindings::rbond_ns_send(slave.as_raw(), dst.as_ptr(), src.as_ptr(), path.tags.as_ptr().cast::<u16>(), n as u32) }
}

/// The MAC address of `target`'s solicited-node multicast group on `dev` (`ndisc_mc_map()`).
pub(crate) fn ns_maddr(dev: &NetDevice, target: &[u8; 16]) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    // SAFETY: the device is valid; `target` is 16 readable bytes, `mac` 6 writable ones (the
    // shim copies ETH_ALEN bytes).
    unsafe { bindings::rbond_ns_maddr(dev.as_raw(), target.as_ptr(), mac.as_mut_ptr()) }.then_some(mac)
}

/// `ETH_P_ARP`, `ETH_P_IPV6`
pub(crate) const ETH_P_ARP: u16 = 0x0806;
pub(crate) const ETH_P_IPV6: u16 = 0x86dd;
/// `PACKET_OTHERHOST`, `PACKET_LOOPBACK`
const PACKET_OTHERHOST: u8 = 3;
const PACKET_LOOPBACK: u8 = 5;

impl RxSkb {
    /// `skb->protocol`, host order.
    pub(crate) fn protocol(&self) -> u16 {
        // SAFETY: valid skb (type invariant).
        unsafe { bindings::rbond_skb_protocol(self.as_raw()) }
    }

    /// Not for this host or looped back (`PACKET_OTHERHOST`, `PACKET_LOOPBACK`).
    pub(crate) fn not_for_us(&self) -> bool {
        // SAFETY: valid skb (type invariant).
        let t = unsafe { bindings::rbond_skb_pkt_type(self.as_raw()) };
        t == PACKET_OTHERHOST || t == PACKET_LOOPBACK
    }

    /// Copies `buf.len()` bytes from the network header on (`skb_copy_bits()`); false if the
    /// packet is shorter.
    pub(crate) fn copy_from_network(&self, buf: &mut [u8]) -> bool {
        // SAFETY: valid skb; `buf` is valid for `buf.len()` bytes of writes.
        unsafe { bindings::rbond_skb_copy_bits(self.as_raw(), 0, buf.as_mut_ptr(), buf.len() as u32) }
    }
}
