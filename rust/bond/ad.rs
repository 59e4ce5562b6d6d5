// SPDX-License-Identifier: GPL-2.0
//! 802.3ad in the driver tier: the machines of `logic::ad` driven by the kernel.
//!
//! Concurrency (the C driver's `mode_lock`, as a mutex): the machines' state (`AdState`) is behind
//! one mutex, the mode lock. The 100 ms tick (delayed work `Work::Ad`) takes only the mode lock:
//! it never waits for RTNL, so it runs on time whatever RTNL is doing. Operations under RTNL
//! (enslave, release, link events, options) take the mode lock inside RTNL, never the other way
//! round. What needs RTNL after a tick (rebuilding the usable-slaves array) is done after the mode
//! lock is released, with `rtnl_trylock()`; if RTNL is busy the next tick tries again.
//!
//! The receive path takes no lock: it copies a LACPDU or marker into the slave's lock-free mailbox
//! (`PduBox`), and the tick hands them to the receive machine before running the machines, which is
//! what the C driver's order of events amounts to at tick granularity.

use super::params::Params;
use super::{Bond, Slave};
use crate::logic::ad::{self, AdBond, Config, Effects, Member, Port, RxEvent};
use crate::logic::lacp::{self, marker, Pdu, PDU_LEN, SLOW_PROTOCOLS_MULTICAST};
use crate::logic::mii::Link;
use crate::logic::procfs::{agg_reason, ActiveAggFacts, AggFacts, AggReason};
use crate::sys::link::{self, Work};
use crate::sys::netdev::NetDevice;
use crate::sys::rtnl::Rtnl;
use crate::sys::rcu::RcuRead;
use crate::logic::netlink::{ad_stat, AdInfo};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

/// The 802.3ad tick (`AD_TIMER_INTERVAL`).
const TICK_MS: u32 = 100;

/// The machines' state of one bond, under the mode lock.
pub(crate) struct AdState {
    pub(crate) bond: AdBond,
    /// One per slave, in the bond's slave order; `slaves[i]` is the slave of `ms[i]`.
    pub(crate) ms: KVec<Member>,
    pub(crate) slaves: KVec<Arc<Slave>>,
    pub(crate) cfg: Config,
    /// Why each port does or does not aggregate, as last logged (parallel to `ms`).
    reasons: KVec<Option<AggReason>>,
    /// The actor system of the ports (`BOND_AD_INFO(bond).system`).
    pub(crate) system: [u8; 6],
    pub(crate) system_priority: u16,
    /// `lacp_active` and `lacp_rate fast` of the ports.
    pub(crate) lacp_active: bool,
    pub(crate) lacp_fast: bool,
    /// rbond's `lacp_fallback`: changes of the port that carries the traffic alone are announced
    /// and logged.
    lacp_fallback: bool,
    /// The 802.3ad tick runs (the bond is up in mode 802.3ad).
    running: bool,
    /// The active aggregator, published for lock-free readers (netlink).
    view: Arc<AdView>,
}

/// The active aggregator as readers without the mode lock see it (`IFLA_BOND_AD_INFO`),
/// published by the machines after every change. The two words are stored one after the other:
/// a reader may see them from consecutive updates (C reads its aggregator unlocked too).
pub(crate) struct AdView {
    /// aggregator ID | ports << 16 | actor key << 32 | partner key << 48
    keys: AtomicU64,
    /// partner system MAC | 1 << 63 if there is an active aggregator
    mac: AtomicU64,
}

impl AdView {
    fn publish(&self, info: Option<ad::AggInfo>) {
        let Some(i) = info else {
            self.mac.store(0, Relaxed);
            return;
        };
        let keys = u64::from(i.id) | u64::from(i.ports) << 16 | u64::from(i.actor_key) << 32 | u64::from(i.partner_key) << 48;
        let mut mac = 1u64 << 63;
        for (k, b) in i.partner_mac.iter().enumerate() {
            mac |= u64::from(*b) << (8 * (5 - k));
        }
        self.keys.store(keys, Relaxed);
        self.mac.store(mac, Relaxed);
    }

