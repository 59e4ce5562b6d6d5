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
