// SPDX-License-Identifier: GPL-2.0
//! The Rust side of rbond's sysfs files: the attribute tables are in the C shim, whose show and
//! store functions call these with the device and the attribute's name.

use super::bindings;
use super::link::master_state;
use super::netdev::NetDevice;
use super::rcu::RcuRead;
use super::rtnl::Rtnl;
use crate::bond::{self, Bond};
use core::fmt;
use kernel::prelude::*;

/// sysfs gives show() one page.
const PAGE: usize = 4096;

/// Text output into a sysfs page.
///
/// # Invariants
///
/// `buf` points to `PAGE` writable bytes for the call; `len <= PAGE`.
pub(crate) struct Page {
    buf: *mut u8,
    len: usize,
}

impl fmt::Write for Page {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(PAGE - self.len);
        // SAFETY: `buf` has PAGE bytes (type invariant) and `len + n <= PAGE`; `s` is valid for
        // `n` bytes and does not overlap the page.
        unsafe { core::ptr::copy_nonoverlapping(s.as_ptr(), self.buf.add(self.len), n) };
        self.len += n;
        if n < s.len() {
            return Err(fmt::Error);
        }
        Ok(())
    }
}

/// # Safety
///
/// `attr` must be a NUL-terminated attribute name that lives for the call.
unsafe fn attr_name<'a>(attr: *const c_char) -> &'a str {
    // SAFETY: by the caller's guarantee.
    unsafe { CStr::from_char_ptr(attr.cast()) }.to_str().unwrap_or("")
}

/// show() of `<bond>/bonding/<attr>`.
///
/// # Safety
///
/// Called by the shim's show function for a registered rbond device, a NUL-terminated attribute
/// name, and a page buffer.
#[no_mangle]
pub(crate) unsafe extern "C" fn rbond_rs_bond_show(dev: *mut bindings::net_device, attr: *const c_char, buf: *mut u8) -> isize {
    // SAFETY: as documented; the device is registered while its sysfs files exist.
    let (d, name) = unsafe { (NetDevice::from_raw(dev), attr_name(attr)) };
    // INVARIANT: sysfs passes a page.
    let mut page = Page { buf, len: 0 };
    if let Some(b) = master_state::<Bond>(d) {
        // attributes read under the bond's mode lock (a mutex) are shown outside RCU
        if bond::sysfs::show_locked(b, d, name, &mut page).is_none() {
            RcuRead::with(|rcu| {
                let _ = bond::sysfs::show(b, d, name, &mut page, rcu);
            });
        }
    }
    page.len as isize
}

/// store() of `<bond>/bonding/<attr>`: under RTNL, or asking for a restart if RTNL is busy.
///
/// # Safety
///
/// Called by the shim's store function for a registered rbond device, a NUL-terminated attribute
/// name, and `count` bytes at `buf`.
#[no_mangle]
pub(crate) unsafe extern "C" fn rbond_rs_bond_store(
    dev: *mut bindings::net_device,
    attr: *const c_char,
    buf: *const u8,
    count: usize,
) -> isize {
    // SAFETY: as documented.
    let (d, name, bytes) = unsafe { (NetDevice::from_raw(dev), attr_name(attr), core::slice::from_raw_parts(buf, count)) };
    let Some(b) = master_state::<Bond>(d) else { return ENODEV.to_errno() as isize };
    let Ok(text) = core::str::from_utf8(bytes) else { return EINVAL.to_errno() as isize };
    // bond_opt_tryset_rtnl(): never wait for RTNL in a sysfs store (deadlock with unregister)
    let Some(rtnl) = Rtnl::try_lock() else {
        // SAFETY: plain FFI call in process context.
        return unsafe { bindings::rbond_restart_syscall() } as isize;
    };
    match bond::sysfs::store(b, d, name, text, &rtnl) {
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// show() of `<slave>/bonding_slave/<attr>`.
///
/// # Safety
///
/// Called by the shim's show function for a registered device that got the group from
/// `NetDevice::add_slave_sysfs`, a NUL-terminated attribute name, and a page buffer.
#[no_mangle]
pub(crate) unsafe extern "C" fn rbond_rs_slave_show(dev: *mut bindings::net_device, attr: *const c_char, buf: *mut u8) -> isize {
    // SAFETY: as documented.
    let (d, name) = unsafe { (NetDevice::from_raw(dev), attr_name(attr)) };
    // INVARIANT: sysfs passes a page.
    let mut page = Page { buf, len: 0 };
    RcuRead::with(|rcu| {
        let _ = bond::sysfs::slave_show(d, name, &mut page, rcu);
    });
    page.len as isize
}

/// show() of `/sys/class/net/rbond_masters` in namespace `net`.
///
/// # Safety
///
/// Called by the shim for the class file of a live namespace, with a page buffer.
#[no_mangle]
pub(crate) unsafe extern "C" fn rbond_rs_masters_show(net: *mut bindings::net, buf: *mut u8) -> isize {
    // SAFETY: as documented.
    let net = unsafe { super::netdev::NetNs::from_raw(net) };
    // INVARIANT: sysfs passes a page.
    let mut page = Page { buf, len: 0 };
    let _ = bond::sysfs::masters_show(net, &mut page);
    page.len as isize
}

/// store() of `/sys/class/net/rbond_masters`: `+name` creates a bond, `-name` deletes one.
///
/// # Safety
///
/// Called by the shim for the class file of a live namespace, with `count` bytes at `buf`.
#[no_mangle]
pub(crate) unsafe extern "C" fn rbond_rs_masters_store(net: *mut bindings::net, buf: *const u8, count: usize) -> isize {
    // SAFETY: as documented.
    let (net, bytes) = unsafe { (super::netdev::NetNs::from_raw(net), core::slice::from_raw_parts(buf, count)) };
    let Ok(text) = core::str::from_utf8(bytes) else { return EINVAL.to_errno() as isize };
    // as bonding_store_bonds(): the class file is not removed under RTNL, so waiting is safe
    let rtnl = Rtnl::lock();
    match bond::sysfs::masters_store(net, text, &rtnl) {
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}
