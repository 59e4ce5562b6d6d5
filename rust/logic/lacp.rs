// SPDX-License-Identifier: GPL-2.0
//! 802.3ad (IEEE 802.1AX) wire formats: LACPDUs and marker PDUs, byte for byte as the C driver
//! sends and reads them (`struct lacpdu`, `struct bond_marker` in include/net/bond_3ad.h), and the
//! operational port key (`ad_update_actor_keys()` in bond_3ad.c).
//!
//! The frames follow a 14-byte Ethernet header to 01:80:c2:00:00:02 with EtherType 0x8809
//! (slow protocols); the functions here see the 110 bytes after it.

/// EtherType of slow protocols (`ETH_P_SLOW`).
pub const ETH_P_SLOW: u16 = 0x8809;
/// Destination of LACPDUs and marker PDUs (`lacpdu_mcast_addr`).
pub const SLOW_PROTOCOLS_MULTICAST: [u8; 6] = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x02];
/// Length of a LACPDU or marker PDU after the Ethernet header.
pub const PDU_LEN: usize = 110;

/// Slow protocol subtypes.
pub const SUBTYPE_LACP: u8 = 0x01;
/// Marker protocol subtype.
pub const SUBTYPE_MARKER: u8 = 0x02;

/// Actor / partner state bits (802.1AX 6.4.2.3, `LACP_STATE_*`).
pub mod state {
    /// LACP_Activity: active
    pub const ACTIVITY: u8 = 0x01;
    /// LACP_Timeout: short (fast)
    pub const TIMEOUT: u8 = 0x02;
    /// Aggregation: aggregatable
    pub const AGGREGATION: u8 = 0x04;
    /// Synchronization: in sync
    pub const SYNCHRONIZATION: u8 = 0x08;
    /// Collecting
    pub const COLLECTING: u8 = 0x10;
    /// Distributing
    pub const DISTRIBUTING: u8 = 0x20;
    /// Defaulted: using administrative partner values
    pub const DEFAULTED: u8 = 0x40;
    /// Expired: the receive machine is in EXPIRED
    pub const EXPIRED: u8 = 0x80;
}

/// One side's information in a LACPDU (actor or partner TLV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PortInfo {
    /// System priority.
    pub system_priority: u16,
    /// System MAC address.
    pub system: [u8; 6],
    /// Operational key.
    pub key: u16,
    /// Port priority.
    pub port_priority: u16,
    /// Port number.
    pub port_number: u16,
    /// State bits ([`state`]).
    pub state: u8,
}

/// A LACPDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lacpdu {
    /// Version (1).
    pub version: u8,
    /// The sender.
    pub actor: PortInfo,
    /// What the sender knows of us.
    pub partner: PortInfo,
    /// Collector max delay (tens of microseconds).
    pub collector_max_delay: u16,
}

/// Marker TLV types.
pub mod marker {
    /// Marker information (a request).
    pub const INFORMATION: u8 = 0x01;
    /// Marker response information.
    pub const RESPONSE: u8 = 0x02;
}

/// A marker PDU. The C driver copies these fields as raw bytes (a response repeats the request),
/// so they are kept as bytes here too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    /// [`marker::INFORMATION`] or [`marker::RESPONSE`]
    pub tlv_type: u8,
    /// requester_port, as sent
    pub requester_port: [u8; 2],
    /// requester_system
    pub requester_system: [u8; 6],
    /// requester_transaction_id, as sent
    pub transaction_id: [u8; 4],
}

/// A received slow-protocol PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pdu {
    /// A LACPDU.
    Lacp(Lacpdu),
    /// A marker PDU.
    Marker(Marker),
}

/// Why a frame is not a PDU rbond handles (counted like the C driver's `lacpdu_illegal_rx`,
/// `lacpdu_unknown_rx`, `marker_unknown_rx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PduError {
    /// Shorter than 110 bytes (`lacpdu_illegal_rx`).
    Short,
    /// Neither LACP nor marker (`lacpdu_unknown_rx`).
    UnknownSubtype(u8),
    /// A marker PDU whose TLV is neither information nor response (`marker_unknown_rx`).
    UnknownMarker(u8),
}

fn be16(b: &[u8], o: usize) -> u16 {
    u16::from_be_bytes([b[o], b[o + 1]])
}

fn mac(b: &[u8], o: usize) -> [u8; 6] {
    [b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5]]
}

fn port_info(b: &[u8], o: usize) -> PortInfo {
    PortInfo {
        system_priority: be16(b, o),
        system: mac(b, o + 2),
        key: be16(b, o + 8),
        port_priority: be16(b, o + 10),
        port_number: be16(b, o + 12),
        state: b[o + 14],
    }
}

