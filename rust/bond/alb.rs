// SPDX-License-Identifier: GPL-2.0
//! balance-tlb and balance-alb (`bond_alb.c`): transmit load balancing by each slave's load (or
//! by the transmit hash), receive load balancing by teaching each peer the MAC address of a slave
//! (alb), every slave with a MAC address of its own, and the monitor that sends learning packets,
//! rebalances and teaches clients.
//!
//! Concurrency: transmit reads the tlb table (`logic::tlb`, lock-free) and the rlb clients as
//! published in `RlbView`; what it and receive learn about ARP frames goes to the monitor through
//! a lock-free mailbox (`notes`). The rlb table itself has one writer at a time: the monitor and
//! the RTNL paths (enslave, release, link and active changes) under the mode lock (`mon`, a mutex
//! neither transmit nor receive takes). Lock order: RTNL, then the mode lock; the monitor, which
//! runs without RTNL, only tries to take it.

use super::mode::Mode;
use super::{Bond, Control, Slave, TxState};
use crate::logic::mailbox::WordBox;
use crate::logic::rlb::{self, Arp, Entry, RlbTable, RlbView, ARPOP_REPLY, ARPOP_REQUEST};
use crate::logic::tlb::{self, AlbTicks, Balance, Candidate, RxCandidate, SlaveLoad, TlbTable};
use crate::sys::alb as sys;
use crate::sys::netdev::{NetDevice, Skb, TxStatus};
use crate::sys::probe;
use crate::sys::rcu::RcuRead;
use crate::sys::rtnl::Rtnl;
use crate::sys::rx::RxSkb;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

/// Words of an ARP note (29 bytes) and how many may wait for the monitor (a burst of clients
/// answered within one 100 ms tick; a note that finds the mailbox full is lost, as a dropped
/// frame: the client is then chosen again at its next ARP).
const NOTE_WORDS: usize = 4;
const NOTE_SLOTS: usize = 64;
/// The monitor's period (`alb_delta_in_ticks`: HZ / 10).
const TICK_MS: u32 = 100;

/// What an ARP note says.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NoteKind {
    /// The bond sent an ARP reply through the slave (`rlb_arp_xmit()`, `rlb_choose_channel()`).
    Reply = 1,
    /// The bond sent an ARP request through the slave (its client holds a place; the subnet's
    /// clients are taught again after the update delay).
    Request = 2,
    /// A slave received an ARP frame (`rlb_arp_recv()`).
    Received = 3,
}

/// An ARP frame seen on transmit or receive, on its way to the monitor.
struct Note {
    kind: NoteKind,
    arp: Arp,
    vlan: u16,
    /// the slave it went out of (0: none)
    slave: u32,
}

impl Note {
    fn encode(&self) -> [u64; NOTE_WORDS] {
        let mut b = [0u8; NOTE_WORDS * 8];
        b[0] = self.kind as u8;
        b[1..3].copy_from_slice(&self.arp.op.to_ne_bytes());
        b[3..9].copy_from_slice(&self.arp.mac_src);
        b[9..13].copy_from_slice(&self.arp.ip_src);
        b[13..19].copy_from_slice(&self.arp.mac_dst);
        b[19..23].copy_from_slice(&self.arp.ip_dst);
        b[23..25].copy_from_slice(&self.vlan.to_ne_bytes());
        b[25..29].copy_from_slice(&self.slave.to_ne_bytes());
        let mut w = [0u64; NOTE_WORDS];
        for (w, c) in w.iter_mut().zip(b.chunks_exact(8)) {
            let mut x = [0u8; 8];
            x.copy_from_slice(c);
            *w = u64::from_ne_bytes(x);
        }
        w
    }

    fn decode(w: &[u64; NOTE_WORDS]) -> Option<Note> {
        let mut b = [0u8; NOTE_WORDS * 8];
        for (c, w) in b.chunks_exact_mut(8).zip(w.iter()) {
            c.copy_from_slice(&w.to_ne_bytes());
        }
        let kind = match b[0] {
            1 => NoteKind::Reply,
            2 => NoteKind::Request,
            3 => NoteKind::Received,
            _ => return None,
        };
        let mut arp = Arp { op: u16::from_ne_bytes([b[1], b[2]]), mac_src: [0; 6], ip_src: [0; 4], mac_dst: [0; 6], ip_dst: [0; 4] };
        arp.mac_src.copy_from_slice(&b[3..9]);
        arp.ip_src.copy_from_slice(&b[9..13]);
        arp.mac_dst.copy_from_slice(&b[13..19]);
        arp.ip_dst.copy_from_slice(&b[19..23]);
        Some(Note { kind, arp, vlan: u16::from_ne_bytes([b[23], b[24]]), slave: u32::from_ne_bytes([b[25], b[26], b[27], b[28]]) })
    }
}

