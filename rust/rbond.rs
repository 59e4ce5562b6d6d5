// SPDX-License-Identifier: GPL-2.0
//! rbond: the Linux bonding driver, again, in Rust.
//!
//! Three tiers (see Documentation/rbond.rst): `logic` decides and never touches the kernel, `sys`
//! is the only place with `unsafe`, `bond` is the driver that glues them.

use kernel::prelude::*;

/// The logic tier: pure, safe, no kernel types. It is also a host Cargo package
/// (rust/logic/lib.rs); here its module tree is included. Parts of it serve features the driver
/// does not use yet; the host tests cover them.
#[path = "logic/mod.rs"]
#[forbid(unsafe_code)]
#[allow(dead_code)]
pub mod logic;

mod sys;

#[forbid(unsafe_code)]
mod bond;

use sys::link::Registration;
use sys::rtnl::Rtnl;

module! {
    type: RbondModule,
    name: "rbond",
    authors: ["rbond developers"],
    description: "Bonding driver in Rust: balance-rr, active-backup, balance-xor, broadcast and 802.3ad",
    license: "GPL",
    alias: ["rtnl-link-rbond"],
    params: {
        tx_queues: i32 {
            default: 16,
            description: "Max number of transmit queues (default = 16)",
        },
        max_bonds: i32 {
            default: 1,
            description: "Max number of bonded devices (created at load: rbond0, rbond1, ...; bond0, bond1, ... with compat=1)",
        },
        miimon: i32 {
            default: 0,
            description: "Link check interval in milliseconds",
        },
        arp_interval: i32 {
            default: 0,
            description: "arp interval in milliseconds",
        },
        updelay: i32 {
            default: 0,
            description: "Delay before considering link up, in milliseconds",
        },
        downdelay: i32 {
            default: 0,
            description: "Delay before considering link down, in milliseconds",
        },
        use_carrier: i32 {
            default: 1,
            description: "option obsolete, use_carrier cannot be disabled",
        },
        num_grat_arp: i32 {
            default: 1,
            description: "Number of peer notifications to send on failover event (alias of num_unsol_na)",
        },
        num_unsol_na: i32 {
            default: 1,
            description: "Number of peer notifications to send on failover event (alias of num_grat_arp)",
        },
        min_links: i32 {
            default: 0,
            description: "Minimum number of available links before turning on carrier",
        },
        resend_igmp: i32 {
            default: 1,
            description: "Number of IGMP membership reports to send on link failure",
        },
        lp_interval: u32 {
            default: 1,
            description: "The number of seconds between instances where the bonding driver sends learning packets to each slaves peer switch. The default is 1.",
        },
        packets_per_slave: i32 {
            default: 1,
            description: "Packets to send per slave in balance-rr mode; 0 for a random slave, 1 packet per slave (default), >1 packets per slave.",
        },
        all_slaves_active: i32 {
            default: 0,
            description: "Keep all frames received on an interface by setting active flag for all slaves; 0 for never (default), 1 for always.",
        },
    },
}

struct RbondModule {
    /// kind `rbond`
    link: Option<Registration<bond::Bond>>,
    /// compat mode: kind `bond`
    c_link: Option<Registration<bond::Bond>>,
    proc: Option<sys::procfs::Registration<bond::Bond>>,
    events: Option<sys::notifier::Registration<bond::Events>>,
    /// compat mode: bonding.ko may not load
    veto: Option<sys::notifier::ModuleVeto>,
    /// /sys/kernel/debug/rbond (or bonding, in compat mode)
    debugfs: Option<sys::debugfs::Root>,
}

impl Drop for RbondModule {
    fn drop(&mut self) {
        // bonds first (unregistering a kind deletes its bonds), then the /proc directories, the
        // listener, and (compat mode) the veto on bonding.ko, whose names are free now; then wait
        // for the RCU callbacks that free rbond's snapshots, which run module code, before the
        // module goes away
        self.link.take();
        self.c_link.take();
        self.debugfs.take();
        self.proc.take();
        self.events.take();
        self.veto.take();
        sys::rcu::barrier();
    }
}

/// compat=1, and the C driver is loaded (it registered kind `bond`).
fn c_driver_loaded() {
    pr_err!(
        "compat=1: the C bonding driver (bonding.ko) is loaded and owns link kind \"bond\", /proc/net/bonding and \
         /sys/class/net/bonding_masters; unload it (rmmod bonding) and load rbond again, or load rbond without \
         compat=1 (rbond's own names: kind rbond, /proc/net/rbond, rbond_masters)\n"
    );
}

