// SPDX-License-Identifier: GPL-2.0
//! `struct net_device`, `struct sk_buff` and `struct rtnl_link_stats64`, wrapped.

use super::bindings;
use super::notifier::NetdevEvent;
use super::netlink::ExtAck;
use super::rcu::RcuRead;
use super::rtnl::Rtnl;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::prelude::*;
use kernel::types::Opaque;

/// A network device.
///
/// # Invariants
///
/// Wraps a valid `struct net_device` that stays allocated for the borrow: the kernel hands it to a
/// callback of ours, or we hold a reference on it.
#[repr(transparent)]
pub(crate) struct NetDevice(Opaque<bindings::net_device>);

impl NetDevice {
    /// # Safety
    ///
    /// `ptr` must point to a valid `net_device` that stays allocated for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *const bindings::net_device) -> &'a NetDevice {
        // SAFETY: `NetDevice` is a transparent wrapper of `Opaque<net_device>`, itself transparent;
        // validity for 'a is guaranteed by the caller.
        unsafe { &*ptr.cast::<NetDevice>() }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// The device name. Names change under RTNL, so reading one takes the proof.
    pub(crate) fn name<'a>(&'a self, _rtnl: &'a Rtnl) -> &'a CStr {
        // SAFETY: the device is valid; under RTNL the name is stable and NUL-terminated within
        // IFNAMSIZ (dev_valid_name() guaranteed that when it was set).
        unsafe { CStr::from_char_ptr((*self.as_raw()).name.as_ptr().cast()) }
    }

    /// The name as the kernel's `netdev_printk()` shows it: with the registration state when the
    /// device is not simply registered (`"bond0 (unregistering)"` while it is being deleted).
    pub(crate) fn log_name<'a>(&'a self, rtnl: &'a Rtnl) -> LogName<'a> {
        // SAFETY: the device is valid; netdev_reg_state() reads its reg_state and returns a
        // static string.
        let state = unsafe { CStr::from_char_ptr(bindings::rbond_netdev_reg_state(self.as_raw())) };
        LogName { name: self.name(rtnl), state }
    }

    /// A copy of the name for readers without RTNL (as C prints `dev->name` under RCU): a
    /// concurrent rename may show the old or the new name, never a torn one longer than IFNAMSIZ.
    pub(crate) fn name_copy<'b>(&self, buf: &'b mut [u8; 16]) -> NameBuf<'b> {
        // SAFETY: the device is valid; we read IFNAMSIZ bytes of its name array.
        let src = unsafe { &(*self.as_raw()).name };
        for (d, s) in buf.iter_mut().zip(src.iter()) {
            // SAFETY: reading a byte of the name array; a racing rename writes whole bytes.
            *d = unsafe { core::ptr::read_volatile(s) };
        }
        let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        NameBuf(core::str::from_utf8(&buf[..len]).unwrap_or("?"))
    }

    /// Looks a device up by name in `self`'s namespace and takes a reference on it.
    pub(crate) fn get_by_name_in_netns(&self, _rtnl: &Rtnl, name: &CStr) -> Option<DevRef> {
        // SAFETY: the device is valid; under RTNL the device list and the namespace are stable;
        // the name is NUL-terminated.
        let d = unsafe { bindings::__dev_get_by_name(bindings::rbond_dev_net(self.as_raw()), name.as_char_ptr().cast()) };
        // SAFETY: a device found under RTNL is valid while RTNL is held; we take a reference.
        (!d.is_null()).then(|| DevRef::of(unsafe { NetDevice::from_raw(d) }))
    }

    /// Adds the `bonding_slave/` sysfs directory to a slave.
    pub(crate) fn add_slave_sysfs(&self, _rtnl: &Rtnl) -> Result {
        // SAFETY: the device is valid and registered; RTNL serializes adds and removes.
        kernel::error::to_result(unsafe { bindings::rbond_slave_sysfs_add(self.as_raw()) })
    }

    /// Removes `bonding_slave/`; waits for readers inside its files.
    pub(crate) fn del_slave_sysfs(&self, _rtnl: &Rtnl) {
        // SAFETY: the device is valid; the group was added by `add_slave_sysfs`.
        unsafe { bindings::rbond_slave_sysfs_del(self.as_raw()) }
    }

    /// The name of the device with `ifindex` in `self`'s namespace.
    pub(crate) fn name_of_ifindex(&self, _rtnl: &Rtnl, ifindex: i32) -> Option<[u8; 16]> {
        // SAFETY: the device is valid; under RTNL the device list is stable and a device found in
        // it stays valid; its name is a NUL-terminated array of IFNAMSIZ bytes.
        unsafe {
            let d = bindings::__dev_get_by_index(bindings::rbond_dev_net(self.as_raw()), ifindex);
            if d.is_null() {
                return None;
            }
            let mut n = [0u8; 16];
            for (o, i) in n.iter_mut().zip((*d).name.iter()) {
                *o = *i;
            }
            Some(n)
        }
    }

    /// The interface index (0 until registered).
    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: the device is valid by the type invariant; ifindex is written once, under RTNL,
        // before the device becomes visible to anyone who could call this.
        unsafe { (*self.as_raw()).ifindex }
    }

    /// The transmit queues in use (`real_num_tx_queues`).
    pub(crate) fn real_num_tx_queues(&self) -> u32 {
        // SAFETY: the device is valid by the type invariant; a plain read of an unsigned int.
        unsafe { core::ptr::read_volatile(&(*self.as_raw()).real_num_tx_queues) }
    }

    /// The current MTU.
    pub(crate) fn mtu(&self) -> u32 {
        // SAFETY: the device is valid by the type invariant; a plain read of an unsigned int.
        unsafe { core::ptr::read_volatile(&(*self.as_raw()).mtu) }
    }

    /// A new random MAC address (`eth_hw_addr_random()`).
    pub(crate) fn random_addr(&self, _rtnl: &Rtnl) {
        // SAFETY: the device is valid; RTNL serializes address changes.
        unsafe { bindings::rbond_eth_hw_addr_random(self.as_raw()) }
    }

    /// Sets the MTU (WRITE_ONCE); the core has already checked it against min_mtu/max_mtu.
    pub(crate) fn set_mtu(&self, _rtnl: &Rtnl, mtu: u32) {
        // SAFETY: the device is valid; RTNL serializes writers.
        unsafe { bindings::rbond_dev_set_mtu(self.as_raw(), mtu) }
    }

    /// Gives the device a random MAC unless the user set one (`bond_init()` does the same).
    pub(crate) fn random_addr_unless_set(&self, _rtnl: &Rtnl) {
        // SAFETY: the device is valid; RTNL serializes address changes.
        unsafe {
            if bindings::rbond_addr_is_perm_zero(self.as_raw()) {
                bindings::rbond_eth_hw_addr_random(self.as_raw());
            }
        }
    }

    /// Turns the carrier off.
    pub(crate) fn carrier_off(&self) {
        // SAFETY: the device is valid; netif_carrier_off() may be called in any context.
        unsafe { bindings::netif_carrier_off(self.as_raw()) }
    }

    /// Counts a frame the device dropped in `tx_dropped` (`dev_core_stats_tx_dropped_inc()`);
    /// what its transmit then returns (`NET_XMIT_DROP`).
    pub(crate) fn count_tx_dropped(&self) -> TxStatus {
        // SAFETY: the device is valid; the core counters are per CPU, safe in any context.
        TxStatus(unsafe { bindings::rbond_tx_dropped_inc(self.as_raw()) })
    }
}

