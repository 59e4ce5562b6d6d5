// SPDX-License-Identifier: GPL-2.0
//! 802.3ad per-port state machines, sans-IO (a port of bond_3ad.c, IEEE 802.1AX-2014 clause 6).
//!
//! Time is a tick of 100 ms (`AD_TIMER_INTERVAL`), given by the caller calling the machines once
//! per tick in the C driver's order (`bond_3ad_state_machine_handler()`): receive, periodic,
//! selection, mux, transmit, churn; then [`Port::end_tick`]. Received LACPDUs go to
//! [`Port::rx_machine`] as they arrive. Nothing here sends or logs: the transmit machine returns
//! the LACPDU to send, and the receive machine returns what the driver should report.
//!
//! The bond-level part (aggregators, port selection, aggregator selection, the mux machine and
//! the tick in the C order) works on a slice of [`Member`]s, one per slave in the bond's slave
//! order, each a port and the aggregator it owns (`struct ad_slave_info`); see [`AdBond::tick`].
//! What the C driver does to the slave (`__enable_port()`, `__disable_port()`, ...) is recorded
//! as the port's `backup` / `inactive` flags, which the driver copies to the slave.

use super::lacp::{speed_class, state, Lacpdu, PortInfo};

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

/// Mux machine states (`mux_states_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MuxState {
    /// not started
    Dummy = 0,
    /// DETACHED
    Detached = 1,
    /// WAITING
    Waiting = 2,
    /// ATTACHED
    Attached = 3,
    /// COLLECTING (coupled_control off)
    Collecting = 4,
    /// DISTRIBUTING (coupled_control off)
    Distributing = 5,
    /// COLLECTING_DISTRIBUTING
    CollectingDistributing = 6,
}

/// One port (slave) of an 802.3ad bond.
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
    /// Mux machine.
    pub mux_state: MuxState,
    mux_timer: u16,
    /// The aggregator the port is attached to: the [`Member::uid`] of its owner.
    pub agg: Option<u64>,
    /// When the port joined its aggregator (orders `lag_ports`: the latest is the head).
    joined: u64,
    /// Input: the slave's link is up for the bond (`slave->link == BOND_LINK_UP`).
    pub link_up: bool,
    /// Input: the slave device is running with carrier (`bond_slave_is_up()`).
    pub dev_up: bool,
    /// Input: the slave's speed in Mb/s.
    pub speed: u32,
    /// Input: the slave is full duplex.
    pub full_duplex: bool,
    /// Output: the slave does not distribute (`BOND_STATE_BACKUP`).
    pub backup: bool,
    /// Output: frames received on the slave are not the bond's (`slave->inactive`).
    pub inactive: bool,
    /// Output: collecting disabled (`slave->rx_disabled`).
    pub rx_disabled: bool,
    /// Ticks since the last LACPDU was received (saturating); for diagnostics.
    pub ticks_since_rx: u32,
    /// LACPDUs received.
    pub lacpdu_rx: u64,
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
            mux_state: MuxState::Dummy,
            mux_timer: 0,
            agg: None,
            joined: 0,
            link_up: false,
            dev_up: false,
            speed: 0,
            full_duplex: false,
            backup: false,
            inactive: false,
            rx_disabled: false,
            ticks_since_rx: u32::MAX,
            lacpdu_rx: 0,
        }
    }

    /// The port's speed class while its link is up (`__get_link_speed()`).
    pub fn speed_class(&self) -> u16 {
        speed_class(self.link_up, self.speed)
    }

    /// `ad_update_actor_keys()`: recompute the keys from speed and duplex (`reset`: link down,
    /// speed and duplex 0). Returns a message for the log when the speed became 0.
    pub fn update_actor_keys(&mut self, reset: bool) -> bool {
        const SPEED_MASK: u16 = 0x3e;
        let old = self.actor.key;
        self.actor_admin_key &= !(SPEED_MASK | DUPLEX_KEY_MASK);
        let (mut speed, mut ospeed, mut duplex) = (0, 0, 0);
        if !reset {
            speed = self.speed_class();
            ospeed = (old & SPEED_MASK) >> 1;
            duplex = u16::from(self.link_up && self.full_duplex);
            self.actor_admin_key |= (speed << 1) | duplex;
        }
        self.actor.key = self.actor_admin_key;
        let mut speed_zero = false;
        if old != self.actor.key {
            if duplex != 0 {
                self.vars |= vars::LACP_ENABLED;
            } else {
                self.vars &= !vars::LACP_ENABLED;
            }
            if !reset {
                if speed == 0 {
                    speed_zero = true;
                } else if duplex != 0 && ospeed != speed {
                    self.vars |= vars::BEGIN;
                }
            }
        }
        speed_zero
    }

    /// `__enable_port()`: collect and distribute, if the slave is up.
    fn enable(&mut self) {
        if self.link_up && self.dev_up {
            self.backup = false;
            self.inactive = false;
            self.rx_disabled = false;
        }
    }

    /// `__disable_port()` (`bond_set_slave_inactive_flags()`).
    pub fn disable(&mut self, all_slaves_active: bool) {
        self.backup = true;
        if !all_slaves_active {
            self.inactive = true;
        }
        self.rx_disabled = true;
    }

    /// `__enable_collecting_port()`
    fn enable_collecting(&mut self) {
        if self.link_up && self.dev_up {
            self.rx_disabled = false;
        }
    }

    /// `__port_move_to_attached_state()`
    fn move_to_attached(&mut self) -> bool {
        if self.vars & vars::SELECTED == 0
            || self.vars & vars::STANDBY != 0
            || self.partner_oper.state & state::SYNCHRONIZATION == 0
            || self.actor.state & state::SYNCHRONIZATION == 0
        {
            self.mux_state = MuxState::Attached;
        }
        self.mux_state == MuxState::Attached
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
            self.ticks_since_rx = 0;
            self.lacpdu_rx = self.lacpdu_rx.wrapping_add(1);
            if self.rx_state != RxState::Current {
                self.vars |= vars::CHURNED;
            }
            self.rx_timer = 0;
            self.rx_state = RxState::Current;
        } else if self.rx_timer != 0 && {
            self.rx_timer -= 1;
            self.rx_timer == 0
        } {
            // the timer expired
            match self.rx_state {
                RxState::Expired => self.rx_state = RxState::Defaulted,
                RxState::Current => self.rx_state = RxState::Expired,
                _ => {}
            }
        } else if self.rx_state == RxState::PortDisabled {
            // no timer expired (one may still run, as in C): a disabled port that is enabled again
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
                    // C's u32 counter wraps
                    self.churn_actor_count = self.churn_actor_count.wrapping_add(1);
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
                    self.churn_partner_count = self.churn_partner_count.wrapping_add(1);
                    self.churn_partner = ChurnState::Churn;
                }
            }
        }
    }

    /// End of a tick: BEGIN has been handled by every machine.
    pub fn end_tick(&mut self) {
        self.vars &= !vars::BEGIN;
        self.ticks_since_rx = self.ticks_since_rx.saturating_add(1);
    }
}

