// SPDX-License-Identifier: GPL-2.0
//! Per network namespace: /proc/net/<dir>/ with one read-only file per bond (written through
//! `seq_file`), and the masters file /sys/class/net/<masters> (`rbond` and `rbond_masters`, or
//! the C driver's `bonding` and `bonding_masters` in compat mode).

use super::bindings;
use super::link::{master_state, Master};
use super::netdev::NetDevice;
use super::rtnl::Rtnl;
use core::cell::UnsafeCell;
use core::fmt;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use kernel::prelude::*;

/// The names of the per-namespace entries.
pub(crate) struct Names {
    /// The directory under /proc/net.
    pub(crate) dir: &'static CStr,
    /// The class file under /sys/class/net.
    pub(crate) masters: &'static CStr,
}

/// The names given to [`Registration::register`]; set before the pernet ops are registered.
static NAMES: AtomicPtr<Names> = AtomicPtr::new(core::ptr::null_mut());
/// Whether the pernet ops are registered (NET_ID is set and every namespace has our data).
static READY: AtomicBool = AtomicBool::new(false);

/// A master kind whose devices have a /proc file.
pub(crate) trait ProcShow: Master {
    /// Writes the file's text.
    fn show(&self, dev: &NetDevice, w: &mut SeqWriter<'_>) -> fmt::Result;
}

/// Text output into a `seq_file`.
///
/// # Invariants
///
/// `seq` is the valid `seq_file` of a `show` call in progress.
pub(crate) struct SeqWriter<'a> {
    seq: *mut bindings::seq_file,
    _p: PhantomData<&'a mut bindings::seq_file>,
}

impl SeqWriter<'_> {
    /// A writer into `seq`.
    ///
    /// # Safety
    ///
    /// `seq` is the valid `seq_file` of a `show` call in progress, for the writer's life.
    pub(crate) unsafe fn new(seq: *mut bindings::seq_file) -> Self {
        // INVARIANT: as the caller guarantees.
        SeqWriter { seq, _p: PhantomData }
    }
}

impl fmt::Write for SeqWriter<'_> {
    /// `seq_write()`, done here: formatting writes a piece at a time (/proc with 64 slaves is
    /// several thousand pieces), and a call into C for each made a read of it 1.17 of bonding.ko's
    /// time (make bench, scale_proc; 1.07 without them).
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `seq` is the seq_file of the show call in progress (type invariant), which its
        // caller (seq_read, under the seq_file's lock) lets `show` fill: `buf` has room for `size`
        // bytes, of which `count` are written.
        let seq = unsafe { &mut *self.seq };
        match seq.count.checked_add(s.len()) {
            Some(end) if end < seq.size => {
                // SAFETY: `count..end` lies inside `buf` (end < size), which `s` cannot overlap.
                unsafe { core::ptr::copy_nonoverlapping(s.as_ptr(), seq.buf.cast::<u8>().add(seq.count), s.len()) };
                seq.count = end;
            }
            // seq_set_overflow(): seq_file retries `show` with a larger buffer, so this is not
            // an error
            _ => seq.count = seq.size,
        }
        Ok(())
    }
}

/// The kernel release (`UTS_RELEASE`) the module was built for.
pub(crate) fn kernel_release() -> &'static str {
    // SAFETY: the shim returns a static NUL-terminated string.
    let c = unsafe { CStr::from_char_ptr(bindings::rbond_uts_release().cast()) };
    c.to_str().unwrap_or("?")
}

/// # Safety
///
/// Called by the shim's seq_file show for a file made by `Entry::create::<T>`, with the bond device
/// given there as `data`; the entry is removed (waiting for readers) before the device goes away.
unsafe extern "C" fn show<T: ProcShow>(seq: *mut bindings::seq_file, data: *mut c_void) -> c_int {
    // SAFETY: `data` is the device pointer Entry::create gave rbond_proc_create(), valid while the
    // entry exists (see above).
    let dev = unsafe { NetDevice::from_raw(data.cast()) };
    if let Some(state) = master_state::<T>(dev) {
        // INVARIANT: `seq` is valid for this call.
        let mut w = SeqWriter { seq, _p: PhantomData };
        let _ = state.show(dev, &mut w);
    }
    0
}

struct NetId(UnsafeCell<c_uint>);
// SAFETY: written once by register_pernet_subsys() before any reader, read-only afterwards.
unsafe impl Sync for NetId {}
static NET_ID: NetId = NetId(UnsafeCell::new(0));

fn net_data(net: *const bindings::net) -> *mut bindings::rbond_net {
    // SAFETY: `net` is a live namespace with our net_generic slot (allocated by the pernet core for
    // every namespace while we are registered); NET_ID was set at registration.
    unsafe { bindings::rbond_net_generic(net, *NET_ID.0.get()).cast() }
}

/// # Safety
///
/// Called by the pernet core for a new namespace, with our zeroed `NetData` allocated.
unsafe extern "C" fn net_init<T: ProcShow>(net: *mut bindings::net) -> c_int {
    // SAFETY: NAMES is set before the ops are registered to a `&'static Names`.
    let names = unsafe { &*NAMES.load(Ordering::Acquire) };
    // SAFETY: `net` is being set up; its proc_net directory exists; the names are NUL-terminated
    // and static; our zeroed `rbond_net` is ours to fill.
    unsafe {
        let rn = net_data(net);
        (*rn).net = net;
        (*rn).dir = bindings::proc_mkdir(names.dir.as_char_ptr().cast(), bindings::rbond_net_proc_net(net));
        bindings::rbond_masters_init(rn, names.masters.as_char_ptr().cast());
        // as bonding: a namespace works without the file if it cannot be made
        if bindings::rbond_masters_add(rn) != 0 {
            (*rn).net = core::ptr::null_mut();
        }
    }
    0
}

