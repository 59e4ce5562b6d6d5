// SPDX-License-Identifier: GPL-2.0
//! The C driver's transmit hash (`__bond_xmit_hash()` in bond_main.c), over packet bytes.
//!
//! The input is what the C code reads from an skb: the packet bytes starting at the MAC header,
//! `skb->protocol`, the network header offset and the out-of-band VLAN tag. The bytes are read
//! through [`Packet`]: C pulls the headers it needs into the linear part (`pskb_may_pull()`) or
//! copies them (`skb_header_pointer()`) when they are in the skb's fragments, so a header is
//! missing only when the packet ends before it; the driver's `Packet` for an skb reads its
//! fragments the same way (without allocating), a slice is a linear packet. The result is the same
//! 32-bit value as the C driver's on the same (little-endian) machine, so that `hash % count` picks
//! the same slave. Header fields that C reads as raw `__be32` words are read here in native byte
//! order, as C does.

use super::options::xmit_policy;

/// `ETH_P_IP`
pub const ETH_P_IP: u16 = 0x0800;
/// `ETH_P_IPV6`
pub const ETH_P_IPV6: u16 = 0x86dd;

const ETH_HLEN: usize = 14;
const IPPROTO_ICMP: u8 = 1;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;
const IPPROTO_DCCP: u8 = 33;
const IPPROTO_ESP: u8 = 50;
const IPPROTO_AH: u8 = 51;
const IPPROTO_ICMPV6: u8 = 58;
const IPPROTO_SCTP: u8 = 132;
const IPPROTO_UDPLITE: u8 = 136;

/// The bytes of a packet, from its MAC header on, wherever they are kept.
pub trait Packet {
    /// The `N` bytes at `off` (from the MAC header), or `None` if the packet ends before them.
    fn bytes<const N: usize>(&self, off: usize) -> Option<[u8; N]>;
}

/// A linear packet.
impl Packet for [u8] {
    fn bytes<const N: usize>(&self, off: usize) -> Option<[u8; N]> {
        self.get(off..off.checked_add(N)?)?.try_into().ok()
    }
}

/// A frame as the transmit path sees it.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a, P: Packet + ?Sized = [u8]> {
    /// The packet bytes, starting at the MAC header (`skb->data`, and the fragments after
    /// `skb_headlen()`).
    pub data: &'a P,
    /// `skb->protocol` in host order.
    pub protocol: u16,
    /// Offset of the network header (`skb_network_offset()`).
    pub nhoff: usize,
    /// The out-of-band VLAN tag (`skb_vlan_tag_get()`), if present.
    pub vlan_tci: Option<u16>,
}

impl<'a> Frame<'a> {
    /// An untagged Ethernet frame whose EtherType is `skb->protocol` and whose network header
    /// follows the 14-byte Ethernet header.
    pub fn ethernet(data: &'a [u8]) -> Self {
        let protocol = match data.get(12..14) {
            Some(p) => u16::from_be_bytes([p[0], p[1]]),
            None => 0,
        };
        Frame { data, protocol, nhoff: ETH_HLEN, vlan_tci: None }
    }
}

impl<P: Packet + ?Sized> Frame<'_, P> {
    /// An ARP frame, or an ICMPv6 neighbour solicitation or advertisement
    /// (`bond_should_broadcast_neighbor()`: what 802.3ad with broadcast_neighbor sends on every
    /// port). The IPv6 header and ICMPv6 header must both be there, as `skb_header_pointer()` of
    /// the two asks; an extension header in between makes it another frame, as in C.
    pub fn is_neighbour(&self) -> bool {
        const ETH_P_ARP: u16 = 0x0806;
        const ETH_P_IPV6: u16 = 0x86dd;
        const NEXTHDR_ICMP: u8 = 58;
        const NS: u8 = 135;
        const NA: u8 = 136;
        match self.protocol {
            ETH_P_ARP => true,
            ETH_P_IPV6 => match self.data.bytes::<48>(self.nhoff) {
                Some(h) => h[6] == NEXTHDR_ICMP && (h[40] == NS || h[40] == NA),
                None => false,
            },
            _ => false,
        }
    }
}

