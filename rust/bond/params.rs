// SPDX-License-Identifier: GPL-2.0
//! The bond's options: their values, and their netlink parsing, validated as a whole before any
//! is applied (`changelink` is all or nothing).

use core::num::NonZeroU32;
use crate::logic::arpmon::{self, Targets, TargetError, MAX_TARGETS};
use crate::logic::netlink::{bond_attr_name, CHANGELINK_ORDER};
use crate::logic::options::{self as opt, check_value, DepsFailed, OptValue};
use super::mode::{Mode, MODES};
use crate::logic::procfs::mode_name;
use crate::sys::netlink::{ExtAck, LinkData, NlAttr};
use crate::sys::netdev::NetDevice;
use crate::sys::rtnl::Rtnl;
use kernel::prelude::*;
use kernel::str::CString;
use kernel::sync::SetOnce;

/// Defaults from the module parameters, set once at load.
static MODULE_DEFAULTS: SetOnce<Params> = SetOnce::new();

/// The options of one bond (`struct bond_params`, for what rbond implements).
#[derive(Clone)]
pub(crate) struct Params {
    pub(crate) mode: Mode,
    pub(crate) miimon: u32,
    /// in miimon ticks, as C stores it
    pub(crate) updelay: u32,
    /// in miimon ticks
    pub(crate) downdelay: u32,
    /// in miimon ticks: a failover's peer notifications go out this far apart
    pub(crate) peer_notif_delay: u32,
    pub(crate) xmit_policy: u64,
    pub(crate) primary_reselect: u64,
    pub(crate) fail_over_mac: u64,
    pub(crate) num_peer_notif: u8,
    /// IGMP/MLD rejoins asked for after a failover (`resend_igmp`, 0 to 255)
    pub(crate) resend_igmp: u8,
    /// balance-rr: frames per slave before the next one (0: a random slave per frame)
    pub(crate) packets_per_slave: u16,
    /// `lp_interval`: seconds between learning packets (balance-tlb/alb; stored, 1 to INT_MAX)
    pub(crate) lp_interval: u32,
    /// `tlb_dynamic_lb` (balance-tlb/alb only: in rbond's modes it keeps its default, on)
    pub(crate) tlb_dynamic_lb: bool,
    pub(crate) all_slaves_active: bool,
    /// name of the primary slave (NUL-padded; empty if none), matched by name as in C
    pub(crate) primary: [u8; 16],
    /// `lacp_rate`: fast (ask the partner for a LACPDU every second) rather than slow (30 s)
    pub(crate) lacp_fast: bool,
    /// `lacp_active`: send LACPDUs unasked (on) or only answer (off)
    pub(crate) lacp_active: bool,
    /// `ad_select` (`opt::AD_SELECT`)
    pub(crate) ad_select: u64,
    /// `min_links`: carrier only with this many ports in the active aggregator
    pub(crate) min_links: u32,
    /// `ad_actor_sys_prio`, 1 to 65535
    pub(crate) ad_actor_sys_prio: u16,
    /// `ad_actor_system`; all zero: the bond's own MAC
    pub(crate) ad_actor_system: [u8; 6],
    /// `ad_user_port_key`, 0 to 1023 (bits 6-15 of the port key)
    pub(crate) ad_user_port_key: u16,
    /// `coupled_control`: one mux state for collecting and distributing (on) or two (off)
    pub(crate) coupled_control: bool,
    /// `lacp_strict`: no carrier unless a port negotiated LACP
    pub(crate) lacp_strict: bool,
    /// `arp_interval` (ms): the ARP monitor's period, 0 off (miimon and it exclude each other)
    pub(crate) arp_interval: u32,
    /// `arp_ip_target`
    pub(crate) arp_targets: Targets<4>,
    /// `arp_validate` (`logic::arpmon::validate`)
    pub(crate) arp_validate: u64,
    /// `arp_all_targets`: 1 (all) if every target must answer, 0 (any) if one is enough
    pub(crate) arp_all_targets: u64,
    /// `arp_missed_max`: intervals without an answer before a slave is down, 1 to 255
    pub(crate) missed_max: u8,
    /// `ns_ip6_target`: the NS monitor's IPv6 targets (netlink only, as in C)
    pub(crate) ns_targets: Targets<16>,
    /// `broadcast_neighbor` (802.3ad): ARP, neighbour solicitations and advertisements go out on
    /// every port of the active aggregator (netlink only, as in C)
    pub(crate) broadcast_neighbor: bool,
    /// rbond's `lacp_fallback` (802.3ad; sysfs and the module parameter only): when no LACP
    /// partner answers, the port that carries the traffic alone is announced and logged
    pub(crate) lacp_fallback: bool,
}

impl Params {
    /// `bonding_defaults` of the C driver.
    pub(crate) const fn defaults() -> Self {
        Params {
            mode: Mode::RoundRobin,
            miimon: 0,
            updelay: 0,
            downdelay: 0,
            peer_notif_delay: 0,
            xmit_policy: opt::xmit_policy::LAYER2,
            primary_reselect: opt::primary_reselect::ALWAYS,
            fail_over_mac: 0,
            num_peer_notif: 1,
            resend_igmp: 1,
            packets_per_slave: 1,
            lp_interval: 1,
            tlb_dynamic_lb: true,
            all_slaves_active: false,
            primary: [0; 16],
            lacp_fast: false,
            lacp_active: true,
            ad_select: 0,
            min_links: 0,
            ad_actor_sys_prio: 65535,
            ad_actor_system: [0; 6],
            ad_user_port_key: 0,
            coupled_control: true,
            lacp_strict: false,
            arp_interval: 0,
            arp_targets: Targets([[0; 4]; MAX_TARGETS]),
            arp_validate: 0,
            arp_all_targets: 0,
            missed_max: 2,
            ns_targets: Targets([[0; 16]; MAX_TARGETS]),
            broadcast_neighbor: false,
            lacp_fallback: false,
        }
    }

