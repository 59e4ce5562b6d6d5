// SPDX-License-Identifier: GPL-2.0
//! A link kind (`rtnl_link_ops`) whose devices are masters driven by a Rust [`Master`].
//!
//! The adapter owns the C callbacks: it turns raw pointers into the wrappers of this tier, keeps the
//! driver's state in the device's private area, and maps `Result` to errno.

use super::bindings;
use super::netdev::{NetDevice, Skb};
use super::netlink::{ExtAck, LinkData};
use super::rtnl::Rtnl;
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::mem::{size_of, MaybeUninit};
use kernel::error::from_result;
use kernel::prelude::*;

/// What a master device's driver implements. Every method but `start_xmit` runs under RTNL.
pub(crate) trait Master: Sized + Send + Sync {
    /// The link kind, as in `ip link add NAME type KIND`.
    const KIND: &'static CStr;
    /// Name template of the devices made by [`Registration::create`] (`"rbond%d"`).
    const NAME_TEMPLATE: &'static CStr;
    /// The highest `IFLA_INFO_DATA` attribute type the kind parses.
    const MAXTYPE: u16;
    /// Transmit queues of a new device.
    const TX_QUEUES: u32;

    /// Checks the `IFLA_INFO_DATA` of a new or changed link; on error nothing is created.
    fn validate(data: &LinkData<'_>, extack: &mut ExtAck<'_>) -> Result;
    /// Makes the driver state of a device being registered (`ndo_init`).
    fn init(dev: &NetDevice, rtnl: &Rtnl) -> Result<Self>;
    /// `ndo_open`
    fn open(&self, dev: &NetDevice, rtnl: &Rtnl) -> Result;
    /// `ndo_stop`
    fn stop(&self, dev: &NetDevice, rtnl: &Rtnl) -> Result;
    /// `ndo_change_mtu`: the core has checked `mtu` against the device's limits.
    fn change_mtu(&self, dev: &NetDevice, rtnl: &Rtnl, mtu: u32) -> Result;
    /// `ndo_start_xmit`: takes no lock and allocates nothing; always consumes the frame.
    fn start_xmit(&self, dev: &NetDevice, skb: Skb);
}

/// The private area of a master: the driver state once `ndo_init` made it.
///
/// # Invariants
///
/// `state` is initialized iff `ready` is true. It is written in `ndo_init` and dropped in
/// `priv_destructor`, each under RTNL or after the device is gone from every list.
struct Priv<T> {
    ready: bool,
    state: MaybeUninit<T>,
}

/// The C callbacks for one `Master` type.
struct Adapter<T: Master>(PhantomData<T>);

impl<T: Master> Adapter<T> {
    const NETDEV_OPS: bindings::net_device_ops = {
        // SAFETY: `net_device_ops` is a table of nullable function pointers: all zeroes is valid.
        let mut ops: bindings::net_device_ops = unsafe { core::mem::zeroed() };
        ops.ndo_init = Some(Self::ndo_init);
        ops.ndo_open = Some(Self::ndo_open);
        ops.ndo_stop = Some(Self::ndo_stop);
        ops.ndo_start_xmit = Some(Self::ndo_start_xmit);
        ops.ndo_change_mtu = Some(Self::ndo_change_mtu);
        ops
    };

    /// # Safety
    ///
    /// `dev` must be a valid device of this link kind whose `ndo_init` succeeded and whose
    /// `priv_destructor` has not run.
    unsafe fn state<'a>(dev: *mut bindings::net_device) -> &'a T {
        // SAFETY: the private area of a device of this kind is a `Priv<T>` (priv_size and setup
        // below); by the caller's guarantee `ndo_init` initialized it and nothing dropped it.
        unsafe { (*bindings::rbond_netdev_priv(dev).cast::<Priv<T>>()).state.assume_init_ref() }
    }

