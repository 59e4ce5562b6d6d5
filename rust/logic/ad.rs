// SPDX-License-Identifier: GPL-2.0
//! 802.3ad per-port state machines, sans-IO (a port of bond_3ad.c, IEEE 802.1AX-2014 clause 6).
//!
//! Time is a tick of 100 ms (`AD_TIMER_INTERVAL`), given by the caller calling the machines once
//! per tick in the C driver's order (`bond_3ad_state_machine_handler()`): receive, periodic,
//! selection, mux, transmit, churn; then [`Port::end_tick`]. Received LACPDUs go to
//! [`Port::rx_machine`] as they arrive. Nothing here sends or logs: the transmit machine returns
//! the LACPDU to send, and the receive machine returns what the driver should report.
//!
//! This module has the receive, periodic, transmit and churn machines. Selection and the mux
//! machine (aggregators) are not here yet.

use super::lacp::{state, Lacpdu, PortInfo};

/// Ticks per second (`ad_ticks_per_sec`).
pub const TICKS_PER_SEC: u16 = 10;
/// LACPDUs per second at most (`AD_MAX_TX_IN_SECOND`).
pub const MAX_TX_IN_SECOND: u16 = 3;
const FAST_PERIODIC_TIME: u16 = 1;
const SLOW_PERIODIC_TIME: u16 = 30;
const SHORT_TIMEOUT_TIME: u16 = 3 * FAST_PERIODIC_TIME;
const LONG_TIMEOUT_TIME: u16 = 3 * SLOW_PERIODIC_TIME;
const CHURN_DETECTION_TIME: u16 = 60;

/// `sm_vars` bits (`AD_PORT_*`).
pub mod vars {
    /// BEGIN
    pub const BEGIN: u16 = 0x1;
    /// LACP enabled (full duplex)
    pub const LACP_ENABLED: u16 = 0x2;
    /// actor churn
    pub const ACTOR_CHURN: u16 = 0x4;
    /// partner churn
    pub const PARTNER_CHURN: u16 = 0x8;
    /// ready
    pub const READY: u16 = 0x10;
    /// ready_N
    pub const READY_N: u16 = 0x20;
    /// matched
    pub const MATCHED: u16 = 0x40;
    /// standby
    pub const STANDBY: u16 = 0x80;
    /// selected
    pub const SELECTED: u16 = 0x100;
    /// moved
    pub const MOVED: u16 = 0x200;
    /// both churn bits
    pub const CHURNED: u16 = ACTOR_CHURN | PARTNER_CHURN;
}

/// The key's duplex bit (`AD_DUPLEX_KEY_MASKS`).
pub const DUPLEX_KEY_MASK: u16 = 0x1;

/// Receive machine states (`rx_states_t`; the numbers are the C driver's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxState {
    /// not started
    Dummy = 0,
    /// INITIALIZE
    Initialize = 1,
    /// PORT_DISABLED
    PortDisabled = 2,
    /// LACP_DISABLED
    LacpDisabled = 3,
    /// EXPIRED
    Expired = 4,
    /// DEFAULTED
    Defaulted = 5,
    /// CURRENT
    Current = 6,
}

/// Periodic machine states (`periodic_states_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodicState {
    /// not started
    Dummy = 0,
    /// NO_PERIODIC
    NoPeriodic = 1,
    /// FAST_PERIODIC
    Fast = 2,
    /// SLOW_PERIODIC
    Slow = 3,
    /// PERIODIC_TX
    Tx = 4,
}

/// Churn machine states (`churn_state_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChurnState {
    /// monitoring for churn
    Monitor = 0,
    /// churn detected
    Churn = 1,
    /// no churn
    NoChurn = 2,
}

impl ChurnState {
    /// The text of /proc (`bond_3ad_churn_desc()`).
    pub fn desc(self) -> &'static str {
        match self {
            ChurnState::Monitor => "monitoring",
            ChurnState::Churn => "churned",
            ChurnState::NoChurn => "none",
        }
    }
}

/// What the receive machine tells the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxEvent {
    /// A LACPDU carries our own system as its actor: the port is looped back to this system
    /// ("An illegal loopback occurred on slave"); the PDU was not recorded.
    IllegalLoopback,
}

