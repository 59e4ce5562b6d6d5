// SPDX-License-Identifier: GPL-2.0
//! Receive hooks on slave devices (`netdev_rx_handler_register()`).

use super::bindings;
use super::netdev::{KernelSkb, NetDevice};
use super::rcu::RcuRead;
use super::rtnl::Rtnl;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow};

/// What happens to a received frame.
pub(crate) enum RxAction<'a> {
    /// Deliver it on the slave as usual (`RX_HANDLER_PASS`).
    Pass,
    /// Deliver it only to handlers bound exactly to the slave (`RX_HANDLER_EXACT`): how an
    /// inactive slave keeps frames from the bond.
    Exact,
    /// Deliver it on `dev` instead (`RX_HANDLER_ANOTHER`): the bond receives it.
    Another(&'a NetDevice),
    /// The handler took what it needed; free the frame (`RX_HANDLER_CONSUMED`).
    Consumed,
}

/// A Slow Protocols frame (802.3ad LACPDU or marker) seen by [`RxSkb::slow_pdu`].
pub(crate) enum SlowFrame {
    /// Not one: another protocol or destination.
    No,
    /// One, but shorter than a LACPDU (the C driver counts it as illegal and passes it on).
    Short,
    /// The first 110 bytes after the Ethernet header, copied.
    Pdu,
}

/// A received frame, borrowed by the handler.
///
/// # Invariants
///
/// Wraps a valid skb that the handler may inspect and whose `dev` it may change.
pub(crate) struct RxSkb(NonNull<bindings::sk_buff>);

