// SPDX-License-Identifier: GPL-2.0
//! The text of /proc/net/bonding/<bond> (`bond_procfs.c`), for the modes rbond implements.
//! Tools parse this file: it must match the C driver byte for byte.
//!
//! In 802.3ad mode rbond adds one line of its own to each slave, `Aggregation: <why or why not>`,
//! after all of that slave's C lines.

use super::ad::ChurnState;
use super::lacp::PortInfo;
use super::mii::{delay_ms, Link};
use super::options::{self, mode};
use core::fmt::{self, Write};

/// `SPEED_UNKNOWN` as the slaves store it.
pub const SPEED_UNKNOWN: u32 = u32::MAX;
/// `DUPLEX_UNKNOWN`
pub const DUPLEX_UNKNOWN: u8 = 0xff;

/// What the master part of the file shows.
pub struct MasterInfo<'a> {
    /// `UTS_RELEASE` of the running kernel.
    pub kernel_release: &'a str,
    /// The bond's mode.
    pub mode: u64,
    /// `fail_over_mac`
    pub fail_over_mac: u64,
    /// `xmit_hash_policy`
    pub xmit_policy: u64,
    /// `tlb_dynamic_lb` (balance-tlb/alb with 0 transmit by the hash: its policy is shown)
    pub tlb_dynamic_lb: bool,
    /// Name of the primary slave, if one is set and enslaved.
    pub primary: Option<&'a str>,
    /// `primary_reselect`
    pub primary_reselect: u64,
    /// Name of the current active slave.
    pub active: Option<&'a str>,
    /// The bond's carrier.
    pub carrier: bool,
    /// `miimon` in ms
    pub miimon: u32,
    /// updelay in miimon ticks
    pub updelay: u32,
    /// downdelay in miimon ticks
    pub downdelay: u32,
    /// peer_notif_delay in miimon ticks
    pub peer_notif_delay: u32,
    /// The ARP monitor's lines: `Some` while `arp_interval` > 0.
    pub arp: Option<ArpInfo>,
    /// The "802.3ad info" block: `Some` in 802.3ad mode, `None` otherwise (nothing is printed).
    pub ad: Option<AdMasterInfo<'a>>,
}

/// The ARP/NS monitor's part of the master block.
#[derive(Debug, Clone, Copy)]
pub struct ArpInfo {
    /// `arp_interval` (ms)
    pub interval: u32,
    /// `arp_missed_max`
    pub missed_max: u8,
    /// `arp_ip_target`
    pub targets: Targets<4>,
    /// `ns_ip6_target`
    pub ns_targets: Targets<16>,
}

use super::arpmon::Targets;

/// An IPv4 address as `%pI4` prints it.
pub struct Ip4<'a>(pub &'a [u8; 4]);

impl fmt::Display for Ip4<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        write!(f, "{}.{}.{}.{}", a[0], a[1], a[2], a[3])
    }
}

/// An IPv6 address as `%pI6c` prints it (`ip6_compressed_string()`): the longest run of two or
/// more zero words as `::` (the first of equal runs), IPv4-mapped and ISATAP addresses with a
/// dotted quad at the end.
pub struct Ip6<'a>(pub &'a [u8; 16]);

impl fmt::Display for Ip6<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        let word = |i: usize| u16::from_be_bytes([a[2 * i], a[2 * i + 1]]);
        // ipv6_addr_v4mapped() or ipv6_addr_is_isatap(): the last 32 bits as a dotted quad
        let v4mapped = a[..10] == [0; 10] && a[10] == 0xff && a[11] == 0xff;
        let isatap = (word(4) | 0x0200) == 0x0200 && word(5) == 0x5efe;
        let use_v4 = v4mapped || isatap;
        let range = if use_v4 { 6 } else { 8 };
        let mut zerolen = [0usize; 8];
        for (i, z) in zerolen.iter_mut().enumerate().take(range) {
            *z = (i..range).take_while(|&j| word(j) == 0).count();
        }
        let mut longest = 1;
        let mut colonpos: Option<usize> = None;
        for (i, &z) in zerolen.iter().enumerate().take(range) {
            if z > longest {
                longest = z;
                colonpos = Some(i);
            }
        }
        let mut needcolon = false;
        let mut i = 0;
        while i < range {
            if Some(i) == colonpos {
                if needcolon || i == 0 {
                    f.write_str(":")?;
                }
                f.write_str(":")?;
                needcolon = false;
                i += longest;
                continue;
            }
            if needcolon {
                f.write_str(":")?;
            }
            write!(f, "{:x}", word(i))?;
            needcolon = true;
            i += 1;
        }
        if use_v4 {
            if needcolon {
                f.write_str(":")?;
            }
            write!(f, "{}.{}.{}.{}", a[12], a[13], a[14], a[15])?;
        }
        Ok(())
    }
}

/// The active aggregator's summary, as the machines give it.
pub use super::ad::AggInfo;

/// The master's 802.3ad block (`bond_info_show_master()`, `BOND_MODE_8023AD`).
#[derive(Debug, Clone, Copy)]
pub struct AdMasterInfo<'a> {
    /// The bond's name (for "bond %s has no active aggregator").
    pub bond_name: &'a str,
    /// The reader has `CAP_NET_ADMIN`: C shows the system and the active aggregator only then.
    pub privileged: bool,
    /// `lacp_active`
    pub lacp_active: bool,
    /// `lacp_rate` is fast.
    pub lacp_fast: bool,
    /// `min_links`
    pub min_links: u32,
    /// `ad_select` ([`options::AD_SELECT`]).
    pub ad_select: u64,
    /// The 802.3ad system priority in use (`BOND_AD_INFO(bond).system.sys_priority`).
    pub system_priority: u16,
    /// The 802.3ad system MAC address in use (`sys_mac_addr`).
    pub system_mac: [u8; 6],
    /// The active aggregator, if there is one.
    pub active: Option<AggInfo>,
}

/// One slave's 802.3ad lines (`bond_info_show_slave()`, `BOND_MODE_8023AD`).
#[derive(Clone, Copy)]
pub struct AdSlaveInfo<'a> {
    /// The reader has `CAP_NET_ADMIN`: C shows the "details ... lacp pdu" blocks only then.
    pub privileged: bool,
    /// The id of the port's aggregator; `None` when the port has none: C then prints only
    /// `Aggregator ID: N/A` and none of the fields below (but rbond's `Aggregation:` line).
    pub aggregator_id: Option<u16>,
    /// `sm_churn_actor_state`
    pub actor_churn: ChurnState,
    /// `sm_churn_partner_state`
    pub partner_churn: ChurnState,
    /// `churn_actor_count`
    pub actor_churn_count: u32,
    /// `churn_partner_count`
    pub partner_churn_count: u32,
    /// The actor: system priority and MAC, `actor_oper_port_key`, port priority and number,
    /// `actor_oper_port_state`.
    pub actor: PortInfo,
    /// `partner_oper`
    pub partner: PortInfo,
    /// rbond's `Aggregation:` line (e.g. an [`AggReason`]), printed after the C lines; `None`:
    /// no line. Newlines in the text are printed as spaces.
    pub aggregation: Option<&'a dyn fmt::Display>,
}

/// What one slave's part shows.
pub struct SlaveInfo<'a> {
    /// Interface name.
    pub name: &'a str,
    /// Monitor state.
    pub link: Link,
    /// Mb/s or [`SPEED_UNKNOWN`].
    pub speed: u32,
    /// 1 full, 0 half, or [`DUPLEX_UNKNOWN`].
    pub duplex: u8,
    /// Link failures counted by the monitor.
    pub link_failure_count: u32,
    /// The address the slave had before it was enslaved, `addr_len` bytes (a MAC's 6, a GRE
    /// device's 4, none for nlmon).
    pub perm_hwaddr: &'a [u8],
    /// `queue_id`
    pub queue_id: u16,
    /// The 802.3ad lines: `Some` in 802.3ad mode, `None` otherwise (nothing is printed).
    pub ad: Option<AdSlaveInfo<'a>>,
}