/// The monitor's state, under the mode lock.
struct AlbMon {
    /// balance-alb's clients (`rx_hashtbl`), its entries on the heap
    rlb: RlbTable<KVec<Entry>>,
    ticks: AlbTicks,
    /// the current slave was made promiscuous to receive a disabled slave's MAC
    /// (`primary_is_promisc`), and the ticks since (`rlb_promisc_timeout_counter`)
    primary_is_promisc: bool,
    promisc_timeout: u32,
    /// room for a candidate per slave (reserved at enslave: the monitor never allocates)
    cands: KVec<RxCandidate>,
    /// the bond is up in balance-tlb or balance-alb: the monitor runs
    running: bool,
}

/// The state of balance-tlb and balance-alb (`struct alb_bond_info`).
#[pin_data]
pub(crate) struct Alb {
    tlb: TlbTable,
    /// the slave the last new client was given (`rx_slave`; 0: none), shared by transmit and
    /// the rlb table
    rx_slave: AtomicU32,
    notes: WordBox<NOTE_WORDS, NOTE_SLOTS>,
    view: RlbView,
    /// balance-alb and up: the slaves pass received ARP frames on (`bond->recv_probe`)
    pub(super) rx_on: AtomicBool,
    #[pin]
    mon: Mutex<AlbMon>,
}

impl Alb {
    /// A bond's state, its tables empty (allocated when the bond first takes balance-tlb or
    /// balance-alb: see `Bond::alb_prepare`).
    pub(crate) fn new() -> Result<Arc<Alb>> {
        let mut e = KVec::with_capacity(rlb::TABLE_SIZE, GFP_KERNEL)?;
        for _ in 0..rlb::TABLE_SIZE {
            // within the capacity reserved above
            let _ = e.push_within_capacity(Entry::default());
        }
        let mon = AlbMon {
            rlb: RlbTable::with_entries(e),
            ticks: AlbTicks::default(),
            primary_is_promisc: false,
            promisc_timeout: 0,
            cands: KVec::new(),
            running: false,
        };
        Arc::pin_init(
            pin_init!(Alb {
                tlb <- pin_init::zeroed::<TlbTable>(),
                rx_slave: AtomicU32::new(0),
                notes: WordBox::new(),
                view <- pin_init::zeroed::<RlbView>(),
                rx_on: AtomicBool::new(false),
                mon <- kernel::new_mutex!(mon, "rbond_alb_lock"),
            }? Error),
            GFP_KERNEL,
        )
    }

    fn post(&self, n: &Note) {
        // a note that finds the mailbox full is lost (see NOTE_SLOTS)
        let _ = self.notes.put(&n.encode());
    }
}

/// The slave of id `id` in the snapshot.
fn by_id(t: &TxState, id: u32) -> Option<&Arc<Slave>> {
    t.all.iter().find(|s| s.id == id)
}

fn rx_candidate(s: &Arc<Slave>) -> RxCandidate {
    RxCandidate { id: s.id, speed: s.speed.load(Relaxed), can_tx: s.can_tx() }
}

fn tx_candidate(s: &Arc<Slave>) -> Candidate<'_> {
    Candidate { id: s.id, speed: s.speed.load(Relaxed), load: &s.tlb_load }
}

