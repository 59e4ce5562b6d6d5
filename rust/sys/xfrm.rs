// SPDX-License-Identifier: GPL-2.0
//! IPsec offload through a master (`xfrmdev_ops`): the security associations (`struct
//! xfrm_state`) that the xfrm core offloads to the bond, the slave drivers' offload operations,
//! and the bond's list of offloaded states (bonding's `ipsec_list` under `ipsec_lock`).
//!
//! A state offloaded to the bond has `xso.dev` = the bond (the state holds a reference on it) and
//! `xso.real_dev` = the slave that really holds it, or null while it is on none. The bond sets
//! `real_dev` when a slave takes the state and clears it (under the state's lock and the list's
//! lock) before that slave stops being the active one, which it always is before it leaves the
//! bond: so a non-null `real_dev` is a slave of the bond, alive, as bonding relies on.

use super::bindings;
use super::netdev::{DevRef, NetDevice};
use super::netlink::ExtAck;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::sync::Mutex;
use kernel::types::Opaque;

/// An xfrm state offloaded (or being offloaded) to a bond.
///
/// # Invariants
///
/// Wraps a valid `struct xfrm_state` that stays allocated for the borrow: the xfrm core hands it
/// to a callback of ours, or it is in an [`XfrmList`] (which the core's `xdo_dev_state_free`
/// empties of it before it frees the state).
#[repr(transparent)]
pub(crate) struct XfrmState(Opaque<bindings::xfrm_state>);

impl XfrmState {
    /// # Safety
    ///
    /// `ptr` must point to a valid `xfrm_state` that stays allocated for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::xfrm_state) -> &'a XfrmState {
        // SAFETY: transparent wrapper; validity for 'a is the caller's guarantee.
        unsafe { &*ptr.cast::<XfrmState>() }
    }

    fn as_raw(&self) -> *mut bindings::xfrm_state {
        self.0.get()
    }

    /// `xso.dev`: the device the state was offloaded to (the bond), if any.
    pub(crate) fn dev(&self) -> Option<&NetDevice> {
        // SAFETY: the state is valid (type invariant); `xso.dev` holds a reference on the device
        // for as long as it is set, which outlasts the state's offload callbacks.
        unsafe {
            let d = bindings::rbond_xs_dev(self.as_raw());
            (!d.is_null()).then(|| NetDevice::from_raw(d))
        }
    }

    /// Whether `xso.real_dev` is set.
    pub(crate) fn has_real_dev(&self) -> bool {
        // SAFETY: the state is valid; the pointer is only compared.
        !unsafe { bindings::rbond_xs_real_dev(self.as_raw()) }.is_null()
    }

    /// Whether `xso.real_dev` is `dev`.
    pub(crate) fn real_dev_is(&self, dev: &NetDevice) -> bool {
        // SAFETY: the state is valid; the pointer is only compared.
        core::ptr::eq(unsafe { bindings::rbond_xs_real_dev(self.as_raw()) }, dev.as_raw())
    }

    /// `xso.real_dev`, the slave that holds the state.
    pub(crate) fn real_dev(&self) -> Option<&NetDevice> {
        // SAFETY: the state is valid; a non-null `real_dev` is a slave of the bond, alive until the
        // bond clears it (module documentation).
        unsafe {
            let d = bindings::rbond_xs_real_dev(self.as_raw());
            (!d.is_null()).then(|| NetDevice::from_raw(d))
        }
    }

    /// Sets `xso.real_dev` (the list's lock held: the proof).
    pub(crate) fn set_real_dev(&self, dev: Option<&NetDevice>, _list: &XfrmListGuard<'_>) {
        let d = dev.map_or(core::ptr::null_mut(), NetDevice::as_raw);
        // SAFETY: the state is valid; writers of `real_dev` hold the bond's list lock.
        unsafe { bindings::rbond_xs_set_real_dev(self.as_raw(), d) }
    }

    /// Takes the state's lock (`spin_lock_bh(&xs->lock)`) until the guard is dropped.
    pub(crate) fn lock(&self) -> XsLocked<'_> {
        // SAFETY: the state is valid; the guard unlocks it once.
        unsafe { bindings::rbond_xs_lock(self.as_raw()) };
        XsLocked(self)
    }

    /// bond_ipsec_dev()'s last check: whether `real_dev` is set, with bonding's rate-limited
    /// warning when it is not `active` (`"... not same with IPsec offload real dev ..."`).
    pub(crate) fn check_real_dev(&self, bond: &NetDevice, active: &NetDevice) -> bool {
        // SAFETY: all three are valid; the shim reads `real_dev` once and its name only if set
        // (a slave of the bond, module documentation).
        unsafe { bindings::rbond_xs_check_real_dev(self.as_raw(), bond.as_raw(), active.as_raw()) }
    }
}