/// `ad_select` values (`BOND_AD_*`).
pub mod select {
    /// stable
    pub const STABLE: u64 = 0;
    /// bandwidth
    pub const BANDWIDTH: u64 = 1;
    /// count
    pub const COUNT: u64 = 2;
    /// actor_port_prio
    pub const PRIO: u64 = 3;
}

/// Ticks before the first aggregator selection of a bond (`AD_AGGREGATOR_SELECTION_TIMER`).
pub const AGG_SELECTION_TICKS: u16 = 8 * TICKS_PER_SEC;
const AGGREGATE_WAIT_TICKS: u16 = 2 * TICKS_PER_SEC;

/// An aggregator (`struct aggregator`); every port owns one.
#[derive(Debug, Clone, Default)]
pub struct Aggregator {
    /// `aggregator_identifier` (shown in /proc and sysfs).
    pub id: u16,
    /// `aggregator_mac_address`
    pub mac: [u8; 6],
    /// `is_individual`
    pub is_individual: bool,
    /// `actor_admin_aggregator_key`
    pub actor_admin_key: u16,
    /// `actor_oper_aggregator_key`
    pub actor_oper_key: u16,
    /// `partner_system`
    pub partner_system: [u8; 6],
    /// `partner_system_priority`
    pub partner_system_priority: u16,
    /// `partner_oper_aggregator_key`
    pub partner_oper_key: u16,
    /// `receive_state`
    pub receive_state: bool,
    /// `transmit_state`
    pub transmit_state: bool,
    /// `is_active`
    pub is_active: bool,
}

impl Aggregator {
    /// `ad_clear_agg()`: keeps identity (id, MAC).
    fn clear(&mut self) {
        *self = Aggregator { id: self.id, mac: self.mac, ..Aggregator::default() };
    }

    /// `__agg_has_partner()`
    pub fn has_partner(&self) -> bool {
        self.partner_system != [0; 6]
    }
}

/// A slave's 802.3ad state: its port and the aggregator it owns.
#[derive(Debug, Clone)]
pub struct Member {
    /// Identity within the bond, never reused (aggregators are referred to by it).
    pub uid: u64,
    /// The port.
    pub port: Port,
    /// The aggregator this slave owns.
    pub agg: Aggregator,
}

/// The options the machines read.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// `ad_select`
    pub ad_select: u64,
    /// `coupled_control`
    pub coupled_control: bool,
    /// `all_slaves_active`
    pub all_slaves_active: bool,
    /// `min_links`
    pub min_links: u32,
    /// `lacp_strict`: carrier counts collecting/distributing ports, not enabled ones.
    pub lacp_strict: bool,
}

/// What the machines ask of the driver (besides the ports' flags and LACPDUs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Effects {
    /// The usable-slaves array must be rebuilt.
    pub update_slave_arr: bool,
    /// An individual aggregator was chosen: "No 802.3ad response from the link partner for any
    /// adapters in the bond".
    pub no_partner: bool,
    /// A port of the active aggregator started collecting and distributing: with
    /// broadcast_neighbor, the peers are told (`ad_cond_set_peer_notif()`).
    pub peer_notif: bool,
    /// The port that carries the traffic alone because no LACP partner answers changed (see
    /// [`Fallback`]; rbond's `lacp_fallback` announces and logs it).
    pub fallback: Option<Fallback>,
}

/// A change of the port that carries the bond's traffic alone because the active aggregator has
/// no LACP partner: bonding's fallback with `lacp_strict` off (`ad_agg_selection_logic()` enables
/// the ports of a partnerless active aggregator). Members are indices into the slice the tick ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// Member `to` carries the traffic alone now; `from`: the member that did before, if any and
    /// still in the bond.
    To {
        /// The port that carries the traffic now.
        to: usize,
        /// The port that carried it before.
        from: Option<usize>,
    },
    /// No port carries the traffic alone any more.
    Left {
        /// The port that did, if still in the bond.
        from: Option<usize>,
        /// An aggregator with a LACP partner and a port that collects and distributes is active
        /// now (LACP answered);
        /// false: no port can carry traffic.
        aggregate: bool,
    },
}

/// The member whose port carries the traffic alone because the active aggregator has no partner
/// (its first enabled port; `None` while the active aggregator has a partner or no usable port).
pub fn fallback_port(ms: &[Member]) -> Option<usize> {
    let a = active_agg(ms)?;
    if ms[a].agg.has_partner() {
        return None;
    }
    lag_ports(ms, a).find(|&i| !ms[i].port.backup && ms[i].port.link_up && ms[i].port.dev_up)
}

/// What `AdBond::unbind()` did, for the caller to send and log as C does.
#[derive(Debug, Clone)]
pub struct Unbound {
    /// The LACPDU telling the partner the port no longer aggregates.
    pub goodbye: Lacpdu,
    /// How many times C logs "Removing an active aggregator" (an active aggregator lost its
    /// last port or moved).
    pub removed_active: u8,
    /// The aggregator's other ports found no free aggregator to move to: "unbinding aggregator,
    /// and could not find a new aggregator for its ports" (logged before the lines above).
    pub no_new_aggregator: bool,
}

/// The active aggregator's summary (`struct ad_info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggInfo {
    /// Aggregator ID
    pub id: u16,
    /// Enabled ports in it (`__agg_active_ports()`).
    pub ports: u16,
    /// Actor key
    pub actor_key: u16,
    /// Partner key
    pub partner_key: u16,
    /// Partner system MAC
    pub partner_mac: [u8; 6],
}

/// The bond-level 802.3ad state (`struct ad_bond_info`).
#[derive(Debug, Clone, Default)]
pub struct AdBond {
    /// `agg_select_timer`, in ticks.
    pub agg_select_timer: u16,
    /// Last aggregator ID given (`aggregator_identifier`).
    pub last_agg_id: u16,
    // 64 bits: neither wraps in practice (a bind or a join a nanosecond for 500 years), so a
    // uid is never reused and joins stay in order
    next_uid: u64,
    join_seq: u64,
    /// The uid of the member that carried the traffic alone at the end of the last tick.
    fallback_uid: Option<u64>,
}

fn find(ms: &[Member], uid: u64) -> Option<usize> {
    ms.iter().position(|m| m.uid == uid)
}

/// The ports attached to the aggregator of member `a`.
fn lag_ports(ms: &[Member], a: usize) -> impl Iterator<Item = usize> + '_ {
    let uid = ms[a].uid;
    ms.iter().enumerate().filter(move |(_, m)| m.port.agg == Some(uid)).map(|(i, _)| i)
}

fn has_ports(ms: &[Member], a: usize) -> bool {
    lag_ports(ms, a).next().is_some()
}

/// `__agg_active_ports()`
fn active_ports(ms: &[Member], a: usize) -> u16 {
    lag_ports(ms, a).filter(|&i| ms[i].port.is_enabled).count() as u16
}

