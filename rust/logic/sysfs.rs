// SPDX-License-Identifier: GPL-2.0
//! The text of the 802.3ad sysfs attributes of the bond (`bond_sysfs.c`) and of its slaves
//! (`bond_sysfs_slave.c`), from the same inputs as /proc ([`AdMasterInfo`], [`AdSlaveInfo`]).
//!
//! In 7.3 these are: on the bond `ad_aggregator`, `ad_num_ports`, `ad_actor_key`,
//! `ad_partner_key`, `ad_partner_mac`; on a slave `ad_aggregator_id`, `ad_actor_oper_port_state`,
//! `ad_partner_oper_port_state` (there is no churn attribute). The bond's 802.3ad options
//! (`ad_actor_sys_prio`, `ad_actor_system`, `ad_user_port_key`, `lacp_*`, `ad_select`,
//! `min_links`) are not here.

use super::procfs::{AdMasterInfo, AdSlaveInfo, Mac};
use core::fmt::{self, Write};

/// A bond attribute about the active aggregator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BondAdAttr {
    /// `ad_aggregator`: the active aggregator's id.
    Aggregator,
    /// `ad_num_ports`: its number of ports.
    NumPorts,
    /// `ad_actor_key`: its actor key.
    ActorKey,
    /// `ad_partner_key`: its partner key.
    PartnerKey,
    /// `ad_partner_mac`: its partner's system MAC address.
    PartnerMac,
}

impl BondAdAttr {
    /// The attribute of this file name, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "ad_aggregator" => Self::Aggregator,
            "ad_num_ports" => Self::NumPorts,
            "ad_actor_key" => Self::ActorKey,
            "ad_partner_key" => Self::PartnerKey,
            "ad_partner_mac" => Self::PartnerMac,
            _ => return None,
        })
    }
}

/// The text of a bond attribute. `ad` is `None` when the bond is not in 802.3ad mode: C then
/// shows nothing. In 802.3ad mode without an active aggregator the numbers show 0 and
/// `ad_partner_mac` nothing; the keys and the MAC show nothing to readers without
/// `CAP_NET_ADMIN` ([`AdMasterInfo::privileged`]).
pub fn write_bond_ad_attr(w: &mut dyn Write, attr: BondAdAttr, ad: Option<&AdMasterInfo<'_>>) -> fmt::Result {
    let Some(ad) = ad else { return Ok(()) };
    let a = ad.active.as_ref();
    // sysfs_emit(buf, "%d\n", bond_3ad_get_active_agg_info(bond, &ad_info) ? 0 : ad_info.<field>)
    let number = |w: &mut dyn Write, v: Option<u16>| writeln!(w, "{}", v.unwrap_or(0));
    match attr {
        BondAdAttr::Aggregator => number(w, a.map(|a| a.id)),
        BondAdAttr::NumPorts => number(w, a.map(|a| a.ports)),
        // these three also need capable(CAP_NET_ADMIN)
        _ if !ad.privileged => Ok(()),
        BondAdAttr::ActorKey => number(w, a.map(|a| a.actor_key)),
        BondAdAttr::PartnerKey => number(w, a.map(|a| a.partner_key)),
        // sysfs_emit(buf, "%pM\n", ad_info.partner_system) only with an active aggregator
        BondAdAttr::PartnerMac => match a {
            Some(a) => writeln!(w, "{}", Mac(&a.partner_mac)),
            None => Ok(()),
        },
    }
}

/// A slave attribute of 802.3ad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaveAdAttr {
    /// `ad_aggregator_id`: the id of the port's aggregator.
    AggregatorId,
    /// `ad_actor_oper_port_state`
    ActorOperPortState,
    /// `ad_partner_oper_port_state`
    PartnerOperPortState,
}

impl SlaveAdAttr {
    /// The attribute of this file name, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "ad_aggregator_id" => Self::AggregatorId,
            "ad_actor_oper_port_state" => Self::ActorOperPortState,
            "ad_partner_oper_port_state" => Self::PartnerOperPortState,
            _ => return None,
        })
    }
}

/// The text of a slave attribute. `ad` is `None` when the bond is not in 802.3ad mode. C shows
/// "N/A" when not in 802.3ad mode or when the port has no aggregator, else the number; no
/// capability is needed.
pub fn write_slave_ad_attr(w: &mut dyn Write, attr: SlaveAdAttr, ad: Option<&AdSlaveInfo<'_>>) -> fmt::Result {
    let (Some(ad), Some(id)) = (ad, ad.and_then(|a| a.aggregator_id)) else { return writeln!(w, "N/A") };
    match attr {
        SlaveAdAttr::AggregatorId => writeln!(w, "{id}"),
        SlaveAdAttr::ActorOperPortState => writeln!(w, "{}", ad.actor.state),
        SlaveAdAttr::PartnerOperPortState => writeln!(w, "{}", ad.partner.state),
    }
}

