// SPDX-License-Identifier: GPL-2.0
//! A link kind (`rtnl_link_ops`) whose devices are masters driven by a Rust [`Master`].
//!
//! The adapter owns the C callbacks: it turns raw pointers into the wrappers of this tier, keeps the
//! driver's state in the device's private area, and maps `Result` to errno.

use super::bindings;
use super::netdev::{AddrLock, BpfProg, DevRef, NetDevice, NetNs, Skb, Sock, Stats64, TxStatus, VlanProto};
use super::rcu::RcuRead;
use super::netlink::{ExtAck, LinkData, NlMsg};
use super::rtnl::Rtnl;
use super::xfrm::{XfrmList, XfrmState};
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::mem::{size_of, MaybeUninit};
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::error::{from_result, to_result};
use kernel::prelude::*;

/// What a master device's driver implements. Every method but `start_xmit` and `work` runs
/// under RTNL.
///
/// The kinds' names are given to [`Registration::register`]: one `Master` type may drive several
/// kinds (rbond's `rbond`, and `bond` in compat mode).
pub(crate) trait Master: Sized + Send + Sync {
    /// The highest `IFLA_INFO_DATA` attribute type the kind parses.
    const MAXTYPE: u16;
    /// The highest `IFLA_INFO_SLAVE_DATA` attribute type the kind parses for its slaves.
    const SLAVE_MAXTYPE: u16;
    /// The most `fill_info` puts (`get_size`), in bytes.
    const INFO_SIZE: usize;
    /// The most `fill_slave_info` puts (`get_slave_size`), in bytes.
    const SLAVE_INFO_SIZE: usize;
    /// The most `fill_xstats` puts (`get_linkxstats_size`), in bytes.
    const XSTATS_SIZE: usize;
    /// Transmit (and receive) queues of a new device whose creator did not ask for a number.
    fn tx_queues() -> u32;
    /// Options parsed from a creation request, applied when the device initializes.
    type Config: Send;

