// SPDX-License-Identifier: GPL-2.0
//! balance-alb's receive load balancing (`rlb_*` of bond_alb.c): the table of clients, each a
//! peer (`ip_dst`) that talks to one of the bond's addresses (`ip_src`) and is taught, by ARP
//! replies the bond sends, the MAC address of the slave it should send to.
//!
//! This is C's table, entry for entry: 256 entries indexed by `_simple_hash()` of the client's IP
//! address, the list of entries in use (newest first: the order of the debugfs text and of the
//! updates), and the lists of entries whose bond address hashes alike (to purge the entries of
//! an address another host took). It has one writer at a time (`&mut self`): C keeps it under
//! `bond->mode_lock`; the driver decides how ARP frames reach it without a lock on transmit and
//! receive. Slaves are the driver's ids (not 0), MAC and IP addresses bytes as on the wire.

use super::tlb::{next_rx_slave, simple_hash, RxCandidate};
use core::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering::{Acquire, Relaxed, Release}};

/// Entries of the table (`RLB_HASH_TABLE_SIZE`).
pub const TABLE_SIZE: usize = 256;
/// Ticks (100 ms) the updates of clients wait after the bond sent an ARP request or updated
/// them (`RLB_UPDATE_DELAY`: 2 s).
pub const UPDATE_DELAY: u32 = 20;
/// Rounds of updates after a slave's clients moved (`RLB_UPDATE_RETRY`).
pub const UPDATE_RETRY: u32 = 3;
/// ARP replies an update of a client sends (`RLB_ARP_BURST_SIZE`).
pub const ARP_BURST: usize = 2;
/// Ticks the active slave stays promiscuous after it was taught a disabled slave's MAC
/// (`RLB_PROMISC_TIMEOUT`: 10 s).
pub const PROMISC_TIMEOUT: u32 = 100;

/// `ARPOP_REQUEST`.
pub const ARPOP_REQUEST: u16 = 1;
/// `ARPOP_REPLY`.
pub const ARPOP_REPLY: u16 = 2;

/// The fields of an Ethernet/IPv4 ARP packet rlb reads (`struct arp_pkt` after the network
/// header; C does not check the hardware and protocol types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arp {
    /// Operation (`ARPOP_*`).
    pub op: u16,
    /// Sender hardware address.
    pub mac_src: [u8; 6],
    /// Sender IP address.
    pub ip_src: [u8; 4],
    /// Target hardware address.
    pub mac_dst: [u8; 6],
    /// Target IP address.
    pub ip_dst: [u8; 4],
}

impl Arp {
    /// The 28 bytes of `struct arp_pkt` at the start of `b` (`None`: fewer bytes).
    pub fn parse(b: &[u8]) -> Option<Arp> {
        let b: &[u8; 28] = b.get(..28)?.try_into().ok()?;
        let mut a = Arp { op: u16::from_be_bytes([b[6], b[7]]), mac_src: [0; 6], ip_src: [0; 4], mac_dst: [0; 6], ip_dst: [0; 4] };
        a.mac_src.copy_from_slice(&b[8..14]);
        a.ip_src.copy_from_slice(&b[14..18]);
        a.mac_dst.copy_from_slice(&b[18..24]);
        a.ip_dst.copy_from_slice(&b[24..28]);
        Some(a)
    }
}

/// `is_valid_ether_addr()`: not multicast (broadcast included) and not all zero.
pub fn valid_mac(m: &[u8; 6]) -> bool {
    m[0] & 1 == 0 && *m != [0; 6]
}

/// A client: what the bond tells it (`struct rlb_client_info` without the list links).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Client {
    /// The bond's address the client talks to (`ip_src`).
    pub ip_src: [u8; 4],
    /// The client's address (`ip_dst`).
    pub ip_dst: [u8; 4],
    /// The bond's MAC address as the last ARP frame to the client gave it (`mac_src`).
    pub mac_src: [u8; 6],
    /// The client's MAC address (`mac_dst`; broadcast until its reply is seen).
    pub mac_dst: [u8; 6],
    /// The slave whose MAC the client is taught (`None`: no slave could be given).
    pub slave: Option<u32>,
    /// The VLAN the client was seen on (0: none).
    pub vlan_id: u16,
}

/// One entry of an [`RlbTable`] (`struct rlb_client_info`).
#[derive(Clone, Copy, Default)]
pub struct Entry {
    c: Client,
    assigned: bool,
    /// need to transmit: the client is to be taught its slave again
    ntt: bool,
    used_next: Option<u8>,
    used_prev: Option<u8>,
    src_next: Option<u8>,
    src_prev: Option<u8>,
    src_first: Option<u8>,
}

