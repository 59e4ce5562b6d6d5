// SPDX-License-Identifier: GPL-2.0
//! `/sys/class/net/<bond>/bonding/` and `<slave>/bonding_slave/`: the C driver's files and text.
//! Readers use the RCU snapshot; writers go through the same all-or-nothing path as netlink.

use super::params::{self, BondState, Change, DepsMsg};
use super::{Bond, Slave};
use crate::logic::mii::delay_ms;
use crate::logic::options::{self as opt, parse, OptValue};
use super::mode::Mode;
use crate::logic::procfs::{Ip4, Mac};
use crate::sys::link;
use crate::sys::netdev::{NetDevice, NetNs};
use crate::sys::netlink::ExtAck;
use crate::sys::rcu::RcuRead;
use crate::sys::rtnl::Rtnl;
use crate::sys::rx;
use core::fmt::{self, Write};
use core::sync::atomic::Ordering::Relaxed;
use kernel::prelude::*;

impl crate::sys::sysfs::SysfsOps for Bond {
    fn show_locked(&self, dev: &NetDevice, attr: &str, w: &mut dyn Write) -> Option<fmt::Result> {
        show_locked(self, dev, attr, w)
    }
    fn show(&self, dev: &NetDevice, attr: &str, w: &mut dyn Write, rcu: &RcuRead) -> fmt::Result {
        show(self, dev, attr, w, rcu)
    }
    fn store(&self, dev: &NetDevice, attr: &str, text: &str, rtnl: &Rtnl) -> Result {
        store(self, dev, attr, text, rtnl)
    }
    fn slave_show(sdev: &NetDevice, attr: &str, w: &mut dyn Write, rcu: &RcuRead) -> fmt::Result {
        slave_show(sdev, attr, w, rcu)
    }
    fn masters_show(net: &NetNs, w: &mut dyn Write) -> fmt::Result {
        masters_show(net, w)
    }
    fn masters_store(net: &NetNs, text: &str, rtnl: &Rtnl) -> Result {
        masters_store(net, text, rtnl)
    }
}

fn named(w: &mut dyn Write, t: &[OptValue], v: u64) -> fmt::Result {
    writeln!(w, "{} {}", opt::name_of(t, v).unwrap_or("?"), v)
}

/// show() of the 802.3ad state attributes (`bonding_show_ad_*()`), which read the machines under
/// the mode lock: process context, no RCU. None for any other attribute.
pub(crate) fn show_locked(b: &Bond, _dev: &NetDevice, attr: &str, w: &mut dyn Write) -> Option<fmt::Result> {
    let private = matches!(attr, "ad_actor_key" | "ad_partner_key" | "ad_partner_mac");
    if !private && !matches!(attr, "ad_aggregator" | "ad_num_ports") {
        return None;
    }
    let lacp = RcuRead::with(|rcu| b.tx.get(rcu).is_some_and(|t| t.mode == Mode::Ieee8023ad));
    if !lacp || (private && !crate::sys::capable_net_admin()) {
        return Some(Ok(()));
    }
    let info = {
        let st = b.ad.lock();
        crate::logic::ad::active_agg_info(&st.ms)
    };
    Some(match (attr, info) {
        ("ad_aggregator", i) => writeln!(w, "{}", i.map_or(0, |i| i.id)),
        ("ad_num_ports", i) => writeln!(w, "{}", i.map_or(0, |i| i.ports)),
        ("ad_actor_key", i) => writeln!(w, "{}", i.map_or(0, |i| i.actor_key)),
        ("ad_partner_key", i) => writeln!(w, "{}", i.map_or(0, |i| i.partner_key)),
        ("ad_partner_mac", Some(i)) => writeln!(w, "{}", Mac(&i.partner_mac)),
        _ => Ok(()),
    })
}