    /// The defaults of new bonds: the C defaults changed by the module parameters.
    pub(crate) fn module_defaults() -> Self {
        MODULE_DEFAULTS.as_ref().cloned().unwrap_or_else(Self::defaults)
    }

    pub(crate) fn primary_name(&self) -> Option<&str> {
        let len = self.primary.iter().position(|&b| b == 0).unwrap_or(self.primary.len());
        (len > 0).then(|| core::str::from_utf8(&self.primary[..len]).unwrap_or(""))
    }

    pub(crate) fn set_primary(&mut self, name: &[u8]) {
        self.primary = [0; 16];
        let n = name.len().min(15);
        self.primary[..n].copy_from_slice(&name[..n]);
    }

    /// fail_over_mac in effect: active-backup with active (1) or follow (2).
    pub(crate) fn fom(&self) -> u64 {
        if self.mode == Mode::ActiveBackup { self.fail_over_mac } else { 0 }
    }

    /// Modes with one active slave and a primary (`bond_uses_primary()`).
    pub(crate) fn uses_primary(&self) -> bool {
        self.mode.uses_primary()
    }
}

/// Default `miimon` of the modes that need a link monitor (`BOND_DEFAULT_MIIMON`).
const DEFAULT_MIIMON: u32 = 100;

/// An option change requested by netlink, checked and converted.
///
/// Values carry the number as sent: as in C (`__bond_opt_set()`: `bond_opt_check_deps()`, then
/// `bond_opt_parse()`), a value is checked after the option's dependencies (mode, slaves, up),
/// in `fold()`, so that the errno is C's (`EACCES` before `ENOTEMPTY`/`EBUSY` before `EINVAL`).
pub(crate) enum Change {
    Mode(u64),
    /// ifindex, 0 to clear
    ActiveSlave(i32),
    Miimon(u64),
    /// milliseconds
    Updelay(u64),
    /// milliseconds
    Downdelay(u64),
    /// milliseconds
    PeerNotifDelay(u64),
    BroadcastNeigh(u64),
    /// only 1 is accepted; nothing changes
    UseCarrier(u64),
    /// ifindex, 0 to clear
    Primary(i32),
    /// a name (sysfs), empty to clear; need not exist yet
    PrimaryName([u8; 16]),
    PrimaryReselect(u64),
    FailOverMac(u64),
    XmitPolicy(u64),
    NumPeerNotif(u64),
    ResendIgmp(u64),
    PacketsPerSlave(u64),
    LpInterval(u64),
    TlbDynamicLb(u64),
    AllSlavesActive(u64),
    LacpRate(u64),
    LacpActive(u64),
    AdSelect(u64),
    MinLinks(u64),
    AdActorSysPrio(u64),
    AdActorSystem([u8; 6]),
    /// an `IFLA_BOND_AD_ACTOR_SYSTEM` of this many bytes (fewer than 6): refused at its place in
    /// the order, before its dependencies, as `bond_changelink()` checks the length
    AdActorSystemLen(usize),
    AdUserPortKey(u64),
    CoupledControl(u64),
    LacpStrict(u64),
    /// rbond's own option (sysfs only: no netlink attribute)
    LacpFallback(u64),
    ArpInterval(u64),
    ArpValidate(u64),
    ArpAllTargets(u64),
    MissedMax(u64),
    /// netlink's target list replaces the targets: they are cleared first (`n`: how many follow)
    ArpTargetsClear(usize),
    /// a target to add (netlink, sysfs `+a.b.c.d`, module parameter)
    ArpTargetAdd([u8; 4]),
    /// sysfs `-a.b.c.d`
    ArpTargetRemove([u8; 4]),
    /// a nested `IFLA_BOND_ARP_IP_TARGET` shorter than an address: EINVAL at its place
    ArpTargetLen,
    /// netlink's NS target list replaces the targets: cleared first (`n`: how many follow)
    NsTargetsClear(usize),
    NsTargetAdd([u8; 16]),
    /// a nested `IFLA_BOND_NS_IP6_TARGET` shorter than an IPv6 address
    NsTargetLen,
    /// `IFLA_BOND_ARP_INTERVAL` or `ARP_VALIDATE` non-zero in a message whose `IFLA_BOND_MIIMON`
    /// is non-zero: EINVAL at its place (`bond_changelink()`; the message is set by `parse()`)
    MiiConflict,
}

/// The state of a bond that options depend on (`bond_opt_check_deps()`).
#[derive(Clone, Copy)]
pub(crate) struct BondState {
    pub(crate) has_slaves: bool,
    pub(crate) up: bool,
}

impl BondState {
    /// `bond_opt_check_deps()` for option `name` on a bond in mode `mode` and this state.
    pub(crate) fn check(self, name: &str, mode: u64) -> core::result::Result<(), DepsFailed> {
        opt::check_deps(name, mode, self.has_slaves, self.up)
    }
}

/// The errno of a failed dependency, as C returns it.
pub(crate) fn deps_errno(why: DepsFailed) -> Error {
    match why {
        DepsFailed::Mode => EACCES,
        DepsFailed::HasSlaves => ENOTEMPTY,
        DepsFailed::Up => EBUSY,
    }
}

