// SPDX-License-Identifier: GPL-2.0
//! balance-tlb's transmit load balancing (`tlb_*` of bond_alb.c), lock-free.
//!
//! bonding keeps a table of 256 "clients" indexed by the low byte of the transmit hash; an entry
//! is given to the slave with the largest gap between its speed and its load the first time a
//! frame hashes to it, counts the bytes sent through it, and every ten seconds all entries are
//! released (their bytes of the last interval becoming their load history) so that the next
//! frames choose again. C takes `bond->mode_lock` on every transmit for this; here each entry's
//! slave, byte count and history, each slave's load and the unbalanced load are atomics, so that
//! transmit takes no lock:
//! - two CPUs that find an entry free both compute the least loaded slave and race to claim the
//!   entry with a compare-exchange; the loser sends through the winner's slave, as it would have
//!   after C's lock;
//! - C walks a list of each slave's entries to release them; here the control side scans the 256
//!   entries for the slave (no list to keep consistent without a lock);
//! - a release can race with a transmit that claims an entry for the same slave: that entry's
//!   history may then be counted in the slave's load, or not, until the next rebalance (at most
//!   ten seconds later) recomputes every load. C's loads are estimates of the same kind.
//!
//! Arithmetic is C's, in u32 with wrapping: `tx_bytes`, `load`, `unbalanced_load` are u32
//! counters in C, and the gap is `(s64)(speed << 20) - (s64)(load << 3)` with both shifts in u32
//! (a link of 4096 Mb/s or more wraps `speed << 20`, and an unknown speed, `SPEED_UNKNOWN` as u32,
//! too): the choice among slaves is C's for the same loads.

use core::sync::atomic::{AtomicU32, Ordering::{AcqRel, Acquire, Relaxed}};

use super::hash::{Frame, Packet, ETH_P_IP, ETH_P_IPV6};

/// Entries of the table (`TLB_HASH_TABLE_SIZE`): indexed by the transmit hash's low byte.
pub const TABLE_SIZE: usize = 256;
/// Seconds between rebalances (`BOND_TLB_REBALANCE_INTERVAL`).
pub const REBALANCE_INTERVAL: u32 = 10;
/// Ticks of the alb monitor a second (`ALB_TIMER_TICKS_PER_SEC`): it runs every 100 ms.
pub const TICKS_PER_SEC: u32 = 10;
/// Ticks between rebalances (`BOND_TLB_REBALANCE_TICKS`).
pub const REBALANCE_TICKS: u32 = REBALANCE_INTERVAL * TICKS_PER_SEC;

/// A slave as the table knows it: an id the driver gives it (not 0, not reused while the bond
/// lives: an entry may still name a released slave for an instant, and the driver then finds no
/// slave of that id), its speed in Mb/s as `slave->speed` (u32; `SPEED_UNKNOWN` is `u32::MAX`)
/// and its load.
#[derive(Clone, Copy)]
pub struct Candidate<'a> {
    /// The driver's id of the slave (not 0).
    pub id: u32,
    /// `slave->speed`, Mb/s.
    pub speed: u32,
    /// The slave's load (`SLAVE_TLB_INFO(slave).load`).
    pub load: &'a SlaveLoad,
}

/// A slave's load: the sum of the load histories of the entries it was given since the last
/// rebalance (bytes a second), or, for the active slave after a rebalance, the unbalanced load.
#[derive(Default)]
pub struct SlaveLoad(AtomicU32);

impl SlaveLoad {
    /// A slave with no load.
    pub const fn new() -> Self {
        SlaveLoad(AtomicU32::new(0))
    }

    /// The load now.
    pub fn get(&self) -> u32 {
        self.0.load(Relaxed)
    }
}

/// `compute_gap()`: the slave's speed in bits a second minus its load in bits a second, in C's
/// types (both shifts in u32, then widened to i64).
pub fn gap(speed: u32, load: u32) -> i64 {
    i64::from(speed.wrapping_mul(1 << 20)) - i64::from(load.wrapping_mul(1 << 3))
}

/// No slave (an entry not given to any).
const NONE: u32 = 0;