/// The partner template (`tmpl` of `ad_initialize_port()`).
const PARTNER_TEMPLATE: PortInfo = PortInfo {
    system_priority: 0xffff,
    system: [0; 6],
    key: 1,
    port_priority: 0xff,
    port_number: 1,
    state: 0,
};

/// One port (slave) of an 802.3ad bond, as far as these machines go.
#[derive(Debug, Clone)]
pub struct Port {
    /// Actor: system, system priority, operational key, port priority and number, oper state.
    pub actor: PortInfo,
    /// `actor_admin_port_key`
    pub actor_admin_key: u16,
    /// `actor_admin_port_state`
    pub actor_admin_state: u8,
    /// `partner_admin`
    pub partner_admin: PortInfo,
    /// `partner_oper`
    pub partner_oper: PortInfo,
    /// The port's link is usable (`is_enabled`).
    pub is_enabled: bool,
    /// `sm_vars`
    pub vars: u16,
    /// Need to transmit (`ntt`).
    pub ntt: bool,
    /// Receive machine.
    pub rx_state: RxState,
    rx_timer: u16,
    /// Periodic machine.
    pub periodic_state: PeriodicState,
    periodic_timer: u16,
    tx_timer: u16,
    /// Actor churn machine.
    pub churn_actor: ChurnState,
    /// Partner churn machine.
    pub churn_partner: ChurnState,
    churn_actor_timer: u16,
    churn_partner_timer: u16,
    /// Times the actor churned.
    pub churn_actor_count: u32,
    /// Times the partner churned.
    pub churn_partner_count: u32,
}

/// `__ad_timer_to_ticks(AD_CURRENT_WHILE_TIMER, short)`
fn current_while_ticks(short: bool) -> u16 {
    if short {
        SHORT_TIMEOUT_TIME * TICKS_PER_SEC
    } else {
        LONG_TIMEOUT_TIME * TICKS_PER_SEC
    }
}

fn same_info(a: &PortInfo, b: &PortInfo) -> bool {
    a.port_number == b.port_number
        && a.port_priority == b.port_priority
        && a.system == b.system
        && a.system_priority == b.system_priority
        && a.key == b.key
}

impl Port {
    /// `ad_initialize_port()`: a new port with BEGIN set, for a bond with `lacp_active` and
    /// `lacp_fast`. The caller then sets the actor's system, priority, port number and keys.
    pub fn new(lacp_active: bool, lacp_fast: bool) -> Self {
        let mut admin = state::AGGREGATION;
        if lacp_active {
            admin |= state::ACTIVITY;
        }
        let oper = if lacp_fast { admin | state::TIMEOUT } else { admin };
        Port {
            actor: PortInfo { system_priority: 0xffff, system: [0; 6], key: 1, port_priority: 0xff, port_number: 1, state: oper },
            actor_admin_key: 1,
            actor_admin_state: admin,
            partner_admin: PARTNER_TEMPLATE,
            partner_oper: PARTNER_TEMPLATE,
            is_enabled: true,
            vars: vars::BEGIN | vars::LACP_ENABLED,
            ntt: false,
            rx_state: RxState::Dummy,
            rx_timer: 0,
            periodic_state: PeriodicState::Dummy,
            periodic_timer: 0,
            tx_timer: 0,
            churn_actor: ChurnState::Monitor,
            churn_partner: ChurnState::Monitor,
            churn_actor_timer: 0,
            churn_partner_timer: 0,
            churn_actor_count: 0,
            churn_partner_count: 0,
        }
    }

    /// `__record_default()`
    fn record_default(&mut self) {
        self.partner_oper = self.partner_admin;
        self.actor.state |= state::DEFAULTED;
    }

    /// `__choose_matched()`
    fn choose_matched(&mut self, pdu: &Lacpdu) {
        let agg = state::AGGREGATION;
        let p = &pdu.partner;
        let matched = (same_info(p, &self.actor) && (p.state & agg) == (self.actor.state & agg))
            || pdu.actor.state & agg == 0;
        if matched {
            self.vars |= vars::MATCHED;
        } else {
            self.vars &= !vars::MATCHED;
        }
    }

