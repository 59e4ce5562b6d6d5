// SPDX-License-Identifier: GPL-2.0
//! The netdevice notifier: how a bond learns that a slave changed (carrier, MTU, address, name,
//! unregistration). Every netdevice event is sent under RTNL.

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
}

impl NetdevEvent {
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