/// compat=1 is loaded and bonding.ko is being loaded: refused, it would take the same names.
fn c_driver_refused() {
    pr_err!(
        "refusing to load the C bonding driver (bonding.ko): rbond was loaded with compat=1 and owns link kind \
         \"bond\", /proc/net/bonding and /sys/class/net/bonding_masters; unload rbond first (rmmod rbond), or load \
         rbond without compat=1 to run both drivers\n"
    );
}

impl kernel::Module for RbondModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let max_bonds = module_parameters::max_bonds.value();
        if max_bonds < 0 {
            pr_err!("max_bonds={max_bonds} is invalid; accepted values are 0 to {}\n", i32::MAX);
            return Err(EINVAL);
        }
        let tx_queues = module_parameters::tx_queues.value();
        if !(1..=255).contains(&tx_queues) {
            pr_err!("tx_queues={tx_queues} is invalid; accepted values are 1 to 255\n");
            return Err(EINVAL);
        }
        bond::set_tx_queues(tx_queues as u32);
        let compat = sys::compat_param();
        if !(0..=1).contains(&compat) {
            pr_err!(
                "compat={compat} is invalid; accepted values are 0 (rbond's own names: kind rbond, /proc/net/rbond, \
                 rbond_masters) and 1 (also the C driver's: kind bond, /proc/net/bonding, bonding_masters)\n"
            );
            return Err(EINVAL);
        }
        sys::check_layout()?;
        use sys::StrParam;
        bond::set_module_defaults(&bond::ModuleParams {
            mode: StrParam::Mode.value(),
            primary: StrParam::Primary.value(),
            primary_reselect: StrParam::PrimaryReselect.value(),
            xmit_hash_policy: StrParam::XmitHashPolicy.value(),
            fail_over_mac: StrParam::FailOverMac.value(),
            lacp_rate: StrParam::LacpRate.value(),
            ad_select: StrParam::AdSelect.value(),
            arp_validate: StrParam::ArpValidate.value(),
            arp_all_targets: StrParam::ArpAllTargets.value(),
            lacp_fallback: StrParam::LacpFallback.value(),
            arp_ip_target: core::array::from_fn(sys::arp_ip_target_param),
            arp_interval: module_parameters::arp_interval.value(),
            min_links: module_parameters::min_links.value(),
            miimon: module_parameters::miimon.value(),
            updelay: module_parameters::updelay.value(),
            downdelay: module_parameters::downdelay.value(),
            num_grat_arp: module_parameters::num_grat_arp.value(),
            num_unsol_na: module_parameters::num_unsol_na.value(),
            all_slaves_active: module_parameters::all_slaves_active.value(),
            use_carrier: module_parameters::use_carrier.value(),
            resend_igmp: module_parameters::resend_igmp.value(),
            packets_per_slave: module_parameters::packets_per_slave.value(),
            lp_interval: module_parameters::lp_interval.value(),
        })?;
        // built step by step: on an error, dropping `m` undoes what was done, in order
        let mut m = RbondModule { link: None, c_link: None, proc: None, events: None, veto: None, debugfs: None };
        m.debugfs = Some(sys::debugfs::init(bond::files().dir, bond::debugfs_show));
        // the sysfs files answer through the bond before any exists (bonds, rbond_masters)
        sys::sysfs::register::<bond::Bond>()?;
        m.events = Some(sys::notifier::Registration::<bond::Events>::register()?);
        if compat == 1 {
            // the C driver's names are free only if bonding.ko is not loaded, and they stay free
            // only if it does not load later: refuse its load first, then take kind "bond", which
            // fails if bonding.ko has it; only then make /proc/net/bonding and bonding_masters
            // (making an existing one would be a kernel warning)
            m.veto = Some(sys::notifier::ModuleVeto::register(bond::C_MODULE, c_driver_refused)?);
            let c_link = Registration::<bond::Bond>::register(bond::C_KIND, bond::C_NAME_TEMPLATE);
            m.c_link = Some(c_link.inspect_err(|e| {
                if *e == EEXIST {
                    c_driver_loaded();
                }
            })?);
        }
        m.proc = Some(sys::procfs::Registration::<bond::Bond>::register(bond::files())?);
        m.link = Some(Registration::<bond::Bond>::register(bond::KIND, bond::NAME_TEMPLATE)?);
        // the bonds made at load are of kind bond, named bond0... in compat mode
        if let Some(link) = m.c_link.as_ref().or(m.link.as_ref()) {
            let rtnl = Rtnl::lock();
            for _ in 0..max_bonds {
                link.create(&rtnl).inspect_err(|e| pr_err!("cannot create a bond: {e:?}\n"))?;
            }
        }
        Ok(m)
    }
}