    /// `rtnl_link_ops.setup`, called by alloc_netdev on a zeroed device.
    ///
    /// # Safety
    ///
    /// `dev` must be a freshly allocated device of this kind that nobody else uses yet.
    unsafe extern "C" fn setup(dev: *mut bindings::net_device) {
        // SAFETY: alloc_netdev calls setup with a freshly allocated device that only we see.
        unsafe {
            bindings::ether_setup(dev);
            (*dev).netdev_ops = &Self::NETDEV_OPS;
            (*dev).needs_free_netdev = true;
            (*dev).priv_destructor = Some(Self::priv_destructor);
            bindings::rbond_master_setup_flags(dev);
        }
    }

    /// `ndo_init`
    ///
    /// # Safety
    ///
    /// Called by register_netdevice, under RTNL, with a valid device of this kind.
    unsafe extern "C" fn ndo_init(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: register_netdevice calls ndo_init under RTNL with a valid device.
            let (ndev, rtnl) = unsafe { (NetDevice::from_raw(dev), Rtnl::assume_held()) };
            let state = T::init(ndev, rtnl)?;
            // SAFETY: the private area is a zeroed `Priv<T>` (priv_size, alloc_netdev zeroes it)
            // that nobody else touches before registration completes.
            let p = unsafe { &mut *bindings::rbond_netdev_priv(dev).cast::<Priv<T>>() };
            p.state.write(state);
            // INVARIANT: state was just initialized.
            p.ready = true;
            Ok(0)
        })
    }

    /// `net_device.priv_destructor`
    ///
    /// # Safety
    ///
    /// Called once for a device of this kind, when no other callback can run any more.
    unsafe extern "C" fn priv_destructor(dev: *mut bindings::net_device) {
        // SAFETY: called once, by netdev_run_todo or register_netdevice's error path, when no
        // callback can run any more; the private area is a `Priv<T>`.
        let p = unsafe { &mut *bindings::rbond_netdev_priv(dev).cast::<Priv<T>>() };
        if p.ready {
            p.ready = false;
            // SAFETY: `ready` said the state is initialized; it is dropped once (ready is now false).
            unsafe { p.state.assume_init_drop() };
        }
    }

    /// `ndo_open`
    ///
    /// # Safety
    ///
    /// Called under RTNL with a registered device of this kind.
    unsafe extern "C" fn ndo_open(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: the core opens registered devices (so ndo_init succeeded) under RTNL.
            let (s, d, r) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held()) };
            s.open(d, r)?;
            Ok(0)
        })
    }

    /// `ndo_stop`
    ///
    /// # Safety
    ///
    /// Called under RTNL with a registered device of this kind.
    unsafe extern "C" fn ndo_stop(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: as in ndo_open.
            let (s, d, r) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held()) };
            s.stop(d, r)?;
            Ok(0)
        })
    }

    /// `ndo_change_mtu`
    ///
    /// # Safety
    ///
    /// Called under RTNL with a registered device of this kind.
    unsafe extern "C" fn ndo_change_mtu(dev: *mut bindings::net_device, mtu: c_int) -> c_int {
        from_result(|| {
            // SAFETY: the core changes the MTU of registered devices under RTNL.
            let (s, d, r) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held()) };
            s.change_mtu(d, r, u32::try_from(mtu).map_err(|_| EINVAL)?)?;
            Ok(0)
        })
    }

    /// `ndo_start_xmit`
    ///
    /// # Safety
    ///
    /// Called with a registered, running device of this kind and an skb whose reference is ours.
    unsafe extern "C" fn ndo_start_xmit(
        skb: *mut bindings::sk_buff,
        dev: *mut bindings::net_device,
    ) -> bindings::netdev_tx_t {
        // SAFETY: the core transmits only on registered, running devices and hands us the skb.
        let (s, d) = unsafe { (Self::state(dev), NetDevice::from_raw(dev)) };
        // SAFETY: the skb's reference is ours now.
        if let Some(skb) = unsafe { Skb::from_raw(skb) } {
            s.start_xmit(d, skb);
        }
        bindings::netdev_tx_NETDEV_TX_OK
    }

    /// `rtnl_link_ops.validate`
    ///
    /// # Safety
    ///
    /// Called by rtnetlink with `data` parsed for this kind's maxtype (or null) and a valid or null
    /// extack.
    unsafe extern "C" fn validate(
        _tb: *mut *mut bindings::nlattr,
        data: *mut *mut bindings::nlattr,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: rtnetlink passes `data` parsed with our maxtype (MAXTYPE + 1 entries) or null,
            // and a valid or null extack, for the duration of the call.
            let (data, mut extack) = unsafe { (LinkData::from_raw(data, T::MAXTYPE), ExtAck::from_raw(extack)) };
            T::validate(&data, &mut extack)?;
            Ok(0)
        })
    }

    /// `rtnl_link_ops.get_num_tx_queues`
    extern "C" fn get_num_tx_queues() -> c_uint {
        T::TX_QUEUES
    }
}

