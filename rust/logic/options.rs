// SPDX-License-Identifier: GPL-2.0
//! Option value tables, with the names, numbers and flags of the C driver's `bond_options.c`, and
//! the parser that turns user text into a value the same way `bond_opt_parse()` does.

/// One accepted value of an option (`struct bond_opt_value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptValue {
    /// The name users write (`"active-backup"`), also shown in sysfs and /proc.
    pub name: &'static str,
    /// The number behind the name (netlink carries it, `mode=1` selects it).
    pub value: u64,
    /// `DEFAULT`, `MIN` and `MAX` flags.
    pub flags: u8,
}

/// The value is the option's default (`BOND_VALFLAG_DEFAULT`).
pub const DEFAULT: u8 = 1 << 0;
/// The value is the lower end of a numeric range (`BOND_VALFLAG_MIN`).
pub const MIN: u8 = 1 << 1;
/// The value is the upper end of a numeric range (`BOND_VALFLAG_MAX`).
pub const MAX: u8 = 1 << 2;

const fn v(name: &'static str, value: u64, flags: u8) -> OptValue {
    OptValue { name, value, flags }
}

/// Bonding modes (`BOND_MODE_*`).
pub mod mode {
    /// balance-rr
    pub const ROUNDROBIN: u64 = 0;
    /// active-backup
    pub const ACTIVEBACKUP: u64 = 1;
    /// balance-xor
    pub const XOR: u64 = 2;
    /// broadcast
    pub const BROADCAST: u64 = 3;
    /// 802.3ad
    pub const IEEE8023AD: u64 = 4;
    /// balance-tlb
    pub const TLB: u64 = 5;
    /// balance-alb
    pub const ALB: u64 = 6;
}

/// Transmit hash policies (`BOND_XMIT_POLICY_*`).
pub mod xmit_policy {
    /// layer2
    pub const LAYER2: u64 = 0;
    /// layer3+4
    pub const LAYER34: u64 = 1;
    /// layer2+3
    pub const LAYER23: u64 = 2;
    /// encap2+3
    pub const ENCAP23: u64 = 3;
    /// encap3+4
    pub const ENCAP34: u64 = 4;
    /// vlan+srcmac
    pub const VLAN_SRCMAC: u64 = 5;
}

/// `primary_reselect` values (`BOND_PRI_RESELECT_*`).
pub mod primary_reselect {
    /// always
    pub const ALWAYS: u64 = 0;
    /// better
    pub const BETTER: u64 = 1;
    /// failure
    pub const FAILURE: u64 = 2;
}

/// `mode`
pub const MODE: &[OptValue] = &[
    v("balance-rr", mode::ROUNDROBIN, DEFAULT),
    v("active-backup", mode::ACTIVEBACKUP, 0),
    v("balance-xor", mode::XOR, 0),
    v("broadcast", mode::BROADCAST, 0),
    v("802.3ad", mode::IEEE8023AD, 0),
    v("balance-tlb", mode::TLB, 0),
    v("balance-alb", mode::ALB, 0),
];

/// `xmit_hash_policy`
pub const XMIT_HASH_POLICY: &[OptValue] = &[
    v("layer2", xmit_policy::LAYER2, DEFAULT),
    v("layer3+4", xmit_policy::LAYER34, 0),
    v("layer2+3", xmit_policy::LAYER23, 0),
    v("encap2+3", xmit_policy::ENCAP23, 0),
    v("encap3+4", xmit_policy::ENCAP34, 0),
    v("vlan+srcmac", xmit_policy::VLAN_SRCMAC, 0),
];

/// `arp_validate`
pub const ARP_VALIDATE: &[OptValue] = &[
    v("none", 0, DEFAULT),
    v("active", 1, 0),
    v("backup", 2, 0),
    v("all", 3, 0),
    v("filter", 4, 0),
    v("filter_active", 5, 0),
    v("filter_backup", 6, 0),
];

/// `arp_all_targets`
pub const ARP_ALL_TARGETS: &[OptValue] = &[v("any", 0, DEFAULT), v("all", 1, 0)];

/// `fail_over_mac`
pub const FAIL_OVER_MAC: &[OptValue] = &[v("none", 0, DEFAULT), v("active", 1, 0), v("follow", 2, 0)];

/// `miimon`, `updelay`, `downdelay`, `arp_interval`, `min_links` (`bond_intmax_tbl`)
pub const INTMAX: &[OptValue] = &[v("off", 0, DEFAULT), v("maxval", i32::MAX as u64, MAX)];