/// Text assembled on the stack and handed on a few hundred bytes at a time: monitoring tools read
/// /proc often, and `core::fmt`'s machinery (`fmt::write()` and its padding) cost more than the
/// text itself (make bench scale_proc: 40 % of a read with 64 slaves). Numbers and addresses are
/// written here directly; what is rarely printed still goes through `write!` (the `fmt::Write`
/// impl appends to the buffer). [`Out::done`] hands on the rest.
pub struct Out<'w> {
    w: &'w mut dyn Write,
    b: [u8; 256],
    n: usize,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl<'w> Out<'w> {
    /// An empty buffer in front of `w`.
    pub fn new(w: &'w mut dyn Write) -> Self {
        Out { w, b: [0; 256], n: 0 }
    }

    fn flush(&mut self) -> fmt::Result {
        // only whole `str`s and ASCII are appended: the bytes are UTF-8
        let s = self.b.get(..self.n).and_then(|b| core::str::from_utf8(b).ok()).ok_or(fmt::Error)?;
        self.w.write_str(s)?;
        self.n = 0;
        Ok(())
    }

    /// Hands on what is buffered.
    pub fn done(mut self) -> fmt::Result {
        self.flush()
    }

    /// Appends `s`.
    pub fn s(&mut self, s: &str) -> fmt::Result {
        if s.len() > self.b.len() {
            self.flush()?;
            return self.w.write_str(s);
        }
        self.ascii(s.as_bytes())
    }

    /// Appends bytes that fit the buffer, a whole `str` or ASCII.
    fn ascii(&mut self, a: &[u8]) -> fmt::Result {
        if a.len() > self.b.len() - self.n {
            self.flush()?;
        }
        let end = self.n + a.len();
        self.b[self.n..end].copy_from_slice(a);
        self.n = end;
        Ok(())
    }

    /// Appends `v` in decimal (`%u`).
    pub fn u(&mut self, mut v: u64) -> fmt::Result {
        let mut d = [0u8; 20];
        let mut i = d.len();
        loop {
            i -= 1;
            d[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.ascii(&d[i..])
    }

    /// Appends `v` in decimal (`%d`).
    pub fn i(&mut self, v: i64) -> fmt::Result {
        if v < 0 {
            self.ascii(b"-")?;
        }
        self.u(v.unsigned_abs())
    }

    /// Appends `a` as `%pM`/`%*phC` prints it: bytes in hex, colon-separated (nothing for none).
    pub fn mac(&mut self, a: &[u8]) -> fmt::Result {
        for (i, &x) in a.iter().enumerate() {
            let h = [b':', HEX[usize::from(x >> 4)], HEX[usize::from(x & 0xf)]];
            self.ascii(if i == 0 { &h[1..] } else { &h })?;
        }
        Ok(())
    }
}

impl Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.s(s)
    }
}

/// The mode names of `bond_mode_name()`.
pub fn mode_name(m: u64) -> &'static str {
    match m {
        mode::ROUNDROBIN => "load balancing (round-robin)",
        mode::ACTIVEBACKUP => "fault-tolerance (active-backup)",
        mode::XOR => "load balancing (xor)",
        mode::BROADCAST => "fault-tolerance (broadcast)",
        mode::IEEE8023AD => "IEEE 802.3ad Dynamic link aggregation",
        mode::TLB => "transmit load balancing",
        mode::ALB => "adaptive load balancing",
        _ => "unknown",
    }
}

/// A MAC address as `%pM` prints it.
pub struct Mac<'a>(pub &'a [u8]);

impl fmt::Display for Mac<'_> {
    /// `%*phC`: the bytes in hex, separated by colons (nothing for none).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut o = Out::new(f);
        o.mac(self.0)?;
        o.done()
    }
}

/// The version line and the master part (`bond_info_seq_show()` for SEQ_START_TOKEN).
pub fn write_master(w: &mut dyn Write, m: &MasterInfo<'_>) -> fmt::Result {
    let mut o = Out::new(w);
    master(&mut o, m)?;
    o.done()
}

fn master(o: &mut Out<'_>, m: &MasterInfo<'_>) -> fmt::Result {
    o.s("Ethernet Channel Bonding Driver: v")?;
    o.s(m.kernel_release)?;
    o.s("\n\nBonding Mode: ")?;
    o.s(mode_name(m.mode))?;
    if m.mode == mode::ACTIVEBACKUP && m.fail_over_mac != 0 {
        o.s(" (fail_over_mac ")?;
        o.s(options::name_of(options::FAIL_OVER_MAC, m.fail_over_mac).unwrap_or("?"))?;
        o.s(")")?;
    }
    o.s("\n")?;
    // bond_mode_uses_xmit_hash(): xor, 802.3ad, and tlb/alb without tlb_dynamic_lb
    let lb = m.mode == mode::TLB || m.mode == mode::ALB;
    if m.mode == mode::XOR || m.mode == mode::IEEE8023AD || (lb && !m.tlb_dynamic_lb) {
        o.s("Transmit Hash Policy: ")?;
        o.s(options::name_of(options::XMIT_HASH_POLICY, m.xmit_policy).unwrap_or("?"))?;
        o.s(" (")?;
        o.u(m.xmit_policy)?;
        o.s(")\n")?;
    }
    if m.mode == mode::ACTIVEBACKUP || m.mode == mode::TLB || m.mode == mode::ALB {
        o.s("Primary Slave: ")?;
        o.s(m.primary.unwrap_or("None"))?;
        if m.primary.is_some() {
            o.s(" (primary_reselect ")?;
            o.s(options::name_of(options::PRIMARY_RESELECT, m.primary_reselect).unwrap_or("?"))?;
            o.s(")")?;
        }
        o.s("\nCurrently Active Slave: ")?;
        o.s(m.active.unwrap_or("None"))?;
        o.s("\n")?;
    }
    o.s(if m.carrier { "MII Status: up\n" } else { "MII Status: down\n" })?;
    o.s("MII Polling Interval (ms): ")?;
    o.u(m.miimon.into())?;
    // C's `int` products, wrapping past INT_MAX (printed with %d)
    o.s("\nUp Delay (ms): ")?;
    o.i(delay_ms(m.updelay, m.miimon).into())?;
    o.s("\nDown Delay (ms): ")?;
    o.i(delay_ms(m.downdelay, m.miimon).into())?;
    o.s("\nPeer Notification Delay (ms): ")?;
    o.i(delay_ms(m.peer_notif_delay, m.miimon).into())?;
    o.s("\n")?;
    if let Some(arp) = &m.arp {
        master_arp(o, arp)?;
    }
    match &m.ad {
        Some(ad) => master_ad(o, ad),
        None => Ok(()),
    }
}

/// The ARP monitor's lines (`arp_interval` > 0).
fn master_arp(o: &mut Out<'_>, a: &ArpInfo) -> fmt::Result {
    // an int printed with %d
    o.s("ARP Polling Interval (ms): ")?;
    o.i((a.interval as i32).into())?;
    o.s("\nARP Missed Max: ")?;
    o.u(a.missed_max.into())?;
    o.s("\nARP IP target/s (n.n.n.n form):")?;
    for (i, t) in a.targets.iter().enumerate() {
        if i > 0 {
            o.s(",")?;
        }
        write!(o, " {}", Ip4(t))?;
    }
    o.s("\nNS IPv6 target/s (xx::xx form):")?;
    for (i, t) in a.ns_targets.iter().enumerate() {
        if i > 0 {
            o.s(",")?;
        }
        write!(o, " {}", Ip6(t))?;
    }
    o.s("\n")
}

