// SPDX-License-Identifier: GPL-2.0
//! The bond's options: their values, and their netlink parsing, validated as a whole before any
//! is applied (`changelink` is all or nothing).

use crate::logic::netlink::bond_attr_name;
use crate::logic::options::{self as opt, check_value, mode, OptValue};
use crate::sys::netlink::{ExtAck, LinkData, NlAttr};
use kernel::prelude::*;
use kernel::str::CString;

/// The options of one bond (`struct bond_params`, for what rbond implements).
#[derive(Clone)]
pub(crate) struct Params {
    pub(crate) mode: u64,
    pub(crate) miimon: u32,
    /// in miimon ticks, as C stores it
    pub(crate) updelay: u32,
    /// in miimon ticks
    pub(crate) downdelay: u32,
    pub(crate) xmit_policy: u64,
    pub(crate) primary_reselect: u64,
    pub(crate) fail_over_mac: u64,
    pub(crate) num_peer_notif: u8,
    pub(crate) all_slaves_active: bool,
    /// ifindex of the primary slave's device, 0 if none
    pub(crate) primary: i32,
}

impl Params {
    /// `bonding_defaults` of the C driver.
    pub(crate) const fn defaults() -> Self {
        Params {
            mode: mode::ROUNDROBIN,
            miimon: 0,
            updelay: 0,
            downdelay: 0,
            xmit_policy: opt::xmit_policy::LAYER2,
            primary_reselect: opt::primary_reselect::ALWAYS,
            fail_over_mac: 0,
            num_peer_notif: 1,
            all_slaves_active: false,
            primary: 0,
        }
    }

    /// Modes with one active slave and a primary (`bond_uses_primary()`).
    pub(crate) fn uses_primary(&self) -> bool {
        self.mode == mode::ACTIVEBACKUP
    }
}

/// An option change requested by netlink, checked and converted.
pub(crate) enum Change {
    Mode(u64),
    ActiveSlave(i32),
    Miimon(u32),
    /// milliseconds
    Updelay(u32),
    /// milliseconds
    Downdelay(u32),
    Primary(i32),
    PrimaryReselect(u64),
    FailOverMac(u64),
    XmitPolicy(u64),
    NumPeerNotif(u8),
    AllSlavesActive(bool),
}

/// What an option needs of the bond before it may change (`BOND_OPTFLAG_*`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    Nothing,
    /// no slaves (`BOND_OPTFLAG_NOSLAVES`)
    NoSlaves,
    /// no slaves and the bond down (`BOND_OPTFLAG_NOSLAVES | BOND_OPTFLAG_IFDOWN`)
    NoSlavesDown,
}

impl Change {
    pub(crate) fn needs(&self) -> Needs {
        match self {
            Change::Mode(_) => Needs::NoSlavesDown,
            Change::FailOverMac(_) => Needs::NoSlaves,
            _ => Needs::Nothing,
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

fn table_value(t: &[OptValue], attr: &NlAttr, v: u64, name: &str, extack: &mut ExtAck<'_>) -> Result<u64> {
    check_value(t, v).map_err(|_| refuse(extack, attr, EINVAL, format_args!("{name}: invalid value {v}")))
}

/// Parses every `IFLA_BOND_*` attribute present into checked changes, in the order the C driver
/// applies them. An attribute rbond does not implement is refused by name.
pub(crate) fn parse(data: &LinkData<'_>, extack: &mut ExtAck<'_>) -> Result<KVec<(Change, &'static str)>> {
    let mut out = KVec::new();
    for attr in data.present() {
        let nr = attr.kind();
        let name = bond_attr_name(nr).unwrap_or("IFLA_BOND_?");
        let ch = match nr {
            1 => {
                let v = table_value(opt::MODE, attr, attr.u8()?.into(), "mode", extack)?;
                if !matches!(v, mode::ROUNDROBIN | mode::ACTIVEBACKUP | mode::XOR) {
                    let n = opt::name_of(opt::MODE, v).unwrap_or("?");
                    return Err(refuse(extack, attr, EOPNOTSUPP, format_args!("mode {n} is not supported by rbond yet")));
                }
                (Change::Mode(v), "mode")
            }
            2 => (Change::ActiveSlave(attr.u32()? as i32), "active_slave"),
            3 => (Change::Miimon(table_value(opt::INTMAX, attr, attr.u32()?.into(), "miimon", extack)? as u32), "miimon"),
            4 => (Change::Updelay(table_value(opt::INTMAX, attr, attr.u32()?.into(), "updelay", extack)? as u32), "updelay"),
            5 => (Change::Downdelay(table_value(opt::INTMAX, attr, attr.u32()?.into(), "downdelay", extack)? as u32), "downdelay"),
            6 => {
                table_value(opt::USE_CARRIER, attr, attr.u8()?.into(), "use_carrier", extack)?;
                continue;
            }
            11 => (Change::Primary(attr.u32()? as i32), "primary"),
            12 => (Change::PrimaryReselect(table_value(opt::PRIMARY_RESELECT, attr, attr.u8()?.into(), "primary_reselect", extack)?), "primary_reselect"),
            13 => {
                let v = table_value(opt::FAIL_OVER_MAC, attr, attr.u8()?.into(), "fail_over_mac", extack)?;
                if v != 0 {
                    return Err(refuse(extack, attr, EOPNOTSUPP, format_args!("fail_over_mac: only none is supported by rbond yet")));
                }
                (Change::FailOverMac(v), "fail_over_mac")
            }
            14 => {
                let v = table_value(opt::XMIT_HASH_POLICY, attr, attr.u8()?.into(), "xmit_hash_policy", extack)?;
                if matches!(v, opt::xmit_policy::ENCAP23 | opt::xmit_policy::ENCAP34) {
                    return Err(refuse(extack, attr, EOPNOTSUPP, format_args!("xmit_hash_policy: encap2+3/encap3+4 not supported by rbond yet")));
                }
                (Change::XmitPolicy(v), "xmit_hash_policy")
            }
            16 => (Change::NumPeerNotif(table_value(opt::NUM_PEER_NOTIF, attr, attr.u8()?.into(), "num_peer_notif", extack)? as u8), "num_peer_notif"),
            17 => (Change::AllSlavesActive(table_value(opt::ALL_SLAVES_ACTIVE, attr, attr.u8()?.into(), "all_slaves_active", extack)? != 0), "all_slaves_active"),
            _ => return Err(refuse(extack, attr, EOPNOTSUPP, format_args!("{name}: option not supported by rbond"))),
        };
        out.push(ch, GFP_KERNEL)?;
    }
    Ok(out)
}
