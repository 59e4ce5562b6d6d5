// SPDX-License-Identifier: GPL-2.0
//! The ARP/NS monitor's decisions (`bond_ab_arp_inspect()`, `bond_ab_arp_probe()`'s choice,
//! `bond_loadbalance_arp_mon()`), its target lists and the ARP frames it reads. Time is an input:
//! jiffies as the kernel counts them (an unsigned long that wraps), compared as `time_after()`
//! compares them.

use super::mii::Link;

/// The most ARP targets a bond has (`BOND_MAX_ARP_TARGETS`), and NS targets
/// (`BOND_MAX_NS_TARGETS`).
pub const MAX_TARGETS: usize = 16;

/// `time_after_eq(a, b)`
pub fn time_after_eq(a: u64, b: u64) -> bool {
    (a.wrapping_sub(b) as i64) >= 0
}

/// `time_after(a, b)`
pub fn time_after(a: u64, b: u64) -> bool {
    (b.wrapping_sub(a) as i64) < 0
}

/// `bond_time_in_interval()`: `now` lies in `[last - delta, last + k * delta + delta / 2]`
/// (`delta`: the ARP interval in jiffies). C computes `k * delta` in an `int`; here it wraps as
/// the jiffies counter does, never panics.
pub fn time_in_interval(now: u64, last: u64, delta: u64, k: u32) -> bool {
    let lo = last.wrapping_sub(delta);
    let hi = last.wrapping_add(delta.wrapping_mul(k.into())).wrapping_add(delta / 2);
    time_after_eq(now, lo) && time_after_eq(hi, now)
}

/// The oldest of a slave's last replies from each target (`slave_oldest_target_arp_rx()`:
/// `arp_all_targets=all`), of the first `n` targets (at least the first).
pub fn oldest(rx: &[u64], n: usize) -> u64 {
    let mut it = rx.iter().take(n.max(1));
    let mut ret = it.next().copied().unwrap_or(0);
    for &t in it {
        if time_after(ret, t) {
            ret = t;
        }
    }
    ret
}

/// What the monitor sees of one slave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpSlave {
    /// the slave's link state
    pub link: Link,
    /// not a backup (`bond_is_active_slave()`)
    pub active: bool,
    /// `slave_last_rx()`: the last validated receive (or the oldest per target, see [`oldest`])
    pub last_rx: u64,
    /// the last probe sent
    pub last_tx: u64,
    /// the last time the slave came up or was made active
    pub last_link_up: u64,
}

/// The link state an inspection proposes (`link_new_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposal {
    /// `BOND_LINK_NOCHANGE`
    NoChange,
    /// `BOND_LINK_UP`
    Up,
    /// `BOND_LINK_DOWN`
    Down,
    /// `BOND_LINK_FAIL`: a slave that was being probed did not answer
    Fail,
}

/// The monitor's timing: `now` and the interval in jiffies, and `arp_missed_max`.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// jiffies now
    pub now: u64,
    /// `msecs_to_jiffies(arp_interval)`
    pub delta: u64,
    /// `missed_max`
    pub missed_max: u8,
}

impl Clock {
    fn within(&self, last: u64, k: u32) -> bool {
        time_in_interval(self.now, last, self.delta, k)
    }
}

/// `bond_ab_arp_inspect()` for one slave of an active-backup bond; `searching`: a slave is being
/// probed (`current_arp_slave` is set), so backups are not taken down.
pub fn ab_inspect(s: &ArpSlave, c: &Clock, searching: bool) -> Proposal {
    if s.link != Link::Up {
        if c.within(s.last_rx, 1) {
            return Proposal::Up;
        }
        if s.link == Link::Back {
            return Proposal::Fail;
        }
        return Proposal::NoChange;
    }
    // two intervals after being enslaved or made active: the receive times need a full cycle
    if c.within(s.last_link_up, 2) {
        return Proposal::NoChange;
    }
    let missed = u32::from(c.missed_max);
    if !s.active && !searching && !c.within(s.last_rx, missed + 1) {
        return Proposal::Down;
    }
    if s.active && (!c.within(s.last_tx, missed) || !c.within(s.last_rx, missed)) {
        return Proposal::Down;
    }
    Proposal::NoChange
}

/// `bond_loadbalance_arp_mon()`'s decision for one slave: up once it sent and received within an
/// interval, down once it missed `missed_max` intervals of either.
pub fn lb_inspect(s: &ArpSlave, c: &Clock) -> Proposal {
    let missed = u32::from(c.missed_max);
    if s.link != Link::Up {
        if c.within(s.last_tx, 1) && c.within(s.last_rx, 1) {
            return Proposal::Up;
        }
        return Proposal::NoChange;
    }
    if !c.within(s.last_tx, missed) || !c.within(s.last_rx, missed) {
        return Proposal::Down;
    }
    Proposal::NoChange
}

