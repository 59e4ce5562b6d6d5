// SPDX-License-Identifier: GPL-2.0
//! One slave of a bond: the device, what it was before we took it, and its state.

use crate::logic::arpmon::{self, MAX_TARGETS};
use crate::logic::mailbox::PduBox;
use crate::logic::mii::{Link, MiiSlave};
use crate::logic::netlink::{ad_stat, AdStats};
use crate::sys::netdev::{DevRef, NetDevice, Netpoll, Skb, Stats64, TxStatus, STATS_LEN};
use crate::sys::rcu::RcuRead;
use crate::sys::rx::{RxAction, RxHandler, RxSkb, SlowFrame};
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering::Relaxed};
use kernel::alloc::{KBox, KVec};

/// A device whose netdevice event is being handled, and the event (see
/// `NetDevice::speed_duplex`); None outside the notifier.
pub(crate) type Held<'a> = Option<(&'a NetDevice, crate::sys::notifier::NetdevEvent)>;

/// 802.3ad counters (`struct bond_3ad_stats`), indexed by `logic::netlink::ad_stat`.
pub(crate) struct AdCounters([AtomicU64; 9]);

impl AdCounters {
    pub(crate) const fn new() -> Self {
        AdCounters([const { AtomicU64::new(0) }; 9])
    }

    pub(crate) fn inc(&self, i: usize) {
        self.add(i, 1);
    }

    pub(crate) fn add(&self, i: usize, n: u64) {
        if let Some(c) = self.0.get(i) {
            c.fetch_add(n, Relaxed);
        }
    }

    /// The counters now, added to `sum`.
    pub(crate) fn sum_into(&self, sum: &mut AdStats) {
        for (s, c) in sum.iter_mut().zip(self.0.iter()) {
            *s = s.wrapping_add(c.load(Relaxed));
        }
    }
}

/// What a port of an 802.3ad bond has beside the slave (part of `SLAVE_AD_INFO(slave)`), which
/// bonding.ko also allocates only in 802.3ad mode (the mode never changes while the bond has
/// slaves).
pub(crate) struct AdSlave {
    /// The last Slow Protocols PDUs received, for the 802.3ad tick.
    pub(crate) pdu: PduBox,
    /// The port's 802.3ad counters (`SLAVE_AD_INFO(slave)->stats`).
    pub(crate) stats: AdCounters,
}

impl AdSlave {
    pub(crate) fn new() -> Self {
        AdSlave { pdu: PduBox::new(), stats: AdCounters::new() }
    }
}

/// A slave's counters as the bond last read them (see `Slave::stats_seen`).
pub(crate) struct SeenStats([AtomicU64; STATS_LEN]);

impl SeenStats {
    fn new(now: &Stats64) -> Self {
        let s = SeenStats([const { AtomicU64::new(0) }; STATS_LEN]);
        s.store(&now.to_array());
        s
    }

    pub(crate) fn load(&self) -> [u64; STATS_LEN] {
        core::array::from_fn(|i| self.0[i].load(Relaxed))
    }

    pub(crate) fn store(&self, v: &[u64; STATS_LEN]) {
        for (c, v) in self.0.iter().zip(v.iter()) {
            c.store(*v, Relaxed);
        }
    }
}

