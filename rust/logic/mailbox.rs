// SPDX-License-Identifier: GPL-2.0
//! The mailbox of received Slow Protocols PDUs (LACPDUs and markers) between a slave's receive
//! path and the 802.3ad tick: lock-free, no allocation, no waiting on either side.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::{Acquire, Relaxed, Release}};

/// Bytes of a PDU as kept here (a LACPDU or marker after the Ethernet header).
pub const PDU_BYTES: usize = 110;
const WORDS: usize = PDU_BYTES.div_ceil(8);

/// The received Slow Protocols PDUs on their way from the receive path to the 802.3ad tick: a
/// bounded FIFO of a few lock-free slots (a [`WordBox`] of four), so that a marker and the
/// partner's LACPDUs that arrive within one tick are all processed, in the order they arrived,
/// as bonding processes each. A PDU that finds all slots taken (more than four in a tick) is
/// dropped, as a lost frame would be.
pub struct PduBox(WordBox<WORDS, 4>);

impl Default for PduBox {
    fn default() -> Self {
        Self::new()
    }
}

impl PduBox {
    /// An empty mailbox.
    pub fn new() -> Self {
        PduBox(WordBox::new())
    }

    /// Stores `pdu` after the ones already waiting (receive path: no lock, no allocation, no
    /// waiting); false if the mailbox is full.
    pub fn put(&self, pdu: &[u8; PDU_BYTES]) -> bool {
        let mut w = [0u64; WORDS];
        for (w, chunk) in w.iter_mut().zip(pdu.chunks(8)) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            *w = u64::from_ne_bytes(b);
        }
        self.0.put(&w)
    }

    /// Takes the oldest PDU, if one is waiting (and completely written).
    pub fn take(&self, out: &mut [u8; PDU_BYTES]) -> bool {
        let mut w = [0u64; WORDS];
        if !self.0.take(&mut w) {
            return false;
        }
        for (w, chunk) in w.iter().zip(out.chunks_mut(8)) {
            let b = w.to_ne_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        true
    }
}

/// A bounded FIFO of `S` records of `W` words between producers that must not wait (receive and
/// transmit paths, on any CPU) and one consumer (a tick): lock-free, no allocation.
///
/// A ring with a sequence number per slot (D. Vyukov's bounded queue): `head` is the position
/// the next record goes to, `tail` the next one to take; a slot's `seq` says whether it is free
/// for position `pos` (`seq == pos`), holds the record of `pos` (`seq == pos + 1`), or is still
/// a lap behind. Producers claim positions with a compare-exchange and never wait; the consumer
/// takes records in position order and stops at one still being written (it is taken next time,
/// before any later one). A record that finds all slots taken is refused. Positions wrap
/// (wrapping arithmetic, u32); `S` is a power of two, so that they wrap onto the same slot.
pub struct WordBox<const W: usize, const S: usize> {
    head: AtomicU32,
    tail: AtomicU32,
    slots: [Slot<W>; S],
}

impl<const W: usize, const S: usize> Default for WordBox<W, S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize, const S: usize> WordBox<W, S> {
    /// An empty mailbox.
    pub fn new() -> Self {
        const { assert!(S.is_power_of_two() && S <= 1 << 16) };
        WordBox { head: AtomicU32::new(0), tail: AtomicU32::new(0), slots: core::array::from_fn(|i| Slot::new(i as u32)) }
    }

    fn slot(&self, pos: u32) -> &Slot<W> {
        &self.slots[pos as usize % S]
    }

    /// Stores `rec` after the ones already waiting (no lock, no allocation, no waiting); false
    /// if the mailbox is full.
    pub fn put(&self, rec: &[u64; W]) -> bool {
        let mut pos = self.head.load(Relaxed);
        loop {
            let slot = self.slot(pos);
            // how far the slot is from being free for `pos`: 0 free, < 0 a lap behind (full)
            let lag = slot.seq.load(Acquire).wrapping_sub(pos) as i32;
            if lag == 0 {
                match self.head.compare_exchange_weak(pos, pos.wrapping_add(1), Relaxed, Relaxed) {
                    Ok(_) => {
                        for (w, v) in slot.words.iter().zip(rec.iter()) {
                            w.store(*v, Relaxed);
                        }
                        slot.seq.store(pos.wrapping_add(1), Release);
                        return true;
                    }
                    Err(now) => pos = now,
                }
            } else if lag < 0 {
                return false;
            } else {
                // another producer took `pos` meanwhile
                pos = self.head.load(Relaxed);
            }
        }
    }