/// Reports a failed dependency of option `name` to the user in C's extack words, with the
/// option's name and the mode, and returns C's errno. It is also logged, as
/// `bond_opt_error_interpret()` logs it: `bond_opt_dep_print()` logs a mode dependency with or
/// without an extended ack (bonding.ko logs it for an `ip link add ... type bond` too, which
/// ifupdown2 sends with every option of a stanza; 40-ifupdown2).
pub(crate) fn deps_refused(dev: &NetDevice, rtnl: &Rtnl, extack: &mut ExtAck<'_>, name: &str, why: DepsFailed, bond_mode: u64) -> Error {
    pr_err!("{}: option {name}: {}\n", dev.name(rtnl), DepsMsg(why, bond_mode));
    match why {
        DepsFailed::Mode => {
            let m = opt::name_of(opt::MODE, bond_mode).unwrap_or("?");
            msg(extack, format_args!("{name}: option not supported in mode {m}({bond_mode})"));
        }
        DepsFailed::HasSlaves => msg(extack, format_args!("{name}: unable to set option because the bond device has slaves")),
        DepsFailed::Up => msg(extack, format_args!("{name}: unable to set option because the bond is up")),
    }
    deps_errno(why)
}

/// What a failed dependency means, in C's log words (after "option NAME: ").
pub(crate) struct DepsMsg(pub(crate) DepsFailed, pub(crate) u64);

impl kernel::fmt::Display for DepsMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            DepsFailed::Mode => {
                let m = opt::name_of(opt::MODE, self.1).unwrap_or("?");
                write!(f, "mode dependency failed, not supported in mode {m}({})", self.1)
            }
            DepsFailed::HasSlaves => f.write_str("unable to set because the bond device has slaves"),
            DepsFailed::Up => f.write_str("unable to set because the bond device is up"),
        }
    }
}

/// Reports `msg` about `attr` to the user and returns `err`.
pub(crate) fn refuse(extack: &mut ExtAck<'_>, attr: &NlAttr, err: Error, msg: fmt::Arguments<'_>) -> Error {
    if let Ok(m) = CString::try_from_fmt(msg) {
        extack.set_attr_msg(attr, &m);
    }
    err
}

use core::fmt;

/// Parses every `IFLA_BOND_*` attribute present into checked changes, in the order the C driver
/// applies them. The read-only `IFLA_BOND_AD_INFO` is refused by name.
pub(crate) fn parse(data: &LinkData<'_>, extack: &mut ExtAck<'_>) -> Result<KVec<(Change, &'static str)>> {
    let mut out = KVec::new();
    // bond_changelink(): ARP monitoring and validation are refused next to a non-zero miimon of
    // the same message
    let nl_miimon = data.get(3).and_then(|a| a.u32().ok()).unwrap_or(0);
    for attr in CHANGELINK_ORDER.iter().filter_map(|&nr| data.get(nr)) {
        let nr = attr.kind();
        let name = bond_attr_name(nr).unwrap_or("IFLA_BOND_?");
        // the values are checked in fold(), after each option's dependencies, as in C
        let ch = match nr {
            7 | 9 if attr.u32()? != 0 && nl_miimon != 0 => {
                let m = if nr == 7 {
                    c"ARP monitoring cannot be used with MII monitoring"
                } else {
                    c"ARP validating cannot be used with MII monitoring"
                };
                extack.set_attr_msg(attr, m);
                (Change::MiiConflict, if nr == 7 { "arp_interval" } else { "arp_validate" })
            }
            7 => (Change::ArpInterval(attr.u32()?.into()), "arp_interval"),
            9 => (Change::ArpValidate(attr.u32()?.into()), "arp_validate"),
            10 => (Change::ArpAllTargets(attr.u32()?.into()), "arp_all_targets"),
            30 => (Change::MissedMax(attr.u8()?.into()), "arp_missed_max"),
            8 => {
                // cleared, then each nested address added in turn (a short one is EINVAL)
                let n = crate::logic::netlink::nested(attr.payload()).count();
                out.push((Change::ArpTargetsClear(n), "arp_ip_target"), GFP_KERNEL)?;
                for (_, v) in crate::logic::netlink::nested(attr.payload()) {
                    let ch = match <[u8; 4]>::try_from(v.get(..4).unwrap_or(&[])) {
                        Ok(a) => Change::ArpTargetAdd(a),
                        Err(_) => Change::ArpTargetLen,
                    };
                    out.push((ch, "arp_ip_target"), GFP_KERNEL)?;
                }
                continue;
            }
            31 => {
                let n = crate::logic::netlink::nested(attr.payload()).count();
                out.push((Change::NsTargetsClear(n), "ns_ip6_target"), GFP_KERNEL)?;
                for (_, v) in crate::logic::netlink::nested(attr.payload()) {
                    let ch = match <[u8; 16]>::try_from(v.get(..16).unwrap_or(&[])) {
                        Ok(a) => Change::NsTargetAdd(a),
                        Err(_) => Change::NsTargetLen,
                    };
                    out.push((ch, "ns_ip6_target"), GFP_KERNEL)?;
                }
                continue;
            }
            1 => (Change::Mode(attr.u8()?.into()), "mode"),
            2 => (Change::ActiveSlave(attr.u32()? as i32), "active_slave"),
            3 => (Change::Miimon(attr.u32()?.into()), "miimon"),
            4 => (Change::Updelay(attr.u32()?.into()), "updelay"),
            5 => (Change::Downdelay(attr.u32()?.into()), "downdelay"),
            6 => (Change::UseCarrier(attr.u8()?.into()), "use_carrier"),
            11 => (Change::Primary(attr.u32()? as i32), "primary"),
            12 => (Change::PrimaryReselect(attr.u8()?.into()), "primary_reselect"),
            13 => (Change::FailOverMac(attr.u8()?.into()), "fail_over_mac"),
            14 => (Change::XmitPolicy(attr.u8()?.into()), "xmit_hash_policy"),
            15 => (Change::ResendIgmp(attr.u32()?.into()), "resend_igmp"),
            16 => (Change::NumPeerNotif(attr.u8()?.into()), "num_peer_notif"),
            17 => (Change::AllSlavesActive(attr.u8()?.into()), "all_slaves_active"),
            18 => (Change::MinLinks(attr.u32()?.into()), "min_links"),
            19 => (Change::LpInterval(attr.u32()?.into()), "lp_interval"),
            20 => (Change::PacketsPerSlave(attr.u32()?.into()), "packets_per_slave"),
            27 => (Change::TlbDynamicLb(attr.u8()?.into()), "tlb_dynamic_lb"),
            21 => (Change::LacpRate(attr.u8()?.into()), "lacp_rate"),
            22 => (Change::AdSelect(attr.u8()?.into()), "ad_select"),
            24 => (Change::AdActorSysPrio(attr.u16()?.into()), "ad_actor_sys_prio"),
            25 => (Change::AdUserPortKey(attr.u16()?.into()), "ad_user_port_key"),
            26 => match attr.mac() {
                Ok(m) => (Change::AdActorSystem(m), "ad_actor_system"),
                // longer than 6 bytes is refused by the policy (ERANGE)
                Err(_) => (Change::AdActorSystemLen(attr.payload().len()), "ad_actor_system"),
            },
            29 => (Change::LacpActive(attr.u8()?.into()), "lacp_active"),
            28 => (Change::PeerNotifDelay(attr.u32()?.into()), "peer_notif_delay"),
            32 => (Change::CoupledControl(attr.u8()?.into()), "coupled_control"),
            33 => (Change::BroadcastNeigh(attr.u8()?.into()), "broadcast_neighbor"),
            34 => (Change::LacpStrict(attr.u8()?.into()), "lacp_strict"),
            // IFLA_BOND_AD_INFO, which bonding ignores in a request
            _ => return Err(refuse(extack, attr, EOPNOTSUPP, format_args!("{name}: read-only, not an option"))),
        };
        out.push(ch, GFP_KERNEL)?;
    }
    Ok(out)
}