/// A slave. Fields that the data path, /proc or sysfs read without RTNL are atomics; all writes
/// happen under RTNL.
pub(crate) struct Slave {
    /// The slave device (a reference is held while this lives).
    pub(crate) dev: DevRef,
    /// The bond (kept alive as long as a slave points at it).
    pub(crate) bond_dev: DevRef,
    /// The MAC address the slave had before it was enslaved (restored on release); of a
    /// non-Ethernet slave, the first `perm_len` bytes of its address.
    pub(crate) perm_hwaddr: [u8; 6],
    /// The length of the slave's address when it joined (its `addr_len`, at most 6).
    perm_len: usize,
    /// The MTU the slave had before it was enslaved (restored on release).
    pub(crate) original_mtu: u32,
    /// The slave's counters at the bond's last reading (`slave->slave_stats`): the bond adds
    /// what happened since (counters when it was enslaved, at first). Read and written only under
    /// the bond's counters lock (atomics so that no `unsafe` is needed to share them).
    pub(crate) stats_seen: SeenStats,
    link: AtomicU8,
    delay: AtomicU32,
    /// A backup slave (`state` "backup" in sysfs).
    backup: AtomicBool,
    /// Frames from this slave are delivered only to listeners bound to it (inactive slave).
    inactive: AtomicBool,
    pub(crate) link_failure_count: AtomicU32,
    /// The lower state last told in a NETDEV_CHANGELOWERSTATE ([`Slave::lower_state`]; 0xff:
    /// never told). Written under RTNL.
    pub(crate) lower_told: AtomicU8,
    /// Its netpoll while netpoll uses the bond (`slave->np`).
    pub(crate) np: Netpoll,
    /// The link has been up since the slave was enslaved (C: `slave->last_link_up` != 0).
    pub(crate) ever_up: AtomicBool,
    pub(crate) speed: AtomicU32,
    /// 1 full, 0 half, 0xff unknown
    pub(crate) duplex: AtomicU8,
    pub(crate) prio: AtomicI32,
    /// LACPDUs and markers are the 802.3ad machines' (an 802.3ad bond that is up).
    pub(crate) lacp: AtomicBool,
    /// 802.3ad: the PDUs received and the counters (`None` in the other modes, where the
    /// counters read 0).
    pub(crate) ad: Option<KBox<AdSlave>>,
    /// 802.3ad, as published by the machines for lock-free readers: aggregator ID (0: none or not
    /// 802.3ad) and the actor and partner port states.
    ad_agg_id: AtomicU32,
    ad_states: AtomicU32,
    /// `actor_port_prio` (`SLAVE_AD_INFO(slave)->port_priority`): the 802.3ad port priority
    /// the machines use, set by netlink; 255 until then.
    pub(crate) actor_port_prio: AtomicU16,
    /// `queue_id`: frames a tc filter gave this transmit queue of the bond leave by this slave
    /// (active-backup, balance-rr; `bond_slave_override()`); 0 for none. Set under RTNL.
    pub(crate) queue_id: AtomicU16,
    /// The ARP monitor is on: received frames are checked (`bond->recv_probe`).
    pub(crate) probe: AtomicBool,
    /// ARP monitor, in jiffies: the last validated receive, the last probe sent, the last time
    /// the slave came up or was made active, and the last reply of each target (`last_rx`,
    /// `last_tx`, `last_link_up`, `target_last_arp_rx[]`).
    pub(crate) last_rx: AtomicU64,
    pub(crate) last_tx: AtomicU64,
    pub(crate) last_link_up: AtomicU64,
    pub(crate) target_rx: [AtomicU64; MAX_TARGETS],
    /// The ARP monitor's proposal between its inspection and its commit (`link_new_state`).
    arp_new: AtomicU8,
    /// The solicited-node groups of the NS targets the slave joined for the bond
    /// (`slave_set_ns_maddrs()`): empty, without an allocation, unless a backup of an
    /// active-backup bond validates NS replies.
    pub(crate) ns_groups: crate::sys::rtnl::RtnlCell<KVec<[u8; 6]>>,
    /// balance-tlb and balance-alb: the slave's id in their tables (never 0, unique in the
    /// module), its transmit load (`SLAVE_TLB_INFO(slave).load`), and whether received ARP
    /// frames go to receive load balancing (`rlb_arp_recv()`, a balance-alb bond that is up).
    pub(crate) id: u32,
    pub(crate) tlb_load: crate::logic::tlb::SlaveLoad,
    pub(crate) alb_rx: AtomicBool,
    /// balance-alb: frames to this slave's own MAC reach the bond even while it is not the
    /// current slave (`bond_should_deliver_exact_match()`).
    pub(crate) alb_unicast: AtomicBool,
}

/// The next slave id (see `Slave::id`).
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

fn next_id() -> u32 {
    loop {
        let id = NEXT_ID.fetch_add(1, Relaxed);
        if id != 0 {
            return id;
        }
    }
}

impl Slave {
    /// The address the slave had before it was enslaved, its `addr_len` bytes (as bonding shows
    /// `perm_hwaddr`: a GRE slave's 4, an nlmon's none).
    pub(crate) fn perm_addr(&self) -> &[u8] {
        self.perm_hwaddr.get(..self.perm_len).unwrap_or(&self.perm_hwaddr)
    }