/// # Safety
///
/// Called by the pernet core when a namespace goes away (its devices are gone already).
unsafe extern "C" fn net_exit<T: ProcShow>(net: *mut bindings::net) {
    // SAFETY: our data of a dying namespace; proc_remove accepts null and removes the subtree;
    // the class file was added iff `net` is set.
    unsafe {
        let rn = net_data(net);
        if !(*rn).net.is_null() {
            bindings::rbond_masters_del(rn);
        }
        bindings::proc_remove((*rn).dir);
        (*rn).dir = core::ptr::null_mut();
    }
}

/// # Safety
///
/// Called by the pernet core under RTNL for a namespace going away, with the list of devices it
/// unregisters in one batch.
unsafe extern "C" fn net_exit_rtnl(net: *mut bindings::net, kill: *mut bindings::list_head) {
    // SAFETY: the namespace is alive until its exit methods are done; RTNL is held as the shim
    // requires; `is_our_kind` is called with the namespace's (valid) devices.
    unsafe { bindings::rbond_net_queue_devices(net, kill, Some(super::link::is_our_kind)) }
}

struct Ops(UnsafeCell<bindings::pernet_operations>);
// SAFETY: after registration only the pernet core touches the ops, under its own lock.
unsafe impl Sync for Ops {}
// SAFETY: as above.
unsafe impl Send for Ops {}

/// The per-namespace directories; removed on drop.
///
/// # Invariants
///
/// `ops` is registered for the whole life of the value, at a stable heap address.
pub(crate) struct Registration<T: ProcShow> {
    ops: KBox<Ops>,
    _t: PhantomData<T>,
}

impl<T: ProcShow> Registration<T> {
    /// Makes /proc/net/<names.dir> and /sys/class/net/<names.masters> in every namespace, present
    /// and future. Once per module load.
    pub(crate) fn register(names: &'static Names) -> Result<Self> {
        NAMES.store(core::ptr::from_ref(names).cast_mut(), Ordering::Release);
        // SAFETY: pernet_operations is function pointers, a list link and sizes: zeroes are valid.
        let mut ops: bindings::pernet_operations = unsafe { core::mem::zeroed() };
        ops.init = Some(net_init::<T>);
        ops.exit = Some(net_exit::<T>);
        // the bonds go with the other devices of a dying namespace (bond_net_exit_rtnl())
        ops.exit_rtnl = Some(net_exit_rtnl);
        ops.id = NET_ID.0.get();
        ops.size = core::mem::size_of::<bindings::rbond_net>();
        let ops = KBox::new(Ops(UnsafeCell::new(ops)), GFP_KERNEL)?;
        // SAFETY: the ops are set up and stay at a stable address until `drop` unregisters them.
        kernel::error::to_result(unsafe { bindings::register_pernet_subsys(ops.0.get()) })?;
        READY.store(true, Ordering::Release);
        // INVARIANT: registered above.
        Ok(Registration { ops, _t: PhantomData })
    }
}

impl<T: ProcShow> Drop for Registration<T> {
    fn drop(&mut self) {
        READY.store(false, Ordering::Release);
        // SAFETY: registered by the type invariant.
        unsafe { bindings::unregister_pernet_subsys(self.ops.0.get()) };
    }
}

/// One bond's /proc file; removed (waiting for readers) by [`Entry::remove`].
///
/// # Invariants
///
/// `pde` is a live proc entry made by `rbond_proc_create()` (its state `priv`) for a device that
/// outlives it.
pub(crate) struct Entry {
    pde: *mut bindings::proc_dir_entry,
    priv_: *mut bindings::rbond_proc,
}

// SAFETY: the entry is only created and removed under RTNL; the pointer is not tied to a thread.
unsafe impl Send for Entry {}

impl Entry {
    /// Creates /proc/net/<dir>/<dev's name>. `None` if the directory or the file cannot be made
    /// (the bond works without it; the C driver only warns too), or if the directories are not
    /// registered (a device of a kind registered before them, made in between).
    pub(crate) fn create<T: ProcShow>(dev: &NetDevice, rtnl: &Rtnl, _state: &T) -> Option<Entry> {
        if !READY.load(Ordering::Acquire) {
            return None;
        }
        let name = dev.name(rtnl);
        let mut priv_ = core::ptr::null_mut();
        // SAFETY: the device is valid and registered (or registering) in a live namespace, whose
        // NetData exists (READY: the ops are registered, and NET_ID was written before); the name
        // is NUL-terminated; the device outlives the entry because the driver removes the entry in
        // ndo_uninit (`_state` is the device's initialized state).
        let pde = unsafe {
            let dir = (*net_data(bindings::rbond_dev_net(dev.as_raw()))).dir;
            if dir.is_null() {
                return None;
            }
            bindings::rbond_proc_create(name.as_char_ptr().cast(), dir, Some(show::<T>), dev.as_raw().cast(), &mut priv_)
        };
        // INVARIANT: non-null means created with the device as data, its state in `priv_`.
        (!pde.is_null()).then_some(Entry { pde, priv_ })
    }

    /// Removes the file; returns when no reader is inside `show` any more.
    pub(crate) fn remove(self, _rtnl: &Rtnl) {
        // SAFETY: live entry and its state by the type invariant; removed once (self is consumed).
        unsafe { bindings::rbond_proc_remove(self.pde, self.priv_) };
    }
}