/// The bytes of an [`Skb`] (and what else of it the hash reads) for the transmit hash: its linear part directly, the rest (headers in
/// page fragments) copied as `skb_header_pointer()` copies them, into the caller's stack; no
/// lock, no allocation.
pub(crate) struct SkbBytes<'a> {
    skb: &'a Skb,
    /// The linear part (`skb->data`, `skb_headlen()` bytes).
    linear: &'a [u8],
    protocol: u16,
    nhoff: u16,
    vlan_tci: Option<u16>,
}

impl SkbBytes<'_> {
    /// The frame the transmit hash reads.
    pub(crate) fn frame(&self) -> crate::logic::hash::Frame<'_, Self> {
        crate::logic::hash::Frame { data: self, protocol: self.protocol, nhoff: usize::from(self.nhoff), vlan_tci: self.vlan_tci }
    }
}

impl crate::logic::hash::Packet for SkbBytes<'_> {
    fn bytes<const N: usize>(&self, off: usize) -> Option<[u8; N]> {
        if let Some(b) = self.linear.get(off..off.checked_add(N)?) {
            return b.try_into().ok();
        }
        let mut out = [0u8; N];
        let (off, n) = (u32::try_from(off).ok()?, u32::try_from(N).ok()?);
        // SAFETY: we own a valid skb (type invariant of `Skb`, borrowed for 'a); `out` has room
        // for the `N` bytes copied.
        let ok = unsafe { bindings::rbond_skb_copy_bits(self.skb.0.as_ptr(), off, out.as_mut_ptr(), n) };
        ok.then_some(out)
    }
}

/// A socket buffer we own.
///
/// # Invariants
///
/// Holds the one reference the transmit path handed over to us; it is freed exactly once, by
/// [`Skb::drop_tx`] or by `Drop`.
pub(crate) struct Skb(NonNull<bindings::sk_buff>);

impl Skb {
    /// The skb, for the other wrappers of this tier.
    pub(super) fn as_raw(&self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// The packet bytes (linear and in fragments) and metadata the transmit hash reads.
    pub(crate) fn bytes(&self) -> SkbBytes<'_> {
        let (mut len, mut proto, mut nhoff, mut tci, mut tagged) = (0u32, 0u16, 0u16, 0u16, false);
        // SAFETY: we own a valid skb (type invariant); the returned pointer is to its linear data,
        // `len` bytes long, valid while we own it (the borrow of `self`).
        let linear = unsafe {
            let p = bindings::rbond_skb_data(self.0.as_ptr(), &mut len, &mut proto, &mut nhoff, &mut tci, &mut tagged);
            core::slice::from_raw_parts(p, len as usize)
        };
        SkbBytes { skb: self, linear, protocol: proto, nhoff, vlan_tci: tagged.then_some(tci) }
    }

    /// What the kernel's flow dissector finds in the frame with bonding's keys (through
    /// tunnels), for the encap policies; `None` if it cannot dissect it.
    pub(crate) fn dissect(&self, bond: &NetDevice) -> Option<crate::logic::hash::DissectedFlow> {
        let mut w = [0u32; 4];
        // SAFETY: we own a valid skb; `bond` is valid; `w` has room for the four words.
        let ok = unsafe { bindings::rbond_skb_flow_dissect(bond.as_raw(), self.0.as_ptr(), w.as_mut_ptr()) };
        ok.then_some(crate::logic::hash::DissectedFlow { src: w[0], dst: w[1], ports: w[2], icmp: w[3] })
    }

    /// The transmit queue the frame was given on the bond (`skb_get_queue_mapping()`): the
    /// queue `ndo_select_queue` chose, or what a tc filter's `skbedit queue_mapping` set since.
    pub(crate) fn queue_mapping(&self) -> u16 {
        // SAFETY: we own a valid skb (type invariant): its field is ours to read.
        unsafe { (*self.0.as_ptr().cast::<KernelSkb>()).queue_mapping }
    }

    /// The stack's L4 hash of the frame, if it has one (`skb->l4_hash`).
    pub(crate) fn l4_hash(&self) -> Option<u32> {
        let mut h = 0u32;
        // SAFETY: we own a valid skb.
        unsafe { bindings::rbond_skb_l4_hash(self.0.as_ptr(), &mut h) }.then_some(h)
    }

    /// Transmits the frame on `dev` (`dev_queue_xmit()`), a slave of `bond`; in netpoll context
    /// (netconsole over the bond) through the slave's netpoll `np` instead
    /// (`bond_dev_queue_xmit()`). The frame is gone either way; what the slave's transmit
    /// returned, which the bond returns in turn (as bonding does).
    pub(crate) fn xmit_on(self, dev: &NetDevice, np: &Netpoll, bond: &NetDevice) -> TxStatus {
        let skb = core::mem::ManuallyDrop::new(self);
        // SAFETY: we give our reference to the stack, which frees the skb when done or on error;
        // `dev` and `bond` are valid for the call (RCU keeps slaves alive on the transmit path);
        // `np` is null or a netpoll of `dev` that stays valid until a grace period after it is
        // taken out (`Netpoll::disable`), and the transmit path is a read-side section.
        TxStatus(unsafe { bindings::rbond_dev_queue_xmit(skb.0.as_ptr(), dev.as_raw(), bond.as_raw(), np.0.load(Ordering::Acquire)) })
    }

    /// A clone of the frame (`skb_clone(GFP_ATOMIC)`: a new head sharing the data), or `None`
    /// when memory is short.
    pub(crate) fn clone_atomic(&self) -> Option<Skb> {
        // SAFETY: we own a valid skb (type invariant); skb_clone() returns a new skb with its own
        // reference, or NULL.
        let p = unsafe { bindings::rbond_skb_clone(self.0.as_ptr()) };
        // INVARIANT: the clone's one reference is ours.
        NonNull::new(p).map(Skb)
    }

    /// An IPv4 IGMP frame (balance-rr sends those through its current slave,
    /// `bond_xmit_roundrobin_slave_get()`); read without pulling (nothing allocated).
    pub(crate) fn is_igmp(&self) -> bool {
        use crate::logic::hash::Packet;
        let b = self.bytes();
        const IPPROTO_IGMP: u8 = 2;
        b.protocol == 0x0800
            && usize::from(b.nhoff).checked_add(9).and_then(|off| b.bytes::<1>(off)) == Some([IPPROTO_IGMP])
    }

    /// # Safety
    ///
    /// `ptr` must be a valid skb whose reference the caller gives to the returned `Skb`.
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::sk_buff) -> Option<Skb> {
        // INVARIANT: ownership is transferred by the caller.
        NonNull::new(ptr).map(Skb)
    }

    /// Drops a frame the device could not send, counting it in `tx_dropped` (`bond_tx_drop()`).
    /// kTLS device offload (`tls_is_skb_tx_device_offloaded()`): `Some` if the frame's socket has
    /// its TLS offloaded to a device, with that device (`None` while it is going down); valid for
    /// the RCU section.
    pub(crate) fn tls_device<'r>(&self, _rcu: &'r RcuRead) -> Option<Option<&'r NetDevice>> {
        // a frame of no socket (forwarded, pktgen's) has no TLS: no call for it
        // SAFETY: we own a valid skb (type invariant): its field is ours to read.
        if unsafe { (*self.0.as_ptr().cast::<KernelSkb>()).sk }.is_null() {
            return None;
        }
        let mut d = core::ptr::null_mut();
        // SAFETY: the skb is valid (type invariant); the shim reads the socket's TLS context under
        // the RCU read-side section `_rcu` proves.
        if !unsafe { bindings::rbond_skb_tls_device(self.0.as_ptr(), &mut d) } {
            return None;
        }
        // SAFETY: the TLS context's device is RCU-protected: valid for the section.
        Some((!d.is_null()).then(|| unsafe { NetDevice::from_raw(d) }))
    }

    /// Drops the frame the bond cannot send (`bond_tx_drop()`): counted in `dev`'s
    /// `tx_dropped`; returns `NET_XMIT_DROP`.
    pub(crate) fn drop_tx(self, dev: &NetDevice) -> TxStatus {
        let skb = core::mem::ManuallyDrop::new(self);
        // SAFETY: we own the skb (type invariant) and give it to the kernel, which frees it; the
        // ManuallyDrop keeps `Drop` from freeing it again. The device is valid.
        TxStatus(unsafe { bindings::rbond_tx_drop(dev.as_raw(), skb.0.as_ptr()) })
    }
}