/// The client table of a balance-alb bond, with the counters of `struct alb_bond_info` it
/// owns. Its entries (about 12 KiB) are in `S`: an array here ([`RlbTable::new`], for tests), a
/// vector on the heap in the driver ([`RlbTable::with_entries`]), never on the kernel's stack.
pub struct RlbTable<S = [Entry; TABLE_SIZE]> {
    e: S,
    used_head: Option<u8>,
    /// Some client is to be taught its slave (`rx_ntt`).
    rx_ntt: bool,
    /// The slave the last client was given (`rx_slave`).
    rx_slave: Option<u32>,
    update_delay: u32,
    update_retry: u32,
    /// The clients are to be spread again at the next tick (`rlb_rebalance`, set on a slave's
    /// link change).
    pub rebalance_pending: bool,
}

impl Default for RlbTable {
    fn default() -> Self {
        Self::new()
    }
}

fn idx(h: u8) -> usize {
    usize::from(h)
}

impl RlbTable {
    /// An empty table (`rlb_initialize()`), its entries in an array.
    pub fn new() -> Self {
        Self::with_entries([Entry::default(); TABLE_SIZE])
    }
}

impl<S: core::ops::IndexMut<usize, Output = Entry>> RlbTable<S> {
    /// A table whose entries are `e`, which must hold [`TABLE_SIZE`] entries (indexes are the
    /// hashes, 0 to 255); they are cleared.
    pub fn with_entries(e: S) -> Self {
        let mut t = RlbTable { e, used_head: None, rx_ntt: false, rx_slave: None, update_delay: 0, update_retry: 0, rebalance_pending: false };
        t.clear();
        t
    }

    /// Empties the table in place (`rlb_initialize()` on a table already allocated).
    pub fn clear(&mut self) {
        for i in 0..TABLE_SIZE {
            self.e[i] = Entry::default();
        }
        self.used_head = None;
        self.rx_ntt = false;
        self.rx_slave = None;
        self.update_delay = 0;
        self.update_retry = 0;
        self.rebalance_pending = false;
    }

