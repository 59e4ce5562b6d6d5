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

/// The highest `IFLA_BOND_SLAVE_*` attribute (`IFLA_BOND_SLAVE_AD_CHURN_PARTNER_STATE`).
pub const IFLA_BOND_SLAVE_MAX: u16 = 12;

/// Names of `IFLA_BOND_SLAVE_*` attributes, indexed by attribute number.
pub const IFLA_BOND_SLAVE_NAMES: [&str; IFLA_BOND_SLAVE_MAX as usize + 1] = [
    "IFLA_BOND_SLAVE_UNSPEC",
    "IFLA_BOND_SLAVE_STATE",
    "IFLA_BOND_SLAVE_MII_STATUS",
    "IFLA_BOND_SLAVE_LINK_FAILURE_COUNT",
    "IFLA_BOND_SLAVE_PERM_HWADDR",
    "IFLA_BOND_SLAVE_QUEUE_ID",
    "IFLA_BOND_SLAVE_AD_AGGREGATOR_ID",
    "IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE",
    "IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE",
    "IFLA_BOND_SLAVE_PRIO",
    "IFLA_BOND_SLAVE_ACTOR_PORT_PRIO",
    "IFLA_BOND_SLAVE_AD_CHURN_ACTOR_STATE",
    "IFLA_BOND_SLAVE_AD_CHURN_PARTNER_STATE",
];

/// `IFLA_BOND_*` numbers used below.
pub mod attr {
    #![allow(missing_docs)]
    pub const MODE: u16 = 1;
    pub const ACTIVE_SLAVE: u16 = 2;
    pub const MIIMON: u16 = 3;
    pub const UPDELAY: u16 = 4;
    pub const DOWNDELAY: u16 = 5;
    pub const USE_CARRIER: u16 = 6;
    pub const ARP_INTERVAL: u16 = 7;
    pub const ARP_IP_TARGET: u16 = 8;
    pub const ARP_VALIDATE: u16 = 9;
    pub const ARP_ALL_TARGETS: u16 = 10;
    pub const PRIMARY: u16 = 11;
    pub const PRIMARY_RESELECT: u16 = 12;
    pub const FAIL_OVER_MAC: u16 = 13;
    pub const XMIT_HASH_POLICY: u16 = 14;
    pub const RESEND_IGMP: u16 = 15;
    pub const NUM_PEER_NOTIF: u16 = 16;
    pub const ALL_SLAVES_ACTIVE: u16 = 17;
    pub const MIN_LINKS: u16 = 18;
    pub const LP_INTERVAL: u16 = 19;
    pub const PACKETS_PER_SLAVE: u16 = 20;
    pub const AD_LACP_RATE: u16 = 21;
    pub const AD_SELECT: u16 = 22;
    pub const AD_INFO: u16 = 23;
    pub const AD_ACTOR_SYS_PRIO: u16 = 24;
    pub const AD_USER_PORT_KEY: u16 = 25;
    pub const AD_ACTOR_SYSTEM: u16 = 26;
    pub const TLB_DYNAMIC_LB: u16 = 27;
    pub const PEER_NOTIF_DELAY: u16 = 28;
    pub const AD_LACP_ACTIVE: u16 = 29;
    pub const MISSED_MAX: u16 = 30;
    pub const NS_IP6_TARGET: u16 = 31;
    pub const COUPLED_CONTROL: u16 = 32;
    pub const BROADCAST_NEIGH: u16 = 33;
    pub const LACP_STRICT: u16 = 34;
    // IFLA_BOND_AD_INFO_*
    pub const AD_INFO_AGGREGATOR: u16 = 1;
    pub const AD_INFO_NUM_PORTS: u16 = 2;
    pub const AD_INFO_ACTOR_KEY: u16 = 3;
    pub const AD_INFO_PARTNER_KEY: u16 = 4;
    pub const AD_INFO_PARTNER_MAC: u16 = 5;
    // IFLA_BOND_SLAVE_*
    pub const SLAVE_STATE: u16 = 1;
    pub const SLAVE_MII_STATUS: u16 = 2;
    pub const SLAVE_LINK_FAILURE_COUNT: u16 = 3;
    pub const SLAVE_PERM_HWADDR: u16 = 4;
    pub const SLAVE_QUEUE_ID: u16 = 5;
    pub const SLAVE_AD_AGGREGATOR_ID: u16 = 6;
    pub const SLAVE_AD_ACTOR_OPER_PORT_STATE: u16 = 7;
    pub const SLAVE_AD_PARTNER_OPER_PORT_STATE: u16 = 8;
    pub const SLAVE_PRIO: u16 = 9;
    pub const SLAVE_ACTOR_PORT_PRIO: u16 = 10;
    pub const SLAVE_AD_CHURN_ACTOR_STATE: u16 = 11;
    pub const SLAVE_AD_CHURN_PARTNER_STATE: u16 = 12;
}