    /// Checks the `IFLA_INFO_DATA` of a new or changed link; on error nothing is created or changed.
    fn validate(data: &LinkData<'_>, extack: &mut ExtAck<'_>) -> Result;
    /// Parses the options of a new link (`ip link add ... type KIND OPTIONS`), before the device
    /// is registered. On error the device is not created.
    fn parse_config(dev: &NetDevice, data: &LinkData<'_>, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result<Self::Config>;
    /// Makes the driver state of a device being registered (`ndo_init`), with the options of the
    /// creation request if there was one.
    fn init(dev: &NetDevice, rtnl: &Rtnl, config: Option<Self::Config>) -> Result<Self>;
    /// `ndo_uninit`: the device is being unregistered.
    fn uninit(&self, dev: &NetDevice, rtnl: &Rtnl);
    /// Changes options of an existing link; all or nothing.
    fn changelink(&self, dev: &NetDevice, data: &LinkData<'_>, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result;
    /// `fill_info`: the device's `IFLA_INFO_DATA` attributes; EMSGSIZE if they do not fit.
    fn fill_info(&self, dev: &NetDevice, msg: &mut NlMsg<'_>, rtnl: &Rtnl) -> Result;
    /// `fill_slave_info`: the `IFLA_INFO_SLAVE_DATA` attributes of `slave`, whose master is `dev`.
    fn fill_slave_info(&self, dev: &NetDevice, slave: &NetDevice, msg: &mut NlMsg<'_>, rtnl: &Rtnl) -> Result;
    /// `fill_linkxstats`: the extended statistics of `dev`, a master of this kind or (`slave`)
    /// a slave of one; EMSGSIZE if they do not fit.
    fn fill_xstats(dev: &NetDevice, slave: bool, msg: &mut NlMsg<'_>, rtnl: &Rtnl) -> Result;
    /// `slave_changelink` (`ip link set SLAVE type KIND_slave OPTIONS`); all or nothing.
    fn slave_changelink(&self, dev: &NetDevice, slave: &NetDevice, data: &LinkData<'_>, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result;
    /// `ndo_open`
    fn open(&self, dev: &NetDevice, rtnl: &Rtnl) -> Result;
    /// `ndo_stop`
    fn stop(&self, dev: &NetDevice, rtnl: &Rtnl) -> Result;
    /// `ndo_change_mtu`: the core has checked `mtu` against the device's limits.
    fn change_mtu(&self, dev: &NetDevice, rtnl: &Rtnl, mtu: u32) -> Result;
    /// `ndo_set_mac_address`: `addr` is a valid unicast address.
    fn set_mac_address(&self, dev: &NetDevice, addr: &[u8; 6], rtnl: &Rtnl) -> Result;
    /// `ndo_add_slave` (`ip link set SLAVE master DEV`).
    fn add_slave(&self, dev: &NetDevice, slave: &NetDevice, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result;
    /// `ndo_del_slave` (`ip link set SLAVE nomaster`).
    fn del_slave(&self, dev: &NetDevice, slave: &NetDevice, rtnl: &Rtnl) -> Result;
    /// `ndo_change_rx_flags`: `change` holds the IFF_PROMISC / IFF_ALLMULTI bits that changed.
    fn change_rx_flags(&self, dev: &NetDevice, change: u32, rtnl: &Rtnl);
    /// `ndo_set_rx_mode`: atomic context, under the device's address lock and RCU, maybe
    /// without RTNL.
    fn set_rx_mode(&self, dev: &NetDevice, lock: &AddrLock, rcu: &RcuRead);
    /// `ndo_siocbond`: the ifenslave ioctls, under RTNL, with the slave they name.
    fn ioctl(&self, dev: &NetDevice, cmd: BondIoctl, slave: &NetDevice, rtnl: &Rtnl) -> Result;
    /// `ndo_vlan_rx_add_vid`: VLAN `vid` of `proto` is used over the device (a VLAN device on
    /// it, or VLAN 0 when it comes up); all or nothing.
    fn vlan_rx_add_vid(&self, dev: &NetDevice, proto: VlanProto, vid: u16, rtnl: &Rtnl) -> Result;
    /// `ndo_vlan_rx_kill_vid`: the inverse of `vlan_rx_add_vid`.
    fn vlan_rx_kill_vid(&self, dev: &NetDevice, proto: VlanProto, vid: u16, rtnl: &Rtnl);
    /// `ndo_get_stats64`
    fn get_stats64(&self, dev: &NetDevice, stats: &mut Stats64);
    /// `SIOCBONDINFOQUERY` (`bond_fill_ifbond()`): the mode's number, the slave count, miimon.
    fn info_query(&self, dev: &NetDevice, rtnl: &Rtnl) -> [i32; 3];
    /// `SIOCBONDSLAVEINFOQUERY` (`bond_fill_ifslave()`): the slave at `index` in enslave order,
    /// its link (C's `BOND_LINK_*`), state (0 active, 1 backup) and link failure count; None if
    /// there is no such slave.
    fn slave_info_query(&self, dev: &NetDevice, index: i32, rtnl: &Rtnl) -> Option<(DevRef, i8, i8, u32)>;
    /// ethtool's link settings (`bond_ethtool_get_link_ksettings()`): speed in Mb/s
    /// (`SPEED_UNKNOWN` when none is known) and duplex (`DUPLEX_UNKNOWN` likewise).
    fn link_ksettings(&self, dev: &NetDevice, rtnl: &Rtnl) -> (u32, u8);
    /// The active slave in the modes that have one (`bond_option_active_slave_get_rcu()`), for
    /// timestamping; any context, no lock held.
    fn active_slave(&self, dev: &NetDevice) -> Option<DevRef>;
    /// The current slave in any mode (`curr_active_slave`), for the header_ops of a bond of
    /// non-Ethernet slaves; any context (transmit and receive paths too): no lock, no allocation.
    fn header_slave(&self, dev: &NetDevice) -> Option<DevRef>;
    /// `ndo_netpoll_setup`: netpoll (netconsole) starts using the device; under RTNL.
    fn netpoll_setup(&self, dev: &NetDevice, rtnl: &Rtnl) -> Result;
    /// `ndo_netpoll_cleanup`: netpoll stops using the device; under RTNL.
    fn netpoll_cleanup(&self, dev: &NetDevice, rtnl: &Rtnl);
    /// `ndo_poll_controller`: netpoll asks the lower devices to handle what they have; in
    /// netpoll's context (interrupts off), under RCU.
    fn poll_controller(&self, dev: &NetDevice, rcu: &RcuRead);
    /// `ndo_bpf` (XDP_SETUP_PROG): `prog` becomes the device's native XDP program (None: it has
    /// none); under RTNL; all or nothing.
    fn xdp_setup(&self, dev: &NetDevice, prog: Option<BpfProg>, extack: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result;
    /// `ndo_xdp_get_xmit_slave`: the lower device that sends the XDP frame `frame` (its bytes from
    /// the MAC header), as `ndo_xdp_xmit` does; under RCU, takes no lock and allocates nothing.
    fn xdp_xmit_slave<'a>(&'a self, dev: &NetDevice, frame: &[u8], rcu: &'a RcuRead) -> Option<&'a NetDevice>;
    /// The states offloaded to the device (`xfrmdev_ops`); the adapter removes a state from it
    /// when the xfrm core frees it, after `xfrm_free`.
    fn xfrm_list(&self) -> &XfrmList;
    /// `xdo_dev_state_add`: a slave takes `xs`, whose `xso.dev` is `dev`; process context.
    fn xfrm_add(&self, dev: &NetDevice, xs: &XfrmState, extack: &mut ExtAck<'_>) -> Result;
    /// `xdo_dev_state_delete`: `xs` leaves the slave that holds it; any context (the core often
    /// holds the state's lock): takes no sleeping lock.
    fn xfrm_delete(&self, dev: &NetDevice, xs: &XfrmState);
    /// `xdo_dev_state_free`: the core frees `xs`; process context.
    fn xfrm_free(&self, dev: &NetDevice, xs: &XfrmState);
    /// `xdo_dev_offload_ok`: whether a frame under `xs` can be sent with the offload; transmit
    /// path: no lock, no allocation.
    fn xfrm_offload_ok(&self, dev: &NetDevice, xs: &XfrmState, rcu: &RcuRead) -> bool;
    /// `xdo_dev_state_advance_esn`: through the slave that holds `xs`; under RCU.
    fn xfrm_advance_esn(&self, dev: &NetDevice, xs: &XfrmState, rcu: &RcuRead);
    /// `xdo_dev_state_update_stats`: through the slave that holds `xs`; under RCU.
    fn xfrm_update_stats(&self, dev: &NetDevice, xs: &XfrmState, rcu: &RcuRead);
    /// `ndo_sk_get_lower_dev`: the slave that sends the frames of socket `sk` (kTLS device
    /// offload asks), valid for the RCU section.
    fn sk_lower_dev<'r>(&'r self, dev: &NetDevice, sk: &Sock, rcu: &'r RcuRead) -> Option<&'r NetDevice>;
    /// `ndo_start_xmit`: takes no lock and allocates nothing; always consumes the frame.
    fn start_xmit(&self, dev: &NetDevice, skb: Skb, rcu: &RcuRead) -> TxStatus;
    /// One of the device's delayed works ran (see [`schedule_work`]); process context, no lock
    /// held.
    fn work(&self, dev: &NetDevice, which: Work);
}

/// The delayed works of a master device.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Work {
    /// The link monitor (`mii_work`).
    Monitor = 0,
    /// The 802.3ad state machines' tick (`ad_work`).
    Ad = 1,
    /// The IGMP/MLD rejoins after a failover (`mcast_work`).
    Mcast = 2,
    /// balance-tlb and balance-alb's monitor (`alb_work`).
    Alb = 3,
    /// The 802.3ad receive machine for LACPDUs that arrived (`bond_3ad_rx_indication()`, which
    /// bonding.ko runs in softirq under a spinlock; rbond's receive path takes no lock and hands
    /// them to this work instead).
    AdRx = 4,
}

/// How many delayed works a master has (one per [`Work`]).
const WORKS: usize = 5;

/// The `SIOCBOND*` ioctls that name a slave (old ifenslave).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BondIoctl {
    /// SIOCBONDENSLAVE
    Enslave,
    /// SIOCBONDRELEASE
    Release,
    /// SIOCBONDSETHWADDR
    SetHwAddr,
    /// SIOCBONDCHANGEACTIVE
    ChangeActive,
}

/// The private area of a master: the driver state once `ndo_init` made it, the options of the
/// creation request until then, and the device's delayed work.
///
/// # Invariants
///
/// `state` is initialized iff `ready` is true; `config` iff `has_config`. `state` is written in
/// `ndo_init` and dropped in `priv_destructor`; `config` is written by `newlink` before
/// registration and taken by `ndo_init`. All of this happens under RTNL. `work[i]` is initialized
/// in `setup` with `work_fn::<T, i>` and idle when `priv_destructor` runs (`ndo_uninit` cancels
/// them all).
struct Priv<T: Master> {
    ready: bool,
    has_config: bool,
    work: [bindings::delayed_work; WORKS],
    config: MaybeUninit<T::Config>,
    state: MaybeUninit<T>,
}

/// The C callbacks for one `Master` type.
struct Adapter<T: Master>(PhantomData<T>);

impl<T: Master> Adapter<T> {
    const NETDEV_OPS: bindings::net_device_ops = {
        // SAFETY: `net_device_ops` is a table of nullable function pointers: all zeroes is valid.
        let mut ops: bindings::net_device_ops = unsafe { core::mem::zeroed() };
        ops.ndo_init = Some(Self::ndo_init);
        ops.ndo_uninit = Some(Self::ndo_uninit);
        ops.ndo_set_mac_address = Some(Self::ndo_set_mac_address);
        ops.ndo_change_rx_flags = Some(Self::ndo_change_rx_flags);
        ops.ndo_set_rx_mode = Some(Self::ndo_set_rx_mode);
        ops.ndo_siocbond = Some(Self::ndo_siocbond);
        // bond_fix_features() over the lower devices, bond_select_queue() (C shim)
        ops.ndo_fix_features = Some(bindings::rbond_fix_features);
        ops.ndo_select_queue = Some(bindings::rbond_select_queue);
        ops.ndo_add_slave = Some(Self::ndo_add_slave);
        ops.ndo_del_slave = Some(Self::ndo_del_slave);
        ops.ndo_get_stats64 = Some(Self::ndo_get_stats64);
        ops.ndo_open = Some(Self::ndo_open);
        ops.ndo_stop = Some(Self::ndo_stop);
        ops.ndo_start_xmit = Some(Self::ndo_start_xmit);
        ops.ndo_change_mtu = Some(Self::ndo_change_mtu);
        ops.ndo_vlan_rx_add_vid = Some(Self::ndo_vlan_rx_add_vid);
        ops.ndo_vlan_rx_kill_vid = Some(Self::ndo_vlan_rx_kill_vid);
        // bond_eth_ioctl(), bond_siocdevprivate(), bond_hwtstamp_get/set() (C shim; the old
        // private ioctls end in ndo_siocbond, timestamping asks `CB` for the active slave)
        ops.ndo_eth_ioctl = Some(bindings::rbond_eth_ioctl);
        ops.ndo_siocdevprivate = Some(bindings::rbond_siocdevprivate);
        ops.ndo_hwtstamp_get = Some(bindings::rbond_hwtstamp_get);
        ops.ndo_hwtstamp_set = Some(bindings::rbond_hwtstamp_set);
        ops.ndo_features_check = Some(bindings::rbond_features_check);
        ops.ndo_netpoll_setup = Some(Self::ndo_netpoll_setup);
        ops.ndo_netpoll_cleanup = Some(Self::ndo_netpoll_cleanup);
        ops.ndo_poll_controller = Some(Self::ndo_poll_controller);
        // native XDP: the program through ndo_bpf, frames redirected to the bond sent by the shim's
        // bond_xdp_xmit() on the slave ndo_xdp_get_xmit_slave picks
        ops.ndo_bpf = Some(Self::ndo_bpf);
        ops.ndo_xdp_xmit = Some(bindings::rbond_xdp_xmit);
        ops.ndo_xdp_get_xmit_slave = Some(Self::ndo_xdp_get_xmit_slave);
        ops.ndo_sk_get_lower_dev = Some(Self::ndo_sk_get_lower_dev);
        ops
    };

    /// `bond_xfrmdev_ops`
    const XFRM_OPS: bindings::xfrmdev_ops = {
        // SAFETY: `xfrmdev_ops` is a table of nullable function pointers: all zeroes is valid.
        let mut ops: bindings::xfrmdev_ops = unsafe { core::mem::zeroed() };
        ops.xdo_dev_state_add = Some(Self::xdo_dev_state_add);
        ops.xdo_dev_state_delete = Some(Self::xdo_dev_state_delete);
        ops.xdo_dev_state_free = Some(Self::xdo_dev_state_free);
        ops.xdo_dev_offload_ok = Some(Self::xdo_dev_offload_ok);
        ops.xdo_dev_state_advance_esn = Some(Self::xdo_dev_state_advance_esn);
        ops.xdo_dev_state_update_stats = Some(Self::xdo_dev_state_update_stats);
        ops
    };

    /// `ndo_sk_get_lower_dev`
    ///
    /// # Safety
    ///
    /// Called by netdev_sk_get_lowest_dev() with a registered device of this kind and a valid
    /// socket; like bonding, the device returned is a slave the caller uses without a reference.
    unsafe extern "C" fn ndo_sk_get_lower_dev(dev: *mut bindings::net_device, sk: *mut bindings::sock) -> *mut bindings::net_device {
        // SAFETY: as documented.
        let (s, d, sk) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Sock::from_raw(sk)) };
        RcuRead::with(|rcu| s.sk_lower_dev(d, sk, rcu).map_or(core::ptr::null_mut(), NetDevice::as_raw))
    }

    /// The bond a state was offloaded to (`xso.dev`), and its driver state.
    ///
    /// # Safety
    ///
    /// `xs` must be a valid state handed to one of `XFRM_OPS`, whose `xso.dev` (if set) is a
    /// device of this kind: the core calls only the ops of `xso.dev`, which holds a reference on
    /// it and is registered (so initialized) when it gets the state.
    unsafe fn xs_bond<'a>(xs: *mut bindings::xfrm_state) -> Option<(&'a T, &'a NetDevice, &'a XfrmState)> {
        // SAFETY: as documented.
        let xs = unsafe { XfrmState::from_raw(xs) };
        let d = xs.dev()?;
        // SAFETY: `d` is a device of this kind whose state lives until its last reference (which
        // `xso.dev` holds) is gone.
        Some((unsafe { Self::state(d.as_raw()) }, d, xs))
    }

    /// `xdo_dev_state_add`
    ///
    /// # Safety
    ///
    /// Called by xfrm_dev_state_add() in process context with a registered device of this kind
    /// (`xso.dev`), a valid state and a valid or null extack.
    unsafe extern "C" fn xdo_dev_state_add(dev: *mut bindings::net_device, xs: *mut bindings::xfrm_state, extack: *mut bindings::netlink_ext_ack) -> c_int {
        if dev.is_null() {
            return EINVAL.to_errno();
        }
        from_result(|| {
            // SAFETY: as documented.
            let (s, d, x, mut ea) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), XfrmState::from_raw(xs), ExtAck::from_raw(extack)) };
            s.xfrm_add(d, x, &mut ea)?;
            Ok(0)
        })
    }

    /// `xdo_dev_state_delete`
    ///
    /// # Safety
    ///
    /// Called by the xfrm core with the device the state was offloaded to (of this kind) and a
    /// valid state.
    unsafe extern "C" fn xdo_dev_state_delete(dev: *mut bindings::net_device, xs: *mut bindings::xfrm_state) {
        if dev.is_null() {
            return;
        }
        // SAFETY: as documented.
        let (s, d, x) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), XfrmState::from_raw(xs)) };
        s.xfrm_delete(d, x);
    }

    /// `xdo_dev_state_free`
    ///
    /// # Safety
    ///
    /// Called by the xfrm core in process context, before it frees the state, with the device the
    /// state was offloaded to (of this kind) and a valid state.
    unsafe extern "C" fn xdo_dev_state_free(dev: *mut bindings::net_device, xs: *mut bindings::xfrm_state) {
        if dev.is_null() {
            return;
        }
        // SAFETY: as documented.
        let (s, d, x) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), XfrmState::from_raw(xs)) };
        s.xfrm_free(d, x);
        // INVARIANT (`XfrmList`): the state leaves the list before the core frees it.
        s.xfrm_list().lock().remove(x);
    }

    /// `xdo_dev_offload_ok`
    ///
    /// # Safety
    ///
    /// Called by the xfrm core on the transmit path with a valid skb and a valid state offloaded
    /// to a device of this kind.
    unsafe extern "C" fn xdo_dev_offload_ok(_skb: *mut bindings::sk_buff, xs: *mut bindings::xfrm_state) -> bool {
        // SAFETY: as documented.
        let Some((s, d, x)) = (unsafe { Self::xs_bond(xs) }) else { return false };
        RcuRead::with(|rcu| s.xfrm_offload_ok(d, x, rcu))
    }

    /// `xdo_dev_state_advance_esn`
    ///
    /// # Safety
    ///
    /// Called by the xfrm core with a valid state offloaded to a device of this kind.
    unsafe extern "C" fn xdo_dev_state_advance_esn(xs: *mut bindings::xfrm_state) {
        // SAFETY: as documented.
        let Some((s, d, x)) = (unsafe { Self::xs_bond(xs) }) else { return };
        RcuRead::with(|rcu| s.xfrm_advance_esn(d, x, rcu));
    }

    /// `xdo_dev_state_update_stats`
    ///
    /// # Safety
    ///
    /// Called by the xfrm core with a valid state offloaded to a device of this kind.
    unsafe extern "C" fn xdo_dev_state_update_stats(xs: *mut bindings::xfrm_state) {
        // SAFETY: as documented.
        let Some((s, d, x)) = (unsafe { Self::xs_bond(xs) }) else { return };
        RcuRead::with(|rcu| s.xfrm_update_stats(d, x, rcu));
    }

    /// `ndo_netpoll_setup`
    ///
    /// # Safety
    ///
    /// Called by __netpoll_setup() under RTNL with a registered device of this kind.
    unsafe extern "C" fn ndo_netpoll_setup(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: as documented.
            let (s, d, r) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held()) };
            s.netpoll_setup(d, r)?;
            Ok(0)
        })
    }

    /// `ndo_netpoll_cleanup`
    ///
    /// # Safety
    ///
    /// Called by netpoll's cleanup under RTNL with a registered device of this kind.
    unsafe extern "C" fn ndo_netpoll_cleanup(dev: *mut bindings::net_device) {
        // SAFETY: as documented.
        let (s, d, r) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held()) };
        s.netpoll_cleanup(d, r);
    }

    /// `ndo_poll_controller`
    ///
    /// # Safety
    ///
    /// Called by netpoll with a registered device of this kind, interrupts off (an RCU read-side
    /// section).
    unsafe extern "C" fn ndo_poll_controller(dev: *mut bindings::net_device) {
        // SAFETY: as documented; interrupts off is an RCU read-side section.
        let (s, d, rcu) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), RcuRead::assume()) };
        s.poll_controller(d, &rcu);
    }

    /// `ndo_bpf`
    ///
    /// # Safety
    ///
    /// Called by the core (dev_xdp_install(), dev_xdp_propagate()) under RTNL with a registered
    /// device of this kind and a valid request whose program reference, if any, is moved to us
    /// if we succeed (and stays the caller's if we fail).
    unsafe extern "C" fn ndo_bpf(dev: *mut bindings::net_device, bpf: *mut bindings::netdev_bpf) -> c_int {
        from_result(|| {
            let mut prog = core::ptr::null_mut();
            let mut ea = core::ptr::null_mut();
            // SAFETY: `bpf` is a valid request (as documented); the shim reads two fields.
            if !unsafe { bindings::rbond_netdev_bpf_setup_prog(bpf, &mut prog, &mut ea) } {
                return Err(EINVAL);
            }
            // SAFETY: as documented; the program reference is ours to keep on success (moved by
            // the core) and given back on failure, below; the extack lives for the request.
            let (s, d, r, prog, mut extack) = unsafe {
                (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held(), BpfProg::adopt(prog), ExtAck::from_raw(ea))
            };
            // the reference is the driver's only if it succeeds: on failure the caller puts it
            // (dev_xdp_install()) or never took one (dev_xdp_propagate()), so the bond works on
            // a reference of its own and gives the caller's back untouched when it fails
            let res = s.xdp_setup(d, prog.as_ref().map(BpfProg::clone_ref), &mut extack, r);
            match res {
                Ok(()) => drop(prog),
                Err(_) => {
                    if let Some(p) = prog {
                        p.give_back();
                    }
                }
            }
            res.map(|()| 0)
        })
    }

    /// `ndo_xdp_get_xmit_slave`
    ///
    /// # Safety
    ///
    /// Called under RCU (XDP_TX redirection in NAPI, or the shim's ndo_xdp_xmit, both in
    /// RCU read-side sections) with a registered device of this kind and a valid XDP buffer.
    unsafe extern "C" fn ndo_xdp_get_xmit_slave(dev: *mut bindings::net_device, xdp: *mut bindings::xdp_buff) -> *mut bindings::net_device {
        let mut len = 0usize;
        // SAFETY: `xdp` is a valid buffer (as documented); the shim reads its bounds.
        let data = unsafe { bindings::rbond_xdp_buff_data(xdp, &mut len) };
        // SAFETY: an XDP buffer's bytes from `data` to `data_end` are readable for the call; as
        // documented the caller is in an RCU read-side section with a device of this kind.
        let (frame, s, d, rcu) = unsafe { (core::slice::from_raw_parts(data, len), Self::state(dev), NetDevice::from_raw(dev), RcuRead::assume()) };
        s.xdp_xmit_slave(d, frame, &rcu).map_or(core::ptr::null_mut(), NetDevice::as_raw)
    }

    /// What the shim's ethtool and timestamping functions ask (`rbond_set_master_cb`).
    const CB: bindings::rbond_master_cb = bindings::rbond_master_cb {
        link_ksettings: Some(Self::cb_link_ksettings),
        active_slave: Some(Self::cb_active_slave),
        header_slave: Some(Self::cb_header_slave),
    };

    /// `rbond_master_cb.link_ksettings`
    ///
    /// # Safety
    ///
    /// Called by the shim's ethtool `get_link_ksettings` under RTNL, with a registered device of
    /// this kind and two writable places.
    unsafe extern "C" fn cb_link_ksettings(dev: *mut bindings::net_device, speed: *mut u32, duplex: *mut u8) {
        // SAFETY: as documented.
        let (s, d, r) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held()) };
        let (sp, du) = s.link_ksettings(d, r);
        // SAFETY: as documented, both places are writable.
        unsafe {
            *speed = sp;
            *duplex = du;
        }
    }

    /// `rbond_master_cb.active_slave`: the active slave with a reference for the caller.
    ///
    /// # Safety
    ///
    /// Called by the shim with a device of this kind on which the caller holds a reference (an
    /// ethtool or ioctl request on it), so its state is initialized and stays so.
    unsafe extern "C" fn cb_active_slave(dev: *mut bindings::net_device) -> *mut bindings::net_device {
        // SAFETY: as documented.
        let (s, d) = unsafe { (Self::state(dev), NetDevice::from_raw(dev)) };
        s.active_slave(d).map_or(core::ptr::null_mut(), DevRef::into_raw)
    }

    /// `rbond_master_cb.header_slave`: the current slave with a reference for the caller.
    ///
    /// # Safety
    ///
    /// Called by the shim's header_ops with a device of this kind that the caller holds (the
    /// frame's device or one it is handed to): the bond's header_ops are set only after a slave
    /// joined (its state initialized), and the state lives until the device is freed.
    unsafe extern "C" fn cb_header_slave(dev: *mut bindings::net_device) -> *mut bindings::net_device {
        // SAFETY: as documented.
        let (s, d) = unsafe { (Self::state(dev), NetDevice::from_raw(dev)) };
        s.header_slave(d).map_or(core::ptr::null_mut(), DevRef::into_raw)
    }

    /// # Safety
    ///
    /// `dev` must be a device of this link kind (allocated by alloc_netdev with our priv_size).
    unsafe fn priv_of(dev: *mut bindings::net_device) -> *mut Priv<T> {
        // SAFETY: by the caller's guarantee the private area is a `Priv<T>`; `dev` is valid.
        unsafe { netdev_priv(dev).cast::<Priv<T>>() }
    }

    /// # Safety
    ///
    /// `dev` must be a valid device of this link kind whose `ndo_init` succeeded and whose
    /// `priv_destructor` has not run.
    unsafe fn state<'a>(dev: *mut bindings::net_device) -> &'a T {
        // SAFETY: the private area of a device of this kind is a `Priv<T>` (priv_size and setup
        // below); by the caller's guarantee `ndo_init` initialized it and nothing dropped it.
        unsafe { (*netdev_priv(dev).cast::<Priv<T>>()).state.assume_init_ref() }
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
            (*dev).xfrmdev_ops = &Self::XFRM_OPS;
            (*dev).needs_free_netdev = true;
            (*dev).priv_destructor = Some(Self::priv_destructor);
            bindings::rbond_master_setup_flags(dev);
            bindings::rbond_set_sysfs_group(dev);
            let w = &mut (*Self::priv_of(dev)).work;
            bindings::rbond_init_delayed_work(&mut w[0], Some(Self::work_fn::<0>));
            bindings::rbond_init_delayed_work(&mut w[1], Some(Self::work_fn::<1>));
            bindings::rbond_init_delayed_work(&mut w[2], Some(Self::work_fn::<2>));
            bindings::rbond_init_delayed_work(&mut w[3], Some(Self::work_fn::<3>));
            bindings::rbond_init_delayed_work(&mut w[4], Some(Self::work_fn::<4>));
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
            // SAFETY: the private area is a `Priv<T>` (priv_size; alloc_netdev zeroes it, so the
            // flags are false unless set) that nobody else touches before registration completes.
            let p = unsafe { &mut *Self::priv_of(dev) };
            let config = if p.has_config {
                p.has_config = false;
                // SAFETY: `has_config` said `config` was written by newlink; it is taken once.
                Some(unsafe { p.config.assume_init_read() })
            } else {
                None
            };
            let state = T::init(ndev, rtnl, config)?;
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
        let p = unsafe { &mut *Self::priv_of(dev) };
        if p.has_config {
            p.has_config = false;
            // SAFETY: written by newlink and not taken (registration failed before ndo_init).
            unsafe { p.config.assume_init_drop() };
        }
        if p.ready {
            p.ready = false;
            // SAFETY: `ready` said the state is initialized; it is dropped once (ready is now false).
            unsafe { p.state.assume_init_drop() };
        }
    }

    /// `ndo_uninit`
    ///
    /// # Safety
    ///
    /// Called under RTNL while a device of this kind whose ndo_init succeeded is unregistered.
    unsafe extern "C" fn ndo_uninit(dev: *mut bindings::net_device) {
        // SAFETY: as documented; no work may run on a device being freed, so cancel it after the
        // driver released what could schedule it.
        unsafe {
            let (s, d, r) = (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held());
            s.uninit(d, r);
            for w in (*Self::priv_of(dev)).work.iter_mut() {
                bindings::cancel_delayed_work_sync(w);
            }
        }
    }

    /// The delayed work `I` of a device of this kind.
    ///
    /// # Safety
    ///
    /// Called by the workqueue with `work[I]` of a `Priv<T>` that `setup` initialized; the works
    /// are cancelled in `ndo_uninit`, before the device's state goes away.
    unsafe extern "C" fn work_fn<const I: usize>(work: *mut bindings::work_struct) {
        let which = match I {
            0 => Work::Monitor,
            1 => Work::Ad,
            2 => Work::Mcast,
            3 => Work::Alb,
            _ => Work::AdRx,
        };
        let off = core::mem::offset_of!(Priv<T>, work) + I * core::mem::size_of::<bindings::delayed_work>();
        // SAFETY: `work` is the first member of `work[I]` (a delayed_work) inside a `Priv<T>`;
        // the state is initialized (works are only scheduled by the driver through a live device)
        // and alive until ndo_uninit cancelled the works.
        unsafe {
            let p = work.cast::<u8>().sub(off).cast::<Priv<T>>();
            let dev = bindings::rbond_priv_to_netdev(p.cast());
            (*p).state.assume_init_ref().work(NetDevice::from_raw(dev), which);
        }
    }

    /// `ndo_siocbond`
    ///
    /// # Safety
    ///
    /// Called by dev_ioctl() (or the shim's `ndo_siocdevprivate`) under RTNL, after a
    /// CAP_NET_ADMIN check for all but the two queries, with a registered device of this kind and
    /// a kernel copy of the request.
    unsafe extern "C" fn ndo_siocbond(dev: *mut bindings::net_device, ifr: *mut bindings::ifreq, cmd: c_int) -> c_int {
        from_result(|| {
            let cmd = match cmd as u32 {
                bindings::SIOCBONDINFOQUERY => {
                    // SAFETY: as documented.
                    let (s, d, r) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held()) };
                    let [mode, n, miimon] = s.info_query(d, r);
                    // SAFETY: `ifr` is the request's, its `ifr_data` a user pointer the shim copies through.
                    to_result(unsafe { bindings::rbond_ioctl_put_ifbond(ifr, mode, n, miimon) })?;
                    return Ok(0);
                }
                bindings::SIOCBONDSLAVEINFOQUERY => {
                    let mut id = 0;
                    // SAFETY: as above.
                    to_result(unsafe { bindings::rbond_ioctl_get_ifslave_id(ifr, &mut id) })?;
                    // SAFETY: as documented.
                    let (s, d, r) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held()) };
                    let (slave, link, state, failures) = s.slave_info_query(d, id, r).ok_or(ENODEV)?;
                    // SAFETY: as above; the slave is valid (we hold a reference) and RTNL keeps its
                    // name stable.
                    to_result(unsafe { bindings::rbond_ioctl_put_ifslave(ifr, id, slave.as_raw(), link, state, failures) })?;
                    return Ok(0);
                }
                bindings::SIOCBONDENSLAVE => BondIoctl::Enslave,
                bindings::SIOCBONDRELEASE => BondIoctl::Release,
                bindings::SIOCBONDSETHWADDR => BondIoctl::SetHwAddr,
                bindings::SIOCBONDCHANGEACTIVE => BondIoctl::ChangeActive,
                _ => return Err(EOPNOTSUPP),
            };
            // SAFETY: as documented; the shim looks the slave up under RTNL, and a device found
            // so stays valid while RTNL is held.
            let (s, d, r, slave) = unsafe {
                let slave = bindings::rbond_ioctl_slave(dev, ifr);
                if slave.is_null() {
                    return Err(ENODEV);
                }
                (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held(), NetDevice::from_raw(slave))
            };
            s.ioctl(d, cmd, slave, r)?;
            Ok(0)
        })
    }

    /// `ndo_change_rx_flags`
    ///
    /// # Safety
    ///
    /// Called under RTNL with a registered device of this kind.
    unsafe extern "C" fn ndo_change_rx_flags(dev: *mut bindings::net_device, change: c_int) {
        // SAFETY: as documented.
        let (s, d, r) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held()) };
        s.change_rx_flags(d, change as u32, r);
    }

    /// `ndo_set_rx_mode`
    ///
    /// # Safety
    ///
    /// Called with a registered device of this kind, its address lock held, bottom halves off.
    unsafe extern "C" fn ndo_set_rx_mode(dev: *mut bindings::net_device) {
        // SAFETY: as documented; bottom halves off is an RCU read-side section; the rx mode is set
        // only on registered devices whose state is initialized.
        let (s, d, lock, rcu) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), AddrLock::assume(), RcuRead::assume()) };
        s.set_rx_mode(d, &lock, &rcu);
    }

    /// `ndo_set_mac_address`
    ///
    /// # Safety
    ///
    /// Called under RTNL with a registered device of this kind and a `struct sockaddr_storage`.
    unsafe extern "C" fn ndo_set_mac_address(dev: *mut bindings::net_device, addr: *mut c_void) -> c_int {
        from_result(|| {
            let mut mac = [0u8; 6];
            // SAFETY: as documented; the shim copies ETH_ALEN bytes of the address into `mac` and
            // says whether it is a valid unicast address.
            let (s, d, r, valid) = unsafe {
                let valid = bindings::rbond_sockaddr_mac(addr, mac.as_mut_ptr());
                (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held(), valid)
            };
            if !valid {
                return Err(EADDRNOTAVAIL);
            }
            s.set_mac_address(d, &mac, r)?;
            Ok(0)
        })
    }

    /// `ndo_add_slave`
    ///
    /// # Safety
    ///
    /// Called under RTNL with a registered device of this kind and a valid slave device.
    unsafe extern "C" fn ndo_add_slave(
        dev: *mut bindings::net_device,
        slave: *mut bindings::net_device,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: as documented.
            let (s, d, sl, r) = unsafe {
                (Self::state(dev), NetDevice::from_raw(dev), NetDevice::from_raw(slave), Rtnl::assume_held())
            };
            // SAFETY: extack is valid or null for the call.
            let mut ea = unsafe { ExtAck::from_raw(extack) };
            s.add_slave(d, sl, &mut ea, r)?;
            Ok(0)
        })
    }

    /// `ndo_del_slave`
    ///
    /// # Safety
    ///
    /// Called under RTNL with a registered device of this kind and a valid slave device.
    unsafe extern "C" fn ndo_del_slave(dev: *mut bindings::net_device, slave: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: as documented.
            let (s, d, sl, r) = unsafe {
                (Self::state(dev), NetDevice::from_raw(dev), NetDevice::from_raw(slave), Rtnl::assume_held())
            };
            s.del_slave(d, sl, r)?;
            Ok(0)
        })
    }

    /// `ndo_vlan_rx_add_vid`
    ///
    /// # Safety
    ///
    /// Called by the 8021q core (vlan_vid_add(), vlan_filter_push_vids()) under RTNL with a
    /// registered device of this kind.
    unsafe extern "C" fn ndo_vlan_rx_add_vid(dev: *mut bindings::net_device, proto: u16, vid: u16) -> c_int {
        from_result(|| {
            // SAFETY: as documented.
            let (s, d, r) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held()) };
            s.vlan_rx_add_vid(d, VlanProto(proto), vid, r)?;
            Ok(0)
        })
    }

    /// `ndo_vlan_rx_kill_vid`
    ///
    /// # Safety
    ///
    /// Called by the 8021q core (vlan_vid_del(), vlan_filter_drop_vids()) under RTNL with a
    /// registered device of this kind.
    unsafe extern "C" fn ndo_vlan_rx_kill_vid(dev: *mut bindings::net_device, proto: u16, vid: u16) -> c_int {
        // SAFETY: as documented.
        let (s, d, r) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held()) };
        s.vlan_rx_kill_vid(d, VlanProto(proto), vid, r);
        0
    }

    /// `ndo_get_stats64`
    ///
    /// # Safety
    ///
    /// Called with a registered device of this kind and a valid, exclusively ours stats struct.
    unsafe extern "C" fn ndo_get_stats64(dev: *mut bindings::net_device, stats: *mut bindings::rtnl_link_stats64) {
        // SAFETY: as documented.
        let (s, d, st) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Stats64::from_raw(stats)) };
        s.get_stats64(d, st);
    }

    /// `rtnl_link_ops.newlink`: parse the options, then register the device.
    ///
    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with an allocated, unregistered device of this kind and
    /// params whose `data` was parsed for our maxtype.
    unsafe extern "C" fn newlink(
        dev: *mut bindings::net_device,
        params: *mut bindings::rtnl_newlink_params,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: as documented.
            let (data, mut ea) = unsafe { (LinkData::from_raw((*params).data, T::MAXTYPE), ExtAck::from_raw(extack)) };
            // SAFETY: the device is allocated (not registered); RTNL is held by rtnetlink.
            let (d, r) = unsafe { (NetDevice::from_raw(dev), Rtnl::assume_held()) };
            let config = T::parse_config(d, &data, &mut ea, r)?;
            // SAFETY: the device is not registered yet: its private area is ours alone.
            let p = unsafe { &mut *Self::priv_of(dev) };
            p.config.write(config);
            // INVARIANT: config was just written.
            p.has_config = true;
            // SAFETY: RTNL is held; on failure register_netdevice cleans up (priv_destructor drops
            // an untaken config) and rtnetlink frees the device.
            kernel::error::to_result(unsafe { bindings::register_netdevice(dev) })?;
            own_sysfs(dev);
            Ok(0)
        })
    }

    /// `rtnl_link_ops.changelink`
    ///
    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with a registered device of this kind and `data` parsed for
    /// our maxtype (or null).
    unsafe extern "C" fn changelink(
        dev: *mut bindings::net_device,
        _tb: *mut *mut bindings::nlattr,
        data: *mut *mut bindings::nlattr,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: as documented.
            let (s, d, r, data, mut ea) = unsafe {
                (
                    Self::state(dev),
                    NetDevice::from_raw(dev),
                    Rtnl::assume_held(),
                    LinkData::from_raw(data, T::MAXTYPE),
                    ExtAck::from_raw(extack),
                )
            };
            s.changelink(d, &data, &mut ea, r)?;
            Ok(0)
        })
    }

    /// `rtnl_link_ops.fill_info`
    ///
    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with a registered device of this kind and the message it
    /// is filling.
    unsafe extern "C" fn fill_info(skb: *mut bindings::sk_buff, dev: *const bindings::net_device) -> c_int {
        let dev = dev.cast_mut();
        from_result(|| {
            // SAFETY: as documented; the message is ours to append to during the call.
            let (s, d, r, mut m) = unsafe { (Self::state(dev), NetDevice::from_raw(dev), Rtnl::assume_held(), NlMsg::from_raw(skb)) };
            s.fill_info(d, &mut m, r)?;
            Ok(0)
        })
    }

    /// `rtnl_link_ops.get_size`
    extern "C" fn get_size(_dev: *const bindings::net_device) -> usize {
        T::INFO_SIZE
    }

    /// `rtnl_link_ops.get_linkxstats_size`
    extern "C" fn get_linkxstats_size(_dev: *const bindings::net_device, attr: c_int) -> usize {
        match attr as u32 {
            bindings::IFLA_STATS_LINK_XSTATS | bindings::IFLA_STATS_LINK_XSTATS_SLAVE => T::XSTATS_SIZE,
            _ => 0,
        }
    }

    /// `rtnl_link_ops.fill_linkxstats`
    ///
    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with the message it is filling and, for
    /// `IFLA_STATS_LINK_XSTATS`, a registered device of this kind, for
    /// `IFLA_STATS_LINK_XSTATS_SLAVE` a registered device whose master is of this kind.
    unsafe extern "C" fn fill_linkxstats(
        skb: *mut bindings::sk_buff,
        dev: *const bindings::net_device,
        _prividx: *mut c_int,
        attr: c_int,
    ) -> c_int {
        let slave = match attr as u32 {
            bindings::IFLA_STATS_LINK_XSTATS => false,
            bindings::IFLA_STATS_LINK_XSTATS_SLAVE => true,
            _ => return EINVAL.to_errno(),
        };
        from_result(|| {
            // SAFETY: as documented.
            let (d, r, mut m) = unsafe { (NetDevice::from_raw(dev), Rtnl::assume_held(), NlMsg::from_raw(skb)) };
            T::fill_xstats(d, slave, &mut m, r)?;
            Ok(0)
        })
    }

    /// `rtnl_link_ops.get_slave_size`
    extern "C" fn get_slave_size(_dev: *const bindings::net_device, _slave: *const bindings::net_device) -> usize {
        T::SLAVE_INFO_SIZE
    }

    /// `rtnl_link_ops.fill_slave_info`
    ///
    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with a registered master of this kind, one of its slaves
    /// (a registered device whose master upper is `dev`) and the message it is filling.
    unsafe extern "C" fn fill_slave_info(
        skb: *mut bindings::sk_buff,
        dev: *const bindings::net_device,
        slave: *const bindings::net_device,
    ) -> c_int {
        let (dev, slave) = (dev.cast_mut(), slave.cast_mut());
        from_result(|| {
            // SAFETY: as documented.
            let (s, d, sd, r, mut m) = unsafe {
                (Self::state(dev), NetDevice::from_raw(dev), NetDevice::from_raw(slave), Rtnl::assume_held(), NlMsg::from_raw(skb))
            };
            s.fill_slave_info(d, sd, &mut m, r)?;
            Ok(0)
        })
    }

    /// `rtnl_link_ops.slave_changelink`
    ///
    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with a registered master of this kind, a registered slave
    /// device of it, and `data` parsed for our slave maxtype (or null).
    unsafe extern "C" fn slave_changelink(
        dev: *mut bindings::net_device,
        slave: *mut bindings::net_device,
        _tb: *mut *mut bindings::nlattr,
        data: *mut *mut bindings::nlattr,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: as documented.
            let (s, d, sd, r, data, mut ea) = unsafe {
                (
                    Self::state(dev),
                    NetDevice::from_raw(dev),
                    NetDevice::from_raw(slave),
                    Rtnl::assume_held(),
                    LinkData::from_raw(data, T::SLAVE_MAXTYPE),
                    ExtAck::from_raw(extack),
                )
            };
            s.slave_changelink(d, sd, &data, &mut ea, r)?;
            Ok(0)
        })
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
        let Some(skb) = (unsafe { Skb::from_raw(skb) }) else { return bindings::netdev_tx_NETDEV_TX_OK };
        // SAFETY: the core transmits under rcu_read_lock_bh(), an RCU read-side section.
        let rcu = unsafe { RcuRead::assume() };
        s.start_xmit(d, skb, &rcu).raw()
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
        T::tx_queues()
    }
}