/// `lacp_active`
pub const LACP_ACTIVE: &[OptValue] = &[v("off", 0, 0), v("on", 1, DEFAULT)];

/// `lacp_rate` (no default flag in C: the default is set by `bonding_defaults`, slow)
pub const LACP_RATE: &[OptValue] = &[v("slow", 0, 0), v("fast", 1, 0)];

/// `lacp_strict`
pub const LACP_STRICT: &[OptValue] = &[v("off", 0, DEFAULT), v("on", 1, 0)];

/// `ad_select`
pub const AD_SELECT: &[OptValue] = &[
    v("stable", 0, DEFAULT),
    v("bandwidth", 1, 0),
    v("count", 2, 0),
    v("actor_port_prio", 3, 0),
];

/// `num_grat_arp`, `num_unsol_na`
pub const NUM_PEER_NOTIF: &[OptValue] = &[v("off", 0, 0), v("maxval", 255, MAX), v("default", 1, DEFAULT)];

/// `peer_notif_delay`
pub const PEER_NOTIF_DELAY: &[OptValue] = &[v("off", 0, 0), v("maxval", 300_000, MAX)];

/// `primary_reselect`
pub const PRIMARY_RESELECT: &[OptValue] = &[v("always", 0, DEFAULT), v("better", 1, 0), v("failure", 2, 0)];

/// `use_carrier` (upstream accepts only 1 now)
pub const USE_CARRIER: &[OptValue] = &[v("on", 1, DEFAULT)];

/// `all_slaves_active`
pub const ALL_SLAVES_ACTIVE: &[OptValue] = &[v("off", 0, DEFAULT), v("on", 1, 0)];

/// `resend_igmp`
pub const RESEND_IGMP: &[OptValue] = &[v("off", 0, 0), v("maxval", 255, MAX), v("default", 1, DEFAULT)];

/// `lp_interval`
pub const LP_INTERVAL: &[OptValue] = &[v("minval", 1, MIN | DEFAULT), v("maxval", i32::MAX as u64, MAX)];

/// `packets_per_slave`
pub const PACKETS_PER_SLAVE: &[OptValue] = &[v("default", 1, DEFAULT), v("maxval", u16::MAX as u64, MAX)];

/// `tlb_dynamic_lb`
pub const TLB_DYNAMIC_LB: &[OptValue] = &[v("off", 0, 0), v("on", 1, DEFAULT)];

/// `ad_actor_sys_prio`
pub const AD_ACTOR_SYS_PRIO: &[OptValue] = &[v("minval", 1, MIN), v("maxval", 65535, MAX | DEFAULT)];

/// `ad_user_port_key`
pub const AD_USER_PORT_KEY: &[OptValue] = &[v("minval", 0, MIN | DEFAULT), v("maxval", 1023, MAX)];

/// `arp_missed_max`
pub const MISSED_MAX: &[OptValue] = &[v("minval", 1, MIN), v("maxval", 255, MAX), v("default", 2, DEFAULT)];

/// `coupled_control`
pub const COUPLED_CONTROL: &[OptValue] = &[v("on", 1, DEFAULT), v("off", 0, 0)];

/// `broadcast_neighbor`
pub const BROADCAST_NEIGH: &[OptValue] = &[v("off", 0, DEFAULT), v("on", 1, 0)];

/// Why a value was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Empty input, or only white space.
    Empty,
    /// A word that is none of the table's names.
    UnknownName,
    /// A number that is neither a listed value nor inside the MIN..MAX range.
    OutOfRange,
}

fn range(table: &[OptValue]) -> Option<(u64, u64)> {
    let max = table.iter().find(|e| e.flags & MAX != 0)?.value;
    let min = table.iter().find(|e| e.flags & MIN != 0).map_or(0, |e| e.value);
    Some((min, max))
}

/// Checks a number against a table: an exact value or, where the table has one, the MIN..MAX range.
pub fn check_value(table: &[OptValue], value: u64) -> Result<u64, ParseError> {
    if table.iter().any(|e| e.value == value) {
        return Ok(value);
    }
    match range(table) {
        Some((min, max)) if value >= min && value <= max => Ok(value),
        _ => Err(ParseError::OutOfRange),
    }
}