struct Entry {
    slave: AtomicU32,
    tx_bytes: AtomicU32,
    load_history: AtomicU32,
}

impl Entry {
    const fn new() -> Self {
        Entry { slave: AtomicU32::new(NONE), tx_bytes: AtomicU32::new(0), load_history: AtomicU32::new(0) }
    }

    /// `tlb_init_table_entry(entry, save_load)`: free; with `save_load`, the bytes sent become
    /// the history (bytes a second over the interval, plus one).
    fn release(&self, save_load: bool) {
        if save_load {
            let bytes = self.tx_bytes.swap(0, Relaxed);
            self.load_history.store(1u32.wrapping_add(bytes / REBALANCE_INTERVAL), Relaxed);
        }
        self.slave.store(NONE, Relaxed);
    }
}

/// The transmit table of a balance-tlb or balance-alb bond (`tx_hashtbl` and `unbalanced_load`).
pub struct TlbTable {
    entries: [Entry; TABLE_SIZE],
    unbalanced: AtomicU32,
}

impl Default for TlbTable {
    fn default() -> Self {
        Self::new()
    }
}

impl TlbTable {
    /// A table with no entry given to a slave and no history (`tlb_initialize()`).
    pub const fn new() -> Self {
        TlbTable { entries: [const { Entry::new() }; TABLE_SIZE], unbalanced: AtomicU32::new(0) }
    }

    /// `tlb_choose_channel()`: the slave (id) that sends a frame of `len` bytes whose transmit
    /// hash is `hash`. A free entry goes to the slave among `slaves` (those that can transmit,
    /// in the bond's order) with the largest gap, the first of equal ones, and that slave's load
    /// grows by the entry's history; the entry counts the frame's bytes. `None` when the entry
    /// is free and no slave can transmit. The slave returned may be one that can no longer
    /// transmit (the entry was given to it before): the driver then calls
    /// [`TlbTable::release_slave`] for it without saving loads and drops the frame, as C.
    /// Transmit path: no lock, no allocation.
    pub fn choose<'a>(&self, hash: u32, len: u32, slaves: impl IntoIterator<Item = Candidate<'a>>) -> Option<u32> {
        let e = &self.entries[(hash & 0xff) as usize];
        let mut id = e.slave.load(Acquire);
        if id == NONE {
            let mut best: Option<Candidate<'a>> = None;
            let mut max_gap = i64::MIN;
            for c in slaves {
                let g = gap(c.speed, c.load.get());
                if max_gap < g {
                    max_gap = g;
                    best = Some(c);
                }
            }
            let c = best?;
            id = match e.slave.compare_exchange(NONE, c.id, AcqRel, Acquire) {
                Ok(_) => {
                    c.load.0.fetch_add(e.load_history.load(Relaxed), Relaxed);
                    c.id
                }
                // another CPU claimed the entry first: its slave sends this frame too
                Err(other) => other,
            };
        }
        e.tx_bytes.fetch_add(len, Relaxed);
        Some(id)
    }

    /// A frame that no entry carried (not IP, multicast, or no slave for its entry) went
    /// through the active slave: its bytes count as unbalanced load (`bond_do_alb_xmit()` with
    /// `tlb_dynamic_lb`).
    pub fn add_unbalanced(&self, len: u32) {
        self.unbalanced.fetch_add(len, Relaxed);
    }

    /// `tlb_clear_slave()`: the entries given to slave `id` become free (with `save_load`, their
    /// bytes become their history) and its load is 0. On release of the slave, on its link
    /// failure, and from transmit when the slave of an entry can no longer send.
    pub fn release_slave(&self, id: u32, load: &SlaveLoad, save_load: bool) {
        for e in &self.entries {
            if e.slave.load(Relaxed) == id {
                e.release(save_load);
            }
        }
        load.0.store(0, Relaxed);
    }

    /// The rebalance of `bond_alb_monitor()` every [`REBALANCE_TICKS`]: every slave's entries
    /// released with their bytes saved as history and its load 0, then the active slave's load
    /// is the unbalanced load of the interval, a second's worth, and the unbalanced load starts
    /// again from 0. `slaves` is every slave of the bond, `active` the active slave's id.
    pub fn rebalance<'a>(&self, slaves: impl IntoIterator<Item = Candidate<'a>>, active: Option<u32>) {
        for c in slaves {
            self.release_slave(c.id, c.load, true);
            if Some(c.id) == active {
                c.load.0.store(self.unbalanced.swap(0, Relaxed) / REBALANCE_INTERVAL, Relaxed);
            }
        }
    }

    /// The slave of entry `hash` (`None`: free), for tests and diagnostics.
    pub fn slave_of(&self, hash: u8) -> Option<u32> {
        match self.entries[usize::from(hash)].slave.load(Relaxed) {
            NONE => None,
            id => Some(id),
        }
    }

    /// The bytes entry `hash` counted since its last release, and its history.
    pub fn bytes_of(&self, hash: u8) -> (u32, u32) {
        let e = &self.entries[usize::from(hash)];
        (e.tx_bytes.load(Relaxed), e.load_history.load(Relaxed))
    }
}