/// The "802.3ad info" block, the end of the master part.
fn master_ad(o: &mut Out<'_>, ad: &AdMasterInfo<'_>) -> fmt::Result {
    // seq_puts(seq, "\n802.3ad info\n");
    // "LACP active: %s\n" on/off, "LACP rate: %s\n" fast/slow, "Min links: %d\n",
    // "Aggregator selection policy (ad_select): %s\n"
    o.s("\n802.3ad info\nLACP active: ")?;
    o.s(if ad.lacp_active { "on" } else { "off" })?;
    o.s("\nLACP rate: ")?;
    o.s(if ad.lacp_fast { "fast" } else { "slow" })?;
    // min_links is an unsigned int printed with %d
    o.s("\nMin links: ")?;
    o.i((ad.min_links as i32).into())?;
    o.s("\nAggregator selection policy (ad_select): ")?;
    o.s(options::name_of(options::AD_SELECT, ad.ad_select).unwrap_or("?"))?;
    o.s("\n")?;
    if !ad.privileged {
        return Ok(());
    }
    o.s("System priority: ")?;
    o.u(ad.system_priority.into())?;
    o.s("\nSystem MAC address: ")?;
    o.mac(&ad.system_mac)?;
    o.s("\n")?;
    match &ad.active {
        None => {
            o.s("bond ")?;
            o.s(ad.bond_name)?;
            o.s(" has no active aggregator\n")
        }
        Some(a) => {
            o.s("Active Aggregator Info:\n\tAggregator ID: ")?;
            o.u(a.id.into())?;
            o.s("\n\tNumber of ports: ")?;
            o.u(a.ports.into())?;
            o.s("\n\tActor Key: ")?;
            o.u(a.actor_key.into())?;
            o.s("\n\tPartner Key: ")?;
            o.u(a.partner_key.into())?;
            o.s("\n\tPartner Mac Address: ")?;
            o.mac(&a.partner_mac)?;
            o.s("\n")
        }
    }
}

/// One slave's part (`bond_info_show_slave()`); in 802.3ad mode followed by rbond's
/// `Aggregation:` line.
pub fn write_slave(w: &mut dyn Write, s: &SlaveInfo<'_>) -> fmt::Result {
    let mut o = Out::new(w);
    slave(&mut o, s)?;
    o.done()
}

fn slave(o: &mut Out<'_>, s: &SlaveInfo<'_>) -> fmt::Result {
    o.s("\nSlave Interface: ")?;
    o.s(s.name)?;
    o.s("\nMII Status: ")?;
    o.s(s.link.sysfs_name())?;
    if s.speed == SPEED_UNKNOWN {
        o.s("\nSpeed: Unknown\n")?;
    } else {
        // C prints the int with %d
        o.s("\nSpeed: ")?;
        o.i((s.speed as i32).into())?;
        o.s(" Mbps\n")?;
    }
    o.s(match s.duplex {
        DUPLEX_UNKNOWN => "Duplex: Unknown\n",
        0 => "Duplex: half\n",
        _ => "Duplex: full\n",
    })?;
    o.s("Link Failure Count: ")?;
    o.u(s.link_failure_count.into())?;
    o.s("\nPermanent HW addr: ")?;
    o.mac(s.perm_hwaddr)?;
    o.s("\nSlave queue ID: ")?;
    o.u(s.queue_id.into())?;
    o.s("\n")?;
    match &s.ad {
        Some(ad) => slave_ad(o, ad),
        None => Ok(()),
    }
}

/// One side's "details ... lacp pdu:" lines; the partner's key is its "oper key".
fn details(o: &mut Out<'_>, side: &str, key: &str, p: &PortInfo) -> fmt::Result {
    o.s("details ")?;
    o.s(side)?;
    o.s(" lacp pdu:\n    system priority: ")?;
    o.u(p.system_priority.into())?;
    o.s("\n    system mac address: ")?;
    o.mac(&p.system)?;
    o.s("\n    ")?;
    o.s(key)?;
    o.s(": ")?;
    o.u(p.key.into())?;
    o.s("\n    port priority: ")?;
    o.u(p.port_priority.into())?;
    o.s("\n    port number: ")?;
    o.u(p.port_number.into())?;
    o.s("\n    port state: ")?;
    o.u(p.state.into())?;
    o.s("\n")
}

/// The 802.3ad lines of a slave, then rbond's `Aggregation:` line.
fn slave_ad(o: &mut Out<'_>, ad: &AdSlaveInfo<'_>) -> fmt::Result {
    match ad.aggregator_id {
        None => o.s("Aggregator ID: N/A\n")?,
        Some(id) => {
            o.s("Aggregator ID: ")?;
            o.u(id.into())?;
            o.s("\nActor Churn State: ")?;
            o.s(ad.actor_churn.desc())?;
            o.s("\nPartner Churn State: ")?;
            o.s(ad.partner_churn.desc())?;
            // u32 counters printed with %d
            o.s("\nActor Churned Count: ")?;
            o.i((ad.actor_churn_count as i32).into())?;
            o.s("\nPartner Churned Count: ")?;
            o.i((ad.partner_churn_count as i32).into())?;
            o.s("\n")?;
            if ad.privileged {
                details(o, "actor", "port key", &ad.actor)?;
                details(o, "partner", "oper key", &ad.partner)?;
            }
        }
    }
    if let Some(text) = ad.aggregation {
        o.s("Aggregation: ")?;
        write!(OneLine(o), "{text}")?;
        o.s("\n")?;
    }
    Ok(())
}

/// Writes through, newlines and carriage returns as spaces.
struct OneLine<'w>(&'w mut dyn Write);

impl Write for OneLine<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for part in s.split_inclusive(['\n', '\r']) {
            match part.strip_suffix(['\n', '\r']) {
                Some(body) => {
                    self.0.write_str(body)?;
                    self.0.write_char(' ')?;
                }
                None => self.0.write_str(part)?,
            }
        }
        Ok(())
    }
}

/// The active aggregator, as far as [`agg_reason`] compares a port with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveAggFacts {
    /// Its id.
    pub id: u16,
    /// The speed of its ports in Mb/s ([`SPEED_UNKNOWN`] if unknown).
    pub speed: u32,
    /// Its partner's system MAC address.
    pub partner_system: [u8; 6],
    /// Its partner's key.
    pub partner_key: u16,
}

/// What [`agg_reason`] knows of one 802.3ad port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggFacts {
    /// The slave's link is up (for the monitor).
    pub link_up: bool,
    /// Mb/s or [`SPEED_UNKNOWN`].
    pub speed: u32,
    /// 1 full, 0 half, or [`DUPLEX_UNKNOWN`].
    pub duplex: u8,
    /// The bond's `lacp_active`.
    pub lacp_active: bool,
    /// Seconds since this port last received a LACPDU; `None`: never.
    pub lacpdu_age_secs: Option<u32>,
    /// `actor_oper_port_state` ([`super::lacp::state`] bits).
    pub actor_state: u8,
    /// `partner_oper`.
    pub partner: PortInfo,
    /// `AD_PORT_SELECTED` is set.
    pub selected: bool,
    /// `AD_PORT_STANDBY` is set.
    pub standby: bool,
    /// The actor or the partner churn machine is in the churned state.
    pub churned: bool,
    /// The id of the port's aggregator, if it has one.
    pub aggregator: Option<u16>,
    /// The bond's active aggregator, if there is one.
    pub active: Option<ActiveAggFacts>,
    /// The port carries the bond's traffic alone because the active aggregator has no LACP
    /// partner ([`super::ad::fallback_port`]).
    pub alone: bool,
    /// rbond's `lacp_fallback` is on.
    pub lacp_fallback: bool,
}

