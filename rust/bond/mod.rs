// SPDX-License-Identifier: GPL-2.0
//! The driver tier: the bond master device. No `unsafe` here (the crate root forbids it); state is
//! owned here, decisions come from `logic`, and the kernel is reached through `sys`.

use crate::logic::netlink::{bond_attr_name, IFLA_BOND_MAX};
use crate::sys::link::Master;
use crate::sys::netdev::{NetDevice, Skb};
use crate::sys::netlink::{ExtAck, LinkData};
use crate::sys::rtnl::Rtnl;
use kernel::prelude::*;
use kernel::str::CString;

/// Transmit queues of a new bond (`BOND_DEFAULT_TX_QUEUES` of the C driver).
const DEFAULT_TX_QUEUES: u32 = 16;

/// The state of one bond device.
pub(crate) struct Bond {}

impl Master for Bond {
    const KIND: &'static CStr = c"rbond";
    const NAME_TEMPLATE: &'static CStr = c"rbond%d";
    const MAXTYPE: u16 = IFLA_BOND_MAX;
    const TX_QUEUES: u32 = DEFAULT_TX_QUEUES;

    fn validate(data: &LinkData<'_>, extack: &mut ExtAck<'_>) -> Result {
        // No bonding option is implemented yet: refuse each one by name rather than ignore it.
        if let Some(attr) = data.present().next() {
            let name = bond_attr_name(attr.kind()).unwrap_or("unknown attribute");
            let msg = CString::try_from_fmt(fmt!("{name}: option not supported by rbond"))?;
            extack.set_attr_msg(attr, &msg);
            return Err(EOPNOTSUPP);
        }
        Ok(())
    }

    fn init(dev: &NetDevice, rtnl: &Rtnl) -> Result<Self> {
        dev.random_addr_unless_set(rtnl);
        // like the C driver: no slave, no carrier
        dev.carrier_off();
        Ok(Bond {})
    }

    fn open(&self, _dev: &NetDevice, _rtnl: &Rtnl) -> Result {
        Ok(())
    }

    fn stop(&self, _dev: &NetDevice, _rtnl: &Rtnl) -> Result {
        Ok(())
    }

    fn change_mtu(&self, dev: &NetDevice, rtnl: &Rtnl, mtu: u32) -> Result {
        // Without slaves any MTU the core accepted (68..=65535) is fine.
        dev.set_mtu(rtnl, mtu);
        Ok(())
    }

    fn start_xmit(&self, dev: &NetDevice, skb: Skb) {
        // no slave to send on
        skb.drop_tx(dev);
    }
}