/// The name of an `IFLA_BOND_SLAVE_*` attribute, or `None` beyond [`IFLA_BOND_SLAVE_MAX`].
pub fn slave_attr_name(attr: u16) -> Option<&'static str> {
    IFLA_BOND_SLAVE_NAMES.get(usize::from(attr)).copied()
}

/// `nla_for_each_nested()`: the attributes in a nest's payload as (type, payload), ending where
/// `nla_ok()` ends the walk (a header that does not fit, a length shorter than the header).
pub fn nested(payload: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = payload;
    core::iter::from_fn(move || {
        if rest.len() < 4 {
            return None;
        }
        let len = usize::from(u16::from_ne_bytes([rest[0], rest[1]]));
        let kind = u16::from_ne_bytes([rest[2], rest[3]]);
        if len < 4 || len > rest.len() {
            return None;
        }
        let data = &rest[4..len];
        rest = rest.get((len + 3) & !3..).unwrap_or(&[]);
        Some((kind, data))
    })
}

/// `nla_total_size()`: an attribute with `payload` bytes, header and padding included.
pub const fn nla_total_size(payload: usize) -> usize {
    (4 + payload + 3) & !3
}

/// One attribute of a message being filled, in order; `Nest` opens a nested attribute that the
/// next `End` closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
    /// `nla_put_u8`
    U8(u8),
    /// `nla_put_u16`
    U16(u16),
    /// `nla_put_u32`
    U32(u32),
    /// `nla_put_s32`
    S32(i32),
    /// six bytes (a MAC address)
    Mac([u8; 6]),
    /// the first `n` (at most 6) bytes of an address (`nla_put(skb, attr, dev->addr_len, addr)`)
    Addr([u8; 6], u8),
    /// four bytes in wire order (`nla_put_be32`: an IPv4 address)
    Be32([u8; 4]),
    /// sixteen bytes (`nla_put_in6_addr`)
    In6([u8; 16]),
    /// `nla_nest_start_noflag`
    Nest,
    /// `nla_nest_end` of the innermost open nest (its attribute number is ignored)
    End,
}

/// The active aggregator as `IFLA_BOND_AD_INFO` reports it (`struct ad_info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdInfo {
    /// Aggregator ID
    pub aggregator: u16,
    /// ports in it
    pub ports: u16,
    /// actor key
    pub actor_key: u16,
    /// partner key
    pub partner_key: u16,
    /// partner system
    pub partner_mac: [u8; 6],
}

