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

/// `lacp_fallback` (rbond's own option, no C counterpart): when no LACP partner answers, the port
/// that carries the traffic alone is announced and reported, active-backup style.
pub const LACP_FALLBACK: &[OptValue] = &[v("off", 0, DEFAULT), v("on", 1, 0)];

/// `BOND_OPTFLAG_NOSLAVES`: the option can change only while the bond has no slaves.
pub const NOSLAVES: u8 = 1 << 0;
/// `BOND_OPTFLAG_IFDOWN`: the option can change only while the bond is down.
pub const IFDOWN: u8 = 1 << 1;

/// What an option needs of the bond before it may change: `flags` and `unsuppmodes` of the C
/// driver's `bond_opts[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptDeps {
    /// The option's name (sysfs file, messages).
    pub name: &'static str,
    /// [`NOSLAVES`] and [`IFDOWN`].
    pub flags: u8,
    /// The modes the option is refused in, one bit per mode number (`unsuppmodes`).
    pub unsupp_modes: u8,
}

const ALL_MODES: u8 = (1 << (mode::ALB + 1)) - 1;

const fn bit(m: u64) -> u8 {
    1 << m
}

/// `BOND_MODE_ALL_EX(modes)`
const fn all_except(modes: u8) -> u8 {
    ALL_MODES & !modes
}

const fn d(name: &'static str, flags: u8, unsupp_modes: u8) -> OptDeps {
    OptDeps { name, flags, unsupp_modes }
}

/// The dependencies of every option of `bond_options.c`, by name (`num_grat_arp` and
/// `num_unsol_na` are one option; `arp_missed_max` is `BOND_OPT_MISSED_MAX`).
pub const DEPS: &[OptDeps] = &[
    d("mode", NOSLAVES | IFDOWN, 0),
    d("packets_per_slave", 0, all_except(bit(mode::ROUNDROBIN))),
    d("xmit_hash_policy", 0, 0),
    d("arp_validate", 0, bit(mode::IEEE8023AD) | bit(mode::TLB) | bit(mode::ALB)),
    d("arp_all_targets", 0, 0),
    d("fail_over_mac", NOSLAVES, 0),
    d("arp_interval", 0, bit(mode::IEEE8023AD) | bit(mode::TLB) | bit(mode::ALB)),
    d("arp_missed_max", 0, bit(mode::IEEE8023AD) | bit(mode::TLB) | bit(mode::ALB)),
    d("arp_ip_target", 0, 0),
    d("ns_ip6_target", 0, 0),
    d("downdelay", 0, 0),
    d("updelay", 0, 0),
    d("lacp_active", IFDOWN, all_except(bit(mode::IEEE8023AD))),
    d("lacp_rate", IFDOWN, all_except(bit(mode::IEEE8023AD))),
    d("lacp_strict", 0, all_except(bit(mode::IEEE8023AD))),
    d("min_links", 0, 0),
    d("ad_select", IFDOWN, 0),
    d("num_unsol_na", 0, 0),
    d("num_grat_arp", 0, 0),
    d("miimon", 0, 0),
    d("prio", 0, all_except(bit(mode::ACTIVEBACKUP) | bit(mode::TLB) | bit(mode::ALB))),
    d("primary", 0, all_except(bit(mode::ACTIVEBACKUP) | bit(mode::TLB) | bit(mode::ALB))),
    d("primary_reselect", 0, 0),
    d("use_carrier", 0, 0),
    d("active_slave", 0, all_except(bit(mode::ACTIVEBACKUP) | bit(mode::TLB) | bit(mode::ALB))),
    d("queue_id", 0, 0),
    d("all_slaves_active", 0, 0),
    d("resend_igmp", 0, 0),
    d("lp_interval", 0, 0),
    d("slaves", 0, 0),
    d("tlb_dynamic_lb", IFDOWN, all_except(bit(mode::TLB) | bit(mode::ALB))),
    d("ad_actor_sys_prio", 0, all_except(bit(mode::IEEE8023AD))),
    d("actor_port_prio", 0, all_except(bit(mode::IEEE8023AD))),
    d("ad_actor_system", 0, all_except(bit(mode::IEEE8023AD))),
    d("ad_user_port_key", IFDOWN, all_except(bit(mode::IEEE8023AD))),
    d("peer_notif_delay", 0, 0),
    d("coupled_control", IFDOWN, all_except(bit(mode::IEEE8023AD))),
    d("broadcast_neighbor", 0, all_except(bit(mode::IEEE8023AD))),
    // rbond's own: 802.3ad only, as lacp_strict
    d("lacp_fallback", 0, all_except(bit(mode::IEEE8023AD))),
];