fn msg(extack: &mut ExtAck<'_>, m: fmt::Arguments<'_>) {
    if let Ok(c) = CString::try_from_fmt(m) {
        extack.set_msg(&c);
    }
}

/// A value of `table`, or EINVAL with a message that says what the table accepts.
fn checked(t: &[OptValue], v: u64, name: &str, extack: &mut ExtAck<'_>) -> Result<u64> {
    check_value(t, v).map_err(|_| {
        let (lo, hi) = opt::bounds(t);
        msg(extack, format_args!("{name}: invalid value {v}; accepted values are {lo} to {hi}"));
        EINVAL
    })
}

/// Applies checked changes to a copy of the options, as the C driver applies them one by one:
/// each option's dependencies (mode, slaves, up; `st` is the bond's state) against the options
/// as changed so far, then its value (updelay after miimon, names for ifindexes). Returns the
/// active_slave request, if any: it needs the slaves and is applied by the caller, which
/// checks it with `check_active` at its place in the order (as `bond_option_active_slave_set()`
/// refuses a device that is not a slave, or whose link is down, before the options after it).
pub(crate) fn fold(
    p: &mut Params,
    changes: &[(Change, &'static str)],
    st: BondState,
    dev: &NetDevice,
    extack: &mut ExtAck<'_>,
    rtnl: &Rtnl,
    check_active: &mut dyn FnMut(i32, &mut ExtAck<'_>) -> Result,
) -> Result<Option<i32>> {
    let mut active = None;
    for (ch, name) in changes {
        // what bond_changelink() checks before __bond_opt_set(), at the option's place
        match *ch {
            Change::AdActorSystemLen(n) => {
                msg(extack, format_args!("{name}: {n} bytes; a MAC address of 6 bytes is expected"));
                return Err(EINVAL);
            }
            Change::MiiConflict | Change::ArpTargetLen => return Err(EINVAL),
            Change::NsTargetLen => {
                msg(extack, format_args!("Invalid IPv6 address"));
                return Err(EINVAL);
            }
            Change::ActiveSlave(i) if i != 0 && dev.name_of_ifindex(rtnl, i).is_none() => {
                msg(extack, format_args!("{name}: interface {i} does not exist"));
                return Err(ENODEV);
            }
            _ => {}
        }
        if let Err(why) = st.check(name, p.mode.value()) {
            return Err(deps_refused(dev, rtnl, extack, name, why, p.mode.value()));
        }
        match *ch {
            Change::Mode(m) => {
                let m = checked(opt::MODE, m, name, extack)?;
                let Some(m) = Mode::from_value(m) else {
                    let n = opt::name_of(opt::MODE, m).unwrap_or("?");
                    msg(extack, format_args!("mode {n} is unknown"));
                    return Err(EINVAL);
                };
                // bond_option_mode_set(): modes without ARP monitoring get the MII monitor
                if !m.uses_arp() {
                    p.arp_interval = 0;
                    if p.miimon == 0 {
                        p.miimon = DEFAULT_MIIMON;
                    }
                }
                // not kept from one mode to the next
                p.arp_validate = 0;
                p.broadcast_neighbor = false;
                p.mode = m;
            }
            Change::Miimon(v) => {
                p.miimon = checked(opt::INTMAX, v, name, extack)? as u32;
                // bond_option_miimon_set(): the MII monitor replaces the ARP monitor
                if p.miimon != 0 && p.arp_interval != 0 {
                    p.arp_interval = 0;
                    p.arp_validate = 0;
                }
            }
            Change::ArpInterval(v) => {
                p.arp_interval = checked(opt::INTMAX, v, name, extack)? as u32;
                // bond_option_arp_interval_set(): the ARP monitor replaces the MII monitor
                if p.arp_interval != 0 {
                    p.miimon = 0;
                }
            }
            Change::ArpValidate(v) => p.arp_validate = checked(opt::ARP_VALIDATE, v, name, extack)?,
            Change::ArpAllTargets(v) => p.arp_all_targets = checked(opt::ARP_ALL_TARGETS, v, name, extack)?,
            Change::MissedMax(v) => p.missed_max = checked(opt::MISSED_MAX, v, name, extack)? as u8,
            Change::ArpTargetsClear(n) => {
                if n == 0 && p.arp_interval != 0 {
                    pr_warn!("{}: Removing last arp target with arp_interval on\n", dev.name(rtnl));
                }
                p.arp_targets = Targets([[0; 4]; MAX_TARGETS]);
            }
            Change::NsTargetsClear(n) => {
                if n == 0 && p.arp_interval != 0 {
                    pr_warn!("{}: Removing last ns target with arp_interval on\n", dev.name(rtnl));
                }
                p.ns_targets = Targets([[0; 16]; MAX_TARGETS]);
            }
            Change::NsTargetAdd(t) => {
                let bn = dev.name(rtnl);
                let ok = arpmon::ip6_target_ok(&t);
                // (bond_get_targets_ip6(): a target's solicited-node address counts as present)
                let added = if ok && arpmon::ns_target_slot(&p.ns_targets, &t).is_some() {
                    Err(TargetError::Present)
                } else {
                    p.ns_targets.add(t, ok)
                };
                if let Err(e) = added {
                    match e {
                        TargetError::Present => pr_err!("{bn}: NS target {} is already present\n", Ip6(&t)),
                        TargetError::Full => pr_err!("{bn}: NS target table is full!\n"),
                        _ => pr_err!("{bn}: invalid NS target {} specified for addition\n", Ip6(&t)),
                    }
                    // bond_opt_error_interpret() of a value passed as `extra`
                    pr_err!("{bn}: option ns_ip6_target: invalid value (0)\n");
                    extack.set_msg(c"invalid option value");
                    return Err(EINVAL);
                }
            }
            Change::ArpTargetAdd(t) | Change::ArpTargetRemove(t) => {
                let add = matches!(ch, Change::ArpTargetAdd(_));
                if let Err(e) = arp_target(p, t, add, dev, rtnl) {
                    extack.set_msg(c"invalid option value");
                    return Err(e);
                }
            }
            Change::UseCarrier(v) => {
                checked(opt::USE_CARRIER, v, name, extack)?;
            }
            Change::Updelay(ms) | Change::Downdelay(ms) | Change::PeerNotifDelay(ms) => {
                let table = if matches!(ch, Change::PeerNotifDelay(_)) { opt::PEER_NOTIF_DELAY } else { opt::INTMAX };
                let ms = checked(table, ms, name, extack)? as u32;
                // _bond_option_delay_set() names them so in its messages
                let what = match ch {
                    Change::Updelay(_) => "up delay",
                    Change::Downdelay(_) => "down delay",
                    _ => "peer notification delay",
                };
                let Some(mi) = NonZeroU32::new(p.miimon) else {
                    pr_err!("{}: Unable to set {what} as MII monitoring is disabled\n", dev.name(rtnl));
                    msg(extack, format_args!("{name}: unable to set, MII monitoring is disabled"));
                    return Err(EPERM);
                };
                let (ticks, r) = in_miimon_ticks(ms, mi);
                if r != ms {
                    let bn = dev.name(rtnl);
                    pr_warn!("{bn}: {what} ({ms}) is not a multiple of miimon ({}), value rounded to {r} ms\n", mi.get());
                }
                match ch {
                    Change::Updelay(_) => p.updelay = ticks,
                    Change::Downdelay(_) => p.downdelay = ticks,
                    _ => p.peer_notif_delay = ticks,
                }
            }
            Change::ActiveSlave(i) => {
                check_active(i, extack)?;
                active = Some(i);
            }
            Change::Primary(0) => p.primary = [0; 16],
            // as bond_changelink(): an ifindex that names no device clears the primary
            Change::Primary(i) => match dev.name_of_ifindex(rtnl, i) {
                Some(n) => p.set_primary(&n[..n.iter().position(|&b| b == 0).unwrap_or(16)]),
                None => p.primary = [0; 16],
            },
            Change::PrimaryName(n) => p.primary = n,
            Change::PrimaryReselect(v) => p.primary_reselect = checked(opt::PRIMARY_RESELECT, v, name, extack)?,
            Change::FailOverMac(v) => p.fail_over_mac = checked(opt::FAIL_OVER_MAC, v, name, extack)?,
            Change::XmitPolicy(v) => p.xmit_policy = checked(opt::XMIT_HASH_POLICY, v, name, extack)?,
            Change::NumPeerNotif(v) => p.num_peer_notif = checked(opt::NUM_PEER_NOTIF, v, name, extack)? as u8,
            Change::ResendIgmp(v) => p.resend_igmp = checked(opt::RESEND_IGMP, v, name, extack)? as u8,
            Change::PacketsPerSlave(v) => p.packets_per_slave = checked(opt::PACKETS_PER_SLAVE, v, name, extack)? as u16,
            Change::LpInterval(v) => p.lp_interval = checked(opt::LP_INTERVAL, v, name, extack)? as u32,
            Change::TlbDynamicLb(v) => p.tlb_dynamic_lb = checked(opt::TLB_DYNAMIC_LB, v, name, extack)? != 0,
            Change::AllSlavesActive(v) => p.all_slaves_active = checked(opt::ALL_SLAVES_ACTIVE, v, name, extack)? != 0,
            Change::LacpRate(v) => p.lacp_fast = checked(opt::LACP_RATE, v, name, extack)? != 0,
            Change::LacpActive(v) => p.lacp_active = checked(opt::LACP_ACTIVE, v, name, extack)? != 0,
            Change::AdSelect(v) => p.ad_select = checked(opt::AD_SELECT, v, name, extack)?,
            Change::MinLinks(v) => p.min_links = checked(opt::INTMAX, v, name, extack)? as u32,
            Change::AdActorSysPrio(v) => p.ad_actor_sys_prio = checked(opt::AD_ACTOR_SYS_PRIO, v, name, extack)? as u16,
            Change::AdUserPortKey(v) => p.ad_user_port_key = checked(opt::AD_USER_PORT_KEY, v, name, extack)? as u16,
            Change::CoupledControl(v) => p.coupled_control = checked(opt::COUPLED_CONTROL, v, name, extack)? != 0,
            Change::LacpStrict(v) => {
                let on = checked(opt::LACP_STRICT, v, name, extack)? != 0;
                if on && p.lacp_fallback {
                    msg(extack, format_args!("{name}: on contradicts rbond's lacp_fallback on (traffic on one port without LACP); set lacp_fallback off first"));
                    return Err(EINVAL);
                }
                p.lacp_strict = on;
            }
            Change::LacpFallback(v) => {
                let on = checked(opt::LACP_FALLBACK, v, name, extack)? != 0;
                if on && p.lacp_strict {
                    pr_err!("{}: option lacp_fallback: lacp_strict is on (no traffic without LACP); set lacp_strict off first\n", dev.name(rtnl));
                    return Err(EINVAL);
                }
                p.lacp_fallback = on;
            }
            Change::BroadcastNeigh(v) => p.broadcast_neighbor = checked(opt::BROADCAST_NEIGH, v, name, extack)? != 0,
            Change::AdActorSystemLen(_) | Change::MiiConflict | Change::ArpTargetLen | Change::NsTargetLen => return Err(EINVAL),
            Change::AdActorSystem(m) => {
                // bond_option_ad_actor_system_set(): any unicast address, zero included
                if opt::is_multicast_mac(&m) {
                    msg(extack, format_args!("{name}: a multicast address is not accepted; give a unicast MAC"));
                    return Err(EINVAL);
                }
                p.ad_actor_system = m;
            }
        }
    }
    Ok(active)
}

/// An IPv4 address (wire order) in the kernel log: `logic::procfs::Ip4`'s `%pI4` text for the
/// kernel's formatting macros.
pub(crate) struct Ip4(pub(crate) [u8; 4]);

impl kernel::fmt::Display for Ip4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        core::fmt::Display::fmt(&crate::logic::procfs::Ip4(&self.0), f)
    }
}

/// An IPv6 address in the kernel log, as `%pI6c` prints it.
pub(crate) struct Ip6<'a>(pub(crate) &'a [u8; 16]);