/// `__agg_usable_ports()`
fn usable_ports(ms: &[Member], a: usize) -> u16 {
    let cd = state::COLLECTING | state::DISTRIBUTING;
    lag_ports(ms, a).filter(|&i| ms[i].port.actor.state & cd == cd).count() as u16
}

/// `__agg_ports_priority()`
fn ports_priority(ms: &[Member], a: usize) -> u32 {
    lag_ports(ms, a).filter(|&i| ms[i].port.is_enabled).map(|i| u32::from(ms[i].port.actor.port_priority)).sum()
}

/// Mb/s of a speed class.
pub fn class_mbps(class: u16) -> u32 {
    const MBPS: [u32; 20] = [
        0, 1, 10, 100, 1000, 2500, 5000, 10000, 14000, 20000, 25000, 40000, 50000, 56000, 80000, 100000, 200000,
        400000, 800000, 1600000,
    ];
    MBPS.get(usize::from(class)).copied().unwrap_or(0)
}

/// `__get_agg_bandwidth()`: enabled ports times the speed of the head port (the last joined).
fn bandwidth(ms: &[Member], a: usize) -> u32 {
    let n = u32::from(active_ports(ms, a));
    let head = lag_ports(ms, a).max_by_key(|&i| ms[i].port.joined);
    // C: `u32 bandwidth = nports * speed`, which wraps
    head.map_or(0, |h| n.wrapping_mul(class_mbps(ms[h].port.speed_class())))
}

/// `agg_device_up()`
fn device_up(ms: &[Member], a: usize) -> bool {
    lag_ports(ms, a).any(|i| ms[i].port.dev_up)
}

/// `__agg_ports_are_ready()` + `__set_agg_ports_ready()`
fn update_ready(ms: &mut [Member], agg: Option<u64>) {
    let Some(a) = agg.and_then(|u| find(ms, u)) else { return };
    let ready = lag_ports(ms, a).all(|i| ms[i].port.vars & vars::READY_N != 0);
    let uid = ms[a].uid;
    for m in ms.iter_mut().filter(|m| m.port.agg == Some(uid)) {
        if ready {
            m.port.vars |= vars::READY;
        } else {
            m.port.vars &= !vars::READY;
        }
    }
}

fn agg_is_active(ms: &[Member], agg: Option<u64>) -> bool {
    agg.and_then(|u| find(ms, u)).is_some_and(|a| ms[a].agg.is_active)
}

fn agg_has_partner(ms: &[Member], agg: Option<u64>) -> bool {
    agg.and_then(|u| find(ms, u)).is_some_and(|a| ms[a].agg.has_partner())
}

/// The member whose aggregator is active (`__get_active_agg()`).
pub fn active_agg(ms: &[Member]) -> Option<usize> {
    ms.iter().position(|m| m.agg.is_active)
}

/// `__bond_3ad_get_active_agg_info()`: the first slave's port whose aggregator is active.
pub fn active_agg_info(ms: &[Member]) -> Option<AggInfo> {
    let a = ms.iter().filter_map(|m| m.port.agg.and_then(|u| find(ms, u))).find(|&a| ms[a].agg.is_active)?;
    let g = &ms[a].agg;
    Some(AggInfo {
        id: g.id,
        ports: active_ports(ms, a),
        actor_key: g.actor_oper_key,
        partner_key: g.partner_oper_key,
        partner_mac: g.partner_system,
    })
}

/// `bond_3ad_set_carrier()`: whether the bond has carrier.
pub fn carrier(ms: &[Member], cfg: &Config) -> bool {
    let Some(a) = active_agg(ms) else { return false };
    let n = if cfg.lacp_strict { usable_ports(ms, a) } else { active_ports(ms, a) };
    u32::from(n) >= cfg.min_links
}

/// `ad_agg_selection_test()`
fn selection_test(ms: &[Member], best: Option<usize>, curr: usize, cfg: &Config) -> Option<usize> {
    let Some(b) = best else { return Some(curr) };
    let (c, bb) = (&ms[curr].agg, &ms[b].agg);
    if !c.is_individual && bb.is_individual {
        return Some(curr);
    }
    if c.is_individual && !bb.is_individual {
        return best;
    }
    if c.has_partner() && !bb.has_partner() {
        return Some(curr);
    }
    if !c.has_partner() && bb.has_partner() {
        return best;
    }
    let sel = cfg.ad_select;
    if sel == select::PRIO {
        let (pc, pb) = (ports_priority(ms, curr), ports_priority(ms, b));
        if pc != pb {
            return if pc > pb { Some(curr) } else { best };
        }
    }
    if sel == select::PRIO || sel == select::COUNT {
        let (nc, nb) = (active_ports(ms, curr), active_ports(ms, b));
        if nc != nb {
            return if nc > nb { Some(curr) } else { best };
        }
    }
    if bandwidth(ms, curr) > bandwidth(ms, b) {
        return Some(curr);
    }
    best
}

/// `ad_agg_selection_logic()`
fn agg_selection(ms: &mut [Member], cfg: &Config, out: &mut Effects) {
    let active = active_agg(ms);
    let mut best = active.filter(|&a| device_up(ms, a));
    for j in 0..ms.len() {
        ms[j].agg.is_active = false;
        if active_ports(ms, j) > 0 && device_up(ms, j) {
            best = selection_test(ms, best, j, cfg);
        }
    }
    if let (Some(b), Some(a)) = (best, active) {
        if cfg.ad_select == select::STABLE
            && has_ports(ms, a)
            && active_ports(ms, a) > 0
            && (ms[a].agg.has_partner() || !ms[b].agg.has_partner())
            && !(ms[a].agg.actor_oper_key == 0 && ms[b].agg.actor_oper_key != 0)
        {
            best = None;
            ms[a].agg.is_active = true;
        }
    }
    if best.is_some() && best == active {
        best = None;
        if let Some(a) = active {
            ms[a].agg.is_active = true;
        }
    }
    if let Some(b) = best {
        if ms[b].agg.is_individual {
            out.no_partner = true;
        }
        ms[b].agg.is_active = true;
        if let Some(a) = active {
            let uid = ms[a].uid;
            for m in ms.iter_mut().filter(|m| m.port.agg == Some(uid)) {
                m.port.disable(cfg.all_slaves_active);
            }
        }
        out.update_slave_arr = true;
    }
    if let Some(a) = active_agg(ms) {
        if !ms[a].agg.has_partner() {
            let uid = ms[a].uid;
            for m in ms.iter_mut().filter(|m| m.port.agg == Some(uid)) {
                m.port.enable();
            }
            out.update_slave_arr = true;
        }
    }
}

impl AdBond {
    /// `bond_3ad_initialize()` (when the bond opens): aggregator IDs count from 1 again and the
    /// first aggregator selection waits [`AGG_SELECTION_TICKS`].
    pub fn initialize(&mut self) {
        self.last_agg_id = 0;
        self.agg_select_timer = AGG_SELECTION_TICKS;
    }