    /// The active aggregator (`__bond_3ad_get_active_agg_info()`), if there is one.
    pub(crate) fn get(&self) -> Option<AdInfo> {
        let mac = self.mac.load(Relaxed);
        if mac >> 63 == 0 {
            return None;
        }
        let keys = self.keys.load(Relaxed);
        let mut partner_mac = [0u8; 6];
        for (k, b) in partner_mac.iter_mut().enumerate() {
            *b = (mac >> (8 * (5 - k))) as u8;
        }
        Some(AdInfo {
            aggregator: keys as u16,
            ports: (keys >> 16) as u16,
            actor_key: (keys >> 32) as u16,
            partner_key: (keys >> 48) as u16,
            partner_mac,
        })
    }
}

/// `bond->mode_lock` and what it protects.
pub(crate) type AdLock = Arc<Mutex<AdState>>;

pub(crate) fn new_lock() -> Result<(AdLock, Arc<AdView>)> {
    let view = Arc::new(AdView { keys: AtomicU64::new(0), mac: AtomicU64::new(0) }, GFP_KERNEL)?;
    let st = AdState {
        view: view.clone(),
        bond: AdBond::default(),
        ms: KVec::new(),
        slaves: KVec::new(),
        cfg: config(&Params::defaults()),
        reasons: KVec::new(),
        // as C shows them until the first slave initializes 802.3ad
        system: [0; 6],
        system_priority: 0,
        lacp_active: true,
        lacp_fast: false,
        lacp_fallback: false,
        running: false,
    };
    Ok((Arc::pin_init(kernel::new_mutex!(st, "rbond_mode_lock"), GFP_KERNEL)?, view))
}

/// The options the machines read.
pub(crate) fn config(p: &Params) -> Config {
    Config {
        ad_select: p.ad_select,
        coupled_control: p.coupled_control,
        all_slaves_active: p.all_slaves_active,
        min_links: p.min_links,
        lacp_strict: p.lacp_strict,
    }
}

/// The bond's actor system (`BOND_AD_INFO(bond).system`): `ad_actor_system` if set, else the
/// bond's address.
fn actor_system(p: &Params, dev: &NetDevice, rtnl: &Rtnl) -> [u8; 6] {
    if p.ad_actor_system == [0; 6] {
        dev.addr(rtnl)
    } else {
        p.ad_actor_system
    }
}

impl AdState {
    fn index_of(&self, s: &Slave) -> Option<usize> {
        self.slaves.iter().position(|x| core::ptr::eq(&**x, s))
    }

    /// The member of slave `s`.
    pub(crate) fn member(&self, s: &Slave) -> Option<&Member> {
        self.index_of(s).map(|i| &self.ms[i])
    }

    /// The identity of the active aggregator as the usable-slaves array sees it
    /// (`bond_3ad_get_active_agg_info()`: the aggregator of the first port whose one is active).
    pub(crate) fn active_agg_uid(&self) -> Option<u64> {
        self.ms.iter().filter_map(|m| m.port.agg).find(|&u| self.ms.iter().any(|o| o.uid == u && o.agg.is_active))
    }

    /// The slaves take the flags their ports decided, and show their ports' state.
    fn push_flags(&self) {
        for (m, s) in self.ms.iter().zip(self.slaves.iter()) {
            s.set_flags(m.port.backup, m.port.inactive);
            let agg = m.port.agg.and_then(|u| self.ms.iter().find(|o| o.uid == u)).map_or(0, |o| o.agg.id);
            s.set_ad_view(agg, m.port.actor.state, m.port.partner_oper.state, (m.port.churn_actor as u8, m.port.churn_partner as u8));
        }
        self.view.publish(ad::active_agg_info(&self.ms));
    }

