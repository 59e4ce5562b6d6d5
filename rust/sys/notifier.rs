// SPDX-License-Identifier: GPL-2.0
//! The netdevice notifier: how a bond learns that a slave changed (carrier, MTU, address, name,
//! unregistration). Every netdevice event is sent under RTNL. And a module notifier that refuses
//! the load of one module (compat mode refuses bonding.ko).

use super::bindings;
use super::netdev::NetDevice;
use super::rtnl::Rtnl;
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use kernel::prelude::*;

/// The netdevice events rbond reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NetdevEvent {
    /// NETDEV_REGISTER
    Register,
    /// NETDEV_UP
    Up,
    /// NETDEV_DOWN
    Down,
    /// NETDEV_CHANGE (carrier, duplex, ...)
    Change,
    /// NETDEV_CHANGEMTU
    ChangeMtu,
    /// NETDEV_CHANGEADDR
    ChangeAddr,
    /// NETDEV_CHANGENAME
    ChangeName,
    /// NETDEV_UNREGISTER
    Unregister,
    /// NETDEV_FEAT_CHANGE
    FeatChange,
    /// NETDEV_RESEND_IGMP (a bond over bonds passes it up)
    ResendIgmp,
    /// NETDEV_XDP_FEAT_CHANGE (the device's `xdp_features` changed; sent under its instance lock)
    XdpFeatChange,
}

impl NetdevEvent {
    /// Whether the notifier runs this event under the device's instance lock when the device's
    /// ops need one (Documentation/networking/netdevices.rst, "Notifiers and netdev instance
    /// lock"): a handler must not take that lock again.
    pub(crate) fn under_ops_lock(self) -> bool {
        matches!(self, Self::Register | Self::Up | Self::Down | Self::Change | Self::ChangeName | Self::XdpFeatChange)
    }

    fn from_raw(ev: u64) -> Option<Self> {
        let ev = u32::try_from(ev).ok()?;
        Some(match ev {
            bindings::netdev_cmd_NETDEV_REGISTER => Self::Register,
            bindings::netdev_cmd_NETDEV_UP => Self::Up,
            bindings::netdev_cmd_NETDEV_DOWN => Self::Down,
            bindings::netdev_cmd_NETDEV_CHANGE => Self::Change,
            bindings::netdev_cmd_NETDEV_CHANGEMTU => Self::ChangeMtu,
            bindings::netdev_cmd_NETDEV_CHANGEADDR => Self::ChangeAddr,
            bindings::netdev_cmd_NETDEV_CHANGENAME => Self::ChangeName,
            bindings::netdev_cmd_NETDEV_UNREGISTER => Self::Unregister,
            bindings::netdev_cmd_NETDEV_FEAT_CHANGE => Self::FeatChange,
            bindings::netdev_cmd_NETDEV_RESEND_IGMP => Self::ResendIgmp,
            bindings::netdev_cmd_NETDEV_XDP_FEAT_CHANGE => Self::XdpFeatChange,
            _ => return None,
        })
    }
}

/// Receives netdevice events.
pub(crate) trait NetdevListener {
    /// One event for `dev`, under RTNL.
    fn event(ev: NetdevEvent, dev: &NetDevice, rtnl: &Rtnl);
}

struct Block(UnsafeCell<bindings::notifier_block>);
// SAFETY: after registration only the notifier chain touches the block, under its own lock.
unsafe impl Sync for Block {}
// SAFETY: as above.
unsafe impl Send for Block {}

/// A registered netdevice notifier; unregistered on drop.
///
/// # Invariants
///
/// `nb` is registered for the whole life of the value, at a stable heap address.
pub(crate) struct Registration<T: NetdevListener> {
    nb: KBox<Block>,
    _t: PhantomData<T>,
}

/// # Safety
///
/// Called by the netdevice notifier chain, under RTNL, with a valid `netdev_notifier_info`.
unsafe extern "C" fn call<T: NetdevListener>(_nb: *mut bindings::notifier_block, ev: c_ulong, ptr: *mut c_void) -> c_int {
    if let Some(ev) = NetdevEvent::from_raw(ev as u64) {
        // SAFETY: the chain passes netdev_notifier_info for a valid device, under RTNL.
        let (dev, rtnl) = unsafe { (NetDevice::from_raw(bindings::rbond_notifier_info_to_dev(ptr)), Rtnl::assume_held()) };
        T::event(ev, dev, rtnl);
    }
    bindings::NOTIFY_DONE as c_int
}