impl kernel::fmt::Display for Ip6<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        core::fmt::Display::fmt(&crate::logic::procfs::Ip6(self.0), f)
    }
}

/// `bond_option_arp_ip_target_add()` and `_rem()`: the C driver's messages, EINVAL.
fn arp_target(p: &mut Params, t: [u8; 4], add: bool, dev: &NetDevice, rtnl: &Rtnl) -> Result {
    let bn = dev.name(rtnl);
    let ok = arpmon::ip_target_ok(t);
    let r = if add { p.arp_targets.add(t, ok) } else { p.arp_targets.remove(&t, ok) };
    match r {
        Ok(_) => {
            if !add && p.arp_targets.is_empty() && p.arp_interval != 0 {
                pr_warn!("{bn}: Removing last arp target with arp_interval on\n");
            }
            Ok(())
        }
        Err(e) => {
            match (e, add) {
                (TargetError::Invalid, true) => pr_err!("{bn}: invalid ARP target {} specified for addition\n", Ip4(t)),
                (TargetError::Invalid, false) => pr_err!("{bn}: invalid ARP target {} specified for removal\n", Ip4(t)),
                (TargetError::Present, _) => pr_err!("{bn}: ARP target {} is already present\n", Ip4(t)),
                (TargetError::Full, _) => pr_err!("{bn}: ARP target table is full!\n"),
                (TargetError::Absent, _) => pr_err!("{bn}: unable to remove nonexistent ARP target {}\n", Ip4(t)),
            }
            Err(EINVAL)
        }
    }
}