/// Why a policy cannot be hashed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashError {
    /// encap2+3 and encap3+4 use the kernel's flow dissector, which looks through tunnels; rbond
    /// does not implement them yet.
    NeedsFlowDissector,
    /// Not a transmit hash policy number.
    UnknownPolicy,
}

fn ne32<P: Packet + ?Sized>(data: &P, off: usize) -> Option<u32> {
    data.bytes::<4>(off).map(u32::from_ne_bytes)
}

/// `bond_eth_hash()`: last bytes of both MAC addresses and the EtherType; 0 on a short frame.
fn eth_hash<P: Packet + ?Sized>(data: &P) -> u32 {
    match data.bytes::<ETH_HLEN>(0) {
        Some(h) => u32::from(h[5]) ^ u32::from(h[11]) ^ u32::from(u16::from_be_bytes([h[12], h[13]])),
        None => 0,
    }
}

/// `bond_vlan_srcmac_hash()`
fn vlan_srcmac_hash<P: Packet + ?Sized>(f: &Frame<'_, P>) -> u32 {
    let Some(h) = f.data.bytes::<ETH_HLEN>(0) else { return 0 };
    let vendor = u32::from(h[6]) << 16 | u32::from(h[7]) << 8 | u32::from(h[8]);
    let dev = u32::from(h[9]) << 16 | u32::from(h[10]) << 8 | u32::from(h[11]);
    u32::from(f.vlan_tci.unwrap_or(0)) ^ vendor ^ dev
}

/// What `bond_flow_dissect()` leaves in `struct flow_keys` for the hash.
#[derive(Default)]
struct Flow {
    src: u32,
    dst: u32,
    ports: u32,
    icmp: u32,
}

/// `ipv6_addr_hash()`: the four 32-bit words of the address xor-folded.
fn v6_fold(a: [u8; 16]) -> u32 {
    a.chunks_exact(4).fold(0, |acc, w| acc ^ u32::from_ne_bytes([w[0], w[1], w[2], w[3]]))
}

/// `proto_ports_offset()`
fn ports_offset(proto: u8) -> Option<usize> {
    match proto {
        IPPROTO_TCP | IPPROTO_UDP | IPPROTO_DCCP | IPPROTO_ESP | IPPROTO_SCTP | IPPROTO_UDPLITE => Some(0),
        IPPROTO_AH => Some(4),
        _ => None,
    }
}

/// `bond_flow_ip()`: addresses, the transport header offset and, for layer3+4, the ports.
/// Returns the IP protocol (`None` for an IPv4 fragment), or `Err` if this is not IP or too short.
fn flow_ip<P: Packet + ?Sized>(f: &Frame<'_, P>, fk: &mut Flow, nhoff: &mut usize, l34: bool) -> Result<Option<u8>, ()> {
    let proto = match f.protocol {
        ETH_P_IP => {
            let h = f.data.bytes::<20>(*nhoff).ok_or(())?;
            fk.src = u32::from_ne_bytes([h[12], h[13], h[14], h[15]]);
            fk.dst = u32::from_ne_bytes([h[16], h[17], h[18], h[19]]);
            *nhoff += usize::from(h[0] & 0x0f) << 2;
            // ip_is_fragment(): MF set or a fragment offset
            let frag = u16::from_be_bytes([h[6], h[7]]) & 0x3fff != 0;
            if frag { None } else { Some(h[9]) }
        }
        ETH_P_IPV6 => {
            let h = f.data.bytes::<40>(*nhoff).ok_or(())?;
            let mut s = [0u8; 16];
            let mut d = [0u8; 16];
            s.copy_from_slice(&h[8..24]);
            d.copy_from_slice(&h[24..40]);
            fk.src = v6_fold(s);
            fk.dst = v6_fold(d);
            *nhoff += 40;
            Some(h[6])
        }
        _ => return Err(()),
    };
    if let (true, Some(p)) = (l34, proto) {
        // skb_flow_get_ports(): 0 when the protocol has no ports or the header is short
        fk.ports = ports_offset(p).and_then(|po| ne32(f.data, *nhoff + po)).unwrap_or(0);
    }
    Ok(proto)
}