/// Transmit (`bond_tlb_xmit()`, `bond_alb_xmit()`): no lock, no allocation.
pub(super) fn xmit(bond: &Bond, t: &TxState, dev: &NetDevice, mut skb: Skb, rcu: &RcuRead) -> TxStatus {
    // there in balance-tlb and balance-alb (Bond::alb_prepare() before the mode is set)
    let Some(alb) = bond.alb() else { return skb.drop_tx(dev) };
    let dynamic = t.params.tlb_dynamic_lb;
    let len = skb.len();
    // the headers are read once: the balance decision and, where the policy chooses, the hash
    let (bal, hash) = {
        let bytes = skb.bytes();
        let frame = bytes.frame();
        let bal = if t.mode == Mode::Alb { tlb::alb_balance(&frame) } else { tlb::tlb_balance(&frame) };
        let hash = match bal {
            Balance::XmitHash => super::xor::hash_frame(t, dev, &skb, &frame),
            Balance::DestIp(_) if !dynamic => super::xor::hash_frame(t, dev, &skb, &frame),
            Balance::No | Balance::Arp | Balance::DestIp(_) => None,
        };
        (bal, hash)
    };
    let mut tx: Option<&Arc<Slave>> = None;
    match bal {
        Balance::No => {}
        Balance::Arp => {
            if t.mode == Mode::Alb {
                tx = rlb_arp_xmit(alb, t, dev, &mut skb, rcu);
            }
        }
        Balance::XmitHash | Balance::DestIp(_) if dynamic => {
            let index = match bal {
                Balance::DestIp(h) => Some(u32::from(h)),
                _ => hash.map(|h| h & 0xff),
            };
            if let Some(id) = index.and_then(|i| alb.tlb.choose(i, len, t.usable.iter().map(tx_candidate))) {
                tx = by_id(t, id);
                if tx.is_none() {
                    // the entry's slave was released meanwhile: free its entries
                    alb.tlb.release_slave(id, &SlaveLoad::new(), false);
                }
            }
        }
        Balance::XmitHash | Balance::DestIp(_) => {
            tx = hash.and_then(|h| crate::logic::hash::slave_index(h, t.usable.len())).map(|i| &t.usable[i]);
        }
    }
    // bond_do_alb_xmit(): unbalanced or unassigned frames leave through the current slave
    let s = match tx {
        Some(s) => s,
        None => {
            if dynamic {
                alb.tlb.add_unbalanced(len);
            }
            match t.active.as_ref() {
                Some(a) => a,
                None => return skb.drop_tx(dev),
            }
        }
    };
    if s.can_tx() {
        let is_active = t.active.as_ref().is_some_and(|a| Arc::ptr_eq(a, s));
        if !is_active && !skb.set_eth_source(&s.dev.addr_unlocked()) {
            return skb.drop_tx(dev);
        }
        return s.xmit(skb, dev);
    }
    if dynamic {
        alb.tlb.release_slave(s.id, &s.tlb_load, false);
    }
    skb.drop_tx(dev)
}

/// `rlb_arp_xmit()`: the slave an ARP frame of the bond leaves by (a reply: the client's, its
/// sender MAC that slave's; a request: the client holds a place), or `None` for the current
/// slave. ARP of another device (a bridge above the bond) is left alone.
fn rlb_arp_xmit<'t>(alb: &Alb, t: &'t TxState, dev: &NetDevice, skb: &mut Skb, rcu: &RcuRead) -> Option<&'t Arc<Slave>> {
    let (arp, vlan) = {
        use crate::logic::hash::Packet;
        let bytes = skb.bytes();
        let f = bytes.frame();
        let b = f.data.bytes::<28>(f.nhoff)?;
        (Arp::parse(&b)?, f.vlan_tci.map_or(0, |t| t & 0xfff))
    };
    // bond_slave_has_mac_rcu(): only ARP of the bond or of a VLAN directly above it
    if !t.all.iter().any(|s| s.dev.addr_unlocked() == arp.mac_src) {
        return None;
    }
    if sys::ip_on_bridge(dev, arp.ip_src, rcu) {
        return None;
    }
    let kind = match arp.op {
        ARPOP_REPLY => NoteKind::Reply,
        ARPOP_REQUEST => NoteKind::Request,
        _ => return None,
    };
    // rlb_choose_channel(): the client's slave if it has one, else the next one
    let s = match alb.view.lookup(arp.ip_src, arp.ip_dst).and_then(|id| by_id(t, id)) {
        Some(s) => Some(s),
        None => {
            let cur = alb.rx_slave.load(Relaxed);
            let next = tlb::next_rx_slave(t.all.iter().map(rx_candidate), (cur != 0).then_some(cur));
            if let Some(id) = next {
                alb.rx_slave.store(id, Relaxed);
            }
            next.and_then(|id| by_id(t, id))
        }
    };
    alb.post(&Note { kind, arp, vlan, slave: s.map_or(0, |s| s.id) });
    let s = s?;
    if kind == NoteKind::Reply {
        let mac = s.dev.addr_unlocked();
        if arp.mac_src != mac && !skb.set_arp_sha(&mac) {
            return None;
        }
    }
    Some(s)
}

/// `rlb_arp_recv()`: an ARP frame received on a slave of a balance-alb bond that is up goes to
/// the monitor (purge of clients whose address another host took; a client's MAC from its
/// reply). Receive path: no lock, no allocation.
pub(super) fn rx_arp(bond: &Bond, skb: &RxSkb) {
    let Some(alb) = bond.alb() else { return };
    if !alb.rx_on.load(Relaxed) || skb.protocol() != probe::ETH_P_ARP {
        return;
    }
    let mut b = [0u8; 28];
    if !skb.copy_from_network(&mut b) {
        return;
    }
    if let Some(arp) = Arp::parse(&b) {
        alb.post(&Note { kind: NoteKind::Received, arp, vlan: 0, slave: 0 });
    }
}