/// The module parameters as given at load.
pub(crate) struct ModuleParams {
    pub(crate) mode: Option<&'static str>,
    pub(crate) primary: Option<&'static str>,
    pub(crate) primary_reselect: Option<&'static str>,
    pub(crate) xmit_hash_policy: Option<&'static str>,
    pub(crate) fail_over_mac: Option<&'static str>,
    pub(crate) lacp_rate: Option<&'static str>,
    pub(crate) ad_select: Option<&'static str>,
    pub(crate) min_links: i32,
    pub(crate) miimon: i32,
    pub(crate) updelay: i32,
    pub(crate) downdelay: i32,
    pub(crate) num_grat_arp: i32,
    pub(crate) num_unsol_na: i32,
    pub(crate) all_slaves_active: i32,
    pub(crate) use_carrier: i32,
    pub(crate) resend_igmp: i32,
    pub(crate) packets_per_slave: i32,
    pub(crate) lp_interval: u32,
    pub(crate) arp_interval: i32,
    pub(crate) arp_ip_target: [Option<&'static str>; MAX_TARGETS],
    pub(crate) arp_validate: Option<&'static str>,
    pub(crate) arp_all_targets: Option<&'static str>,
    pub(crate) lacp_fallback: Option<&'static str>,
}

/// " a b c": the targets as the module parameter's log line lists them.
struct TargetList<'a>(&'a Targets<4>);