    /// Takes the oldest record, if one is waiting (and completely written).
    pub fn take(&self, out: &mut [u64; W]) -> bool {
        let mut pos = self.tail.load(Relaxed);
        loop {
            let slot = self.slot(pos);
            // 0: the record of `pos` is there; < 0: none yet (empty, or still being written)
            let lag = slot.seq.load(Acquire).wrapping_sub(pos.wrapping_add(1)) as i32;
            if lag == 0 {
                match self.tail.compare_exchange_weak(pos, pos.wrapping_add(1), Relaxed, Relaxed) {
                    Ok(_) => {
                        for (o, w) in out.iter_mut().zip(slot.words.iter()) {
                            *o = w.load(Relaxed);
                        }
                        // free for the position one lap later
                        slot.seq.store(pos.wrapping_add(S as u32), Release);
                        return true;
                    }
                    Err(now) => pos = now,
                }
            } else if lag < 0 {
                return false;
            } else {
                pos = self.tail.load(Relaxed);
            }
        }
    }
}

/// One slot of a [`WordBox`]: its sequence number and the record (atomics: a slot is written
/// and read on different CPUs, ordered by `seq`).
struct Slot<const W: usize> {
    seq: AtomicU32,
    words: [AtomicU64; W],
}

impl<const W: usize> Slot<W> {
    const fn new(seq: u32) -> Self {
        Slot { seq: AtomicU32::new(seq), words: [const { AtomicU64::new(0) }; W] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdu(n: u8) -> [u8; 110] {
        let mut p = [0u8; 110];
        p[0] = 1;
        p[1] = n;
        p[109] = n;
        p
    }

    fn take(b: &PduBox) -> Option<u8> {
        let mut out = [0u8; 110];
        b.take(&mut out).then(|| {
            assert_eq!(out[109], out[1], "a torn PDU");
            out[1]
        })
    }

    #[test]
    fn pdus_come_out_in_arrival_order() {
        // issue 12: a PDU put after a take went to the freed first slot and overtook older ones
        let b = PduBox::new();
        assert!(b.put(&pdu(1)));
        assert!(b.put(&pdu(2)));
        assert_eq!(take(&b), Some(1));
        assert!(b.put(&pdu(3)));
        assert!(b.put(&pdu(4)));
        assert_eq!(take(&b), Some(2));
        assert_eq!(take(&b), Some(3));
        assert!(b.put(&pdu(5)));
        assert_eq!(take(&b), Some(4));
        assert_eq!(take(&b), Some(5));
        assert_eq!(take(&b), None);
    }

    #[test]
    fn a_full_box_drops_the_newest_and_keeps_order_over_many_laps() {
        let b = PduBox::new();
        let mut next_in = 0u8;
        let mut next_out = 0u8;
        for round in 0..1000u32 {
            // put 1..=5 (the fifth finds the box full when four are waiting), take 1..=4
            let puts = 1 + round % 5;
            for _ in 0..puts {
                let waiting = next_in.wrapping_sub(next_out);
                if b.put(&pdu(next_in)) {
                    assert!(waiting < 4, "more than four PDUs waiting");
                    next_in = next_in.wrapping_add(1);
                } else {
                    assert_eq!(waiting, 4, "refused with room left");
                }
            }
            for _ in 0..1 + round % 4 {
                match take(&b) {
                    Some(n) => {
                        assert_eq!(n, next_out, "out of order in round {round}");
                        next_out = next_out.wrapping_add(1);
                    }
                    None => assert_eq!(next_in, next_out, "nothing taken while PDUs wait"),
                }
            }
        }
    }

    #[test]
    fn concurrent_receivers_keep_each_ones_order() {
        extern crate std;
        use std::sync::Arc;
        // two receive paths (two CPUs) put numbered PDUs while the tick takes them: each
        // receiver's PDUs come out in its order, none torn or taken twice
        let b = Arc::new(PduBox::new());
        let producers: std::vec::Vec<_> = (0..2u8)
            .map(|who| {
                let b = b.clone();
                std::thread::spawn(move || {
                    let mut n = 0u8;
                    for _ in 0..20000 {
                        let mut p = pdu(n);
                        p[2] = who;
                        if b.put(&p) {
                            n = n.wrapping_add(1);
                        }
                    }
                })
            })
            .collect();
        let mut expect = [0u8; 2];
        let mut out = [0u8; 110];
        let done = |ps: &std::vec::Vec<std::thread::JoinHandle<()>>| ps.iter().all(|p| p.is_finished());
        loop {
            let finished = done(&producers);
            while b.take(&mut out) {
                assert_eq!(out[109], out[1], "a torn PDU");
                let who = usize::from(out[2]);
                assert_eq!(out[1], expect[who], "receiver {who}'s PDUs out of order");
                expect[who] = expect[who].wrapping_add(1);
            }
            if finished {
                break;
            }
        }
        for p in producers {
            p.join().unwrap();
        }
    }
}