/// What `bond_fill_info()` reports, for the options rbond has; the options it does not have are
/// reported with the C driver's defaults, which is what rbond does for them (no ARP monitor, ...).
#[derive(Debug, Clone, Copy, Default)]
pub struct BondInfo {
    /// `BOND_MODE_*`
    pub mode: u8,
    /// the active slave's ifindex (active-backup), if any
    pub active_slave: Option<u32>,
    /// milliseconds
    pub miimon: u32,
    /// milliseconds
    pub updelay: u32,
    /// milliseconds
    pub downdelay: u32,
    /// the primary slave's ifindex, if the primary is a slave
    pub primary: Option<u32>,
    /// `primary_reselect`
    pub primary_reselect: u8,
    /// `fail_over_mac`
    pub fail_over_mac: u8,
    /// `xmit_hash_policy`
    pub xmit_policy: u8,
    /// `num_grat_arp` / `num_unsol_na`
    pub num_peer_notif: u8,
    /// `peer_notif_delay` (ms)
    pub peer_notif_delay: u32,
    /// `broadcast_neighbor`
    pub broadcast_neighbor: u8,
    /// `resend_igmp`
    pub resend_igmp: u32,
    /// `packets_per_slave`
    pub packets_per_slave: u32,
    /// `lp_interval`
    pub lp_interval: u32,
    /// `tlb_dynamic_lb`
    pub tlb_dynamic_lb: u8,
    /// `all_slaves_active`
    pub all_slaves_active: u8,
    /// `min_links`
    pub min_links: u32,
    /// `lacp_active`
    pub lacp_active: u8,
    /// `lacp_rate`
    pub lacp_fast: u8,
    /// `ad_select`
    pub ad_select: u8,
    /// `coupled_control`
    pub coupled_control: u8,
    /// `lacp_strict`
    pub lacp_strict: u8,
    /// `arp_interval` (ms)
    pub arp_interval: u32,
    /// `arp_ip_target`
    pub arp_targets: Targets<4>,
    /// `arp_validate`
    pub arp_validate: u32,
    /// `arp_all_targets`
    pub arp_all_targets: u32,
    /// `arp_missed_max`
    pub missed_max: u8,
    /// `ns_ip6_target`
    pub ns_targets: Targets<16>,
    /// 802.3ad and the reader has CAP_NET_ADMIN: (`ad_actor_sys_prio`, `ad_user_port_key`,
    /// `ad_actor_system`)
    pub ad_admin: Option<(u16, u16, [u8; 6])>,
    /// 802.3ad and there is an active aggregator
    pub ad_info: Option<AdInfo>,
}

use super::arpmon::Targets;

/// `NLA_F_NESTED`, which `nla_nest_start()` sets and `nla_nest_start_noflag()` does not.
pub const NLA_F_NESTED: u16 = 1 << 15;

/// The attributes of `IFLA_INFO_DATA`, in `bond_fill_info()`'s order. `put` returns false when
/// the message is full; so does this function then.
pub fn bond_info(b: &BondInfo, put: &mut dyn FnMut(u16, Val) -> bool) -> bool {
    use attr::*;
    let mut ok = put(MODE, Val::U8(b.mode));
    // bond_mode_uses_primary(): active-backup, tlb, alb
    if matches!(b.mode, 1 | 5 | 6) {
        if let Some(i) = b.active_slave {
            ok = ok && put(ACTIVE_SLAVE, Val::U32(i));
        }
    }
    ok = ok
        && put(MIIMON, Val::U32(b.miimon))
        && put(UPDELAY, Val::U32(b.updelay))
        && put(DOWNDELAY, Val::U32(b.downdelay))
        && put(PEER_NOTIF_DELAY, Val::U32(b.peer_notif_delay))
        && put(USE_CARRIER, Val::U8(1))
        && put(ARP_INTERVAL, Val::U32(b.arp_interval));
    // a nest without flag, each target under its slot number; C cancels an empty one
    if !b.arp_targets.is_empty() {
        ok = ok && put(ARP_IP_TARGET, Val::Nest);
        for (i, t) in b.arp_targets.iter().enumerate() {
            ok = ok && put(i as u16, Val::Be32(*t));
        }
        ok = ok && put(ARP_IP_TARGET, Val::End);
    }
    ok = ok && put(ARP_VALIDATE, Val::U32(b.arp_validate)) && put(ARP_ALL_TARGETS, Val::U32(b.arp_all_targets));
    // nla_nest_start(): flagged NLA_F_NESTED
    if !b.ns_targets.is_empty() {
        ok = ok && put(NS_IP6_TARGET | NLA_F_NESTED, Val::Nest);
        for (i, t) in b.ns_targets.iter().enumerate() {
            ok = ok && put(i as u16, Val::In6(*t));
        }
        ok = ok && put(NS_IP6_TARGET, Val::End);
    }
    if let Some(i) = b.primary {
        ok = ok && put(PRIMARY, Val::U32(i));
    }
    ok = ok
        && put(PRIMARY_RESELECT, Val::U8(b.primary_reselect))
        && put(FAIL_OVER_MAC, Val::U8(b.fail_over_mac))
        && put(XMIT_HASH_POLICY, Val::U8(b.xmit_policy))
        && put(RESEND_IGMP, Val::U32(b.resend_igmp))
        && put(NUM_PEER_NOTIF, Val::U8(b.num_peer_notif))
        && put(ALL_SLAVES_ACTIVE, Val::U8(b.all_slaves_active))
        && put(MIN_LINKS, Val::U32(b.min_links))
        && put(LP_INTERVAL, Val::U32(b.lp_interval))
        && put(PACKETS_PER_SLAVE, Val::U32(b.packets_per_slave))
        && put(AD_LACP_ACTIVE, Val::U8(b.lacp_active))
        && put(AD_LACP_RATE, Val::U8(b.lacp_fast))
        && put(AD_SELECT, Val::U8(b.ad_select))
        && put(TLB_DYNAMIC_LB, Val::U8(b.tlb_dynamic_lb))
        && put(MISSED_MAX, Val::U8(b.missed_max))
        && put(COUPLED_CONTROL, Val::U8(b.coupled_control))
        && put(BROADCAST_NEIGH, Val::U8(b.broadcast_neighbor))
        && put(LACP_STRICT, Val::U8(b.lacp_strict));
    if b.mode == 4 {
        if let Some((prio, key, system)) = b.ad_admin {
            ok = ok && put(AD_ACTOR_SYS_PRIO, Val::U16(prio)) && put(AD_USER_PORT_KEY, Val::U16(key)) && put(AD_ACTOR_SYSTEM, Val::Mac(system));
        }
        if let Some(i) = b.ad_info {
            ok = ok
                && put(AD_INFO, Val::Nest)
                && put(AD_INFO_AGGREGATOR, Val::U16(i.aggregator))
                && put(AD_INFO_NUM_PORTS, Val::U16(i.ports))
                && put(AD_INFO_ACTOR_KEY, Val::U16(i.actor_key))
                && put(AD_INFO_PARTNER_KEY, Val::U16(i.partner_key))
                && put(AD_INFO_PARTNER_MAC, Val::Mac(i.partner_mac))
                && put(AD_INFO, Val::End);
        }
    }
    ok
}