    /// The clients in the order of the list in use (newest first), each with whether it waits
    /// to be taught its slave.
    pub fn clients(&self) -> impl Iterator<Item = (&Client, bool)> + '_ {
        let mut i = self.used_head;
        core::iter::from_fn(move || {
            let e = &self.e[idx(i?)];
            i = e.used_next;
            Some((&e.c, e.ntt))
        })
    }

    /// The slave the last client was given (`rx_slave`), where the next one's search starts.
    pub fn rx_slave(&self) -> Option<u32> {
        self.rx_slave
    }

    /// Sets `rx_slave` (the transmit path advanced the shared one; a slave was released).
    pub fn set_rx_slave(&mut self, s: Option<u32>) {
        self.rx_slave = s;
    }

    /// Some client waits to be taught its slave.
    pub fn needs_updates(&self) -> bool {
        self.rx_ntt
    }

    /// The next slave a client is given (`__rlb_next_rx_slave()`), remembered as `rx_slave`.
    fn next_slave(&mut self, slaves: &[RxCandidate]) -> Option<u32> {
        let s = next_rx_slave(slaves.iter().copied(), self.rx_slave);
        if s.is_some() {
            self.rx_slave = s;
        }
        s
    }

    /// The update of one client (`rlb_update_client()`): only for a client with a slave and a
    /// unicast MAC address.
    fn update_of(c: &Client) -> Option<Client> {
        (c.slave.is_some() && valid_mac(&c.mac_dst)).then_some(*c)
    }

    fn src_unlink(&mut self, index: u8) {
        let (next, prev) = (self.e[idx(index)].src_next, self.e[idx(index)].src_prev);
        self.e[idx(index)].src_next = None;
        self.e[idx(index)].src_prev = None;
        if let Some(n) = next {
            self.e[idx(n)].src_prev = prev;
        }
        let Some(p) = prev else { return };
        if self.e[idx(p)].src_first == Some(index) {
            self.e[idx(p)].src_first = next;
        } else {
            self.e[idx(p)].src_next = next;
        }
    }

    fn src_link(&mut self, src_hash: u8, dst_hash: u8) {
        self.e[idx(dst_hash)].src_prev = Some(src_hash);
        let next = self.e[idx(src_hash)].src_first;
        self.e[idx(dst_hash)].src_next = next;
        if let Some(n) = next {
            self.e[idx(n)].src_prev = Some(dst_hash);
        }
        self.e[idx(src_hash)].src_first = Some(dst_hash);
    }

    /// `rlb_delete_table_entry()`: out of the list in use and of its source list, unassigned.
    fn delete(&mut self, index: u8) {
        let (next, prev) = (self.e[idx(index)].used_next, self.e[idx(index)].used_prev);
        if self.used_head == Some(index) {
            self.used_head = next;
        }
        if let Some(p) = prev {
            self.e[idx(p)].used_next = next;
        }
        if let Some(n) = next {
            self.e[idx(n)].used_prev = prev;
        }
        let e = &mut self.e[idx(index)];
        e.used_next = None;
        e.used_prev = None;
        e.assigned = false;
        e.c.slave = None;
        e.c.vlan_id = 0;
        self.src_unlink(index);
    }

    /// `rlb_choose_channel()`: an ARP frame the bond sends (a reply, or a request: then `arp`'s
    /// target MAC is broadcast until the client answers), `vlan_id` its VLAN (0: none). Returns
    /// the slave it goes out of (its sender MAC becomes that slave's, for a reply), and the
    /// update to send at once for the client that had the entry before, moved to the active
    /// slave. A client already in its entry keeps its slave.
    pub fn choose(&mut self, arp: &Arp, vlan_id: u16, active: Option<u32>, slaves: &[RxCandidate]) -> (Option<u32>, Option<Client>) {
        self.choose_as(arp, vlan_id, active, slaves, None)
    }

    /// [`RlbTable::choose`] for a frame already sent through slave `sent` (the driver's transmit
    /// path chooses from [`RlbView`] and the shared `rx_slave` without this table, then tells it
    /// what went out): the client's entry gets that slave, whatever the table would have chosen,
    /// so that it always names the slave whose MAC the client was taught last.
    pub fn choose_as(&mut self, arp: &Arp, vlan_id: u16, active: Option<u32>, slaves: &[RxCandidate], sent: Option<u32>) -> (Option<u32>, Option<Client>) {
        let h = simple_hash(&arp.ip_dst);
        let mut moved = None;
        let e = &mut self.e[idx(h)];
        if e.assigned {
            if e.c.ip_src == arp.ip_src && e.c.ip_dst == arp.ip_dst {
                // the client's entry: learn its MAC from a reply, keep its slave
                if arp.mac_dst != [0xff; 6] {
                    e.c.mac_dst = arp.mac_dst;
                }
                e.c.mac_src = arp.mac_src;
                if let Some(s) = e.c.slave {
                    if let Some(x) = sent {
                        e.c.slave = Some(x);
                        return (Some(x), None);
                    }
                    return (Some(s), None);
                }
            } else if let Some(a) = active {
                // another client's entry: that client goes to the active slave (told at once)
                if e.c.slave != Some(a) {
                    e.c.slave = Some(a);
                    moved = Self::update_of(&e.c);
                }
            }
        }
        let picked = match sent {
            Some(x) => {
                self.rx_slave = Some(x);
                Some(x)
            }
            None => self.next_slave(slaves),
        };
        let Some(s) = picked else { return (None, moved) };
        let e = &self.e[idx(h)];
        if !(e.assigned && e.c.ip_src == arp.ip_src) {
            // the entry's bond address changes: into the list of the new one's hash
            self.src_unlink(h);
            self.src_link(simple_hash(&arp.ip_src), h);
        }
        let head = self.used_head;
        let e = &mut self.e[idx(h)];
        e.c.ip_src = arp.ip_src;
        e.c.ip_dst = arp.ip_dst;
        e.c.mac_dst = arp.mac_dst;
        e.c.mac_src = arp.mac_src;
        e.c.slave = Some(s);
        e.ntt = valid_mac(&e.c.mac_dst);
        e.c.vlan_id = vlan_id;
        let newly = !e.assigned;
        if newly {
            e.used_next = head;
            e.assigned = true;
        }
        if e.ntt {
            self.rx_ntt = true;
        }
        if newly {
            if let Some(p) = head {
                self.e[idx(p)].used_prev = Some(h);
            }
            self.used_head = Some(h);
        }
        (Some(s), moved)
    }

    /// An ARP request the bond sent (after [`RlbTable::choose`]): it reached every client of
    /// the subnet through the active slave, so the updates wait two seconds, and the clients
    /// of `ip_src` (the request's sender address) not given the active slave are taught theirs
    /// again (`rlb_req_update_subnet_clients()`); `has_bond_mac` says whether a slave's MAC is
    /// the bond's. Returns how many clients have no slave (C logs "found a client with no
    /// channel in the client's hash table" for each).
    pub fn request_sent(&mut self, ip_src: [u8; 4], has_bond_mac: impl Fn(u32) -> bool) -> usize {
        self.update_delay = UPDATE_DELAY;
        let mut orphans = 0;
        let mut i = self.used_head;
        while let Some(h) = i {
            let e = &mut self.e[idx(h)];
            i = e.used_next;
            let Some(s) = e.c.slave else {
                orphans += 1;
                continue;
            };
            if e.c.ip_src == ip_src && !has_bond_mac(s) && valid_mac(&e.c.mac_dst) {
                e.ntt = true;
                self.rx_ntt = true;
            }
        }
        orphans
    }

    /// An ARP frame received on a slave (`rlb_arp_recv()`): the entries of its sender address
    /// with another bond MAC are purged (another host took the address), and a reply teaches
    /// the table its sender's MAC if it answers one of the bond's addresses for a client whose
    /// entry it is.
    pub fn arp_received(&mut self, arp: &Arp) {
        // rlb_purge_src_ip()
        let mut i = self.e[idx(simple_hash(&arp.ip_src))].src_first;
        while let Some(h) = i {
            i = self.e[idx(h)].src_next;
            let c = &self.e[idx(h)].c;
            if c.ip_src == arp.ip_src && c.mac_src != arp.mac_src {
                self.delete(h);
            }
        }
        if arp.op != ARPOP_REPLY {
            return;
        }
        // rlb_update_entry_from_arp()
        let e = &mut self.e[idx(simple_hash(&arp.ip_src))];
        if e.assigned && e.c.ip_src == arp.ip_dst && e.c.ip_dst == arp.ip_src && e.c.mac_dst != arp.mac_src {
            e.c.mac_dst = arp.mac_src;
            e.ntt = true;
            self.rx_ntt = true;
        }
    }

    /// `rlb_clear_slave()`: the clients of `slave` (disabled or being released) go to the next
    /// slaves of `slaves` (those that can transmit, without it) or to none, and those with a
    /// known MAC are taught theirs in [`UPDATE_RETRY`] more rounds.
    pub fn clear_slave(&mut self, slave: u32, slaves: &[RxCandidate]) {
        let mut i = self.used_head;
        while let Some(h) = i {
            i = self.e[idx(h)].used_next;
            if self.e[idx(h)].c.slave != Some(slave) {
                continue;
            }
            let next = self.next_slave(slaves);
            let e = &mut self.e[idx(h)];
            e.c.slave = next;
            if next.is_some() && valid_mac(&e.c.mac_dst) {
                e.ntt = true;
                self.rx_ntt = true;
                self.update_retry = UPDATE_RETRY;
            }
        }
    }

    /// `rlb_req_update_slave_clients()`: `slave`'s MAC changed (a swap with another slave): its
    /// clients with a known MAC are taught it again, in [`UPDATE_RETRY`] more rounds.
    pub fn slave_mac_changed(&mut self, slave: u32) {
        let mut any = false;
        let mut i = self.used_head;
        while let Some(h) = i {
            let e = &mut self.e[idx(h)];
            i = e.used_next;
            if e.c.slave == Some(slave) && valid_mac(&e.c.mac_dst) {
                e.ntt = true;
                any = true;
            }
        }
        if any {
            self.rx_ntt = true;
            self.update_retry = UPDATE_RETRY;
        }
    }

    /// `rlb_rebalance()`: every client in turn given the next slave; those whose slave changed
    /// and whose MAC is not all zero are taught it.
    pub fn rebalance(&mut self, slaves: &[RxCandidate]) {
        let mut any = false;
        let mut i = self.used_head;
        while let Some(h) = i {
            i = self.e[idx(h)].used_next;
            let next = self.next_slave(slaves);
            let e = &mut self.e[idx(h)];
            if next.is_some() && e.c.slave != next {
                e.c.slave = next;
                if e.c.mac_dst != [0; 6] {
                    e.ntt = true;
                    any = true;
                }
            }
        }
        if any {
            self.rx_ntt = true;
        }
    }

    /// `rlb_clear_vlan()`: the clients seen on VLAN `vlan_id` are forgotten (the VLAN is gone).
    pub fn clear_vlan(&mut self, vlan_id: u16) {
        let mut i = self.used_head;
        while let Some(h) = i {
            i = self.e[idx(h)].used_next;
            if self.e[idx(h)].c.vlan_id == vlan_id {
                self.delete(h);
            }
        }
    }

    /// The receive part of a tick of the alb monitor (`bond_alb_monitor()`, every 100 ms,
    /// without the promiscuity timeout): a pending rebalance, then, when clients wait and the
    /// delay is over, `send` is called for each client to teach (in the order of the list in
    /// use; [`ARP_BURST`] replies each), the delay starts again, and the clients stay marked
    /// while retries remain.
    pub fn tick(&mut self, slaves: &[RxCandidate], mut send: impl FnMut(&Client)) {
        if self.rebalance_pending {
            self.rebalance_pending = false;
            self.rebalance(slaves);
        }
        if !self.rx_ntt {
            return;
        }
        if self.update_delay > 0 {
            self.update_delay -= 1;
            return;
        }
        // rlb_update_rx_clients()
        let mut i = self.used_head;
        while let Some(h) = i {
            let e = &mut self.e[idx(h)];
            i = e.used_next;
            if e.ntt {
                if let Some(c) = Self::update_of(&e.c) {
                    send(&c);
                }
                if self.update_retry == 0 {
                    e.ntt = false;
                }
            }
        }
        self.update_delay = UPDATE_DELAY;
        if self.update_retry > 0 {
            self.update_retry -= 1;
        } else {
            self.rx_ntt = false;
        }
    }

    /// The text of bonding's debugfs file `rlb_hash_table` (`bond_debug_rlb_hash_show()`):
    /// a header, then one line per client in the order of the list in use; `name` gives a
    /// slave's name.
    pub fn write_text<'n>(&self, w: &mut impl core::fmt::Write, name: impl Fn(u32) -> Option<&'n str>) -> core::fmt::Result {
        w.write_str("SourceIP        DestinationIP   Destination MAC   DEV\n")?;
        for (c, _) in self.clients() {
            let (src, dst, mac) = (Ip4(c.ip_src), Ip4(c.ip_dst), Mac(c.mac_dst));
            match c.slave.and_then(&name) {
                Some(n) => writeln!(w, "{src:<15} {dst:<15} {mac:<17} {n}")?,
                None => writeln!(w, "{src:<15} {dst:<15} {mac:<17} (none)")?,
            }
        }
        Ok(())
    }
}

