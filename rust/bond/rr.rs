// SPDX-License-Identifier: GPL-2.0
//! balance-rr: frames go to the slaves in turn, `packets_per_slave` frames each (0: a random
//! slave per frame), counted per CPU as `bond_rr_gen_slave_id()`; IGMP goes through the current
//! slave, so that the memberships are reported on one path (`bond_xmit_roundrobin_slave_get()`).

use super::{Bond, Slave, TxState};
use crate::sys::netdev::{NetDevice, Skb, TxStatus};
use crate::sys::percpu::random_u32;
use crate::sys::rcu::RcuRead;
use kernel::sync::Arc;

/// `bond_rr_gen_slave_id()`
fn gen_slave_id(b: &Bond, packets_per_slave: u16) -> u32 {
    match packets_per_slave {
        0 => random_u32(),
        1 => b.rr_tx.inc_return(),
        // C divides by a reciprocal_value: the same quotient
        n => b.rr_tx.inc_return() / u32::from(n),
    }
}

/// `bond_get_slave_by_id()`: the first slave that can transmit from position `id` on, then from
/// the first one up to `id`.
fn slave_by_id(t: &TxState, id: usize) -> Option<&Arc<Slave>> {
    let (from, before) = (t.all.get(id..)?, &t.all[..id]);
    from.iter().chain(before.iter()).find(|s| s.can_tx())
}

/// `bond_xmit_roundrobin_slave_get()` (and its XDP twin): the slave for the next frame, an IGMP
/// one (`igmp`) on the current slave.
pub(super) fn pick<'a>(b: &Bond, t: &'a TxState, igmp: bool) -> Option<&'a Arc<Slave>> {
    if igmp {
        t.active.as_ref().or_else(|| slave_by_id(t, 0))
    } else {
        let n = u32::try_from(t.all.len()).unwrap_or(u32::MAX);
        match gen_slave_id(b, t.params.packets_per_slave).checked_rem(n) {
            Some(id) => slave_by_id(t, id as usize),
            None => None,
        }
    }
}

/// `bond_xmit_roundrobin()`
pub(super) fn xmit(b: &Bond, t: &TxState, dev: &NetDevice, skb: Skb, _rcu: &RcuRead) -> TxStatus {
    match pick(b, t, skb.is_igmp()) {
        Some(s) => s.xmit(skb, dev),
        None => skb.drop_tx(dev),
    }
}