/// `alb_send_learning_packets()`: from `slave`, to and from `mac`, untagged, then for each VLAN
/// directly above the bond (with its own MAC unless it took the bond's), and, unless
/// `strict`, for each macvlan above the bond (its MAC, tagged as the path to it).
fn send_learning_packets(bond_dev: &NetDevice, slave: &Slave, mac: &[u8; 6], strict: bool, rcu: &RcuRead) {
    sys::send_learning_packet(&slave.dev, mac, [0, 0]);
    sys::for_each_upper_all(bond_dev, rcu, &mut |up, depth| {
        if depth == 0 {
            if let Some(tag) = up.vlan_info() {
                let m = if up.addr_assign_type_unlocked() == sys::NET_ADDR_STOLEN { *mac } else { up.addr_unlocked() };
                sys::send_learning_packet(&slave.dev, &m, tag);
            }
        }
        if up.is_macvlan() && !strict {
            let tag = probe::verify_device_path(bond_dev, up, rcu).map_or([0, 0], |p| p.outer());
            sys::send_learning_packet(&slave.dev, &up.addr_unlocked(), tag);
        }
    });
}

/// `rlb_update_client()`: teaches a client its slave with [`rlb::ARP_BURST`] ARP replies.
fn update_client(t: &TxState, c: &rlb::Client) {
    let Some(s) = c.slave.and_then(|id| by_id(t, id)) else { return };
    if !rlb::valid_mac(&c.mac_dst) {
        return;
    }
    for _ in 0..rlb::ARP_BURST {
        if !sys::send_arp_reply(&s.dev, c.ip_dst, c.ip_src, &c.mac_dst, c.vlan_id) {
            pr_err!("(slave {}): failed to create an ARP packet\n", &*s.dev.name_copy(&mut [0u8; 16]));
        }
    }
}

impl Bond {
    /// balance-tlb and balance-alb's state (`bond_alb_info`): there once the bond has taken one
    /// of these modes, kept until it is deleted. Lock-free readers (transmit, receive) may call
    /// it: it is set once and never changes after.
    pub(super) fn alb(&self) -> Option<&Alb> {
        self.alb.as_ref().map(|a| &**a)
    }

    /// Before the bond takes `mode` (made, or its mode set, under RTNL): balance-tlb and
    /// balance-alb need their tables (`bond_alb_initialize()`, which bonding calls at open),
    /// allocated the first time. `ENOMEM` if they cannot be: the caller changes nothing. Other
    /// modes need none (bonding.ko allocates them only for tlb/alb).
    pub(super) fn alb_prepare(&self, mode: Mode) -> Result {
        if mode.is_lb() && self.alb.as_ref().is_none() {
            // only RTNL populates it: nobody else can have meanwhile
            let _ = self.alb.populate(Alb::new()?);
        }
        Ok(())
    }

    /// Fills the monitor's candidates from the control state's slaves.
    fn alb_cands(mon: &mut AlbMon, slaves: &[Arc<Slave>]) {
        mon.cands.clear();
        for s in slaves {
            // room reserved at enslave
            let _ = mon.cands.push_within_capacity(rx_candidate(s));
        }
    }

    /// The monitor's tick (`bond_alb_monitor()`), every 100 ms while the bond is up in
    /// balance-alb, or in balance-tlb with tlb_dynamic_lb.
    pub(super) fn alb_work(&self, dev: &NetDevice) {
        let Some(alb) = self.alb() else { return };
        let mut promisc_off = None;
        {
            let mut guard = alb.mon.lock();
            let mon = &mut *guard;
            if !mon.running {
                return;
            }
            RcuRead::with(|rcu| {
                let Some(t) = self.tx.get(rcu) else { return };
                let alb_mode = t.mode == Mode::Alb;
                let acts = mon.ticks.tick(!t.all.is_empty(), t.params.lp_interval);
                if t.all.is_empty() {
                    return;
                }
                let active = t.active.as_ref();
                if acts.learning {
                    // from each slave with its own MAC; the current slave (tlb) also for the
                    // macvlans above the bond
                    for s in t.all.iter() {
                        let strict = alb_mode || !active.is_some_and(|a| Arc::ptr_eq(a, s));
                        send_learning_packets(dev, s, &s.dev.addr_unlocked(), strict, rcu);
                    }
                }
                if acts.rebalance {
                    alb.tlb.rebalance(t.all.iter().map(tx_candidate), active.map(|a| a.id));
                }
                if !alb_mode {
                    return;
                }
                if mon.primary_is_promisc {
                    mon.promisc_timeout = mon.promisc_timeout.saturating_add(1);
                    if mon.promisc_timeout >= rlb::PROMISC_TIMEOUT {
                        promisc_off = active.cloned();
                    }
                }
                Self::alb_cands(mon, &t.all);
                let active_id = active.map(|a| a.id);
                let bond_addr = dev.addr_unlocked();
                let mut w = [0u64; NOTE_WORDS];
                while alb.notes.take(&mut w) {
                    let Some(n) = Note::decode(&w) else { continue };
                    Self::apply_note(mon, t, &n, active_id, &bond_addr);
                }
                let before = mon.rlb.rx_slave();
                mon.rlb.tick(&mon.cands, |c| update_client(t, c));
                if mon.rlb.rx_slave() != before {
                    alb.rx_slave.store(mon.rlb.rx_slave().unwrap_or(0), Relaxed);
                }
                alb.view.publish(&mon.rlb);
            });
            if promisc_off.is_some() {
                // dev_set_promiscuity() needs RTNL: at a later tick if it is busy
                if let Some(rtnl) = Rtnl::try_lock() {
                    mon.promisc_timeout = 0;
                    if let Some(a) = &promisc_off {
                        let _ = a.dev.set_promiscuity(&rtnl, -1);
                    }
                    mon.primary_is_promisc = false;
                }
            }
        }
        crate::sys::link::schedule_work(dev, self, crate::sys::link::Work::Alb, TICK_MS);
    }