    /// `bond_3ad_bind_slave()`: the member for a new slave. `port` comes from [`Port::new`] with
    /// the actor system, priority and number set; `mac` is the bond's address.
    pub fn bind(&mut self, mut port: Port, user_key: u16, mac: [u8; 6], all_slaves_active: bool) -> Member {
        port.actor_admin_key = user_key << 6;
        port.update_actor_keys(false);
        port.tx_timer = TICKS_PER_SEC / MAX_TX_IN_SECOND;
        port.disable(all_slaves_active);
        self.next_uid = self.next_uid.wrapping_add(1);
        self.last_agg_id = self.last_agg_id.wrapping_add(1);
        Member { uid: self.next_uid, port, agg: Aggregator { id: self.last_agg_id, mac, ..Aggregator::default() } }
    }

    /// `bond_3ad_unbind_slave()` for member `i`, before the caller removes it from the slice.
    /// Returns the LACPDU telling the partner the port no longer aggregates (to send on it) and
    /// what C logs.
    pub fn unbind(&mut self, ms: &mut [Member], i: usize, cfg: &Config) -> Unbound {
        let mut ignored = Effects::default();
        let p = &mut ms[i].port;
        p.actor.state &= !(state::SYNCHRONIZATION | state::COLLECTING | state::DISTRIBUTING | state::AGGREGATION);
        let mut log = Unbound { goodbye: p.lacpdu(), removed_active: 0, no_new_aggregator: false };
        let own = ms[i].uid;
        // ports of other slaves in this slave's aggregator move to a free aggregator
        let others = lag_ports(ms, i).any(|j| j != i);
        if others {
            let target = (0..ms.len()).find(|&j| {
                j != i && {
                    let mut ports = lag_ports(ms, j);
                    match ports.next() {
                        None => true,
                        Some(first) => first == i && ports.next().is_none(),
                    }
                }
            });
            if let Some(t) = target {
                let select_new = ms[t].agg.is_active && lag_ports(ms, t).any(|j| j == i);
                let (id, mac) = (ms[t].agg.id, ms[t].agg.mac);
                ms[t].agg = Aggregator { id, mac, ..ms[i].agg.clone() };
                let tuid = ms[t].uid;
                for m in ms.iter_mut().filter(|m| m.port.agg == Some(own)) {
                    m.port.agg = Some(tuid);
                }
                ms[i].agg.clear();
                if select_new {
                    log.removed_active += 1;
                    agg_selection(ms, cfg, &mut ignored);
                }
            } else {
                log.no_new_aggregator = true;
            }
        } else if has_ports(ms, i) {
            // the port is its aggregator's only one: ad_clear_agg() empties the aggregator's port
            // list, so the port is in no aggregator from here (the detach below finds nothing)
            let select_new = ms[i].agg.is_active;
            ms[i].agg.clear();
            ms[i].port.agg = None;
            if select_new {
                log.removed_active += 1;
                agg_selection(ms, cfg, &mut ignored);
            }
        }
        // detach the port from its aggregator
        if let Some(a) = ms[i].port.agg.and_then(|u| find(ms, u)) {
            ms[i].port.agg = None;
            if active_ports(ms, a) == 0 {
                let select_new = ms[a].agg.is_active;
                if !has_ports(ms, a) {
                    ms[a].agg.clear();
                }
                if select_new {
                    log.removed_active += 1;
                    agg_selection(ms, cfg, &mut ignored);
                }
            }
        }
        ms[i].agg.is_active = false;
        log
    }

    /// `bond_3ad_handle_link_change()`: the slave's link went up or down (the port's `link_up`,
    /// `dev_up`, `speed` and `full_duplex` already say so). The caller then rebuilds the
    /// usable-slaves array. Returns whether the speed became 0 (C logs it).
    pub fn link_change(&mut self, ms: &mut [Member], i: usize, up: bool, cfg: &Config) -> bool {
        ms[i].port.is_enabled = up;
        let zero = ms[i].port.update_actor_keys(!up);
        if !ms.is_empty() {
            agg_selection(ms, cfg, &mut Effects::default());
        }
        zero
    }

    /// `ad_port_selection_logic()` for member `i`.
    fn port_selection(&mut self, ms: &mut [Member], i: usize, cfg: &Config, out: &mut Effects) -> bool {
        if ms[i].port.vars & vars::SELECTED != 0 {
            return true;
        }
        // detach from the former aggregator
        if let Some(old) = ms[i].port.agg.take() {
            if let Some(a) = find(ms, old) {
                if !has_ports(ms, a) {
                    ms[a].agg.clear();
                }
            }
        }
        let p = &ms[i].port;
        let mut free = None;
        let mut found = None;
        for j in 0..ms.len() {
            if !has_ports(ms, j) {
                free.get_or_insert(j);
                continue;
            }
            let a = &ms[j].agg;
            if a.actor_oper_key == p.actor.key
                && a.partner_system == p.partner_oper.system
                && a.partner_system_priority == p.partner_oper.system_priority
                && a.partner_oper_key == p.partner_oper.key
                && a.has_partner()
                && !a.is_individual
            {
                found = Some(j);
                break;
            }
        }
        let a = match (found, free) {
            (Some(j), _) => j,
            (None, Some(f)) => {
                let p = &ms[i].port;
                let g = Aggregator {
                    id: ms[f].agg.id,
                    mac: ms[f].agg.mac,
                    is_individual: p.actor.key & DUPLEX_KEY_MASK == 0,
                    actor_admin_key: p.actor_admin_key,
                    actor_oper_key: p.actor.key,
                    partner_system: p.partner_oper.system,
                    partner_system_priority: p.partner_oper.system_priority,
                    partner_oper_key: p.partner_oper.key,
                    receive_state: true,
                    transmit_state: true,
                    is_active: ms[f].agg.is_active,
                };
                ms[f].agg = g;
                f
            }
            // "Port %d did not find a suitable aggregator"
            (None, None) => return false,
        };
        self.join_seq = self.join_seq.wrapping_add(1);
        let uid = ms[a].uid;
        let p = &mut ms[i].port;
        p.agg = Some(uid);
        p.joined = self.join_seq;
        p.vars |= vars::SELECTED;
        update_ready(ms, Some(uid));
        agg_selection(ms, cfg, out);
        if !ms[a].agg.is_active {
            ms[i].port.actor.state &= !state::SYNCHRONIZATION;
        }
        true
    }

    /// `ad_enable_collecting_distributing()`
    fn enable_collecting_distributing(ms: &mut [Member], i: usize, out: &mut Effects) {
        if agg_is_active(ms, ms[i].port.agg) {
            ms[i].port.enable();
            out.update_slave_arr = true;
            out.peer_notif = true;
        }
    }

    /// `ad_disable_collecting_distributing()`
    fn disable_collecting_distributing(ms: &mut [Member], i: usize, cfg: &Config, out: &mut Effects) {
        if agg_has_partner(ms, ms[i].port.agg) {
            ms[i].port.disable(cfg.all_slaves_active);
            out.update_slave_arr = true;
        }
    }