    /// `__record_pdu()`
    fn record_pdu(&mut self, pdu: &Lacpdu) {
        self.choose_matched(pdu);
        self.partner_oper = pdu.actor;
        self.actor.state &= !state::DEFAULTED;
        if self.vars & vars::MATCHED != 0 && pdu.actor.state & state::SYNCHRONIZATION != 0 {
            self.partner_oper.state |= state::SYNCHRONIZATION;
        } else {
            self.partner_oper.state &= !state::SYNCHRONIZATION;
        }
    }

    /// `__update_selected()`
    fn update_selected(&mut self, pdu: &Lacpdu) {
        let agg = state::AGGREGATION;
        if !same_info(&pdu.actor, &self.partner_oper) || (pdu.actor.state & agg) != (self.partner_oper.state & agg) {
            self.vars &= !vars::SELECTED;
        }
    }

    /// `__update_default_selected()`
    fn update_default_selected(&mut self) {
        let agg = state::AGGREGATION;
        if !same_info(&self.partner_admin, &self.partner_oper)
            || (self.partner_admin.state & agg) != (self.partner_oper.state & agg)
        {
            self.vars &= !vars::SELECTED;
        }
    }

    /// `__update_ntt()`
    fn update_ntt(&mut self, pdu: &Lacpdu) {
        let bits = state::ACTIVITY | state::TIMEOUT | state::SYNCHRONIZATION | state::AGGREGATION;
        let p = &pdu.partner;
        if !same_info(p, &self.actor) || (p.state & bits) != (self.actor.state & bits) {
            self.ntt = true;
        }
    }

    /// The receive machine (`ad_rx_machine()`), for a tick (`pdu` None) or a received LACPDU.
    pub fn rx_machine(&mut self, pdu: Option<&Lacpdu>) -> Option<RxEvent> {
        let last = self.rx_state;
        if self.vars & vars::BEGIN != 0 {
            self.rx_state = RxState::Initialize;
            self.vars |= vars::CHURNED;
        } else if !self.is_enabled {
            self.rx_state = RxState::PortDisabled;
        } else if pdu.is_some() && matches!(self.rx_state, RxState::Expired | RxState::Defaulted | RxState::Current) {
            if self.rx_state != RxState::Current {
                self.vars |= vars::CHURNED;
            }
            self.rx_timer = 0;
            self.rx_state = RxState::Current;
        } else if self.rx_timer != 0 {
            self.rx_timer -= 1;
            if self.rx_timer == 0 {
                match self.rx_state {
                    RxState::Expired => self.rx_state = RxState::Defaulted,
                    RxState::Current => self.rx_state = RxState::Expired,
                    _ => {}
                }
            }
        } else if self.rx_state == RxState::PortDisabled {
            if self.vars & vars::LACP_ENABLED != 0 {
                self.rx_state = RxState::Expired;
            } else {
                self.rx_state = RxState::LacpDisabled;
            }
        }
        if self.rx_state == last && pdu.is_none() {
            return None;
        }
        match self.rx_state {
            RxState::Initialize | RxState::PortDisabled => {
                if self.rx_state == RxState::Initialize {
                    if self.actor.key & DUPLEX_KEY_MASK == 0 {
                        self.vars &= !vars::LACP_ENABLED;
                    } else {
                        self.vars |= vars::LACP_ENABLED;
                    }
                    self.vars &= !vars::SELECTED;
                    self.record_default();
                    self.actor.state &= !state::EXPIRED;
                    self.rx_state = RxState::PortDisabled;
                }
                self.vars &= !vars::MATCHED;
                self.partner_oper.state &= !state::SYNCHRONIZATION;
            }
            RxState::LacpDisabled => {
                self.vars &= !vars::SELECTED;
                self.record_default();
                self.partner_oper.state &= !state::AGGREGATION;
                self.vars |= vars::MATCHED;
                self.actor.state &= !state::EXPIRED;
            }
            RxState::Expired => {
                self.vars &= !vars::MATCHED;
                self.partner_oper.state &= !state::SYNCHRONIZATION;
                self.partner_oper.state |= state::TIMEOUT;
                self.rx_timer = current_while_ticks(true);
                self.actor.state |= state::EXPIRED;
                self.vars |= vars::CHURNED;
            }
            RxState::Defaulted => {
                self.update_default_selected();
                self.record_default();
                self.vars |= vars::MATCHED;
                self.actor.state &= !state::EXPIRED;
            }
            RxState::Current => {
                // C dereferences the PDU here; a tick in CURRENT without a PDU does not get here
                let pdu = pdu?;
                if pdu.actor.system == self.actor.system {
                    return Some(RxEvent::IllegalLoopback);
                }
                self.update_selected(pdu);
                self.update_ntt(pdu);
                self.record_pdu(pdu);
                self.rx_timer = current_while_ticks(self.actor.state & state::TIMEOUT != 0);
                self.actor.state &= !state::EXPIRED;
            }
            RxState::Dummy => {}
        }
        None
    }