impl RxSkb {
    /// The skb, for the other wrappers of this tier.
    pub(crate) fn as_raw(&self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// The destination is a link-local group address (01:80:c2:00:00:0X).
    pub(crate) fn dest_is_link_local(&self) -> bool {
        // SAFETY: valid skb with a MAC header (rx handlers run after eth_type_trans).
        unsafe { bindings::rbond_skb_dest_is_link_local(self.0.as_ptr()) }
    }

    /// Copies the payload of a Slow Protocols frame sent to 01:80:c2:00:00:02 into `buf`
    /// (`bond_3ad_lacpdu_recv()`).
    pub(crate) fn slow_pdu(&self, buf: &mut [u8; 110]) -> SlowFrame {
        // SAFETY: valid skb; `buf` has room for the 110 bytes the shim copies at most.
        match unsafe { bindings::rbond_skb_slow_pdu(self.0.as_ptr(), buf.as_mut_ptr(), buf.len() as u32) } {
            1 => SlowFrame::Pdu,
            0 => SlowFrame::Short,
            _ => SlowFrame::No,
        }
    }

}

/// The data a slave's hook carries: the handler is a method of it.
pub(crate) trait RxHandler: Send + Sync + Sized {
    /// Decides about one frame. Runs in softirq context under RCU: no lock, no allocation.
    fn rx<'a>(&'a self, skb: &RxSkb, rcu: &'a RcuRead) -> RxAction<'a>;
}

/// `skb->dev`.
///
/// # Safety
///
/// `skb` must be a valid skb.
unsafe fn skb_dev_slot(skb: *mut bindings::sk_buff) -> *mut *mut bindings::net_device {
    // SAFETY: as documented; `dev` (in its union with `dev_scratch`) is a member of the valid
    // skb, and both layouts describe the same C struct.
    unsafe { core::ptr::addr_of_mut!((*skb.cast::<KernelSkb>()).__bindgen_anon_1.__bindgen_anon_1.__bindgen_anon_1.dev).cast() }
}

/// # Safety
///
/// Called by the core for frames of a device whose hook is `handler::<T>`, under RCU, with a
/// valid `*pskb`.
unsafe extern "C" fn handler<T: RxHandler>(pskb: *mut *mut bindings::sk_buff) -> bindings::rx_handler_result_t {
    // SAFETY: the core passes a valid skb pointer.
    let mut skb = unsafe { *pskb };
    // skb_shared()
    // SAFETY: `users` is an atomic_t of the valid skb, changed only by atomic operations (read
    // atomically here, as refcount_read() does).
    let users = unsafe { core::sync::atomic::AtomicI32::from_ptr(core::ptr::addr_of_mut!((*skb.cast::<KernelSkb>()).users.refs.counter)) }
        .load(core::sync::atomic::Ordering::Relaxed);
    let data = if users == 1 {
        // the usual case: the skb is ours. skb->dev is the device whose hook runs (valid in the
        // RCU section the core keeps us in); its rx_handler_data was published with
        // rcu_assign_pointer() before the hook: rcu_dereference() is a READ_ONCE() of it.
        // SAFETY: as said; valid skb and device.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*(*skb_dev_slot(skb))).rx_handler_data)) }
    } else {
        let mut data = core::ptr::null_mut();
        // SAFETY: valid skb under rcu_read_lock(); skb_share_check() gives us an unshared
        // clone or frees it and returns null; `data` gets the hook's data of the skb's device.
        skb = unsafe { bindings::rbond_rx_handler_begin(skb, &mut data) };
        data
    };
    let Some(skb) = NonNull::new(skb) else {
        return bindings::rx_handler_result_RX_HANDLER_CONSUMED;
    };
    // SAFETY: `pskb` is valid; the core continues with the (possibly new) skb we store.
    unsafe { *pskb = skb.as_ptr() };
    // SAFETY: the core calls us under rcu_read_lock().
    let rcu = unsafe { RcuRead::assume() };
    // SAFETY: the hook's data is the `T` given to `register::<T>` (never null), alive until
    // `unregister` returned, which waits for all handlers in flight (synchronize_net).
    let data = unsafe { &*data.cast::<T>() };
    // INVARIANT: valid, unshared skb.
    let rxskb = RxSkb(skb);
    match data.rx(&rxskb, &rcu) {
        RxAction::Pass => bindings::rx_handler_result_RX_HANDLER_PASS,
        RxAction::Exact => bindings::rx_handler_result_RX_HANDLER_EXACT,
        RxAction::Another(dev) => {
            // SAFETY: valid, unshared skb: ours to change; `dev` is valid for the RCU section the
            // core keeps us in.
            unsafe { *skb_dev_slot(skb.as_ptr()) = dev.as_raw() };
            bindings::rx_handler_result_RX_HANDLER_ANOTHER
        }
        RxAction::Consumed => {
            // SAFETY: the skb is ours (unshared) and the core does not touch it after CONSUMED.
            unsafe { bindings::rbond_consume_skb(skb.as_ptr()) };
            bindings::rx_handler_result_RX_HANDLER_CONSUMED
        }
    }
}

/// Attaches `data`'s handler to `dev`. The hook owns `data` until [`unregister`] returns it.
pub(crate) fn register<T: RxHandler>(dev: &NetDevice, _rtnl: &Rtnl, data: Arc<T>) -> Result {
    let raw = Arc::into_raw(data);
    // SAFETY: the device is valid; RTNL is held; `raw` stays valid while the hook owns it.
    let r = unsafe { bindings::netdev_rx_handler_register(dev.as_raw(), Some(handler::<T>), raw.cast_mut().cast()) };
    if r != 0 {
        // SAFETY: the hook was not installed: the reference is ours again.
        drop(unsafe { Arc::from_raw(raw) });
        return Err(Error::from_errno(r));
    }
    Ok(())
}

/// The `T` of `dev`'s hook, if `dev` carries a hook of type `T`.
pub(crate) fn data<'a, T: RxHandler>(dev: &NetDevice, _rtnl: &'a Rtnl) -> Option<ArcBorrow<'a, T>> {
    // SAFETY: the device is valid; RTNL is held, under which hooks do not change.
    let p = unsafe {
        if !bindings::rbond_rx_handler_is(dev.as_raw(), Some(handler::<T>)) {
            return None;
        }
        bindings::rbond_rx_handler_data_rtnl(dev.as_raw()).cast::<T>()
    };
    if p.is_null() {
        return None;
    }
    // SAFETY: a `handler::<T>` hook carries the reference that `register::<T>` took with
    // `Arc::into_raw`; it stays until `unregister`, which needs RTNL, so not while `'a` lasts.
    Some(unsafe { ArcBorrow::from_raw(p) })
}

/// The `T` of `dev`'s hook, for a reader without RTNL (sysfs).
pub(crate) fn data_rcu<'a, T: RxHandler>(dev: &NetDevice, _rcu: &'a RcuRead) -> Option<&'a T> {
    // SAFETY: the device is valid; the handler and its data are read under RCU: a `T` installed by
    // `register` is dropped only after `unregister`, which waits for a grace period
    // (synchronize_net) after detaching the hook, so it outlives this read-side section.
    unsafe {
        if !bindings::rbond_rx_handler_is(dev.as_raw(), Some(handler::<T>)) {
            return None;
        }
        bindings::rbond_rx_handler_data_rcu(dev.as_raw()).cast::<T>().as_ref()
    }
}

/// Detaches the hook from `dev` and returns its data once no handler runs any more.
pub(crate) fn unregister<T: RxHandler>(dev: &NetDevice, rtnl: &Rtnl) -> Option<Arc<T>> {
    let ptr: *const T = &*data::<T>(dev, rtnl)?;
    // SAFETY: the device is valid and carries our hook; RTNL is held. The call waits for handlers
    // in flight (synchronize_net) before it returns.
    unsafe { bindings::netdev_rx_handler_unregister(dev.as_raw()) };
    // SAFETY: the reference `register` gave to the hook is ours again; no handler can use it.
    Some(unsafe { Arc::from_raw(ptr) })
}
