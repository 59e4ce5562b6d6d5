// SPDX-License-Identifier: GPL-2.0
//! The FFI tier: the only place in rbond with `unsafe`.
//!
//! It holds rbond's own bindgen output (`bindings_generated.rs`, made by `scripts/bindgen.sh` from
//! `bindings.h` with the kernel's exact bindgen flags), the C shim (`shim.c`) for static inlines,
//! and thin safe wrappers whose invariants are documented on each type. The driver (`bond/`) uses
//! only these wrappers.

#[allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    improper_ctypes,
    unsafe_op_in_unsafe_fn,
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::as_underscore,
    clippy::cast_lossless,
    clippy::ptr_as_ptr,
    clippy::ref_as_ptr,
    clippy::undocumented_unsafe_blocks,
    unnecessary_transmutes
)]
mod bindings {
    use kernel::ffi;
    use pin_init::{MaybeZeroable, Zeroable};
    type __kernel_size_t = usize;
    type __kernel_ssize_t = isize;
    type __kernel_ptrdiff_t = isize;
    // SAFETY: a bitfield unit is plain bytes (as in rust/bindings/lib.rs): all zeroes is valid.
    unsafe impl<Storage> Zeroable for __BindgenBitfieldUnit<Storage> where Storage: Zeroable {}
    include!("bindings_generated.rs");
}

pub(crate) mod alb;
pub(crate) mod debugfs;
pub(crate) mod link;
pub(crate) mod netdev;
pub(crate) mod netlink;
pub(crate) mod notifier;
pub(crate) mod probe;
pub(crate) mod percpu;
pub(crate) mod procfs;
pub(crate) mod rcu;
pub(crate) mod rtnl;
pub(crate) mod rx;
pub(crate) mod spin;
pub(crate) mod sysfs;
pub(crate) mod xfrm;

use kernel::prelude::*;

/// Compares struct sizes and field offsets as GCC compiled them (`rbond_layout()` in the shim) with
/// bindgen's view, so that a mismatch between the two compilers fails the load instead of
/// corrupting memory.
pub(crate) fn check_layout() -> Result {
    use bindings::{net_device, net_device_ops, rtnl_link_ops, rtnl_link_stats64, rtnl_newlink_params};
    use core::mem::{offset_of, size_of};
    let rust = [
        size_of::<net_device>(),
        offset_of!(net_device, netdev_ops),
        offset_of!(net_device, mtu),
        offset_of!(net_device, ifindex),
        offset_of!(net_device, name),
        offset_of!(net_device, needs_free_netdev),
        offset_of!(net_device, priv_destructor),
        offset_of!(net_device, rtnl_link_ops),
        size_of::<net_device_ops>(),
        size_of::<rtnl_link_ops>(),
        offset_of!(rtnl_link_ops, kind),
        offset_of!(rtnl_link_ops, setup),
        offset_of!(rtnl_link_ops, validate),
        offset_of!(rtnl_link_ops, newlink),
        size_of::<rtnl_newlink_params>(),
        size_of::<rtnl_link_stats64>(),
    ];
    let mut c = [0usize; 16];
    // SAFETY: `c` has room for `c.len()` entries; the shim writes at most that many.
    let n = unsafe { bindings::rbond_layout(c.as_mut_ptr(), c.len()) };
    if n != rust.len() || c != rust {
        pr_err!("layout mismatch between GCC and bindgen: C {:?}, Rust {:?}\n", c, rust);
        return Err(EINVAL);
    }
    // SAFETY: initializes the module's static flow dissector once, at load, before any transmit.
    unsafe { bindings::rbond_flow_dissector_init() };
    Ok(())
}

/// The string module parameters (declared in the C shim, because `module!` parameters are integers).
#[derive(Clone, Copy)]
pub(crate) enum StrParam {
    Mode = 0,
    Primary = 1,
    PrimaryReselect = 2,
    XmitHashPolicy = 3,
    FailOverMac = 4,
    LacpRate = 5,
    AdSelect = 6,
    ArpValidate = 7,
    ArpAllTargets = 8,
    LacpFallback = 9,
}

/// `arp_ip_target=a,b,...` (a charp array of 16, declared in the C shim): the `i`th address
/// given, if any.
pub(crate) fn arp_ip_target_param(i: usize) -> Option<&'static str> {
    if i >= 16 {
        return None;
    }
    // SAFETY: as in `StrParam::value` (entries 16 to 31 are the array's).
    let p = unsafe { bindings::rbond_param_str((16 + i) as c_uint) };
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null, NUL-terminated, alive as long as the module.
    let c = unsafe { CStr::from_char_ptr(p.cast()) };
    Some(c.to_str().unwrap_or("\u{fffd}"))
}

impl StrParam {
    /// The parameter's value, if it was given at load.
    pub(crate) fn value(self) -> Option<&'static str> {
        // SAFETY: the shim returns a parameter's charp: null or a NUL-terminated string that the
        // module loader set before init and that nobody changes afterwards (permission 0).
        let p = unsafe { bindings::rbond_param_str(self as c_uint) };
        if p.is_null() {
            return None;
        }
        // SAFETY: non-null, NUL-terminated, alive as long as the module (see above).
        let c = unsafe { CStr::from_char_ptr(p.cast()) };
        Some(c.to_str().unwrap_or("\u{fffd}"))
    }
}

/// The `compat` module parameter as given at load (declared in the C shim so that it shows,
/// read-only, in /sys/module/rbond/parameters/; the driver checks the value).
pub(crate) fn compat_param() -> i32 {
    // SAFETY: plain FFI call; the parameter is an int set by the module loader before init and
    // read-only afterwards (permission 0444).
    unsafe { bindings::rbond_param_compat() }
}

/// `net_ratelimit()`: whether a networking message may be logged now (C's limit for messages that
/// would otherwise repeat at every monitor tick).
pub(crate) fn net_ratelimit() -> bool {
    // SAFETY: plain FFI call; net_ratelimit() may be called in any context.
    unsafe { bindings::rbond_net_ratelimit() }
}

/// Whether the current task has `CAP_NET_ADMIN` (`capable()`, which also marks the task as
/// having used the capability, as the C driver's sysfs readers do).
pub(crate) fn capable_net_admin() -> bool {
    // SAFETY: plain FFI call; `capable()` reads the current task's credentials, valid in process
    // context (sysfs show runs there).
    unsafe { bindings::rbond_capable_net_admin() }
}
