// SPDX-License-Identifier: GPL-2.0
//! A spinlock that nests in stacked devices, as bonding's `stats_lock`: a bond reading its
//! counters takes its lock, then reads its slaves' counters, and a slave that is itself a bond
//! takes its own lock of the same kind. The lock is taken with the lockdep subclass of the
//! device's depth in the stack (`spin_lock_nested()`), so that lockdep tells the levels apart.
//! Not for the data path: the counters' readers (`ndo_get_stats64`) only.

use super::bindings;
use super::netdev::NetDevice;
use core::cell::UnsafeCell;
use core::marker::{PhantomData, PhantomPinned};
use kernel::types::Opaque;
use pin_init::{pin_data, pin_init, PinInit};

/// A value guarded by a spinlock that belongs to a network device (see the module's comment).
///
/// # Invariants
///
/// `lock` is an initialized `spinlock_t` at a fixed address (the value is pinned); `data` is
/// accessed only through a [`NestedGuard`], which exists only while `lock` is held.
#[pin_data]
pub(crate) struct NestedSpinLock<T> {
    #[pin]
    lock: Opaque<bindings::spinlock_t>,
    data: UnsafeCell<T>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: the data is reached only under the lock, by one CPU at a time; it may be sent (T: Send).
unsafe impl<T: Send> Send for NestedSpinLock<T> {}
// SAFETY: as above: `&NestedSpinLock` gives access to `T` only under the lock.
unsafe impl<T: Send> Sync for NestedSpinLock<T> {}

impl<T> NestedSpinLock<T> {
    /// A new lock holding `val` (all such locks share one lockdep class, told apart by subclass).
    pub(crate) fn new(val: T) -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `slot` is valid for writes while the closure runs; spin_lock_init()
            // initializes the lock in place, where it stays (pinned).
            lock <- Opaque::ffi_init(|slot| unsafe { bindings::rbond_nested_lock_init(slot) }),
            data: UnsafeCell::new(val),
            _pin: PhantomPinned,
        })
    }

    /// Takes the lock with the subclass of `dev`'s depth above its lowest device (spins; never
    /// sleeps). `dev` is the device the lock belongs to.
    pub(crate) fn lock<'a>(&'a self, dev: &NetDevice) -> NestedGuard<'a, T> {
        // SAFETY: the lock is initialized (type invariant); `dev` is valid; the guard below
        // releases the lock exactly once.
        unsafe { bindings::rbond_nested_lock(self.lock.get(), dev.as_raw()) };
        // INVARIANT: the lock is held until the guard is dropped.
        NestedGuard { lock: self, _not_send: PhantomData }
    }
}

/// Proof that a [`NestedSpinLock`] is held; gives its data. Released on drop, on the same CPU
/// (not `Send`).
pub(crate) struct NestedGuard<'a, T> {
    lock: &'a NestedSpinLock<T>,
    _not_send: PhantomData<*mut ()>,
}

impl<T> core::ops::Deref for NestedGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the lock is held (type invariant), so nobody else accesses the data.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> core::ops::DerefMut for NestedGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the lock is held and this guard is borrowed mutably: the access is exclusive.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for NestedGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the lock is held by this guard (invariant of `NestedGuard`), released once.
        unsafe { bindings::rbond_nested_unlock(self.lock.lock.get()) }
    }
}