/// `bond_get_size()`: the most `bond_info()` can put, as the C driver reserves it (room for 16
/// ARP and 16 NS targets included).
pub const BOND_INFO_SIZE: usize = {
    let (u8s, u16s, u32s) = (nla_total_size(1), nla_total_size(2), nla_total_size(4));
    let nest = nla_total_size(4); // nla_total_size(sizeof(struct nlattr))
    let mac = nla_total_size(6);
    // MODE, USE_CARRIER, PRIMARY_RESELECT, FAIL_OVER_MAC, XMIT_HASH_POLICY, NUM_PEER_NOTIF,
    // ALL_SLAVES_ACTIVE, AD_LACP_ACTIVE, AD_LACP_RATE, AD_SELECT, TLB_DYNAMIC_LB, MISSED_MAX,
    // COUPLED_CONTROL, BROADCAST_NEIGH, LACP_STRICT
    15 * u8s
        // ACTIVE_SLAVE, MIIMON, UPDELAY, DOWNDELAY, ARP_INTERVAL, ARP_VALIDATE, ARP_ALL_TARGETS,
        // PRIMARY, RESEND_IGMP, MIN_LINKS, LP_INTERVAL, PACKETS_PER_SLAVE, PEER_NOTIF_DELAY
        + 13 * u32s
        + nest + 16 * u32s // ARP_IP_TARGET
        + nest + 4 * u16s + mac // AD_INFO
        + 2 * u16s + mac // AD_ACTOR_SYS_PRIO, AD_USER_PORT_KEY, AD_ACTOR_SYSTEM
        + nest + 16 * nla_total_size(16) // NS_IP6_TARGET
};

/// The 802.3ad port of a slave as `IFLA_INFO_SLAVE_DATA` reports it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlaveAd {
    /// (aggregator ID, actor oper state, partner oper state, churn actor state, churn partner
    /// state), if the port has an aggregator
    pub agg: Option<(u16, u8, u8, u8, u8)>,
    /// `actor_port_prio`
    pub port_prio: u16,
}