/// show() of one bond attribute (bond_sysfs.c). Options rbond does not implement show the value
/// they have in rbond, which is the C default (an ARP interval of 0: no ARP monitor, ...).
pub(crate) fn show(b: &Bond, dev: &NetDevice, attr: &str, w: &mut dyn Write, rcu: &RcuRead) -> fmt::Result {
    let Some(t) = b.tx.get(rcu) else { return Ok(()) };
    let p = &t.params;
    let mut nb = [0u8; 16];
    match attr {
        "slaves" | "queue_id" => {
            let mut first = true;
            for s in t.all.iter() {
                if !first {
                    w.write_char(' ')?;
                }
                first = false;
                w.write_str(&s.dev.name_copy(&mut nb))?;
                if attr == "queue_id" {
                    // bonding_show_queue_id(): NAME:ID of each slave
                    write!(w, ":{}", s.queue_id.load(Relaxed))?;
                }
            }
            if !first {
                w.write_char('\n')?;
            }
            Ok(())
        }
        "mode" => named(w, opt::MODE, p.mode.value()),
        "fail_over_mac" => named(w, opt::FAIL_OVER_MAC, p.fail_over_mac),
        "arp_validate" => named(w, opt::ARP_VALIDATE, p.arp_validate),
        "arp_all_targets" => named(w, opt::ARP_ALL_TARGETS, p.arp_all_targets),
        "lacp_active" => named(w, opt::LACP_ACTIVE, p.lacp_active.into()),
        "lacp_rate" => named(w, opt::LACP_RATE, p.lacp_fast.into()),
        "ad_select" => named(w, opt::AD_SELECT, p.ad_select),
        // rbond's own (<bond>/rbond/)
        "lacp_fallback" => named(w, opt::LACP_FALLBACK, p.lacp_fallback.into()),
        "min_links" => writeln!(w, "{}", p.min_links),
        // 802.3ad only, and to CAP_NET_ADMIN only (empty otherwise, as in C)
        "ad_actor_sys_prio" | "ad_actor_system" | "ad_user_port_key" if p.mode != Mode::Ieee8023ad || !crate::sys::capable_net_admin() => Ok(()),
        "ad_actor_sys_prio" => writeln!(w, "{}", p.ad_actor_sys_prio),
        "ad_actor_system" => writeln!(w, "{}", Mac(&p.ad_actor_system)),
        "ad_user_port_key" => writeln!(w, "{}", p.ad_user_port_key),
        "xmit_hash_policy" => named(w, opt::XMIT_HASH_POLICY, p.xmit_policy),
        "primary_reselect" => named(w, opt::PRIMARY_RESELECT, p.primary_reselect),
        "arp_interval" => writeln!(w, "{}", p.arp_interval),
        "peer_notif_delay" => writeln!(w, "{}", delay_ms(p.peer_notif_delay, p.miimon)),
        // "a b c\n" (bonding_show_arp_targets()), nothing without targets
        "arp_ip_target" => {
            for (i, a) in p.arp_targets.iter().enumerate() {
                if i > 0 {
                    w.write_char(' ')?;
                }
                write!(w, "{}", Ip4(a))?;
            }
            if p.arp_targets.is_empty() { Ok(()) } else { w.write_char('\n') }
        }
        // C's `int` product (%d), which wraps past INT_MAX
        "downdelay" => writeln!(w, "{}", delay_ms(p.downdelay, p.miimon)),
        "updelay" => writeln!(w, "{}", delay_ms(p.updelay, p.miimon)),
        "num_grat_arp" | "num_unsol_na" => writeln!(w, "{}", p.num_peer_notif),
        "miimon" => writeln!(w, "{}", p.miimon),
        "primary" => match &t.primary {
            Some(s) => writeln!(w, "{}", &*s.dev.name_copy(&mut nb)),
            None => Ok(()),
        },
        "resend_igmp" => writeln!(w, "{}", p.resend_igmp),
        "packets_per_slave" => writeln!(w, "{}", p.packets_per_slave),
        "lp_interval" => writeln!(w, "{}", p.lp_interval),
        "tlb_dynamic_lb" => writeln!(w, "{}", u8::from(p.tlb_dynamic_lb)),
        "use_carrier" => writeln!(w, "1"),
        "active_slave" => match (&t.active, p.uses_primary()) {
            (Some(s), true) => writeln!(w, "{}", &*s.dev.name_copy(&mut nb)),
            _ => Ok(()),
        },
        "mii_status" => writeln!(w, "{}", if dev.carrier_ok() { "up" } else { "down" }),
        "all_slaves_active" => writeln!(w, "{}", u8::from(p.all_slaves_active)),
        "arp_missed_max" => writeln!(w, "{}", p.missed_max),
        // anything else: empty (the 802.3ad state attributes are shown by show_locked())
        _ => Ok(()),
    }
}