/// The kernel's own layout of `struct sk_buff` (rbond's bindings keep it opaque), for the fields
/// the per-frame paths read or set themselves, as C's inline helpers do, rather than calling the
/// shim for each (a call and return cost a few percent of a frame in the TCG test guest).
pub(crate) type KernelSkb = kernel::bindings::sk_buff;

/// What a bond's transmit returns to the stack (`netdev_tx_t`): `NETDEV_TX_OK`, or what the
/// slave's `dev_queue_xmit()` returned (`NET_XMIT_DROP`, `NET_XMIT_CN` or a negative errno), or
/// the bond's own `NET_XMIT_DROP` when it had no slave to send by. bonding passes these on the
/// same way, so a sender learns of a frame dropped below it (pktgen counts an error and sends
/// another, TCP backs off, a socket with IP_RECVERR gets ENOBUFS). The frame is consumed in
/// every case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[must_use]
pub(crate) struct TxStatus(c_int);

impl TxStatus {
    /// `NETDEV_TX_OK` (`NET_XMIT_SUCCESS`)
    pub(crate) const OK: TxStatus = TxStatus(bindings::netdev_tx_NETDEV_TX_OK);

    /// The frame was taken (`NETDEV_TX_OK`).
    pub(crate) fn is_ok(self) -> bool {
        self == Self::OK
    }

    /// The value for `ndo_start_xmit`.
    pub(crate) fn raw(self) -> bindings::netdev_tx_t {
        self.0
    }
}

impl Drop for Skb {
    fn drop(&mut self) {
        // SAFETY: we own the skb by the type invariant; this is the one place it is freed.
        unsafe { bindings::rbond_skb_free(self.0.as_ptr()) }
    }
}

/// What a slave needs from a device, read or changed under RTNL.
impl NetDevice {
    /// `dev->flags` (READ_ONCE).
    pub(crate) fn flags(&self) -> u32 {
        // SAFETY: the device is valid by the type invariant.
        unsafe { bindings::rbond_dev_flags(self.as_raw()) }
    }

    /// Administratively up (`IFF_UP`).
    pub(crate) fn is_up(&self) -> bool {
        self.flags() & bindings::net_device_flags_IFF_UP != 0
    }

    /// A master device (`IFF_MASTER`): a bond, team or other aggregate.
    pub(crate) fn is_master(&self) -> bool {
        self.flags() & bindings::net_device_flags_IFF_MASTER != 0
    }

    /// A bond of bonding.ko (`netif_is_bond_master()`: `IFF_BONDING` on a master).
    pub(crate) fn is_c_bond_master(&self) -> bool {
        // SAFETY: the device is valid by the type invariant.
        unsafe { bindings::rbond_netif_is_bond_master(self.as_raw()) }
    }

    /// The loopback device.
    pub(crate) fn is_loopback(&self) -> bool {
        // SAFETY: the device is valid by the type invariant.
        unsafe { bindings::rbond_dev_is_loopback(self.as_raw()) }
    }

    /// The length of the device's address (`addr_len`: 6 for Ethernet, 4 for GRE, 0 for nlmon).
    pub(crate) fn addr_len(&self) -> usize {
        // SAFETY: the device is valid; `addr_len` changes only under RTNL (a type change), a
        // plain read of an unsigned char otherwise.
        usize::from(unsafe { core::ptr::read_volatile(&(*self.as_raw()).addr_len) })
    }

    /// The device's hardware type (`dev->type`, an `ARPHRD_*`).
    pub(crate) fn dev_type(&self) -> u32 {
        // SAFETY: the device is valid; `type` changes only under RTNL (through
        // NETDEV_PRE_TYPE_CHANGE), a plain read of an unsigned short otherwise.
        u32::from(unsafe { bindings::rbond_dev_type(self.as_raw()) })
    }

    /// The driver can change the device's address (`ndo_set_mac_address`).
    pub(crate) fn can_set_mac(&self) -> bool {
        // SAFETY: the device is valid; its netdev_ops are fixed while it is registered.
        unsafe { bindings::rbond_dev_can_set_mac(self.as_raw()) }
    }

    /// A master takes the type of its first slave `slave` (`bond_setup_by_slave()`, or
    /// `bond_ether_setup()` for an Ethernet one), announced by NETDEV_PRE/POST_TYPE_CHANGE; the
    /// error of a notifier that refuses it, nothing changed then. The master is closed and opened
    /// again if it is up and becomes non-Ethernet: the caller holds nothing its `ndo_stop` and
    /// `ndo_open` take.
    pub(crate) fn change_type(&self, _rtnl: &Rtnl, slave: &NetDevice) -> Result {
        // SAFETY: both devices are valid; RTNL is held as the notifiers, dev_close() and
        // dev_open() need.
        kernel::error::to_result(unsafe { bindings::rbond_change_type(self.as_raw(), slave.as_raw()) })
    }

    /// Makes a master that [`change_type`](Self::change_type) made non-Ethernet an Ethernet
    /// device again, closed (`bond_enslave()`'s error path); nothing if it is Ethernet.
    pub(crate) fn undo_type_change(&self, _rtnl: &Rtnl) {
        // SAFETY: the device is valid; RTNL is held as dev_close() needs.
        unsafe { bindings::rbond_undo_type_change(self.as_raw()) }
    }

    /// A master takes `slave`'s whole address, `addr_len` bytes (`bond_set_dev_addr()`), with
    /// the notifications; a notifier's refusal is the error, nothing changed then.
    pub(crate) fn steal_addr_of(&self, _rtnl: &Rtnl, slave: &NetDevice) -> Result {
        // SAFETY: both devices are valid; RTNL is held as the notifiers need.
        kernel::error::to_result(unsafe { bindings::rbond_dev_addr_steal(self.as_raw(), slave.as_raw()) })
    }

    /// Running with a carrier (`bond_slave_is_up()`).
    pub(crate) fn running_with_carrier(&self) -> bool {
        // SAFETY: the device is valid; both reads are plain bit tests that are safe anywhere.
        unsafe { bindings::rbond_netif_running_carrier_ok(self.as_raw()) }
    }

    /// A carrier change waits for linkwatch (`__LINK_STATE_LINKWATCH_PENDING`): after a
    /// carrier-on, the device's qdisc is not active yet and what it sends is dropped.
    pub(crate) fn linkwatch_pending(&self) -> bool {
        // SAFETY: the device is valid; a bit test, safe anywhere.
        unsafe { bindings::rbond_linkwatch_pending(self.as_raw()) }
    }

    /// Both devices are the same.
    pub(crate) fn same(&self, other: &NetDevice) -> bool {
        core::ptr::eq(self, other)
    }