impl kernel::fmt::Display for TargetList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in self.0.iter() {
            write!(f, " {}", crate::logic::procfs::Ip4(t))?;
        }
        Ok(())
    }
}

/// Accepted values of a table, for messages: "balance-rr (0), active-backup (1), ...".
struct Accepted(&'static [OptValue], &'static [u64]);

impl kernel::fmt::Display for Accepted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for v in self.0.iter().filter(|v| self.1.is_empty() || self.1.contains(&v.value)) {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{} ({})", v.name, v.value)?;
        }
        Ok(())
    }
}

fn str_param(name: &str, text: Option<&str>, table: &'static [OptValue], supported: &'static [u64]) -> Result<Option<u64>> {
    let Some(text) = text else { return Ok(None) };
    match opt::parse(table, text) {
        Ok(v) if supported.is_empty() || supported.contains(&v) => Ok(Some(v)),
        Ok(_) => {
            pr_err!("{name}={text} is not supported by rbond yet; accepted values are {}\n", Accepted(table, supported));
            Err(EINVAL)
        }
        Err(_) => {
            pr_err!("{name}={text} is invalid; accepted values are {}\n", Accepted(table, supported));
            Err(EINVAL)
        }
    }
}

/// A delay in ms as miimon periods, and the ms those make (rounded down, as bonding does). The
/// divisor is non-zero by type: no panic path (objtool does not know every core panic function).
fn in_miimon_ticks(ms: u32, miimon: NonZeroU32) -> (u32, u32) {
    let ticks = ms / miimon;
    (ticks, ms - ms % miimon)
}

fn int_param(name: &str, v: i32, min: i32, max: i32) -> Result<u32> {
    if v < min || v > max {
        pr_err!("{name}={v} is invalid; accepted values are {min} to {max}\n");
        return Err(EINVAL);
    }
    Ok(v as u32)
}