    /// The periodic machine (`ad_periodic_machine()`).
    pub fn periodic_machine(&mut self) {
        let last = self.periodic_state;
        let both_passive =
            self.actor.state & state::ACTIVITY == 0 && self.partner_oper.state & state::ACTIVITY == 0;
        if self.vars & vars::BEGIN != 0 || self.vars & vars::LACP_ENABLED == 0 || !self.is_enabled || both_passive {
            self.periodic_state = PeriodicState::NoPeriodic;
        } else if self.periodic_timer != 0 {
            self.periodic_timer -= 1;
            if self.periodic_timer == 0 {
                self.periodic_state = PeriodicState::Tx;
            } else {
                let partner_short = self.partner_oper.state & state::TIMEOUT != 0;
                match self.periodic_state {
                    PeriodicState::Fast if !partner_short => self.periodic_state = PeriodicState::Slow,
                    PeriodicState::Slow if partner_short => {
                        self.periodic_timer = 0;
                        self.periodic_state = PeriodicState::Tx;
                    }
                    _ => {}
                }
            }
        } else {
            match self.periodic_state {
                PeriodicState::NoPeriodic => self.periodic_state = PeriodicState::Fast,
                PeriodicState::Tx => {
                    self.periodic_state = if self.partner_oper.state & state::TIMEOUT == 0 {
                        PeriodicState::Slow
                    } else {
                        PeriodicState::Fast
                    };
                }
                _ => {}
            }
        }
        if self.periodic_state != last {
            match self.periodic_state {
                PeriodicState::NoPeriodic => self.periodic_timer = 0,
                PeriodicState::Fast => self.periodic_timer = FAST_PERIODIC_TIME * TICKS_PER_SEC - 1,
                PeriodicState::Slow => self.periodic_timer = SLOW_PERIODIC_TIME * TICKS_PER_SEC - 1,
                PeriodicState::Tx => self.ntt = true,
                PeriodicState::Dummy => {}
            }
        }
    }

    /// The LACPDU this port sends now (`__update_lacpdu_from_port()`).
    pub fn lacpdu(&self) -> Lacpdu {
        Lacpdu { version: 1, actor: self.actor, partner: self.partner_oper, collector_max_delay: 0 }
    }

    /// The transmit machine (`ad_tx_machine()`): the LACPDU to send now, if any, counted as sent
    /// (need-to-transmit cleared, at most 3 per second). The C driver sends under its state lock;
    /// rbond sends after releasing it, so if the send fails the caller reports it with
    /// [`Port::tx_failed`] and the port tries again next tick, as in C.
    pub fn tx_machine(&mut self) -> Option<Lacpdu> {
        if self.tx_timer != 0 {
            self.tx_timer -= 1;
            if self.tx_timer != 0 {
                return None;
            }
        }
        if !self.ntt || self.vars & vars::LACP_ENABLED == 0 {
            return None;
        }
        self.ntt = false;
        self.tx_timer = TICKS_PER_SEC / MAX_TX_IN_SECOND;
        Some(self.lacpdu())
    }

    /// The LACPDU from [`Port::tx_machine`] could not be sent.
    pub fn tx_failed(&mut self) {
        self.ntt = true;
        self.tx_timer = 0;
    }