    /// Both devices are in the same network namespace.
    pub(crate) fn same_netns(&self, other: &NetDevice, _rtnl: &Rtnl) -> bool {
        // SAFETY: both devices are valid; under RTNL their namespaces do not change.
        unsafe { bindings::rbond_dev_net_eq(self.as_raw(), other.as_raw()) }
    }

    /// The device's MAC address.
    pub(crate) fn addr(&self, _rtnl: &Rtnl) -> [u8; 6] {
        let mut a = [0u8; 6];
        // SAFETY: the device is valid; `a` has room for ETH_ALEN bytes; RTNL serializes changes.
        unsafe { bindings::rbond_dev_addr_get(self.as_raw(), a.as_mut_ptr()) };
        a
    }

    /// `addr_assign_type` (NET_ADDR_PERM, _RANDOM, _STOLEN, _SET).
    pub(crate) fn addr_assign_type(&self, _rtnl: &Rtnl) -> u8 {
        // SAFETY: the device is valid; RTNL serializes changes.
        unsafe { bindings::rbond_dev_addr_assign_type(self.as_raw()) }
    }

    /// Takes `addr` as the device's own address (a master taking its first slave's MAC), with the
    /// notifications `bond_set_dev_addr()` sends.
    pub(crate) fn take_addr(&self, _rtnl: &Rtnl, addr: &[u8; 6], assign_type: u8) -> Result {
        // SAFETY: the device is valid; `addr` holds ETH_ALEN bytes; RTNL is held as both calls need.
        unsafe {
            kernel::error::to_result(bindings::netif_pre_changeaddr_notify(
                self.as_raw(),
                addr.as_ptr().cast(),
                core::ptr::null_mut(),
            ))?;
            bindings::rbond_dev_addr_set(self.as_raw(), addr.as_ptr(), assign_type);
            bindings::call_netdevice_notifiers(bindings::netdev_cmd_NETDEV_CHANGEADDR as usize, self.as_raw());
        }
        Ok(())
    }

    /// Writes the device's own address (for a master's `ndo_set_mac_address`; the core then marks
    /// it as set by the user).
    pub(crate) fn set_addr(&self, _rtnl: &Rtnl, addr: &[u8; 6]) {
        // SAFETY: the device is valid; `addr` holds ETH_ALEN bytes; RTNL serializes changes.
        unsafe { bindings::rbond_dev_addr_set(self.as_raw(), addr.as_ptr(), bindings::NET_ADDR_SET as u8) }
    }

    /// Sets the MAC address through the device's driver (`dev_set_mac_address()`).
    pub(crate) fn set_mac(&self, _rtnl: &Rtnl, addr: &[u8; 6], extack: Option<&mut ExtAck<'_>>) -> Result {
        let ea = extack.map_or(core::ptr::null_mut(), |e| e.as_raw());
        // SAFETY: the device is valid; `addr` holds ETH_ALEN bytes; RTNL is held.
        kernel::error::to_result(unsafe { bindings::rbond_dev_set_mac(self.as_raw(), addr.as_ptr(), ea) })
    }

    /// Changes the MTU through the device's driver (`dev_set_mtu()`).
    pub(crate) fn change_mtu(&self, _rtnl: &Rtnl, mtu: u32) -> Result {
        let mtu = c_int::try_from(mtu).map_err(|_| EINVAL)?;
        // SAFETY: the device is valid; RTNL is held as dev_set_mtu() needs.
        kernel::error::to_result(unsafe { bindings::dev_set_mtu(self.as_raw(), mtu) })
    }

    /// Gives a leaving slave its MTU back while it or its master is being unregistered (a slave
    /// that moves to another namespace is unregistered from this one): `__netif_set_mtu()` under
    /// the device's instance lock, without `dev_set_mtu()`'s checks and notifications, as
    /// `__bond_release_one()` does then. Not from a notifier that holds the instance lock
    /// (NETDEV_UNREGISTER does not).
    pub(crate) fn restore_mtu_unregistering(&self, _rtnl: &Rtnl, mtu: u32) -> Result {
        let mtu = c_int::try_from(mtu).map_err(|_| EINVAL)?;
        // SAFETY: the device is valid; RTNL is held; the shim takes the device's instance lock
        // (if its ops need one), which the caller does not hold.
        kernel::error::to_result(unsafe { bindings::rbond_dev_restore_mtu_unregistering(self.as_raw(), mtu) })
    }

    /// Opens the device (`dev_open()`).
    pub(crate) fn open(&self, _rtnl: &Rtnl, extack: Option<&mut ExtAck<'_>>) -> Result {
        let ea = extack.map_or(core::ptr::null_mut(), |e| e.as_raw());
        // SAFETY: the device is valid; RTNL is held as dev_open() needs.
        kernel::error::to_result(unsafe { bindings::dev_open(self.as_raw(), ea) })
    }

    /// Closes the device (`dev_close()`).
    pub(crate) fn close(&self, _rtnl: &Rtnl) {
        // SAFETY: the device is valid; RTNL is held as dev_close() needs.
        unsafe { bindings::dev_close(self.as_raw()) }
    }

    /// Marks the device as a slave (IFF_SLAVE, no IPv6 autoconfiguration), or clears the marks.
    pub(crate) fn set_slave_flags(&self, _rtnl: &Rtnl, slave: bool) {
        // SAFETY: the device is valid; RTNL serializes flag changes.
        unsafe { bindings::rbond_dev_set_slave_flags(self.as_raw(), slave) }
    }

    /// An rx_handler (of a bridge, bond, team, macvlan...) is already attached.
    pub(crate) fn rx_handler_busy(&self, _rtnl: &Rtnl) -> bool {
        // SAFETY: the device is valid; RTNL is held as the function requires.
        unsafe { bindings::netdev_is_rx_handler_busy(self.as_raw()) }
    }

    /// Speed (Mb/s) and duplex (`DUPLEX_FULL` 1, `DUPLEX_HALF` 0) as the driver reports them.
    /// `event`: the netdevice event of this device being handled, if any; during one that runs
    /// under the device's instance lock the lock is not taken again (it is otherwise, as
    /// `bond_update_speed_duplex()`'s callers do).
    pub(crate) fn speed_duplex(&self, _rtnl: &Rtnl, event: Option<NetdevEvent>) -> Option<(u32, u8)> {
        let (mut speed, mut duplex) = (0u32, 0u8);
        let locked = event.is_some_and(NetdevEvent::under_ops_lock);
        // SAFETY: the device is valid; RTNL is held; with `locked` the notifier holds the
        // device's instance lock (if its ops need one) for the event this call handles, which
        // netif_get_link_ksettings() requires; otherwise the shim takes it.
        let r = unsafe { bindings::rbond_dev_speed_duplex(self.as_raw(), &mut speed, &mut duplex, locked) };
        (r == 0).then_some((speed, duplex))
    }

    /// Links `self` below `master` (`netdev_master_upper_dev_link()`); `ip link` shows the master.
    /// `lag`: the `netdev_lag_upper_info` (tx_type, hash_type) the NETDEV_CHANGEUPPER tells.
    pub(crate) fn link_master(&self, _rtnl: &Rtnl, master: &NetDevice, lag: (u32, u32), extack: Option<&mut ExtAck<'_>>) -> Result {
        let ea = extack.map_or(core::ptr::null_mut(), |e| e.as_raw());
        // SAFETY: both devices are valid; RTNL is held as the function requires.
        kernel::error::to_result(unsafe { bindings::rbond_master_upper_dev_link(self.as_raw(), master.as_raw(), lag.0, lag.1, ea) })
    }