/// What `bond_fill_slave_info()` reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlaveInfo {
    /// `BOND_STATE_ACTIVE` (0) or `BOND_STATE_BACKUP` (1)
    pub state: u8,
    /// `BOND_LINK_*`
    pub mii_status: u8,
    /// link failures
    pub link_failure_count: u32,
    /// the address the slave had before it was enslaved
    pub perm_hwaddr: [u8; 6],
    /// its length (the slave's `addr_len`, at most 6)
    pub perm_len: u8,
    /// `queue_id`
    pub queue_id: u16,
    /// `prio`
    pub prio: i32,
    /// 802.3ad only
    pub ad: Option<SlaveAd>,
}

/// The attributes of `IFLA_INFO_SLAVE_DATA`, in `bond_fill_slave_info()`'s order.
pub fn slave_info(s: &SlaveInfo, put: &mut dyn FnMut(u16, Val) -> bool) -> bool {
    use attr::*;
    let mut ok = put(SLAVE_STATE, Val::U8(s.state))
        && put(SLAVE_MII_STATUS, Val::U8(s.mii_status))
        && put(SLAVE_LINK_FAILURE_COUNT, Val::U32(s.link_failure_count))
        && put(SLAVE_PERM_HWADDR, Val::Addr(s.perm_hwaddr, s.perm_len))
        && put(SLAVE_QUEUE_ID, Val::U16(s.queue_id))
        && put(SLAVE_PRIO, Val::S32(s.prio));
    if let Some(ad) = s.ad {
        if let Some((agg, actor, partner, churn_a, churn_p)) = ad.agg {
            ok = ok
                && put(SLAVE_AD_AGGREGATOR_ID, Val::U16(agg))
                && put(SLAVE_AD_ACTOR_OPER_PORT_STATE, Val::U8(actor))
                && put(SLAVE_AD_PARTNER_OPER_PORT_STATE, Val::U16(partner.into()))
                && put(SLAVE_AD_CHURN_ACTOR_STATE, Val::U8(churn_a))
                && put(SLAVE_AD_CHURN_PARTNER_STATE, Val::U8(churn_p));
        }
        ok = ok && put(SLAVE_ACTOR_PORT_PRIO, Val::U16(ad.port_prio));
    }
    ok
}

/// `bond_get_slave_size()` (the permanent address is reserved at `MAX_ADDR_LEN`, 32 bytes).
pub const SLAVE_INFO_SIZE: usize =
    6 * nla_total_size(1) + 2 * nla_total_size(4) + nla_total_size(32) + 4 * nla_total_size(2);

/// The payload size of a value (0 for the nest markers).
pub const fn val_len(v: &Val) -> usize {
    match v {
        Val::U8(_) => 1,
        Val::U16(_) => 2,
        Val::U32(_) | Val::S32(_) | Val::Be32(_) => 4,
        Val::Mac(_) => 6,
        Val::Addr(_, n) => if (*n as usize) < 6 { *n as usize } else { 6 },
        Val::In6(_) => 16,
        Val::Nest | Val::End => 0,
    }
}

/// `LINK_XSTATS_TYPE_BOND`: the nest of a bond's extended statistics (`IFLA_STATS_LINK_XSTATS`).
pub const LINK_XSTATS_TYPE_BOND: u16 = 2;
/// `BOND_XSTATS_3AD`: the 802.3ad counters, nested in [`LINK_XSTATS_TYPE_BOND`].
pub const BOND_XSTATS_3AD: u16 = 1;
/// `BOND_3AD_STAT_PAD`: the padding attribute of the 64-bit counters.
pub const BOND_3AD_STAT_PAD: u16 = 9;

/// The 802.3ad counters of a port or a bond (`struct bond_3ad_stats`), in `BOND_3AD_STAT_*`
/// order: LACPDUs received, sent, of an unknown subtype, too short; markers received, sent,
/// marker responses received, sent, markers of an unknown type.
pub type AdStats = [u64; 9];