fn value(dev: &NetDevice, rtnl: &Rtnl, name: &str, t: &[OptValue], text: &str) -> Result<u64> {
    parse(t, text).map_err(|_| {
        let shown = text.trim_end_matches('\n');
        pr_err!("{}: option {name}: invalid value ({shown})\n", dev.name(rtnl));
        // bond_opt_error_interpret(): the range, whenever the table has one, whatever was wrong
        if let Some(max) = t.iter().find(|v| v.flags & opt::MAX != 0).map(|v| v.value) {
            let min = t.iter().find(|v| v.flags & opt::MIN != 0).map_or(0, |v| v.value);
            pr_err!("{}: option {name}: allowed values {min} - {max}\n", dev.name(rtnl));
        }
        EINVAL
    })
}

/// store() of one bond attribute under RTNL; a value that was set (even if unchanged) is told to
/// rtnetlink's listeners, as `__bond_opt_set_notify()` does.
pub(crate) fn store(b: &Bond, dev: &NetDevice, attr: &str, text: &str, rtnl: &Rtnl) -> Result {
    store_option(b, dev, attr, text, rtnl)?;
    notify_option_set(dev, rtnl);
    Ok(())
}

/// NETDEV_CHANGEINFODATA after an option was set (an RTM_NEWLINK that `ip monitor` and network
/// managers see), unless the bond is being registered or unregistered (`__bond_opt_set_notify()`).
pub(crate) fn notify_option_set(dev: &NetDevice, rtnl: &Rtnl) {
    if dev.is_registered(rtnl) {
        dev.notify(rtnl, crate::sys::netdev::Notify::ChangeInfoData);
    }
}