/// Parses user text as `bond_opt_parse()` does: a trailing newline is dropped; text of only digits
/// and white space is a number (then [`check_value`]); anything else is matched by its first word
/// against the names, where `default` also names the DEFAULT value.
pub fn parse(table: &[OptValue], text: &str) -> Result<u64, ParseError> {
    let text = text.split('\n').next().unwrap_or("");
    let word = text.split_ascii_whitespace().next().ok_or(ParseError::Empty)?;
    if text.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_whitespace()) {
        // "%llu" reads the first run of digits; a value past u64 cannot be in any table
        let value = word.parse::<u64>().map_err(|_| ParseError::OutOfRange)?;
        return check_value(table, value);
    }
    // "%32s": the C parser reads at most 32 characters of the word
    let word = word.get(..32).unwrap_or(word);
    table
        .iter()
        .find(|e| e.name == word || (word == "default" && e.flags & DEFAULT != 0))
        .map(|e| e.value)
        .ok_or(ParseError::UnknownName)
}

/// The name of a value in a table (for sysfs and /proc), if the value has one.
pub fn name_of(table: &[OptValue], value: u64) -> Option<&'static str> {
    table.iter().find(|e| e.value == value).map(|e| e.name)
}

/// The table's default value.
pub fn default_of(table: &[OptValue]) -> Option<u64> {
    table.iter().find(|e| e.flags & DEFAULT != 0).map(|e| e.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_by_name_or_number() {
        assert_eq!(parse(MODE, "active-backup"), Ok(1));
        assert_eq!(parse(MODE, "1"), Ok(1));
        assert_eq!(parse(MODE, "802.3ad\n"), Ok(4));
        assert_eq!(parse(MODE, " 4 "), Ok(4));
        assert_eq!(parse(MODE, "default"), Ok(0));
        assert_eq!(parse(MODE, "7"), Err(ParseError::OutOfRange));
        assert_eq!(parse(MODE, "active_backup"), Err(ParseError::UnknownName));
        assert_eq!(parse(MODE, ""), Err(ParseError::Empty));
        assert_eq!(parse(MODE, "\n"), Err(ParseError::Empty));
    }

    #[test]
    fn numbers_are_matched_exactly_or_by_range() {
        assert_eq!(parse(INTMAX, "100"), Ok(100));
        assert_eq!(parse(INTMAX, "off"), Ok(0));
        assert_eq!(parse(INTMAX, "2147483647"), Ok(i32::MAX as u64));
        assert_eq!(parse(INTMAX, "2147483648"), Err(ParseError::OutOfRange));
        assert_eq!(parse(INTMAX, "99999999999999999999999"), Err(ParseError::OutOfRange));
        assert_eq!(parse(AD_ACTOR_SYS_PRIO, "0"), Err(ParseError::OutOfRange));
        assert_eq!(parse(AD_ACTOR_SYS_PRIO, "1"), Ok(1));
        assert_eq!(parse(AD_ACTOR_SYS_PRIO, "default"), Ok(65535));
        assert_eq!(parse(AD_USER_PORT_KEY, "1024"), Err(ParseError::OutOfRange));
        // no MAX flag: only the listed values
        assert_eq!(parse(LACP_RATE, "2"), Err(ParseError::OutOfRange));
        assert_eq!(parse(LACP_RATE, "fast"), Ok(1));
        // a sign is not a digit: "-1" is a word, and no name matches it
        assert_eq!(parse(INTMAX, "-1"), Err(ParseError::UnknownName));
    }

    #[test]
    fn names_and_defaults_match_the_c_tables() {
        assert_eq!(name_of(XMIT_HASH_POLICY, 1), Some("layer3+4"));
        assert_eq!(name_of(XMIT_HASH_POLICY, 2), Some("layer2+3"));
        assert_eq!(name_of(XMIT_HASH_POLICY, 5), Some("vlan+srcmac"));
        assert_eq!(name_of(MODE, 6), Some("balance-alb"));
        assert_eq!(default_of(MODE), Some(mode::ROUNDROBIN));
        assert_eq!(default_of(LACP_ACTIVE), Some(1));
        assert_eq!(default_of(LACP_RATE), None);
        assert_eq!(default_of(MISSED_MAX), Some(2));
        assert_eq!(default_of(PRIMARY_RESELECT), Some(0));
        for t in [MODE, XMIT_HASH_POLICY, ARP_VALIDATE, FAIL_OVER_MAC, AD_SELECT, PRIMARY_RESELECT] {
            for e in t {
                assert_eq!(parse(t, e.name), Ok(e.value), "{}", e.name);
            }
        }
    }
}