/// How a frame leaves a balance-tlb or balance-alb bond (`bond_xmit_tlb_slave_get()`,
/// `bond_xmit_alb_slave_get()`), before any slave is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balance {
    /// Not balanced: through the active slave (its bytes are unbalanced load).
    No,
    /// balance-tlb: balanced by the bond's transmit hash (`bond_xmit_hash()`, the policy's):
    /// its low byte picks the table entry (`tlb_dynamic_lb` 1), or the hash modulo the usable
    /// slaves picks one (0).
    XmitHash,
    /// balance-alb: balanced by the destination IP address, this byte (`_simple_hash()` of the
    /// IPv4 or IPv6 destination) picking the table entry (`tlb_dynamic_lb` 1); with
    /// `tlb_dynamic_lb` 0 the transmit hash modulo the usable slaves picks the slave, as tlb.
    DestIp(u8),
    /// balance-alb: an ARP frame, which receive load balancing sends (`rlb_arp_xmit()`) when it
    /// is on; otherwise not balanced.
    Arp,
}

const ETH_P_ARP: u16 = 0x0806;
const IPPROTO_IGMP: u8 = 2;
const IPPROTO_ICMPV6: u8 = 58;
const NDISC_NEIGHBOUR_SOLICITATION: u8 = 135;
const NDISC_NEIGHBOUR_ADVERTISEMENT: u8 = 136;

/// `_simple_hash()`: the bytes XORed together.
pub fn simple_hash(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |h, b| h ^ b)
}

/// `alb_determine_nd()`: an IPv6 frame that is a neighbour solicitation or advertisement, or
/// too short to tell (an IPv6 header, or with ICMPv6 next, its header, missing).
fn is_nd<P: Packet + ?Sized>(f: &Frame<'_, P>) -> bool {
    let Some(h) = f.data.bytes::<40>(f.nhoff) else { return true };
    if h[6] != IPPROTO_ICMPV6 {
        return false;
    }
    match f.nhoff.checked_add(40).and_then(|o| f.data.bytes::<8>(o)) {
        Some(icmp) => icmp[0] == NDISC_NEIGHBOUR_ADVERTISEMENT || icmp[0] == NDISC_NEIGHBOUR_SOLICITATION,
        None => true,
    }
}

/// balance-tlb (`bond_xmit_tlb_slave_get()`): IPv4 and IPv6 frames to a unicast MAC address,
/// but not IPv6 neighbour discovery, are balanced by the transmit hash; everything else goes
/// through the active slave.
pub fn tlb_balance<P: Packet + ?Sized>(f: &Frame<'_, P>) -> Balance {
    match f.data.bytes::<6>(0) {
        Some(dst) if dst[0] & 1 == 0 => {}
        _ => return Balance::No,
    }
    match f.protocol {
        ETH_P_IPV6 if is_nd(f) => Balance::No,
        ETH_P_IP | ETH_P_IPV6 => Balance::XmitHash,
        _ => Balance::No,
    }
}