    /// The facts about port `i` that say why it does or does not aggregate.
    pub(crate) fn facts(&self, i: usize) -> AggFacts {
        let m = &self.ms[i];
        let p = &m.port;
        let s = &self.slaves[i];
        let agg_of = |u: u64| self.ms.iter().find(|o| o.uid == u);
        let active = ad::active_agg_info(&self.ms).map(|a| ActiveAggFacts {
            id: a.id,
            speed: ad::class_mbps((a.actor_key >> 1) & 0x1f),
            partner_system: a.partner_mac,
            partner_key: a.partner_key,
        });
        let chr = ad::ChurnState::Churn;
        AggFacts {
            link_up: s.link() == Link::Up,
            speed: s.speed.load(Relaxed),
            duplex: s.duplex.load(Relaxed),
            lacp_active: self.lacp_active,
            lacpdu_age_secs: (p.lacpdu_rx > 0).then(|| p.ticks_since_rx / u32::from(ad::TICKS_PER_SEC)),
            actor_state: p.actor.state,
            partner: p.partner_oper,
            selected: p.vars & ad::vars::SELECTED != 0,
            standby: p.vars & ad::vars::STANDBY != 0,
            churned: p.churn_actor == chr || p.churn_partner == chr,
            aggregator: p.agg.and_then(agg_of).map(|o| o.agg.id),
            active,
            alone: ad::fallback_port(&self.ms) == Some(i),
            lacp_fallback: self.lacp_fallback,
        }
    }

    /// Logs, once per change, why each port does or does not aggregate (rbond's addition: the C
    /// driver only warns, anonymously, that no partner answered).
    fn log_reasons(&mut self, bond: &str) {
        for i in 0..self.ms.len() {
            let r = agg_reason(&self.facts(i));
            let last = self.reasons.get(i).copied().flatten();
            let changed = last.is_none_or(|l| core::mem::discriminant(&l) != core::mem::discriminant(&r));
            // a port passes through "negotiating" on its way in: not worth a line
            if changed && r != AggReason::Negotiating {
                let mut n = [0u8; 16];
                let mut line = Line { buf: [0; 200], len: 0 };
                let _ = core::fmt::Write::write_fmt(&mut line, format_args!("{r}"));
                pr_info!("{bond}: (slave {}): 802.3ad aggregation: {}\n", &*self.slaves[i].dev.name_copy(&mut n), line.as_str());
            }
            if let Some(slot) = self.reasons.get_mut(i) {
                if changed {
                    *slot = Some(r);
                }
            }
        }
    }

    /// rbond's `lacp_fallback` log line for a change of the port that carries the traffic alone.
    fn log_fallback(&self, bond: &str, f: ad::Fallback) {
        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
        match f {
            ad::Fallback::To { to, from } => {
                let Some(t) = self.slaves.get(to) else { return };
                let to = t.dev.name_copy(&mut a);
                match from.and_then(|i| self.slaves.get(i)) {
                    None => pr_info!("{bond}: LACP fallback: no LACP partner answers, {} carries the traffic alone\n", &*to),
                    Some(f) => pr_info!("{bond}: LACP fallback: {} carries the traffic alone instead of {}\n", &*to, &*f.dev.name_copy(&mut b)),
                }
            }
            ad::Fallback::Left { aggregate: true, .. } => {
                let id = ad::active_agg_info(&self.ms).map_or(0, |i| i.id);
                pr_info!("{bond}: LACP fallback ends: the partner answers, aggregator {id} carries the traffic\n");
            }
            ad::Fallback::Left { aggregate: false, .. } => {
                pr_info!("{bond}: LACP fallback: no port can carry the traffic\n");
            }
        }
    }