/// Why an 802.3ad port does or does not aggregate: rbond's `Aggregation:` line. `Display` gives
/// one short line starting with "yes" or "no".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggReason {
    /// Collecting and distributing in the active aggregator.
    InActiveAggregator {
        /// Its id.
        id: u16,
    },
    /// The link is down.
    LinkDown,
    /// The port runs half duplex.
    HalfDuplex,
    /// The driver reports no duplex.
    DuplexUnknown,
    /// The port carries the traffic alone: no LACP partner answers, and bonding's fallback (with
    /// `lacp_strict` off) uses one port of the bond.
    Alone {
        /// The port's (individual) aggregator.
        id: u16,
        /// rbond's `lacp_fallback` is on (the change is announced and logged).
        fallback: bool,
        /// Seconds since the port's last LACPDU; `None`: none received.
        seconds: Option<u32>,
    },
    /// Neither side sends LACPDUs: `lacp_active` is off here and nothing was ever received.
    LacpPassive,
    /// The partner's LACPDUs stopped or never came (the port is defaulted or expired).
    PartnerSilent {
        /// Seconds since the last one; `None`: none received.
        seconds: Option<u32>,
    },
    /// The port is in no aggregator, or not selected.
    NotSelected,
    /// The bond has no active aggregator.
    NoActiveAggregator,
    /// The port runs at another speed than the active aggregator's ports.
    SpeedDiffers {
        /// The port's speed, Mb/s or [`SPEED_UNKNOWN`].
        port_mbps: u32,
        /// The active aggregator's, Mb/s or [`SPEED_UNKNOWN`].
        agg_mbps: u32,
    },
    /// The port's partner is another system, or another key, than the active aggregator's.
    OtherPartner {
        /// The port's partner system.
        system: [u8; 6],
        /// The port's partner key.
        key: u16,
        /// The active aggregator's partner system.
        agg_system: [u8; 6],
        /// The active aggregator's partner key.
        agg_key: u16,
    },
    /// The port is in another aggregator than the active one, with the same partner and speed.
    OtherAggregator {
        /// The port's aggregator.
        id: u16,
        /// The active one.
        active: u16,
    },
    /// Selected into the active aggregator but held in standby.
    Standby,
    /// In the active aggregator, but the actor or partner churn machine reports churn.
    Churned,
    /// In the active aggregator, not yet collecting and distributing.
    Negotiating,
}

/// Why the port described by `f` does or does not aggregate. The first cause found wins, in the
/// order: link, duplex, in use, LACPDUs, selection, active aggregator (partner, speed, key),
/// standby, churn.
pub fn agg_reason(f: &AggFacts) -> AggReason {
    use super::lacp::state;
    if !f.link_up {
        return AggReason::LinkDown;
    }
    match f.duplex {
        0 => return AggReason::HalfDuplex,
        DUPLEX_UNKNOWN => return AggReason::DuplexUnknown,
        _ => {}
    }
    if f.alone {
        let id = f.aggregator.unwrap_or(0);
        return AggReason::Alone { id, fallback: f.lacp_fallback, seconds: f.lacpdu_age_secs };
    }
    let in_active = matches!((f.aggregator, f.active), (Some(a), Some(act)) if a == act.id);
    let cd = state::COLLECTING | state::DISTRIBUTING;
    if in_active && f.actor_state & cd == cd {
        return AggReason::InActiveAggregator { id: f.aggregator.unwrap_or(0) };
    }
    if f.lacpdu_age_secs.is_none() && !f.lacp_active {
        return AggReason::LacpPassive;
    }
    if f.lacpdu_age_secs.is_none() || f.actor_state & (state::DEFAULTED | state::EXPIRED) != 0 {
        return AggReason::PartnerSilent { seconds: f.lacpdu_age_secs };
    }
    let (Some(agg), true) = (f.aggregator, f.selected) else { return AggReason::NotSelected };
    let Some(act) = f.active else { return AggReason::NoActiveAggregator };
    if agg != act.id {
        let other = AggReason::OtherPartner {
            system: f.partner.system,
            key: f.partner.key,
            agg_system: act.partner_system,
            agg_key: act.partner_key,
        };
        return if f.partner.system != act.partner_system {
            other
        } else if f.speed != act.speed {
            AggReason::SpeedDiffers { port_mbps: f.speed, agg_mbps: act.speed }
        } else if f.partner.key != act.partner_key {
            other
        } else {
            AggReason::OtherAggregator { id: agg, active: act.id }
        };
    }
    if f.standby {
        AggReason::Standby
    } else if f.churned {
        AggReason::Churned
    } else {
        AggReason::Negotiating
    }
}

/// A speed as "1000 Mb/s" or "unknown".
struct Speed(u32);

impl fmt::Display for Speed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            SPEED_UNKNOWN => f.write_str("unknown"),
            s => write!(f, "{s} Mb/s"),
        }
    }
}