fn store_option(b: &Bond, dev: &NetDevice, attr: &str, text: &str, rtnl: &Rtnl) -> Result {
    let word = text.trim_end_matches('\n');
    // as bond_opt_check_deps(): the mode and the bond's state are checked before the value
    {
        let Some(ctl) = b.ctl.borrow(rtnl) else { return Err(EBUSY) };
        let st = BondState { has_slaves: !ctl.slaves.is_empty(), up: dev.is_up() };
        if let Err(why) = st.check(attr, ctl.params.mode.value()) {
            pr_err!("{}: option {attr}: {}\n", dev.name(rtnl), DepsMsg(why, ctl.params.mode.value()));
            return Err(params::deps_errno(why));
        }
    }
    let change = match attr {
        "slaves" => return slaves(b, dev, text, rtnl),
        "mode" => {
            let v = value(dev, rtnl, attr, opt::MODE, text)?;
            if Mode::from_value(v).is_none() {
                pr_err!("{}: option mode: invalid value ({v})\n", dev.name(rtnl));
                return Err(EINVAL);
            }
            Change::Mode(v)
        }
        "miimon" => Change::Miimon(value(dev, rtnl, attr, opt::INTMAX, text)?),
        "arp_interval" => Change::ArpInterval(value(dev, rtnl, attr, opt::INTMAX, text)?),
        "arp_validate" => Change::ArpValidate(value(dev, rtnl, attr, opt::ARP_VALIDATE, text)?),
        "arp_all_targets" => Change::ArpAllTargets(value(dev, rtnl, attr, opt::ARP_ALL_TARGETS, text)?),
        "arp_missed_max" => Change::MissedMax(value(dev, rtnl, attr, opt::MISSED_MAX, text)?),
        "arp_ip_target" => return arp_ip_target(b, dev, text, rtnl),
        "updelay" => Change::Updelay(value(dev, rtnl, attr, opt::INTMAX, text)?),
        "downdelay" => Change::Downdelay(value(dev, rtnl, attr, opt::INTMAX, text)?),
        "peer_notif_delay" => Change::PeerNotifDelay(value(dev, rtnl, attr, opt::PEER_NOTIF_DELAY, text)?),
        "use_carrier" => {
            value(dev, rtnl, attr, opt::USE_CARRIER, text)?;
            return Ok(());
        }
        "xmit_hash_policy" => Change::XmitPolicy(value(dev, rtnl, attr, opt::XMIT_HASH_POLICY, text)?),
        "primary_reselect" => Change::PrimaryReselect(value(dev, rtnl, attr, opt::PRIMARY_RESELECT, text)?),
        "fail_over_mac" => Change::FailOverMac(value(dev, rtnl, attr, opt::FAIL_OVER_MAC, text)?),
        "num_grat_arp" | "num_unsol_na" => Change::NumPeerNotif(value(dev, rtnl, attr, opt::NUM_PEER_NOTIF, text)?),
        "resend_igmp" => Change::ResendIgmp(value(dev, rtnl, attr, opt::RESEND_IGMP, text)?),
        "lp_interval" => Change::LpInterval(value(dev, rtnl, attr, opt::LP_INTERVAL, text)?),
        "tlb_dynamic_lb" => Change::TlbDynamicLb(value(dev, rtnl, attr, opt::TLB_DYNAMIC_LB, text)?),
        "packets_per_slave" => Change::PacketsPerSlave(value(dev, rtnl, attr, opt::PACKETS_PER_SLAVE, text)?),
        "all_slaves_active" => Change::AllSlavesActive(value(dev, rtnl, attr, opt::ALL_SLAVES_ACTIVE, text)?),
        "lacp_rate" => Change::LacpRate(value(dev, rtnl, attr, opt::LACP_RATE, text)?),
        "lacp_active" => Change::LacpActive(value(dev, rtnl, attr, opt::LACP_ACTIVE, text)?),
        "lacp_fallback" => Change::LacpFallback(value(dev, rtnl, attr, opt::LACP_FALLBACK, text)?),
        "ad_select" => Change::AdSelect(value(dev, rtnl, attr, opt::AD_SELECT, text)?),
        "min_links" => Change::MinLinks(value(dev, rtnl, attr, opt::INTMAX, text)?),
        "ad_actor_sys_prio" => Change::AdActorSysPrio(value(dev, rtnl, attr, opt::AD_ACTOR_SYS_PRIO, text)?),
        "ad_user_port_key" => Change::AdUserPortKey(value(dev, rtnl, attr, opt::AD_USER_PORT_KEY, text)?),
        "ad_actor_system" => match opt::mac_pton(text) {
            Some(m) if !opt::is_multicast_mac(&m) => Change::AdActorSystem(m),
            _ => {
                // bond_option_ad_actor_system_set(), then bond_opt_error_interpret()
                pr_err!("{}: Invalid ad_actor_system MAC address.\n", dev.name(rtnl));
                pr_err!("{}: option {attr}: invalid value ({word})\n", dev.name(rtnl));
                return Err(EINVAL);
            }
        },
        "queue_id" => return queue_id(b, dev, text, rtnl),
        // bond_option_primary_set(): the text up to its first newline, cut to 15 bytes
        "primary" => Change::PrimaryName(name_buf(text.split('\n').next().unwrap_or(""))),
        "active_slave" => {
            // read as bond_option_active_slave_set() reads it (sscanf "%15s")
            let Some(word) = opt::parse_active_slave(text) else { return Err(ENODEV) };
            if word.is_empty() {
                Change::ActiveSlave(0)
            } else {
                let Some(c) = cstr(word) else { return Err(ENODEV) };
                match dev.get_by_name_in_netns(rtnl, &c) {
                    Some(s) => Change::ActiveSlave(s.ifindex()),
                    None => {
                        pr_err!("{}: option active_slave: interface {word} does not exist!\n", dev.name(rtnl));
                        return Err(ENODEV);
                    }
                }
            }
        }
        _ => {
            pr_err!("{}: option {attr}: not supported by rbond\n", dev.name(rtnl));
            return Err(EOPNOTSUPP);
        }
    };
    let Some(mut ctl) = b.ctl.borrow(rtnl) else { return Err(EBUSY) };
    let name = params::sysfs_name(attr);
    // the dependencies were checked above: what apply() can refuse now is a value that depends
    // on other options (updelay without miimon, an active_slave that cannot be)
    b.apply(dev, &mut ctl, &[(change, name)], &mut ExtAck::none(), rtnl)
        .inspect_err(|_| pr_err!("{}: option {attr}: not applied\n", dev.name(rtnl)))
}