/// `bond_ab_arp_probe()`'s next candidate when there is no active slave: the first of the `n`
/// slaves that is up after the one probed last (`current`; the first slave if none), else the
/// first one up from the start up to and including it. `up(i)`: slave `i` is running with carrier.
pub fn next_probe(n: usize, current: Option<usize>, up: impl Fn(usize) -> bool) -> Option<usize> {
    let cur = current.unwrap_or(0);
    let after = cur.saturating_add(1);
    (after..n).find(|&i| up(i)).or_else(|| (0..after.min(n)).find(|&i| up(i)))
}

/// `arp_validate` values (`BOND_ARP_VALIDATE_*`): which slaves validate what they receive.
pub mod validate {
    /// `none`
    pub const NONE: u64 = 0;
    /// `active`
    pub const ACTIVE: u64 = 1;
    /// `backup`
    pub const BACKUP: u64 = 2;
    /// `all`
    pub const ALL: u64 = 3;
    /// the `filter` bit (`BOND_ARP_FILTER`)
    pub const FILTER: u64 = 4;
}

/// `slave_do_arp_validate()`: a slave in this state (`backup`) validates what it receives.
pub fn do_validate(arp_validate: u64, backup: bool) -> bool {
    arp_validate & (1 << u32::from(backup)) != 0
}

/// `bond_is_ip_target_ok()`: neither 255.255.255.255 (`ipv4_is_lbcast()`) nor 0.0.0.0
/// (`ipv4_is_zeronet()`); `addr` in wire order.
pub fn ip_target_ok(addr: [u8; 4]) -> bool {
    addr != [255; 4] && addr != [0; 4]
}

/// `bond_is_ip6_target_ok()`: not the unspecified, loopback or a multicast address.
pub fn ip6_target_ok(addr: &[u8; 16]) -> bool {
    let mut lo = [0u8; 16];
    lo[15] = 1;
    *addr != [0; 16] && *addr != lo && addr[0] != 0xff
}

/// `in4_pton(text, -1, ..., -1, NULL)`: a dotted quad up to the first character that is neither
/// a hex digit nor a dot (the end, a newline, a space, a colon), each part digits (leading zeros
/// allowed) worth at most 255; a hex letter anywhere in it is refused.
pub fn parse_ipv4(text: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let (mut i, mut w, mut seen) = (0usize, 0u32, false);
    let mut bytes = text.bytes();
    loop {
        let c = bytes.next();
        match c {
            Some(b'0'..=b'9') => {
                let d = u32::from(c.unwrap_or(b'0') - b'0');
                w = w * 10 + d;
                seen = true;
                if w > 255 {
                    return None;
                }
            }
            Some(b'a'..=b'f') | Some(b'A'..=b'F') => return None,
            Some(b'.') => {
                if !seen || i >= 3 {
                    return None;
                }
                out[i] = w as u8;
                (i, w, seen) = (i + 1, 0, false);
            }
            // the end, ':' or any other character ends the address
            _ => {
                if !seen || i != 3 {
                    return None;
                }
                out[i] = w as u8;
                return Some(out);
            }
        }
    }
}

/// A target list: up to 16 addresses, the first unset one (all zero) ending it, as C keeps
/// `arp_targets` and `ns_targets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets<const N: usize>(pub [[u8; N]; MAX_TARGETS]);

impl<const N: usize> Default for Targets<N> {
    fn default() -> Self {
        Targets([[0; N]; MAX_TARGETS])
    }
}

/// Why a target could not be added or removed (`_bond_option_arp_ip_target_add()`, `_rem()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetError {
    /// zero, broadcast, multicast...
    Invalid,
    /// already in the list
    Present,
    /// 16 targets already
    Full,
    /// not in the list
    Absent,
}

