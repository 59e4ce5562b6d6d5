// SPDX-License-Identifier: GPL-2.0
//! debugfs: the module's directory (/sys/kernel/debug/rbond), one directory per bond in it and
//! one read-only `seq_file` in that (bonding's `rlb_hash_table`, `bond_debugfs.c`). debugfs is not
//! per network namespace: a bond outside the initial namespace gets `<name>@<namespace inode>`
//! (bonding has no debugfs at all in kernels with network namespaces).

use super::bindings;
use super::netdev::NetDevice;
use super::procfs::SeqWriter;
use super::rtnl::Rtnl;
use core::fmt;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::prelude::*;
use kernel::sync::SetOnce;

/// The module's directory (null: none: debugfs is off or the directory could not be made).
static ROOT: AtomicPtr<bindings::dentry> = AtomicPtr::new(core::ptr::null_mut());
/// The text of a bond's file; set once at module load, before any bond exists.
static SHOW: SetOnce<fn(&NetDevice, &mut SeqWriter<'_>) -> fmt::Result> = SetOnce::new();

/// A `dentry` pointer from debugfs: null or an error pointer mean none.
fn valid(d: *mut bindings::dentry) -> Option<NonNull<bindings::dentry>> {
    // error pointers are the last page of the address space (IS_ERR_OR_NULL)
    if (d as usize) >= (-4095isize) as usize {
        return None;
    }
    NonNull::new(d)
}

/// The module's directory; dropping it removes it (module unload, after every bond is gone).
pub(crate) struct Root(());

impl Drop for Root {
    fn drop(&mut self) {
        exit();
    }
}

/// Makes the module's directory `name` and sets the function that writes a bond's file.
/// Without debugfs, or when the directory cannot be made, bonds simply have none (as bonding).
pub(crate) fn init(name: &CStr, show: fn(&NetDevice, &mut SeqWriter<'_>) -> fmt::Result) -> Root {
    let _ = SHOW.populate(show);
    // SAFETY: `name` is NUL-terminated; a null parent is debugfs's root.
    let d = unsafe { bindings::rbond_debugfs_dir(name.as_char_ptr(), core::ptr::null_mut()) };
    if let Some(d) = valid(d) {
        ROOT.store(d.as_ptr(), Ordering::Release);
    } else {
        pr_warn!("Warning: Cannot create {} directory in debugfs\n", name.to_str().unwrap_or("rbond"));
    }
    Root(())
}

fn exit() {
    let d = ROOT.swap(core::ptr::null_mut(), Ordering::AcqRel);
    if !d.is_null() {
        // SAFETY: `d` is the directory `init` made; removed once (swapped out above).
        unsafe { bindings::rbond_debugfs_remove(d) };
    }
}

/// The directory name of `dev`'s bond: its name, with `@<namespace inode>` outside the initial
/// namespace; NUL-terminated in `buf`.
fn dir_name<'b>(dev: &NetDevice, rtnl: &Rtnl, buf: &'b mut [u8; 32]) -> &'b CStr {
    // SAFETY: the device is valid.
    let ns = unsafe { bindings::rbond_dev_net_inum(dev.as_raw()) };
    let name = dev.name(rtnl).to_bytes();
    let mut w = crate::logic::rlb::Buf::<31>::new();
    let _ = fmt::Write::write_str(&mut w, core::str::from_utf8(name).unwrap_or("?"));
    if ns != 0 {
        let _ = fmt::Write::write_fmt(&mut w, format_args!("@{ns}"));
    }
    let b = w.as_str().as_bytes();
    buf[..b.len()].copy_from_slice(b);
    buf[b.len()] = 0;
    CStr::from_bytes_with_nul(&buf[..=b.len()]).unwrap_or(c"?")
}

/// A bond's debugfs directory with its file.
///
/// # Invariants
///
/// `dir` is a directory this type made under the module's directory, removed only by
/// [`BondDir::remove`] (the file's data, the bond's device, outlives it).
pub(crate) struct BondDir {
    dir: NonNull<bindings::dentry>,
}

// SAFETY: a dentry pointer is used only under RTNL (create, rename, remove).
unsafe impl Send for BondDir {}
// SAFETY: as above.
unsafe impl Sync for BondDir {}

impl BondDir {
    /// Makes `dev`'s directory with the file `file` (`bond_debug_register()`); `None` when
    /// debugfs has no module directory or the name is taken.
    pub(crate) fn create(dev: &NetDevice, file: &CStr, rtnl: &Rtnl) -> Option<BondDir> {
        let root = ROOT.load(Ordering::Acquire);
        if root.is_null() {
            return None;
        }
        let mut buf = [0u8; 32];
        let name = dir_name(dev, rtnl, &mut buf);
        // SAFETY: `root` is the module's directory (alive until module exit, after every bond);
        // `name` is NUL-terminated.
        let dir = valid(unsafe { bindings::rbond_debugfs_dir(name.as_char_ptr(), root) })?;
        // SAFETY: `dir` was just made; the file's data is the device, which outlives the
        // directory (removed in the bond's uninit, which waits for readers of the file).
        let f = unsafe { bindings::rbond_debugfs_file(file.as_char_ptr(), dir.as_ptr(), dev.as_raw().cast()) };
        if valid(f).is_none() {
            // SAFETY: `dir` is ours and removed once.
            unsafe { bindings::rbond_debugfs_remove(dir.as_ptr()) };
            return None;
        }
        // INVARIANT: made above, under the module's directory.
        Some(BondDir { dir })
    }

    /// Follows a rename of the device (`bond_debug_reregister()`); false if debugfs refused
    /// (the directory is then removed, as bonding does).
    pub(crate) fn rename(self, dev: &NetDevice, rtnl: &Rtnl) -> Option<BondDir> {
        let mut buf = [0u8; 32];
        let name = dir_name(dev, rtnl, &mut buf);
        // SAFETY: `dir` is ours (type invariant); `name` is NUL-terminated.
        if unsafe { bindings::rbond_debugfs_rename(self.dir.as_ptr(), name.as_char_ptr()) } == 0 {
            return Some(self);
        }
        self.remove();
        None
    }

    /// Removes the directory and its file, waiting for readers (`bond_debug_unregister()`).
    pub(crate) fn remove(self) {
        // SAFETY: `dir` is ours (type invariant), removed once: `self` is consumed.
        unsafe { bindings::rbond_debugfs_remove(self.dir.as_ptr()) }
    }
}

/// show() of a bond's file.
///
/// # Safety
///
/// Called by seq_file (`single_open()` of the shim's open) for a file `BondDir::create` made,
/// whose data is the bond's device, valid until the file is removed (which waits for us).
#[no_mangle]
pub(crate) unsafe extern "C" fn rbond_rs_debugfs_show(seq: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: single_open() stored the file's data, the device, in `private`.
    let dev = unsafe { NetDevice::from_raw((*seq).private.cast()) };
    // SAFETY: `seq` is valid for this call.
    let mut w = unsafe { SeqWriter::new(seq) };
    if let Some(show) = SHOW.as_ref() {
        let _ = show(dev, &mut w);
    }
    0
}