    /// Whether netpoll (netconsole) uses this device (`dev->npinfo`).
    pub(crate) fn netpoll_in_use(&self, _rtnl: &Rtnl) -> bool {
        // SAFETY: the device is valid; npinfo changes under RTNL only.
        unsafe { bindings::rbond_netpoll_in_use(self.as_raw()) }
    }

    /// `netpoll_poll_dev()`: lets the device's driver handle what it has, from netpoll.
    pub(crate) fn netpoll_poll(&self) {
        // SAFETY: the device is valid; called from ndo_poll_controller (netpoll's context).
        unsafe { bindings::rbond_netpoll_poll_dev(self.as_raw()) }
    }

    /// NETDEV_CHANGELOWERSTATE of this lower device (`netdev_lower_state_changed()`).
    pub(crate) fn lower_state_changed(&self, _rtnl: &Rtnl, link_up: bool, tx_enabled: bool) {
        // SAFETY: the device is valid; RTNL is held as the function requires.
        unsafe { bindings::rbond_lower_state_changed(self.as_raw(), link_up, tx_enabled) }
    }

    /// Undoes [`NetDevice::link_master`].
    pub(crate) fn unlink_master(&self, _rtnl: &Rtnl, master: &NetDevice) {
        // SAFETY: both devices are valid and linked; RTNL is held.
        unsafe { bindings::netdev_upper_dev_unlink(self.as_raw(), master.as_raw()) }
    }

}

/// The netdevice events a bond sends about itself or a slave (see [`NetDevice::notify`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notify {
    /// NETDEV_CHANGEADDR: the device's MAC changed (an RTM_NEWLINK)
    ChangeAddr,
    /// NETDEV_RELEASE: a master released its last slave (netconsole stops on it)
    Release,
    /// NETDEV_JOIN: a device is being enslaved (netconsole stops on it)
    Join,
    /// NETDEV_CHANGEINFODATA: a master's options changed (an RTM_NEWLINK)
    ChangeInfoData,
    /// NETDEV_BONDING_FAILOVER: an active-backup bond changed its active slave (an RTM_NEWLINK;
    /// VLANs, macvlans and ipvlans over the bond pass it on, RDMA listens to it)
    BondingFailover,
    /// NETDEV_RESEND_IGMP: the IPv4 and IPv6 stacks send the device's multicast memberships
    /// again (IGMP and MLD reports), so that a snooping switch learns the new path
    ResendIgmp,
}

/// The protocol of a VLAN filter entry (`__be16 proto` of `ndo_vlan_rx_add_vid()`: 802.1Q or
/// 802.1ad), kept as the core gives it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct VlanProto(pub(crate) u16);

/// A slave's netpoll (C's `slave->np`), set up while netpoll (netconsole) uses the bond, so that
/// frames the bond sends in netpoll context go out through it.
///
/// # Invariants
///
/// Null, or a `struct netpoll` that `rbond_netpoll_enable` set up on the slave and that only
/// [`Netpoll::disable`] frees (under RTNL; `__netpoll_free()` waits for a grace period first).
pub(crate) struct Netpoll(AtomicPtr<bindings::netpoll>);

impl Netpoll {
    pub(crate) const fn new() -> Self {
        Netpoll(AtomicPtr::new(core::ptr::null_mut()))
    }

    /// Whether the slave has one.
    pub(crate) fn is_enabled(&self) -> bool {
        !self.0.load(Ordering::Relaxed).is_null()
    }

    /// `slave_enable_netpoll()`: sets one up on `dev`; an error if the device cannot do netpoll.
    pub(crate) fn enable(&self, dev: &NetDevice, _rtnl: &Rtnl) -> Result {
        if self.is_enabled() {
            return Ok(());
        }
        let mut err = 0;
        // SAFETY: the device is valid; RTNL is held as __netpoll_setup() requires.
        let np = unsafe { bindings::rbond_netpoll_enable(dev.as_raw(), &mut err) };
        if np.is_null() {
            return Err(Error::from_errno(err));
        }
        // INVARIANT: set up just now on the slave.
        self.0.store(np, Ordering::Release);
        Ok(())
    }

    /// `slave_disable_netpoll()`: frees it, once the senders that may still use it are done.
    pub(crate) fn disable(&self, _rtnl: &Rtnl) {
        let np = self.0.swap(core::ptr::null_mut(), Ordering::AcqRel);
        if !np.is_null() {
            // SAFETY: set up by `enable` and taken out above, so freed once; RTNL is held, and
            // __netpoll_free() waits for the transmit paths that read it (synchronize_net()).
            unsafe { bindings::rbond_netpoll_free(np) };
        }
    }
}

/// A counted reference to a network device (`dev_hold()` / `dev_put()`).
///
/// # Invariants
///
/// Holds one reference on a valid device, so the device stays allocated while this lives.
pub(crate) struct DevRef(NonNull<bindings::net_device>);

// SAFETY: a device reference may be dropped on any CPU (dev_put is atomic).
unsafe impl Send for DevRef {}
// SAFETY: `&DevRef` only gives `&NetDevice`, whose methods are safe from any thread.
unsafe impl Sync for DevRef {}

impl DevRef {
    /// Takes a reference on `dev` (valid for the borrow, by `NetDevice`'s invariant).
    pub(crate) fn of(dev: &NetDevice) -> DevRef {
        // SAFETY: the device is valid by the type invariant of `NetDevice`.
        unsafe { bindings::rbond_dev_hold(dev.as_raw()) };
        // INVARIANT: we hold the reference just taken.
        DevRef(NonNull::new(dev.as_raw()).expect("a reference is never null"))
    }

    /// Owns a reference the caller took on `dev` (`dev_hold()`).
    ///
    /// # Safety
    ///
    /// `dev` is a valid device on which the caller holds a reference that it gives to the
    /// returned value.
    pub(crate) unsafe fn adopt(dev: NonNull<bindings::net_device>) -> DevRef {
        // INVARIANT: the reference is the caller's, given to us.
        DevRef(dev)
    }

    /// Gives the reference to C code, which puts it (`dev_put()`).
    pub(crate) fn into_raw(self) -> *mut bindings::net_device {
        let raw = self.0.as_ptr();
        core::mem::forget(self);
        raw
    }
}