    pub(crate) fn new(dev: DevRef, bond_dev: DevRef, perm_hwaddr: [u8; 6], original_mtu: u32, stats_base: Stats64, ad: Option<KBox<AdSlave>>) -> Self {
        let perm_len = dev.addr_len().min(6);
        Slave {
            dev,
            bond_dev,
            perm_hwaddr,
            perm_len,
            original_mtu,
            stats_seen: SeenStats::new(&stats_base),
            link: AtomicU8::new(Link::Down.number()),
            delay: AtomicU32::new(0),
            backup: AtomicBool::new(false),
            inactive: AtomicBool::new(false),
            link_failure_count: AtomicU32::new(0),
            lower_told: AtomicU8::new(0xff),
            np: Netpoll::new(),
            ever_up: AtomicBool::new(false),
            speed: AtomicU32::new(crate::logic::procfs::SPEED_UNKNOWN),
            duplex: AtomicU8::new(0xff),
            prio: AtomicI32::new(0),
            lacp: AtomicBool::new(false),
            ad,
            ad_agg_id: AtomicU32::new(0),
            ad_states: AtomicU32::new(0),
            actor_port_prio: AtomicU16::new(0xff),
            queue_id: AtomicU16::new(0),
            probe: AtomicBool::new(false),
            last_rx: AtomicU64::new(0),
            last_tx: AtomicU64::new(0),
            last_link_up: AtomicU64::new(0),
            target_rx: [const { AtomicU64::new(0) }; MAX_TARGETS],
            arp_new: AtomicU8::new(0),
            ns_groups: crate::sys::rtnl::RtnlCell::new(KVec::new()),
            id: next_id(),
            tlb_load: crate::logic::tlb::SlaveLoad::new(),
            alb_rx: AtomicBool::new(false),
            alb_unicast: AtomicBool::new(false),
        }
    }

    /// One more of the 802.3ad counter `i` (none outside 802.3ad).
    pub(crate) fn ad_stat_inc(&self, i: usize) {
        if let Some(ad) = &self.ad {
            ad.stats.inc(i);
        }
    }

    /// The 802.3ad counters, added to `sum`.
    pub(crate) fn ad_stats_sum_into(&self, sum: &mut AdStats) {
        if let Some(ad) = &self.ad {
            ad.stats.sum_into(sum);
        }
    }

    /// `slave_last_rx()`: the last validated receive, or with `arp_all_targets=all` the oldest
    /// last reply of the targets.
    pub(crate) fn arp_last_rx(&self, p: &super::params::Params) -> u64 {
        if p.arp_all_targets == 1 {
            let mut t = [0u64; MAX_TARGETS];
            for (o, a) in t.iter_mut().zip(self.target_rx.iter()) {
                *o = a.load(Relaxed);
            }
            arpmon::oldest(&t, p.arp_targets.len())
        } else {
            self.last_rx.load(Relaxed)
        }
    }

    /// What the ARP monitor inspects.
    pub(crate) fn arp_view(&self, p: &super::params::Params) -> arpmon::ArpSlave {
        arpmon::ArpSlave {
            link: self.link(),
            active: !self.is_backup(),
            last_rx: self.arp_last_rx(p),
            last_tx: self.last_tx.load(Relaxed),
            last_link_up: self.last_link_up.load(Relaxed),
        }
    }

    pub(crate) fn set_arp_proposal(&self, p: arpmon::Proposal) {
        let n = match p {
            arpmon::Proposal::NoChange => 0,
            arpmon::Proposal::Up => 1,
            arpmon::Proposal::Down => 2,
            arpmon::Proposal::Fail => 3,
        };
        self.arp_new.store(n, Relaxed);
    }

    /// The proposal of the last inspection, which is consumed.
    pub(crate) fn take_arp_proposal(&self) -> arpmon::Proposal {
        match self.arp_new.swap(0, Relaxed) {
            1 => arpmon::Proposal::Up,
            2 => arpmon::Proposal::Down,
            3 => arpmon::Proposal::Fail,
            _ => arpmon::Proposal::NoChange,
        }
    }