/// The lock of an xfrm state is held.
pub(crate) struct XsLocked<'a>(&'a XfrmState);

impl XsLocked<'_> {
    /// `xs->km.state == XFRM_STATE_DEAD`: the user deleted it.
    pub(crate) fn is_dead(&self) -> bool {
        // SAFETY: the state is valid; `km.state` is written under the lock we hold.
        unsafe { bindings::rbond_xs_dead(self.0.as_raw()) }
    }
}

impl Drop for XsLocked<'_> {
    fn drop(&mut self) {
        // SAFETY: taken in `XfrmState::lock`, released once here.
        unsafe { bindings::rbond_xs_unlock(self.0.as_raw()) }
    }
}

/// The offload operations of a (slave) device.
fn ops(dev: &NetDevice) -> Option<&'static bindings::xfrmdev_ops> {
    // SAFETY: the device is valid; `xfrmdev_ops` is set before registration and points to a
    // static table of its driver, which outlives the device.
    unsafe { (*dev.as_raw()).xfrmdev_ops.as_ref() }
}

impl NetDevice {
    /// Whether the device can take an offloaded state: it has `xdo_dev_state_add` and is not a
    /// bond (bonding's check, `netif_is_bond_master()`; an rbond is refused the same way, as
    /// `master`).
    pub(crate) fn xfrm_can_add(&self, master: bool) -> bool {
        !master && !self.is_c_bond_master() && ops(self).is_some_and(|o| o.xdo_dev_state_add.is_some())
    }

    /// Whether the device can delete an offloaded state (as [`Self::xfrm_can_add`]).
    pub(crate) fn xfrm_can_delete(&self, master: bool) -> bool {
        !master && !self.is_c_bond_master() && ops(self).is_some_and(|o| o.xdo_dev_state_delete.is_some())
    }

    /// `xdo_dev_state_add` of the device's driver; `EOPNOTSUPP` if it has none.
    pub(crate) fn xfrm_add(&self, xs: &XfrmState, extack: &mut ExtAck<'_>) -> Result {
        let Some(add) = ops(self).and_then(|o| o.xdo_dev_state_add) else { return Err(EOPNOTSUPP) };
        // SAFETY: the device and the state are valid; the extack is valid or null for the call.
        kernel::error::to_result(unsafe { add(self.as_raw(), xs.as_raw(), extack.as_raw()) })
    }

    /// `xdo_dev_state_delete` of the device's driver, if it has one.
    pub(crate) fn xfrm_delete(&self, xs: &XfrmState) {
        if let Some(del) = ops(self).and_then(|o| o.xdo_dev_state_delete) {
            // SAFETY: the device and the state are valid.
            unsafe { del(self.as_raw(), xs.as_raw()) }
        }
    }

    /// `xdo_dev_state_free` of the device's driver, if it has one.
    pub(crate) fn xfrm_free(&self, xs: &XfrmState) {
        if let Some(free) = ops(self).and_then(|o| o.xdo_dev_state_free) {
            // SAFETY: the device and the state are valid.
            unsafe { free(self.as_raw(), xs.as_raw()) }
        }
    }

    /// `xdo_dev_state_advance_esn` of the device's driver, or bonding's rate-limited warning.
    pub(crate) fn xfrm_advance_esn(&self, xs: &XfrmState) {
        match ops(self).and_then(|o| o.xdo_dev_state_advance_esn) {
            // SAFETY: the state is valid.
            Some(f) => unsafe { f(xs.as_raw()) },
            // SAFETY: the device is valid.
            None => unsafe { bindings::rbond_ipsec_warn_no_esn(self.as_raw()) },
        }
    }

    /// `xdo_dev_state_update_stats` of the device's driver, or bonding's rate-limited warning.
    pub(crate) fn xfrm_update_stats(&self, xs: &XfrmState) {
        match ops(self).and_then(|o| o.xdo_dev_state_update_stats) {
            // SAFETY: the state is valid.
            Some(f) => unsafe { f(xs.as_raw()) },
            // SAFETY: the device is valid.
            None => unsafe { bindings::rbond_ipsec_warn_no_stats(self.as_raw()) },
        }
    }

