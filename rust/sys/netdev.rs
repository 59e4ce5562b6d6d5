// SPDX-License-Identifier: GPL-2.0
//! `struct net_device`, `struct sk_buff` and `struct rtnl_link_stats64`, wrapped.

use super::bindings;
use super::rtnl::Rtnl;
use core::ptr::NonNull;
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
}

/// A socket buffer we own.
///
/// # Invariants
///
/// Holds the one reference the transmit path handed over to us; it is freed exactly once, by
/// [`Skb::drop_tx`] or by `Drop`.
pub(crate) struct Skb(NonNull<bindings::sk_buff>);

impl Skb {
    /// # Safety
    ///
    /// `ptr` must be a valid skb whose reference the caller gives to the returned `Skb`.
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::sk_buff) -> Option<Skb> {
        // INVARIANT: ownership is transferred by the caller.
        NonNull::new(ptr).map(Skb)
    }

    /// Drops a frame the device could not send, counting it in `tx_dropped` (`bond_tx_drop()`).
    pub(crate) fn drop_tx(self, dev: &NetDevice) {
        let skb = core::mem::ManuallyDrop::new(self);
        // SAFETY: we own the skb (type invariant) and give it to the kernel, which frees it; the
        // ManuallyDrop keeps `Drop` from freeing it again. The device is valid.
        unsafe { bindings::rbond_tx_drop(dev.as_raw(), skb.0.as_ptr()) }
    }
}

impl Drop for Skb {
    fn drop(&mut self) {
        // SAFETY: we own the skb by the type invariant; this is the one place it is freed.
        unsafe { bindings::rbond_skb_free(self.0.as_ptr()) }
    }
}