/// `rtnl_link_ops` in memory that C may write (rtnl_link_register links it into a list).
struct LinkOps(UnsafeCell<bindings::rtnl_link_ops>);

// SAFETY: after registration only the rtnetlink core touches the ops, under its own locking; we
// touch them before registering and after unregistering.
unsafe impl Sync for LinkOps {}
// SAFETY: as above; the ops are not tied to a thread.
unsafe impl Send for LinkOps {}

/// A registered link kind; unregistering it (on drop) deletes all its devices in all namespaces.
///
/// # Invariants
///
/// `ops` is registered with rtnetlink for the whole life of the value, at a stable heap address.
pub(crate) struct Registration<T: Master> {
    ops: KBox<LinkOps>,
    _t: PhantomData<T>,
}

impl<T: Master> Registration<T> {
    /// Registers the link kind `T::KIND`.
    pub(crate) fn register() -> Result<Self> {
        const { assert!(core::mem::align_of::<Priv<T>>() <= bindings::NETDEV_ALIGN as usize) };
        // SAFETY: `rtnl_link_ops` is plain data and nullable pointers: all zeroes is valid.
        let mut ops: bindings::rtnl_link_ops = unsafe { core::mem::zeroed() };
        ops.kind = T::KIND.as_char_ptr().cast();
        ops.priv_size = size_of::<Priv<T>>();
        ops.setup = Some(Adapter::<T>::setup);
        ops.maxtype = T::MAXTYPE.into();
        ops.validate = Some(Adapter::<T>::validate);
        ops.get_num_tx_queues = Some(Adapter::<T>::get_num_tx_queues);
        let ops = KBox::new(LinkOps(UnsafeCell::new(ops)), GFP_KERNEL)?;
        // SAFETY: `ops` is fully set up and lives at a stable address until `drop` unregisters it.
        kernel::error::to_result(unsafe { bindings::rtnl_link_register(ops.0.get()) })?;
        // INVARIANT: registered above.
        Ok(Registration { ops, _t: PhantomData })
    }

    /// Creates and registers a device of this kind in the initial namespace, named from
    /// `T::NAME_TEMPLATE` (what `max_bonds` does at load).
    pub(crate) fn create(&self, _rtnl: &Rtnl) -> Result {
        let ops = self.ops.0.get();
        // SAFETY: the template is NUL-terminated; setup and priv_size are those of this kind.
        let dev = unsafe {
            bindings::alloc_netdev_mqs(
                size_of::<Priv<T>>() as c_int,
                T::NAME_TEMPLATE.as_char_ptr().cast(),
                bindings::NET_NAME_UNKNOWN as u8,
                Some(Adapter::<T>::setup),
                T::TX_QUEUES,
                T::TX_QUEUES,
            )
        };
        if dev.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `dev` is ours until registered; RTNL is held (the proof) as registration needs;
        // `ops` outlives the device (unregistering the kind deletes its devices first); on
        // failure the device was never visible, so we free it.
        unsafe {
            bindings::rbond_dev_net_set(dev, core::ptr::addr_of_mut!(bindings::init_net));
            (*dev).rtnl_link_ops = ops;
            let ret = bindings::register_netdevice(dev);
            if ret < 0 {
                bindings::free_netdev(dev);
                return Err(Error::from_errno(ret));
            }
        }
        Ok(())
    }
}

impl<T: Master> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered by the type invariant; rtnl_link_unregister deletes every device of
        // the kind (taking RTNL itself) before it returns, so no callback runs afterwards.
        unsafe { bindings::rtnl_link_unregister(self.ops.0.get()) };
    }
}