/// `arp_ip_target`: `+a.b.c.d` adds a target, `-a.b.c.d` removes one
/// (bond_option_arp_ip_targets_set()), with the C driver's messages.
fn arp_ip_target(b: &Bond, dev: &NetDevice, text: &str, rtnl: &Rtnl) -> Result {
    let cmd = text.as_bytes().first().copied();
    let Some(t) = text.get(1..).and_then(crate::logic::arpmon::parse_ipv4) else {
        pr_err!("{}: invalid ARP target specified\n", dev.name(rtnl));
        return Err(EPERM);
    };
    let change = match cmd {
        Some(b'+') => Change::ArpTargetAdd(t),
        Some(b'-') => Change::ArpTargetRemove(t),
        _ => {
            pr_err!("{}: no command found in arp_ip_targets file - use +<addr> or -<addr>\n", dev.name(rtnl));
            return Err(EPERM);
        }
    };
    let Some(mut ctl) = b.ctl.borrow(rtnl) else { return Err(EBUSY) };
    b.apply(dev, &mut ctl, &[(change, "arp_ip_target")], &mut ExtAck::none(), rtnl).inspect_err(|_| {
        // bond_opt_error_interpret(): the text as written, up to its newline
        let shown = text.split('\n').next().unwrap_or("");
        pr_err!("{}: option arp_ip_target: invalid value ({shown})\n", dev.name(rtnl));
    })
}

fn name_buf(word: &str) -> [u8; 16] {
    let mut n = [0u8; 16];
    let len = word.len().min(15);
    n[..len].copy_from_slice(&word.as_bytes()[..len]);
    n
}

fn cstr(word: &str) -> Option<kernel::str::CString> {
    kernel::str::CString::try_from_fmt(fmt!("{word}")).ok()
}

/// `slaves`: `+ifname` enslaves, `-ifname` releases (bond_option_slaves_set()).
fn slaves(b: &Bond, dev: &NetDevice, text: &str, rtnl: &Rtnl) -> Result {
    // read as bond_option_slaves_set() reads it (sscanf "%16s", then + or - and a valid name)
    let Some((add, ifname)) = opt::parse_slaves_cmd(text) else {
        pr_err!("{}: no command found in slaves file - use +ifname or -ifname\n", dev.name(rtnl));
        return Err(EPERM);
    };
    let Some(c) = cstr(ifname) else { return Err(EINVAL) };
    let Some(sdev) = dev.get_by_name_in_netns(rtnl, &c) else {
        pr_err!("{}: interface {ifname} does not exist!\n", dev.name(rtnl));
        return Err(ENODEV);
    };
    if add {
        b.enslave(dev, &sdev, &mut ExtAck::none(), rtnl)
    } else {
        let Some(mut ctl) = b.ctl.borrow(rtnl) else { return Err(EBUSY) };
        let Some(idx) = ctl.index_of(&sdev) else {
            pr_err!("{}: (slave {}): interface not enslaved\n", dev.name(rtnl), ifname);
            return Err(EINVAL);
        };
        b.release(dev, &mut ctl, idx, super::Release::Detach, rtnl);
        Ok(())
    }
}

/// `bond_option_queue_id_set()`: `SLAVE:ID`, checked as C checks it (`EPERM` for anything
/// wrong: no `:`, no number, a bad name, an ID above the number of transmit queues, a device
/// that is not a slave, a nonzero ID another slave has). Frames a tc filter puts in that transmit
/// queue of the bond then leave by the slave (active-backup, balance-rr).
fn queue_id(b: &Bond, dev: &NetDevice, text: &str, rtnl: &Rtnl) -> Result {
    let word = text.trim_end_matches('\n');
    let bad = || {
        pr_err!(
            "{}: option queue_id: invalid input ({word}); expected SLAVE:ID, a slave of the bond and an ID from 0 to {} that no other slave has\n",
            dev.name(rtnl),
            dev.real_num_tx_queues()
        );
        EPERM
    };
    let Some((name, qid)) = opt::parse_queue_id(text) else { return Err(bad()) };
    let Some(sdev) = cstr(name).and_then(|c| dev.get_by_name_in_netns(rtnl, &c)) else { return Err(bad()) };
    let Some(ctl) = b.ctl.borrow(rtnl) else { return Err(EBUSY) };
    let s = ctl.queue_id_slave(dev, &sdev, qid).map_err(|_| bad())?;
    s.queue_id.store(qid, Relaxed);
    Ok(())
}

