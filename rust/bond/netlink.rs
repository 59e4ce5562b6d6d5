// SPDX-License-Identifier: GPL-2.0
//! The bond's netlink side beyond option parsing (bond_netlink.c): `IFLA_INFO_DATA` and
//! `IFLA_INFO_SLAVE_DATA` of `ip -d link show`, and the slave options of
//! `ip link set SLAVE type bond_slave ...`. What is reported and in which order is decided by
//! `logic::netlink`; this file gathers the values.

use super::params::{deps_refused, BondState};
use super::{Bond, Slave};
use crate::logic::netlink::{self as nl, slave_attr_name, BondInfo, SlaveAd, SlaveInfo, Val};
use crate::logic::mii::delay_ms;
use super::mode::Mode;
use crate::sys::link;
use crate::sys::netdev::NetDevice;
use crate::sys::netlink::{ExtAck, LinkData, NlAttr, NlMsg};
use crate::sys::rcu::RcuRead;
use crate::sys::rtnl::Rtnl;
use crate::sys::rx;
use core::sync::atomic::Ordering::Relaxed;
use kernel::prelude::*;
use kernel::str::CString;

/// Puts one value; false if the message is full.
fn put(msg: &mut NlMsg<'_>, attr: u16, v: Val) -> bool {
    match v {
        Val::U8(x) => msg.put(attr, &[x]),
        Val::U16(x) => msg.put(attr, &x.to_ne_bytes()),
        Val::U32(x) => msg.put(attr, &x.to_ne_bytes()),
        Val::S32(x) => msg.put(attr, &x.to_ne_bytes()),
        Val::Mac(m) => msg.put(attr, &m),
        Val::Addr(m, n) => msg.put(attr, m.get(..usize::from(n)).unwrap_or(&m)),
        Val::Be32(a) => msg.put(attr, &a),
        Val::In6(a) => msg.put(attr, &a),
        Val::Nest => msg.nest_start(attr),
        Val::End => msg.nest_end(),
    }
}

/// `bond_fill_info()`: from the published snapshot (as C reads its options with READ_ONCE) and
/// the published 802.3ad view; takes no lock.
pub(super) fn fill_info(b: &Bond, _dev: &NetDevice, msg: &mut NlMsg<'_>, _rtnl: &Rtnl) -> Result {
    let info = RcuRead::with(|rcu| {
        let t = b.tx.get(rcu)?;
        let p = &t.params;
        let lacp = p.mode == Mode::Ieee8023ad;
        Some(BondInfo {
            mode: p.mode.value() as u8,
            active_slave: t.active.as_ref().filter(|_| p.uses_primary()).map(|s| s.dev.ifindex() as u32),
            miimon: p.miimon,
            // C's wrapping `int` product, put as the u32 nla_put_u32() takes
            updelay: delay_ms(p.updelay, p.miimon) as u32,
            downdelay: delay_ms(p.downdelay, p.miimon) as u32,
            primary: t.primary.as_ref().map(|s| s.dev.ifindex() as u32),
            primary_reselect: p.primary_reselect as u8,
            fail_over_mac: p.fail_over_mac as u8,
            xmit_policy: p.xmit_policy as u8,
            num_peer_notif: p.num_peer_notif,
            peer_notif_delay: delay_ms(p.peer_notif_delay, p.miimon) as u32,
            broadcast_neighbor: p.broadcast_neighbor.into(),
            resend_igmp: p.resend_igmp.into(),
            packets_per_slave: p.packets_per_slave.into(),
            lp_interval: p.lp_interval,
            tlb_dynamic_lb: p.tlb_dynamic_lb.into(),
            all_slaves_active: p.all_slaves_active.into(),
            min_links: p.min_links,
            lacp_active: p.lacp_active.into(),
            lacp_fast: p.lacp_fast.into(),
            ad_select: p.ad_select as u8,
            coupled_control: p.coupled_control.into(),
            lacp_strict: p.lacp_strict.into(),
            arp_interval: p.arp_interval,
            arp_targets: p.arp_targets,
            arp_validate: p.arp_validate as u32,
            arp_all_targets: p.arp_all_targets as u32,
            missed_max: p.missed_max,
            ns_targets: p.ns_targets,
            ad_admin: (lacp && crate::sys::capable_net_admin()).then_some((p.ad_actor_sys_prio, p.ad_user_port_key, p.ad_actor_system)),
            ad_info: if lacp { b.ad_view.get() } else { None },
        })
    });
    // no snapshot yet (the bond is being registered): nothing to report
    let Some(info) = info else { return Ok(()) };
    if nl::bond_info(&info, &mut |a, v| put(msg, a, v)) {
        Ok(())
    } else {
        Err(EMSGSIZE)
    }
}

/// `bond_fill_slave_info()`: lock-free, from what the slave publishes.
pub(super) fn fill_slave_info(b: &Bond, _dev: &NetDevice, sdev: &NetDevice, msg: &mut NlMsg<'_>, rtnl: &Rtnl) -> Result {
    // between rx handler registration and the upper link the slave has no state yet
    let Some(s) = rx::data::<Slave>(sdev, rtnl) else { return Ok(()) };
    let lacp = RcuRead::with(|rcu| b.tx.get(rcu).is_some_and(|t| t.mode == Mode::Ieee8023ad));
    let ad = lacp.then(|| {
        let (agg, actor, partner) = s.ad_view();
        let (ca, cp) = s.ad_churn();
        SlaveAd {
            agg: (agg != 0).then_some((agg as u16, actor, partner, ca, cp)),
            port_prio: s.actor_port_prio.load(Relaxed),
        }
    });
    let info = SlaveInfo {
        state: s.is_backup().into(),
        mii_status: s.link().number(),
        link_failure_count: s.link_failure_count.load(Relaxed),
        perm_hwaddr: s.perm_hwaddr,
        perm_len: u8::try_from(s.perm_addr().len()).unwrap_or(6),
        queue_id: s.queue_id.load(Relaxed),
        prio: s.prio.load(Relaxed),
        ad,
    };
    if nl::slave_info(&info, &mut |a, v| put(msg, a, v)) {
        Ok(())
    } else {
        Err(EMSGSIZE)
    }
}