    /// One ARP note into the rlb table.
    fn apply_note(mon: &mut AlbMon, t: &TxState, n: &Note, active: Option<u32>, bond_addr: &[u8; 6]) {
        let sent = (n.slave != 0).then_some(n.slave);
        match n.kind {
            NoteKind::Received => mon.rlb.arp_received(&n.arp),
            NoteKind::Reply | NoteKind::Request => {
                let (_, moved) = mon.rlb.choose_as(&n.arp, n.vlan, active, &mon.cands, sent);
                if let Some(c) = moved {
                    update_client(t, &c);
                }
                if n.kind == NoteKind::Request {
                    let bond_mac = |id: u32| by_id(t, id).is_some_and(|s| s.dev.addr_unlocked() == *bond_addr);
                    // (C logs each client without a slave at debug level only)
                    let _orphans = mon.rlb.request_sent(n.arp.ip_src, bond_mac);
                }
            }
        }
    }

    /// `bond_alb_initialize()` at open and the start of the monitor (balance-alb, and tlb with
    /// tlb_dynamic_lb); the receive hook of balance-alb follows the snapshot's mode.
    pub(super) fn alb_open(&self, dev: &NetDevice, ctl: &Control, _rtnl: &Rtnl) {
        let p = &ctl.params;
        if !p.mode.is_lb() {
            return;
        }
        let Some(alb) = self.alb() else { return };
        {
            let mut mon = alb.mon.lock();
            mon.rlb.clear();
            mon.ticks = AlbTicks::default();
            mon.primary_is_promisc = false;
            mon.promisc_timeout = 0;
            mon.running = p.tlb_dynamic_lb || p.mode == Mode::Alb;
            alb.view.publish(&mon.rlb);
        }
        let mut w = [0u64; NOTE_WORDS];
        while alb.notes.take(&mut w) {}
        alb.rx_slave.store(0, Relaxed);
        for s in ctl.slaves.iter() {
            alb.tlb.release_slave(s.id, &s.tlb_load, false);
        }
        alb.rx_on.store(p.mode == Mode::Alb, Relaxed);
        if p.tlb_dynamic_lb || p.mode == Mode::Alb {
            crate::sys::link::schedule_work(dev, self, crate::sys::link::Work::Alb, 0);
        }
    }

    /// `bond_alb_deinitialize()` at close: the monitor stops.
    pub(super) fn alb_stop(&self, dev: &NetDevice) {
        let Some(alb) = self.alb() else { return };
        alb.rx_on.store(false, Relaxed);
        alb.mon.lock().running = false;
        crate::sys::link::cancel_work(dev, self, crate::sys::link::Work::Alb);
    }

    /// `alb_set_slave_mac_addr()`: balance-tlb sets only the address the slave reports (its
    /// hardware keeps the bond's); balance-alb sets the hardware's, which must work while up.
    fn alb_set_slave_mac(mode: Mode, dev: &NetDevice, s: &Slave, addr: &[u8; 6], rtnl: &Rtnl) -> Result {
        if mode == Mode::Tlb {
            s.dev.set_addr_keep_type(rtnl, addr);
            return Ok(());
        }
        if s.dev.set_mac(rtnl, addr, None).is_err() {
            pr_err!("{}: (slave {}): dev_set_mac_address on slave failed! ALB mode requires that the base driver support setting the hw address also when the network device's interface is open\n", dev.name(rtnl), s.dev.name(rtnl));
            return Err(EOPNOTSUPP);
        }
        Ok(())
    }

