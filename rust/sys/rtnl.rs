// SPDX-License-Identifier: GPL-2.0
//! RTNL as a type: a `&Rtnl` proves that the caller holds the RTNL mutex.

use super::bindings;
use core::marker::PhantomData;
use core::ops::Deref;

/// Proof that the current task holds RTNL.
///
/// # Invariants
///
/// A `&Rtnl` exists only while the current task holds the RTNL mutex: it is created by
/// [`RtnlGuard`] or, in callbacks that the kernel documents as running under RTNL, by
/// [`Rtnl::assume_held`]. It is neither `Send` nor `Sync`.
pub(crate) struct Rtnl {
    _not_send: PhantomData<*mut ()>,
}

impl Rtnl {
    /// # Safety
    ///
    /// The caller must hold RTNL for all of `'a`.
    pub(crate) unsafe fn assume_held<'a>() -> &'a Rtnl {
        // INVARIANT: the caller guarantees that RTNL is held for 'a.
        &Rtnl { _not_send: PhantomData }
    }

    /// Takes RTNL if it is free (`rtnl_trylock()`).
    pub(crate) fn try_lock() -> Option<RtnlGuard> {
        // SAFETY: plain FFI call.
        if unsafe { bindings::rtnl_trylock() } == 0 {
            return None;
        }
        // INVARIANT: RTNL is held until the guard is dropped.
        Some(RtnlGuard { rtnl: Rtnl { _not_send: PhantomData } })
    }

    /// Takes RTNL; it is released when the guard is dropped.
    pub(crate) fn lock() -> RtnlGuard {
        // SAFETY: plain FFI call; we are in process context (rtnl_lock sleeps).
        unsafe { bindings::rtnl_lock() };
        // INVARIANT: RTNL is held until the guard is dropped.
        RtnlGuard { rtnl: Rtnl { _not_send: PhantomData } }
    }
}

/// Holds RTNL while alive.
pub(crate) struct RtnlGuard {
    rtnl: Rtnl,
}

impl Deref for RtnlGuard {
    type Target = Rtnl;
    fn deref(&self) -> &Rtnl {
        &self.rtnl
    }
}

impl Drop for RtnlGuard {
    fn drop(&mut self) {
        // SAFETY: the guard was created by `Rtnl::lock`, so this task holds RTNL.
        unsafe { bindings::rtnl_unlock() };
    }
}

/// State that only RTNL holders touch, with a borrow flag against re-entry: a netdev notifier
/// that runs while the same task is inside an operation on the state (enslaving calls into other
/// drivers, which notify) finds it busy instead of aliasing it.
///
/// # Invariants
///
/// `val` and `busy` are accessed only by the RTNL holder; `busy` is true while a [`RtnlRefMut`]
/// exists.
pub(crate) struct RtnlCell<T> {
    busy: core::cell::Cell<bool>,
    val: core::cell::UnsafeCell<T>,
}

// SAFETY: all access is serialized by RTNL (type invariant), so sharing between threads is sound
// as long as T itself may move between threads.
unsafe impl<T: Send> Sync for RtnlCell<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for RtnlCell<T> {}

impl<T> RtnlCell<T> {
    pub(crate) const fn new(val: T) -> Self {
        RtnlCell { busy: core::cell::Cell::new(false), val: core::cell::UnsafeCell::new(val) }
    }

    /// Exclusive access, or `None` if this task is already inside an access (re-entry).
    pub(crate) fn borrow<'a>(&'a self, _rtnl: &'a Rtnl) -> Option<RtnlRefMut<'a, T>> {
        if self.busy.replace(true) {
            return None;
        }
        // INVARIANT: busy is set until the RtnlRefMut is dropped.
        Some(RtnlRefMut { cell: self })
    }

}

/// Exclusive access to an [`RtnlCell`].
pub(crate) struct RtnlRefMut<'a, T> {
    cell: &'a RtnlCell<T>,
}

impl<T> Deref for RtnlRefMut<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: RTNL is held and `busy` excludes every other access (type invariant).
        unsafe { &*self.cell.val.get() }
    }
}

impl<T> core::ops::DerefMut for RtnlRefMut<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only access.
        unsafe { &mut *self.cell.val.get() }
    }
}

impl<T> Drop for RtnlRefMut<'_, T> {
    fn drop(&mut self) {
        self.cell.busy.set(false);
    }
}