/// The client table as the transmit path reads it, without a lock: per entry the client's
/// addresses and slave, published by the table's one writer after each change (a sequence count
/// per entry: a reader that finds the entry being written, or written while it read, tries
/// again, at most a few times, then reports nothing: the transmit path then chooses as for a
/// new client and tells the writer, which keeps what was sent).
pub struct RlbView {
    e: [ViewEntry; TABLE_SIZE],
}

struct ViewEntry {
    seq: AtomicU32,
    /// ip_src, ip_dst as bytes on the wire
    ips: AtomicU64,
    /// the slave's id; 0: not assigned or no slave
    slave: AtomicU32,
}

impl Default for RlbView {
    fn default() -> Self {
        Self::new()
    }
}

impl RlbView {
    /// A view with no client.
    pub const fn new() -> Self {
        RlbView { e: [const { ViewEntry { seq: AtomicU32::new(0), ips: AtomicU64::new(0), slave: AtomicU32::new(0) } }; TABLE_SIZE] }
    }

    /// The slave of the client `ip_dst` talking to `ip_src`, if the table has one for it.
    /// Transmit path: no lock, no allocation, no waiting.
    pub fn lookup(&self, ip_src: [u8; 4], ip_dst: [u8; 4]) -> Option<u32> {
        let e = &self.e[idx(simple_hash(&ip_dst))];
        let want = ips_word(ip_src, ip_dst);
        for _ in 0..4 {
            let s1 = e.seq.load(Acquire);
            if s1 & 1 != 0 {
                core::hint::spin_loop();
                continue;
            }
            let (ips, slave) = (e.ips.load(Relaxed), e.slave.load(Relaxed));
            fence(Acquire);
            if e.seq.load(Relaxed) != s1 {
                continue;
            }
            return (ips == want && slave != 0).then_some(slave);
        }
        None
    }