    /// `bond_slave_has_mac()`: the slave whose current MAC is `mac`.
    fn slave_with_mac(ctl: &Control, mac: &[u8; 6], rtnl: &Rtnl) -> Option<Arc<Slave>> {
        ctl.slaves.iter().find(|s| s.dev.addr(rtnl) == *mac).cloned()
    }

    /// `bond_alb_init_slave()` (enslave, before the slave joins the list): the slave gets its
    /// own MAC back, or a free one of the bond's if its own is the bond's
    /// (`alb_handle_addr_collision_on_attach()`); a rebalance is ordered.
    pub(super) fn alb_init_slave(&self, dev: &NetDevice, ctl: &Control, s: &Slave, rtnl: &Rtnl) -> Result {
        let mode = ctl.params.mode;
        Self::alb_set_slave_mac(mode, dev, s, &s.perm_hwaddr, rtnl)?;
        if !ctl.slaves.is_empty() {
            let bond_mac = dev.addr(rtnl);
            let mut collides = s.perm_hwaddr == bond_mac;
            if !collides && Self::slave_with_mac(ctl, &s.dev.addr(rtnl), rtnl).is_some() {
                // try the bond's address, then as for a slave that has it
                let _ = Self::alb_set_slave_mac(mode, dev, s, &bond_mac, rtnl);
                collides = true;
            }
            if collides {
                let mut has_bond_addr = ctl.active.clone();
                let mut free = None;
                for t in ctl.slaves.iter() {
                    if Self::slave_with_mac(ctl, &t.perm_hwaddr, rtnl).is_none() {
                        free = Some(t.clone());
                        break;
                    }
                    if has_bond_addr.is_none() && t.dev.addr(rtnl) == bond_mac {
                        has_bond_addr = Some(t.clone());
                    }
                }
                if let Some(f) = free {
                    let _ = Self::alb_set_slave_mac(mode, dev, s, &f.perm_hwaddr, rtnl);
                    pr_warn!("{}: (slave {}): the slave hw address is in use by the bond; giving it the hw address of {}\n", dev.name(rtnl), s.dev.name(rtnl), f.dev.name(rtnl));
                } else if has_bond_addr.is_some() {
                    pr_err!("{}: (slave {}): the slave hw address is in use by the bond; couldn't find a slave with a free hw address to give it (this should not have happened)\n", dev.name(rtnl), s.dev.name(rtnl));
                    return Err(EFAULT);
                }
            }
        }
        if let Some(alb) = self.alb() {
            let mut mon = alb.mon.lock();
            mon.ticks.rebalance_soon();
            if mode == Mode::Alb {
                mon.rlb.rebalance_pending = true;
            }
        }
        Ok(())
    }

    /// Room for one more slave in the monitor's candidates (enslave, before anything is done).
    pub(super) fn alb_reserve(&self, slaves: usize) -> Result {
        // the other modes have no monitor (and the mode never changes while there are slaves)
        let Some(alb) = self.alb() else { return Ok(()) };
        let mut mon = alb.mon.lock();
        let more = slaves.saturating_add(1).saturating_sub(mon.cands.len());
        mon.cands.reserve(more, GFP_KERNEL)?;
        Ok(())
    }

    /// `bond_alb_deinit_slave()` (release, after the slave left the list and stopped being the
    /// current one): a slave that has the released one's MAC gets another
    /// (`alb_change_hw_addr_on_detach()`), and the tables forget it.
    pub(super) fn alb_deinit_slave(&self, dev: &NetDevice, ctl: &Control, s: &Arc<Slave>, rtnl: &Rtnl) {
        let mode = ctl.params.mode;
        if !ctl.slaves.is_empty() {
            let cur = s.dev.addr(rtnl);
            if s.perm_hwaddr != cur && s.perm_hwaddr != dev.addr(rtnl) {
                if let Some(f) = Self::slave_with_mac(ctl, &s.perm_hwaddr, rtnl) {
                    self.alb_swap_mac(dev, ctl, s, &f, rtnl);
                }
            }
        }
        let Some(alb) = self.alb() else { return };
        alb.tlb.release_slave(s.id, &s.tlb_load, false);
        if mode == Mode::Alb {
            let mut mon = alb.mon.lock();
            mon.rlb.set_rx_slave(None);
            alb.rx_slave.store(0, Relaxed);
            self.rlb_clear_slave(dev, ctl, alb, &mut mon, s, rtnl);
        }
    }