/// Checks the module parameters (`bond_check_params()`) and makes them the defaults of every
/// bond. A bad value fails the load with a message naming the parameter and what is accepted;
/// what C only warns about, rbond warns about too.
pub(crate) fn set_module_defaults(m: &ModuleParams) -> Result {
    let mut p = Params::defaults();
    if let Some(v) = str_param("mode", m.mode, opt::MODE, MODES)? {
        // str_param() took only the numbers of MODES
        p.mode = Mode::from_value(v).ok_or(EINVAL)?;
    }
    if p.mode == Mode::Alb {
        pr_notice!("In ALB mode you might experience client disconnections upon reconnection of a link if the bonding module updelay parameter ({} msec) is incompatible with the forwarding delay time of the switch\n", m.updelay);
    }
    if let Some(v) = str_param("xmit_hash_policy", m.xmit_hash_policy, opt::XMIT_HASH_POLICY, &[])? {
        if p.mode.uses_xmit_hash() {
            p.xmit_policy = v;
        } else {
            pr_info!("xmit_hash_policy param is irrelevant in mode {}\n", mode_name(p.mode.value()));
        }
    }
    if let Some(v) = str_param("primary_reselect", m.primary_reselect, opt::PRIMARY_RESELECT, &[])? {
        p.primary_reselect = v;
    }
    if let Some(v) = str_param("fail_over_mac", m.fail_over_mac, opt::FAIL_OVER_MAC, &[])? {
        p.fail_over_mac = v;
        if p.mode != Mode::ActiveBackup {
            pr_warn!("Warning: fail_over_mac only affects active-backup mode\n");
        }
    }
    if let Some(v) = str_param("lacp_rate", m.lacp_rate, opt::LACP_RATE, &[])? {
        if p.mode == Mode::Ieee8023ad {
            p.lacp_fast = v != 0;
        } else {
            pr_info!("lacp_rate param is irrelevant in mode {}\n", mode_name(p.mode.value()));
        }
    }
    if let Some(v) = str_param("lacp_fallback", m.lacp_fallback, opt::LACP_FALLBACK, &[])? {
        if p.mode == Mode::Ieee8023ad {
            p.lacp_fallback = v != 0;
        } else {
            pr_info!("lacp_fallback param is irrelevant in mode {}\n", mode_name(p.mode.value()));
        }
    }
    if let Some(v) = str_param("ad_select", m.ad_select, opt::AD_SELECT, &[])? {
        p.ad_select = v;
        if p.mode != Mode::Ieee8023ad {
            pr_warn!("ad_select param only affects 802.3ad mode\n");
        }
    }
    p.min_links = int_param("min_links", m.min_links, 0, i32::MAX)?;
    p.miimon = int_param("miimon", m.miimon, 0, i32::MAX)?;
    if !p.mode.uses_arp() && p.miimon == 0 {
        pr_warn!("Warning: miimon must be specified, otherwise bonding will not detect link failure, speed and duplex which are essential for 802.3ad operation\n");
        pr_warn!("Forcing miimon to 100msec\n");
        p.miimon = DEFAULT_MIIMON;
    }
    let mut arp_interval = int_param("arp_interval", m.arp_interval, 0, i32::MAX)?;
    if p.miimon != 0 && arp_interval != 0 {
        pr_warn!("Warning: miimon ({}) and arp_interval ({arp_interval}) can't be used simultaneously, disabling ARP monitoring\n", p.miimon);
        arp_interval = 0;
    }
    // bond_check_params(): each target a valid address, duplicates skipped
    let mut targets = Targets([[0; 4]; MAX_TARGETS]);
    for text in m.arp_ip_target.iter().map_while(|t| *t) {
        let Some(t) = arpmon::parse_ipv4(text).filter(|t| arpmon::ip_target_ok(*t)) else {
            pr_err!("arp_ip_target={text} is invalid; accepted are up to 16 addresses in n.n.n.n form, none of them 0.0.0.0 or 255.255.255.255\n");
            return Err(EINVAL);
        };
        if targets.add(t, true) == Err(TargetError::Present) {
            pr_warn!("Warning: duplicate address {} in arp_ip_target, skipping\n", Ip4(t));
        }
    }
    if arp_interval != 0 && targets.is_empty() {
        pr_warn!("Warning: arp_interval module parameter ({arp_interval}) specified without providing an arp_ip_target parameter, arp_interval was reset to 0\n");
        arp_interval = 0;
    }
    if let Some(text) = m.arp_validate {
        if arp_interval == 0 {
            pr_err!("arp_validate requires arp_interval\n");
            return Err(EINVAL);
        }
        p.arp_validate = str_param("arp_validate", Some(text), opt::ARP_VALIDATE, &[])?.unwrap_or(0);
    }
    if let Some(v) = str_param("arp_all_targets", m.arp_all_targets, opt::ARP_ALL_TARGETS, &[])? {
        p.arp_all_targets = v;
    }
    p.arp_interval = arp_interval;
    p.arp_targets = targets;
    let up = int_param("updelay", m.updelay, 0, i32::MAX)?;
    let down = int_param("downdelay", m.downdelay, 0, i32::MAX)?;
    int_param("use_carrier", m.use_carrier, 1, 1)?;
    let grat = int_param("num_grat_arp", m.num_grat_arp, 0, 255)?;
    let unsol = int_param("num_unsol_na", m.num_unsol_na, 0, 255)?;
    if grat != 1 && unsol != 1 && grat != unsol {
        pr_err!("num_grat_arp={grat} and num_unsol_na={unsol} disagree: they are one setting; give one of them\n");
        return Err(EINVAL);
    }
    p.num_peer_notif = if grat != 1 { grat } else { unsol } as u8;
    p.all_slaves_active = int_param("all_slaves_active", m.all_slaves_active, 0, 1)? == 1;
    // (bonding resets it to 1 with a warning; rbond refuses a bad number, as for the others)
    p.resend_igmp = int_param("resend_igmp", m.resend_igmp, 0, 255)? as u8;
    p.packets_per_slave = int_param("packets_per_slave", m.packets_per_slave, 0, u16::MAX.into())? as u16;
    // (a uint parameter in C, whose option takes 1 to INT_MAX)
    if m.lp_interval == 0 || m.lp_interval > i32::MAX as u32 {
        pr_err!("lp_interval={} is invalid; accepted values are 1 to {}\n", m.lp_interval, i32::MAX);
        return Err(EINVAL);
    }
    p.lp_interval = m.lp_interval;
    if let Some(mi) = NonZeroU32::new(p.miimon) {
        let (up_ticks, up_ms) = in_miimon_ticks(up, mi);
        if up_ms != up {
            pr_warn!("Warning: updelay ({up}) is not a multiple of miimon ({}), updelay rounded to {up_ms} ms\n", mi.get());
        }
        let (down_ticks, down_ms) = in_miimon_ticks(down, mi);
        if down_ms != down {
            pr_warn!("Warning: downdelay ({down}) is not a multiple of miimon ({}), downdelay rounded to {down_ms} ms\n", mi.get());
        }
        p.updelay = up_ticks;
        p.downdelay = down_ticks;
        pr_info!("MII link monitoring set to {} ms\n", mi.get());
    } else {
        if up != 0 || down != 0 {
            pr_warn!("Warning: miimon module parameter not set and updelay ({up}) or downdelay ({down}) module parameter is set; updelay and downdelay have no effect unless miimon is set\n");
        }
        if p.arp_interval != 0 {
            pr_info!(
                "ARP monitoring set to {} ms, validate {}, with {} target(s):{}\n",
                p.arp_interval,
                opt::name_of(opt::ARP_VALIDATE, p.arp_validate).unwrap_or("?"),
                p.arp_targets.len(),
                TargetList(&p.arp_targets)
            );
        }
    }
    if let Some(name) = m.primary {
        if p.uses_primary() {
            p.set_primary(name.as_bytes());
        } else {
            pr_warn!("Warning: {name} primary device specified but has no effect in {} mode\n", mode_name(p.mode.value()));
        }
    }
    if !MODULE_DEFAULTS.populate(p) {
        return Err(EBUSY);
    }
    Ok(())
}

/// The option names the C driver's messages use, as 'static strings.
pub(crate) fn sysfs_name(attr: &str) -> &'static str {
    const NAMES: &[&str] = &[
        "mode", "miimon", "updelay", "downdelay", "xmit_hash_policy", "primary_reselect", "fail_over_mac",
        "num_grat_arp", "num_unsol_na", "resend_igmp", "packets_per_slave", "lp_interval", "tlb_dynamic_lb", "all_slaves_active", "primary", "active_slave", "lacp_rate", "lacp_active",
        "ad_select", "min_links", "ad_actor_sys_prio", "ad_actor_system", "ad_user_port_key", "lacp_fallback",
    ];
    NAMES.iter().find(|n| **n == attr).copied().unwrap_or("option")
}