/// Why an option cannot change now, in the order `bond_opt_check_deps()` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepsFailed {
    /// The bond's mode does not have the option (`EACCES`).
    Mode,
    /// The bond has slaves (`ENOTEMPTY`).
    HasSlaves,
    /// The bond is up (`EBUSY`).
    Up,
}

/// `bond_opt_check_deps()`: may option `name` change on a bond in mode `bond_mode`, with or
/// without slaves, up or down? Names not in [`DEPS`] have no dependencies.
pub fn check_deps(name: &str, bond_mode: u64, has_slaves: bool, up: bool) -> Result<(), DepsFailed> {
    let Some(o) = DEPS.iter().find(|o| o.name == name) else { return Ok(()) };
    if bond_mode <= mode::ALB && o.unsupp_modes & bit(bond_mode) != 0 {
        return Err(DepsFailed::Mode);
    }
    if o.flags & NOSLAVES != 0 && has_slaves {
        return Err(DepsFailed::HasSlaves);
    }
    if o.flags & IFDOWN != 0 && up {
        return Err(DepsFailed::Up);
    }
    Ok(())
}

/// The lowest and highest value a table accepts: its MIN..MAX range (MIN 0 if absent, as in
/// `bond_opt_check_range()`) or, without a range, its lowest and highest listed value.
pub fn bounds(table: &[OptValue]) -> (u64, u64) {
    if let Some(r) = range(table) {
        return r;
    }
    let lo = table.iter().map(|e| e.value).min().unwrap_or(0);
    let hi = table.iter().map(|e| e.value).max().unwrap_or(0);
    (lo, hi)
}

/// `mac_pton()`: six pairs of hex digits separated by `:`; text after the 17th character is
/// ignored, as in C (a trailing newline, for instance).
pub fn mac_pton(text: &str) -> Option<[u8; 6]> {
    let s = text.as_bytes();
    if s.len() < 17 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (i, m) in mac.iter_mut().enumerate() {
        let hex = |c: u8| (c as char).to_digit(16);
        let (hi, lo) = (hex(s[i * 3])?, hex(s[i * 3 + 1])?);
        if i != 5 && s[i * 3 + 2] != b':' {
            return None;
        }
        *m = (hi << 4 | lo) as u8;
    }
    Some(mac)
}

/// `is_multicast_ether_addr()`: the group bit of the first octet.
pub fn is_multicast_mac(mac: &[u8; 6]) -> bool {
    mac[0] & 1 != 0
}

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

/// The kernel's `isspace()` (lib/ctype.c: the ASCII white space and 0xa0).
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0xa0)
}

/// `dev_valid_name()`: a name a device could have.
pub fn dev_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 16
        && name != "."
        && name != ".."
        && !name.bytes().any(|c| c == b'/' || c == b':' || is_space(c))
}

/// `sscanf(text, "%<max>s")`: white space skipped, then at most `max` bytes up to the next white
/// space; `None` if that cuts a UTF-8 character (no such name can exist).
pub fn scan_word(text: &str, max: usize) -> Option<&str> {
    let b = text.as_bytes();
    let start = b.iter().position(|&c| !is_space(c)).unwrap_or(b.len());
    let len = b[start..].iter().take(max).take_while(|&&c| !is_space(c) && c != 0).count();
    text.get(start..start + len)
}

/// The interface an `active_slave` write names, as `bond_option_active_slave_set()` reads it
/// (`sscanf("%15s")`): `Some("")` clears the active slave (nothing but white space, or a write
/// that starts with a newline).
pub fn parse_active_slave(text: &str) -> Option<&str> {
    if text.starts_with('\n') {
        return Some("");
    }
    scan_word(text, 15)
}

/// The `slaves` write as `bond_option_slaves_set()` reads it: `sscanf("%16s")` (white space
/// skipped, then at most 16 bytes up to the next white space), which must be `+` or `-` and a
/// valid device name (so a longer name is cut to 15 bytes, and `+eth0 more` is `+eth0`). `None`
/// where C goes to `err_no_cmd` (`EPERM`, "no command found in slaves file").
pub fn parse_slaves_cmd(text: &str) -> Option<(bool, &str)> {
    let cmd = scan_word(text, 16)?;
    let add = match cmd.as_bytes().first() {
        Some(b'+') => true,
        Some(b'-') => false,
        _ => return None,
    };
    let name = cmd.get(1..)?;
    dev_valid_name(name).then_some((add, name))
}