/// Indexes into [`AdStats`].
pub mod ad_stat {
    #![allow(missing_docs)]
    pub const LACPDU_RX: usize = 0;
    pub const LACPDU_TX: usize = 1;
    pub const LACPDU_UNKNOWN_RX: usize = 2;
    pub const LACPDU_ILLEGAL_RX: usize = 3;
    pub const MARKER_RX: usize = 4;
    pub const MARKER_TX: usize = 5;
    pub const MARKER_RESP_RX: usize = 6;
    pub const MARKER_RESP_TX: usize = 7;
    pub const MARKER_UNKNOWN_RX: usize = 8;
}

/// `nla_total_size_64bit()`: a 64-bit attribute and the pad attribute that may align it.
pub const fn nla_total_size_64bit(payload: usize) -> usize {
    nla_total_size(payload) + nla_total_size(0)
}

/// `bond_get_linkxstats_size()`: the 802.3ad counters and their nest.
pub const XSTATS_SIZE: usize = 9 * nla_total_size_64bit(8) + nla_total_size(0);

#[cfg(test)]
mod tests {
    use super::*;

    struct Seen {
        v: [(u16, Val); 64],
        n: usize,
    }

    impl Seen {
        fn all(&self) -> &[(u16, Val)] {
            &self.v[..self.n]
        }
        fn nrs(&self) -> ([u16; 64], usize) {
            let mut a = [0; 64];
            for (i, (n, _)) in self.all().iter().enumerate() {
                a[i] = *n;
            }
            (a, self.n)
        }
        fn has(&self, a: u16, v: Val) -> bool {
            self.all().contains(&(a, v))
        }
        fn size(&self) -> usize {
            self.all().iter().map(|(_, x)| if *x == Val::End { 0 } else { nla_total_size(val_len(x)) }).sum()
        }
    }

    fn collect(f: impl Fn(&mut dyn FnMut(u16, Val) -> bool) -> bool) -> (bool, Seen) {
        let mut s = Seen { v: [(0, Val::Nest); 64], n: 0 };
        let ok = f(&mut |a, x| {
            s.v[s.n] = (a, x);
            s.n += 1;
            true
        });
        (ok, s)
    }

    fn same_order(s: &Seen, want: &[u16]) -> bool {
        let (a, n) = s.nrs();
        &a[..n] == want
    }

    #[test]
    fn bond_info_in_c_order_within_c_size() {
        let mut b = BondInfo { mode: 1, active_slave: Some(7), miimon: 100, primary: Some(8), resend_igmp: 3, missed_max: 2, ..Default::default() };
        let (ok, v) = collect(|p| bond_info(&b, p));
        assert!(ok);
        assert!(same_order(&v, &[1, 2, 3, 4, 5, 28, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 29, 21, 22, 27, 30, 32, 33, 34]));
        assert!(v.size() <= BOND_INFO_SIZE);
        assert!(v.has(attr::RESEND_IGMP, Val::U32(3)));
        assert!(v.has(attr::MISSED_MAX, Val::U8(2)));
        // ARP and NS targets: nested under their slot numbers, the NS nest flagged
        b.arp_targets.0[0] = [10, 0, 0, 1];
        b.arp_targets.0[1] = [10, 0, 0, 2];
        b.ns_targets.0[0] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let (_, v) = collect(|p| bond_info(&b, p));
        let (a, n) = v.nrs();
        assert_eq!(&a[..n][7..16], &[7, 8, 0, 1, 8, 9, 10, 31 | NLA_F_NESTED, 0]);
        assert!(v.has(1, Val::Be32([10, 0, 0, 2])));
        assert!(v.size() <= BOND_INFO_SIZE);
        b.arp_targets = Targets::default();
        b.ns_targets = Targets::default();
        // the active slave only in modes that use one
        b.mode = 2;
        let (_, v) = collect(|p| bond_info(&b, p));
        assert!(!v.all().iter().any(|(a, _)| *a == attr::ACTIVE_SLAVE));
        // 802.3ad: the admin values and the aggregator, nested
        b.mode = 4;
        b.ad_admin = Some((65535, 0, [0; 6]));
        b.ad_info = Some(AdInfo { aggregator: 1, ports: 2, actor_key: 9, partner_key: 9, partner_mac: [2, 0, 0, 0, 0, 1] });
        let (_, v) = collect(|p| bond_info(&b, p));
        let (a, n) = v.nrs();
        assert_eq!(&a[n - 10..n], &[24, 25, 26, 23, 1, 2, 3, 4, 5, 23]);
        assert_eq!(v.all().last(), Some(&(attr::AD_INFO, Val::End)));
        assert!(v.has(attr::AD_INFO, Val::Nest));
        assert!(v.size() <= BOND_INFO_SIZE);
        // without CAP_NET_ADMIN and without an aggregator: neither
        b.ad_admin = None;
        b.ad_info = None;
        let (_, v) = collect(|p| bond_info(&b, p));
        assert_eq!(v.all().last().map(|(a, _)| *a), Some(attr::LACP_STRICT));
    }