impl<T: NetdevListener> Registration<T> {
    /// Registers `T` for the events of every network namespace. (Registration replays
    /// NETDEV_REGISTER and NETDEV_UP for existing devices; rbond ignores those.)
    pub(crate) fn register() -> Result<Self> {
        // SAFETY: a notifier_block is a function pointer, a list link and a priority: zeroes are valid.
        let mut nb: bindings::notifier_block = unsafe { core::mem::zeroed() };
        nb.notifier_call = Some(call::<T>);
        let nb = KBox::new(Block(UnsafeCell::new(nb)), GFP_KERNEL)?;
        // SAFETY: the block is set up and stays at a stable address until `drop` unregisters it.
        kernel::error::to_result(unsafe { bindings::register_netdevice_notifier(nb.0.get()) })?;
        // INVARIANT: registered above.
        Ok(Registration { nb, _t: PhantomData })
    }
}

impl<T: NetdevListener> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered by the type invariant; after this returns no callback runs.
        unsafe { bindings::unregister_netdevice_notifier(self.nb.0.get()) };
    }
}

/// A module notifier block that refuses the load of the module named `name`.
///
/// # Invariants
///
/// `nb` is the first field (`repr(C)`, and `UnsafeCell` is transparent), so a pointer to it is a
/// pointer to the block.
#[repr(C)]
struct VetoBlock {
    nb: UnsafeCell<bindings::notifier_block>,
    name: &'static CStr,
    refused: fn(),
}
// SAFETY: after registration only the notifier chain touches `nb`, under its own lock; the other
// fields are read-only.
unsafe impl Sync for VetoBlock {}
// SAFETY: as above.
unsafe impl Send for VetoBlock {}

/// # Safety
///
/// Called by the module notifier chain with the `nb` of a registered `VetoBlock` and, for
/// MODULE_STATE_COMING, the `struct module` being loaded.
unsafe extern "C" fn veto_call(nb: *mut bindings::notifier_block, ev: c_ulong, data: *mut c_void) -> c_int {
    // SAFETY: as documented: the module is valid for the call; its name is NUL-terminated.
    let name = unsafe { bindings::rbond_module_coming_name(ev, data) };
    if name.is_null() {
        return bindings::NOTIFY_DONE as c_int;
    }
    // SAFETY: `nb` is the first field of a live VetoBlock (type invariant); the name is a
    // NUL-terminated string of the module, alive for the call.
    let (blk, name) = unsafe { (&*nb.cast::<VetoBlock>(), CStr::from_char_ptr(name.cast())) };
    if name.to_bytes() != blk.name.to_bytes() {
        return bindings::NOTIFY_DONE as c_int;
    }
    (blk.refused)();
    // SAFETY: plain FFI call (notifier_from_errno()).
    unsafe { bindings::rbond_notifier_from_errno(EBUSY.to_errno()) }
}

/// While alive, the load of the module `name` fails with `EBUSY` before its init runs (its
/// MODULE_STATE_COMING notification is refused), and `refused` is called to say why.
///
/// # Invariants
///
/// `blk.nb` is registered with the module notifier chain for the whole life of the value, at a
/// stable heap address.
pub(crate) struct ModuleVeto {
    blk: KBox<VetoBlock>,
}

impl ModuleVeto {
    /// Refuses the loads of the module `name` from now on (not one already past its
    /// MODULE_STATE_COMING notification).
    pub(crate) fn register(name: &'static CStr, refused: fn()) -> Result<Self> {
        // SAFETY: a notifier_block is a function pointer, a list link and a priority: zeroes are valid.
        let mut nb: bindings::notifier_block = unsafe { core::mem::zeroed() };
        nb.notifier_call = Some(veto_call);
        // INVARIANT: `nb` is the first field of the repr(C) block.
        let blk = KBox::new(VetoBlock { nb: UnsafeCell::new(nb), name, refused }, GFP_KERNEL)?;
        // SAFETY: the block is set up and stays at a stable address until `drop` unregisters it.
        kernel::error::to_result(unsafe { bindings::rbond_register_module_notifier(blk.nb.get()) })?;
        // INVARIANT: registered above.
        Ok(ModuleVeto { blk })
    }
}

impl Drop for ModuleVeto {
    fn drop(&mut self) {
        // SAFETY: registered by the type invariant; after this returns no callback runs.
        unsafe { bindings::rbond_unregister_module_notifier(self.blk.nb.get()) };
    }
}