/// The `queue_id` write `SLAVE:ID` as `bond_option_queue_id_set()` reads it: the name before the
/// first `:` and `sscanf("%hd")` of the rest (spaces skipped, an optional `-`, digits; the number
/// wraps as C's conversion to `short` does, so `65536` is 0 and `-1` is 65535). `None` where C
/// goes to `err_no_cmd` (`EPERM`) before looking the name up.
pub fn parse_queue_id(text: &str) -> Option<(&str, u16)> {
    let (name, rest) = text.split_once(':')?;
    let rest = rest.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, digits) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let n = digits.bytes().take_while(u8::is_ascii_digit).fold(0u64, |v, d| v.wrapping_mul(10).wrapping_add(u64::from(d - b'0')));
    if !digits.bytes().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let n = if neg { n.wrapping_neg() } else { n };
    // (short) then the u16 it is stored in: the low 16 bits
    let qid = (n & 0xffff) as u16;
    dev_valid_name(name).then_some((name, qid))
}

#[cfg(test)]
mod tests {
    #[test]
    fn active_slave_as_c_reads_it() {
        assert_eq!(parse_active_slave("eth0\n"), Some("eth0"));
        assert_eq!(parse_active_slave("  eth0 x"), Some("eth0"));
        assert_eq!(parse_active_slave(" \n"), Some(""));
        assert_eq!(parse_active_slave("\neth0"), Some(""));
        assert_eq!(parse_active_slave(""), Some(""));
        assert_eq!(parse_active_slave("0123456789abcdefgh"), Some("0123456789abcde"));
    }

    #[test]
    fn slaves_command_as_c_reads_it() {
        assert_eq!(parse_slaves_cmd("+eth0\n"), Some((true, "eth0")));
        assert_eq!(parse_slaves_cmd("-eth0"), Some((false, "eth0")));
        assert_eq!(parse_slaves_cmd("  +eth0 more\n"), Some((true, "eth0")));
        assert_eq!(parse_slaves_cmd("+0123456789abcdefgh"), Some((true, "0123456789abcde")));
        assert_eq!(parse_slaves_cmd("+"), None);
        assert_eq!(parse_slaves_cmd("+\n"), None);
        assert_eq!(parse_slaves_cmd("+ eth0"), None);
        assert_eq!(parse_slaves_cmd("eth0"), None);
        assert_eq!(parse_slaves_cmd(""), None);
        assert_eq!(parse_slaves_cmd("+a:b"), None);
        assert_eq!(parse_slaves_cmd("+.."), None);
        assert_eq!(parse_slaves_cmd("*eth0"), None);
    }

    #[test]
    fn queue_id_as_c_reads_it() {
        assert_eq!(parse_queue_id("eth0:0\n"), Some(("eth0", 0)));
        assert_eq!(parse_queue_id("eth0: 3"), Some(("eth0", 3)));
        assert_eq!(parse_queue_id("eth0:65536"), Some(("eth0", 0)));
        assert_eq!(parse_queue_id("eth0:-1"), Some(("eth0", 65535)));
        assert_eq!(parse_queue_id("eth0:1abc"), Some(("eth0", 1)));
        assert_eq!(parse_queue_id("eth0:99999999999999999999999"), parse_queue_id("eth0:99999999999999999999999"));
        assert_eq!(parse_queue_id("eth0"), None);
        assert_eq!(parse_queue_id("eth0:"), None);
        assert_eq!(parse_queue_id("eth0:+1"), None);
        assert_eq!(parse_queue_id("eth0:abc"), None);
        assert_eq!(parse_queue_id(":0"), None);
        assert_eq!(parse_queue_id("a b:0"), None);
        assert_eq!(parse_queue_id("0123456789abcdef:0"), None);
        assert_eq!(parse_queue_id("+eth0\n"), None);
    }

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

    #[test]
    fn ad_tables_match_bond_options_c() {
        assert_eq!(default_of(LACP_ACTIVE), Some(1));
        assert_eq!(default_of(LACP_STRICT), Some(0));
        assert_eq!(default_of(AD_SELECT), Some(0));
        assert_eq!(default_of(COUPLED_CONTROL), Some(1));
        assert_eq!(default_of(AD_ACTOR_SYS_PRIO), Some(65535));
        assert_eq!(default_of(AD_USER_PORT_KEY), Some(0));
        assert_eq!(parse(AD_SELECT, "actor_port_prio"), Ok(3));
        assert_eq!(parse(AD_SELECT, "4"), Err(ParseError::OutOfRange));
        assert_eq!(parse(LACP_RATE, "default"), Err(ParseError::UnknownName));
        assert_eq!(parse(LACP_ACTIVE, "default"), Ok(1));
        assert_eq!(parse(COUPLED_CONTROL, "off"), Ok(0));
        assert_eq!(parse(AD_USER_PORT_KEY, "1023"), Ok(1023));
        assert_eq!(parse(AD_ACTOR_SYS_PRIO, "65536"), Err(ParseError::OutOfRange));
        assert_eq!(bounds(AD_SELECT), (0, 3));
        assert_eq!(bounds(LACP_RATE), (0, 1));
        assert_eq!(bounds(AD_ACTOR_SYS_PRIO), (1, 65535));
        assert_eq!(bounds(INTMAX), (0, i32::MAX as u64));
        assert_eq!(bounds(NUM_PEER_NOTIF), (0, 255));
    }