/// Parses the bytes after the Ethernet header. As in the C driver, only the length and the
/// subtype decide; TLV types and lengths are not checked (peers vary), reserved bytes are ignored.
pub fn parse(b: &[u8]) -> Result<Pdu, PduError> {
    let b = b.get(..PDU_LEN).ok_or(PduError::Short)?;
    match b[0] {
        SUBTYPE_LACP => Ok(Pdu::Lacp(Lacpdu {
            version: b[1],
            actor: port_info(b, 4),
            partner: port_info(b, 24),
            collector_max_delay: be16(b, 44),
        })),
        SUBTYPE_MARKER => match b[2] {
            t @ (marker::INFORMATION | marker::RESPONSE) => Ok(Pdu::Marker(Marker {
                tlv_type: t,
                requester_port: [b[4], b[5]],
                requester_system: mac(b, 6),
                transaction_id: [b[12], b[13], b[14], b[15]],
            })),
            t => Err(PduError::UnknownMarker(t)),
        },
        s => Err(PduError::UnknownSubtype(s)),
    }
}

fn put_info(b: &mut [u8], o: usize, tlv: u8, p: &PortInfo) {
    b[o - 2] = tlv;
    b[o - 1] = 20;
    b[o..o + 2].copy_from_slice(&p.system_priority.to_be_bytes());
    b[o + 2..o + 8].copy_from_slice(&p.system);
    b[o + 8..o + 10].copy_from_slice(&p.key.to_be_bytes());
    b[o + 10..o + 12].copy_from_slice(&p.port_priority.to_be_bytes());
    b[o + 12..o + 14].copy_from_slice(&p.port_number.to_be_bytes());
    b[o + 14] = p.state;
}

/// Writes a LACPDU as `ad_lacpdu_send()` does (reserved bytes zero).
pub fn emit_lacpdu(p: &Lacpdu, b: &mut [u8; PDU_LEN]) {
    b.fill(0);
    b[0] = SUBTYPE_LACP;
    b[1] = p.version;
    put_info(b, 4, 0x01, &p.actor);
    put_info(b, 24, 0x02, &p.partner);
    b[42] = 0x03; // collector information
    b[43] = 16;
    b[44..46].copy_from_slice(&p.collector_max_delay.to_be_bytes());
    // b[58], b[59]: terminator type and length, both 0
}

/// Writes a marker PDU as `ad_marker_send()` does.
pub fn emit_marker(m: &Marker, b: &mut [u8; PDU_LEN]) {
    b.fill(0);
    b[0] = SUBTYPE_MARKER;
    b[1] = 0x01;
    b[2] = m.tlv_type;
    b[3] = 0x16;
    b[4..6].copy_from_slice(&m.requester_port);
    b[6..12].copy_from_slice(&m.requester_system);
    b[12..16].copy_from_slice(&m.transaction_id);
}

/// The speed class of the port key (`__get_link_speed()`): 0 when the link is down or the speed
/// is not one the C driver knows.
pub fn speed_class(link_up: bool, mbps: u32) -> u16 {
    if !link_up {
        return 0;
    }
    match mbps {
        10 => 2,
        100 => 3,
        1000 => 4,
        2500 => 5,
        5000 => 6,
        10000 => 7,
        14000 => 8,
        20000 => 9,
        25000 => 10,
        40000 => 11,
        50000 => 12,
        56000 => 13,
        80000 => 14,
        100000 => 15,
        200000 => 16,
        400000 => 17,
        800000 => 18,
        1600000 => 19,
        _ => 0,
    }
}