    /// Publishes the entries of `t` that changed (the one writer, after each change of `t`).
    pub fn publish<S: core::ops::IndexMut<usize, Output = Entry>>(&self, t: &RlbTable<S>) {
        for (i, v) in self.e.iter().enumerate() {
            let e = &t.e[i];
            let (ips, slave) = match (e.assigned, e.c.slave) {
                (true, Some(s)) => (ips_word(e.c.ip_src, e.c.ip_dst), s),
                _ => (0, 0),
            };
            if v.ips.load(Relaxed) == ips && v.slave.load(Relaxed) == slave {
                continue;
            }
            let s = v.seq.load(Relaxed);
            v.seq.store(s.wrapping_add(1), Relaxed);
            fence(Release);
            v.ips.store(ips, Relaxed);
            v.slave.store(slave, Relaxed);
            v.seq.store(s.wrapping_add(2), Release);
        }
    }
}

fn ips_word(ip_src: [u8; 4], ip_dst: [u8; 4]) -> u64 {
    (u64::from(u32::from_ne_bytes(ip_src)) << 32) | u64::from(u32::from_ne_bytes(ip_dst))
}

/// An IPv4 address as `%pI4` prints it, padded as a string.
struct Ip4([u8; 4]);

impl core::fmt::Display for Ip4 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let [a, b, c, d] = self.0;
        // the padding of the whole address (`%-15pI4`)
        let mut buf = Buf::<15>::new();
        core::fmt::write(&mut buf, format_args!("{a}.{b}.{c}.{d}"))?;
        f.pad(buf.as_str())
    }
}

/// A MAC address as `%pM` prints it.
struct Mac([u8; 6]);

