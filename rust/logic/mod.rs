// SPDX-License-Identifier: GPL-2.0
// The module tree of rbond's logic tier, shared by the host crate (lib.rs) and rbond.ko (rbond.rs).
// Rules: no kernel types, no `unsafe`, no allocation, no clock; time is an argument.

/// The ARP/NS monitor's decisions, target lists and ARP parsing.
pub mod arpmon;
/// Transmit hash policies of the C bonding driver, over packet bytes.
pub mod hash;
/// 802.3ad state machines (receive, periodic, selection, mux, transmit, churn) and aggregators, sans-IO.
pub mod ad;
/// 802.3ad wire formats (LACPDU, marker PDU) and port keys.
pub mod lacp;
/// The lock-free mailbox of received LACPDUs between the receive path and the 802.3ad tick.
pub mod mailbox;
/// The MII link monitor's state machine.
pub mod mii;
/// Netlink attribute numbers and names of the bonding ABI.
pub mod netlink;
/// Option value tables (names and numbers as in the C driver) and their parser.
pub mod options;
/// The text of /proc/net/bonding/<bond>.
pub mod procfs;
/// Choice of the active slave in active-backup mode.
pub mod select;
/// The bond's counters folded from its slaves' (`bond_fold_stats()`).
pub mod stats;
/// balance-tlb's transmit table (which slave sends to which client), lock-free.
pub mod tlb;
/// balance-alb's receive load balancing: the client table (which slave each peer is taught).
pub mod rlb;