#[cfg(test)]
mod tests {
    use super::super::ad::ChurnState;
    use super::super::lacp::PortInfo;
    use super::super::procfs::AggInfo;
    use super::*;

    struct S([u8; 64], usize);
    impl Write for S {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let b = s.as_bytes();
            self.0.get_mut(self.1..self.1 + b.len()).ok_or(fmt::Error)?.copy_from_slice(b);
            self.1 += b.len();
            Ok(())
        }
    }

    fn bond(name: &str, ad: Option<&AdMasterInfo<'_>>) -> S {
        let mut s = S([0; 64], 0);
        write_bond_ad_attr(&mut s, BondAdAttr::from_name(name).unwrap(), ad).unwrap();
        s
    }

    fn slave(name: &str, ad: Option<&AdSlaveInfo<'_>>) -> S {
        let mut s = S([0; 64], 0);
        write_slave_ad_attr(&mut s, SlaveAdAttr::from_name(name).unwrap(), ad).unwrap();
        s
    }

    fn text(s: &S) -> &str {
        core::str::from_utf8(&s.0[..s.1]).unwrap()
    }

    fn master(privileged: bool, active: bool) -> AdMasterInfo<'static> {
        AdMasterInfo {
            bond_name: "bond0",
            privileged,
            lacp_active: true,
            lacp_fast: false,
            min_links: 0,
            ad_select: 0,
            system_priority: 65535,
            system_mac: [0x52, 0x54, 0, 0x12, 0x34, 0x56],
            active: active.then_some(AggInfo {
                id: 2,
                ports: 3,
                actor_key: 9,
                partner_key: 15,
                partner_mac: [0, 0x1b, 0x21, 0xaa, 0xbb, 0xcc],
            }),
        }
    }

    const BOND_ATTRS: [&str; 5] = ["ad_aggregator", "ad_num_ports", "ad_actor_key", "ad_partner_key", "ad_partner_mac"];

    fn bond_texts(ad: Option<&AdMasterInfo<'_>>) -> [S; 5] {
        BOND_ATTRS.map(|n| bond(n, ad))
    }

    #[test]
    fn bond_attrs_with_an_active_aggregator() {
        let m = master(true, true);
        let t = bond_texts(Some(&m));
        assert_eq!(t.each_ref().map(text), ["2\n", "3\n", "9\n", "15\n", "00:1b:21:aa:bb:cc\n"]);
        // without CAP_NET_ADMIN: the id and the number of ports only
        let m = master(false, true);
        let t = bond_texts(Some(&m));
        assert_eq!(t.each_ref().map(text), ["2\n", "3\n", "", "", ""]);
    }

    #[test]
    fn bond_attrs_without_an_active_aggregator() {
        // "%d\n" of 0 for the numbers; ad_partner_mac shows nothing
        let m = master(true, false);
        let t = bond_texts(Some(&m));
        assert_eq!(t.each_ref().map(text), ["0\n", "0\n", "0\n", "0\n", ""]);
        let m = master(false, false);
        let t = bond_texts(Some(&m));
        assert_eq!(t.each_ref().map(text), ["0\n", "0\n", "", "", ""]);
    }

    #[test]
    fn bond_attrs_outside_802_3ad_are_empty() {
        let t = bond_texts(None);
        assert_eq!(t.each_ref().map(text), [""; 5]);
        assert_eq!(BondAdAttr::from_name("ad_select"), None);
    }

    #[test]
    fn slave_attrs() {
        let p = |state| PortInfo { state, ..PortInfo::default() };
        let mut ad = AdSlaveInfo {
            privileged: false,
            aggregator_id: Some(2),
            actor_churn: ChurnState::NoChurn,
            partner_churn: ChurnState::NoChurn,
            actor_churn_count: 0,
            partner_churn_count: 0,
            actor: p(63),
            partner: p(61),
            aggregation: None,
        };
        let names = ["ad_aggregator_id", "ad_actor_oper_port_state", "ad_partner_oper_port_state"];
        let t = names.map(|n| slave(n, Some(&ad)));
        assert_eq!(t.each_ref().map(text), ["2\n", "63\n", "61\n"]);
        // no aggregator, or not 802.3ad: "N/A\n"
        ad.aggregator_id = None;
        let t = names.map(|n| slave(n, Some(&ad)));
        assert_eq!(t.each_ref().map(text), ["N/A\n"; 3]);
        let t = names.map(|n| slave(n, None));
        assert_eq!(t.each_ref().map(text), ["N/A\n"; 3]);
        assert_eq!(SlaveAdAttr::from_name("state"), None);
    }
}
