// SPDX-License-Identifier: GPL-2.0
//! RCU-published values: readers see a whole old value or a whole new one, never a mix, and never
//! take a lock; writers (under RTNL) replace the value and the old one is freed after a grace
//! period.

use super::bindings;
use super::rtnl::Rtnl;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::prelude::*;

/// Proof of an RCU read-side critical section.
///
/// # Invariants
///
/// Exists only inside an RCU read-side critical section (including softirq and bh-disabled
/// sections, which are RCU readers too).
pub(crate) struct RcuRead {
    _not_send: PhantomData<*mut ()>,
}

impl RcuRead {
    /// # Safety
    ///
    /// The caller must be in an RCU read-side critical section for the value's lifetime.
    pub(crate) unsafe fn assume() -> RcuRead {
        // INVARIANT: guaranteed by the caller.
        RcuRead { _not_send: PhantomData }
    }

    /// Runs `f` in an RCU read-side critical section.
    pub(crate) fn with<R>(f: impl FnOnce(&RcuRead) -> R) -> R {
        let guard = kernel::sync::rcu::read_lock();
        // SAFETY: the guard keeps the read-side critical section open until after `f` returns.
        let r = f(&unsafe { RcuRead::assume() });
        drop(guard);
        r
    }
}

#[repr(C)]
struct Node<T> {
    head: bindings::callback_head,
    val: T,
}

/// # Safety
///
/// Called by RCU once, after a grace period, for a `Node<T>` that `RcuBox` gave up.
unsafe extern "C" fn free_node<T>(head: *mut bindings::callback_head) {
    // SAFETY: `head` is the first field of a `#[repr(C)] Node<T>` allocated by KBox; no reader can
    // see it any more (grace period); it is freed once.
    drop(unsafe { KBox::from_raw(head.cast::<Node<T>>()) });
}

/// An owned value, replaced as a whole under RTNL and read under RCU.
///
/// # Invariants
///
/// `ptr` is null or owns a `KBox<Node<T>>`. Readers dereference it only under RCU; a replaced node
/// is freed by `call_rcu`, after every reader that could see it has finished.
pub(crate) struct RcuBox<T: Send + Sync> {
    ptr: AtomicPtr<Node<T>>,
}

// SAFETY: readers on any CPU get `&T` (T: Sync); the value is dropped on some CPU (T: Send).
unsafe impl<T: Send + Sync> Sync for RcuBox<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Send for RcuBox<T> {}

impl<T: Send + Sync> RcuBox<T> {
    /// An empty box.
    pub(crate) const fn empty() -> Self {
        RcuBox { ptr: AtomicPtr::new(core::ptr::null_mut()) }
    }

    /// The current value, for a reader.
    pub(crate) fn get<'a>(&'a self, _rcu: &'a RcuRead) -> Option<&'a T> {
        // Acquire pairs with the Release of `replace` (rcu_dereference / rcu_assign_pointer).
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: a non-null node is valid until a grace period after it is replaced, which cannot
        // end while `_rcu` proves we are in a read-side critical section.
        unsafe { p.as_ref().map(|n| &n.val) }
    }

    /// Publishes `val` and frees the old value after a grace period.
    pub(crate) fn replace(&self, _rtnl: &Rtnl, val: Option<T>) -> Result {
        let new = match val {
            Some(val) => {
                // SAFETY: an all-zero rcu_head is what call_rcu expects to fill in.
                let head: bindings::callback_head = unsafe { core::mem::zeroed() };
                KBox::into_raw(KBox::new(Node { head, val }, GFP_KERNEL)?)
            }
            None => core::ptr::null_mut(),
        };
        let old = self.ptr.swap(new, Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: `old` was published by us and is now unreachable for new readers; RCU frees it
            // once the readers that may still see it are done.
            unsafe { bindings::call_rcu(&mut (*old).head, Some(free_node::<T>)) };
        }
        Ok(())
    }
}

/// A value taken back from an [`RcuBox`]'s readers: no reader can see it any more, so it may be
/// changed in place and published again, without an allocation.
///
/// # Invariants
///
/// Owns a `Node<T>` allocated by `KBox` that no RCU reader can reach.
pub(crate) struct Taken<T>(KBox<Node<T>>);

impl<T> core::ops::Deref for Taken<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.val
    }
}

impl<T> core::ops::DerefMut for Taken<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0.val
    }
}

impl<T: Send + Sync> RcuBox<T> {
    /// Takes the value back from the readers without allocating: readers see none from now on,
    /// and this waits until none of them can still see the old one (`synchronize_rcu()`; sleeps).
    /// Change it and publish it again with [`RcuBox::put_back`].
    pub(crate) fn take_back(&self, _rtnl: &Rtnl) -> Option<Taken<T>> {
        let old = self.ptr.swap(core::ptr::null_mut(), Ordering::AcqRel);
        if old.is_null() {
            return None;
        }
        kernel::sync::rcu::synchronize_rcu();
        // SAFETY: `old` owned a `KBox<Node<T>>` (type invariant) that is unreachable for readers
        // that start now (the pointer is null) and that no earlier reader still sees (a grace
        // period passed); nobody else frees it.
        // INVARIANT: as just said.
        Some(Taken(unsafe { KBox::from_raw(old) }))
    }

    /// Publishes a value taken back by [`RcuBox::take_back`] (no allocation); a value published
    /// meanwhile is freed after a grace period.
    pub(crate) fn put_back(&self, _rtnl: &Rtnl, t: Taken<T>) {
        let new = KBox::into_raw(t.0);
        let old = self.ptr.swap(new, Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: as in `replace`: readers that may still see the node finish first.
            unsafe { bindings::call_rcu(&mut (*old).head, Some(free_node::<T>)) };
        }
    }
}

impl<T: Send + Sync> Drop for RcuBox<T> {
    fn drop(&mut self) {
        let old = *self.ptr.get_mut();
        if !old.is_null() {
            // SAFETY: as in `replace`: readers that may still see the node finish first.
            unsafe { bindings::call_rcu(&mut (*old).head, Some(free_node::<T>)) };
        }
    }
}

/// Waits until every callback queued by `RcuBox` has run (before the module's code goes away).
pub(crate) fn barrier() {
    kernel::sync::rcu::rcu_barrier();
}