    /// The churn machines (`ad_churn_machine()`).
    pub fn churn_machine(&mut self) {
        if self.vars & vars::CHURNED != 0 {
            self.vars &= !vars::CHURNED;
            self.churn_actor = ChurnState::Monitor;
            self.churn_partner = ChurnState::Monitor;
            self.churn_actor_timer = CHURN_DETECTION_TIME * TICKS_PER_SEC;
            self.churn_partner_timer = CHURN_DETECTION_TIME * TICKS_PER_SEC;
            return;
        }
        if self.churn_actor_timer != 0 {
            self.churn_actor_timer -= 1;
            if self.churn_actor_timer == 0 && self.churn_actor == ChurnState::Monitor {
                if self.actor.state & state::SYNCHRONIZATION != 0 {
                    self.churn_actor = ChurnState::NoChurn;
                } else {
                    self.churn_actor_count += 1;
                    self.churn_actor = ChurnState::Churn;
                }
            }
        }
        if self.churn_partner_timer != 0 {
            self.churn_partner_timer -= 1;
            if self.churn_partner_timer == 0 && self.churn_partner == ChurnState::Monitor {
                if self.partner_oper.state & state::SYNCHRONIZATION != 0 {
                    self.churn_partner = ChurnState::NoChurn;
                } else {
                    self.churn_partner_count += 1;
                    self.churn_partner = ChurnState::Churn;
                }
            }
        }
    }