    /// `bond_3ad_rx_indication()` for what the slaves' mailboxes hold: each LACPDU goes to its
    /// port's receive machine, a marker information is answered. Run by the receive work as soon
    /// as a PDU arrives (as bonding.ko runs it on receipt), and by the tick for what is left.
    fn receive(&mut self, bname: &str) {
        for (m, s) in self.ms.iter_mut().zip(self.slaves.iter()) {
            let mut buf = [0u8; PDU_LEN];
            let Some(ad) = &s.ad else { continue };
            while ad.pdu.take(&mut buf) {
                match lacp::parse(&buf) {
                    Ok(Pdu::Lacp(pdu)) => {
                        s.ad_stat_inc(ad_stat::LACPDU_RX);
                        if m.port.rx_machine(Some(&pdu)) == Some(RxEvent::IllegalLoopback) {
                            let mut n = [0u8; 16];
                            pr_err!("{bname}: (slave {}): An illegal loopback occurred on slave\nCheck the configuration to verify that all adapters are connected to 802.3ad compliant switch ports\n", &*s.dev.name_copy(&mut n));
                        }
                    }
                    Ok(Pdu::Marker(mk)) if mk.tlv_type == marker::INFORMATION => {
                        // ad_marker_info_received(): answer with the same marker as a response
                        s.ad_stat_inc(ad_stat::MARKER_RX);
                        let resp = lacp::Marker { tlv_type: marker::RESPONSE, ..mk };
                        let mut b = [0u8; PDU_LEN];
                        lacp::emit_marker(&resp, &mut b);
                        if s.dev.send_slow(&s.perm_hwaddr, &b).is_ok() {
                            s.ad_stat_inc(ad_stat::MARKER_RESP_TX);
                        }
                    }
                    // ad_marker_response_received(): rbond sends no markers, so it waits for none
                    Ok(Pdu::Marker(_)) => s.ad_stat_inc(ad_stat::MARKER_RESP_RX),
                    Err(lacp::PduError::UnknownMarker(_)) => s.ad_stat_inc(ad_stat::MARKER_UNKNOWN_RX),
                    Err(_) => s.ad_stat_inc(ad_stat::LACPDU_UNKNOWN_RX),
                }
            }
        }
    }

    /// The port's view of its slave (`slave->link`, running with carrier, speed, duplex).
    fn refresh_inputs(&mut self) {
        for (m, s) in self.ms.iter_mut().zip(self.slaves.iter()) {
            refresh_port(&mut m.port, s);
        }
    }
}

/// A line of text on the stack (for the log), cut at its capacity.
struct Line {
    buf: [u8; 200],
    len: usize,
}

impl Line {
    fn as_str(&self) -> &str {
        // cut at a character boundary
        let mut n = self.len;
        while core::str::from_utf8(&self.buf[..n]).is_err() {
            n -= 1;
        }
        core::str::from_utf8(&self.buf[..n]).unwrap_or("")
    }
}

impl core::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

fn refresh_port(p: &mut Port, s: &Slave) {
    p.link_up = s.link() == Link::Up;
    p.dev_up = s.dev.running_with_carrier();
    p.speed = s.speed.load(Relaxed);
    p.full_duplex = s.duplex.load(Relaxed) == 1;
}

/// Sends a LACPDU on the slave (`ad_lacpdu_send()`): from its permanent address, as C does so
/// that loops can be recognised.
fn send_lacpdu(s: &Slave, pdu: &lacp::Lacpdu) -> bool {
    let mut b = [0u8; PDU_LEN];
    lacp::emit_lacpdu(pdu, &mut b);
    let sent = s.dev.send_slow(&s.perm_hwaddr, &b).is_ok();
    if sent {
        s.ad_stat_inc(ad_stat::LACPDU_TX);
    }
    sent
}

impl Bond {
    /// Room for one more slave, so that [`Bond::ad_bind`] cannot fail.
    pub(super) fn ad_reserve(&self) -> Result {
        let mut st = self.ad.lock();
        st.ms.reserve(1, GFP_KERNEL)?;
        st.slaves.reserve(1, GFP_KERNEL)?;
        st.reasons.reserve(1, GFP_KERNEL)?;
        Ok(())
    }