/// balance-alb (`bond_xmit_alb_slave_get()`): IPv4 frames that are not to the broadcast MAC
/// or IP address and not IGMP, and IPv6 frames that are not to the broadcast MAC or the
/// all-nodes group's (33:33:00:00:00:01), not neighbour discovery and not from the unspecified
/// address (a DAD probe), are balanced by their destination IP address; ARP goes to receive
/// load balancing; everything else through the active slave.
pub fn alb_balance<P: Packet + ?Sized>(f: &Frame<'_, P>) -> Balance {
    let Some(dst) = f.data.bytes::<6>(0) else { return Balance::No };
    let broadcast = dst == [0xff; 6];
    match f.protocol {
        ETH_P_IP => {
            if broadcast {
                return Balance::No;
            }
            let Some(h) = f.data.bytes::<20>(f.nhoff) else { return Balance::No };
            let daddr = [h[16], h[17], h[18], h[19]];
            if daddr == [0xff; 4] || h[9] == IPPROTO_IGMP {
                return Balance::No;
            }
            Balance::DestIp(simple_hash(&daddr))
        }
        ETH_P_IPV6 => {
            if broadcast || dst == [0x33, 0x33, 0, 0, 0, 1] || is_nd(f) {
                return Balance::No;
            }
            // is_nd() found the 40 bytes of the IPv6 header
            let Some(h) = f.data.bytes::<40>(f.nhoff) else { return Balance::No };
            if h[8..24].iter().all(|&b| b == 0) {
                return Balance::No;
            }
            Balance::DestIp(simple_hash(&h[24..40]))
        }
        ETH_P_ARP => Balance::Arp,
        _ => Balance::No,
    }
}

/// `ETH_P_LOOPBACK`: the EtherType of learning packets.
pub const ETH_P_LOOPBACK: u16 = 0x9000;
/// Bytes of a learning packet (`struct learning_pkt`: `ETH_ZLEN`).
pub const LEARNING_PACKET_LEN: usize = 60;

/// A learning packet (`alb_send_lp_vid()`): to and from `mac`, EtherType `ETH_P_LOOPBACK`, zero
/// padding to 60 bytes; it teaches the switch which port `mac` is behind (sent untagged, and once
/// per VLAN above the bond with the VLAN's tag out of band).
pub fn learning_packet(mac: [u8; 6]) -> [u8; LEARNING_PACKET_LEN] {
    let mut p = [0u8; LEARNING_PACKET_LEN];
    p[0..6].copy_from_slice(&mac);
    p[6..12].copy_from_slice(&mac);
    p[12..14].copy_from_slice(&ETH_P_LOOPBACK.to_be_bytes());
    p
}

/// A slave as receive load balancing sees it when it picks the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxCandidate {
    /// The driver's id of the slave.
    pub id: u32,
    /// `slave->speed`, Mb/s (u32 as C compares it).
    pub speed: u32,
    /// `bond_slave_can_tx()`: up, and active.
    pub can_tx: bool,
}

/// `__rlb_next_rx_slave()`: the slave the next client is given (and the new `rx_slave`), from
/// `slaves` in the bond's order and `current`, the last one given: the fastest slave after
/// `current` (the first of equally fast ones), unless one up to and including `current` is
/// faster, or none comes after it; then the fastest up to and including it. Only slaves that can
/// transmit count; `current` counts as found only if it can. `None`: no slave can transmit.
pub fn next_rx_slave(slaves: impl IntoIterator<Item = RxCandidate>, current: Option<u32>) -> Option<u32> {
    let mut before: Option<RxCandidate> = None;
    let mut after: Option<RxCandidate> = None;
    let mut found = false;
    for s in slaves {
        if !s.can_tx {
            continue;
        }
        let slot = if found { &mut after } else { &mut before };
        if slot.is_none_or(|b| b.speed < s.speed) {
            *slot = Some(s);
        }
        if Some(s.id) == current {
            found = true;
        }
    }
    match (after, before) {
        (Some(a), Some(b)) if a.speed < b.speed => Some(b.id),
        (Some(a), _) => Some(a.id),
        (None, b) => b.map(|b| b.id),
    }
}

