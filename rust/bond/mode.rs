// SPDX-License-Identifier: GPL-2.0
//! The bonding modes rbond runs, as an enum matched exhaustively: a mode added here is a compile
//! error everywhere its behaviour must be decided, never a silent fall into another mode's arm.
//!
//! Each mode's own behaviour lives in its module: `rr` (balance-rr), `ab` (active-backup: the
//! active slave, failover, fail_over_mac), `xor` (balance-xor, and the transmit hash 802.3ad
//! shares), `broadcast`, `ad` (802.3ad), `alb` (balance-tlb and balance-alb). The option tables
//! (`logic::options`) keep C's numbers.

use crate::logic::options::mode;

/// A mode rbond runs (`BOND_MODE_*`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// balance-rr (0)
    RoundRobin,
    /// active-backup (1)
    ActiveBackup,
    /// balance-xor (2)
    Xor,
    /// broadcast (3)
    Broadcast,
    /// 802.3ad (4)
    Ieee8023ad,
    /// balance-tlb (5)
    Tlb,
    /// balance-alb (6)
    Alb,
}

/// The mode numbers rbond runs, for messages that list them.
pub(crate) const MODES: &[u64] = &[mode::ROUNDROBIN, mode::ACTIVEBACKUP, mode::XOR, mode::BROADCAST, mode::IEEE8023AD, mode::TLB, mode::ALB];

impl Mode {
    /// C's number of the mode (netlink, sysfs, /proc).
    pub(crate) const fn value(self) -> u64 {
        match self {
            Mode::RoundRobin => mode::ROUNDROBIN,
            Mode::ActiveBackup => mode::ACTIVEBACKUP,
            Mode::Xor => mode::XOR,
            Mode::Broadcast => mode::BROADCAST,
            Mode::Ieee8023ad => mode::IEEE8023AD,
            Mode::Tlb => mode::TLB,
            Mode::Alb => mode::ALB,
        }
    }

    /// The mode of C's number `v`; `None` for a mode rbond does not run (or no mode).
    pub(crate) const fn from_value(v: u64) -> Option<Mode> {
        Some(match v {
            mode::ROUNDROBIN => Mode::RoundRobin,
            mode::ACTIVEBACKUP => Mode::ActiveBackup,
            mode::XOR => Mode::Xor,
            mode::BROADCAST => Mode::Broadcast,
            mode::IEEE8023AD => Mode::Ieee8023ad,
            mode::TLB => Mode::Tlb,
            mode::ALB => Mode::Alb,
            _ => return None,
        })
    }

    /// What other kernel code (switch and NIC LAG offload) learns of the bond when a slave is
    /// linked below it (`bond_lag_tx_type()`, `bond_lag_hash_type()`): the `netdev_lag_tx_type`
    /// and `netdev_lag_hash` numbers of the mode and transmit hash policy `policy`.
    pub(crate) const fn lag_info(self, policy: u64) -> (u32, u32) {
        use crate::logic::options::xmit_policy as xp;
        const HASH: u32 = 5;
        let tx = match self {
            Mode::RoundRobin => 3,
            Mode::ActiveBackup => 4,
            Mode::Broadcast => 2,
            Mode::Xor | Mode::Ieee8023ad => HASH,
            Mode::Tlb | Mode::Alb => 0,
        };
        let hash = if tx != HASH {
            0
        } else {
            match policy {
                xp::LAYER2 => 1,
                xp::LAYER34 => 2,
                xp::LAYER23 => 3,
                xp::ENCAP23 => 4,
                xp::ENCAP34 => 5,
                xp::VLAN_SRCMAC => 6,
                _ => 7,
            }
        };
        (tx, hash)
    }

    /// One active slave and a primary (`bond_uses_primary()`: active-backup, tlb, alb).
    pub(crate) const fn uses_primary(self) -> bool {
        match self {
            Mode::ActiveBackup | Mode::Tlb | Mode::Alb => true,
            Mode::RoundRobin | Mode::Xor | Mode::Broadcast | Mode::Ieee8023ad => false,
        }
    }

    /// The link monitor wants a slave's speed and duplex (`bond_needs_speed_duplex()`: 802.3ad,
    /// tlb, alb).
    pub(crate) const fn needs_speed_duplex(self) -> bool {
        match self {
            Mode::Ieee8023ad | Mode::Tlb | Mode::Alb => true,
            Mode::RoundRobin | Mode::ActiveBackup | Mode::Xor | Mode::Broadcast => false,
        }
    }

    /// A new slave starts as a backup (active-backup: until chosen; 802.3ad: until its
    /// aggregator is selected); in the other modes every slave is active (`bond_enslave()`;
    /// tlb and alb: active but receiving only what is sent to it until it is the current slave,
    /// see `alb`).
    pub(crate) const fn slaves_start_backup(self) -> bool {
        match self {
            Mode::ActiveBackup | Mode::Ieee8023ad => true,
            Mode::RoundRobin | Mode::Xor | Mode::Broadcast | Mode::Tlb | Mode::Alb => false,
        }
    }

    /// The ARP monitor can run in this mode (`bond_mode_uses_arp()`: all but 802.3ad, tlb and
    /// alb, which get the MII monitor when they are chosen without one).
    pub(crate) const fn uses_arp(self) -> bool {
        match self {
            Mode::RoundRobin | Mode::ActiveBackup | Mode::Xor | Mode::Broadcast => true,
            Mode::Ieee8023ad | Mode::Tlb | Mode::Alb => false,
        }
    }

    /// The transmit hash policy can choose the slave (`bond_mode_can_use_xmit_hash()`: xor,
    /// 802.3ad; tlb, into its table or with tlb_dynamic_lb 0 directly; alb with tlb_dynamic_lb 0).
    pub(crate) const fn uses_xmit_hash(self) -> bool {
        match self {
            Mode::Xor | Mode::Ieee8023ad | Mode::Tlb | Mode::Alb => true,
            Mode::RoundRobin | Mode::ActiveBackup | Mode::Broadcast => false,
        }
    }

    /// balance-tlb or balance-alb (`bond_is_lb()`).
    pub(crate) const fn is_lb(self) -> bool {
        match self {
            Mode::Tlb | Mode::Alb => true,
            Mode::RoundRobin | Mode::ActiveBackup | Mode::Xor | Mode::Broadcast | Mode::Ieee8023ad => false,
        }
    }
}