/// The link kinds this module has registered (`rtnl_link_ops` addresses), so that a device can be
/// recognised as ours. All kinds of the module use the one `Master` type, `crate::bond::Bond`.
static KINDS: [AtomicPtr<bindings::rtnl_link_ops>; 2] = [const { AtomicPtr::new(core::ptr::null_mut()) }; 2];

/// The kind of the devices [`create`] makes: the first kind registered. Written under RTNL (and
/// cleared under RTNL before that kind is unregistered), so an RTNL holder that finds it set may
/// register a device of it: the unregistration, which takes RTNL after, deletes that device too.
static CREATE: AtomicPtr<bindings::rtnl_link_ops> = AtomicPtr::new(core::ptr::null_mut());

/// `dev` is a device of one of our kinds.
///
/// # Safety
///
/// `dev` must be a valid device.
pub(crate) unsafe extern "C" fn is_our_kind(dev: *const bindings::net_device) -> bool {
    // SAFETY: the device is valid by the caller's guarantee; rtnl_link_ops is set before
    // registration and never changes.
    let ops = unsafe { (*dev).rtnl_link_ops };
    !ops.is_null() && KINDS.iter().any(|k| core::ptr::eq(k.load(Ordering::Acquire), ops))
}

/// The driver state of `dev` if it is a master of one of our kinds (and initialized).
pub(crate) fn master_state<T: Master>(dev: &NetDevice) -> Option<&T> {
    let raw = dev.as_raw();
    // SAFETY: the device is valid; rtnl_link_ops is set before registration and never changes.
    let ops = unsafe { (*raw).rtnl_link_ops };
    if ops.is_null() || !KINDS.iter().any(|k| core::ptr::eq(k.load(Ordering::Acquire), ops)) {
        return None;
    }
    // SAFETY: a device of one of our kinds has a `Priv<T>` (one Master type per module, see
    // KINDS); `ready` says whether its state is initialized, and the state lives as long as the
    // device (priv_destructor runs when the last reference is gone), which the borrow of `dev`
    // keeps alive.
    unsafe {
        let p = &*netdev_priv(raw).cast::<Priv<T>>();
        p.ready.then(|| p.state.assume_init_ref())
    }
}