impl<const N: usize> Targets<N> {
    /// The targets set, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8; N]> {
        self.0.iter().take_while(|t| **t != [0; N])
    }

    /// How many are set.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// No target is set.
    pub fn is_empty(&self) -> bool {
        self.0[0] == [0; N]
    }

    /// The slot of `t` (`bond_get_targets_ip()`).
    pub fn find(&self, t: &[u8; N]) -> Option<usize> {
        self.iter().position(|x| x == t)
    }

    /// Adds `t` in the first free slot and returns that slot; `ok` says whether such an address
    /// may be a target.
    pub fn add(&mut self, t: [u8; N], ok: bool) -> Result<usize, TargetError> {
        if !ok {
            return Err(TargetError::Invalid);
        }
        if self.find(&t).is_some() {
            return Err(TargetError::Present);
        }
        let i = self.len();
        let slot = self.0.get_mut(i).ok_or(TargetError::Full)?;
        *slot = t;
        Ok(i)
    }

    /// Removes `t`, moving the later targets down one slot (as the per-slave receive times must
    /// be moved), and returns the slot it had.
    pub fn remove(&mut self, t: &[u8; N], ok: bool) -> Result<usize, TargetError> {
        if !ok {
            return Err(TargetError::Invalid);
        }
        let i = self.find(t).ok_or(TargetError::Absent)?;
        self.0.copy_within(i + 1.., i);
        self.0[MAX_TARGETS - 1] = [0; N];
        Ok(i)
    }
}

/// The addresses of an Ethernet/IPv4 ARP frame (after the Ethernet header), as `bond_arp_rcv()`
/// reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arp {
    /// `ar_op`
    pub op: u16,
    /// sender IP
    pub sip: [u8; 4],
    /// target IP
    pub tip: [u8; 4],
}

/// ARP's `ar_op` of a reply (`ARPOP_REPLY`) and of a request.
pub const ARPOP_REQUEST: u16 = 1;
/// `ARPOP_REPLY`
pub const ARPOP_REPLY: u16 = 2;
/// Bytes of an Ethernet/IPv4 ARP packet (`arp_hdr_len()` for a 6-byte address).
pub const ARP_LEN: usize = 28;

/// Parses what `bond_arp_rcv()` accepts: Ethernet hardware (6-byte addresses), IPv4 protocol.
pub fn parse_arp(b: &[u8; ARP_LEN]) -> Option<Arp> {
    let be16 = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
    if be16(0) != 1 || be16(2) != 0x0800 || b[4] != 6 || b[5] != 4 {
        return None;
    }
    Some(Arp { op: be16(6), sip: [b[14], b[15], b[16], b[17]], tip: [b[24], b[25], b[26], b[27]] })
}