/// `icmp_has_id()` of the flow dissector (it checks ICMP and ICMPv6 types in one switch).
fn icmp_has_id(t: u8) -> bool {
    matches!(t, 8 | 0 | 13 | 14 | 128 | 129)
}

/// `skb_flow_get_icmp_tci()`: type, code and identifier packed as `struct flow_dissector_key_icmp`.
fn icmp_key<P: Packet + ?Sized>(data: &P, thoff: usize) -> Option<(u8, u32)> {
    let h = data.bytes::<8>(thoff)?;
    let id = if icmp_has_id(h[0]) {
        match u16::from_be_bytes([h[4], h[5]]) {
            0 => 1,
            id => id,
        }
    } else {
        0
    };
    // memory layout { u8 type; u8 code; u16 id; } read as one native u32
    let key = [h[0], h[1], id.to_ne_bytes()[0], id.to_ne_bytes()[1]];
    Some((h[0], u32::from_ne_bytes(key)))
}

/// `bond_flow_dissect()` for the policies that do not use the flow dissector.
fn flow_dissect<P: Packet + ?Sized>(f: &Frame<'_, P>, policy: u64) -> Option<Flow> {
    let l34 = policy == xmit_policy::LAYER34;
    let mut fk = Flow::default();
    let mut nhoff = f.nhoff;
    let proto = flow_ip(f, &mut fk, &mut nhoff, l34).ok()?;
    if let Some(p @ (IPPROTO_ICMP | IPPROTO_ICMPV6)) = proto {
        if let Some((t, key)) = icmp_key(f.data, nhoff) {
            fk.icmp = key;
            let is_err = if p == IPPROTO_ICMP { matches!(t, 3 | 4 | 5 | 11 | 12) } else { matches!(t, 1..=4) };
            if !is_err {
                return Some(fk);
            }
        } else {
            // no ICMP header: type 0 is not an error, so C returns here
            return Some(fk);
        }
        // an ICMP error: hash the header of the packet that caused it
        nhoff += 8;
        flow_ip(f, &mut fk, &mut nhoff, l34).ok()?;
    }
    Some(fk)
}

/// `bond_ip_hash()`
fn ip_hash(hash: u32, fk: &Flow, policy: u64) -> u32 {
    let mut h = hash ^ fk.dst ^ fk.src;
    h ^= h >> 16;
    h ^= h >> 8;
    // discard the lowest bit: Linux prefers even source ports
    if policy == xmit_policy::LAYER34 || policy == xmit_policy::ENCAP34 {
        h >> 1
    } else {
        h
    }
}

/// `__bond_xmit_hash()`: the hash the C driver computes for this frame under `policy`.
pub fn xmit_hash<P: Packet + ?Sized>(policy: u64, f: &Frame<'_, P>) -> Result<u32, HashError> {
    match policy {
        xmit_policy::VLAN_SRCMAC => Ok(vlan_srcmac_hash(f)),
        xmit_policy::LAYER2 => Ok(eth_hash(f.data)),
        xmit_policy::LAYER23 | xmit_policy::LAYER34 => {
            let Some(fk) = flow_dissect(f, policy) else { return Ok(eth_hash(f.data)) };
            let h = if policy == xmit_policy::LAYER23 {
                eth_hash(f.data)
            } else if fk.icmp >> 16 != 0 {
                fk.icmp
            } else {
                fk.ports
            };
            Ok(ip_hash(h, &fk, policy))
        }
        xmit_policy::ENCAP23 | xmit_policy::ENCAP34 => Err(HashError::NeedsFlowDissector),
        _ => Err(HashError::UnknownPolicy),
    }
}