impl core::ops::Deref for DevRef {
    type Target = NetDevice;
    fn deref(&self) -> &NetDevice {
        // SAFETY: the reference keeps the device valid (type invariant).
        unsafe { NetDevice::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for DevRef {
    fn drop(&mut self) {
        // SAFETY: we hold one reference by the type invariant and give it back once.
        unsafe { bindings::rbond_dev_put(self.0.as_ptr()) }
    }
}

/// A socket the stack asks a bond about (`ndo_sk_get_lower_dev`).
///
/// # Invariants
///
/// Wraps a valid `struct sock` for the borrow.
#[repr(transparent)]
pub(crate) struct Sock(Opaque<bindings::sock>);

impl Sock {
    /// # Safety
    ///
    /// `ptr` must point to a valid socket for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::sock) -> &'a Sock {
        // SAFETY: transparent wrapper; validity is the caller's guarantee.
        unsafe { &*ptr.cast::<Sock>() }
    }

    /// `bond_sk_to_flow()`'s keys as `bond_sk_hash_l34()` reads them: the ports as one native
    /// u32, the source and destination addresses as `flow_get_u32_src()`/`_dst()` give them.
    pub(crate) fn flow(&self) -> (u32, u32, u32) {
        let (mut ports, mut src, mut dst) = (0u32, 0u32, 0u32);
        // SAFETY: the socket is valid (type invariant); the three places are writable.
        unsafe { bindings::rbond_sk_flow(self.0.get(), &mut ports, &mut src, &mut dst) };
        (ports, src, dst)
    }
}

impl NetDevice {
    /// bond_setup()'s ESP offload features: offered (`hw_features`), on when the bond starts in
    /// active-backup. Before registration (`ndo_init`).
    pub(crate) fn xfrm_features_init(&self, _rtnl: &Rtnl, active_backup: bool) {
        // SAFETY: the device is valid; RTNL held, the device not yet visible to feature changes.
        unsafe { bindings::rbond_xfrm_features_init(self.as_raw(), active_backup) }
    }

    /// `bond_set_xfrm_features()` then `netdev_update_features()`: ESP offload wanted in
    /// active-backup only (the mode changed).
    pub(crate) fn xfrm_features_mode(&self, _rtnl: &Rtnl, active_backup: bool) {
        // SAFETY: the device is valid and registered; RTNL held as netdev_update_features() needs.
        unsafe { bindings::rbond_xfrm_features_mode(self.as_raw(), active_backup) }
    }
}

/// Number of counters of `struct rtnl_link_stats64`, all u64 (the logic tier folds them).
pub(crate) use crate::logic::stats::STATS_LEN;
const _: () = assert!(core::mem::size_of::<bindings::rtnl_link_stats64>() == STATS_LEN * 8);

/// `with_stats_fields!(m)`: `m!(rx_packets, tx_packets, ...)` with every field of
/// `rtnl_link_stats64` in the struct's order (a new field fails the size assertion above until it
/// is listed here).
macro_rules! with_stats_fields {
    ($m:ident) => {
        $m!(rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors, rx_dropped, tx_dropped,
            multicast, collisions, rx_length_errors, rx_over_errors, rx_crc_errors, rx_frame_errors,
            rx_fifo_errors, rx_missed_errors, tx_aborted_errors, tx_carrier_errors, tx_fifo_errors,
            tx_heartbeat_errors, tx_window_errors, rx_compressed, tx_compressed, rx_nohandler,
            rx_otherhost_dropped)
    };
}

/// The 64-bit counters `ndo_get_stats64` fills.
///
/// # Invariants
///
/// Wraps a valid `struct rtnl_link_stats64`.
#[repr(transparent)]
pub(crate) struct Stats64(bindings::rtnl_link_stats64);

impl Stats64 {
    /// # Safety
    ///
    /// `ptr` must be valid and not accessed by anyone else for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::rtnl_link_stats64) -> &'a mut Stats64 {
        // SAFETY: transparent wrapper; exclusivity and validity guaranteed by the caller.
        unsafe { &mut *ptr.cast::<Stats64>() }
    }

    /// All counters zero.
    pub(crate) fn zeroed() -> Stats64 {
        // SAFETY: the struct is plain u64 counters: all zeroes is valid.
        Stats64(unsafe { core::mem::zeroed() })
    }

    /// The counters as an array, in the struct's order (`bond_fold_stats()` walks the struct as
    /// an array of u64).
    pub(crate) fn to_array(&self) -> [u64; STATS_LEN] {
        let s = &self.0;
        macro_rules! arr {
            ($($f:ident),*) => { [$(s.$f),*] };
        }
        with_stats_fields!(arr)
    }

    /// Counters from an array in the struct's order.
    pub(crate) fn from_array(a: &[u64; STATS_LEN]) -> Stats64 {
        let mut out = Stats64::zeroed();
        let o = &mut out.0;
        let mut it = a.iter().copied();
        macro_rules! set {
            ($($f:ident),*) => { $( o.$f = it.next().unwrap_or(0); )* };
        }
        with_stats_fields!(set);
        out
    }
}

impl NetDevice {
    /// The device's counters (`dev_get_stats()`).
    pub(crate) fn stats(&self, out: &mut Stats64) {
        // SAFETY: the device is valid; `out` is a valid, exclusive stats struct.
        unsafe { bindings::dev_get_stats(self.as_raw(), &mut out.0) };
    }

    /// Registered, and not being unregistered (`reg_state == NETREG_REGISTERED`).
    pub(crate) fn is_registered(&self, _rtnl: &Rtnl) -> bool {
        // SAFETY: the device is valid; RTNL serializes changes of the registration state.
        unsafe { bindings::rbond_dev_is_registered(self.as_raw()) }
    }

    /// Tells the netdevice notifier chain (and, through it, rtnetlink's listeners for the events
    /// that make an RTM_NEWLINK) about `self` (`call_netdevice_notifiers()`).
    pub(crate) fn notify(&self, _rtnl: &Rtnl, ev: Notify) {
        let ev = match ev {
            Notify::ChangeAddr => bindings::netdev_cmd_NETDEV_CHANGEADDR,
            Notify::Release => bindings::netdev_cmd_NETDEV_RELEASE,
            Notify::Join => bindings::netdev_cmd_NETDEV_JOIN,
            Notify::ChangeInfoData => bindings::netdev_cmd_NETDEV_CHANGEINFODATA,
            Notify::BondingFailover => bindings::netdev_cmd_NETDEV_BONDING_FAILOVER,
            Notify::ResendIgmp => bindings::netdev_cmd_NETDEV_RESEND_IGMP,
        };
        // SAFETY: the device is valid; RTNL is held as call_netdevice_notifiers() needs.
        unsafe { bindings::call_netdevice_notifiers(ev as usize, self.as_raw()) };
    }

    /// `vlan_vid_add()`: the device receives VLAN `vid` of `proto` (a device that filters VLANs
    /// in hardware gets the entry; one that does not ignores it).
    pub(crate) fn vlan_vid_add(&self, _rtnl: &Rtnl, proto: VlanProto, vid: u16) -> Result {
        // SAFETY: the device is valid; RTNL is held as vlan_vid_add() requires.
        kernel::error::to_result(unsafe { bindings::vlan_vid_add(self.as_raw(), proto.0, vid) })
    }

    /// `vlan_vid_del()`: the inverse of [`Self::vlan_vid_add`] (the entries are counted).
    pub(crate) fn vlan_vid_del(&self, _rtnl: &Rtnl, proto: VlanProto, vid: u16) {
        // SAFETY: the device is valid; RTNL is held as vlan_vid_del() requires.
        unsafe { bindings::vlan_vid_del(self.as_raw(), proto.0, vid) }
    }

    /// `vlan_vids_add_by_dev()`: every VLAN filter entry of `by` (a master) is added to `self`;
    /// all or none.
    pub(crate) fn vlan_vids_add_by_dev(&self, _rtnl: &Rtnl, by: &NetDevice) -> Result {
        // SAFETY: both devices are valid; RTNL is held as vlan_vids_add_by_dev() requires.
        kernel::error::to_result(unsafe { bindings::vlan_vids_add_by_dev(self.as_raw(), by.as_raw()) })
    }

    /// `vlan_vids_del_by_dev()`: the inverse of [`Self::vlan_vids_add_by_dev`].
    pub(crate) fn vlan_vids_del_by_dev(&self, _rtnl: &Rtnl, by: &NetDevice) {
        // SAFETY: both devices are valid; RTNL is held as vlan_vids_del_by_dev() requires.
        unsafe { bindings::vlan_vids_del_by_dev(self.as_raw(), by.as_raw()) }
    }

    /// Asks the IP stacks to announce the device's addresses (gratuitous ARP, unsolicited NA).
    pub(crate) fn notify_peers(&self, _rtnl: &Rtnl) {
        // SAFETY: the device is valid; RTNL is held as call_netdevice_notifiers() needs.
        unsafe { bindings::rbond_notify_peers(self.as_raw()) }
    }