    /// `rlb_clear_slave()`: the slave's clients go to the others; a slave that is not the
    /// current one has its MAC taught on the current slave.
    fn rlb_clear_slave(&self, dev: &NetDevice, ctl: &Control, alb: &Alb, mon: &mut AlbMon, s: &Arc<Slave>, rtnl: &Rtnl) {
        Self::alb_cands(mon, &ctl.slaves);
        mon.cands.retain(|c| c.id != s.id);
        mon.rlb.clear_slave(s.id, &mon.cands);
        alb.rx_slave.store(mon.rlb.rx_slave().unwrap_or(0), Relaxed);
        alb.view.publish(&mon.rlb);
        if !ctl.active.as_ref().is_some_and(|a| Arc::ptr_eq(a, s)) {
            self.rlb_teach_disabled_mac(dev, ctl, mon, &s.dev.addr(rtnl), rtnl);
        }
    }

    /// `rlb_teach_disabled_mac_on_primary()`: the current slave receives a disabled slave's MAC
    /// (promiscuous for a while) and teaches it to the switch.
    fn rlb_teach_disabled_mac(&self, dev: &NetDevice, ctl: &Control, mon: &mut AlbMon, mac: &[u8; 6], rtnl: &Rtnl) {
        let Some(a) = &ctl.active else { return };
        if !mon.primary_is_promisc {
            mon.primary_is_promisc = a.dev.set_promiscuity(rtnl, 1).is_ok();
        }
        mon.promisc_timeout = 0;
        RcuRead::with(|rcu| send_learning_packets(dev, a, mac, true, rcu));
    }

    /// `bond_alb_handle_link_change()`: a slave whose link went down leaves the tables; one
    /// that came up orders a rebalance.
    pub(super) fn alb_link_change(&self, dev: &NetDevice, ctl: &Control, s: &Arc<Slave>, up: bool, rtnl: &Rtnl) {
        let mode = ctl.params.mode;
        let Some(alb) = self.alb() else { return };
        if up {
            let mut mon = alb.mon.lock();
            mon.ticks.rebalance_soon();
            if mode == Mode::Alb {
                mon.rlb.rebalance_pending = true;
            }
        } else {
            alb.tlb.release_slave(s.id, &s.tlb_load, false);
            if mode == Mode::Alb {
                let mut mon = alb.mon.lock();
                self.rlb_clear_slave(dev, ctl, alb, &mut mon, s, rtnl);
            }
        }
    }

    /// `alb_swap_mac_addr()` and `alb_fasten_mac_swap()`: two slaves exchange their MACs, and
    /// the switch and clients learn the new places.
    fn alb_swap_mac(&self, dev: &NetDevice, ctl: &Control, a: &Arc<Slave>, b: &Arc<Slave>, rtnl: &Rtnl) {
        let mode = ctl.params.mode;
        let (ma, mb) = (a.dev.addr(rtnl), b.dev.addr(rtnl));
        let _ = Self::alb_set_slave_mac(mode, dev, a, &mb, rtnl);
        let _ = Self::alb_set_slave_mac(mode, dev, b, &ma, rtnl);
        self.alb_fasten_swap(dev, ctl, a, b, rtnl);
    }

    fn alb_fasten_swap(&self, dev: &NetDevice, ctl: &Control, a: &Arc<Slave>, b: &Arc<Slave>, rtnl: &Rtnl) {
        let alb_mode = ctl.params.mode == Mode::Alb;
        let Some(alb) = self.alb() else { return };
        let differ = a.can_tx() != b.can_tx();
        let mut disabled = None;
        for s in [a, b] {
            if s.can_tx() {
                let mac = s.dev.addr(rtnl);
                RcuRead::with(|rcu| send_learning_packets(dev, s, &mac, false, rcu));
                if alb_mode {
                    let mut mon = alb.mon.lock();
                    mon.rlb.slave_mac_changed(s.id);
                }
            } else {
                disabled = Some(s);
            }
        }
        if alb_mode && differ {
            if let Some(d) = disabled {
                let mac = d.dev.addr(rtnl);
                let mut mon = alb.mon.lock();
                self.rlb_teach_disabled_mac(dev, ctl, &mut mon, &mac, rtnl);
            }
        }
    }