/// The operational key (`ad_update_actor_keys()`): bit 0 full duplex, bits 1-5 the speed class,
/// bits 6-15 `ad_user_port_key`.
pub fn port_key(user_key: u16, link_up: bool, mbps: u32, full_duplex: bool) -> u16 {
    let duplex = u16::from(link_up && full_duplex);
    (user_key << 6) | (speed_class(link_up, mbps) << 1) | duplex
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A LACPDU in the C layout, in steady state: both sides active, fast, aggregatable, in sync,
    /// collecting and distributing (state 63, as "port state: 63" in seed 000's /proc dump).
    const FRAME: [u8; PDU_LEN] = {
        let mut b = [0u8; PDU_LEN];
        b[0] = 1;
        b[1] = 1;
        // actor TLV
        b[2] = 1;
        b[3] = 20;
        b[4] = 0xff;
        b[5] = 0xff; // system priority 65535
        b[6] = 0x02;
        b[7] = 0x11;
        b[8] = 0x22;
        b[9] = 0x33;
        b[10] = 0x44;
        b[11] = 0x55;
        b[12] = 0x00;
        b[13] = 0x0f; // key 15: 10G full duplex
        b[14] = 0x00;
        b[15] = 0xff; // port priority 255
        b[16] = 0x00;
        b[17] = 0x01; // port 1
        b[18] = 0x3f; // state 63
        // partner TLV
        b[22] = 2;
        b[23] = 20;
        b[24] = 0xff;
        b[25] = 0xff;
        b[26] = 0x02;
        b[27] = 0x66;
        b[28] = 0x77;
        b[29] = 0x88;
        b[30] = 0x99;
        b[31] = 0xaa;
        b[33] = 0x0f;
        b[35] = 0xff;
        b[37] = 0x02;
        b[38] = 0x3f;
        // collector TLV
        b[42] = 3;
        b[43] = 16;
        b
    };

    fn steady() -> Lacpdu {
        Lacpdu {
            version: 1,
            actor: PortInfo { system_priority: 65535, system: [2, 0x11, 0x22, 0x33, 0x44, 0x55], key: 15, port_priority: 255, port_number: 1, state: 0x3f },
            partner: PortInfo { system_priority: 65535, system: [2, 0x66, 0x77, 0x88, 0x99, 0xaa], key: 15, port_priority: 255, port_number: 2, state: 0x3f },
            collector_max_delay: 0,
        }
    }

    #[test]
    fn parses_the_c_layout() {
        assert_eq!(parse(&FRAME), Ok(Pdu::Lacp(steady())));
    }

    #[test]
    fn emits_byte_for_byte() {
        let mut b = [0xaa; PDU_LEN];
        emit_lacpdu(&steady(), &mut b);
        assert_eq!(b, FRAME);
    }

    #[test]
    fn rejects_what_c_rejects() {
        assert_eq!(parse(&FRAME[..109]), Err(PduError::Short));
        let mut f = FRAME;
        f[0] = 9;
        assert_eq!(parse(&f), Err(PduError::UnknownSubtype(9)));
        // longer frames (Ethernet padding, trailers) are fine
        let mut long = [0u8; 128];
        long[..PDU_LEN].copy_from_slice(&FRAME);
        assert_eq!(parse(&long), Ok(Pdu::Lacp(steady())));
    }

    /// A LACPDU captured from bonding.ko (testdata/README says how).
    const CAPTURED: &str = include_str!("testdata/lacpdu-bonding-7.3.4.hex");

    fn unhex(s: &str, out: &mut [u8]) -> usize {
        let s = s.trim().as_bytes();
        for (i, pair) in s.chunks(2).enumerate() {
            let d = |c: u8| (c as char).to_digit(16).unwrap() as u8;
            out[i] = d(pair[0]) << 4 | d(pair[1]);
        }
        s.len() / 2
    }

    #[test]
    fn parses_and_reemits_a_frame_captured_from_bonding_ko() {
        let mut f = [0u8; 256];
        let n = unhex(CAPTURED, &mut f);
        assert_eq!(n, 14 + PDU_LEN);
        assert_eq!(&f[..6], &SLOW_PROTOCOLS_MULTICAST);
        assert_eq!(u16::from_be_bytes([f[12], f[13]]), ETH_P_SLOW);
        let Ok(Pdu::Lacp(p)) = parse(&f[14..n]) else { panic!("not a LACPDU") };
        let me = PortInfo { system_priority: 65535, system: [2, 0, 0, 0, 0, 1], key: 15, port_priority: 255, port_number: 1, state: 0x3f };
        assert_eq!(p.actor, me);
        assert_eq!(p.partner.system, [2, 0, 0, 0, 0, 2]);
        assert_eq!(p.partner.state, 0x3f);
        // what rbond emits for the same information is the same 110 bytes
        let mut b = [0u8; PDU_LEN];
        emit_lacpdu(&p, &mut b);
        assert_eq!(&b[..], &f[14..n]);
    }

    #[test]
    fn marker_round_trip() {
        let m = Marker { tlv_type: marker::INFORMATION, requester_port: [0, 1], requester_system: [2, 0, 0, 0, 0, 1], transaction_id: [1, 2, 3, 4] };
        let mut b = [0u8; PDU_LEN];
        emit_marker(&m, &mut b);
        assert_eq!(&b[..4], &[2, 1, 1, 0x16]);
        assert_eq!(parse(&b), Ok(Pdu::Marker(m)));
        b[2] = 7;
        assert_eq!(parse(&b), Err(PduError::UnknownMarker(7)));
    }

    #[test]
    fn port_keys_like_the_c_driver() {
        // 10G full duplex: speed class 7, duplex 1 -> 15 (the seed's "port key: 15")
        assert_eq!(port_key(0, true, 10000, true), 15);
        // 1G full: 9; with ad_user_port_key 1: 64 + 9
        assert_eq!(port_key(0, true, 1000, true), 9);
        assert_eq!(port_key(1, true, 1000, true), 73);
        // a half-duplex USB adapter (seed 000): duplex bit clear
        assert_eq!(port_key(0, true, 100, false), 6);
        // link down: speed and duplex 0
        assert_eq!(port_key(0, false, 10000, true), 0);
        // an unknown speed class
        assert_eq!(speed_class(true, 12345), 0);
    }
}