    #[test]
    fn nested_walk_as_nla_for_each_nested() {
        let mut b = [0u8; 20];
        b[..8].copy_from_slice(&[8, 0, 0, 0, 10, 0, 0, 1]);
        b[8..16].copy_from_slice(&[8, 0, 1, 0, 10, 0, 0, 2]);
        b[16..20].copy_from_slice(&[9, 0, 2, 0]); // longer than what is left: the walk ends
        let v: [(u16, &[u8]); 2] = [(0, &[10, 0, 0, 1]), (1, &[10, 0, 0, 2])];
        assert!(nested(&b).eq(v.iter().copied()));
        // a short attribute is given as it is (the caller refuses it)
        assert!(nested(&[5, 0, 0, 0, 7, 0, 0, 0]).eq([(0u16, &[7u8][..])].iter().copied()));
        assert_eq!(nested(&[3, 0, 0, 0]).count(), 0);
        assert_eq!(nested(&[]).count(), 0);
    }

    #[test]
    fn bond_info_stops_when_full() {
        let b = BondInfo::default();
        let mut n = 0;
        assert!(!bond_info(&b, &mut |_, _| {
            n += 1;
            n < 5
        }));
        assert_eq!(n, 5);
    }

    #[test]
    fn bond_size_is_c_bond_get_size() {
        // bond_get_size() of Linux 7.3 on x86_64, summed by hand: 15 u8 (8 bytes each), 13 u32
        // (8), ARP targets 8 + 16 * 8, AD info 8 + 4 * 8 + 12, two u16 + a MAC (8 + 8 + 12),
        // NS targets 8 + 16 * 20
        assert_eq!(BOND_INFO_SIZE, 15 * 8 + 13 * 8 + (8 + 128) + (8 + 32 + 12) + 28 + (8 + 320));
    }

    #[test]
    fn slave_info_in_c_order() {
        let mut s = SlaveInfo { state: 1, mii_status: 0, link_failure_count: 3, perm_hwaddr: [2; 6], perm_len: 6, ..Default::default() };
        let (_, v) = collect(|p| slave_info(&s, p));
        assert!(same_order(&v, &[1, 2, 3, 4, 5, 9]));
        assert!(v.has(attr::SLAVE_PERM_HWADDR, Val::Addr([2; 6], 6)));
        // a GRE slave's address is 4 bytes, an nlmon's none (bond_fill_slave_info(): addr_len)
        assert_eq!(val_len(&Val::Addr([2; 6], 4)), 4);
        assert_eq!(val_len(&Val::Addr([2; 6], 0)), 0);
        assert_eq!(val_len(&Val::Addr([2; 6], 200)), 6);
        s.ad = Some(SlaveAd { agg: None, port_prio: 255 });
        let (_, v) = collect(|p| slave_info(&s, p));
        assert!(same_order(&v, &[1, 2, 3, 4, 5, 9, 10]));
        s.ad = Some(SlaveAd { agg: Some((1, 61, 63, 2, 2)), port_prio: 255 });
        let (_, v) = collect(|p| slave_info(&s, p));
        assert!(same_order(&v, &[1, 2, 3, 4, 5, 9, 6, 7, 8, 11, 12, 10]));
        assert!(v.has(attr::SLAVE_AD_PARTNER_OPER_PORT_STATE, Val::U16(63)));
        assert!(v.size() <= SLAVE_INFO_SIZE);
        assert_eq!(slave_attr_name(10), Some("IFLA_BOND_SLAVE_ACTOR_PORT_PRIO"));
    }

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