    /// The receive times of a new slave (`bond_enslave()`): one interval and a jiffy ago, as if
    /// nothing came during the last interval.
    pub(crate) fn init_arp_times(&self, arp_interval_ms: u32, now: u64) {
        let then = now.wrapping_sub(crate::sys::probe::msecs_to_jiffies(arp_interval_ms).wrapping_add(1));
        self.last_rx.store(then, Relaxed);
        for t in self.target_rx.iter() {
            t.store(then, Relaxed);
        }
        self.last_tx.store(then, Relaxed);
    }

    pub(crate) fn link(&self) -> Link {
        match self.link.load(Relaxed) {
            0 => Link::Up,
            1 => Link::Fail,
            3 => Link::Back,
            _ => Link::Down,
        }
    }

    pub(crate) fn mii(&self) -> MiiSlave {
        MiiSlave { link: self.link(), delay: self.delay.load(Relaxed) }
    }

    pub(crate) fn set_mii(&self, m: MiiSlave) {
        self.link.store(m.link.number(), Relaxed);
        self.delay.store(m.delay, Relaxed);
    }

    pub(crate) fn is_backup(&self) -> bool {
        self.backup.load(Relaxed)
    }

    /// What `bond_lower_state_changed()` tells LAG offload: bit 0 the link is up (or failing,
    /// still counted up), bit 1 transmit is enabled (not a backup).
    pub(crate) fn lower_state(&self) -> u8 {
        u8::from(matches!(self.link(), Link::Up | Link::Fail)) | (u8::from(!self.is_backup()) << 1)
    }

    /// Whether the lower state changed since it was last told.
    pub(crate) fn lower_state_dirty(&self) -> bool {
        self.lower_told.load(Relaxed) != self.lower_state()
    }

    /// `bond_set_slave_active_flags()`
    pub(crate) fn set_active(&self) {
        self.backup.store(false, Relaxed);
        self.inactive.store(false, Relaxed);
    }

    /// `bond_set_slave_inactive_flags()`: a backup; inactive unless all_slaves_active.
    pub(crate) fn set_backup(&self, all_slaves_active: bool) {
        self.backup.store(true, Relaxed);
        self.inactive.store(!all_slaves_active, Relaxed);
    }

    /// `bond_set_active_slave()`: not a backup; reception unchanged (balance-tlb and
    /// balance-alb, whose slaves all transmit).
    pub(crate) fn set_not_backup(&self) {
        self.backup.store(false, Relaxed);
    }

    /// `bond_set_slave_inactive_flags()` in balance-tlb and balance-alb: receives only what is
    /// sent to it (unless all_slaves_active), still not a backup.
    pub(crate) fn set_inactive(&self, all_slaves_active: bool) {
        self.inactive.store(!all_slaves_active, Relaxed);
    }

    /// `bond_set_backup_slave()`: not distributing; reception unchanged.
    pub(crate) fn set_backup_only(&self) {
        self.backup.store(true, Relaxed);
    }

    /// Publishes the port's 802.3ad view (aggregator ID, 0 for none; actor and partner states;
    /// actor and partner churn states).
    pub(crate) fn set_ad_view(&self, agg_id: u16, actor: u8, partner: u8, churn: (u8, u8)) {
        let st = u32::from(actor) | (u32::from(partner) << 8) | (u32::from(churn.0) << 16) | (u32::from(churn.1) << 24);
        self.ad_states.store(st, Relaxed);
        self.ad_agg_id.store(u32::from(agg_id), Relaxed);
    }

    /// The port's 802.3ad view: (aggregator ID or 0, actor state, partner state).
    pub(crate) fn ad_view(&self) -> (u32, u8, u8) {
        let st = self.ad_states.load(Relaxed);
        (self.ad_agg_id.load(Relaxed), st as u8, (st >> 8) as u8)
    }

    /// The port's churn machines' states (actor, partner), as published with the view.
    pub(crate) fn ad_churn(&self) -> (u8, u8) {
        let st = self.ad_states.load(Relaxed);
        ((st >> 16) as u8, (st >> 24) as u8)
    }

    /// The flags the 802.3ad machines decided.
    pub(crate) fn set_flags(&self, backup: bool, inactive: bool) {
        self.backup.store(backup, Relaxed);
        self.inactive.store(inactive, Relaxed);
    }

    /// Up with an up link, active or not (`bond_slave_is_up() && link == BOND_LINK_UP`: the
    /// slaves broadcast mode sends on, and a queue_id steers to).
    pub(crate) fn up_for_broadcast(&self) -> bool {
        self.dev.running_with_carrier() && self.link() == Link::Up
    }

