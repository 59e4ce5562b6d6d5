// SPDX-License-Identifier: GPL-2.0
//! Per-CPU values and the kernel's random numbers, for the transmit path (no lock, no shared
//! cache line, nothing allocated per frame).

use super::bindings;
use core::ptr::NonNull;
use kernel::prelude::*;

/// A `u32` per CPU (`alloc_percpu(u32)`), counted up on the CPU that transmits.
///
/// # Invariants
///
/// `0` is a per-CPU allocation of one `u32`, freed only in `Drop`.
pub(crate) struct PerCpuU32(NonNull<u32>);

// SAFETY: the per-CPU area is used only through this_cpu_inc_return(), which is safe from any
// CPU and context (preemption-safe, each CPU its own copy); the pointer is never dereferenced
// directly.
unsafe impl Send for PerCpuU32 {}
// SAFETY: as for Send: concurrent increments touch each CPU's own copy.
unsafe impl Sync for PerCpuU32 {}

impl PerCpuU32 {
    /// Counters at 0 on every CPU.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: no precondition; NULL on failure.
        let p = unsafe { bindings::rbond_percpu_u32_alloc() };
        // INVARIANT: a fresh per-CPU allocation, ours.
        NonNull::new(p).map(PerCpuU32).ok_or(ENOMEM)
    }

    /// This CPU's counter plus one, stored and returned (`this_cpu_inc_return()`; wraps at
    /// `u32::MAX` as C's does).
    pub(crate) fn inc_return(&self) -> u32 {
        // SAFETY: a valid per-CPU allocation (type invariant).
        unsafe { bindings::rbond_percpu_u32_inc(self.0.as_ptr()) }
    }
}

impl Drop for PerCpuU32 {
    fn drop(&mut self) {
        // SAFETY: the allocation is ours (type invariant), freed once, here.
        unsafe { bindings::rbond_percpu_u32_free(self.0.as_ptr()) }
    }
}

/// A random `u32` (`get_random_u32()`).
pub(crate) fn random_u32() -> u32 {
    // SAFETY: no precondition; callable from any context.
    unsafe { bindings::rbond_random_u32() }
}