    /// The mux machine (`ad_mux_machine()`) for member `i`.
    fn mux_machine(&self, ms: &mut [Member], i: usize, cfg: &Config, out: &mut Effects) {
        let agg = ms[i].port.agg;
        let active = agg_is_active(ms, agg);
        let last = ms[i].port.mux_state;
        let timer_running = self.agg_select_timer != 0;
        if ms[i].port.vars & vars::BEGIN != 0 {
            ms[i].port.mux_state = MuxState::Detached;
        } else {
            let p = &mut ms[i].port;
            let selected = p.vars & vars::SELECTED != 0;
            let standby = p.vars & vars::STANDBY != 0;
            let partner_sync = p.partner_oper.state & state::SYNCHRONIZATION != 0;
            match p.mux_state {
                MuxState::Detached => {
                    if selected || standby {
                        p.mux_state = MuxState::Waiting;
                    }
                }
                MuxState::Waiting => {
                    if !selected {
                        p.vars &= !vars::READY_N;
                        p.mux_state = MuxState::Detached;
                        update_ready(ms, agg);
                    } else {
                        if p.mux_timer != 0 {
                            p.mux_timer -= 1;
                            if p.mux_timer == 0 {
                                p.vars |= vars::READY_N;
                            }
                        }
                        update_ready(ms, agg);
                        let p = &mut ms[i].port;
                        if p.vars & vars::READY != 0 && p.mux_timer == 0 {
                            p.mux_state = MuxState::Attached;
                        }
                    }
                }
                MuxState::Attached => {
                    if selected && partner_sync && !timer_running {
                        if active {
                            p.mux_state = if cfg.coupled_control {
                                MuxState::CollectingDistributing
                            } else {
                                MuxState::Collecting
                            };
                        }
                    } else if !selected || standby {
                        p.vars &= !vars::READY_N;
                        p.mux_state = MuxState::Detached;
                        update_ready(ms, agg);
                    } else if active {
                        p.actor.state |= state::SYNCHRONIZATION;
                    }
                }
                MuxState::CollectingDistributing => {
                    if !p.move_to_attached() && active && p.backup {
                        p.enable();
                        out.update_slave_arr = true;
                    }
                }
                MuxState::Collecting => {
                    if !p.move_to_attached() {
                        if selected && partner_sync && p.partner_oper.state & state::COLLECTING != 0 {
                            p.mux_state = MuxState::Distributing;
                        } else if active && p.rx_disabled {
                            // ad_enable_collecting()
                            p.enable_collecting();
                            out.update_slave_arr = true;
                        }
                    }
                }
                MuxState::Distributing => {
                    if !selected
                        || standby
                        || p.partner_oper.state & state::COLLECTING == 0
                        || !partner_sync
                        || p.actor.state & state::SYNCHRONIZATION == 0
                    {
                        p.mux_state = MuxState::Collecting;
                    } else if active && p.backup {
                        p.enable();
                        out.update_slave_arr = true;
                    }
                }
                MuxState::Dummy => {}
            }
        }
        let now = ms[i].port.mux_state;
        if now == last {
            return;
        }
        let sc = state::SYNCHRONIZATION | state::COLLECTING;
        match now {
            MuxState::Detached => {
                ms[i].port.actor.state &= !(sc | state::DISTRIBUTING);
                Self::disable_collecting_distributing(ms, i, cfg, out);
                ms[i].port.ntt = true;
            }
            MuxState::Waiting => ms[i].port.mux_timer = AGGREGATE_WAIT_TICKS,
            MuxState::Attached => {
                let p = &mut ms[i].port;
                if active {
                    p.actor.state |= state::SYNCHRONIZATION;
                } else {
                    p.actor.state &= !state::SYNCHRONIZATION;
                }
                p.actor.state &= !(state::COLLECTING | state::DISTRIBUTING);
                Self::disable_collecting_distributing(ms, i, cfg, out);
                ms[i].port.ntt = true;
            }
            MuxState::CollectingDistributing => {
                ms[i].port.actor.state |= sc | state::DISTRIBUTING;
                Self::enable_collecting_distributing(ms, i, out);
                ms[i].port.ntt = true;
            }
            MuxState::Collecting => {
                let p = &mut ms[i].port;
                p.actor.state |= sc;
                p.actor.state &= !state::DISTRIBUTING;
                if active {
                    p.enable_collecting();
                }
                // ad_disable_distributing()
                if agg_has_partner(ms, agg) {
                    ms[i].port.backup = true;
                    out.update_slave_arr = true;
                }
                ms[i].port.ntt = true;
            }
            MuxState::Distributing => {
                ms[i].port.actor.state |= state::DISTRIBUTING | state::SYNCHRONIZATION;
                Self::enable_collecting_distributing(ms, i, out);
            }
            MuxState::Dummy => {}
        }
    }

    /// One tick of 100 ms for the whole bond (`bond_3ad_state_machine_handler()`). LACPDUs
    /// received since the last tick must have been given to [`Port::rx_machine`] already. The
    /// LACPDUs to send are returned through `send(member index, pdu)`; the caller sends them (and
    /// calls [`Port::tx_failed`] on a failure).
    pub fn tick(&mut self, ms: &mut [Member], cfg: &Config, out: &mut Effects, mut send: impl FnMut(usize, &Lacpdu) -> bool) {
        if ms.is_empty() {
            return;
        }
        if self.agg_select_timer != 0 {
            self.agg_select_timer -= 1;
            if self.agg_select_timer == 0 {
                agg_selection(ms, cfg, out);
            }
        }
        for i in 0..ms.len() {
            ms[i].port.rx_machine(None);
            ms[i].port.periodic_machine();
            // a port without a suitable aggregator ("did not find a suitable aggregator") runs
            // the other machines all the same, as in C
            let _ = self.port_selection(ms, i, cfg, out);
            self.mux_machine(ms, i, cfg, out);
            if let Some(pdu) = ms[i].port.tx_machine() {
                if !send(i, &pdu) {
                    ms[i].port.tx_failed();
                }
            }
            ms[i].port.churn_machine();
            ms[i].port.end_tick();
        }
        out.fallback = self.fallback_change(ms);
    }

    /// What changed since the last tick in which port carries the traffic alone.
    fn fallback_change(&mut self, ms: &[Member]) -> Option<Fallback> {
        let now = fallback_port(ms);
        let now_uid = now.map(|i| ms[i].uid);
        if now_uid == self.fallback_uid {
            return None;
        }
        // (an aggregate carries traffic once a port collects and distributes: until then the
        // announcement would find no port to leave by)
        let aggregate = active_agg(ms).is_some_and(|a| ms[a].agg.has_partner() && usable_ports(ms, a) > 0);
        if now.is_none() && !aggregate && self.fallback_uid.is_some() && ms.iter().any(|m| m.port.link_up && m.port.dev_up) {
            // between two ports (the port that carried the traffic lost its link, a selection
            // will choose another) or on the way into an aggregate: not a change yet
            return None;
        }
        let from = self.fallback_uid.and_then(|u| find(ms, u));
        self.fallback_uid = now_uid;
        Some(match now {
            Some(to) => Fallback::To { to, from },
            None => Fallback::Left { from, aggregate },
        })
    }