/// What the kernel's flow dissector found for the encap policies (`flow_get_u32_src/dst()`,
/// `ports.ports`, `struct flow_dissector_key_icmp`), each as the native u32 C reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DissectedFlow {
    /// `flow_get_u32_src()`
    pub src: u32,
    /// `flow_get_u32_dst()`
    pub dst: u32,
    /// the ports word
    pub ports: u32,
    /// type, code and id as one word
    pub icmp: u32,
}

/// `__bond_xmit_hash()` for encap2+3 and encap3+4, given the flow dissector's result (`None` when
/// it failed: then the layer2 hash, as in C).
pub fn encap_hash<P: Packet + ?Sized>(policy: u64, data: &P, flow: Option<DissectedFlow>) -> Result<u32, HashError> {
    if policy != xmit_policy::ENCAP23 && policy != xmit_policy::ENCAP34 {
        return Err(HashError::UnknownPolicy);
    }
    let Some(f) = flow else { return Ok(eth_hash(data)) };
    let h = if policy == xmit_policy::ENCAP23 {
        eth_hash(data)
    } else if f.icmp >> 16 != 0 {
        f.icmp
    } else {
        f.ports
    };
    let fk = Flow { src: f.src, dst: f.dst, ports: f.ports, icmp: f.icmp };
    Ok(ip_hash(h, &fk, policy))
}

/// The slave index the C driver picks from an array of `count` usable slaves (`hash % count`).
pub fn slave_index(hash: u32, count: usize) -> Option<usize> {
    (count != 0).then(|| hash as usize % count)
}