    /// `bond_alb_handle_active_change()`, with `ctl.active` already the new slave and `old` the
    /// one before: the new current slave takes the bond's MAC (swapping with the slave that had
    /// it).
    pub(super) fn alb_active_change(&self, dev: &NetDevice, ctl: &Control, old: Option<&Arc<Slave>>, rtnl: &Rtnl) {
        let Some(alb) = self.alb() else { return };
        if let Some(o) = old {
            let mut mon = alb.mon.lock();
            if mon.primary_is_promisc {
                let _ = o.dev.set_promiscuity(rtnl, -1);
                mon.primary_is_promisc = false;
                mon.promisc_timeout = 0;
            }
        }
        let Some(new) = ctl.active.clone() else { return };
        if ctl.slaves.is_empty() {
            return;
        }
        let bond_mac = dev.addr(rtnl);
        let swap = old.cloned().or_else(|| Self::slave_with_mac(ctl, &bond_mac, rtnl));
        // the two slaves are kept out of the transmit table while their MACs change
        if let Some(sw) = &swap {
            alb.tlb.release_slave(sw.id, &sw.tlb_load, true);
        }
        alb.tlb.release_slave(new.id, &new.tlb_load, true);
        if ctl.params.mode == Mode::Tlb {
            // the hardware filters the bond's MAC whatever the slave reports
            let own = new.dev.addr(rtnl);
            let _ = new.dev.set_mac(rtnl, &bond_mac, None);
            new.dev.set_addr_keep_type(rtnl, &own);
        }
        match swap {
            Some(sw) if !Arc::ptr_eq(&sw, &new) => self.alb_swap_mac(dev, ctl, &sw, &new, rtnl),
            // it has the bond's MAC already (C swaps it with itself): the switch and its clients
            // are told again
            Some(sw) => self.alb_fasten_swap(dev, ctl, &sw, &new, rtnl),
            None => {
                let _ = Self::alb_set_slave_mac(ctl.params.mode, dev, &new, &bond_mac, rtnl);
                RcuRead::with(|rcu| send_learning_packets(dev, &new, &bond_mac, false, rcu));
            }
        }
    }

    /// `bond_alb_set_mac_address()` (balance-alb only: balance-tlb's slaves all take the new
    /// MAC, as in the other modes): the current slave takes it, swapping with a slave that had
    /// it.
    pub(super) fn alb_set_mac_address(&self, dev: &NetDevice, ctl: &Control, addr: &[u8; 6], rtnl: &Rtnl) -> Result {
        if !rlb::valid_mac(addr) {
            return Err(EADDRNOTAVAIL);
        }
        dev.set_addr(rtnl, addr);
        let Some(active) = ctl.active.clone() else { return Ok(()) };
        match Self::slave_with_mac(ctl, addr, rtnl) {
            Some(sw) if !Arc::ptr_eq(&sw, &active) => self.alb_swap_mac(dev, ctl, &sw, &active, rtnl),
            Some(_) => {}
            None => {
                let _ = Self::alb_set_slave_mac(ctl.params.mode, dev, &active, addr, rtnl);
                RcuRead::with(|rcu| send_learning_packets(dev, &active, addr, false, rcu));
                if let Some(alb) = self.alb().filter(|_| ctl.params.mode == Mode::Alb) {
                    alb.mon.lock().rlb.slave_mac_changed(active.id);
                }
            }
        }
        Ok(())
    }

    /// `bond_alb_clear_vlan()`: the clients seen on a VLAN that is gone are forgotten.
    pub(super) fn alb_clear_vlan(&self, ctl: &Control, vid: u16) {
        if let Some(alb) = self.alb().filter(|_| ctl.params.mode == Mode::Alb) {
            let mut mon = alb.mon.lock();
            mon.rlb.clear_vlan(vid);
            alb.view.publish(&mon.rlb);
        }
    }

    /// The text of the debugfs file `rlb_hash_table` (`bond_debug_rlb_hash_show()`): empty
    /// unless the bond is in balance-alb.
    pub(super) fn rlb_hash_text(&self, w: &mut dyn core::fmt::Write) -> core::fmt::Result {
        let Some(alb) = self.alb() else { return Ok(()) };
        let mon = alb.mon.lock();
        RcuRead::with(|rcu| {
            let Some(t) = self.tx.get(rcu) else { return Ok(()) };
            if t.mode != Mode::Alb {
                return Ok(());
            }
            let mut names: KVec<(u32, [u8; 16])> = KVec::new();
            for s in t.all.iter() {
                let mut n = [0u8; 16];
                let _ = s.dev.name_copy(&mut n);
                if names.push((s.id, n), GFP_ATOMIC).is_err() {
                    return Err(core::fmt::Error);
                }
            }
            let name = |id: u32| {
                names.iter().find(|(i, _)| *i == id).map(|(_, n)| {
                    let len = n.iter().position(|&b| b == 0).unwrap_or(n.len());
                    core::str::from_utf8(&n[..len]).unwrap_or("?")
                })
            };
            let mut w = w;
            mon.rlb.write_text(&mut w, name)
        })
    }
}
