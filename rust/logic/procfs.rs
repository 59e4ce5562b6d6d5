// SPDX-License-Identifier: GPL-2.0
//! The text of /proc/net/bonding/<bond> (`bond_procfs.c`), for the modes rbond implements.
//! Tools parse this file: it must match the C driver byte for byte.

use super::mii::Link;
use super::options::{self, mode};
use core::fmt::{self, Write};

/// `SPEED_UNKNOWN` as the slaves store it.
pub const SPEED_UNKNOWN: u32 = u32::MAX;
/// `DUPLEX_UNKNOWN`
pub const DUPLEX_UNKNOWN: u8 = 0xff;

/// What the master part of the file shows.
pub struct MasterInfo<'a> {
    /// `UTS_RELEASE` of the running kernel.
    pub kernel_release: &'a str,
    /// The bond's mode.
    pub mode: u64,
    /// `fail_over_mac`
    pub fail_over_mac: u64,
    /// `xmit_hash_policy`
    pub xmit_policy: u64,
    /// Name of the primary slave, if one is set and enslaved.
    pub primary: Option<&'a str>,
    /// `primary_reselect`
    pub primary_reselect: u64,
    /// Name of the current active slave.
    pub active: Option<&'a str>,
    /// The bond's carrier.
    pub carrier: bool,
    /// `miimon` in ms
    pub miimon: u32,
    /// updelay in miimon ticks
    pub updelay: u32,
    /// downdelay in miimon ticks
    pub downdelay: u32,
    /// peer_notif_delay in miimon ticks
    pub peer_notif_delay: u32,
}

/// What one slave's part shows.
pub struct SlaveInfo<'a> {
    /// Interface name.
    pub name: &'a str,
    /// Monitor state.
    pub link: Link,
    /// Mb/s or [`SPEED_UNKNOWN`].
    pub speed: u32,
    /// 1 full, 0 half, or [`DUPLEX_UNKNOWN`].
    pub duplex: u8,
    /// Link failures counted by the monitor.
    pub link_failure_count: u32,
    /// The MAC the slave had before it was enslaved.
    pub perm_hwaddr: [u8; 6],
    /// `queue_id`
    pub queue_id: u16,
}

/// The mode names of `bond_mode_name()`.
pub fn mode_name(m: u64) -> &'static str {
    match m {
        mode::ROUNDROBIN => "load balancing (round-robin)",
        mode::ACTIVEBACKUP => "fault-tolerance (active-backup)",
        mode::XOR => "load balancing (xor)",
        mode::BROADCAST => "fault-tolerance (broadcast)",
        mode::IEEE8023AD => "IEEE 802.3ad Dynamic link aggregation",
        mode::TLB => "transmit load balancing",
        mode::ALB => "adaptive load balancing",
        _ => "unknown",
    }
}

/// A MAC address as `%pM` prints it.
pub struct Mac<'a>(pub &'a [u8; 6]);

impl fmt::Display for Mac<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(f, "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5])
    }
}

/// The version line and the master part (`bond_info_seq_show()` for SEQ_START_TOKEN).
pub fn write_master(w: &mut dyn Write, m: &MasterInfo<'_>) -> fmt::Result {
    writeln!(w, "Ethernet Channel Bonding Driver: v{}\n", m.kernel_release)?;
    write!(w, "Bonding Mode: {}", mode_name(m.mode))?;
    if m.mode == mode::ACTIVEBACKUP && m.fail_over_mac != 0 {
        write!(w, " (fail_over_mac {})", options::name_of(options::FAIL_OVER_MAC, m.fail_over_mac).unwrap_or("?"))?;
    }
    writeln!(w)?;
    if m.mode == mode::XOR || m.mode == mode::IEEE8023AD {
        let name = options::name_of(options::XMIT_HASH_POLICY, m.xmit_policy).unwrap_or("?");
        writeln!(w, "Transmit Hash Policy: {} ({})", name, m.xmit_policy)?;
    }
    if m.mode == mode::ACTIVEBACKUP || m.mode == mode::TLB || m.mode == mode::ALB {
        write!(w, "Primary Slave: {}", m.primary.unwrap_or("None"))?;
        if m.primary.is_some() {
            let r = options::name_of(options::PRIMARY_RESELECT, m.primary_reselect).unwrap_or("?");
            write!(w, " (primary_reselect {r})")?;
        }
        writeln!(w, "\nCurrently Active Slave: {}", m.active.unwrap_or("None"))?;
    }
    writeln!(w, "MII Status: {}", if m.carrier { "up" } else { "down" })?;
    writeln!(w, "MII Polling Interval (ms): {}", m.miimon)?;
    writeln!(w, "Up Delay (ms): {}", m.updelay * m.miimon)?;
    writeln!(w, "Down Delay (ms): {}", m.downdelay * m.miimon)?;
    writeln!(w, "Peer Notification Delay (ms): {}", m.peer_notif_delay * m.miimon)
}