impl fmt::Display for AggReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AggReason::InActiveAggregator { id } => {
                write!(f, "yes: collecting and distributing in aggregator {id}")
            }
            AggReason::LinkDown => f.write_str("no: link down"),
            AggReason::Alone { id, fallback, seconds } => {
                let how = if fallback { "lacp_fallback on" } else { "lacp_strict off" };
                write!(f, "yes: carries the traffic alone in aggregator {id}: no LACP partner answers ")?;
                match seconds {
                    Some(s) => write!(f, "(last LACPDU {s} s ago; {how})"),
                    None => write!(f, "(no LACPDU received; {how})"),
                }
            }
            AggReason::HalfDuplex => f.write_str(
                "no: half duplex (LACP needs full duplex; check the NIC/driver, \
                 e.g. USB cdc_ncm adapters report half duplex)",
            ),
            AggReason::DuplexUnknown => {
                f.write_str("no: duplex unknown (LACP needs full duplex; the driver reports none)")
            }
            AggReason::LacpPassive => {
                f.write_str("no: LACP passive on both sides (set lacp_active on here, or active mode on the partner)")
            }
            AggReason::PartnerSilent { seconds: Some(s) } => {
                write!(f, "no: partner sends no LACPDUs (last one {s} s ago)")
            }
            AggReason::PartnerSilent { seconds: None } => {
                f.write_str("no: partner sends no LACPDUs (none received; is LACP on at the partner?)")
            }
            AggReason::NotSelected => f.write_str("no: not selected into an aggregator yet"),
            AggReason::NoActiveAggregator => f.write_str("no: the bond has no active aggregator yet"),
            AggReason::SpeedDiffers { port_mbps, agg_mbps } => {
                write!(f, "no: speed {} differs from the active aggregator's {}", Speed(port_mbps), Speed(agg_mbps))
            }
            AggReason::OtherPartner { system, key, agg_system, agg_key } => write!(
                f,
                "no: partner {} key {} is not the active aggregator's ({} key {}); \
                 check the partner's LAG",
                Mac(&system),
                key,
                Mac(&agg_system),
                agg_key
            ),
            AggReason::OtherAggregator { id, active } => {
                write!(f, "no: in aggregator {id}, but ad_select chose aggregator {active}")
            }
            AggReason::Standby => f.write_str("no: standby in the active aggregator"),
            AggReason::Churned => f.write_str("no: churned (no LACP agreement with the partner; check its LAG config)"),
            AggReason::Negotiating => f.write_str("no: negotiating (partner not in sync yet)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct S([u8; 4096], usize);
    impl Write for S {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let b = s.as_bytes();
            self.0.get_mut(self.1..self.1 + b.len()).ok_or(fmt::Error)?.copy_from_slice(b);
            self.1 += b.len();
            Ok(())
        }
    }
    impl S {
        fn new() -> Self {
            S([0; 4096], 0)
        }
        fn text(&self) -> &str {
            core::str::from_utf8(&self.0[..self.1]).unwrap()
        }
    }

    #[test]
    fn out_writes_numbers_and_addresses_as_fmt_does() {
        extern crate std;
        use std::{format, string::String, vec::Vec};
        let mut s = S::new();
        let mut o = Out::new(&mut s);
        let mut want = String::new();
        for v in [0u64, 1, 9, 10, 99, 100, 65535, u32::MAX as u64, u64::MAX] {
            o.u(v).unwrap();
            want += &format!("{v}|");
            o.s("|").unwrap();
        }
        for v in [0i64, -1, 1, i32::MIN as i64, i32::MAX as i64, i64::MIN, i64::MAX] {
            o.i(v).unwrap();
            want += &format!("{v}|");
            o.s("|").unwrap();
        }
        let long: Vec<u8> = (0..32u8).map(|x| x.wrapping_mul(37)).collect();
        for a in [&[][..], &[0u8][..], &[0xab, 0x01, 0xf0, 0x0f, 0xff, 0x10][..], &long[..]] {
            o.mac(a).unwrap();
            want += &a.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":");
            o.s("|").unwrap();
            want += "|";
        }
        // pieces past the buffer's size, and one larger than it
        let big = "x".repeat(300);
        for _ in 0..3 {
            o.s("0123456789abcdefghijklmnopqrstuvwxyz").unwrap();
            want += "0123456789abcdefghijklmnopqrstuvwxyz";
            o.s(&big).unwrap();
            want += &big;
            write!(o, "<{}>", 42).unwrap();
            want += "<42>";
        }
        o.done().unwrap();
        assert_eq!(s.text(), want);
        assert_eq!(format!("{}", Mac(&[1, 2, 0xfe])), "01:02:fe");
    }

    fn master(mode: u64) -> MasterInfo<'static> {
        MasterInfo {
            kernel_release: "7.3.4",
            mode,
            fail_over_mac: 0,
            xmit_policy: 0,
            tlb_dynamic_lb: true,
            primary: None,
            primary_reselect: 0,
            active: None,
            carrier: false,
            miimon: 0,
            updelay: 0,
            downdelay: 0,
            peer_notif_delay: 0,
            arp: None,
            ad: None,
        }
    }

    #[test]
    fn tlb_and_alb_show_the_hash_policy_only_without_tlb_dynamic_lb() {
        for mode in [mode::TLB, mode::ALB] {
            let mut m = master(mode);
            m.xmit_policy = 1;
            m.active = Some("eth1");
            let mut s = S::new();
            write_master(&mut s, &m).unwrap();
            assert!(!s.text().contains("Transmit Hash Policy"), "{}", s.text());
            assert!(s.text().contains("\nPrimary Slave: None\nCurrently Active Slave: eth1\n"), "{}", s.text());
            m.tlb_dynamic_lb = false;
            let mut s = S::new();
            write_master(&mut s, &m).unwrap();
            assert!(s.text().contains("\nTransmit Hash Policy: layer3+4 (1)\nPrimary Slave: None\n"), "{}", s.text());
        }
    }

    #[test]
    fn arp_monitor_lines() {
        let mut m = master(mode::ACTIVEBACKUP);
        let mut targets = Targets::default();
        targets.0[0] = [192, 168, 1, 1];
        targets.0[1] = [10, 0, 0, 254];
        let mut ns = Targets::default();
        ns.0[0] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        m.arp = Some(ArpInfo { interval: 100, missed_max: 2, targets, ns_targets: ns });
        let mut s = S::new();
        write_master(&mut s, &m).unwrap();
        assert!(s.text().ends_with(
            "Peer Notification Delay (ms): 0\nARP Polling Interval (ms): 100\nARP Missed Max: 2\n\
             ARP IP target/s (n.n.n.n form): 192.168.1.1, 10.0.0.254\nNS IPv6 target/s (xx::xx form): fe80::1\n"
        ));
        m.arp = Some(ArpInfo { interval: 1000, missed_max: 2, targets: Targets::default(), ns_targets: Targets::default() });
        let mut s = S::new();
        write_master(&mut s, &m).unwrap();
        assert!(s.text().ends_with("ARP IP target/s (n.n.n.n form):\nNS IPv6 target/s (xx::xx form):\n"));
    }

    #[test]
    fn ipv6_as_pi6c() {
        fn show(a: [u8; 16]) -> S {
            let mut s = S::new();
            write!(s, "{}", Ip6(&a)).unwrap();
            s
        }
        let w = |ws: [u16; 8]| {
            let mut a = [0u8; 16];
            for (i, x) in ws.iter().enumerate() {
                a[2 * i..2 * i + 2].copy_from_slice(&x.to_be_bytes());
            }
            a
        };
        assert_eq!(show([0; 16]).text(), "::");
        assert_eq!(show(w([0, 0, 0, 0, 0, 0, 0, 1])).text(), "::1");
        assert_eq!(show(w([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])).text(), "2001:db8::1:0:0:1");
        assert_eq!(show(w([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1])).text(), "2001:db8:0:1::1");
        assert_eq!(show(w([0x2001, 0xdb8, 1, 2, 3, 4, 5, 0])).text(), "2001:db8:1:2:3:4:5:0");
        assert_eq!(show(w([0xfe80, 0, 0, 0, 0, 0, 0, 0])).text(), "fe80::");
        assert_eq!(show(w([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201])).text(), "::ffff:192.0.2.1");
    }

    #[test]
    fn delays_past_int_max_print_as_c_does() {
        // updelay INT_MAX at miimon 1, then miimon 3 (issue 12): C prints its wrapped int product
        let mut m = master(mode::ACTIVEBACKUP);
        m.miimon = 3;
        m.updelay = i32::MAX as u32;
        m.downdelay = 1 << 30;
        m.peer_notif_delay = i32::MAX as u32;
        let mut s = S::new();
        write_master(&mut s, &m).unwrap();
        let t = s.text();
        assert!(t.contains("MII Polling Interval (ms): 3\nUp Delay (ms): 2147483645\nDown Delay (ms): -1073741824\nPeer Notification Delay (ms): 2147483645\n"), "{t}");
    }

    #[test]
    fn active_backup_master_text() {
        let mut m = master(mode::ACTIVEBACKUP);
        m.active = Some("eth1");
        m.carrier = true;
        m.miimon = 100;
        m.updelay = 2;
        m.downdelay = 1;
        let mut s = S::new();
        write_master(&mut s, &m).unwrap();
        assert_eq!(
            s.text(),
            "Ethernet Channel Bonding Driver: v7.3.4\n\n\
             Bonding Mode: fault-tolerance (active-backup)\n\
             Primary Slave: None\n\
             Currently Active Slave: eth1\n\
             MII Status: up\n\
             MII Polling Interval (ms): 100\n\
             Up Delay (ms): 200\n\
             Down Delay (ms): 100\n\
             Peer Notification Delay (ms): 0\n"
        );
    }

    #[test]
    fn primary_shows_its_reselect_policy() {
        let mut m = master(mode::ACTIVEBACKUP);
        m.primary = Some("eth0");
        m.primary_reselect = 1;
        let mut s = S::new();
        write_master(&mut s, &m).unwrap();
        assert!(s.text().contains("Primary Slave: eth0 (primary_reselect better)\nCurrently Active Slave: None\n"));
    }

    #[test]
    fn xor_master_text_has_the_hash_policy() {
        let mut m = master(mode::XOR);
        m.xmit_policy = 1;
        let mut s = S::new();
        write_master(&mut s, &m).unwrap();
        assert!(s.text().contains("Bonding Mode: load balancing (xor)\nTransmit Hash Policy: layer3+4 (1)\nMII Status: down\n"));
        assert!(!s.text().contains("Primary Slave"));
    }

    #[test]
    fn slave_text() {
        let mut s = S::new();
        write_slave(
            &mut s,
            &SlaveInfo {
                name: "eth0",
                link: Link::Fail,
                speed: 10000,
                duplex: 1,
                link_failure_count: 3,
                perm_hwaddr: &[0x52, 0x54, 0, 0xab, 0xcd, 0xef],
                queue_id: 0,
                ad: None,
            },
        )
        .unwrap();
        assert_eq!(
            s.text(),
            "\nSlave Interface: eth0\nMII Status: going down\nSpeed: 10000 Mbps\nDuplex: full\n\
             Link Failure Count: 3\nPermanent HW addr: 52:54:00:ab:cd:ef\nSlave queue ID: 0\n"
        );
        let mut s = S::new();
        write_slave(
            &mut s,
            &SlaveInfo {
                name: "usb0",
                link: Link::Down,
                speed: SPEED_UNKNOWN,
                duplex: DUPLEX_UNKNOWN,
                link_failure_count: 0,
                perm_hwaddr: &[0; 6],
                queue_id: 0,
                ad: None,
            },
        )
        .unwrap();
        assert!(s.text().contains("Speed: Unknown\nDuplex: Unknown\n"));
        // a non-Ethernet slave's address has its own length (%*phC): GRE 4 bytes, nlmon none
        for (addr, line) in [(&[10u8, 0, 0, 1][..], "Permanent HW addr: 0a:00:00:01\n"), (&[][..], "Permanent HW addr: \n")] {
            let mut s = S::new();
            let info = SlaveInfo {
                name: "gre1",
                link: Link::Up,
                speed: SPEED_UNKNOWN,
                duplex: DUPLEX_UNKNOWN,
                link_failure_count: 0,
                perm_hwaddr: addr,
                queue_id: 0,
                ad: None,
            };
            write_slave(&mut s, &info).unwrap();
            assert!(s.text().contains(line), "{}", s.text());
        }
    }

    /// A bond of two 1000 Mb/s ports to a switch, both in the active aggregator.
    fn lacp_bond(privileged: bool) -> MasterInfo<'static> {
        let mut m = master(mode::IEEE8023AD);
        m.xmit_policy = 1;
        m.carrier = true;
        m.miimon = 100;
        m.ad = Some(AdMasterInfo {
            bond_name: "bond0",
            privileged,
            lacp_active: true,
            lacp_fast: true,
            min_links: 0,
            ad_select: 0,
            system_priority: 65535,
            system_mac: [0x52, 0x54, 0x00, 0x12, 0x34, 0x56],
            active: Some(AggInfo {
                id: 1,
                ports: 2,
                actor_key: 9,
                partner_key: 15,
                partner_mac: [0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc],
            }),
        });
        m
    }

    fn lacp_port(name: &'static str, number: u16, privileged: bool) -> SlaveInfo<'static> {
        static PERM: [[u8; 6]; 3] = [[0x52, 0x54, 0, 0, 0, 0], [0x52, 0x54, 0, 0, 0, 1], [0x52, 0x54, 0, 0, 0, 2]];
        SlaveInfo {
            name,
            link: Link::Up,
            speed: 1000,
            duplex: 1,
            link_failure_count: 0,
            perm_hwaddr: &PERM[usize::from(number)],
            queue_id: 0,
            ad: Some(AdSlaveInfo {
                privileged,
                aggregator_id: Some(1),
                actor_churn: ChurnState::NoChurn,
                partner_churn: ChurnState::NoChurn,
                actor_churn_count: 0,
                partner_churn_count: 0,
                actor: PortInfo {
                    system_priority: 65535,
                    system: [0x52, 0x54, 0x00, 0x12, 0x34, 0x56],
                    key: super::super::lacp::port_key(0, true, 1000, true),
                    port_priority: 255,
                    port_number: number,
                    state: 63,
                },
                partner: PortInfo {
                    system_priority: 32768,
                    system: [0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc],
                    key: 15,
                    port_priority: 32768,
                    port_number: 0x100 + number,
                    state: 61,
                },
                aggregation: None,
            }),
        }
    }

    /// The whole file: the version line, the master part, each slave's part.
    fn file(m: &MasterInfo<'_>, slaves: &[SlaveInfo<'_>]) -> S {
        let mut s = S::new();
        write_master(&mut s, m).unwrap();
        for sl in slaves {
            write_slave(&mut s, sl).unwrap();
        }
        s
    }

    // bond_info_show_master(), 802.3ad part, in order:
    //   seq_puts(seq, "\n802.3ad info\n");
    //   "LACP active: %s\n" ("on"/"off"), "LACP rate: %s\n" ("fast"/"slow"), "Min links: %d\n",
    //   "Aggregator selection policy (ad_select): %s\n",
    //   if capable(CAP_NET_ADMIN): "System priority: %d\n", "System MAC address: %pM\n", then
    //   "bond %s has no active aggregator\n" or "Active Aggregator Info:\n",
    //   "\tAggregator ID: %d\n", "\tNumber of ports: %d\n", "\tActor Key: %d\n",
    //   "\tPartner Key: %d\n", "\tPartner Mac Address: %pM\n".
    // bond_info_show_slave(), 802.3ad part, after "Slave queue ID: %d\n":
    //   with an aggregator: "Aggregator ID: %d\n", "Actor Churn State: %s\n",
    //   "Partner Churn State: %s\n", "Actor Churned Count: %d\n", "Partner Churned Count: %d\n",
    //   if capable(CAP_NET_ADMIN): "details actor lacp pdu:\n", "    system priority: %d\n",
    //   "    system mac address: %pM\n", "    port key: %d\n", "    port priority: %d\n",
    //   "    port number: %d\n", "    port state: %d\n", "details partner lacp pdu:\n", the same
    //   with "    oper key: %d\n" for the key;
    //   without: seq_puts(seq, "Aggregator ID: N/A\n").
    const LACP_MASTER: &str = "Ethernet Channel Bonding Driver: v7.3.4\n\n\
        Bonding Mode: IEEE 802.3ad Dynamic link aggregation\n\
        Transmit Hash Policy: layer3+4 (1)\n\
        MII Status: up\n\
        MII Polling Interval (ms): 100\n\
        Up Delay (ms): 0\n\
        Down Delay (ms): 0\n\
        Peer Notification Delay (ms): 0\n\
        \n\
        802.3ad info\n\
        LACP active: on\n\
        LACP rate: fast\n\
        Min links: 0\n\
        Aggregator selection policy (ad_select): stable\n";

    const LACP_MASTER_PRIV: &str = "System priority: 65535\n\
        System MAC address: 52:54:00:12:34:56\n\
        Active Aggregator Info:\n\
        \tAggregator ID: 1\n\
        \tNumber of ports: 2\n\
        \tActor Key: 9\n\
        \tPartner Key: 15\n\
        \tPartner Mac Address: 00:1b:21:aa:bb:cc\n";

    /// Appends the expected text of `lacp_port(name, n, privileged)`.
    fn push_lacp_slave(s: &mut S, name: &str, n: u16, privileged: bool) {
        write!(
            s,
            "\nSlave Interface: {name}\n\
             MII Status: up\n\
             Speed: 1000 Mbps\n\
             Duplex: full\n\
             Link Failure Count: 0\n\
             Permanent HW addr: 52:54:00:00:00:0{n}\n\
             Slave queue ID: 0\n\
             Aggregator ID: 1\n\
             Actor Churn State: none\n\
             Partner Churn State: none\n\
             Actor Churned Count: 0\n\
             Partner Churned Count: 0\n"
        )
        .unwrap();
        if privileged {
            write!(
                s,
                "details actor lacp pdu:\n\
                 \x20   system priority: 65535\n\
                 \x20   system mac address: 52:54:00:12:34:56\n\
                 \x20   port key: 9\n\
                 \x20   port priority: 255\n\
                 \x20   port number: {n}\n\
                 \x20   port state: 63\n\
                 details partner lacp pdu:\n\
                 \x20   system priority: 32768\n\
                 \x20   system mac address: 00:1b:21:aa:bb:cc\n\
                 \x20   oper key: 15\n\
                 \x20   port priority: 32768\n\
                 \x20   port number: {}\n\
                 \x20   port state: 61\n",
                0x100 + n
            )
            .unwrap();
        }
    }

    #[test]
    fn lacp_bond_with_a_partner_as_root_sees_it() {
        let mut want = S::new();
        want.write_str(LACP_MASTER).unwrap();
        want.write_str(LACP_MASTER_PRIV).unwrap();
        push_lacp_slave(&mut want, "eth0", 1, true);
        push_lacp_slave(&mut want, "eth1", 2, true);
        let got = file(&lacp_bond(true), &[lacp_port("eth0", 1, true), lacp_port("eth1", 2, true)]);
        assert_eq!(got.text(), want.text());
    }

    #[test]
    fn lacp_bond_as_a_user_hides_the_system_and_the_pdus() {
        let mut want = S::new();
        want.write_str(LACP_MASTER).unwrap();
        push_lacp_slave(&mut want, "eth0", 1, false);
        push_lacp_slave(&mut want, "eth1", 2, false);
        let got = file(&lacp_bond(false), &[lacp_port("eth0", 1, false), lacp_port("eth1", 2, false)]);
        assert_eq!(got.text(), want.text());
    }

    #[test]
    fn lacp_bond_without_an_active_aggregator() {
        let mut m = lacp_bond(true);
        m.carrier = false;
        m.xmit_policy = 0;
        if let Some(ad) = m.ad.as_mut() {
            ad.active = None;
            ad.lacp_active = false;
            ad.lacp_fast = false;
            ad.min_links = 2;
            ad.ad_select = 1;
            ad.system_priority = 100;
        }
        // eth0: no carrier, no aggregator; eth1: up, in aggregator 2, no partner (defaulted),
        // churned
        let mut e0 = lacp_port("eth0", 1, true);
        e0.link = Link::Down;
        e0.speed = SPEED_UNKNOWN;
        e0.duplex = DUPLEX_UNKNOWN;
        e0.link_failure_count = 1;
        let why0 = "no: link down";
        if let Some(ad) = e0.ad.as_mut() {
            ad.aggregator_id = None;
            ad.aggregation = Some(&why0);
        }
        let mut e1 = lacp_port("eth1", 2, true);
        let why1 = "no: partner sends no LACPDUs\n(none received)";
        if let Some(ad) = e1.ad.as_mut() {
            ad.aggregator_id = Some(2);
            ad.actor_churn = ChurnState::Churn;
            ad.partner_churn = ChurnState::Churn;
            ad.actor_churn_count = 1;
            ad.partner_churn_count = 1;
            ad.actor.state = 0x45; // activity off, aggregation, defaulted
            ad.partner = PortInfo {
                system_priority: 65535,
                system: [0; 6],
                key: 1,
                port_priority: 255,
                port_number: 1,
                state: 0,
            };
            ad.aggregation = Some(&why1);
        }
        let got = file(&m, &[e0, e1]);
        assert_eq!(
            got.text(),
            "Ethernet Channel Bonding Driver: v7.3.4\n\n\
             Bonding Mode: IEEE 802.3ad Dynamic link aggregation\n\
             Transmit Hash Policy: layer2 (0)\n\
             MII Status: down\n\
             MII Polling Interval (ms): 100\n\
             Up Delay (ms): 0\n\
             Down Delay (ms): 0\n\
             Peer Notification Delay (ms): 0\n\
             \n\
             802.3ad info\n\
             LACP active: off\n\
             LACP rate: slow\n\
             Min links: 2\n\
             Aggregator selection policy (ad_select): bandwidth\n\
             System priority: 100\n\
             System MAC address: 52:54:00:12:34:56\n\
             bond bond0 has no active aggregator\n\
             \n\
             Slave Interface: eth0\n\
             MII Status: down\n\
             Speed: Unknown\n\
             Duplex: Unknown\n\
             Link Failure Count: 1\n\
             Permanent HW addr: 52:54:00:00:00:01\n\
             Slave queue ID: 0\n\
             Aggregator ID: N/A\n\
             Aggregation: no: link down\n\
             \n\
             Slave Interface: eth1\n\
             MII Status: up\n\
             Speed: 1000 Mbps\n\
             Duplex: full\n\
             Link Failure Count: 0\n\
             Permanent HW addr: 52:54:00:00:00:02\n\
             Slave queue ID: 0\n\
             Aggregator ID: 2\n\
             Actor Churn State: churned\n\
             Partner Churn State: churned\n\
             Actor Churned Count: 1\n\
             Partner Churned Count: 1\n\
             details actor lacp pdu:\n\
             \x20   system priority: 65535\n\
             \x20   system mac address: 52:54:00:12:34:56\n\
             \x20   port key: 9\n\
             \x20   port priority: 255\n\
             \x20   port number: 2\n\
             \x20   port state: 69\n\
             details partner lacp pdu:\n\
             \x20   system priority: 65535\n\
             \x20   system mac address: 00:00:00:00:00:00\n\
             \x20   oper key: 1\n\
             \x20   port priority: 255\n\
             \x20   port number: 1\n\
             \x20   port state: 0\n\
             Aggregation: no: partner sends no LACPDUs (none received)\n"
        );
    }

    #[test]
    fn c_prints_unsigned_counters_with_percent_d() {
        let mut m = lacp_bond(false);
        if let Some(ad) = m.ad.as_mut() {
            ad.min_links = u32::MAX;
        }
        let mut e = lacp_port("eth0", 1, false);
        if let Some(ad) = e.ad.as_mut() {
            ad.actor_churn_count = 0x8000_0000;
        }
        let got = file(&m, &[e]);
        assert!(got.text().contains("Min links: -1\n"));
        assert!(got.text().contains("Actor Churned Count: -2147483648\n"));
    }

    #[test]
    fn without_the_ad_parts_nothing_of_802_3ad_is_printed() {
        // the caller gives `ad` only in 802.3ad mode
        let mut m = lacp_bond(true);
        m.ad = None;
        let mut e = lacp_port("eth0", 1, true);
        e.ad = None;
        let got = file(&m, &[e]);
        assert!(!got.text().contains("802.3ad info"));
        assert!(got.text().ends_with("Slave queue ID: 0\n"));
    }

    const SWITCH: [u8; 6] = [0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc];

    /// A port of the healthy bond above: in active aggregator 1, collecting and distributing.
    fn healthy() -> AggFacts {
        AggFacts {
            link_up: true,
            speed: 1000,
            duplex: 1,
            lacp_active: true,
            lacpdu_age_secs: Some(0),
            actor_state: 63,
            partner: PortInfo {
                system_priority: 32768,
                system: SWITCH,
                key: 15,
                port_priority: 32768,
                port_number: 0x101,
                state: 61,
            },
            selected: true,
            standby: false,
            churned: false,
            aggregator: Some(1),
            active: Some(ActiveAggFacts { id: 1, speed: 1000, partner_system: SWITCH, partner_key: 15 }),
            alone: false,
            lacp_fallback: false,
        }
    }

    /// `agg_reason(f)` and its text.
    fn why(f: &AggFacts) -> (AggReason, S) {
        let r = agg_reason(f);
        let mut s = S::new();
        write!(s, "{r}").unwrap();
        assert!(!s.text().contains('\n'));
        (r, s)
    }

    #[test]
    fn aggregating_port() {
        let (r, s) = why(&healthy());
        assert_eq!(r, AggReason::InActiveAggregator { id: 1 });
        assert_eq!(s.text(), "yes: collecting and distributing in aggregator 1");
    }

    #[test]
    fn link_down_comes_first() {
        let mut f = healthy();
        f.link_up = false;
        f.duplex = 0;
        f.lacpdu_age_secs = None;
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::LinkDown);
        assert_eq!(s.text(), "no: link down");
    }

    #[test]
    fn half_duplex_and_unknown_duplex() {
        let mut f = healthy();
        f.duplex = 0;
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::HalfDuplex);
        assert_eq!(
            s.text(),
            "no: half duplex (LACP needs full duplex; check the NIC/driver, e.g. USB cdc_ncm adapters \
             report half duplex)"
        );
        f.duplex = DUPLEX_UNKNOWN;
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::DuplexUnknown);
        assert_eq!(s.text(), "no: duplex unknown (LACP needs full duplex; the driver reports none)");
    }

    #[test]
    fn passive_on_both_sides() {
        let mut f = healthy();
        f.lacp_active = false;
        f.lacpdu_age_secs = None;
        f.actor_state = 0x44; // aggregation, defaulted
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::LacpPassive);
        assert_eq!(s.text(), "no: LACP passive on both sides (set lacp_active on here, or active mode on the partner)");
    }

    #[test]
    fn silent_partner() {
        let mut f = healthy();
        f.actor_state = 0x47; // activity, short timeout, aggregation, defaulted
        f.lacpdu_age_secs = Some(12);
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::PartnerSilent { seconds: Some(12) });
        assert_eq!(s.text(), "no: partner sends no LACPDUs (last one 12 s ago)");
        f.actor_state = 0x87; // expired
        assert_eq!(agg_reason(&f), AggReason::PartnerSilent { seconds: Some(12) });
        f.lacpdu_age_secs = None;
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::PartnerSilent { seconds: None });
        assert_eq!(s.text(), "no: partner sends no LACPDUs (none received; is LACP on at the partner?)");
    }

    #[test]
    fn carrying_the_traffic_alone_without_a_partner() {
        let mut f = healthy();
        f.actor_state = 0x47;
        f.lacpdu_age_secs = None;
        f.aggregator = Some(2);
        f.active = Some(ActiveAggFacts { id: 2, speed: 1000, partner_system: [0; 6], partner_key: 0 });
        f.alone = true;
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::Alone { id: 2, fallback: false, seconds: None });
        assert_eq!(s.text(), "yes: carries the traffic alone in aggregator 2: no LACP partner answers (no LACPDU received; lacp_strict off)");
        f.lacp_fallback = true;
        f.lacpdu_age_secs = Some(7);
        let (_, s) = why(&f);
        assert_eq!(s.text(), "yes: carries the traffic alone in aggregator 2: no LACP partner answers (last LACPDU 7 s ago; lacp_fallback on)");
        // a link that is down says so first
        f.link_up = false;
        assert_eq!(agg_reason(&f), AggReason::LinkDown);
    }

    #[test]
    fn not_selected_and_no_active_aggregator() {
        let mut f = healthy();
        f.actor_state = 0x0f;
        f.aggregator = None;
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::NotSelected);
        assert_eq!(s.text(), "no: not selected into an aggregator yet");
        f.aggregator = Some(1);
        f.selected = false;
        assert_eq!(agg_reason(&f), AggReason::NotSelected);
        f.selected = true;
        f.active = None;
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::NoActiveAggregator);
        assert_eq!(s.text(), "no: the bond has no active aggregator yet");
    }

    #[test]
    fn speed_differs() {
        let mut f = healthy();
        f.speed = 100;
        f.actor_state = 0x07;
        f.aggregator = Some(2);
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::SpeedDiffers { port_mbps: 100, agg_mbps: 1000 });
        assert_eq!(s.text(), "no: speed 100 Mb/s differs from the active aggregator's 1000 Mb/s");
        // the partner may key its ports by speed too: the speed is the cause
        f.partner.key = 16;
        assert_eq!(agg_reason(&f), AggReason::SpeedDiffers { port_mbps: 100, agg_mbps: 1000 });
        f.speed = SPEED_UNKNOWN;
        let (_, s) = why(&f);
        assert_eq!(s.text(), "no: speed unknown differs from the active aggregator's 1000 Mb/s");
    }

    #[test]
    fn other_partner() {
        let mut f = healthy();
        f.actor_state = 0x07;
        f.aggregator = Some(2);
        f.speed = 100; // another switch: that comes before the speed
        f.partner.system = [0x00, 0x1b, 0x21, 0x11, 0x22, 0x33];
        f.partner.key = 7;
        let (r, s) = why(&f);
        assert_eq!(
            r,
            AggReason::OtherPartner {
                system: [0x00, 0x1b, 0x21, 0x11, 0x22, 0x33],
                key: 7,
                agg_system: SWITCH,
                agg_key: 15
            }
        );
        assert_eq!(
            s.text(),
            "no: partner 00:1b:21:11:22:33 key 7 is not the active aggregator's \
             (00:1b:21:aa:bb:cc key 15); check the partner's LAG"
        );
        // same switch, same speed, another LAG
        f.partner.system = SWITCH;
        f.speed = 1000;
        assert!(matches!(agg_reason(&f), AggReason::OtherPartner { key: 7, agg_key: 15, .. }));
    }

    #[test]
    fn other_aggregator() {
        let mut f = healthy();
        f.actor_state = 0x07;
        f.aggregator = Some(3);
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::OtherAggregator { id: 3, active: 1 });
        assert_eq!(s.text(), "no: in aggregator 3, but ad_select chose aggregator 1");
    }

    #[test]
    fn standby_churned_negotiating() {
        let mut f = healthy();
        f.actor_state = 0x0f; // in sync, not collecting
        f.churned = true;
        f.standby = true;
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::Standby);
        assert_eq!(s.text(), "no: standby in the active aggregator");
        f.standby = false;
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::Churned);
        assert_eq!(s.text(), "no: churned (no LACP agreement with the partner; check its LAG config)");
        f.churned = false;
        let (r, s) = why(&f);
        assert_eq!(r, AggReason::Negotiating);
        assert_eq!(s.text(), "no: negotiating (partner not in sync yet)");
    }

    #[test]
    fn the_aggregation_line_follows_the_c_lines() {
        let mut f = healthy();
        f.duplex = 0;
        let r = agg_reason(&f);
        let mut e = lacp_port("usb0", 1, true);
        e.duplex = 0;
        if let Some(ad) = e.ad.as_mut() {
            ad.aggregation = Some(&r);
        }
        let mut got = S::new();
        write_slave(&mut got, &e).unwrap();
        assert!(got.text().ends_with(
            "    port state: 61\n\
             Aggregation: no: half duplex (LACP needs full duplex; check the NIC/driver, e.g. USB \
             cdc_ncm adapters report half duplex)\n"
        ));
        assert_eq!(got.text().matches('\n').count(), 28);
    }
}
