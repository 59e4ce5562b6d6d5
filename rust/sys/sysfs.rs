// SPDX-License-Identifier: GPL-2.0
//! The Rust side of rbond's sysfs files: the attribute tables are in the C shim, whose show and
//! store functions call these with the device and the attribute's name; they answer through the
//! driver registered with [`register`] (trait [`SysfsOps`]).

use super::bindings;
use super::link::{master_state, Master};
use super::netdev::{NetDevice, NetNs};
use super::rcu::RcuRead;
use super::rtnl::Rtnl;
use core::fmt;
use kernel::prelude::*;
use kernel::sync::SetOnce;

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

/// What a driver answers for its sysfs files: `<bond>/bonding/<attr>`, `<slave>/bonding_slave/<attr>`
/// and the per-namespace masters file. The attribute tables are the C shim's; its show and
/// store functions call the fixed symbols below, which dispatch to the driver registered with
/// [`register`]. This tier knows no driver type.
pub(crate) trait SysfsOps: Master {
    /// show() of an attribute read outside RCU (under a lock that may sleep); `None` if `attr`
    /// is not one of those.
    fn show_locked(&self, dev: &NetDevice, attr: &str, w: &mut dyn fmt::Write) -> Option<fmt::Result>;
    /// show() of any other bond attribute, under RCU.
    fn show(&self, dev: &NetDevice, attr: &str, w: &mut dyn fmt::Write, rcu: &RcuRead) -> fmt::Result;
    /// store() of a bond attribute, under RTNL.
    fn store(&self, dev: &NetDevice, attr: &str, text: &str, rtnl: &Rtnl) -> Result;
    /// show() of a slave's attribute, under RCU.
    fn slave_show(sdev: &NetDevice, attr: &str, w: &mut dyn fmt::Write, rcu: &RcuRead) -> fmt::Result;
    /// show() of the masters file of namespace `net`.
    fn masters_show(net: &NetNs, w: &mut dyn fmt::Write) -> fmt::Result;
    /// store() of the masters file, under RTNL.
    fn masters_store(net: &NetNs, text: &str, rtnl: &Rtnl) -> Result;
}

/// The registered driver's answers, as plain functions the fixed symbols can call.
#[derive(Clone, Copy)]
struct Ops {
    bond_show: fn(&NetDevice, &str, &mut Page),
    bond_store: fn(&NetDevice, &str, &str) -> isize,
    slave_show: fn(&NetDevice, &str, &mut Page),
    masters_show: fn(&NetNs, &mut Page),
    masters_store: fn(&NetNs, &str) -> isize,
}

/// Set once, at module load, before any file of the driver exists.
static OPS: SetOnce<Ops> = SetOnce::new();

/// Makes `T` the driver of the sysfs files; call before any of its devices (or the masters file)
/// exist. `EBUSY` if a driver is registered already.
pub(crate) fn register<T: SysfsOps>() -> Result {
    let ops = Ops {
        bond_show: bond_show::<T>,
        bond_store: bond_store::<T>,
        slave_show: |d, name, page| {
            RcuRead::with(|rcu| {
                let _ = T::slave_show(d, name, page, rcu);
            })
        },
        masters_show: |net, page| {
            let _ = T::masters_show(net, page);
        },
        masters_store: masters_store::<T>,
    };
    if OPS.populate(ops) { Ok(()) } else { Err(EBUSY) }
}

fn bond_show<T: SysfsOps>(d: &NetDevice, name: &str, page: &mut Page) {
    if let Some(b) = master_state::<T>(d) {
        // attributes read under a lock that may sleep are shown outside RCU
        if b.show_locked(d, name, page).is_none() {
            RcuRead::with(|rcu| {
                let _ = b.show(d, name, page, rcu);
            });
        }
    }
}

/// A store's result as sysfs wants it: the bytes taken, or a negative errno.
fn written(r: Result, count: usize) -> isize {
    match r {
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}

fn bond_store<T: SysfsOps>(d: &NetDevice, name: &str, text: &str) -> isize {
    let Some(b) = master_state::<T>(d) else { return ENODEV.to_errno() as isize };
    // bond_opt_tryset_rtnl(): never wait for RTNL in a sysfs store (deadlock with unregister)
    let Some(rtnl) = Rtnl::try_lock() else {
        // SAFETY: plain FFI call in process context.
        return unsafe { bindings::rbond_restart_syscall() } as isize;
    };
    written(b.store(d, name, text, &rtnl), text.len())
}

fn masters_store<T: SysfsOps>(net: &NetNs, text: &str) -> isize {
    // as bonding_store_bonds(): the class file is not removed under RTNL, so waiting is safe
    let rtnl = Rtnl::lock();
    written(T::masters_store(net, text, &rtnl), text.len())
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
    if let Some(ops) = OPS.as_ref() {
        (ops.bond_show)(d, name, &mut page);
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
    let Some(ops) = OPS.as_ref() else { return ENODEV.to_errno() as isize };
    let Ok(text) = core::str::from_utf8(bytes) else { return EINVAL.to_errno() as isize };
    (ops.bond_store)(d, name, text)
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
    if let Some(ops) = OPS.as_ref() {
        (ops.slave_show)(d, name, &mut page);
    }
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
    if let Some(ops) = OPS.as_ref() {
        (ops.masters_show)(net, &mut page);
    }
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
    let Some(ops) = OPS.as_ref() else { return ENODEV.to_errno() as isize };
    let Ok(text) = core::str::from_utf8(bytes) else { return EINVAL.to_errno() as isize };
    (ops.masters_store)(net, text)
}