/// Bytes of an IPv6 header and the ICMPv6 header after it, which `bond_na_rcv()` reads.
pub const ND_LEN: usize = 48;
/// `in6addr_linklocal_allnodes` (ff02::1)
pub const ALL_NODES: [u8; 16] = [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

/// The (source, destination) addresses of a neighbour solicitation or advertisement
/// (`bond_na_rcv()`: next header ICMPv6, type 135 or 136; C checks nothing else).
pub fn parse_nd(b: &[u8; ND_LEN]) -> Option<([u8; 16], [u8; 16])> {
    if b[6] != 58 || !(b[40] == 135 || b[40] == 136) {
        return None;
    }
    let mut s = [0u8; 16];
    let mut d = [0u8; 16];
    s.copy_from_slice(&b[8..24]);
    d.copy_from_slice(&b[24..40]);
    Some((s, d))
}

/// `addrconf_addr_solict_mult()`: the solicited-node multicast address of `a`, ff02::1:ffXX:XXXX.
pub fn solicited_node(a: &[u8; 16]) -> [u8; 16] {
    let mut m = [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0];
    m[13..].copy_from_slice(&a[13..]);
    m
}

/// `bond_get_targets_ip6()`: the slot of the NS target that is `ip` or whose solicited-node
/// address `ip` is (what a backup hears of the active slave's solicitations), looking up to and
/// including the first empty slot, as C does.
pub fn ns_target_slot(t: &Targets<16>, ip: &[u8; 16]) -> Option<usize> {
    for (i, x) in t.0.iter().enumerate() {
        if x == ip || solicited_node(x) == *ip {
            return Some(i);
        }
        if *x == [0; 16] {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: u64 = 25; // 100 ms at HZ=250

    fn clock(now: u64) -> Clock {
        Clock { now, delta: D, missed_max: 2 }
    }

    fn slave(link: Link, active: bool, rx: u64, tx: u64, up: u64) -> ArpSlave {
        ArpSlave { link, active, last_rx: rx, last_tx: tx, last_link_up: up }
    }

    #[test]
    fn interval_bounds_and_wrap() {
        assert!(time_in_interval(1000, 1000, D, 1));
        assert!(time_in_interval(1000 - D, 1000, D, 1));
        assert!(!time_in_interval(1000 - D - 1, 1000, D, 1));
        assert!(time_in_interval(1000 + D + D / 2, 1000, D, 1));
        assert!(!time_in_interval(1000 + D + D / 2 + 1, 1000, D, 1));
        // across the wrap of the counter
        let last = u64::MAX - 5;
        assert!(time_in_interval(10, last, D, 1));
        assert!(!time_in_interval(last.wrapping_add(2 * D), last, D, 1));
        // no panic for any product
        let _ = time_in_interval(0, 0, u64::MAX, u32::MAX);
    }

    #[test]
    fn oldest_of_targets() {
        assert_eq!(oldest(&[5, 3, 9], 3), 3);
        assert_eq!(oldest(&[5, 3, 9], 1), 5);
        assert_eq!(oldest(&[5, 3, 9], 0), 5);
        assert_eq!(oldest(&[2, u64::MAX], 2), u64::MAX); // MAX is before 2 once wrapped
    }

    #[test]
    fn active_backup_inspection() {
        let c = clock(1000);
        // a down slave that received within the interval comes up
        assert_eq!(ab_inspect(&slave(Link::Down, false, 990, 0, 0), &c, false), Proposal::Up);
        assert_eq!(ab_inspect(&slave(Link::Down, false, 900, 0, 0), &c, false), Proposal::NoChange);
        // a probed slave (back) that did not answer fails
        assert_eq!(ab_inspect(&slave(Link::Back, false, 900, 0, 0), &c, false), Proposal::Fail);
        // grace of two intervals after coming up
        assert_eq!(ab_inspect(&slave(Link::Up, true, 0, 0, 990), &c, false), Proposal::NoChange);
        // the active slave: down when it has not sent or not received for missed_max intervals
        assert_eq!(ab_inspect(&slave(Link::Up, true, 990, 990, 0), &c, false), Proposal::NoChange);
        assert_eq!(ab_inspect(&slave(Link::Up, true, 1000 - 3 * D, 990, 0), &c, false), Proposal::Down);
        assert_eq!(ab_inspect(&slave(Link::Up, true, 990, 1000 - 3 * D, 0), &c, false), Proposal::Down);
        // a backup: down after missed_max + 1 intervals without receiving, unless searching
        assert_eq!(ab_inspect(&slave(Link::Up, false, 1000 - 3 * D, 0, 0), &c, false), Proposal::NoChange);
        assert_eq!(ab_inspect(&slave(Link::Up, false, 1000 - 4 * D, 0, 0), &c, false), Proposal::Down);
        assert_eq!(ab_inspect(&slave(Link::Up, false, 1000 - 4 * D, 0, 0), &c, true), Proposal::NoChange);
    }

    #[test]
    fn load_balance_inspection() {
        let c = clock(1000);
        assert_eq!(lb_inspect(&slave(Link::Down, false, 990, 990, 0), &c), Proposal::Up);
        assert_eq!(lb_inspect(&slave(Link::Down, false, 990, 900, 0), &c), Proposal::NoChange);
        assert_eq!(lb_inspect(&slave(Link::Up, true, 1000 - 3 * D, 990, 0), &c), Proposal::Down);
        assert_eq!(lb_inspect(&slave(Link::Up, true, 1000 - 2 * D, 1000 - 2 * D, 0), &c), Proposal::NoChange);
    }

    #[test]
    fn probe_order() {
        let np = |up: &[bool], cur| next_probe(up.len(), cur, |i| up[i]);
        assert_eq!(np(&[true, true, true], None), Some(1));
        assert_eq!(np(&[true, true, true], Some(1)), Some(2));
        assert_eq!(np(&[true, true, true], Some(2)), Some(0));
        assert_eq!(np(&[false, true, false], Some(1)), Some(1));
        assert_eq!(np(&[false, false], Some(0)), None);
        assert_eq!(np(&[], None), None);
        assert_eq!(np(&[true], Some(usize::MAX)), Some(0));
    }

    #[test]
    fn targets_add_remove() {
        let mut t = Targets::<4>::default();
        assert_eq!(t.add([10, 0, 0, 1], true), Ok(0));
        assert_eq!(t.add([10, 0, 0, 2], true), Ok(1));
        assert_eq!(t.add([10, 0, 0, 1], true), Err(TargetError::Present));
        assert_eq!(t.add([10, 0, 0, 3], false), Err(TargetError::Invalid));
        assert_eq!(t.remove(&[10, 0, 0, 1], true), Ok(0));
        assert_eq!((t.0[0], t.0[1], t.len()), ([10, 0, 0, 2], [0; 4], 1));
        assert_eq!(t.remove(&[10, 0, 0, 1], true), Err(TargetError::Absent));
        for i in 0..15 {
            assert!(t.add([10, 0, 1, i], true).is_ok());
        }
        assert_eq!(t.add([10, 0, 2, 0], true), Err(TargetError::Full));
        assert_eq!(t.len(), 16);
    }

    #[test]
    fn target_rules_and_parsing() {
        assert!(ip_target_ok([10, 0, 0, 1]));
        assert!(!ip_target_ok([0, 0, 0, 0]));
        assert!(!ip_target_ok([255, 255, 255, 255]));
        // 0.0.0.0/8 and multicast are accepted, as by bonding
        assert!(ip_target_ok([0, 1, 2, 3]));
        assert!(ip_target_ok([224, 0, 0, 1]));
        assert_eq!(parse_ipv4("192.168.1.254"), Some([192, 168, 1, 254]));
        assert_eq!(parse_ipv4("192.168.1"), None);
        assert_eq!(parse_ipv4("192.168.1.256"), None);
        assert_eq!(parse_ipv4("192.168.1.1x"), Some([192, 168, 1, 1]));
        assert_eq!(parse_ipv4("1.2.3.4.5"), None);
        assert_eq!(parse_ipv4("1.2.3.4."), None);
        assert_eq!(parse_ipv4("1..3.4"), None);
        // as in4_pton(): leading zeros, and anything but a hex digit or a dot ends the address
        assert_eq!(parse_ipv4("1.2.3.0004"), Some([1, 2, 3, 4]));
        assert_eq!(parse_ipv4("10.0.0.1\n"), Some([10, 0, 0, 1]));
        assert_eq!(parse_ipv4("10.0.0.1 x"), Some([10, 0, 0, 1]));
        assert_eq!(parse_ipv4("10.0.0.1:80"), Some([10, 0, 0, 1]));
        assert_eq!(parse_ipv4("10.0.0.1a"), None);
        assert_eq!(parse_ipv4(""), None);
        let mut ll = [0u8; 16];
        ll[0] = 0xfe;
        ll[1] = 0x80;
        ll[15] = 1;
        assert!(ip6_target_ok(&ll));
        assert!(!ip6_target_ok(&[0; 16]));
    }

    #[test]
    fn arp_frames() {
        let mut b = [0u8; ARP_LEN];
        b[..8].copy_from_slice(&[0, 1, 8, 0, 6, 4, 0, 2]);
        b[14..18].copy_from_slice(&[10, 0, 0, 1]);
        b[24..28].copy_from_slice(&[10, 0, 0, 2]);
        assert_eq!(parse_arp(&b), Some(Arp { op: ARPOP_REPLY, sip: [10, 0, 0, 1], tip: [10, 0, 0, 2] }));
        b[4] = 8; // not an Ethernet address length
        assert_eq!(parse_arp(&b), None);
    }

    #[test]
    fn nd_frames() {
        let mut b = [0u8; ND_LEN];
        b[0] = 0x60;
        b[6] = 58;
        b[8] = 0xfe;
        b[24] = 0xff;
        b[40] = 136;
        let (s, d) = parse_nd(&b).unwrap();
        assert_eq!((s[0], d[0]), (0xfe, 0xff));
        b[40] = 128; // an echo request
        assert_eq!(parse_nd(&b), None);
        b[40] = 135;
        b[6] = 17; // UDP
        assert_eq!(parse_nd(&b), None);
    }

    #[test]
    fn ns_target_slots() {
        let mut t = Targets::<16>::default();
        let a = [0x20, 1, 0xd, 0xb8, 0, 0x61, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let b = [0x20, 1, 0xd, 0xb8, 0, 0x61, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56];
        t.0[0] = a;
        t.0[1] = b;
        assert_eq!(ns_target_slot(&t, &a), Some(0));
        let m = solicited_node(&b);
        assert_eq!(m, [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0x12, 0x34, 0x56]);
        assert_eq!(ns_target_slot(&t, &m), Some(1));
        assert_eq!(ns_target_slot(&t, &ALL_NODES), None);
        // as C: the first empty slot is looked at too (the group of ::)
        assert_eq!(ns_target_slot(&t, &solicited_node(&[0; 16])), Some(2));
    }

    #[test]
    fn validation_by_state() {
        assert!(do_validate(validate::ACTIVE, false));
        assert!(!do_validate(validate::ACTIVE, true));
        assert!(do_validate(validate::BACKUP, true));
        assert!(do_validate(validate::ALL | validate::FILTER, true));
        assert!(!do_validate(validate::FILTER, true));
    }
}