    /// bonding's `slave_warn(bond, slave, ...)`: `"BOND: (slave NAME): MSG"` as `netdev_warn()`
    /// writes it, after rbond's prefix; any context (the names are read as netdev_printk() reads
    /// them).
    pub(crate) fn slave_warn(&self, slave: &NetDevice, msg: &CStr) {
        // SAFETY: both devices are valid; the message is NUL-terminated.
        unsafe { bindings::rbond_slave_warn(self.as_raw(), slave.as_raw(), msg.as_char_ptr().cast()) }
    }

    /// `xfrm_dev_state_flush()`: every state offloaded to this device is deleted (the bond is
    /// being unregistered).
    pub(crate) fn xfrm_flush(&self, _rtnl: &super::rtnl::Rtnl) {
        // SAFETY: the device is valid; its namespace is stable while it is registered.
        unsafe { bindings::rbond_xfrm_dev_state_flush(self.as_raw()) }
    }
}

/// The states offloaded to a bond (bonding's `ipsec_list` and `ipsec_lock`, a mutex: the slave
/// drivers' operations may sleep), and the slave that holds them (the holder: the active slave
/// since the last move), so that a state added while the active slave changes goes where the
/// others are and moves with them.
///
/// # Invariants
///
/// Every entry points to a state the xfrm core has not freed: entries are added by the bond's
/// `xdo_dev_state_add` after the slave took the state, and the bond's `xdo_dev_state_free`
/// (which the core calls before it frees an offloaded state) removes it (the adapter does so in
/// any case, see `link.rs`).
#[pin_data]
pub(crate) struct XfrmList {
    #[pin]
    inner: Mutex<XfrmInner>,
}

struct XfrmInner {
    states: KVec<NonNull<bindings::xfrm_state>>,
    holder: Option<DevRef>,
}

// SAFETY: the pointers are only dereferenced under the mutex, as `XfrmState`s (valid by the type
// invariant); an xfrm state is not tied to a thread.
unsafe impl Send for XfrmList {}
// SAFETY: as above: `&XfrmList` gives access to the entries only under the mutex.
unsafe impl Sync for XfrmList {}

impl XfrmList {
    /// An empty list.
    pub(crate) fn new() -> Result<Pin<KBox<XfrmList>>> {
        let inner = XfrmInner { states: KVec::new(), holder: None };
        KBox::pin_init(pin_init!(XfrmList { inner <- kernel::new_mutex!(inner, "rbond_ipsec_lock") }), GFP_KERNEL)
    }

    /// Takes the list's lock (process context).
    pub(crate) fn lock(&self) -> XfrmListGuard<'_> {
        XfrmListGuard(self.inner.lock())
    }
}

/// The list's lock is held: its entries can be read, added and removed.
pub(crate) struct XfrmListGuard<'a>(kernel::sync::MutexGuard<'a, XfrmInner>);

impl XfrmListGuard<'_> {
    /// The slave that holds the states (a reference of the caller's own).
    pub(crate) fn holder(&self) -> Option<DevRef> {
        self.0.holder.as_deref().map(DevRef::of)
    }

    /// Sets the slave that holds the states (`None` before they leave it).
    pub(crate) fn set_holder(&mut self, dev: Option<&NetDevice>) {
        self.0.holder = dev.map(DevRef::of);
    }

    /// The offloaded states, newest first (as `list_add()` puts them).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &XfrmState> + '_ {
        // SAFETY: every entry is a valid state (type invariant of `XfrmList`) while it is in the
        // list, which the lock we hold keeps unchanged for the borrow.
        self.0.states.iter().rev().map(|p| unsafe { XfrmState::from_raw(p.as_ptr()) })
    }

    /// Whether there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.states.is_empty()
    }

    /// Adds `xs` (a state the bond's `xdo_dev_state_add` just had a slave take). ENOMEM when
    /// the list cannot grow; then nothing changed.
    pub(crate) fn push(&mut self, xs: &XfrmState) -> Result {
        let p = NonNull::new(xs.as_raw()).ok_or(EINVAL)?;
        // INVARIANT: the state is valid now, and its free callback removes it.
        self.0.states.push(p, GFP_KERNEL)?;
        Ok(())
    }

    /// Removes `xs` if it is there.
    pub(crate) fn remove(&mut self, xs: &XfrmState) {
        if let Some(i) = self.0.states.iter().position(|p| core::ptr::eq(p.as_ptr(), xs.as_raw())) {
            let _ = self.0.states.remove(i);
        }
    }

    /// Room for one more entry without allocating (in `xdo_dev_state_add`, before the slave takes
    /// the state: bonding allocates its list entry first, so that a failure leaves it untouched).
    pub(crate) fn reserve_one(&mut self) -> Result {
        self.0.states.reserve(1, GFP_KERNEL)?;
        Ok(())
    }
}