/// `bond_sk_hash_l34()`: the layer3+4 hash of a socket's flow (kTLS device offload asks which
/// slave sends a socket's frames, `ndo_sk_get_lower_dev`): its ports read as one native u32 and its
/// addresses as the flow dissector folds them (`flow_get_u32_src()`/`_dst()`), as for a frame.
pub fn sk_hash_l34(ports: u32, src: u32, dst: u32) -> u32 {
    ip_hash(ports, &Flow { src, dst, ports, icmp: 0 }, xmit_policy::LAYER34)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::xmit_policy::*;

    const MAC_A: [u8; 6] = [0, 0, 0, 0, 0, 1];
    const MAC_B: [u8; 6] = [0, 0, 0, 0, 0, 2];

    /// Ethernet + IPv4 (ihl 5) + `l4` bytes, in a fixed buffer.
    fn v4(buf: &mut [u8; 128], proto: u8, frag: u16, l4: &[u8]) -> usize {
        buf[..6].copy_from_slice(&MAC_B);
        buf[6..12].copy_from_slice(&MAC_A);
        buf[12..14].copy_from_slice(&ETH_P_IP.to_be_bytes());
        let ip = &mut buf[14..34];
        ip[0] = 0x45;
        ip[6..8].copy_from_slice(&frag.to_be_bytes());
        ip[8] = 64;
        ip[9] = proto;
        ip[12..16].copy_from_slice(&[10, 0, 0, 1]);
        ip[16..20].copy_from_slice(&[10, 0, 0, 2]);
        buf[34..34 + l4.len()].copy_from_slice(l4);
        34 + l4.len()
    }

    fn tcp(sport: u16, dport: u16) -> [u8; 20] {
        let mut t = [0u8; 20];
        t[..2].copy_from_slice(&sport.to_be_bytes());
        t[2..4].copy_from_slice(&dport.to_be_bytes());
        t
    }

    #[test]
    fn neighbour_frames_are_arp_ns_and_na() {
        let mut b = [0u8; 128];
        // ARP, whatever follows
        b[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
        assert!(Frame::ethernet(&b[..42]).is_neighbour());
        // IPv6 + ICMPv6 of each type; the 8-byte ICMPv6 header must be there
        b[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());
        b[14] = 0x60;
        b[14 + 6] = 58;
        for (ty, want) in [(135u8, true), (136, true), (133, false), (134, false), (128, false)] {
            b[54] = ty;
            assert_eq!(Frame::ethernet(&b[..62]).is_neighbour(), want, "type {ty}");
        }
        b[54] = 135;
        assert!(!Frame::ethernet(&b[..61]).is_neighbour(), "a truncated ICMPv6 header");
        // not ICMPv6 (a hop-by-hop header first, UDP)
        for nh in [0u8, 17] {
            b[20] = nh;
            assert!(!Frame::ethernet(&b[..62]).is_neighbour());
        }
        // IPv4 is not
        let n = v4(&mut b, IPPROTO_TCP, 0, &tcp(1, 2));
        assert!(!Frame::ethernet(&b[..n]).is_neighbour());
    }

    #[test]
    fn layer2_is_last_mac_bytes_and_ethertype() {
        let mut b = [0u8; 128];
        let n = v4(&mut b, IPPROTO_TCP, 0, &tcp(40000, 80));
        assert_eq!(xmit_hash(LAYER2, &Frame::ethernet(&b[..n])), Ok(0x803));
        // a runt frame hashes to 0, as in C
        assert_eq!(xmit_hash(LAYER2, &Frame::ethernet(&b[..10])), Ok(0));
    }

    #[test]
    fn layer23_ipv4_vector() {
        let mut b = [0u8; 128];
        let n = v4(&mut b, IPPROTO_TCP, 0, &tcp(40000, 80));
        assert_eq!(xmit_hash(LAYER23, &Frame::ethernet(&b[..n])), Ok(0x0303_0b08));
    }

    #[test]
    fn socket_hash_is_its_frames_hash() {
        // a TCP socket 10.0.0.1:40000 -> 10.0.0.2:80 picks the slave its frames hash to
        let ports = u32::from_ne_bytes([0x9c, 0x40, 0, 80]);
        let (src, dst) = (u32::from_ne_bytes([10, 0, 0, 1]), u32::from_ne_bytes([10, 0, 0, 2]));
        assert_eq!(sk_hash_l34(ports, src, dst), 0x29a9_89c7);
    }

    #[test]
    fn layer34_ipv4_tcp_vector() {
        let mut b = [0u8; 128];
        let n = v4(&mut b, IPPROTO_TCP, 0, &tcp(40000, 80));
        assert_eq!(xmit_hash(LAYER34, &Frame::ethernet(&b[..n])), Ok(0x29a9_89c7));
    }

    #[test]
    fn layer34_fragment_has_no_ports() {
        let mut b = [0u8; 128];
        let n = v4(&mut b, IPPROTO_TCP, 0x2000, &tcp(40000, 80)); // MF
        let frag = xmit_hash(LAYER34, &Frame::ethernet(&b[..n])).unwrap();
        let n = v4(&mut b, IPPROTO_TCP, 0, &tcp(0, 0));
        let noports = xmit_hash(LAYER34, &Frame::ethernet(&b[..n])).unwrap();
        assert_eq!(frag, noports);
    }

    #[test]
    fn layer34_icmp_echo_uses_id() {
        let mut b = [0u8; 128];
        let n = v4(&mut b, IPPROTO_ICMP, 0, &[8, 0, 0, 0, 0x12, 0x34, 0, 1]);
        assert_eq!(xmit_hash(LAYER34, &Frame::ethernet(&b[..n])), Ok(0x0892_9296));
    }

    #[test]
    fn layer34_icmp_error_hashes_the_inner_flow() {
        // destination unreachable quoting 10.0.0.1:40000 -> 10.0.0.2:80/tcp
        let mut inner = [0u8; 128];
        let inner_len = v4(&mut inner, IPPROTO_TCP, 0, &tcp(40000, 80));
        // the error quotes the IP header and the first 8 bytes of the transport header
        let mut l4 = [0u8; 8 + 28];
        l4[0] = 3;
        l4[8..].copy_from_slice(&inner[14..14 + 28]);
        assert!(inner_len >= 14 + 28);
        let mut b = [0u8; 128];
        let n = v4(&mut b, IPPROTO_ICMP, 0, &l4);
        assert_eq!(xmit_hash(LAYER34, &Frame::ethernet(&b[..n])), Ok(0x29a9_89c7));
    }

    #[test]
    fn layer34_ipv6_udp_vector() {
        let mut b = [0u8; 128];
        b[..6].copy_from_slice(&MAC_B);
        b[6..12].copy_from_slice(&MAC_A);
        b[12..14].copy_from_slice(&ETH_P_IPV6.to_be_bytes());
        b[14] = 0x60;
        b[20] = IPPROTO_UDP;
        b[22..38].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        b[38..54].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        b[54..58].copy_from_slice(&[0x13, 0x88, 0, 53]);
        assert_eq!(xmit_hash(LAYER34, &Frame::ethernet(&b[..62])), Ok(0x1b1b_5f56));
    }

    #[test]
    fn non_ip_falls_back_to_layer2() {
        let mut b = [0u8; 64];
        b[..6].copy_from_slice(&MAC_B);
        b[6..12].copy_from_slice(&MAC_A);
        b[12..14].copy_from_slice(&0x0806u16.to_be_bytes()); // ARP
        let f = Frame::ethernet(&b);
        assert_eq!(xmit_hash(LAYER34, &f), Ok(2 ^ 1 ^ 0x0806));
        assert_eq!(xmit_hash(LAYER23, &f), Ok(2 ^ 1 ^ 0x0806));
    }

    #[test]
    fn vlan_srcmac_mixes_tag_and_source_mac() {
        let mut b = [0u8; 64];
        b[6..12].copy_from_slice(&[0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
        let mut f = Frame::ethernet(&b);
        assert_eq!(xmit_hash(VLAN_SRCMAC, &f), Ok(0x525400 ^ 0x123456));
        f.vlan_tci = Some(100);
        assert_eq!(xmit_hash(VLAN_SRCMAC, &f), Ok(0x525400 ^ 0x123456 ^ 100));
    }

    #[test]
    fn layer34_drops_the_even_port_bit() {
        // Linux clients prefer even source ports: without ">> 1" every flow would have the same
        // lowest bit and use half of two links (see ../shared/seeds/003).
        let mut b = [0u8; 128];
        let mut used = [0usize; 2];
        for sport in (40000u16..40064).step_by(2) {
            let n = v4(&mut b, IPPROTO_TCP, 0, &tcp(sport, 80));
            let h = xmit_hash(LAYER34, &Frame::ethernet(&b[..n])).unwrap();
            used[slave_index(h, 2).unwrap()] += 1;
        }
        assert!(used[0] > 0 && used[1] > 0, "{used:?}");
    }

    #[test]
    fn encap_hash_uses_the_dissected_flow() {
        let mut b = [0u8; 128];
        let n = v4(&mut b, IPPROTO_TCP, 0, &tcp(40000, 80));
        // for a plain TCP/IPv4 frame the dissector finds what layer3+4 reads: the same hash
        let f = DissectedFlow {
            src: u32::from_ne_bytes([10, 0, 0, 1]),
            dst: u32::from_ne_bytes([10, 0, 0, 2]),
            ports: u32::from_ne_bytes([0x9c, 0x40, 0, 0x50]),
            icmp: 0,
        };
        assert_eq!(encap_hash(ENCAP34, &b[..n], Some(f)), xmit_hash(LAYER34, &Frame::ethernet(&b[..n])));
        assert_eq!(encap_hash(ENCAP23, &b[..n], Some(f)), xmit_hash(LAYER23, &Frame::ethernet(&b[..n])));
        // no flow: the layer2 hash
        assert_eq!(encap_hash(ENCAP34, &b[..n], None), Ok(0x803));
        assert_eq!(encap_hash(LAYER2, &b[..n], None), Err(HashError::UnknownPolicy));
    }

    /// A packet kept in pieces, as an skb whose headers are partly in its page fragments: the
    /// first `head` bytes, then pieces of `frag` bytes.
    struct Pieces<'a> {
        data: &'a [u8],
        head: usize,
        frag: usize,
    }

    impl Packet for Pieces<'_> {
        fn bytes<const N: usize>(&self, off: usize) -> Option<[u8; N]> {
            // gathered piece by piece, as skb_copy_bits() does
            let end = off.checked_add(N)?;
            if end > self.data.len() {
                return None;
            }
            let mut out = [0u8; N];
            let mut at = off;
            while at < end {
                let piece_end = if at < self.head { self.head } else { self.head + (at - self.head) / self.frag * self.frag + self.frag };
                let n = piece_end.min(end) - at;
                out[at - off..at - off + n].copy_from_slice(&self.data[at..at + n]);
                at += n;
            }
            Some(out)
        }
    }

    #[test]
    fn headers_in_fragments_hash_as_linear_ones() {
        // issue 12: a frame whose headers are in the skb's fragments hashes as bonding.ko hashes
        // it, which reads them there too (every policy, every split, to the last byte)
        let mut inner = [0u8; 128];
        v4(&mut inner, IPPROTO_UDP, 0, &tcp(1234, 53)[..8]);
        let mut err = [0u8; 8 + 28];
        err[0] = 3;
        err[8..].copy_from_slice(&inner[14..14 + 28]);
        let frames: [(u8, &[u8]); 4] =
            [(IPPROTO_TCP, &tcp(40000, 80)), (IPPROTO_UDP, &tcp(5353, 53)[..8]), (IPPROTO_ICMP, &[8, 0, 0, 0, 0x12, 0x34, 0, 1]), (IPPROTO_ICMP, &err)];
        for (proto, l4) in frames {
            let mut b = [0u8; 128];
            let n = v4(&mut b, proto, 0, l4);
            for policy in [LAYER2, LAYER23, LAYER34, VLAN_SRCMAC] {
                let linear = xmit_hash(policy, &Frame::ethernet(&b[..n])).unwrap();
                for head in 0..=n {
                    for frag in [1, 3, 8, 64] {
                        let p = Pieces { data: &b[..n], head, frag };
                        let f = Frame { data: &p, protocol: ETH_P_IP, nhoff: ETH_HLEN, vlan_tci: None };
                        assert_eq!(xmit_hash(policy, &f), Ok(linear), "policy {policy}, proto {proto}, head {head}, frag {frag}");
                    }
                }
                // cut short: what is missing is missing in both
                let p = Pieces { data: &b[..n - 1], head: 14, frag: 8 };
                let f = Frame { data: &p, protocol: ETH_P_IP, nhoff: ETH_HLEN, vlan_tci: None };
                assert_eq!(xmit_hash(policy, &f), xmit_hash(policy, &Frame { data: &b[..n - 1], ..Frame::ethernet(&b[..n]) }));
            }
            let p = Pieces { data: &b[..n], head: 14, frag: 8 };
            assert_eq!(encap_hash(ENCAP34, &p, None), encap_hash(ENCAP34, &b[..n], None));
        }
    }

    #[test]
    fn encap_policies_are_refused_not_guessed() {
        let b = [0u8; 64];
        assert_eq!(xmit_hash(ENCAP23, &Frame::ethernet(&b)), Err(HashError::NeedsFlowDissector));
        assert_eq!(xmit_hash(ENCAP34, &Frame::ethernet(&b)), Err(HashError::NeedsFlowDissector));
        assert_eq!(xmit_hash(9, &Frame::ethernet(&b)), Err(HashError::UnknownPolicy));
        assert_eq!(slave_index(7, 0), None);
        assert_eq!(slave_index(7, 3), Some(1));
    }
}