fn refuse(extack: &mut ExtAck<'_>, attr: &NlAttr, err: Error, m: core::fmt::Arguments<'_>) -> Error {
    if let Ok(c) = CString::try_from_fmt(m) {
        extack.set_attr_msg(attr, &c);
    }
    err
}

/// `bond_slave_changelink()`: `queue_id`, `prio`, `actor_port_prio`. Everything is checked
/// before anything changes.
pub(super) fn slave_changelink(
    b: &Bond,
    dev: &NetDevice,
    sdev: &NetDevice,
    data: &LinkData<'_>,
    extack: &mut ExtAck<'_>,
    rtnl: &Rtnl,
) -> Result {
    let Some(s) = rx::data::<Slave>(sdev, rtnl) else { return Err(ENODEV) };
    let Some(mut ctl) = b.ctl.borrow(rtnl) else { return Err(EBUSY) };
    let st = BondState { has_slaves: true, up: dev.is_up() };
    let m = ctl.params.mode.value();
    let mut prio = None;
    let mut port_prio = None;
    let mut queue_id = None;
    for nr in 1..=nl::IFLA_BOND_SLAVE_MAX {
        let Some(attr) = data.get(nr) else { continue };
        let name = match nr {
            nl::attr::SLAVE_QUEUE_ID => "queue_id",
            nl::attr::SLAVE_PRIO => "prio",
            nl::attr::SLAVE_ACTOR_PORT_PRIO => "actor_port_prio",
            _ => {
                // read-only: C's policy does not accept them either
                let n = slave_attr_name(nr).unwrap_or("IFLA_BOND_SLAVE_?");
                return Err(refuse(extack, attr, EINVAL, format_args!("{n} is read-only; settable are queue_id, prio and actor_port_prio")));
            }
        };
        if let Err(why) = st.check(name, m) {
            return Err(deps_refused(dev, rtnl, extack, name, why, m));
        }
        match nr {
            nl::attr::SLAVE_QUEUE_ID => {
                let q = attr.u16()?;
                // bond_option_queue_id_set(): EPERM for an ID above the number of transmit queues
                // or one another slave has
                if ctl.queue_id_slave(dev, sdev, q).is_err() {
                    let n = dev.real_num_tx_queues();
                    return Err(refuse(extack, attr, EPERM, format_args!("queue_id {q}: accepted are 0 to {n}, and an ID no other slave has")));
                }
                queue_id = Some(q);
            }
            nl::attr::SLAVE_PRIO => prio = Some(attr.u32()? as i32),
            _ => port_prio = Some(attr.u16()?),
        }
    }
    if let Some(p) = prio {
        // bond_option_prio_set()
        s.prio.store(p, Relaxed);
        if ctl.primary_index(rtnl).is_some() {
            pr_warn!("{}: (slave {}): prio updated, but will not affect failover re-selection as primary slave have been set\n", dev.name(rtnl), sdev.name(rtnl));
        } else {
            b.select_active(dev, &mut ctl, rtnl);
        }
    }
    if let Some(p) = port_prio {
        b.ad_set_port_prio(&s, p);
    }
    if let Some(q) = queue_id {
        s.queue_id.store(q, Relaxed);
    }
    b.rebuild(dev, &ctl, rtnl);
    Ok(())
}

/// `bond_fill_linkxstats()`: the 802.3ad counters of a bond (its slaves' and its released
/// slaves') or of a slave (`slave`), nested as bonding nests them; an empty bond nest outside
/// 802.3ad.
pub(super) fn fill_xstats(dev: &NetDevice, slave: bool, msg: &mut NlMsg<'_>, rtnl: &Rtnl) -> Result {
    let mut sum = [0u64; 9];
    let is_lacp = |b: &Bond| RcuRead::with(|rcu| b.tx.get(rcu).is_some_and(|t| t.mode == Mode::Ieee8023ad));
    let lacp = if slave {
        let Some(s) = rx::data::<Slave>(dev, rtnl) else { return Ok(()) };
        let Some(b) = link::master_state::<Bond>(&s.bond_dev) else { return Ok(()) };
        s.ad_stats_sum_into(&mut sum);
        is_lacp(b)
    } else {
        let Some(b) = link::master_state::<Bond>(dev) else { return Ok(()) };
        b.ad_departed.sum_into(&mut sum);
        RcuRead::with(|rcu| {
            if let Some(t) = b.tx.get(rcu) {
                for s in t.all.iter() {
                    s.ad_stats_sum_into(&mut sum);
                }
            }
        });
        is_lacp(b)
    };
    let mut ok = msg.nest_start(nl::LINK_XSTATS_TYPE_BOND);
    if ok && lacp {
        ok = msg.nest_start(nl::BOND_XSTATS_3AD);
        for (i, v) in sum.iter().enumerate() {
            ok = ok && msg.put_u64(i as u16, *v, nl::BOND_3AD_STAT_PAD);
        }
        ok = ok && msg.nest_end();
    }
    if ok && msg.nest_end() {
        Ok(())
    } else {
        Err(EMSGSIZE)
    }
}