    /// `bond_3ad_bind_slave()` and the 802.3ad part of `bond_enslave()`, under RTNL, after
    /// [`Bond::ad_reserve`].
    pub(super) fn ad_bind(&self, dev: &NetDevice, p: &Params, slave: &Arc<Slave>, rtnl: &Rtnl) {
        let mut st = self.ad.lock();
        let first = st.ms.is_empty();
        if first {
            st.bond.initialize();
        }
        let number = st.ms.last().map_or(1, |m| m.port.actor.port_number.wrapping_add(1));
        let (active, fast) = (p.lacp_active, p.lacp_fast);
        st.lacp_active = active;
        st.lacp_fast = fast;
        st.lacp_fallback = p.lacp_fallback;
        let addr = dev.addr(rtnl);
        if first {
            // bond_3ad_initialize(): the system is the bond's address once it has one
            st.system = actor_system(p, dev, rtnl);
            st.system_priority = p.ad_actor_sys_prio;
        }
        let mut port = Port::new(active, fast);
        port.actor.system = st.system;
        port.actor.system_priority = st.system_priority;
        port.actor.port_number = number;
        port.actor.port_priority = slave.actor_port_prio.load(Relaxed);
        refresh_port(&mut port, slave);
        let cfg = config(p);
        st.cfg = cfg;
        let m = st.bond.bind(port, p.ad_user_port_key, addr, cfg.all_slaves_active);
        // cannot fail: reserved above
        let _ = st.ms.push(m, GFP_KERNEL);
        let _ = st.slaves.push(slave.clone(), GFP_KERNEL);
        let _ = st.reasons.push(None, GFP_KERNEL);
        st.push_flags();
        if st.running {
            slave.dev.mc(rtnl, &SLOW_PROTOCOLS_MULTICAST, true);
            slave.lacp.store(true, Relaxed);
        }
    }

    /// `bond_3ad_unbind_slave()`, under RTNL, before the slave is released: tells the partner the
    /// port no longer aggregates and hands its aggregator's other ports to another one.
    pub(super) fn ad_unbind(&self, dev: &NetDevice, slave: &Slave, rtnl: &Rtnl) {
        let mut st = self.ad.lock();
        let Some(i) = st.index_of(slave) else { return };
        let cfg = st.cfg;
        let st = &mut *st;
        let un = st.bond.unbind(&mut st.ms, i, &cfg);
        let (bn, sn) = (dev.log_name(rtnl), slave.dev.name(rtnl));
        if un.no_new_aggregator {
            pr_warn!("{bn}: (slave {sn}): unbinding aggregator, and could not find a new aggregator for its ports\n");
        }
        for _ in 0..un.removed_active {
            pr_info!("{bn}: (slave {sn}): Removing an active aggregator\n");
        }
        let _ = send_lacpdu(slave, &un.goodbye);
        let _ = st.ms.remove(i);
        let _ = st.slaves.remove(i);
        let _ = st.reasons.remove(i);
        slave.lacp.store(false, Relaxed);
        slave.set_ad_view(0, 0, 0, (0, 0));
        if st.running && dev.is_up() {
            slave.dev.mc(rtnl, &SLOW_PROTOCOLS_MULTICAST, false);
        }
        st.push_flags();
    }

    /// `bond_3ad_handle_link_change()`, under RTNL; the caller rebuilds the usable array.
    pub(super) fn ad_link_change(&self, dev: &NetDevice, slave: &Slave, up: bool, rtnl: &Rtnl) {
        let mut st = self.ad.lock();
        let Some(i) = st.index_of(slave) else { return };
        let cfg = st.cfg;
        let st = &mut *st;
        if !up {
            // bond_set_slave_inactive_flags() of bond_miimon_commit()
            st.ms[i].port.disable(cfg.all_slaves_active);
        } else {
            // bond_set_backup_slave(): not the active one until the machines say so
            st.ms[i].port.backup = true;
        }
        refresh_port(&mut st.ms[i].port, slave);
        if st.bond.link_change(&mut st.ms, i, up, &cfg) {
            let n = st.ms[i].port.actor.port_number;
            pr_err!("{}: (slave {}): speed changed to 0 on port {n}\n", dev.name(rtnl), slave.dev.name(rtnl));
        }
        st.push_flags();
    }