    /// End of a tick: BEGIN has been handled by every machine.
    pub fn end_tick(&mut self) {
        self.vars &= !vars::BEGIN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYS_A: [u8; 6] = [2, 0, 0, 0, 0, 0xa];
    const SYS_B: [u8; 6] = [2, 0, 0, 0, 0, 0xb];

    fn port(sys: [u8; 6], number: u16, active: bool, fast: bool) -> Port {
        let mut p = Port::new(active, fast);
        p.actor.system = sys;
        p.actor.port_number = number;
        p.actor.key = 15; // 10G full duplex
        p.actor_admin_key = 15;
        p
    }

    /// Two ports wired to each other, driven tick by tick (100 ms of virtual time each); frames
    /// sent in a tick arrive before the next one. Returns the LACPDUs each side sent.
    fn run(a: &mut Port, b: &mut Port, ticks: u32, b_silent: bool) -> (u32, u32) {
        let (mut sa, mut sb) = (0, 0);
        for _ in 0..ticks {
            for p in [&mut *a, &mut *b] {
                p.rx_machine(None);
                p.periodic_machine();
            }
            let pa = a.tx_machine();
            let pb = if b_silent { None } else { b.tx_machine() };
            if let Some(pdu) = pa {
                sa += 1;
                b.rx_machine(Some(&pdu));
            }
            if let Some(pdu) = pb {
                sb += 1;
                a.rx_machine(Some(&pdu));
            }
            for p in [&mut *a, &mut *b] {
                p.churn_machine();
                p.end_tick();
            }
        }
        (sa, sb)
    }

    #[test]
    fn two_active_ports_learn_each_other() {
        let (mut a, mut b) = (port(SYS_A, 1, true, true), port(SYS_B, 7, true, true));
        run(&mut a, &mut b, 20, false);
        assert_eq!(a.rx_state, RxState::Current);
        assert_eq!(b.rx_state, RxState::Current);
        assert_eq!(a.partner_oper.system, SYS_B);
        assert_eq!(a.partner_oper.port_number, 7);
        assert_eq!(b.partner_oper.system, SYS_A);
        assert_eq!(a.actor.state & state::DEFAULTED, 0);
        assert_eq!(a.actor.state & state::EXPIRED, 0);
        assert!(a.vars & vars::MATCHED != 0);
    }

    #[test]
    fn fast_rate_sends_every_second_slow_every_30() {
        let (mut a, mut b) = (port(SYS_A, 1, true, true), port(SYS_B, 2, true, true));
        run(&mut a, &mut b, 20, false);
        // both fast: about one LACPDU per second each (plus what the first exchanges trigger)
        let (sa, _) = run(&mut a, &mut b, 100, false);
        assert!((9..=13).contains(&sa), "fast: {sa} in 10 s");
        let (mut a, mut b) = (port(SYS_A, 1, true, false), port(SYS_B, 2, true, false));
        run(&mut a, &mut b, 50, false);
        let (sa, _) = run(&mut a, &mut b, 600, false);
        assert!((1..=3).contains(&sa), "slow: {sa} in 60 s");
    }

    #[test]
    fn silent_partner_expires_then_defaults() {
        let (mut a, mut b) = (port(SYS_A, 1, true, true), port(SYS_B, 2, true, true));
        run(&mut a, &mut b, 20, false);
        assert_eq!(a.rx_state, RxState::Current);
        // the partner stops: short timeout 3 s -> EXPIRED, 3 s more -> DEFAULTED
        run(&mut a, &mut b, 31, true);
        assert_eq!(a.rx_state, RxState::Expired);
        assert!(a.actor.state & state::EXPIRED != 0);
        run(&mut a, &mut b, 30, true);
        assert_eq!(a.rx_state, RxState::Defaulted);
        assert!(a.actor.state & state::DEFAULTED != 0);
        assert_eq!(a.partner_oper, a.partner_admin);
    }

    #[test]
    fn passive_meets_active_but_two_passives_stay_quiet() {
        let (mut a, mut b) = (port(SYS_A, 1, false, true), port(SYS_B, 2, true, true));
        run(&mut a, &mut b, 30, false);
        assert_eq!(a.rx_state, RxState::Current);
        assert_eq!(b.rx_state, RxState::Current);
        let (mut a, mut b) = (port(SYS_A, 1, false, true), port(SYS_B, 2, false, true));
        let (sa, sb) = run(&mut a, &mut b, 100, false);
        assert_eq!((sa, sb), (0, 0));
        assert_eq!(a.periodic_state, PeriodicState::NoPeriodic);
    }

    #[test]
    fn half_duplex_disables_lacp() {
        // seed 000: a key without the duplex bit turns LACP off in INITIALIZE
        let mut a = port(SYS_A, 1, true, true);
        a.actor.key = 6;
        let mut b = port(SYS_B, 2, true, true);
        let (sa, _) = run(&mut a, &mut b, 50, false);
        assert_eq!(a.vars & vars::LACP_ENABLED, 0);
        assert_eq!(a.rx_state, RxState::LacpDisabled);
        assert_eq!(sa, 0);
    }

    #[test]
    fn a_port_looped_to_itself_is_reported() {
        let mut a = port(SYS_A, 1, true, true);
        let mut b = port(SYS_A, 2, true, true);
        run(&mut a, &mut b, 1, true);
        run(&mut a, &mut b, 2, true);
        let pdu = b.lacpdu();
        assert_eq!(a.rx_machine(Some(&pdu)), Some(RxEvent::IllegalLoopback));
    }

    #[test]
    fn no_more_than_three_lacpdus_a_second() {
        let mut a = port(SYS_A, 1, true, true);
        let mut sent = 0;
        for _ in 0..10 {
            a.ntt = true;
            if a.tx_machine().is_some() {
                sent += 1;
            }
        }
        assert!(sent <= 4, "{sent}");
        // a failed send is retried at the next tick
        let mut b = port(SYS_B, 2, true, true);
        b.vars &= !vars::BEGIN;
        b.ntt = true;
        assert!(b.tx_machine().is_some());
        b.tx_failed();
        assert!(b.tx_machine().is_some());
    }

    #[test]
    fn churn_is_detected_when_sync_never_comes() {
        let (mut a, mut b) = (port(SYS_A, 1, true, true), port(SYS_B, 2, true, true));
        // without the mux machine the actor never sets SYNCHRONIZATION: 60 s after the last
        // (re)start of monitoring (entering CURRENT, about 1 s in) that is churn
        run(&mut a, &mut b, 590, false);
        assert_eq!(a.churn_actor, ChurnState::Monitor);
        run(&mut a, &mut b, 30, false);
        assert_eq!(a.churn_actor, ChurnState::Churn);
        assert_eq!(a.churn_actor_count, 1);
        assert_eq!(ChurnState::Churn.desc(), "churned");
    }
}