impl core::fmt::Display for Mac {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let m = self.0;
        let mut buf = Buf::<17>::new();
        core::fmt::write(&mut buf, format_args!("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5]))?;
        f.pad(buf.as_str())
    }
}

/// A small text buffer on the stack (no allocation); writing past `N` bytes is an error.
pub struct Buf<const N: usize> {
    b: [u8; N],
    n: usize,
}

impl<const N: usize> Default for Buf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Buf<N> {
    /// An empty buffer.
    pub fn new() -> Self {
        Buf { b: [0; N], n: 0 }
    }

    /// What was written.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.b[..self.n]).unwrap_or("")
    }
}

impl<const N: usize> core::fmt::Write for Buf<N> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.n.checked_add(s.len()).filter(|&e| e <= N).ok_or(core::fmt::Error)?;
        self.b[self.n..end].copy_from_slice(s.as_bytes());
        self.n = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    const BOND_MAC: [u8; 6] = [2, 0, 0, 0, 0, 0x10];
    const BCAST: [u8; 6] = [0xff; 6];
    fn mac(n: u8) -> [u8; 6] {
        [2, 0, 0, 0, 1, n]
    }
    fn c(id: u32) -> RxCandidate {
        RxCandidate { id, speed: 1000, can_tx: true }
    }
    fn reply(from: [u8; 4], to: [u8; 4], to_mac: [u8; 6]) -> Arp {
        Arp { op: ARPOP_REPLY, mac_src: BOND_MAC, ip_src: from, mac_dst: to_mac, ip_dst: to }
    }
    const ME: [u8; 4] = [10, 0, 0, 1];

    #[test]
    fn clear_empties() {
        let mut t = RlbTable::new();
        t.choose(&reply(ME, [10, 0, 0, 2], mac(2)), 0, Some(1), &[c(1)]);
        t.rebalance_pending = true;
        t.clear();
        assert_eq!(t.clients().count(), 0);
        assert!(!t.needs_updates() && !t.rebalance_pending);
        assert_eq!(t.choose(&reply(ME, [10, 0, 0, 2], mac(2)), 0, Some(1), &[c(1), c(2)]).0, Some(1));
    }

    #[test]
    fn parse() {
        let mut b = [0u8; 28];
        b[6..8].copy_from_slice(&2u16.to_be_bytes());
        b[8..14].copy_from_slice(&mac(1));
        b[14..18].copy_from_slice(&[10, 0, 0, 2]);
        b[18..24].copy_from_slice(&BOND_MAC);
        b[24..28].copy_from_slice(&ME);
        let a = Arp::parse(&b).unwrap();
        assert_eq!(a, Arp { op: ARPOP_REPLY, mac_src: mac(1), ip_src: [10, 0, 0, 2], mac_dst: BOND_MAC, ip_dst: ME });
        assert_eq!(Arp::parse(&b[..27]), None);
    }

    #[test]
    fn clients_spread_over_the_slaves_and_keep_theirs() {
        let mut t = RlbTable::new();
        let s = [c(1), c(2)];
        // replies to three clients: round robin
        let got: std::vec::Vec<_> = (2..5).map(|n| t.choose(&reply(ME, [10, 0, 0, n], mac(n)), 0, Some(1), &s).0).collect();
        assert_eq!(got, [Some(1), Some(2), Some(1)]);
        // the same client again: its slave
        assert_eq!(t.choose(&reply(ME, [10, 0, 0, 3], mac(3)), 0, Some(1), &s), (Some(2), None));
        // newest first, each to be taught its slave (a unicast MAC)
        let l: std::vec::Vec<_> = t.clients().map(|(c, ntt)| (c.ip_dst[3], c.slave, ntt)).collect();
        assert_eq!(l, [(4, Some(1), true), (3, Some(2), true), (2, Some(1), true)]);
        assert!(t.needs_updates());
    }

    #[test]
    fn a_request_holds_a_place_until_the_reply() {
        let mut t = RlbTable::new();
        let s = [c(1), c(2)];
        let req = Arp { op: ARPOP_REQUEST, mac_src: BOND_MAC, ip_src: ME, mac_dst: [0; 6], ip_dst: [10, 0, 0, 7] };
        assert_eq!(t.choose(&req, 5, Some(1), &s).0, Some(1));
        assert_eq!(t.request_sent(ME, |s| s == 1), 0);
        let (cl, ntt) = t.clients().next().unwrap();
        assert_eq!((cl.mac_dst, cl.vlan_id, ntt), ([0; 6], 5, false));
        // the client's reply teaches its MAC
        t.arp_received(&Arp { op: ARPOP_REPLY, mac_src: mac(7), ip_src: [10, 0, 0, 7], mac_dst: BOND_MAC, ip_dst: ME });
        let (cl, ntt) = t.clients().next().unwrap();
        assert_eq!((cl.mac_dst, ntt), (mac(7), true));
        // the updates wait 2 s after the request, then go out once
        let mut sent = 0;
        for _ in 0..UPDATE_DELAY {
            t.tick(&s, |_| sent += 1);
        }
        assert_eq!(sent, 0);
        t.tick(&s, |c| {
            assert_eq!((c.ip_dst, c.ip_src, c.mac_dst, c.slave), ([10, 0, 0, 7], ME, mac(7), Some(1)));
            sent += 1
        });
        assert_eq!(sent, 1);
        assert!(!t.needs_updates());
        for _ in 0..100 {
            t.tick(&s, |_| sent += 1);
        }
        assert_eq!(sent, 1);
    }

    #[test]
    fn another_client_in_the_entry_moves_to_the_active_slave() {
        let mut t = RlbTable::new();
        let s = [c(1), c(2)];
        t.choose(&reply(ME, [10, 0, 0, 2], mac(2)), 0, Some(1), &s);
        t.choose(&reply(ME, [10, 0, 0, 3], mac(3)), 0, Some(1), &s);
        // 10.0.1.3 hashes as 10.0.0.2: 10^0^1^3 = 10^0^0^2 = 8
        let other = [10, 0, 1, 3];
        assert_eq!(simple_hash(&other), simple_hash(&[10, 0, 0, 2]));
        // 10.0.0.2 was on slave 1 = active: not moved, not told
        let (s1, moved) = t.choose(&reply(ME, other, mac(9)), 0, Some(1), &s);
        assert_eq!((s1, moved), (Some(1), None));
        // now with slave 2 active: the entry's client (10.0.1.3 on 1) moves to 2 and is told
        let (s2, moved) = t.choose(&reply(ME, [10, 0, 0, 2], mac(2)), 0, Some(2), &s);
        assert_eq!(moved.map(|c| (c.ip_dst, c.slave)), Some((other, Some(2))));
        assert_eq!(s2, Some(2));
        assert_eq!(t.clients().count(), 2);
    }

    #[test]
    fn a_slave_cleared_moves_its_clients() {
        let mut t = RlbTable::new();
        let s = [c(1), c(2), c(3)];
        for n in 2..8 {
            t.choose(&reply(ME, [10, 0, 0, n], mac(n)), 0, Some(1), &s);
        }
        t.tick(&s, |_| {});
        let before: std::vec::Vec<_> = t.clients().map(|(c, _)| c.slave).collect();
        assert_eq!(before.iter().filter(|&&s| s == Some(2)).count(), 2);
        t.clear_slave(2, &[c(1), c(3)]);
        assert!(t.clients().all(|(c, _)| c.slave != Some(2)));
        // those moved are taught in UPDATE_RETRY more rounds
        let mut sent = 0;
        for _ in 0..200 {
            t.tick(&s, |cl| {
                assert_ne!(cl.slave, Some(2));
                sent += 1
            });
        }
        // every marked client (the 6 of the first round, not taught yet because of the delay,
        // stay marked while retries remain): 4 rounds
        assert_eq!(sent % (UPDATE_RETRY as usize + 1), 0);
        assert!(sent > 0);
        // no slave left: clients have none
        t.clear_slave(1, &[]);
        t.clear_slave(3, &[]);
        assert!(t.clients().all(|(c, _)| c.slave.is_none()));
    }

    #[test]
    fn an_address_taken_by_another_host_is_purged() {
        let mut t = RlbTable::new();
        let s = [c(1)];
        t.choose(&reply(ME, [10, 0, 0, 2], mac(2)), 0, Some(1), &s);
        t.choose(&reply([10, 0, 0, 9], [10, 0, 0, 3], mac(3)), 0, Some(1), &s);
        // an ARP from ME with the bond's MAC: nothing purged
        t.arp_received(&Arp { op: ARPOP_REQUEST, mac_src: BOND_MAC, ip_src: ME, mac_dst: [0; 6], ip_dst: [10, 0, 0, 2] });
        assert_eq!(t.clients().count(), 2);
        // from ME with another MAC: ME's client is forgotten, 10.0.0.9's stays
        t.arp_received(&Arp { op: ARPOP_REQUEST, mac_src: mac(0x66), ip_src: ME, mac_dst: [0; 6], ip_dst: [10, 0, 0, 2] });
        let l: std::vec::Vec<_> = t.clients().map(|(c, _)| c.ip_dst).collect();
        assert_eq!(l, [[10, 0, 0, 3]]);
        // the entry can be taken again
        assert_eq!(t.choose(&reply(ME, [10, 0, 0, 2], mac(2)), 0, Some(1), &s).0, Some(1));
        assert_eq!(t.clients().count(), 2);
    }

    #[test]
    fn vlan_clients_and_rebalance() {
        let mut t = RlbTable::new();
        let s = [c(1), c(2)];
        t.choose(&reply(ME, [10, 0, 0, 2], mac(2)), 10, Some(1), &s);
        t.choose(&reply(ME, [10, 0, 0, 3], mac(3)), 0, Some(1), &s);
        t.choose(&reply(ME, [10, 0, 0, 4], BCAST), 0, Some(1), &s);
        t.clear_vlan(10);
        assert!(t.clients().all(|(c, _)| c.vlan_id == 0));
        assert_eq!(t.clients().count(), 2);
        // a rebalance over one slave moves everyone to it; the client with the broadcast MAC is
        // marked (C tests "not all zero" there) but never sent
        t.rebalance_pending = true;
        let mut sent = std::vec::Vec::new();
        for _ in 0..30 {
            t.tick(&[c(2)], |cl| sent.push(cl.ip_dst));
        }
        assert!(t.clients().all(|(c, _)| c.slave == Some(2)));
        assert!(sent.iter().all(|d| *d == [10, 0, 0, 3]));
    }

    #[test]
    fn subnet_clients_after_a_request() {
        let mut t = RlbTable::new();
        let s = [c(1), c(2)];
        t.choose(&reply(ME, [10, 0, 0, 2], mac(2)), 0, Some(1), &s);
        t.choose(&reply(ME, [10, 0, 0, 3], mac(3)), 0, Some(1), &s);
        for _ in 0..=UPDATE_DELAY {
            t.tick(&s, |_| {});
        }
        assert!(!t.needs_updates());
        // slave 1 has the bond's MAC: only the client of slave 2 is taught again
        assert_eq!(t.request_sent(ME, |s| s == 1), 0);
        let marked: std::vec::Vec<_> = t.clients().filter(|(_, ntt)| *ntt).map(|(c, _)| c.slave).collect();
        assert_eq!(marked, [Some(2)]);
        // a slave's MAC changed
        t.slave_mac_changed(1);
        assert_eq!(t.clients().filter(|(_, ntt)| *ntt).count(), 2);
    }

    #[test]
    fn debugfs_text() {
        let mut t = RlbTable::new();
        let s = [c(1), c(2)];
        t.choose(&reply(ME, [10, 0, 0, 2], mac(2)), 0, Some(1), &s);
        t.choose(&reply([192, 168, 100, 200], [10, 0, 0, 3], mac(3)), 0, Some(1), &s);
        t.clear_slave(2, &[]);
        let mut out = String::new();
        t.write_text(&mut out, |id| if id == 1 { Some("eth0") } else { None }).unwrap();
        assert_eq!(
            out,
            "SourceIP        DestinationIP   Destination MAC   DEV\n\
             192.168.100.200 10.0.0.3        02:00:00:00:01:03 (none)\n\
             10.0.0.1        10.0.0.2        02:00:00:00:01:02 eth0\n"
        );
    }

    #[test]
    fn the_view_shows_assigned_clients_and_choose_as_keeps_what_was_sent() {
        let mut t = RlbTable::new();
        let v = RlbView::new();
        let slaves = [c(1), c(2)];
        let req = |dst: u8| Arp { op: ARPOP_REQUEST, mac_src: BOND_MAC, ip_src: [10, 0, 0, 1], mac_dst: BCAST, ip_dst: [10, 0, 0, dst] };
        assert_eq!(v.lookup([10, 0, 0, 1], [10, 0, 0, 11]), None);
        // the transmit path sent the first client's frame through slave 2
        assert_eq!(t.choose_as(&req(11), 0, Some(1), &slaves, Some(2)).0, Some(2));
        assert_eq!(t.rx_slave(), Some(2));
        v.publish(&t);
        assert_eq!(v.lookup([10, 0, 0, 1], [10, 0, 0, 11]), Some(2));
        // another bond address, or another client: not this entry
        assert_eq!(v.lookup([10, 0, 0, 2], [10, 0, 0, 11]), None);
        assert_eq!(v.lookup([10, 0, 0, 1], [10, 0, 0, 12]), None);
        // the next client the table chooses itself: after slave 2 comes slave 1
        assert_eq!(t.choose(&req(12), 0, Some(1), &slaves).0, Some(1));
        // a frame to the first client that went out through slave 1 (a stale view): the table
        // follows what the client was taught
        assert_eq!(t.choose_as(&req(11), 0, Some(1), &slaves, Some(1)).0, Some(1));
        v.publish(&t);
        assert_eq!(v.lookup([10, 0, 0, 1], [10, 0, 0, 11]), Some(1));
        assert_eq!(v.lookup([10, 0, 0, 1], [10, 0, 0, 12]), Some(1));
        // a slave's clients move when it goes; the view follows
        t.clear_slave(1, &[c(2)]);
        v.publish(&t);
        assert_eq!(v.lookup([10, 0, 0, 1], [10, 0, 0, 11]), Some(2));
        t.clear();
        v.publish(&t);
        assert_eq!(v.lookup([10, 0, 0, 1], [10, 0, 0, 12]), None);
    }
}