    /// `bond_3ad_adapter_speed_duplex_changed()`, under RTNL.
    pub(super) fn ad_speed_duplex_changed(&self, dev: &NetDevice, slave: &Slave, rtnl: &Rtnl) {
        let mut st = self.ad.lock();
        let Some(i) = st.index_of(slave) else { return };
        refresh_port(&mut st.ms[i].port, slave);
        if st.ms[i].port.update_actor_keys(false) {
            let n = st.ms[i].port.actor.port_number;
            pr_err!("{}: (slave {}): speed changed to 0 on port {n}\n", dev.name(rtnl), slave.dev.name(rtnl));
        }
    }

    /// The options changed (under RTNL); the caller then rebuilds (carrier with `min_links`).
    pub(super) fn ad_options(&self, dev: &NetDevice, p: &Params, was: &Params, rtnl: &Rtnl) {
        let mut st = self.ad.lock();
        st.cfg = config(p);
        st.lacp_active = p.lacp_active;
        st.lacp_fast = p.lacp_fast;
        st.lacp_fallback = p.lacp_fallback;
        // bond_3ad_update_lacp_rate(), bond_3ad_update_lacp_active(): the ports' oper state follows
        for (now, then, bit) in [(p.lacp_fast, was.lacp_fast, lacp::state::TIMEOUT), (p.lacp_active, was.lacp_active, lacp::state::ACTIVITY)] {
            if now != then {
                for m in st.ms.iter_mut() {
                    m.port.actor.state = if now { m.port.actor.state | bit } else { m.port.actor.state & !bit };
                }
            }
        }
        if p.ad_actor_system != was.ad_actor_system || p.ad_actor_sys_prio != was.ad_actor_sys_prio {
            // bond_3ad_update_ad_actor_settings()
            st.system = actor_system(p, dev, rtnl);
            st.system_priority = p.ad_actor_sys_prio;
            let (system, prio) = (st.system, st.system_priority);
            for m in st.ms.iter_mut() {
                m.port.actor.system = system;
                m.port.actor.system_priority = prio;
                m.port.ntt = true;
            }
        }
        if p.all_slaves_active != was.all_slaves_active {
            // bond_option_all_slaves_active_set(): backups follow
            for m in st.ms.iter_mut().filter(|m| m.port.backup) {
                m.port.inactive = !p.all_slaves_active;
            }
            st.push_flags();
        }
    }

    /// `bond_option_actor_port_prio_set()`, under RTNL: the slave's port priority, and
    /// `bond_3ad_update_ad_actor_settings()`, which has every port tell its partner again.
    pub(super) fn ad_set_port_prio(&self, slave: &Slave, prio: u16) {
        slave.actor_port_prio.store(prio, Relaxed);
        let mut st = self.ad.lock();
        let st = &mut *st;
        for (m, s) in st.ms.iter_mut().zip(st.slaves.iter()) {
            m.port.actor.port_priority = s.actor_port_prio.load(Relaxed);
            m.port.actor.system = st.system;
            m.port.actor.system_priority = st.system_priority;
            m.port.ntt = true;
        }
    }

    /// The 802.3ad part of `bond_open()`: LACPDUs are received, the tick starts and the
    /// aggregator is selected at the first tick.
    pub(super) fn ad_open(&self, dev: &NetDevice, rtnl: &Rtnl) {
        let mut st = self.ad.lock();
        st.running = true;
        st.bond.agg_select_timer = 1;
        st.bond.forget_fallback();
        for s in st.slaves.iter() {
            s.dev.mc(rtnl, &SLOW_PROTOCOLS_MULTICAST, true);
            s.lacp.store(true, Relaxed);
        }
        drop(st);
        link::schedule_work(dev, self, Work::Ad, 0);
    }