/// One slave's part (`bond_info_show_slave()`), without the 802.3ad lines.
pub fn write_slave(w: &mut dyn Write, s: &SlaveInfo<'_>) -> fmt::Result {
    writeln!(w, "\nSlave Interface: {}", s.name)?;
    writeln!(w, "MII Status: {}", s.link.sysfs_name())?;
    if s.speed == SPEED_UNKNOWN {
        writeln!(w, "Speed: Unknown")?;
    } else {
        // C prints the int with %d
        writeln!(w, "Speed: {} Mbps", s.speed as i32)?;
    }
    match s.duplex {
        DUPLEX_UNKNOWN => writeln!(w, "Duplex: Unknown")?,
        0 => writeln!(w, "Duplex: half")?,
        _ => writeln!(w, "Duplex: full")?,
    }
    writeln!(w, "Link Failure Count: {}", s.link_failure_count)?;
    writeln!(w, "Permanent HW addr: {}", Mac(&s.perm_hwaddr))?;
    writeln!(w, "Slave queue ID: {}", s.queue_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct S([u8; 2048], usize);
    impl Write for S {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let b = s.as_bytes();
            self.0.get_mut(self.1..self.1 + b.len()).ok_or(fmt::Error)?.copy_from_slice(b);
            self.1 += b.len();
            Ok(())
        }
    }
    impl S {
        fn new() -> Self {
            S([0; 2048], 0)
        }
        fn text(&self) -> &str {
            core::str::from_utf8(&self.0[..self.1]).unwrap()
        }
    }

    fn master(mode: u64) -> MasterInfo<'static> {
        MasterInfo {
            kernel_release: "7.3.4",
            mode,
            fail_over_mac: 0,
            xmit_policy: 0,
            primary: None,
            primary_reselect: 0,
            active: None,
            carrier: false,
            miimon: 0,
            updelay: 0,
            downdelay: 0,
            peer_notif_delay: 0,
        }
    }

    #[test]
    fn active_backup_master_text() {
        let mut m = master(mode::ACTIVEBACKUP);
        m.active = Some("eth1");
        m.carrier = true;
        m.miimon = 100;
        m.updelay = 2;
        m.downdelay = 1;
        let mut s = S::new();
        write_master(&mut s, &m).unwrap();
        assert_eq!(
            s.text(),
            "Ethernet Channel Bonding Driver: v7.3.4\n\n\
             Bonding Mode: fault-tolerance (active-backup)\n\
             Primary Slave: None\n\
             Currently Active Slave: eth1\n\
             MII Status: up\n\
             MII Polling Interval (ms): 100\n\
             Up Delay (ms): 200\n\
             Down Delay (ms): 100\n\
             Peer Notification Delay (ms): 0\n"
        );
    }

    #[test]
    fn primary_shows_its_reselect_policy() {
        let mut m = master(mode::ACTIVEBACKUP);
        m.primary = Some("eth0");
        m.primary_reselect = 1;
        let mut s = S::new();
        write_master(&mut s, &m).unwrap();
        assert!(s.text().contains("Primary Slave: eth0 (primary_reselect better)\nCurrently Active Slave: None\n"));
    }

    #[test]
    fn xor_master_text_has_the_hash_policy() {
        let mut m = master(mode::XOR);
        m.xmit_policy = 1;
        let mut s = S::new();
        write_master(&mut s, &m).unwrap();
        assert!(s.text().contains("Bonding Mode: load balancing (xor)\nTransmit Hash Policy: layer3+4 (1)\nMII Status: down\n"));
        assert!(!s.text().contains("Primary Slave"));
    }

    #[test]
    fn slave_text() {
        let mut s = S::new();
        write_slave(
            &mut s,
            &SlaveInfo {
                name: "eth0",
                link: Link::Fail,
                speed: 10000,
                duplex: 1,
                link_failure_count: 3,
                perm_hwaddr: [0x52, 0x54, 0, 0xab, 0xcd, 0xef],
                queue_id: 0,
            },
        )
        .unwrap();
        assert_eq!(
            s.text(),
            "\nSlave Interface: eth0\nMII Status: going down\nSpeed: 10000 Mbps\nDuplex: full\n\
             Link Failure Count: 3\nPermanent HW addr: 52:54:00:ab:cd:ef\nSlave queue ID: 0\n"
        );
        let mut s = S::new();
        write_slave(
            &mut s,
            &SlaveInfo {
                name: "usb0",
                link: Link::Down,
                speed: SPEED_UNKNOWN,
                duplex: DUPLEX_UNKNOWN,
                link_failure_count: 0,
                perm_hwaddr: [0; 6],
                queue_id: 0,
            },
        )
        .unwrap();
        assert!(s.text().contains("Speed: Unknown\nDuplex: Unknown\n"));
    }
}
