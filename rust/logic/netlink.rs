// SPDX-License-Identifier: GPL-2.0
//! `IFLA_BOND_*` attribute numbers (include/uapi/linux/if_link.h) and their names, so that an error
//! can name the attribute a user sent.

/// The highest `IFLA_BOND_*` attribute of the kernel rbond is built for (`IFLA_BOND_LACP_STRICT`).
pub const IFLA_BOND_MAX: u16 = 34;

/// Names of `IFLA_BOND_*` attributes, indexed by attribute number (index 0 is `IFLA_BOND_UNSPEC`).
pub const IFLA_BOND_NAMES: [&str; IFLA_BOND_MAX as usize + 1] = [
    "IFLA_BOND_UNSPEC",
    "IFLA_BOND_MODE",
    "IFLA_BOND_ACTIVE_SLAVE",
    "IFLA_BOND_MIIMON",
    "IFLA_BOND_UPDELAY",
    "IFLA_BOND_DOWNDELAY",
    "IFLA_BOND_USE_CARRIER",
    "IFLA_BOND_ARP_INTERVAL",
    "IFLA_BOND_ARP_IP_TARGET",
    "IFLA_BOND_ARP_VALIDATE",
    "IFLA_BOND_ARP_ALL_TARGETS",
    "IFLA_BOND_PRIMARY",
    "IFLA_BOND_PRIMARY_RESELECT",
    "IFLA_BOND_FAIL_OVER_MAC",
    "IFLA_BOND_XMIT_HASH_POLICY",
    "IFLA_BOND_RESEND_IGMP",
    "IFLA_BOND_NUM_PEER_NOTIF",
    "IFLA_BOND_ALL_SLAVES_ACTIVE",
    "IFLA_BOND_MIN_LINKS",
    "IFLA_BOND_LP_INTERVAL",
    "IFLA_BOND_PACKETS_PER_SLAVE",
    "IFLA_BOND_AD_LACP_RATE",
    "IFLA_BOND_AD_SELECT",
    "IFLA_BOND_AD_INFO",
    "IFLA_BOND_AD_ACTOR_SYS_PRIO",
    "IFLA_BOND_AD_USER_PORT_KEY",
    "IFLA_BOND_AD_ACTOR_SYSTEM",
    "IFLA_BOND_TLB_DYNAMIC_LB",
    "IFLA_BOND_PEER_NOTIF_DELAY",
    "IFLA_BOND_AD_LACP_ACTIVE",
    "IFLA_BOND_MISSED_MAX",
    "IFLA_BOND_NS_IP6_TARGET",
    "IFLA_BOND_COUPLED_CONTROL",
    "IFLA_BOND_BROADCAST_NEIGH",
    "IFLA_BOND_LACP_STRICT",
];

/// The name of an `IFLA_BOND_*` attribute, or `None` beyond [`IFLA_BOND_MAX`].
pub fn bond_attr_name(attr: u16) -> Option<&'static str> {
    IFLA_BOND_NAMES.get(usize::from(attr)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_uapi_numbers() {
        assert_eq!(bond_attr_name(1), Some("IFLA_BOND_MODE"));
        assert_eq!(bond_attr_name(14), Some("IFLA_BOND_XMIT_HASH_POLICY"));
        assert_eq!(bond_attr_name(23), Some("IFLA_BOND_AD_INFO"));
        assert_eq!(bond_attr_name(29), Some("IFLA_BOND_AD_LACP_ACTIVE"));
        assert_eq!(bond_attr_name(IFLA_BOND_MAX), Some("IFLA_BOND_LACP_STRICT"));
        assert_eq!(bond_attr_name(IFLA_BOND_MAX + 1), None);
    }
}
