// SPDX-License-Identifier: GPL-2.0
//! balance-xor: the transmit hash policy chooses the slave among those that can transmit
//! (`bond_xmit_xor()`, `bond_xmit_3ad_xor_slave_get()`); 802.3ad transmits the same way over the
//! ports of its active aggregator (the usable-slaves array holds only those), and balance-tlb and
//! balance-alb hash with it.

use super::TxState;
use crate::logic::hash::{encap_hash, slave_index, xmit_hash};
use crate::logic::options::xmit_policy;
use crate::logic::hash::Frame;
use crate::sys::netdev::{NetDevice, Skb, SkbBytes, TxStatus};
use crate::sys::rcu::RcuRead;

/// Transmit by the hash of the frame's headers.
pub(super) fn xmit(t: &TxState, dev: &NetDevice, skb: Skb, _rcu: &RcuRead) -> TxStatus {
    match hash_of(t, dev, &skb).and_then(|h| slave_index(h, t.usable.len())).map(|i| &t.usable[i]) {
        Some(s) if s.can_tx() => s.xmit(skb, dev),
        _ => skb.drop_tx(dev),
    }
}

/// `bond_xmit_hash()`: the hash of the frame's headers by the bond's policy (`None` when the
/// policy cannot hash it). The headers are read wherever they are: linear, or in the skb's
/// fragments (C pulls or copies them), into this stack frame; nothing allocated.
pub(super) fn hash_of(t: &TxState, dev: &NetDevice, skb: &Skb) -> Option<u32> {
    hash_frame(t, dev, skb, &skb.bytes().frame())
}

/// [`hash_of`] for headers already read (`frame`, of `skb`).
pub(super) fn hash_frame(t: &TxState, dev: &NetDevice, skb: &Skb, frame: &Frame<'_, SkbBytes<'_>>) -> Option<u32> {
    match t.policy {
        xmit_policy::ENCAP23 | xmit_policy::ENCAP34 => match skb.l4_hash() {
            Some(h) if t.policy == xmit_policy::ENCAP34 => Some(h),
            _ => encap_hash(t.policy, frame.data, skb.dissect(dev)).ok(),
        },
        _ => xmit_hash(t.policy, frame).ok(),
    }
}