/// What the alb monitor does at a tick (`bond_alb_monitor()`, every 100 ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TickActions {
    /// Send learning packets from every slave (every `lp_interval` seconds).
    pub learning: bool,
    /// Rebalance the transmit table (every [`REBALANCE_INTERVAL`] seconds).
    pub rebalance: bool,
}

/// The alb monitor's counters (`tx_rebalance_counter`, `lp_counter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AlbTicks {
    rebalance: u32,
    lp: u32,
}

impl AlbTicks {
    /// Orders a rebalance at the next tick (a slave joined or its link came up).
    pub fn rebalance_soon(&mut self) {
        self.rebalance = REBALANCE_TICKS;
    }

    /// One tick of the monitor of a bond with or without slaves, `lp_interval` the option's
    /// seconds (1 to `INT_MAX`; C's `lp_interval * 10` is an int that overflows above
    /// 214748364 s, here it saturates: learning packets every ~13.6 years, not every tick).
    /// Without slaves both counters start again and nothing is done.
    pub fn tick(&mut self, has_slaves: bool, lp_interval: u32) -> TickActions {
        if !has_slaves {
            *self = AlbTicks::default();
            return TickActions::default();
        }
        self.rebalance = self.rebalance.saturating_add(1);
        self.lp = self.lp.saturating_add(1);
        let mut a = TickActions::default();
        if self.lp >= lp_interval.saturating_mul(TICKS_PER_SEC) {
            a.learning = true;
            self.lp = 0;
        }
        if self.rebalance >= REBALANCE_TICKS {
            a.rebalance = true;
            self.rebalance = 0;
        }
        a
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    fn cands<'a>(s: &'a [(u32, u32, SlaveLoad)]) -> impl Iterator<Item = Candidate<'a>> + Clone {
        s.iter().map(|(id, speed, load)| Candidate { id: *id, speed: *speed, load })
    }

    fn eth(dst: [u8; 6], proto: u16, l3: &[u8]) -> std::vec::Vec<u8> {
        let mut v = std::vec::Vec::from(dst);
        v.extend_from_slice(&[2, 0, 0, 0, 0, 1]);
        v.extend_from_slice(&proto.to_be_bytes());
        v.extend_from_slice(l3);
        v
    }
    fn ip4(proto: u8, daddr: [u8; 4]) -> [u8; 20] {
        let mut h = [0u8; 20];
        h[0] = 0x45;
        h[9] = proto;
        h[12..16].copy_from_slice(&[10, 0, 0, 1]);
        h[16..20].copy_from_slice(&daddr);
        h
    }
    fn ip6(next: u8, saddr_any: bool, daddr: [u8; 16], icmp_type: Option<u8>) -> std::vec::Vec<u8> {
        let mut h = std::vec![0u8; 40];
        h[0] = 0x60;
        h[6] = next;
        if !saddr_any {
            h[8] = 0xfe;
            h[9] = 0x80;
            h[23] = 1;
        }
        h[24..40].copy_from_slice(&daddr);
        if let Some(t) = icmp_type {
            h.extend_from_slice(&[t, 0, 0, 0, 0, 0, 0, 0]);
        }
        h
    }
    const UNI: [u8; 6] = [2, 0, 0, 0, 0, 2];
    const D6: [u8; 16] = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];

    #[test]
    fn which_frames_tlb_balances() {
        let f = |v: &std::vec::Vec<u8>| tlb_balance(&Frame::ethernet(v));
        assert_eq!(f(&eth(UNI, ETH_P_IP, &ip4(17, [10, 0, 0, 2]))), Balance::XmitHash);
        // multicast and broadcast MACs are not balanced
        assert_eq!(f(&eth([1, 0, 0x5e, 0, 0, 1], ETH_P_IP, &ip4(17, [224, 0, 0, 1]))), Balance::No);
        assert_eq!(f(&eth([0xff; 6], ETH_P_IP, &ip4(17, [10, 0, 0, 255]))), Balance::No);
        // IPv6, but not neighbour discovery (or a header too short to tell)
        assert_eq!(f(&eth(UNI, ETH_P_IPV6, &ip6(17, false, D6, None))), Balance::XmitHash);
        assert_eq!(f(&eth(UNI, ETH_P_IPV6, &ip6(58, false, D6, Some(128)))), Balance::XmitHash);
        assert_eq!(f(&eth(UNI, ETH_P_IPV6, &ip6(58, false, D6, Some(135)))), Balance::No);
        assert_eq!(f(&eth(UNI, ETH_P_IPV6, &ip6(58, false, D6, Some(136)))), Balance::No);
        assert_eq!(f(&eth(UNI, ETH_P_IPV6, &ip6(58, false, D6, None))), Balance::No);
        assert_eq!(f(&eth(UNI, ETH_P_IPV6, &[0x60; 39])), Balance::No);
        // ARP and the rest: the active slave
        assert_eq!(f(&eth(UNI, ETH_P_ARP, &[0; 28])), Balance::No);
        assert_eq!(f(&eth(UNI, 0x88cc, &[0; 28])), Balance::No);
        assert_eq!(tlb_balance(&Frame::ethernet(&[2, 0, 0][..])), Balance::No);
    }

    #[test]
    fn which_frames_alb_balances() {
        let f = |v: &std::vec::Vec<u8>| alb_balance(&Frame::ethernet(v));
        // by the destination IP address's bytes XORed
        assert_eq!(f(&eth(UNI, ETH_P_IP, &ip4(6, [10, 0, 0, 2]))), Balance::DestIp(10 ^ 2));
        assert_eq!(f(&eth(UNI, ETH_P_IP, &ip4(6, [10, 0, 0, 255]))), Balance::DestIp(10 ^ 255));
        // a multicast MAC is balanced (only broadcast is not), IGMP and 255.255.255.255 are not
        assert_eq!(f(&eth([1, 0, 0x5e, 0, 0, 1], ETH_P_IP, &ip4(17, [224, 0, 0, 1]))), Balance::DestIp(224 ^ 1));
        assert_eq!(f(&eth([1, 0, 0x5e, 0, 0, 1], ETH_P_IP, &ip4(2, [224, 0, 0, 1]))), Balance::No);
        assert_eq!(f(&eth(UNI, ETH_P_IP, &ip4(17, [255; 4]))), Balance::No);
        assert_eq!(f(&eth([0xff; 6], ETH_P_IP, &ip4(17, [10, 0, 0, 2]))), Balance::No);
        assert_eq!(f(&eth(UNI, ETH_P_IP, &[0x45; 19])), Balance::No);
        // IPv6: not all-nodes, not ND, not from ::
        assert_eq!(f(&eth(UNI, ETH_P_IPV6, &ip6(17, false, D6, None))), Balance::DestIp(simple_hash(&D6)));
        assert_eq!(simple_hash(&D6), 0x20 ^ 1 ^ 0xd ^ 0xb8 ^ 7);
        assert_eq!(f(&eth([0x33, 0x33, 0, 0, 0, 1], ETH_P_IPV6, &ip6(17, false, D6, None))), Balance::No);
        assert_eq!(f(&eth([0x33, 0x33, 0, 0, 0, 2], ETH_P_IPV6, &ip6(17, false, D6, None))), Balance::DestIp(simple_hash(&D6)));
        assert_eq!(f(&eth(UNI, ETH_P_IPV6, &ip6(58, false, D6, Some(135)))), Balance::No);
        assert_eq!(f(&eth(UNI, ETH_P_IPV6, &ip6(17, true, D6, None))), Balance::No);
        // ARP: receive load balancing
        assert_eq!(f(&eth(UNI, ETH_P_ARP, &[0; 28])), Balance::Arp);
        assert_eq!(f(&eth([0xff; 6], ETH_P_ARP, &[0; 28])), Balance::Arp);
        assert_eq!(f(&eth(UNI, 0x88cc, &[0; 28])), Balance::No);
    }

    #[test]
    fn learning_packets() {
        let p = learning_packet([2, 1, 2, 3, 4, 5]);
        assert_eq!(p.len(), 60);
        assert_eq!(&p[0..14], &[2, 1, 2, 3, 4, 5, 2, 1, 2, 3, 4, 5, 0x90, 0]);
        assert!(p[14..].iter().all(|&b| b == 0));
    }

    #[test]
    fn rx_slaves_rotate_by_speed() {
        let c = |id, speed, can_tx| RxCandidate { id, speed, can_tx };
        let same = [c(1, 1000, true), c(2, 1000, true), c(3, 1000, true)];
        // equal speeds: round robin in the bond's order, wrapping
        assert_eq!(next_rx_slave(same, None), Some(1));
        assert_eq!(next_rx_slave(same, Some(1)), Some(2));
        assert_eq!(next_rx_slave(same, Some(2)), Some(3));
        assert_eq!(next_rx_slave(same, Some(3)), Some(1));
        // a slave that cannot transmit is skipped, and is not "found" as the current one
        let down = [c(1, 1000, true), c(2, 1000, false), c(3, 1000, true)];
        assert_eq!(next_rx_slave(down, Some(1)), Some(3));
        assert_eq!(next_rx_slave(down, Some(2)), Some(1));
        // a faster slave up to the current one wins over slower ones after it: with mixed
        // speeds C gives every client to the fastest slave
        let mixed = [c(1, 10000, true), c(2, 1000, true), c(3, 100, true)];
        assert_eq!(next_rx_slave(mixed, Some(2)), Some(1));
        assert_eq!(next_rx_slave(mixed, Some(1)), Some(1));
        assert_eq!(next_rx_slave(mixed, None), Some(1));
        // the current one itself counts among those before
        let fast_current = [c(1, 100, true), c(2, 10000, true), c(3, 1000, true)];
        assert_eq!(next_rx_slave(fast_current, Some(2)), Some(2));
        // after: the first of the fastest
        let after = [c(1, 100, true), c(2, 1000, true), c(3, 1000, true)];
        assert_eq!(next_rx_slave(after, Some(1)), Some(2));
        assert_eq!(next_rx_slave([c(1, 1, false)], None), None);
        assert_eq!(next_rx_slave([], Some(4)), None);
    }

    #[test]
    fn gap_wraps_as_c() {
        // 1000 Mb/s: no wrap
        assert_eq!(gap(1000, 0), 1000 << 20);
        // 10000 Mb/s: 10000 << 20 wraps in u32 (C's `slave->speed << 20`)
        assert_eq!(gap(10000, 0), i64::from((10000u64 << 20) as u32));
        assert!(gap(10000, 0) < gap(1000, 0) * 2);
        // SPEED_UNKNOWN (u32::MAX): 0xfff00000
        assert_eq!(gap(u32::MAX, 0), 0xfff0_0000);
        // the load in bits, u32
        assert_eq!(gap(100, 1000), (100 << 20) - 8000);
        assert_eq!(gap(0, u32::MAX), -i64::from(u32::MAX.wrapping_mul(8)));
    }

    #[test]
    fn entries_go_to_the_least_loaded_slave_and_stay() {
        let t = TlbTable::new();
        let s = [(1, 1000, SlaveLoad::new()), (2, 1000, SlaveLoad::new())];
        // equal gaps: the first slave
        assert_eq!(t.choose(0x105, 100, cands(&s)), Some(1));
        // the hash's low byte is the entry
        assert_eq!(t.slave_of(5), Some(1));
        assert_eq!(t.bytes_of(5), (100, 0));
        // the entry's history (0 before any rebalance) was added: still equal, s1 again
        assert_eq!(t.choose(6, 100, cands(&s)), Some(1));
        // entry 5 keeps its slave whatever the loads, and counts bytes (wrapping)
        s[0].2 .0.store(u32::MAX, Relaxed);
        assert_eq!(t.choose(5, u32::MAX, cands(&s)), Some(1));
        assert_eq!(t.bytes_of(5), (99, 0));
        // a new entry goes to the slave with the larger gap
        assert_eq!(t.choose(7, 1, cands(&s)), Some(2));
    }

    #[test]
    fn no_slave_no_entry() {
        let t = TlbTable::new();
        assert_eq!(t.choose(1, 100, cands(&[])), None);
        assert_eq!(t.slave_of(1), None);
        assert_eq!(t.bytes_of(1), (0, 0));
    }

    #[test]
    fn rebalance_turns_bytes_into_history_and_loads() {
        let t = TlbTable::new();
        let s = [(1, 100, SlaveLoad::new()), (2, 100, SlaveLoad::new())];
        assert_eq!(t.choose(1, 1000, cands(&s)), Some(1));
        assert_eq!(t.choose(1, 999, cands(&s)), Some(1));
        t.add_unbalanced(555);
        t.rebalance(cands(&s), Some(2));
        assert_eq!(t.slave_of(1), None);
        // history: 1 + 1999 / 10
        assert_eq!(t.bytes_of(1), (0, 200));
        assert_eq!(s[0].2.get(), 0);
        // the active slave carries the unbalanced load, per second
        assert_eq!(s[1].2.get(), 55);
        // entry 1 now goes to s1 (gap larger), whose load grows by the history
        assert_eq!(t.choose(1, 10, cands(&s)), Some(1));
        assert_eq!(s[0].2.get(), 200);
        // the unbalanced load started again
        t.rebalance(cands(&s), Some(2));
        assert_eq!(s[1].2.get(), 0);
        assert_eq!(t.bytes_of(1), (0, 2));
    }

    #[test]
    fn release_without_saving_keeps_history() {
        let t = TlbTable::new();
        let s = [(1, 100, SlaveLoad::new()), (2, 100, SlaveLoad::new())];
        t.choose(3, 500, cands(&s));
        t.choose(4, 500, cands(&s));
        assert_eq!((t.slave_of(3), t.slave_of(4)), (Some(1), Some(1)));
        t.release_slave(1, &s[0].2, false);
        assert_eq!((t.slave_of(3), t.slave_of(4)), (None, None));
        assert_eq!(t.bytes_of(3), (500, 0));
        // only slave 2 can send now
        assert_eq!(t.choose(3, 1, cands(&s[1..])), Some(2));
        assert_eq!(t.bytes_of(3), (501, 0));
    }

    #[test]
    fn ticks() {
        let mut a = AlbTicks::default();
        let mut lp = 0;
        let mut rb = 0;
        for i in 1..=200u32 {
            let t = a.tick(true, 2);
            if t.learning {
                lp += 1;
                assert_eq!(i % 20, 0);
            }
            if t.rebalance {
                rb += 1;
                assert_eq!(i % 100, 0);
            }
        }
        assert_eq!((lp, rb), (10, 2));
        // without slaves the counters start again
        for _ in 0..50 {
            a.tick(true, 2);
        }
        assert_eq!(a.tick(false, 2), TickActions::default());
        assert!(!(0..99).any(|_| a.tick(true, 1000).rebalance));
        assert!(a.tick(true, 1000).rebalance);
        // lp_interval at its maximum does not overflow
        let mut b = AlbTicks::default();
        assert!(!b.tick(true, i32::MAX as u32).learning);
    }

    #[test]
    fn concurrent_transmits_agree_on_an_entry() {
        use std::sync::Arc;
        let t = Arc::new(TlbTable::new());
        let s = Arc::new([(1, 100, SlaveLoad::new()), (2, 100, SlaveLoad::new()), (3, 100, SlaveLoad::new())]);
        for round in 0..50 {
            let hs: std::vec::Vec<_> = (0..4)
                .map(|_| {
                    let (t, s) = (t.clone(), s.clone());
                    std::thread::spawn(move || {
                        (0..=255u32).map(|h| t.choose(h, 10, cands(&s[..])).unwrap()).collect::<std::vec::Vec<_>>()
                    })
                })
                .collect();
            let got: std::vec::Vec<_> = hs.into_iter().map(|h| h.join().unwrap()).collect();
            // every thread's frames of an entry went through the entry's one slave
            for h in 0..=255u8 {
                let id = t.slave_of(h).unwrap();
                assert!(got.iter().all(|g| g[usize::from(h)] == id), "round {round} entry {h}");
                assert_eq!(t.bytes_of(h).0, 40);
            }
            t.rebalance(cands(&s[..]), Some(1));
        }
    }
}