    /// The 802.3ad part of `bond_close()`.
    pub(super) fn ad_stop(&self, dev: &NetDevice, rtnl: &Rtnl) {
        {
            let mut st = self.ad.lock();
            st.running = false;
            for s in st.slaves.iter() {
                s.lacp.store(false, Relaxed);
                s.dev.mc(rtnl, &SLOW_PROTOCOLS_MULTICAST, false);
            }
        }
        // the mode lock is not held: the tick may be waiting for it
        link::cancel_work(dev, self, Work::Ad);
        link::cancel_work(dev, self, Work::AdRx);
    }

    /// The receive work (`Work::AdRx`), queued by a slave's receive hook when it put a PDU in
    /// the slave's mailbox: the receive machine runs on it at once, not at the next tick, so
    /// that the partner's state is recorded (and shown in /proc) when it arrives, as in
    /// bonding.ko. The ports' timers and the other machines run only at the tick.
    pub(super) fn ad_rx(&self, dev: &NetDevice) {
        let mut guard = self.ad.lock();
        if !guard.running {
            return;
        }
        let mut bname = [0u8; 16];
        let bname = dev.name_copy(&mut bname);
        guard.receive(&bname);
        guard.push_flags();
    }

    /// The 802.3ad tick (`bond_3ad_state_machine_handler()`): process context, takes the mode
    /// lock and never RTNL while holding it.
    pub(super) fn ad_tick(&self, dev: &NetDevice) {
        let mut eff = Effects::default();
        let carrier;
        let mut fallback_notif = false;
        {
            let mut guard = self.ad.lock();
            if !guard.running {
                return;
            }
            let st = &mut *guard;
            st.refresh_inputs();
            let mut bname = [0u8; 16];
            let bname = dev.name_copy(&mut bname);
            let bname: &str = &bname;
            // what arrived since the receive work last ran (bond_3ad_rx_indication())
            st.receive(bname);
            let cfg = st.cfg;
            let slaves = &st.slaves;
            st.bond.tick(&mut st.ms, &cfg, &mut eff, |i, pdu| send_lacpdu(&slaves[i], pdu));
            st.push_flags();
            carrier = ad::carrier(&st.ms, &cfg);
            if eff.no_partner {
                pr_warn!("{bname}: Warning: No 802.3ad response from the link partner for any adapters in the bond\n");
            }
            if let (Some(f), true) = (eff.fallback, st.lacp_fallback) {
                st.log_fallback(bname, f);
                fallback_notif = true;
            }
            st.log_reasons(bname);
        }
        if carrier != dev.carrier_ok() {
            if carrier {
                dev.carrier_on();
            } else {
                dev.carrier_off();
            }
        }
        if eff.update_slave_arr {
            self.ad_arr_pending.store(true, Relaxed);
        }
        if eff.peer_notif {
            self.ad_peer_notif.store(true, Relaxed);
        }
        if fallback_notif {
            self.ad_fallback_notif.store(true, Relaxed);
        }
        // a port enabled or disabled changes its slave's lower state (bond_3ad_state_machine_handler()
        // notifies it under rtnl_trylock(), as here)
        let lower = RcuRead::with(|rcu| self.tx.get(rcu).is_some_and(|t| t.all.iter().any(|s| s.lower_state_dirty())));
        if self.ad_arr_pending.load(Relaxed) || lower {
            // the usable-slaves array is rebuilt under RTNL (which tells the lower states too);
            // if RTNL is busy, the next tick tries
            if let Some(rtnl) = Rtnl::try_lock() {
                if let Some(ctl) = self.ctl.borrow(&rtnl) {
                    if self.ad_arr_pending.swap(false, Relaxed) {
                        self.rebuild(dev, &ctl, &rtnl);
                    } else {
                        self.tell_lower_states(&ctl, &rtnl);
                    }
                }
            }
        }
        link::schedule_work(dev, self, Work::Ad, TICK_MS);
    }
}