    #[test]
    fn dependencies_are_checked_in_c_order() {
        use DepsFailed::*;
        // 802.3ad-only options: the mode comes first, then slaves, then up
        assert_eq!(check_deps("lacp_rate", mode::ROUNDROBIN, true, true), Err(Mode));
        assert_eq!(check_deps("lacp_rate", mode::IEEE8023AD, true, true), Err(Up));
        assert_eq!(check_deps("lacp_rate", mode::IEEE8023AD, true, false), Ok(()));
        assert_eq!(check_deps("lacp_strict", mode::IEEE8023AD, true, true), Ok(()));
        // rbond's lacp_fallback: as lacp_strict
        assert_eq!(check_deps("lacp_fallback", mode::IEEE8023AD, true, true), Ok(()));
        assert_eq!(check_deps("lacp_fallback", mode::ACTIVEBACKUP, false, false), Err(Mode));
        assert_eq!(parse(LACP_FALLBACK, "on"), Ok(1));
        assert_eq!(parse(LACP_FALLBACK, "0"), Ok(0));
        assert!(parse(LACP_FALLBACK, "2").is_err());
        assert_eq!(check_deps("ad_actor_system", mode::ACTIVEBACKUP, false, false), Err(Mode));
        assert_eq!(check_deps("ad_actor_system", mode::IEEE8023AD, true, true), Ok(()));
        assert_eq!(check_deps("ad_user_port_key", mode::IEEE8023AD, false, true), Err(Up));
        assert_eq!(check_deps("coupled_control", mode::XOR, false, false), Err(Mode));
        // ad_select and min_links exist in every mode; ad_select needs the bond down
        assert_eq!(check_deps("ad_select", mode::ROUNDROBIN, false, true), Err(Up));
        assert_eq!(check_deps("min_links", mode::ROUNDROBIN, true, true), Ok(()));
        assert_eq!(check_deps("mode", mode::ROUNDROBIN, true, true), Err(HasSlaves));
        assert_eq!(check_deps("mode", mode::ROUNDROBIN, false, true), Err(Up));
        assert_eq!(check_deps("fail_over_mac", mode::ROUNDROBIN, false, true), Ok(()));
        assert_eq!(check_deps("primary", mode::XOR, false, false), Err(Mode));
        assert_eq!(check_deps("primary", mode::ACTIVEBACKUP, false, false), Ok(()));
        assert_eq!(check_deps("no_such_option", mode::ALB, true, true), Ok(()));
        for o in DEPS {
            assert_eq!(DEPS.iter().filter(|p| p.name == o.name).count(), 1, "{}", o.name);
        }
    }

    #[test]
    fn mac_addresses_parse_as_mac_pton() {
        assert_eq!(mac_pton("02:11:22:33:44:55"), Some([2, 0x11, 0x22, 0x33, 0x44, 0x55]));
        assert_eq!(mac_pton("02:aB:cD:eF:00:ff\n"), Some([2, 0xab, 0xcd, 0xef, 0, 0xff]));
        // C reads 17 characters and ignores the rest
        assert_eq!(mac_pton("02:11:22:33:44:55:66"), Some([2, 0x11, 0x22, 0x33, 0x44, 0x55]));
        assert_eq!(mac_pton("02:11:22:33:44:5"), None);
        assert_eq!(mac_pton("02:11:22:33:44:5\n"), None);
        assert_eq!(mac_pton("02-11-22-33-44-55"), None);
        assert_eq!(mac_pton("0g:11:22:33:44:55"), None);
        assert_eq!(mac_pton("2:11:22:33:44:55:"), None);
        assert_eq!(mac_pton(""), None);
        assert!(is_multicast_mac(&[1, 0, 0x5e, 0, 0, 1]));
        assert!(is_multicast_mac(&[0xff; 6]));
        assert!(!is_multicast_mac(&[0; 6]));
        assert!(!is_multicast_mac(&[2, 0x11, 0x22, 0x33, 0x44, 0x55]));
    }
}