/// show() of one `bonding_slave/` attribute (bond_sysfs_slave.c).
pub(crate) fn slave_show(sdev: &NetDevice, attr: &str, w: &mut dyn Write, rcu: &RcuRead) -> fmt::Result {
    let Some(s) = rx::data_rcu::<Slave>(sdev, rcu) else { return Ok(()) };
    match attr {
        "state" => writeln!(w, "{}", if s.is_backup() { "backup" } else { "active" }),
        "mii_status" => writeln!(w, "{}", s.link().sysfs_name()),
        "link_failure_count" => writeln!(w, "{}", s.link_failure_count.load(Relaxed)),
        "perm_hwaddr" => writeln!(w, "{}", Mac(s.perm_addr())),
        "queue_id" => writeln!(w, "{}", s.queue_id.load(Relaxed)),
        // 802.3ad: published by the machines (0: no aggregator, or not 802.3ad)
        "ad_aggregator_id" | "ad_actor_oper_port_state" | "ad_partner_oper_port_state" => {
            let (agg, actor, partner) = s.ad_view();
            match (agg, attr) {
                (0, _) => writeln!(w, "N/A"),
                (_, "ad_aggregator_id") => writeln!(w, "{agg}"),
                (_, "ad_actor_oper_port_state") => writeln!(w, "{actor}"),
                _ => writeln!(w, "{partner}"),
            }
        }
        _ => writeln!(w, "N/A"),
    }
}

/// `rbond_masters` (`bonding_masters` in compat mode): the bonds of the namespace, of both kinds,
/// space-separated (bonding_show_bonds()).
pub(crate) fn masters_show(net: &NetNs, w: &mut dyn Write) -> fmt::Result {
    let mut first = true;
    let mut res = Ok(());
    net.for_each_dev(|d| {
        if link::master_state::<Bond>(d).is_some() {
            let mut n = [0u8; 16];
            if !first {
                res = res.and(w.write_char(' '));
            }
            first = false;
            res = res.and(w.write_str(&d.name_copy(&mut n)));
        }
    });
    if !first {
        res = res.and(w.write_char('\n'));
    }
    res
}

/// `rbond_masters` writes: `+name` creates a bond (of kind `bond` in compat mode), `-name` deletes
/// one of either kind (bonding_store_bonds()).
pub(crate) fn masters_store(net: &NetNs, text: &str, rtnl: &Rtnl) -> Result {
    let word = text.split_ascii_whitespace().next().unwrap_or("");
    let name = word.get(1..).unwrap_or("");
    let valid = !name.is_empty() && name.len() < 16 && name != "." && name != ".." && !name.contains(['/', ':']);
    let cmd = word.as_bytes().first().copied();
    if !valid || !matches!(cmd, Some(b'+') | Some(b'-')) {
        pr_err!("no command found in {} - use +ifname or -ifname\n", super::files().masters);
        return Err(EPERM);
    }
    let Some(c) = cstr(name) else { return Err(ENOMEM) };
    if cmd == Some(b'+') {
        pr_info!("{name} is being created...\n");
        link::create::<Bond>(rtnl, net, &c).inspect_err(|e| {
            if *e == EEXIST {
                pr_info!("{name} already exists\n");
            } else {
                pr_info!("{name} creation failed\n");
            }
        })
    } else {
        match net.get_by_name(rtnl, &c) {
            Some(d) if link::master_state::<Bond>(&d).is_some() => {
                pr_info!("{name} is being deleted...\n");
                d.unregister(rtnl);
                Ok(())
            }
            _ => {
                pr_err!("unable to delete non-existent {name}\n");
                Err(ENODEV)
            }
        }
    }
}
