// SPDX-License-Identifier: GPL-2.0
//! broadcast: every frame goes out on every slave whose link is up (`bond_xmit_broadcast()`):
//! a clone to each but the last, which takes the frame itself.
//!
//! The clones are the kernel's `skb_clone()` (a new head sharing the data), the one allocation of
//! this mode's transmit path, as in C: there is no other way to send one frame on several devices.

use super::{Slave, TxState};
use kernel::sync::Arc;
use crate::sys::netdev::{NetDevice, Skb, TxStatus};
use crate::sys::rcu::RcuRead;
use kernel::prelude::*;

/// `bond_xmit_broadcast(.., all_slaves = true)`
pub(super) fn xmit(t: &TxState, dev: &NetDevice, skb: Skb, _rcu: &RcuRead) -> TxStatus {
    send_to_all(&t.all, dev, skb)
}

/// `bond_xmit_broadcast(.., all_slaves = false)`: 802.3ad with broadcast_neighbor sends ARP and
/// neighbour discovery frames on every usable port (the active aggregator's).
pub(super) fn xmit_usable(t: &TxState, dev: &NetDevice, skb: Skb, _rcu: &RcuRead) -> TxStatus {
    send_to_all(&t.usable, dev, skb)
}

/// `NETDEV_TX_OK` if a slave took the frame, else `NET_XMIT_DROP` (counted in the bond's
/// `tx_dropped`), as bonding.
fn send_to_all(slaves: &[Arc<Slave>], dev: &NetDevice, skb: Skb) -> TxStatus {
    // the slaves it goes to: up, with an up link (C does not ask whether they are active)
    let mut up = slaves.iter().filter(|s| s.up_for_broadcast());
    let Some(mut cur) = up.next() else { return skb.drop_tx(dev) };
    let mut sent = false;
    for next in up {
        match skb.clone_atomic() {
            Some(c) => sent |= cur.xmit(c, dev).is_ok(),
            None => {
                if crate::sys::net_ratelimit() {
                    let mut nb = [0u8; 16];
                    pr_err!("{}: Error: bond_xmit_broadcast: skb_clone() failed\n", &*dev.name_copy(&mut nb));
                }
            }
        }
        cur = next;
    }
    sent |= cur.xmit(skb, dev).is_ok();
    if sent {
        TxStatus::OK
    } else {
        dev.count_tx_dropped()
    }
}
