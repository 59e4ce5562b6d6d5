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

/// The order in which `bond_changelink()` applies the attributes (each after its predecessors, so
/// that `mode` comes first and the mode-dependent options see the new mode), then
/// `IFLA_BOND_AD_INFO`, which it ignores.
pub const CHANGELINK_ORDER: [u16; IFLA_BOND_MAX as usize] = [
    1, 2, 3, 4, 5, 28, 6, 7, 8, 31, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 29, 21, 22, 24, 25, 26, 27,
    30, 32, 33, 34, 23,
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

    #[test]
    fn changelink_order_has_every_attribute_once() {
        let mut seen = [false; IFLA_BOND_MAX as usize + 1];
        for a in CHANGELINK_ORDER {
            assert!(!seen[usize::from(a)], "{a} twice");
            seen[usize::from(a)] = true;
        }
        assert!(seen[1..].iter().all(|s| *s));
        assert_eq!(CHANGELINK_ORDER[0], 1);
        // lacp_active is applied before lacp_rate although its number is higher
        let pos = |a: u16| CHANGELINK_ORDER.iter().position(|&x| x == a);
        assert!(pos(29) < pos(21));
    }
}