    /// Running with carrier, link up and not a backup (`bond_slave_can_tx()`).
    pub(crate) fn can_tx(&self) -> bool {
        self.dev.running_with_carrier() && self.link() == Link::Up && !self.is_backup()
    }

    /// `bond_update_speed_duplex()`: what the driver reports now, or unknown. `held`: the slave
    /// and the event of it being handled, if the caller is the netdevice notifier. Returns
    /// whether the driver told a valid speed and duplex (C returns 1 when it did not).
    pub(crate) fn update_speed_duplex(&self, rtnl: &crate::sys::rtnl::Rtnl, held: Held<'_>) -> bool {
        let ev = held.filter(|(d, _)| self.is(d)).map(|(_, e)| e);
        let got = self.dev.speed_duplex(rtnl, ev);
        let (sp, du) = got.unwrap_or((crate::logic::procfs::SPEED_UNKNOWN, 0xff));
        self.speed.store(sp, Relaxed);
        self.duplex.store(du, Relaxed);
        got.is_some()
    }

    /// Sends the frame of the bond `bond` on this slave (`bond_dev_queue_xmit()`); true if the
    /// slave took it.
    pub(crate) fn xmit(&self, skb: Skb, bond: &NetDevice) -> TxStatus {
        skb.xmit_on(&self.dev, &self.np, bond)
    }

    pub(crate) fn is(&self, dev: &NetDevice) -> bool {
        self.dev.same(dev)
    }
}

impl RxHandler for Slave {
    /// `bond_handle_frame()`: frames of an inactive slave stay on it (link-local ones pass as
    /// usual); everything else is the bond's.
    fn rx<'a>(&'a self, skb: &RxSkb, rcu: &'a RcuRead) -> RxAction<'a> {
        if self.probe.load(Relaxed) {
            // bond_rcv_validate(): the ARP monitor's receive times
            if let Some(b) = crate::sys::link::master_state::<super::Bond>(&self.bond_dev) {
                b.rcv_validate(self, skb, rcu);
            }
        }
        if let Some(ad) = self.ad.as_ref().filter(|_| self.lacp.load(Relaxed)) {
            // bond_3ad_lacpdu_recv(): LACPDUs and markers go to the 802.3ad receive work, queued
            // now (a no-op while it is pending); the tick takes what it left
            let mut buf = [0u8; 110];
            match skb.slow_pdu(&mut buf) {
                SlowFrame::Pdu if buf[0] == crate::logic::lacp::SUBTYPE_LACP || buf[0] == crate::logic::lacp::SUBTYPE_MARKER => {
                    // a PDU that finds the mailbox full is lost, as a dropped frame would be
                    if ad.pdu.put(&buf) {
                        if let Some(b) = crate::sys::link::master_state::<super::Bond>(&self.bond_dev) {
                            crate::sys::link::schedule_work(&self.bond_dev, b, crate::sys::link::Work::AdRx, 0);
                        }
                    }
                    return RxAction::Consumed;
                }
                SlowFrame::Pdu => ad.stats.inc(ad_stat::LACPDU_UNKNOWN_RX),
                SlowFrame::Short => ad.stats.inc(ad_stat::LACPDU_ILLEGAL_RX),
                SlowFrame::No => {}
            }
        }
        let alb = self.alb_rx.load(Relaxed);
        if alb {
            if let Some(b) = crate::sys::link::master_state::<super::Bond>(&self.bond_dev) {
                super::alb::rx_arp(b, skb);
            }
        }
        // bond_should_deliver_exact_match(): balance-alb delivers what is sent to an inactive
        // slave's own MAC (unicast) to the bond
        let alb_unicast = self.alb_unicast.load(Relaxed) && !skb.is_bcast_mcast();
        if self.inactive.load(Relaxed) && !alb_unicast {
            if skb.dest_is_link_local() {
                return RxAction::Pass;
            }
            return RxAction::Exact;
        }
        // balance-alb on a bridge port: frames for this host get the bond's MAC
        if self.alb_unicast.load(Relaxed) && !skb.alb_bridge_dest(&self.bond_dev) {
            return RxAction::Consumed;
        }
        RxAction::Another(&self.bond_dev)
    }
}