    /// `dev_set_promiscuity(dev, inc)`
    pub(crate) fn set_promiscuity(&self, _rtnl: &Rtnl, inc: i32) -> Result {
        // SAFETY: the device is valid; RTNL is held as the function requires.
        kernel::error::to_result(unsafe { bindings::dev_set_promiscuity(self.as_raw(), inc) })
    }

    /// `dev_set_allmulti(dev, inc)`
    pub(crate) fn set_allmulti(&self, _rtnl: &Rtnl, inc: i32) -> Result {
        // SAFETY: the device is valid; RTNL is held as the function requires.
        kernel::error::to_result(unsafe { bindings::dev_set_allmulti(self.as_raw(), inc) })
    }

    /// Copies `master`'s unicast and multicast address lists onto `self` (taking the master's
    /// address lock); `multiple` when several slaves share them.
    pub(crate) fn sync_addrs_from(&self, _rtnl: &Rtnl, master: &NetDevice, multiple: bool) {
        // SAFETY: both devices are valid; the shim takes the master's address lock.
        unsafe { bindings::rbond_addr_sync(self.as_raw(), master.as_raw(), multiple) }
    }

    /// The same from `ndo_set_rx_mode`, where the master's address lock is already held.
    pub(crate) fn sync_addrs_from_locked(&self, master: &NetDevice, _lock: &AddrLock, multiple: bool) {
        // SAFETY: both devices are valid; `_lock` proves the master's address lock is held.
        unsafe { bindings::rbond_addr_sync_locked(self.as_raw(), master.as_raw(), multiple) }
    }

    /// Removes what `sync_addrs_from` added (`bond_hw_addr_flush()`).
    pub(crate) fn unsync_addrs_from(&self, _rtnl: &Rtnl, master: &NetDevice) {
        // SAFETY: both devices are valid; RTNL is held; the unsync functions lock by themselves.
        unsafe { bindings::rbond_addr_unsync(self.as_raw(), master.as_raw()) }
    }

    /// Recomputes a master's features, header room and TSO limits from its lower devices
    /// (`netdev_compute_master_upper_features()`), then its features (ndo_fix_features).
    pub(crate) fn compute_upper_features(&self, _rtnl: &Rtnl) {
        // SAFETY: the device is valid and registered; RTNL is held as the function requires.
        unsafe { bindings::netdev_compute_master_upper_features(self.as_raw(), true) }
    }

    /// Turns the carrier on.
    /// Sends a Slow Protocols frame (`ad_lacpdu_send()`): to 01:80:c2:00:00:02 from `src`, the
    /// payload `pdu`, at control priority. Process context.
    pub(crate) fn send_slow(&self, src: &[u8; 6], pdu: &[u8]) -> Result {
        // SAFETY: the device is valid (a reference or RTNL keeps it); the shim copies `pdu` and
        // `src` into a new skb.
        kernel::error::to_result(unsafe { bindings::rbond_send_slow(self.as_raw(), src.as_ptr(), pdu.as_ptr(), pdu.len() as u32) })
    }

    /// Adds (`add`) or removes a reference to the multicast address `addr` on the device
    /// (`dev_mc_add()` / `dev_mc_del()`).
    pub(crate) fn mc(&self, _rtnl: &Rtnl, addr: &[u8; 6], add: bool) {
        // SAFETY: valid device under RTNL; the core copies the address.
        unsafe {
            if add {
                let _ = bindings::dev_mc_add(self.as_raw(), addr.as_ptr());
            } else {
                let _ = bindings::dev_mc_del(self.as_raw(), addr.as_ptr());
            }
        }
    }

    pub(crate) fn carrier_on(&self) {
        // SAFETY: the device is valid; netif_carrier_on() may be called in any context.
        unsafe { bindings::netif_carrier_on(self.as_raw()) }
    }

    /// The device has a carrier.
    pub(crate) fn carrier_ok(&self) -> bool {
        // SAFETY: the device is valid; a bit test.
        unsafe { bindings::rbond_netif_carrier_ok(self.as_raw()) }
    }
}

impl Clone for Stats64 {
    fn clone(&self) -> Self {
        Stats64(self.0)
    }
}

/// A device's name for the kernel log, as `netdev_printk()` writes it (see `NetDevice::log_name`).
pub(crate) struct LogName<'a> {
    name: &'a CStr,
    state: &'a CStr,
}

impl kernel::fmt::Display for LogName<'_> {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        kernel::fmt::Display::fmt(self.name, f)?;
        kernel::fmt::Display::fmt(self.state, f)
    }
}

/// A device name copied out of the device.
pub(crate) struct NameBuf<'a>(&'a str);

impl core::ops::Deref for NameBuf<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

/// Proof that the current context holds a master's address lock (`netif_addr_lock_bh`), as in
/// `ndo_set_rx_mode`.
pub(crate) struct AddrLock {
    _p: core::marker::PhantomData<*mut ()>,
}

impl AddrLock {
    /// # Safety
    ///
    /// The caller must hold the master's address lock for the value's lifetime.
    pub(crate) unsafe fn assume() -> AddrLock {
        AddrLock { _p: core::marker::PhantomData }
    }
}

/// Hardware types (`dev->type`) bonding treats apart: Ethernet.
pub(crate) const ARPHRD_ETHER: u32 = bindings::ARPHRD_ETHER;
/// see [`ARPHRD_ETHER`]: IPoIB, active-backup only
pub(crate) const ARPHRD_INFINIBAND: u32 = bindings::ARPHRD_INFINIBAND;
/// see [`ARPHRD_ETHER`]: CAN, never enslaved
pub(crate) const ARPHRD_CAN: u32 = bindings::ARPHRD_CAN;
/// `IFF_PROMISC` and `IFF_ALLMULTI` changes (`ndo_change_rx_flags`).
pub(crate) const FLAG_PROMISC: u32 = bindings::net_device_flags_IFF_PROMISC;
/// see [`FLAG_PROMISC`]
pub(crate) const FLAG_ALLMULTI: u32 = bindings::net_device_flags_IFF_ALLMULTI;
/// `IFF_MULTICAST`
pub(crate) const FLAG_MULTICAST: u32 = bindings::net_device_flags_IFF_MULTICAST;

/// A random locally administered unicast MAC (`eth_random_addr()`).
pub(crate) fn random_mac() -> [u8; 6] {
    let mut m = [0u8; 6];
    // SAFETY: `m` has room for ETH_ALEN bytes.
    unsafe { bindings::rbond_random_mac(m.as_mut_ptr()) };
    m
}

/// A network namespace.
///
/// # Invariants
///
/// Wraps a live `struct net` for the borrow.
#[repr(transparent)]
pub(crate) struct NetNs(Opaque<bindings::net>);