    /// The bond opens: a port that carries the traffic alone at the first selection is a change
    /// (announced and logged again).
    pub fn forget_fallback(&mut self) {
        self.fallback_uid = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYS_A: [u8; 6] = [2, 0, 0, 0, 0, 0xa];
    const SYS_B: [u8; 6] = [2, 0, 0, 0, 0, 0xb];
    const SYS_C: [u8; 6] = [2, 0, 0, 0, 0, 0xc];

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

    // ---- bonds: aggregators, selection, mux ----

    const CFG: Config = Config { ad_select: select::STABLE, coupled_control: true, all_slaves_active: false, min_links: 0, lacp_strict: false };

    /// One side: a bond with N ports of 10G full duplex, all up.
    struct Side<const N: usize> {
        bond: AdBond,
        ms: [Member; N],
        cfg: Config,
    }

    fn side<const N: usize>(sys: [u8; 6], active: bool, fast: bool) -> Side<N> {
        let mut bond = AdBond::default();
        bond.initialize();
        let ms = core::array::from_fn(|i| {
            let mut p = Port::new(active, fast);
            p.actor.system = sys;
            p.actor.system_priority = 0xffff;
            p.actor.port_number = i as u16 + 1;
            p.link_up = true;
            p.dev_up = true;
            p.speed = 10000;
            p.full_duplex = true;
            bond.bind(p, 0, sys, false)
        });
        Side { bond, ms, cfg: CFG }
    }

    /// Wire port i of `a` to port i of `b` where `wired[i]`; run `ticks` ticks. Frames sent in a
    /// tick arrive before the next. `b_silent`: b sends nothing.
    fn run2<const N: usize>(a: &mut Side<N>, b: &mut Side<N>, wired: [bool; N], ticks: u32, b_silent: bool) -> Effects {
        let mut eff = Effects::default();
        for _ in 0..ticks {
            let mut to_b: [Option<Lacpdu>; N] = [None; N];
            let mut to_a: [Option<Lacpdu>; N] = [None; N];
            let cfg = a.cfg;
            a.bond.tick(&mut a.ms, &cfg, &mut eff, |i, pdu| {
                to_b[i] = Some(*pdu);
                true
            });
            let cfg = b.cfg;
            b.bond.tick(&mut b.ms, &cfg, &mut Effects::default(), |i, pdu| {
                to_a[i] = Some(*pdu);
                true
            });
            for i in 0..N {
                if !wired[i] {
                    continue;
                }
                if let Some(pdu) = &to_b[i] {
                    b.ms[i].port.rx_machine(Some(pdu));
                }
                if let Some(pdu) = &to_a[i] {
                    if !b_silent {
                        a.ms[i].port.rx_machine(Some(pdu));
                    }
                }
            }
        }
        eff
    }

    fn formed<const N: usize>(s: &Side<N>) -> bool {
        let agg = s.ms[0].port.agg;
        agg.is_some()
            && s.ms.iter().all(|m| m.port.agg == agg && m.port.actor.state == 63 && m.port.partner_oper.state == 63 && !m.port.backup)
    }

    #[test]
    fn two_bonds_form_one_aggregate_of_two_ports() {
        let (mut a, mut b) = (side::<2>(SYS_A, true, true), side::<2>(SYS_B, true, true));
        // nothing is distributed before the first aggregator selection (8 s)
        run2(&mut a, &mut b, [true; 2], 70, false);
        assert!(!formed(&a));
        assert!(a.ms.iter().all(|m| m.port.backup));
        let eff = run2(&mut a, &mut b, [true; 2], 60, false);
        assert!(formed(&a), "{:?}", a.ms[0].port);
        assert!(formed(&b));
        assert!(eff.update_slave_arr);
        assert!(!eff.no_partner);
        let info = active_agg_info(&a.ms).unwrap();
        assert_eq!(info.ports, 2);
        assert_eq!(info.partner_mac, SYS_B);
        assert_eq!(info.actor_key, 15);
        assert_eq!(info.partner_key, 15);
        assert_eq!(info.id, a.ms[0].agg.id);
        assert!(carrier(&a.ms, &a.cfg));
        assert_eq!(a.ms[0].port.mux_state, MuxState::CollectingDistributing);
    }

    #[test]
    fn a_port_that_goes_down_leaves_and_rejoins() {
        let (mut a, mut b) = (side::<2>(SYS_A, true, true), side::<2>(SYS_B, true, true));
        run2(&mut a, &mut b, [true; 2], 130, false);
        assert!(formed(&a));
        // port 1's link fails on both sides
        for s in [&mut a, &mut b] {
            s.ms[1].port.link_up = false;
            s.ms[1].port.dev_up = false;
            let cfg = s.cfg;
            s.bond.link_change(&mut s.ms, 1, false, &cfg);
        }
        run2(&mut a, &mut b, [true, false], 50, false);
        assert_eq!(active_agg_info(&a.ms).unwrap().ports, 1);
        assert_ne!(a.ms[1].port.actor.state & state::DISTRIBUTING, state::DISTRIBUTING);
        assert!(a.ms[1].port.backup);
        assert!(!a.ms[0].port.backup);
        assert!(carrier(&a.ms, &a.cfg));
        // and comes back
        for s in [&mut a, &mut b] {
            s.ms[1].port.link_up = true;
            s.ms[1].port.dev_up = true;
            let cfg = s.cfg;
            s.bond.link_change(&mut s.ms, 1, true, &cfg);
        }
        run2(&mut a, &mut b, [true; 2], 60, false);
        assert!(formed(&a), "{:?}", a.ms[1].port);
        assert_eq!(active_agg_info(&a.ms).unwrap().ports, 2);
    }

    /// Runs `ticks` ticks one by one and returns the fallback changes of `a` (up to 8) and how many.
    fn fallback_events<const N: usize>(a: &mut Side<N>, b: &mut Side<N>, wired: [bool; N], ticks: u32, b_silent: bool) -> ([Option<Fallback>; 8], usize) {
        let (mut out, mut n) = ([None; 8], 0);
        for _ in 0..ticks {
            if let Some(f) = run2(a, b, wired, 1, b_silent).fallback {
                if n < out.len() {
                    out[n] = Some(f);
                }
                n += 1;
            }
        }
        (out, n)
    }

    fn set_link<const N: usize>(s: &mut Side<N>, i: usize, up: bool) {
        s.ms[i].port.link_up = up;
        s.ms[i].port.dev_up = up;
        if !up {
            s.ms[i].port.disable(false);
        }
        let cfg = s.cfg;
        s.bond.link_change(&mut s.ms, i, up, &cfg);
    }

    #[test]
    fn the_port_that_carries_the_traffic_alone_is_reported_when_it_changes() {
        let (mut a, mut b) = (side::<2>(SYS_A, true, true), side::<2>(SYS_B, true, true));
        // a silent partner: after the selection one port carries the traffic alone, once
        let (ev, n) = fallback_events(&mut a, &mut b, [true; 2], 60, true);
        assert_eq!(n, 1, "{ev:?}");
        let Some(Fallback::To { to, from: None }) = ev[0] else { panic!("{ev:?}") };
        assert_eq!(fallback_port(&a.ms), Some(to));
        assert!(!a.ms[to].port.backup);
        assert!(a.ms[1 - to].port.backup);
        assert!(carrier(&a.ms, &a.cfg));
        // between two selections (no port of the active aggregator carries traffic, another
        // port is up): not a change
        a.ms[to].port.backup = true;
        assert_eq!(a.bond.fallback_change(&a.ms), None);
        a.ms[to].port.backup = false;
        assert_eq!(a.bond.fallback_change(&a.ms), None);
        // its link fails: the other port takes over
        set_link(&mut a, to, false);
        let (ev, n) = fallback_events(&mut a, &mut b, [true; 2], 20, true);
        assert_eq!((n, ev[0]), (1, Some(Fallback::To { to: 1 - to, from: Some(to) })));
        // the link returns: the port that carries the traffic stays (ad_select stable)
        set_link(&mut a, to, true);
        let (ev, n) = fallback_events(&mut a, &mut b, [true; 2], 40, true);
        assert_eq!(n, 0, "{ev:?}");
        // the partner starts LACP: the aggregate takes over (defaulted ports on both sides send
        // at the slow rate: within 30 s)
        let (ev, n) = fallback_events(&mut a, &mut b, [true; 2], 400, false);
        assert!(formed(&a));
        assert_eq!((n, ev[0]), (1, Some(Fallback::Left { from: Some(1 - to), aggregate: true })));
        assert_eq!(fallback_port(&a.ms), None);
        // the partner stops: after the LACPDUs expire one port carries the traffic alone again
        let (ev, n) = fallback_events(&mut a, &mut b, [true; 2], 80, true);
        assert_eq!(n, 1, "{ev:?}");
        assert!(matches!(ev[0], Some(Fallback::To { from: None, .. })), "{ev:?}");
        // every link down: nobody carries the traffic
        set_link(&mut a, 0, false);
        set_link(&mut a, 1, false);
        let (ev, n) = fallback_events(&mut a, &mut b, [true; 2], 10, true);
        assert_eq!(n, 1, "{ev:?}");
        assert!(matches!(ev[0], Some(Fallback::Left { aggregate: false, .. })), "{ev:?}");
        assert!(!carrier(&a.ms, &a.cfg));
    }

    #[test]
    fn a_port_enabled_again_leaves_port_disabled_while_its_timer_runs() {
        // slow rate: a 90 s current_while timer runs when the link fails; when the link is back
        // the port must not wait for that timer (C takes the "no timer expired" branch)
        let (mut a, mut b) = (side::<2>(SYS_A, true, false), side::<2>(SYS_B, true, false));
        run2(&mut a, &mut b, [true; 2], 130, false);
        assert!(formed_passive(&a));
        for up in [false, true] {
            for s in [&mut a, &mut b] {
                s.ms[1].port.link_up = up;
                s.ms[1].port.dev_up = up;
                let cfg = s.cfg;
                s.bond.link_change(&mut s.ms, 1, up, &cfg);
            }
            run2(&mut a, &mut b, [true, up], 30, false);
        }
        run2(&mut a, &mut b, [true; 2], 40, false);
        assert_eq!(a.ms[1].port.rx_state, RxState::Current);
        assert!(formed_passive(&a), "{:?}", a.ms[1].port);
    }

    #[test]
    fn a_silent_partner_leaves_the_ports_defaulted_and_individual() {
        let (mut a, mut b) = (side::<2>(SYS_A, true, true), side::<2>(SYS_B, true, true));
        run2(&mut a, &mut b, [true; 2], 130, false);
        assert!(formed(&a));
        run2(&mut a, &mut b, [true; 2], 80, true);
        for m in &a.ms {
            assert_eq!(m.port.rx_state, RxState::Defaulted);
            assert!(m.port.actor.state & state::DEFAULTED != 0);
            assert_eq!(m.port.partner_oper.system, [0; 6]);
        }
        // the aggregate of the partner is gone: the active aggregator has no partner
        let info = active_agg_info(&a.ms).unwrap();
        assert_eq!(info.partner_mac, [0; 6]);
        assert!(a.ms[0].port.ticks_since_rx >= 80);
    }

    #[test]
    fn a_half_duplex_port_is_individual() {
        // seed 000: a USB adapter reporting half duplex
        let (mut a, mut b) = (side::<2>(SYS_A, true, true), side::<2>(SYS_B, true, true));
        a.ms[1].port.full_duplex = false;
        a.ms[1].port.update_actor_keys(false);
        assert_eq!(a.ms[1].port.actor.key & DUPLEX_KEY_MASK, 0);
        run2(&mut a, &mut b, [true; 2], 150, false);
        assert_eq!(a.ms[1].port.rx_state, RxState::LacpDisabled);
        assert_ne!(a.ms[0].port.agg, a.ms[1].port.agg);
        let g = &a.ms[find(&a.ms, a.ms[1].port.agg.unwrap()).unwrap()].agg;
        assert!(g.is_individual);
        // the full duplex port aggregates with the partner
        let info = active_agg_info(&a.ms).unwrap();
        assert_eq!(info.ports, 1);
        assert_eq!(info.partner_mac, SYS_B);
        assert!(a.ms[1].port.backup);
    }

    #[test]
    fn ports_to_two_partners_make_two_aggregators_and_count_picks_the_bigger() {
        // a's ports 0 and 1 go to system B, port 2 to system C
        let mut a = side::<3>(SYS_A, true, true);
        a.cfg.ad_select = select::COUNT;
        let mut b = side::<3>(SYS_B, true, true);
        let mut c = side::<3>(SYS_C, true, true);
        for _ in 0..150 {
            let mut out: [Option<Lacpdu>; 3] = [None; 3];
            let cfg = a.cfg;
            a.bond.tick(&mut a.ms, &cfg, &mut Effects::default(), |i, p| {
                out[i] = Some(*p);
                true
            });
            let mut from_b: [Option<Lacpdu>; 3] = [None; 3];
            let cfg = b.cfg;
            b.bond.tick(&mut b.ms, &cfg, &mut Effects::default(), |i, p| {
                from_b[i] = Some(*p);
                true
            });
            let mut from_c: [Option<Lacpdu>; 3] = [None; 3];
            let cfg = c.cfg;
            c.bond.tick(&mut c.ms, &cfg, &mut Effects::default(), |i, p| {
                from_c[i] = Some(*p);
                true
            });
            for i in 0..2 {
                if let Some(p) = &out[i] {
                    b.ms[i].port.rx_machine(Some(p));
                }
                if let Some(p) = &from_b[i] {
                    a.ms[i].port.rx_machine(Some(p));
                }
            }
            if let Some(p) = &out[2] {
                c.ms[2].port.rx_machine(Some(p));
            }
            if let Some(p) = &from_c[2] {
                a.ms[2].port.rx_machine(Some(p));
            }
        }
        assert_eq!(a.ms[0].port.agg, a.ms[1].port.agg);
        assert_ne!(a.ms[0].port.agg, a.ms[2].port.agg);
        let info = active_agg_info(&a.ms).unwrap();
        assert_eq!((info.ports, info.partner_mac), (2, SYS_B));
        assert!(!a.ms[0].port.backup && !a.ms[1].port.backup);
        assert!(a.ms[2].port.backup);
        assert_eq!(a.ms[2].port.actor.state & state::SYNCHRONIZATION, 0);
    }

    #[test]
    fn min_links_holds_the_carrier_down() {
        let (mut a, mut b) = (side::<2>(SYS_A, true, true), side::<2>(SYS_B, true, true));
        a.cfg.min_links = 2;
        run2(&mut a, &mut b, [true; 2], 130, false);
        assert!(carrier(&a.ms, &a.cfg));
        a.ms[1].port.link_up = false;
        a.ms[1].port.dev_up = false;
        let cfg = a.cfg;
        a.bond.link_change(&mut a.ms, 1, false, &cfg);
        assert!(!carrier(&a.ms, &a.cfg));
        // lacp_strict counts collecting/distributing ports
        a.cfg.min_links = 1;
        a.cfg.lacp_strict = true;
        assert!(carrier(&a.ms, &a.cfg));
    }

    #[test]
    fn two_passive_bonds_never_aggregate_with_a_partner() {
        let (mut a, mut b) = (side::<2>(SYS_A, false, true), side::<2>(SYS_B, false, true));
        run2(&mut a, &mut b, [true; 2], 150, false);
        let info = active_agg_info(&a.ms).unwrap();
        assert_eq!(info.partner_mac, [0; 6]);
        // one passive side is enough when the other is active
        let (mut a, mut b) = (side::<2>(SYS_A, false, true), side::<2>(SYS_B, true, true));
        run2(&mut a, &mut b, [true; 2], 150, false);
        assert!(formed_passive(&a));
    }

    fn formed_passive<const N: usize>(s: &Side<N>) -> bool {
        let agg = s.ms[0].port.agg;
        s.ms.iter().all(|m| m.port.agg == agg && m.port.actor.state & 0x3c == 0x3c && !m.port.backup)
    }

    #[test]
    fn a_speed_change_gives_a_new_key_and_restarts_the_port() {
        let (mut a, mut b) = (side::<2>(SYS_A, true, true), side::<2>(SYS_B, true, true));
        run2(&mut a, &mut b, [true; 2], 130, false);
        assert!(formed(&a));
        a.ms[1].port.speed = 1000;
        assert!(!a.ms[1].port.update_actor_keys(false));
        assert_eq!(a.ms[1].port.actor.key, 9);
        assert!(a.ms[1].port.vars & vars::BEGIN != 0);
        run2(&mut a, &mut b, [true; 2], 60, false);
        // its key no longer matches the aggregator's: it sits in an aggregator of its own
        assert_ne!(a.ms[0].port.agg, a.ms[1].port.agg);
        assert_eq!(active_agg_info(&a.ms).unwrap().ports, 1);
        assert!(a.ms[1].port.backup);
    }

    #[test]
    fn uncoupled_control_collects_then_distributes() {
        let (mut a, mut b) = (side::<2>(SYS_A, true, true), side::<2>(SYS_B, true, true));
        a.cfg.coupled_control = false;
        b.cfg.coupled_control = false;
        run2(&mut a, &mut b, [true; 2], 150, false);
        assert!(formed(&a));
        assert_eq!(a.ms[0].port.mux_state, MuxState::Distributing);
    }

    #[test]
    fn releasing_the_last_port_of_the_active_aggregator_is_logged() {
        let (mut a, mut b) = (side::<1>(SYS_A, true, true), side::<1>(SYS_B, true, true));
        run2(&mut a, &mut b, [true; 1], 130, false);
        assert!(a.ms[0].agg.is_active);
        let cfg = a.cfg;
        let un = a.bond.unbind(&mut a.ms, 0, &cfg);
        // bond_3ad_unbind_slave(): "Removing an active aggregator", once
        assert_eq!((un.removed_active, un.no_new_aggregator), (1, false));
        assert!(!a.ms[0].agg.is_active);
    }

    #[test]
    fn releasing_a_slave_moves_its_aggregator_to_the_others() {
        let (mut a, mut b) = (side::<3>(SYS_A, true, true), side::<3>(SYS_B, true, true));
        run2(&mut a, &mut b, [true; 3], 130, false);
        assert!(formed(&a));
        let owner = a.ms[0].port.agg.and_then(|u| find(&a.ms, u)).unwrap();
        let cfg = a.cfg;
        let un = a.bond.unbind(&mut a.ms, owner, &cfg);
        let bye = un.goodbye;
        // the aggregator moved to another slave's, with its active ports: C logs nothing
        assert_eq!((un.removed_active, un.no_new_aggregator), (0, false));
        assert_eq!(bye.actor.state & (state::SYNCHRONIZATION | state::AGGREGATION), 0);
        // the others are in one active aggregator owned by someone else
        let rest: [usize; 2] = match owner {
            0 => [1, 2],
            1 => [0, 2],
            _ => [0, 1],
        };
        let agg = a.ms[rest[0]].port.agg;
        assert_eq!(agg, a.ms[rest[1]].port.agg);
        let g = find(&a.ms, agg.unwrap()).unwrap();
        assert_ne!(g, owner);
        assert!(a.ms[g].agg.is_active);
        assert_eq!(a.ms[g].agg.partner_system, SYS_B);
        assert!(!a.ms[owner].agg.is_active);
        assert_eq!(a.ms[owner].port.agg, None);
    }

    #[test]
    fn bandwidth_and_prio_selection() {
        let mut ms = side::<3>(SYS_A, true, true).ms;
        for (i, m) in ms.iter_mut().enumerate() {
            m.agg.partner_system = SYS_B;
            m.agg.actor_oper_key = 15;
            m.port.is_enabled = true;
            m.port.agg = Some(m.uid);
            m.port.actor.port_priority = [10, 20, 30][i];
        }
        ms[2].port.speed = 100000;
        let mut cfg = CFG;
        cfg.ad_select = select::BANDWIDTH;
        assert_eq!(selection_test(&ms, Some(0), 2, &cfg), Some(2));
        assert_eq!(selection_test(&ms, Some(0), 1, &cfg), Some(0));
        cfg.ad_select = select::PRIO;
        assert_eq!(selection_test(&ms, Some(0), 1, &cfg), Some(1));
        assert_eq!(class_mbps(7), 10000);
    }
}