/// Schedules the delayed work `which` of `dev` (a device of kind `T`) in `delay_ms`
/// milliseconds, unless it is already pending.
pub(crate) fn schedule_work<T: Master>(dev: &NetDevice, _state: &T, which: Work, delay_ms: u32) {
    // SAFETY: `_state` proves that `dev` is an initialized device of kind `T` (from
    // `master_state` or a callback), so its `Priv<T>` holds works initialized by `setup`.
    unsafe {
        let p = Adapter::<T>::priv_of(dev.as_raw());
        bindings::rbond_queue_delayed_work(&mut (*p).work[which as usize], delay_ms);
    }
}

/// Runs the delayed work `which` of `dev` now: a pending run is brought forward, an idle one
/// queued without delay.
pub(crate) fn run_work_now<T: Master>(dev: &NetDevice, _state: &T, which: Work) {
    // SAFETY: as in `schedule_work`.
    unsafe {
        let p = Adapter::<T>::priv_of(dev.as_raw());
        bindings::rbond_run_delayed_work_now(&mut (*p).work[which as usize]);
    }
}

/// Cancels the delayed work `which` of `dev` and waits for a running instance to finish. Must not
/// be called from that work itself.
pub(crate) fn cancel_work<T: Master>(dev: &NetDevice, _state: &T, which: Work) {
    // SAFETY: as in `schedule_work`.
    unsafe {
        let p = Adapter::<T>::priv_of(dev.as_raw());
        bindings::cancel_delayed_work_sync(&mut (*p).work[which as usize]);
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
    template: &'static CStr,
    _t: PhantomData<T>,
}

impl<T: Master> Registration<T> {
    /// Registers the link kind `kind` (`ip link add NAME type KIND`), driven by `T`; the devices
    /// [`Registration::create`] makes are named from `template` (`"rbond%d"`). `EEXIST` if the
    /// kind is taken (by another module), and then nothing is registered.
    pub(crate) fn register(kind: &'static CStr, template: &'static CStr) -> Result<Self> {
        const { assert!(core::mem::align_of::<Priv<T>>() <= bindings::NETDEV_ALIGN as usize) };
        // SAFETY: `rtnl_link_ops` is plain data and nullable pointers: all zeroes is valid.
        let mut ops: bindings::rtnl_link_ops = unsafe { core::mem::zeroed() };
        ops.kind = kind.as_char_ptr().cast();
        ops.priv_size = size_of::<Priv<T>>();
        ops.setup = Some(Adapter::<T>::setup);
        ops.maxtype = T::MAXTYPE.into();
        // bonding's policies: rtnetlink checks the attributes' lengths as for bonding; they have
        // IFLA_BOND_MAX + 1 and IFLA_BOND_SLAVE_MAX + 1 entries, so the maxtypes must be those
        const {
            assert!(T::MAXTYPE as u32 + 1 == bindings::__IFLA_BOND_MAX);
            assert!(T::SLAVE_MAXTYPE as u32 + 1 == bindings::__IFLA_BOND_SLAVE_MAX);
        };
        // SAFETY: the shim returns the address of a static table; no arguments.
        ops.policy = unsafe { bindings::rbond_bond_policy() };
        // SAFETY: as above.
        ops.slave_policy = unsafe { bindings::rbond_bond_slave_policy() };
        ops.validate = Some(Adapter::<T>::validate);
        ops.newlink = Some(Adapter::<T>::newlink);
        ops.changelink = Some(Adapter::<T>::changelink);
        ops.get_size = Some(Adapter::<T>::get_size);
        ops.fill_info = Some(Adapter::<T>::fill_info);
        ops.slave_maxtype = T::SLAVE_MAXTYPE.into();
        ops.slave_changelink = Some(Adapter::<T>::slave_changelink);
        ops.get_slave_size = Some(Adapter::<T>::get_slave_size);
        ops.fill_slave_info = Some(Adapter::<T>::fill_slave_info);
        ops.get_linkxstats_size = Some(Adapter::<T>::get_linkxstats_size);
        ops.fill_linkxstats = Some(Adapter::<T>::fill_linkxstats);
        ops.get_num_tx_queues = Some(Adapter::<T>::get_num_tx_queues);
        // as many receive queues as transmit queues, as bonding.ko
        ops.get_num_rx_queues = Some(Adapter::<T>::get_num_tx_queues);
        let ops = KBox::new(LinkOps(UnsafeCell::new(ops)), GFP_KERNEL)?;
        let slot = KINDS
            .iter()
            .find(|k| k.compare_exchange(core::ptr::null_mut(), ops.0.get(), Ordering::AcqRel, Ordering::Acquire).is_ok())
            .ok_or(EBUSY)?;
        // SAFETY: `CB` is a constant (promoted to a static: its address stays valid); the kinds of
        // the module all have the one `Master` type (see KINDS), so a second call sets the same.
        unsafe { bindings::rbond_set_master_cb(&Adapter::<T>::CB) };
        // SAFETY: `ops` is fully set up and lives at a stable address until `drop` unregisters it.
        if let Err(e) = kernel::error::to_result(unsafe { bindings::rtnl_link_register(ops.0.get()) }) {
            slot.store(core::ptr::null_mut(), Ordering::Release);
            return Err(e);
        }
        {
            let _rtnl = Rtnl::lock();
            let _ = CREATE.compare_exchange(core::ptr::null_mut(), ops.0.get(), Ordering::AcqRel, Ordering::Acquire);
        }
        // INVARIANT: registered above.
        Ok(Registration { ops, template, _t: PhantomData })
    }

    /// Creates and registers a device of this kind in the initial namespace, named from the
    /// template (what `max_bonds` does at load).
    pub(crate) fn create(&self, rtnl: &Rtnl) -> Result {
        // SAFETY: init_net lives as long as the kernel.
        let net = unsafe { NetNs::from_raw(core::ptr::addr_of_mut!(bindings::init_net)) };
        // SAFETY: our ops are registered (type invariant), for `T`.
        unsafe { new_device::<T>(rtnl, self.ops.0.get(), net, self.template) }
    }
}

/// Creates and registers a device named `name` in `net`, of the first kind this module registered
/// (`bond_create()`, for the masters file).
pub(crate) fn create<T: Master>(rtnl: &Rtnl, net: &NetNs, name: &CStr) -> Result {
    let ops = CREATE.load(Ordering::Acquire);
    if ops.is_null() {
        return Err(ENODEV);
    }
    // SAFETY: CREATE is a registered kind while we hold RTNL (see CREATE), of the one `Master`
    // type of the module.
    unsafe { new_device::<T>(rtnl, ops, net, name) }
}

/// Creates and registers a device of the kind `ops` in `net`, named `name` (a name or a template
/// with `%d`).
///
/// # Safety
///
/// `ops` must be a registered kind whose devices are driven by `T` (made by
/// [`Registration::register`] for `T`).
unsafe fn new_device<T: Master>(_rtnl: &Rtnl, ops: *mut bindings::rtnl_link_ops, net: &NetNs, name: &CStr) -> Result {
    // SAFETY: the name is NUL-terminated; setup and priv_size are those of the kinds of `T`.
    let dev = unsafe {
        bindings::alloc_netdev_mqs(
            size_of::<Priv<T>>() as c_int,
            name.as_char_ptr().cast(),
            bindings::NET_NAME_UNKNOWN as u8,
            Some(Adapter::<T>::setup),
            T::tx_queues(),
            T::tx_queues(),
        )
    };
    if dev.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `dev` is ours until registered; RTNL is held (the proof) as registration needs;
    // `ops` outlives the device (unregistering the kind deletes its devices first); on failure
    // the device was never visible, so we free it.
    unsafe {
        bindings::rbond_dev_net_set(dev, net.as_raw());
        (*dev).rtnl_link_ops = ops;
        let ret = bindings::register_netdevice(dev);
        if ret < 0 {
            bindings::free_netdev(dev);
            return Err(Error::from_errno(ret));
        }
    }
    own_sysfs(dev);
    Ok(())
}

/// Adds `<dev>/rbond/` (rbond's own options) to a device just registered, under RTNL. A failure
/// leaves the device without that directory, with a warning: the device works all the same, and
/// undoing a registration that rtnetlink reported to listeners would be worse.
fn own_sysfs(dev: *mut bindings::net_device) {
    // SAFETY: `dev` was registered by our caller under RTNL, which is still held, so it is alive
    // and its kobject is added.
    let ret = unsafe { bindings::rbond_own_sysfs_add(dev) };
    if ret < 0 {
        // SAFETY: as above; the name is NUL-terminated.
        let name = unsafe { CStr::from_char_ptr((*dev).name.as_ptr().cast()) };
        pr_warn!("{}: cannot create its rbond/ sysfs directory ({ret}); lacp_fallback is set by the module parameter only\n", name.to_str().unwrap_or("?"));
    }
}

impl<T: Master> Drop for Registration<T> {
    fn drop(&mut self) {
        {
            let _rtnl = Rtnl::lock();
            let _ = CREATE.compare_exchange(self.ops.0.get(), core::ptr::null_mut(), Ordering::AcqRel, Ordering::Acquire);
        }
        // SAFETY: registered by the type invariant; rtnl_link_unregister deletes every device of
        // the kind (taking RTNL itself) before it returns, so no callback runs afterwards.
        unsafe { bindings::rtnl_link_unregister(self.ops.0.get()) };
        for k in &KINDS {
            let _ = k.compare_exchange(self.ops.0.get(), core::ptr::null_mut(), Ordering::AcqRel, Ordering::Acquire);
        }
    }
}

/// `netdev_priv()`: the device's private area, `dev->priv` (a field's address, no call: the
/// transmit path asks for it with every frame).
///
/// # Safety
///
/// `dev` must point to a valid `net_device`.
#[inline(always)]
unsafe fn netdev_priv(dev: *mut bindings::net_device) -> *mut u8 {
    // SAFETY: `dev` is valid (caller's guarantee); taking the address of its trailing `priv`
    // array reads nothing, and is what netdev_priv() returns.
    unsafe { core::ptr::addr_of_mut!((*dev).priv_).cast::<u8>() }
}