impl NetNs {
    /// # Safety
    ///
    /// `net` must be a live namespace for `'a`.
    pub(crate) unsafe fn from_raw<'a>(net: *mut bindings::net) -> &'a NetNs {
        // SAFETY: transparent wrapper; validity by the caller.
        unsafe { &*net.cast::<NetNs>() }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::net {
        self.0.get()
    }

    /// Calls `f` for every device of the namespace, under RCU.
    pub(crate) fn for_each_dev<F: FnMut(&NetDevice)>(&self, mut f: F) {
        /// # Safety
        ///
        /// `ctx` must be a `&mut G` alive for the call and `dev` a device valid for it.
        unsafe extern "C" fn cb<G: FnMut(&NetDevice)>(ctx: *mut c_void, dev: *mut bindings::net_device) {
            // SAFETY: `ctx` is the `&mut G` below, alive for the iteration; `dev` is a device of the
            // list, valid under the RCU read lock the shim holds.
            unsafe { (*ctx.cast::<G>())(NetDevice::from_raw(dev)) }
        }
        // SAFETY: the namespace is live; the callback gets `f` back as its context.
        unsafe { bindings::rbond_for_each_netdev_rcu(self.as_raw(), Some(cb::<F>), core::ptr::from_mut(&mut f).cast()) }
    }

    /// Looks a device up by name and takes a reference on it.
    pub(crate) fn get_by_name(&self, _rtnl: &Rtnl, name: &CStr) -> Option<DevRef> {
        // SAFETY: the namespace is live; under RTNL its device list is stable.
        let d = unsafe { bindings::__dev_get_by_name(self.as_raw(), name.as_char_ptr().cast()) };
        // SAFETY: a device found under RTNL is valid while RTNL is held; we take a reference.
        (!d.is_null()).then(|| DevRef::of(unsafe { NetDevice::from_raw(d) }))
    }
}

impl NetDevice {
    /// Unregisters the device (`unregister_netdevice()`), as `ip link del` does.
    pub(crate) fn unregister(&self, _rtnl: &Rtnl) {
        // SAFETY: the device is valid and registered; RTNL is held as the function requires.
        unsafe { bindings::rbond_unregister_netdevice(self.as_raw()) }
    }
}

/// A counted reference to a BPF program (`bpf_prog_inc()` / `bpf_prog_put()`): the XDP program
/// of a bond.
///
/// # Invariants
///
/// Holds one reference on a valid program, so the program stays loaded while this lives.
pub(crate) struct BpfProg(NonNull<bindings::bpf_prog>);

// SAFETY: a program reference may be put on any CPU (bpf_prog_put defers the freeing).
unsafe impl Send for BpfProg {}
// SAFETY: `&BpfProg` only allows taking another reference, which is atomic.
unsafe impl Sync for BpfProg {}

impl BpfProg {
    /// Owns the reference the caller gives with `prog` (`ndo_bpf`'s: "moved into the driver");
    /// `None` for a null pointer (no program).
    ///
    /// # Safety
    ///
    /// `prog` is null or a valid program on which the caller holds a reference that it gives to
    /// the returned value.
    pub(crate) unsafe fn adopt(prog: *mut bindings::bpf_prog) -> Option<BpfProg> {
        // INVARIANT: the reference is the caller's, given to us.
        NonNull::new(prog).map(BpfProg)
    }

    /// Another reference on the same program.
    pub(crate) fn clone_ref(&self) -> BpfProg {
        // SAFETY: the program is valid (type invariant); the new reference is the returned value's.
        unsafe { bindings::rbond_bpf_prog_inc(self.0.as_ptr()) };
        BpfProg(self.0)
    }

    /// Gives the reference back, unused, to the caller it was adopted from: a failed `ndo_bpf`
    /// keeps nothing (dev_xdp_install() puts the reference it took for the driver, and
    /// dev_xdp_propagate() took none).
    pub(crate) fn give_back(self) {
        let _ = self.into_raw();
    }

    /// Gives the reference to C code that keeps it.
    fn into_raw(self) -> *mut bindings::bpf_prog {
        let raw = self.0.as_ptr();
        core::mem::forget(self);
        raw
    }
}

impl Drop for BpfProg {
    fn drop(&mut self) {
        // SAFETY: we hold one reference by the type invariant and give it back once.
        unsafe { bindings::rbond_bpf_prog_put(self.0.as_ptr()) }
    }
}

/// The `NETDEV_XDP_ACT_*` bits every device could offer (`NETDEV_XDP_ACT_MASK`).
pub(crate) fn xdp_features_all() -> u64 {
    // SAFETY: returns a constant.
    unsafe { bindings::rbond_xdp_features_all() }
}

impl NetDevice {
    /// The device runs native XDP programs and sends XDP frames (`ndo_bpf` and `ndo_xdp_xmit`).
    pub(crate) fn xdp_capable(&self) -> bool {
        // SAFETY: the device is valid; its ops table lives as long as it.
        unsafe { bindings::rbond_dev_xdp_capable(self.as_raw()) }
    }

    /// XDP programs attached to the device itself (`dev_xdp_prog_count()`).
    pub(crate) fn xdp_prog_count(&self, _rtnl: &Rtnl) -> i32 {
        // SAFETY: the device is valid; RTNL is held, under which its XDP state changes.
        unsafe { bindings::rbond_dev_xdp_prog_count(self.as_raw()) }
    }

    /// Installs `prog` (None: removes the one installed) as the device's native XDP program, as
    /// a master propagates its own (`dev_xdp_propagate()`); the device keeps the reference on
    /// success, it is put on failure.
    pub(crate) fn xdp_propagate(&self, rtnl: &Rtnl, prog: Option<BpfProg>, extack: Option<&mut ExtAck<'_>>) -> Result {
        let _ = rtnl;
        let ea = extack.map_or(core::ptr::null_mut(), |e| e.as_raw());
        let raw = prog.map_or(core::ptr::null_mut(), BpfProg::into_raw);
        // SAFETY: the device is valid; RTNL is held as dev_xdp_propagate() needs; `raw` is null or
        // a program with a reference that the device's ndo_bpf takes on success.
        let r = unsafe { bindings::rbond_dev_xdp_propagate(self.as_raw(), raw, ea) };
        if r < 0 {
            // SAFETY: on failure the reference given above is still ours; `adopt` takes it back.
            drop(unsafe { BpfProg::adopt(raw) });
        }
        kernel::error::to_result(r)
    }

    /// The XDP features the device offers (`dev->xdp_features`, `NETDEV_XDP_ACT_*`).
    pub(crate) fn xdp_features(&self, _rtnl: &Rtnl) -> u64 {
        // SAFETY: the device is valid; RTNL is held, so the value is stable enough to read.
        unsafe { bindings::rbond_dev_xdp_features(self.as_raw()) }
    }

    /// Sets the XDP features the device offers (`xdp_set_features_flag()`; AF_XDP zero-copy is
    /// never offered); listeners get NETDEV_XDP_FEAT_CHANGE when they change.
    pub(crate) fn set_xdp_features(&self, _rtnl: &Rtnl, val: u64) {
        // SAFETY: the device is valid; RTNL is held; the shim takes the device's instance lock.
        unsafe { bindings::rbond_dev_set_xdp_features(self.as_raw(), val) }
    }

    /// The kernel's flow dissector over a linear frame `data` (an XDP frame, no skb) whose
    /// EtherType is `proto` and network header at `nhoff`, for the encap hash policies.
    pub(crate) fn dissect_data(&self, data: &[u8], proto: u16, nhoff: usize) -> Option<crate::logic::hash::DissectedFlow> {
        let (Ok(nh), Ok(hlen)) = (c_int::try_from(nhoff), c_int::try_from(data.len())) else { return None };
        let mut w = [0u32; 4];
        // SAFETY: the device is valid; `data` is readable for `hlen` bytes, which bounds the
        // dissector; `w` has room for the four words.
        let ok = unsafe { bindings::rbond_data_flow_dissect(self.as_raw(), data.as_ptr(), proto, nh, hlen, w.as_mut_ptr()) };
        ok.then_some(crate::logic::hash::DissectedFlow { src: w[0], dst: w[1], ports: w[2], icmp: w[3] })
    }
}
