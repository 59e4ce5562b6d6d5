// SPDX-License-Identifier: GPL-2.0
/*
 * rbond C shim: one-line functions for what C offers only as a static inline, a macro or a
 * bitfield, so that Rust (rust/sys) can call them. No logic lives here.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <net/netlink.h>
#include <net/rtnetlink.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <net/flow_dissector.h>
#include <net/sch_generic.h>
#include <linux/if_bonding.h>
#include <linux/pkt_sched.h>
#include <linux/capability.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <generated/utsrelease.h>
#include <net/netns/generic.h>
#include <linux/sched/signal.h>
#include <linux/capability.h>
#include <net/netdev_lock.h>
#include <linux/random.h>
#include <linux/percpu.h>
#include <net/arp.h>
#include <net/route.h>
#include <net/ndisc.h>
#include <net/addrconf.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <linux/inetdevice.h>
#include <linux/mii.h>
#include <linux/netpoll.h>
#include <linux/net_tstamp.h>
#include <net/xfrm.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#if IS_ENABLED(CONFIG_TLS_DEVICE)
#include <net/tls.h>
#endif
#include "shim.h"

/* netdev_printk()'s suffix for a device's registration state: "" when registered, " (unregistering)"
 * while it is being unregistered... */
const char *rbond_netdev_reg_state(const struct net_device *dev)
{
	return netdev_reg_state(dev);
}

void rbond_eth_hw_addr_random(struct net_device *dev)
{
	eth_hw_addr_random(dev);
}

void rbond_random_mac(u8 *mac)
{
	eth_random_addr(mac);
}

bool rbond_addr_is_perm_zero(const struct net_device *dev)
{
	return is_zero_ether_addr(dev->dev_addr) && dev->addr_assign_type == NET_ADDR_PERM;
}

void rbond_dev_set_mtu(struct net_device *dev, unsigned int mtu)
{
	WRITE_ONCE(dev->mtu, mtu);
}

void rbond_dev_net_set(struct net_device *dev, struct net *net)
{
	dev_net_set(dev, net);
}

/* The flags bond_setup() sets on a C bond, less IFF_BONDING: that flag tells the rest of the
 * kernel (bonding.ko's notifier among others) that netdev_priv() is a struct bonding.
 */
/* the bond's device type, as bond_type: DEVTYPE=bond in its uevent (udev, networkd's Type=bond) */
static const struct device_type rbond_devtype = {
	.name = "bond",
};

/* ---- ethtool and the ioctls bond_netdev_ops answers (bond_ethtool_ops, bond_eth_ioctl,
 * bond_siocdevprivate, bond_hwtstamp_get/set): the driver's state comes from Rust through
 * rbond_cb, set before the first device exists ---- */
static const struct rbond_master_cb *rbond_cb;

void rbond_set_master_cb(const struct rbond_master_cb *cb)
{
	WRITE_ONCE(rbond_cb, cb);
}

/* bond_ethtool_get_drvinfo(): bonding's name (rbond's outside compat mode) and its ABI version as
 * the firmware version, which ifenslave reads; the core fills the version (the kernel's) */
static void rbond_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info)
{
	strscpy(info->driver, rbond_param_compat() ? "bonding" : "rbond", sizeof(info->driver));
	snprintf(info->fw_version, sizeof(info->fw_version), "%d", BOND_ABI_VERSION);
}

/* bond_ethtool_get_link_ksettings(): the speeds of the slaves that can transmit, summed (the
 * slowest in broadcast), the first known duplex; under RTNL */
static int rbond_get_link_ksettings(struct net_device *dev, struct ethtool_link_ksettings *cmd)
{
	u32 speed = SPEED_UNKNOWN;
	u8 duplex = DUPLEX_UNKNOWN;

	READ_ONCE(rbond_cb)->link_ksettings(dev, &speed, &duplex);
	cmd->base.duplex = duplex;
	cmd->base.port = PORT_OTHER;
	cmd->base.speed = speed;
	return 0;
}

/* bond_ethtool_get_ts_info(): the active slave's (active-backup, tlb, alb), else software
 * transmit timestamps if every slave has them */
static int rbond_get_ts_info(struct net_device *dev, struct kernel_ethtool_ts_info *info)
{
	struct net_device *real_dev = READ_ONCE(rbond_cb)->active_slave(dev);
	struct kernel_ethtool_ts_info ts_info;
	bool sw_tx_support = false;
	struct net_device *lower;
	struct list_head *iter;
	int ret = 0;

	if (real_dev) {
		ret = ethtool_get_ts_info_by_layer(real_dev, info);
		dev_put(real_dev);
	} else {
		rcu_read_lock();
		iter = &dev->adj_list.lower;
		while ((lower = netdev_next_lower_dev_rcu(dev, &iter))) {
			ret = ethtool_get_ts_info_by_layer(lower, &ts_info);
			if (!ret && (ts_info.so_timestamping & SOF_TIMESTAMPING_TX_SOFTWARE)) {
				sw_tx_support = true;
				continue;
			}
			sw_tx_support = false;
			break;
		}
		rcu_read_unlock();
	}
	if (sw_tx_support)
		info->so_timestamping |= SOF_TIMESTAMPING_TX_SOFTWARE;
	return ret;
}

static const struct ethtool_ops rbond_ethtool_ops = {
	.get_drvinfo		= rbond_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= rbond_get_link_ksettings,
	.get_ts_info		= rbond_get_ts_info,
};

/* ndo_features_check: passthru_features_check(), as bond_netdev_ops: the checks a frame's
 * features need (VLAN tags, encapsulation) are the slave's, made when the bond hands it on */
netdev_features_t rbond_features_check(struct sk_buff *skb, struct net_device *dev, netdev_features_t features)
{
	return passthru_features_check(skb, dev, features);
}

/* bond_master_upper_dev_link(): the slave below the bond, with the LAG information (transmit
 * type and hash) that switch and NIC drivers offload the LAG from */
int rbond_master_upper_dev_link(struct net_device *dev, struct net_device *master, u32 tx_type, u32 hash_type,
				struct netlink_ext_ack *extack)
{
	struct netdev_lag_upper_info info = {
		.tx_type = tx_type,
		.hash_type = hash_type,
	};

	return netdev_master_upper_dev_link(dev, master, NULL, &info, extack);
}

/* bond_lower_state_changed(): netdev_lag_lower_state_info is bitfields */
void rbond_lower_state_changed(struct net_device *dev, bool link_up, bool tx_enabled)
{
	struct netdev_lag_lower_state_info info = {
		.link_up = link_up,
		.tx_enabled = tx_enabled,
	};

	netdev_lower_state_changed(dev, &info);
}

/* bond_eth_ioctl(): the MII registers of a bond: BMSR's link bit is the bond's carrier */
int rbond_eth_ioctl(struct net_device *dev, struct ifreq *ifr, int cmd)
{
	struct mii_ioctl_data *mii;

	switch (cmd) {
	case SIOCGMIIPHY:
		mii = if_mii(ifr);
		mii->phy_id = 0;
		fallthrough;
	case SIOCGMIIREG:
		mii = if_mii(ifr);
		if (mii->reg_num == 1) {
			mii->val_out = 0;
			if (netif_carrier_ok(dev))
				mii->val_out = BMSR_LSTATUS;
		}
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* bond_siocdevprivate(): the old ifenslave's private ioctl numbers, answered as their SIOCBOND*
 * equivalents by the bond's ndo_siocbond */
int rbond_siocdevprivate(struct net_device *dev, struct ifreq *ifr, void __user *data, int cmd)
{
	struct ifreq ifrdata = { .ifr_data = data };
	int (*siocbond)(struct net_device *, struct ifreq *, int) = dev->netdev_ops->ndo_siocbond;

	switch (cmd) {
	case BOND_INFO_QUERY_OLD:
		return siocbond(dev, &ifrdata, SIOCBONDINFOQUERY);
	case BOND_SLAVE_INFO_QUERY_OLD:
		return siocbond(dev, &ifrdata, SIOCBONDSLAVEINFOQUERY);
	case BOND_ENSLAVE_OLD:
		cmd = SIOCBONDENSLAVE;
		break;
	case BOND_RELEASE_OLD:
		cmd = SIOCBONDRELEASE;
		break;
	case BOND_SETHWADDR_OLD:
		cmd = SIOCBONDSETHWADDR;
		break;
	case BOND_CHANGE_ACTIVE_OLD:
		cmd = SIOCBONDCHANGEACTIVE;
		break;
	default:
		return -EOPNOTSUPP;
	}
	/* the core checks CAP_NET_ADMIN for SIOCBONDENSLAVE..., not for these (bond_do_ioctl()) */
	if (!ns_capable(dev_net(dev)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	return siocbond(dev, ifr, cmd);
}

/* SIOCBONDINFOQUERY: bond_do_ioctl()'s struct ifbond, read and written back with the bond's
 * values */
int rbond_ioctl_put_ifbond(struct ifreq *ifr, s32 mode, s32 num_slaves, s32 miimon)
{
	struct ifbond __user *u = (struct ifbond __user *)ifr->ifr_data;
	struct ifbond k;

	if (copy_from_user(&k, u, sizeof(k)))
		return -EFAULT;
	k.bond_mode = mode;
	k.num_slaves = num_slaves;
	k.miimon = miimon;
	if (copy_to_user(u, &k, sizeof(k)))
		return -EFAULT;
	return 0;
}

/* SIOCBONDSLAVEINFOQUERY: the slave_id asked for (struct ifslave read from the user) */
int rbond_ioctl_get_ifslave_id(struct ifreq *ifr, s32 *id)
{
	struct ifslave k;

	if (copy_from_user(&k, ifr->ifr_data, sizeof(k)))
		return -EFAULT;
	*id = k.slave_id;
	return 0;
}

/* ... and bond_fill_ifslave()'s answer written back, under RTNL (the slave's name) */
int rbond_ioctl_put_ifslave(struct ifreq *ifr, s32 id, const struct net_device *slave, s8 link, s8 state,
			    u32 link_failure_count)
{
	struct ifslave __user *u = (struct ifslave __user *)ifr->ifr_data;
	struct ifslave k;

	if (copy_from_user(&k, u, sizeof(k)))
		return -EFAULT;
	k.slave_id = id;
	strscpy(k.slave_name, slave->name, sizeof(k.slave_name));
	k.link = link;
	k.state = state;
	k.link_failure_count = link_failure_count;
	if (copy_to_user(u, &k, sizeof(k)))
		return -EFAULT;
	return 0;
}

/* bond_hwtstamp_get(): through the active slave, with the bonded-PHC flag */
static int rbond_set_phc_index_flag(struct kernel_hwtstamp_config *kernel_cfg)
{
	struct ifreq *ifr = kernel_cfg->ifr;
	struct hwtstamp_config cfg;

	if (kernel_cfg->copied_to_user) {
		/* the lower device has a legacy implementation */
		if (copy_from_user(&cfg, ifr->ifr_data, sizeof(cfg)))
			return -EFAULT;
		cfg.flags |= HWTSTAMP_FLAG_BONDED_PHC_INDEX;
		if (copy_to_user(ifr->ifr_data, &cfg, sizeof(cfg)))
			return -EFAULT;
	} else {
		kernel_cfg->flags |= HWTSTAMP_FLAG_BONDED_PHC_INDEX;
	}
	return 0;
}

int rbond_hwtstamp_get(struct net_device *dev, struct kernel_hwtstamp_config *cfg)
{
	struct net_device *real_dev = READ_ONCE(rbond_cb)->active_slave(dev);
	int err;

	if (!real_dev)
		return -EOPNOTSUPP;
	err = generic_hwtstamp_get_lower(real_dev, cfg);
	dev_put(real_dev);
	if (err)
		return err;
	return rbond_set_phc_index_flag(cfg);
}

/* bond_hwtstamp_set(): only with HWTSTAMP_FLAG_BONDED_PHC_INDEX (the PHC changes on failover) */
int rbond_hwtstamp_set(struct net_device *dev, struct kernel_hwtstamp_config *cfg,
		       struct netlink_ext_ack *extack)
{
	struct net_device *real_dev;
	int err;

	if (!(cfg->flags & HWTSTAMP_FLAG_BONDED_PHC_INDEX))
		return -EOPNOTSUPP;
	real_dev = READ_ONCE(rbond_cb)->active_slave(dev);
	if (!real_dev)
		return -EOPNOTSUPP;
	err = generic_hwtstamp_set_lower(real_dev, cfg, extack);
	dev_put(real_dev);
	if (err)
		return err;
	return rbond_set_phc_index_flag(cfg);
}

/* ---- a bond of non-Ethernet slaves (bond_setup_by_slave(), bond_ether_setup(),
 * bond_header_ops) ---- */

/* bond_header_create(): the current slave's own header_ops make the header, for the slave (the
 * dev passed in, never skb->dev: bonds of bonds each ask their own current slave) */
static int rbond_header_create(struct sk_buff *skb, struct net_device *bond_dev, unsigned short type,
			       const void *daddr, const void *saddr, unsigned int len)
{
	struct net_device *slave = READ_ONCE(rbond_cb)->header_slave(bond_dev);
	const struct header_ops *slave_ops;
	int ret = 0;

	if (slave) {
		slave_ops = READ_ONCE(slave->header_ops);
		if (slave_ops && slave_ops->create)
			ret = slave_ops->create(skb, slave, type, daddr, saddr, len);
		dev_put(slave);
	}
	return ret;
}

/* bond_header_parse(): as 7.3's, with the dev passed in (dev_parse_header() gives skb->dev, the
 * topmost bond; each level hands the next its own slave, so stacked bonds do not recurse) */
static int rbond_header_parse(const struct sk_buff *skb, const struct net_device *bond_dev,
			      unsigned char *haddr)
{
	struct net_device *slave = READ_ONCE(rbond_cb)->header_slave((struct net_device *)bond_dev);
	const struct header_ops *slave_ops;
	int ret = 0;

	if (slave) {
		slave_ops = READ_ONCE(slave->header_ops);
		if (slave_ops && slave_ops->parse)
			ret = slave_ops->parse(skb, slave, haddr);
		dev_put(slave);
	}
	return ret;
}

static const struct header_ops rbond_header_ops = {
	.create	= rbond_header_create,
	.parse	= rbond_header_parse,
};

/* bond_ether_setup(): ether_setup() resets the flags; MASTER comes back, SLAVE and UP stay if set */
static void rbond_ether_setup(struct net_device *bond_dev)
{
	unsigned int flags = bond_dev->flags & (IFF_SLAVE | IFF_UP);

	ether_setup(bond_dev);
	bond_dev->flags |= IFF_MASTER | flags;
	bond_dev->priv_flags &= ~IFF_TX_SKB_SHARING;
}

/* bond_setup_by_slave(): the bond takes the slave's type and what goes with it; closed and opened
 * again around the change if it was up */
static void rbond_setup_by_slave(struct net_device *bond_dev, struct net_device *slave_dev)
{
	bool was_up = !!(bond_dev->flags & IFF_UP);

	dev_close(bond_dev);

	bond_dev->header_ops = slave_dev->header_ops ? &rbond_header_ops : NULL;
	bond_dev->type = slave_dev->type;
	bond_dev->hard_header_len = slave_dev->hard_header_len;
	bond_dev->needed_headroom = slave_dev->needed_headroom;
	bond_dev->addr_len = slave_dev->addr_len;

	memcpy(bond_dev->broadcast, slave_dev->broadcast, slave_dev->addr_len);

	if (slave_dev->flags & IFF_POINTOPOINT) {
		bond_dev->flags &= ~(IFF_BROADCAST | IFF_MULTICAST);
		bond_dev->flags |= (IFF_POINTOPOINT | IFF_NOARP);
	}
	if (was_up)
		dev_open(bond_dev, NULL);
}

/* bond_enslave()'s type change for a first slave of another type: the notifiers may refuse it
 * (their errno, nothing changed); then the address lists are flushed and the bond becomes the
 * slave's type (bond_setup_by_slave()) or Ethernet again (bond_ether_setup()). The caller must
 * not hold what the bond's ndo_stop/ndo_open take (the bond is closed and opened again). */
int rbond_change_type(struct net_device *bond_dev, struct net_device *slave_dev)
{
	int res = notifier_to_errno(call_netdevice_notifiers(NETDEV_PRE_TYPE_CHANGE, bond_dev));

	if (res)
		return res;
	dev_uc_flush(bond_dev);
	dev_mc_flush(bond_dev);
	if (slave_dev->type != ARPHRD_ETHER)
		rbond_setup_by_slave(bond_dev, slave_dev);
	else
		rbond_ether_setup(bond_dev);
	call_netdevice_notifiers(NETDEV_POST_TYPE_CHANGE, bond_dev);
	return 0;
}

/* bond_enslave()'s error path for a first slave that changed the bond's type: closed, and
 * Ethernet again (bond_ether_setup(), no notifiers, as bonding) */
void rbond_undo_type_change(struct net_device *bond_dev)
{
	if (bond_dev->type != ARPHRD_ETHER) {
		dev_close(bond_dev);
		rbond_ether_setup(bond_dev);
	}
}

void rbond_master_setup_flags(struct net_device *dev)
{
	SET_NETDEV_DEVTYPE(dev, &rbond_devtype);
	dev->ethtool_ops = &rbond_ethtool_ops;
	dev->flags |= IFF_MASTER;
	dev->priv_flags |= IFF_UNICAST_FLT | IFF_NO_QUEUE;
	dev->priv_flags &= ~(IFF_XMIT_DST_RELEASE | IFF_TX_SKB_SHARING);
	dev->lltx = true;
	dev->netns_immutable = true;
	dev->max_mtu = ETH_MAX_MTU;
	/* bond_setup()'s features: VLAN filters too (ndo_vlan_rx_add_vid gives a VLAN over the bond
	 * to every slave); rbond_fix_features() narrows the rest to what the slaves do
	 */
	dev->hw_features = MASTER_UPPER_DEV_VLAN_FEATURES | NETIF_F_HW_VLAN_CTAG_RX |
			   NETIF_F_HW_VLAN_CTAG_FILTER | NETIF_F_HW_VLAN_STAG_RX |
			   NETIF_F_HW_VLAN_STAG_FILTER | NETIF_F_GSO_ENCAP_ALL;
	dev->features |= dev->hw_features;
	dev->features |= NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX | NETIF_F_GSO_PARTIAL;
}

/* for ndo_set_rx_mode, which runs with the master's address lock held */
void rbond_addr_sync_locked(struct net_device *slave, struct net_device *master, bool multiple)
{
	if (multiple) {
		dev_uc_sync_multiple(slave, master);
		dev_mc_sync_multiple(slave, master);
	} else {
		dev_uc_sync(slave, master);
		dev_mc_sync(slave, master);
	}
}

/* ndo_fix_features: bond_fix_features() over the lower devices, which are the slaves */
netdev_features_t rbond_fix_features(struct net_device *dev, netdev_features_t features)
{
	netdev_features_t mask = features;
	struct net_device *lower;
	struct list_head *iter;

	features = netdev_base_features(features);
	netdev_for_each_lower_dev(dev, lower, iter)
		features = netdev_increment_features(features, lower->features, mask);
	return netdev_add_tso_features(features, mask);
}

/* bond_tx_drop(): counted in the bond's tx_dropped; NET_XMIT_DROP for the sender */
int rbond_tx_drop(struct net_device *dev, struct sk_buff *skb)
{
	dev_core_stats_tx_dropped_inc(dev);
	dev_kfree_skb_any(skb);
	return NET_XMIT_DROP;
}

/* a frame the bond could send nowhere (bond_xmit_broadcast()): NET_XMIT_DROP */
int rbond_tx_dropped_inc(struct net_device *dev)
{
	dev_core_stats_tx_dropped_inc(dev);
	return NET_XMIT_DROP;
}

void rbond_skb_free(struct sk_buff *skb)
{
	dev_kfree_skb_any(skb);
}

/* skb_clone() in transmit context (broadcast: one copy per slave, as bond_xmit_broadcast()) */
struct sk_buff *rbond_skb_clone(struct sk_buff *skb)
{
	return skb_clone(skb, GFP_ATOMIC);
}

u32 rbond_random_u32(void)
{
	return get_random_u32();
}

/* A u32 per CPU (balance-rr's transmit counter, bond->rr_tx_counter); NULL when out of memory. */
u32 *rbond_percpu_u32_alloc(void)
{
	return (u32 __force *)alloc_percpu(u32);
}

void rbond_percpu_u32_free(u32 *p)
{
	free_percpu((u32 __percpu __force *)p);
}

/* this_cpu_inc_return(): the counter of the CPU we run on, plus one (preemption-safe) */
u32 rbond_percpu_u32_inc(u32 *p)
{
	return this_cpu_inc_return(*(u32 __percpu __force *)p);
}

/* NL_SET_ERR_MSG_ATTR, but @msg may be a temporary: it is copied into the extack. */
void rbond_extack_set(struct netlink_ext_ack *extack, const struct nlattr *attr, const char *msg)
{
	NL_SET_ERR_MSG_ATTR_FMT(extack, attr, "%s", msg);
}

/*
 * bonding's netlink policies (bond_policy and bond_slave_policy in bond_netlink.c), copied: data,
 * not logic. With them rtnetlink checks the attributes of a kind rbond request as it checks
 * bonding's, before the driver sees them (a u32 of 2 bytes is ERANGE, "Attribute failed policy
 * validation"; longer than needed is accepted, with the kernel's "has an invalid length" warning).
 */
/* bonding's delay_range: peer_notif_delay up to 300 s */
static const struct netlink_range_validation rbond_delay_range = {
	.max = 300000,
};

static const struct nla_policy rbond_bond_policy_tbl[IFLA_BOND_MAX + 1] = {
	[IFLA_BOND_MODE]		= { .type = NLA_U8 },
	[IFLA_BOND_ACTIVE_SLAVE]	= { .type = NLA_U32 },
	[IFLA_BOND_MIIMON]		= { .type = NLA_U32 },
	[IFLA_BOND_UPDELAY]		= { .type = NLA_U32 },
	[IFLA_BOND_DOWNDELAY]		= { .type = NLA_U32 },
	[IFLA_BOND_USE_CARRIER]		= { .type = NLA_U8 },
	[IFLA_BOND_ARP_INTERVAL]	= { .type = NLA_U32 },
	[IFLA_BOND_ARP_IP_TARGET]	= { .type = NLA_NESTED },
	[IFLA_BOND_ARP_VALIDATE]	= { .type = NLA_U32 },
	[IFLA_BOND_ARP_ALL_TARGETS]	= { .type = NLA_U32 },
	[IFLA_BOND_PRIMARY]		= { .type = NLA_U32 },
	[IFLA_BOND_PRIMARY_RESELECT]	= { .type = NLA_U8 },
	[IFLA_BOND_FAIL_OVER_MAC]	= { .type = NLA_U8 },
	[IFLA_BOND_XMIT_HASH_POLICY]	= { .type = NLA_U8 },
	[IFLA_BOND_RESEND_IGMP]		= { .type = NLA_U32 },
	[IFLA_BOND_NUM_PEER_NOTIF]	= { .type = NLA_U8 },
	[IFLA_BOND_ALL_SLAVES_ACTIVE]	= { .type = NLA_U8 },
	[IFLA_BOND_MIN_LINKS]		= { .type = NLA_U32 },
	[IFLA_BOND_LP_INTERVAL]		= { .type = NLA_U32 },
	[IFLA_BOND_PACKETS_PER_SLAVE]	= { .type = NLA_U32 },
	[IFLA_BOND_AD_LACP_ACTIVE]	= { .type = NLA_U8 },
	[IFLA_BOND_AD_LACP_RATE]	= { .type = NLA_U8 },
	[IFLA_BOND_AD_SELECT]		= { .type = NLA_U8 },
	[IFLA_BOND_AD_INFO]		= { .type = NLA_NESTED },
	[IFLA_BOND_AD_ACTOR_SYS_PRIO]	= { .type = NLA_U16 },
	[IFLA_BOND_AD_USER_PORT_KEY]	= { .type = NLA_U16 },
	[IFLA_BOND_AD_ACTOR_SYSTEM]	= { .type = NLA_BINARY, .len = ETH_ALEN },
	[IFLA_BOND_TLB_DYNAMIC_LB]	= { .type = NLA_U8 },
	[IFLA_BOND_PEER_NOTIF_DELAY]	= NLA_POLICY_FULL_RANGE(NLA_U32, &rbond_delay_range),
	[IFLA_BOND_MISSED_MAX]		= { .type = NLA_U8 },
	[IFLA_BOND_NS_IP6_TARGET]	= { .type = NLA_NESTED },
	[IFLA_BOND_COUPLED_CONTROL]	= { .type = NLA_U8 },
	[IFLA_BOND_BROADCAST_NEIGH]	= { .type = NLA_U8 },
	[IFLA_BOND_LACP_STRICT]		= { .type = NLA_U8 },
};

static const struct nla_policy rbond_bond_slave_policy_tbl[IFLA_BOND_SLAVE_MAX + 1] = {
	[IFLA_BOND_SLAVE_QUEUE_ID]	= { .type = NLA_U16 },
	[IFLA_BOND_SLAVE_PRIO]		= { .type = NLA_S32 },
	[IFLA_BOND_SLAVE_ACTOR_PORT_PRIO]	= { .type = NLA_U16 },
};

/* The policies have IFLA_BOND_MAX + 1 and IFLA_BOND_SLAVE_MAX + 1 entries (rbond's maxtypes). */
const struct nla_policy *rbond_bond_policy(void)
{
	return rbond_bond_policy_tbl;
}

const struct nla_policy *rbond_bond_slave_policy(void)
{
	return rbond_bond_slave_policy_tbl;
}

/* nla_put() and the nest helpers (static inlines) for fill_info and fill_slave_info; 0 or -EMSGSIZE. */
int rbond_nla_put(struct sk_buff *skb, int attrtype, int len, const void *data)
{
	return nla_put(skb, attrtype, len, data);
}

int rbond_nla_put_u64(struct sk_buff *skb, int attrtype, u64 value, int padattr)
{
	return nla_put_u64_64bit(skb, attrtype, value, padattr);
}

struct nlattr *rbond_nla_nest_start(struct sk_buff *skb, int attrtype)
{
	return nla_nest_start_noflag(skb, attrtype);
}

void rbond_nla_nest_end(struct sk_buff *skb, struct nlattr *start)
{
	nla_nest_end(skb, start);
}

void rbond_nla_nest_cancel(struct sk_buff *skb, struct nlattr *start)
{
	nla_nest_cancel(skb, start);
}

/* Sizes and offsets as GCC sees them, compared with bindgen's at load time. */
size_t rbond_layout(size_t *out, size_t n)
{
	const size_t v[] = {
		sizeof(struct net_device),
		offsetof(struct net_device, netdev_ops),
		offsetof(struct net_device, mtu),
		offsetof(struct net_device, ifindex),
		offsetof(struct net_device, name),
		offsetof(struct net_device, needs_free_netdev),
		offsetof(struct net_device, priv_destructor),
		offsetof(struct net_device, rtnl_link_ops),
		sizeof(struct net_device_ops),
		sizeof(struct rtnl_link_ops),
		offsetof(struct rtnl_link_ops, kind),
		offsetof(struct rtnl_link_ops, setup),
		offsetof(struct rtnl_link_ops, validate),
		offsetof(struct rtnl_link_ops, newlink),
		sizeof(struct rtnl_newlink_params),
		sizeof(struct rtnl_link_stats64),
	};
	size_t i;

	for (i = 0; i < n && i < ARRAY_SIZE(v); i++)
		out[i] = v[i];
	return ARRAY_SIZE(v);
}

/* ---- slaves ---- */

void rbond_dev_hold(struct net_device *dev)
{
	dev_hold(dev);
}

void rbond_dev_put(struct net_device *dev)
{
	dev_put(dev);
}

bool rbond_netif_carrier_ok(const struct net_device *dev)
{
	return netif_carrier_ok(dev);
}

/* a carrier change of @dev waits for linkwatch (which activates its qdisc after a carrier-on) */
bool rbond_linkwatch_pending(const struct net_device *dev)
{
	return test_bit(__LINK_STATE_LINKWATCH_PENDING, &dev->state);
}

/* bond_slave_is_up(): running with a carrier, in one call (asked for each frame's slave) */
bool rbond_netif_running_carrier_ok(const struct net_device *dev)
{
	return netif_running(dev) && netif_carrier_ok(dev);
}

unsigned int rbond_dev_flags(const struct net_device *dev)
{
	return READ_ONCE(dev->flags);
}

unsigned short rbond_dev_type(const struct net_device *dev)
{
	return dev->type;
}

/* the first ETH_ALEN bytes of the address, as far as the device's address goes (a GRE device's
 * is 4 bytes, nlmon's none): the rest is zero */
void rbond_dev_addr_get(const struct net_device *dev, u8 *addr)
{
	unsigned int len = min_t(unsigned int, dev->addr_len, ETH_ALEN);

	memset(addr, 0, ETH_ALEN);
	memcpy(addr, dev->dev_addr, len);
}

/* @addr holds ETH_ALEN bytes: as many as the device's address has go to it */
void rbond_dev_addr_set(struct net_device *dev, const u8 *addr, unsigned char assign_type)
{
	__dev_addr_set(dev, addr, min_t(unsigned int, dev->addr_len, ETH_ALEN));
	dev->addr_assign_type = assign_type;
}

/* bond_set_dev_addr(): the master takes the slave's whole address (addr_len bytes, the same
 * length as the master's since the slave's type is the master's) */
int rbond_dev_addr_steal(struct net_device *bond_dev, struct net_device *slave_dev)
{
	int err = netif_pre_changeaddr_notify(bond_dev, slave_dev->dev_addr, NULL);

	if (err)
		return err;
	__dev_addr_set(bond_dev, slave_dev->dev_addr, min(slave_dev->addr_len, bond_dev->addr_len));
	bond_dev->addr_assign_type = NET_ADDR_STOLEN;
	call_netdevice_notifiers(NETDEV_CHANGEADDR, bond_dev);
	return 0;
}

/* the device's driver can change its address (dev_set_mac_address() would not say -EOPNOTSUPP) */
bool rbond_dev_can_set_mac(const struct net_device *dev)
{
	return dev->netdev_ops->ndo_set_mac_address;
}

unsigned char rbond_dev_addr_assign_type(const struct net_device *dev)
{
	return dev->addr_assign_type;
}

/* the MAC of an ndo_set_mac_address() argument, and whether it is a valid unicast address */
bool rbond_sockaddr_mac(const void *ss, u8 *mac)
{
	const struct sockaddr_storage *s = ss;

	memcpy(mac, s->__data, ETH_ALEN);
	return is_valid_ether_addr(mac);
}

/* bonding's stats_lock (bond_get_stats()): one lockdep class for rbond's counters locks, taken
 * with the subclass of the device's depth above its lowest device, so that a bond reading the
 * counters of a bond below it (which takes that bond's lock) is not a recursive locking */
void rbond_nested_lock_init(spinlock_t *lock)
{
	spin_lock_init(lock);
}

void rbond_nested_lock(spinlock_t *lock, struct net_device *dev)
{
	int level = 0;

#ifdef CONFIG_LOCKDEP
	/* lower_level: 1 for a device without lower devices, one more per level below */
	level = clamp_t(int, (int)READ_ONCE(dev->lower_level) - 1, 0, MAX_LOCKDEP_SUBCLASSES - 1);
#endif
	spin_lock_nested(lock, level);
}

void rbond_nested_unlock(spinlock_t *lock)
{
	spin_unlock(lock);
}

bool rbond_dev_is_registered(const struct net_device *dev)
{
	return READ_ONCE(dev->reg_state) == NETREG_REGISTERED;
}

/* __bond_release_one() with @unregister (the slave or the bond is being unregistered, or the slave
 * leaves the namespace): the slave's MTU back without dev_set_mtu()'s checks and notifications */
int rbond_dev_restore_mtu_unregistering(struct net_device *dev, int mtu)
{
	int ret;

	netdev_lock_ops(dev);
	ret = __netif_set_mtu(dev, mtu);
	netdev_unlock_ops(dev);
	return ret;
}

int rbond_dev_set_mac(struct net_device *dev, const u8 *addr, struct netlink_ext_ack *extack)
{
	struct sockaddr_storage ss = { .ss_family = dev->type };

	memcpy(ss.__data, addr, ETH_ALEN);
	return dev_set_mac_address(dev, &ss, extack);
}

/* IFF_SLAVE is what users see; IFF_NO_ADDRCONF keeps IPv6 from configuring the slave. Not
 * IFF_BONDING: that flag makes bonding.ko take rx_handler_data for its own struct slave.
 */
void rbond_dev_set_slave_flags(struct net_device *dev, bool slave)
{
	if (slave) {
		dev->flags |= IFF_SLAVE;
		dev->priv_flags |= IFF_NO_ADDRCONF;
	} else {
		dev->flags &= ~IFF_SLAVE;
		dev->priv_flags &= ~IFF_NO_ADDRCONF;
	}
}

struct net *rbond_dev_net(const struct net_device *dev)
{
	return dev_net(dev);
}

bool rbond_dev_net_eq(const struct net_device *a, const struct net_device *b)
{
	return net_eq(dev_net(a), dev_net(b));
}

bool rbond_netif_is_bond_master(const struct net_device *dev)
{
	return netif_is_bond_master(dev);
}

bool rbond_dev_is_loopback(const struct net_device *dev)
{
	return dev->flags & IFF_LOOPBACK;
}

/* bond_update_speed_duplex(): speed in Mb/s and DUPLEX_*; -EINVAL if the driver does not say */
/* bond_update_speed_duplex(); @ops_locked: the caller (a netdevice notifier) holds the device's
 * instance lock if its ops need one, else it is taken here */
int rbond_dev_speed_duplex(struct net_device *dev, u32 *speed, u8 *duplex, bool ops_locked)
{
	struct ethtool_link_ksettings ecmd;
	int res;

	if (ops_locked)
		res = netif_get_link_ksettings(dev, &ecmd);
	else
		res = __ethtool_get_link_ksettings(dev, &ecmd);
	if (res < 0)
		return -EINVAL;
	if (ecmd.base.speed == 0 || ecmd.base.speed == ((__u32)-1))
		return -EINVAL;
	switch (ecmd.base.duplex) {
	case DUPLEX_FULL:
	case DUPLEX_HALF:
		break;
	default:
		return -EINVAL;
	}
	*speed = ecmd.base.speed;
	*duplex = ecmd.base.duplex;
	return 0;
}

bool rbond_rx_handler_is(const struct net_device *dev, rx_handler_func_t *handler)
{
	return rcu_access_pointer(dev->rx_handler) == handler;
}

void *rbond_rx_handler_data_rtnl(const struct net_device *dev)
{
	return rtnl_dereference(dev->rx_handler_data);
}

void *rbond_rx_handler_data_rcu(const struct net_device *dev)
{
	return rcu_dereference(dev->rx_handler_data);
}

struct net_device *rbond_notifier_info_to_dev(void *ptr)
{
	return netdev_notifier_info_to_dev(ptr);
}

void rbond_init_delayed_work(struct delayed_work *dw, work_func_t fn)
{
	INIT_DELAYED_WORK(dw, fn);
}

void rbond_queue_delayed_work(struct delayed_work *dw, unsigned int delay_ms)
{
	queue_delayed_work(system_dfl_wq, dw, msecs_to_jiffies(delay_ms));
}

void rbond_run_delayed_work_now(struct delayed_work *dw)
{
	mod_delayed_work(system_dfl_wq, dw, 0);
}

/* the inverse of netdev_priv() */
struct net_device *rbond_priv_to_netdev(void *priv)
{
	return (struct net_device *)((char *)priv - ALIGN(sizeof(struct net_device), NETDEV_ALIGN));
}

/* gratuitous ARP / unsolicited NA from the IP stacks after a failover */
void rbond_notify_peers(struct net_device *dev)
{
	call_netdevice_notifiers(NETDEV_NOTIFY_PEERS, dev);
}

const char *rbond_uts_release(void)
{
	return UTS_RELEASE;
}

void *rbond_net_generic(const struct net *net, unsigned int id)
{
	return net_generic(net, id);
}

struct proc_dir_entry *rbond_net_proc_net(struct net *net)
{
	return net->proc_net;
}

/*
 * A bond's /proc file. single_open()'s buffer starts at a page and, while the text does not fit,
 * is freed and doubled and the whole text made again: a bond of 64 slaves (10 KB) was made three
 * times a read (bonding.ko's file, a record a slave, fills a page at a time instead). This one
 * opens with the buffer the last text fitted in.
 */
struct rbond_proc {
	int (*show)(struct seq_file *m, void *data);
	void *data;
	atomic_t size;
};

static int rbond_proc_show(struct seq_file *m, void *v)
{
	struct rbond_proc *p = m->private;
	int ret = p->show(m, p->data);

	if (!ret && !seq_has_overflowed(m))
		atomic_set(&p->size, max_t(size_t, PAGE_SIZE, roundup_pow_of_two(m->count + 1)));
	return ret;
}

static int rbond_proc_open(struct inode *inode, struct file *file)
{
	struct rbond_proc *p = pde_data(inode);

	return single_open_size(file, rbond_proc_show, p, atomic_read(&p->size));
}

static const struct proc_ops rbond_proc_ops = {
	.proc_open	= rbond_proc_open,
	.proc_read_iter	= seq_read_iter,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

/* name in dir, read-only; show(m, data) writes its text; *priv: to give to rbond_proc_remove() */
struct proc_dir_entry *rbond_proc_create(const char *name, struct proc_dir_entry *dir,
					 int (*show)(struct seq_file *, void *), void *data,
					 struct rbond_proc **priv)
{
	struct rbond_proc *p = kmalloc(sizeof(*p), GFP_KERNEL);
	struct proc_dir_entry *pde;

	*priv = NULL;
	if (!p)
		return NULL;
	p->show = show;
	p->data = data;
	atomic_set(&p->size, PAGE_SIZE);
	pde = proc_create_data(name, 0444, dir, &rbond_proc_ops, p);
	if (!pde) {
		kfree(p);
		return NULL;
	}
	*priv = p;
	return pde;
}

/* proc_remove() waits for the readers inside and releases the open files: then p is unused */
void rbond_proc_remove(struct proc_dir_entry *pde, struct rbond_proc *priv)
{
	proc_remove(pde);
	kfree(priv);
}

/* the master's unicast and multicast address lists onto a slave (bond_hw_addr_swap(),
 * bond_set_rx_mode()); @multiple when several slaves share the lists
 */
void rbond_addr_sync(struct net_device *slave, struct net_device *master, bool multiple)
{
	netif_addr_lock_bh(master);
	rbond_addr_sync_locked(slave, master, multiple);
	netif_addr_unlock_bh(master);
}

/* bond_hw_addr_flush() */
void rbond_addr_unsync(struct net_device *slave, struct net_device *master)
{
	dev_uc_unsync(slave, master);
	dev_mc_unsync(slave, master);
}

/* the slave an SIOCBOND* ioctl names (ifr_slave), found in the bond's namespace; NULL if none */
struct net_device *rbond_ioctl_slave(struct net_device *bond, struct ifreq *ifr)
{
	return __dev_get_by_name(dev_net(bond), ifr->ifr_slave);
}

/* ---- data path ---- */

/* the keys bonding dissects for encap2+3 / encap3+4 (flow_keys_bonding_keys in bond_main.c) */
static const struct flow_dissector_key rbond_flow_keys[] = {
	{ .key_id = FLOW_DISSECTOR_KEY_CONTROL, .offset = offsetof(struct flow_keys, control) },
	{ .key_id = FLOW_DISSECTOR_KEY_BASIC, .offset = offsetof(struct flow_keys, basic) },
	{ .key_id = FLOW_DISSECTOR_KEY_IPV4_ADDRS, .offset = offsetof(struct flow_keys, addrs.v4addrs) },
	{ .key_id = FLOW_DISSECTOR_KEY_IPV6_ADDRS, .offset = offsetof(struct flow_keys, addrs.v6addrs) },
	{ .key_id = FLOW_DISSECTOR_KEY_TIPC, .offset = offsetof(struct flow_keys, addrs.tipckey) },
	{ .key_id = FLOW_DISSECTOR_KEY_PORTS, .offset = offsetof(struct flow_keys, ports) },
	{ .key_id = FLOW_DISSECTOR_KEY_ICMP, .offset = offsetof(struct flow_keys, icmp) },
	{ .key_id = FLOW_DISSECTOR_KEY_VLAN, .offset = offsetof(struct flow_keys, vlan) },
	{ .key_id = FLOW_DISSECTOR_KEY_FLOW_LABEL, .offset = offsetof(struct flow_keys, tags) },
	{ .key_id = FLOW_DISSECTOR_KEY_GRE_KEYID, .offset = offsetof(struct flow_keys, keyid) },
};
static struct flow_dissector rbond_flow_dissector __read_mostly;

void rbond_flow_dissector_init(void)
{
	skb_flow_dissector_init(&rbond_flow_dissector, rbond_flow_keys, ARRAY_SIZE(rbond_flow_keys));
}

/* the src, dst, ports and icmp words of a dissected flow, as C hashes them */
static void rbond_flow_words(const struct flow_keys *fk, u32 *out)
{
	out[0] = (__force u32)flow_get_u32_src(fk);
	out[1] = (__force u32)flow_get_u32_dst(fk);
	out[2] = (__force u32)fk->ports.ports;
	memcpy(&out[3], &fk->icmp, sizeof(u32));
}

/* bond_flow_dissect() for the encap policies */
bool rbond_skb_flow_dissect(const struct net_device *bond, const struct sk_buff *skb, u32 *out)
{
	struct flow_keys fk;

	memset(&fk, 0, sizeof(fk));
	if (!__skb_flow_dissect(dev_net(bond), skb, &rbond_flow_dissector, &fk, skb->data,
				skb->protocol, skb_network_offset(skb), skb_headlen(skb), 0))
		return false;
	rbond_flow_words(&fk, out);
	return true;
}

/* encap3+4 takes the stack's L4 hash when there is one (bond_xmit_hash()) */
bool rbond_skb_l4_hash(const struct sk_buff *skb, u32 *hash)
{
	if (!skb->l4_hash)
		return false;
	*hash = skb->hash;
	return true;
}

/* the start of an rx handler for a shared skb (an unshared one, the usual case, the handler reads
 * itself), in one call: skb_share_check() of @skb, whose
 * result (NULL: the frame is gone, a shared one that could not be cloned was freed) it returns,
 * and in *@data the hook's data of the device it came on */
struct sk_buff *rbond_rx_handler_begin(struct sk_buff *skb, void **data)
{
	skb = skb_share_check(skb, GFP_ATOMIC);
	*data = skb ? rcu_dereference(skb->dev->rx_handler_data) : NULL;
	return skb;
}

/* the frame came on an Ethernet slave (a non-Ethernet one's, GRE's or IPoIB's, has no Ethernet
 * destination to read: not link-local) and its Ethernet destination is 01:80:c2:00:00:0X */
bool rbond_skb_dest_is_link_local(const struct sk_buff *skb)
{
	if (skb->dev->type != ARPHRD_ETHER || !skb_mac_header_was_set(skb))
		return false;
	return is_link_local_ether_addr(eth_hdr(skb)->h_dest);
}

unsigned char rbond_skb_pkt_type(const struct sk_buff *skb)
{
	return skb->pkt_type;
}


/* bond_dev_queue_xmit(): the queue mapping rbond_select_queue() saved goes to the slave; in
 * netpoll context (netconsole over the bond) the frame goes through the slave's netpoll, np (NULL
 * if the slave has none: dropped, as by netpoll_send_skb()) */
int rbond_dev_queue_xmit(struct sk_buff *skb, struct net_device *dev, struct net_device *bond, struct netpoll *np)
{
	skb->dev = dev;
	skb_set_queue_mapping(skb, qdisc_skb_cb(skb)->slave_dev_queue_mapping);
	if (unlikely(netpoll_tx_running(bond)))
		return netpoll_send_skb(np, skb);
	return dev_queue_xmit(skb);
}

/* slave_enable_netpoll(): a netpoll of the slave's own, or an error (the slave cannot do netpoll) */
struct netpoll *rbond_netpoll_enable(struct net_device *slave, int *err)
{
	struct netpoll *np = kzalloc(sizeof(*np), GFP_KERNEL);

	*err = -ENOMEM;
	if (!np)
		return NULL;
	*err = __netpoll_setup(np, slave);
	if (*err) {
		kfree(np);
		return NULL;
	}
	return np;
}

/* slave_disable_netpoll(): __netpoll_free() waits for the senders (synchronize_net()) */
void rbond_netpoll_free(struct netpoll *np)
{
	__netpoll_free(np);
}

/* whether netpoll (netconsole) uses the bond: its slaves need a netpoll each */
bool rbond_netpoll_in_use(const struct net_device *dev)
{
	return rcu_access_pointer(dev->npinfo) != NULL;
}

void rbond_netpoll_poll_dev(struct net_device *dev)
{
	netpoll_poll_dev(dev);
}

/* ndo_select_queue: bond_select_queue(). It keeps the stack from hashing the flow for the queue
 * choice (skb_tx_hash() would set skb->l4_hash, which encap3+4 then uses), and records the
 * queue mapping for the slave.
 */
u16 rbond_select_queue(struct net_device *dev, struct sk_buff *skb, struct net_device *sb_dev)
{
	u16 txq = skb_rx_queue_recorded(skb) ? skb_get_rx_queue(skb) : 0;

	qdisc_skb_cb(skb)->slave_dev_queue_mapping = skb_get_queue_mapping(skb);
	if (unlikely(txq >= dev->real_num_tx_queues)) {
		do {
			txq -= dev->real_num_tx_queues;
		} while (txq >= dev->real_num_tx_queues);
	}
	return txq;
}

/* The linear bytes from the MAC header on, with what __bond_xmit_hash() reads beside them. */
const u8 *rbond_skb_data(const struct sk_buff *skb, unsigned int *len, u16 *protocol, u16 *nhoff,
			 u16 *vlan_tci, bool *vlan_present)
{
	*len = skb_headlen(skb);
	*protocol = ntohs(skb->protocol);
	*nhoff = skb_network_offset(skb);
	*vlan_present = skb_vlan_tag_present(skb);
	*vlan_tci = *vlan_present ? skb_vlan_tag_get(skb) : 0;
	return skb->data;
}

/* net_ratelimit(): the networking log's rate limit (the C driver's messages per slave and tick) */
bool rbond_net_ratelimit(void)
{
	return net_ratelimit();
}

/* skb_header_pointer()'s copy for bytes past the linear part (its page fragments, its frag_list):
 * __bond_xmit_hash() reads the headers there (pskb_may_pull(), skb_header_pointer()). Takes no
 * lock, allocates nothing; false if the packet ends before offset + len. */
bool rbond_skb_copy_bits(const struct sk_buff *skb, unsigned int offset, u8 *to, unsigned int len)
{
	if (offset > INT_MAX || len > INT_MAX - offset)
		return false;
	return skb_copy_bits(skb, offset, to, len) == 0;
}

/* netif_pre_changeaddr_notify() is exported to this namespace only (bonding.ko imports it too) */
MODULE_IMPORT_NS("NETDEV_INTERNAL");

/*
 * String module parameters (Rust module! parameters are integers only). They are read once by
 * rbond's init, which checks them with the option tables and refuses to load on a bad value.
 */
static char *mode;
module_param(mode, charp, 0);
MODULE_PARM_DESC(mode, "Mode of operation; 0 for balance-rr, 1 for active-backup, 2 for balance-xor, "
		       "3 for broadcast, 4 for 802.3ad (5 balance-tlb, 6 balance-alb: not supported by rbond yet)");
static char *primary;
module_param(primary, charp, 0);
MODULE_PARM_DESC(primary, "Primary network device to use");
static char *primary_reselect;
module_param(primary_reselect, charp, 0);
MODULE_PARM_DESC(primary_reselect, "Reselect primary slave once it comes up; 0 for always (default), "
				   "1 for only if speed of primary is better, 2 for only on active slave failure");
static char *xmit_hash_policy;
module_param(xmit_hash_policy, charp, 0);
MODULE_PARM_DESC(xmit_hash_policy, "balance-xor hashing method; 0 for layer 2 (default), 1 for layer 3+4, "
				   "2 for layer 2+3, 3 for encap layer 2+3, 4 for encap layer 3+4, 5 for vlan+srcmac");
static char *fail_over_mac;
module_param(fail_over_mac, charp, 0);
MODULE_PARM_DESC(fail_over_mac, "For active-backup, do not set all slaves to the same MAC; "
				"0 for none (default), 1 for active, 2 for follow");

static char *lacp_rate;
module_param(lacp_rate, charp, 0);
MODULE_PARM_DESC(lacp_rate, "LACPDU tx rate to request from 802.3ad partner; 0 for slow, 1 for fast "
			    "(802.3ad only)");
static char *ad_select;
module_param(ad_select, charp, 0);
MODULE_PARM_DESC(ad_select, "802.3ad aggregation selection logic; 0 for stable (default), 1 for bandwidth, "
			    "2 for count, 3 for actor_port_prio");

/* rbond's own (Documentation/rbond.rst, "LACP fallback") */
static char *lacp_fallback;
module_param(lacp_fallback, charp, 0);
MODULE_PARM_DESC(lacp_fallback, "802.3ad: announce and log the port that carries the traffic alone when no LACP "
				"partner answers; 0 for off (default), 1 for on (rbond only)");

static char *arp_validate;
module_param(arp_validate, charp, 0);
MODULE_PARM_DESC(arp_validate, "validate src/dst of ARP probes; "
			       "0 for none (default), 1 for active, "
			       "2 for backup, 3 for all");
static char *arp_all_targets;
module_param(arp_all_targets, charp, 0);
MODULE_PARM_DESC(arp_all_targets, "fail on any/all arp targets timeout; 0 for any (default), 1 for all");
static char *arp_ip_target[16];
module_param_array(arp_ip_target, charp, NULL, 0);
MODULE_PARM_DESC(arp_ip_target, "arp targets in n.n.n.n form");

/* compat=1: rbond also takes the C driver's names (Documentation/rbond.rst, "Compatibility mode").
 * Declared here rather than in module! so that it shows in /sys/module/rbond/parameters/.
 */
static int rbond_compat;
module_param_named(compat, rbond_compat, int, 0444);
MODULE_PARM_DESC(compat, "1: also link kind bond, /proc/net/bonding and bonding_masters, bonds named bond%d "
			 "(the C bonding driver must not be loaded); 0: rbond's own names only (default)");

int rbond_param_compat(void)
{
	return rbond_compat;
}

const char *rbond_param_str(unsigned int which)
{
	switch (which) {
	case 0: return mode;
	case 1: return primary;
	case 2: return primary_reselect;
	case 3: return xmit_hash_policy;
	case 4: return fail_over_mac;
	case 5: return lacp_rate;
	case 6: return ad_select;
	case 7: return arp_validate;
	case 8: return arp_all_targets;
	case 9: return lacp_fallback;
	default:
		/* 16 to 31: arp_ip_target[0..15] */
		if (which >= 16 && which < 16 + ARRAY_SIZE(arp_ip_target))
			return arp_ip_target[which - 16];
		return NULL;
	}
}

/*
 * sysfs: /sys/class/net/<bond>/bonding/ and /sys/class/net/<slave>/bonding_slave/, with the C
 * driver's attribute names and modes. The tables are C (they are built by macros); the text comes
 * from Rust (rust/sys/sysfs.rs).
 */
ssize_t rbond_rs_bond_show(struct net_device *dev, const char *attr, char *buf);
ssize_t rbond_rs_bond_store(struct net_device *dev, const char *attr, const char *buf, size_t count);
ssize_t rbond_rs_slave_show(struct net_device *dev, const char *attr, char *buf);

static ssize_t rbond_bond_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return rbond_rs_bond_show(to_net_dev(d), attr->attr.name, buf);
}

static ssize_t rbond_bond_store(struct device *d, struct device_attribute *attr, const char *buf,
				size_t count)
{
	return rbond_rs_bond_store(to_net_dev(d), attr->attr.name, buf, count);
}

static ssize_t rbond_slave_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return rbond_rs_slave_show(to_net_dev(d), attr->attr.name, buf);
}

#define RB_RW(_n) static struct device_attribute rb_attr_##_n = __ATTR(_n, 0644, rbond_bond_show, rbond_bond_store)
#define RB_RO(_n) static struct device_attribute rb_attr_##_n = __ATTR(_n, 0444, rbond_bond_show, NULL)
RB_RW(slaves); RB_RW(mode); RB_RW(fail_over_mac); RB_RW(arp_validate); RB_RW(arp_all_targets);
RB_RW(arp_interval); RB_RW(arp_ip_target); RB_RW(downdelay); RB_RW(updelay); RB_RW(peer_notif_delay);
RB_RW(lacp_active); RB_RW(lacp_rate); RB_RW(ad_select); RB_RW(xmit_hash_policy); RB_RW(num_grat_arp);
RB_RW(num_unsol_na); RB_RW(miimon); RB_RW(primary); RB_RW(primary_reselect); RB_RW(use_carrier);
RB_RW(active_slave); RB_RO(mii_status); RB_RO(ad_aggregator); RB_RO(ad_num_ports); RB_RO(ad_actor_key);
RB_RO(ad_partner_key); RB_RO(ad_partner_mac); RB_RW(queue_id); RB_RW(all_slaves_active);
RB_RW(resend_igmp); RB_RW(min_links); RB_RW(lp_interval); RB_RW(packets_per_slave);
RB_RW(tlb_dynamic_lb); RB_RW(ad_actor_sys_prio); RB_RW(ad_actor_system); RB_RW(ad_user_port_key);
RB_RW(arp_missed_max);

/* the order of per_bond_attrs[] in bond_sysfs.c */
static struct attribute *rbond_bond_attrs[] = {
	&rb_attr_slaves.attr, &rb_attr_mode.attr, &rb_attr_fail_over_mac.attr,
	&rb_attr_arp_validate.attr, &rb_attr_arp_all_targets.attr, &rb_attr_arp_interval.attr,
	&rb_attr_arp_ip_target.attr, &rb_attr_downdelay.attr, &rb_attr_updelay.attr,
	&rb_attr_peer_notif_delay.attr, &rb_attr_lacp_active.attr, &rb_attr_lacp_rate.attr,
	&rb_attr_ad_select.attr, &rb_attr_xmit_hash_policy.attr, &rb_attr_num_grat_arp.attr,
	&rb_attr_num_unsol_na.attr, &rb_attr_miimon.attr, &rb_attr_primary.attr,
	&rb_attr_primary_reselect.attr, &rb_attr_use_carrier.attr, &rb_attr_active_slave.attr,
	&rb_attr_mii_status.attr, &rb_attr_ad_aggregator.attr, &rb_attr_ad_num_ports.attr,
	&rb_attr_ad_actor_key.attr, &rb_attr_ad_partner_key.attr, &rb_attr_ad_partner_mac.attr,
	&rb_attr_queue_id.attr, &rb_attr_all_slaves_active.attr, &rb_attr_resend_igmp.attr,
	&rb_attr_min_links.attr, &rb_attr_lp_interval.attr, &rb_attr_packets_per_slave.attr,
	&rb_attr_tlb_dynamic_lb.attr, &rb_attr_ad_actor_sys_prio.attr, &rb_attr_ad_actor_system.attr,
	&rb_attr_ad_user_port_key.attr, &rb_attr_arp_missed_max.attr,
	NULL,
};

static const struct attribute_group rbond_bond_group = {
	.name = "bonding",
	.attrs = rbond_bond_attrs,
};

#define RB_SLAVE(_n) static struct device_attribute rb_sattr_##_n = __ATTR(_n, 0444, rbond_slave_show, NULL)
RB_SLAVE(state); RB_SLAVE(mii_status); RB_SLAVE(link_failure_count); RB_SLAVE(perm_hwaddr);
RB_SLAVE(queue_id); RB_SLAVE(ad_aggregator_id); RB_SLAVE(ad_actor_oper_port_state);
RB_SLAVE(ad_partner_oper_port_state);

static struct attribute *rbond_slave_attrs[] = {
	&rb_sattr_state.attr, &rb_sattr_mii_status.attr, &rb_sattr_link_failure_count.attr,
	&rb_sattr_perm_hwaddr.attr, &rb_sattr_queue_id.attr, &rb_sattr_ad_aggregator_id.attr,
	&rb_sattr_ad_actor_oper_port_state.attr, &rb_sattr_ad_partner_oper_port_state.attr,
	NULL,
};

static const struct attribute_group rbond_slave_group = {
	.name = "bonding_slave",
	.attrs = rbond_slave_attrs,
};

/* rbond's own options, in <bond>/rbond/ so that <bond>/bonding/ stays the C driver's directory */
RB_RW(lacp_fallback);

static struct attribute *rbond_own_attrs[] = {
	&rb_attr_lacp_fallback.attr,
	NULL,
};

static const struct attribute_group rbond_own_group = {
	.name = "rbond",
	.attrs = rbond_own_attrs,
};

/* after register_netdevice(): the device has its kobject; the directory goes with it at
 * unregistration (kobject_del() removes the whole subtree) */
int rbond_own_sysfs_add(struct net_device *dev)
{
	return sysfs_create_group(&dev->dev.kobj, &rbond_own_group);
}

/* before register_netdevice(): device_add() creates <bond>/bonding/ */
void rbond_set_sysfs_group(struct net_device *dev)
{
	dev->sysfs_groups[0] = &rbond_bond_group;
}

int rbond_slave_sysfs_add(struct net_device *slave)
{
	return sysfs_create_group(&slave->dev.kobj, &rbond_slave_group);
}

void rbond_slave_sysfs_del(struct net_device *slave)
{
	sysfs_remove_group(&slave->dev.kobj, &rbond_slave_group);
}

/* the 802.3ad actor settings are shown to CAP_NET_ADMIN only, as by bond_sysfs.c */
bool rbond_capable_net_admin(void)
{
	return capable(CAP_NET_ADMIN);
}

/* sysfs stores that cannot get RTNL now ask to be restarted (bond_opt_tryset_rtnl()) */
int rbond_restart_syscall(void)
{
	return restart_syscall();
}

/* /sys/class/net/rbond_masters (or bonding_masters in compat mode) of one namespace */
ssize_t rbond_rs_masters_show(struct net *net, char *buf);
ssize_t rbond_rs_masters_store(struct net *net, const char *buf, size_t count);

static ssize_t rbond_masters_show(const struct class *cls, const struct class_attribute *attr, char *buf)
{
	const struct rbond_net *rn = container_of_const(attr, struct rbond_net, masters);

	return rbond_rs_masters_show(rn->net, buf);
}

static ssize_t rbond_masters_store(const struct class *cls, const struct class_attribute *attr,
				   const char *buf, size_t count)
{
	const struct rbond_net *rn = container_of_const(attr, struct rbond_net, masters);

	return rbond_rs_masters_store(rn->net, buf, count);
}

void rbond_masters_init(struct rbond_net *rn, const char *name)
{
	rn->masters.attr.name = name;
	rn->masters.attr.mode = 0644;
	rn->masters.show = rbond_masters_show;
	rn->masters.store = rbond_masters_store;
	sysfs_attr_init(&rn->masters.attr);
}

int rbond_masters_add(struct rbond_net *rn)
{
	return netdev_class_create_file_ns(&rn->masters, to_ns_common(rn->net));
}

void rbond_masters_del(struct rbond_net *rn)
{
	netdev_class_remove_file_ns(&rn->masters, to_ns_common(rn->net));
}

void rbond_for_each_netdev_rcu(struct net *net, void (*cb)(void *ctx, struct net_device *dev), void *ctx)
{
	struct net_device *dev;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev)
		cb(ctx, dev);
	rcu_read_unlock();
}

/* bond_net_exit_rtnl(): a dying namespace's devices for which @ours says yes go on @kill, with
 * the other devices the namespace's exit_rtnl methods queue (a bond goes in the same batch as
 * its slaves, as bonding's) */
void rbond_net_queue_devices(struct net *net, struct list_head *kill, bool (*ours)(const struct net_device *dev))
{
	struct net_device *dev;

	ASSERT_RTNL();
	for_each_netdev(net, dev)
		if (ours(dev))
			unregister_netdevice_queue(dev, kill);
}

void rbond_unregister_netdevice(struct net_device *dev)
{
	unregister_netdevice(dev);
}

void rbond_consume_skb(struct sk_buff *skb)
{
	consume_skb(skb);
}

/* bond_3ad_lacpdu_recv(): 1 and the first len bytes after the Ethernet header copied for a Slow
 * Protocols frame to the LACP group address, 0 for one too short, -1 for anything else */
int rbond_skb_slow_pdu(const struct sk_buff *skb, u8 *buf, unsigned int len)
{
	static const u8 group[ETH_ALEN] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x02 };

	if (skb->protocol != htons(ETH_P_SLOW) || !ether_addr_equal_64bits(eth_hdr(skb)->h_dest, group))
		return -1;
	return skb_copy_bits(skb, 0, buf, len) ? 0 : 1;
}

/* ad_lacpdu_send() / ad_marker_send() */
int rbond_send_slow(struct net_device *dev, const u8 *src, const u8 *pdu, unsigned int len)
{
	static const u8 group[ETH_ALEN] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x02 };
	struct sk_buff *skb = dev_alloc_skb(ETH_HLEN + len);
	struct ethhdr *eth;

	if (!skb)
		return -ENOMEM;
	skb->dev = dev;
	skb_reset_mac_header(skb);
	skb->network_header = skb->mac_header + ETH_HLEN;
	skb->protocol = htons(ETH_P_SLOW);
	skb->priority = TC_PRIO_CONTROL;
	eth = skb_put(skb, ETH_HLEN);
	ether_addr_copy(eth->h_dest, group);
	ether_addr_copy(eth->h_source, src);
	eth->h_proto = htons(ETH_P_SLOW);
	skb_put_data(skb, pdu, len);
	return dev_queue_xmit(skb);
}

/* module notifier: compat mode refuses the load of bonding.ko (rust/sys/notifier.rs) */
int rbond_register_module_notifier(struct notifier_block *nb)
{
	return register_module_notifier(nb);
}

int rbond_unregister_module_notifier(struct notifier_block *nb)
{
	return unregister_module_notifier(nb);
}

/* the name of the module a MODULE_STATE_COMING event is about, NULL for the other events */
const char *rbond_module_coming_name(unsigned long event, void *data)
{
	return event == MODULE_STATE_COMING ? ((struct module *)data)->name : NULL;
}

int rbond_notifier_from_errno(int err)
{
	return notifier_from_errno(err);
}

/*
 * The ARP monitor (rust/sys/probe.rs): the clock, the route to a target, the devices stacked on
 * the bond, and the probe itself (bond_arp_send(), bond_handle_vlan()).
 */
unsigned long rbond_jiffies(void)
{
	return jiffies;
}

unsigned long rbond_msecs_to_jiffies(unsigned int ms)
{
	return msecs_to_jiffies(ms);
}

u16 rbond_skb_protocol(const struct sk_buff *skb)
{
	return ntohs(skb->protocol);
}

/* ip_route_output() to @dst from the bond's namespace (RT_SCOPE_LINK, as bond_arp_send_all()).
 * Returns -1 without a route, 0 for a route without a device, else 1 with *out held (dev_hold)
 * and *src the address the bond would answer from (bond_confirm_addr(rt->dst.dev, dst, 0)). */
int rbond_route4(struct net_device *bond, __be32 dst, struct net_device **out, __be32 *src)
{
	struct rtable *rt = ip_route_output(dev_net(bond), dst, 0, 0, 0, RT_SCOPE_LINK);
	struct net_device *dev;
	struct in_device *in_dev;

	*src = 0;
	if (IS_ERR(rt))
		return -1;
	dev = rt->dst.dev;
	if (!dev) {
		ip_rt_put(rt);
		return 0;
	}
	rcu_read_lock();
	in_dev = __in_dev_get_rcu(dev);
	if (in_dev)
		*src = inet_confirm_addr(dev_net(dev), in_dev, dst, 0, RT_SCOPE_HOST);
	rcu_read_unlock();
	dev_hold(dev);
	ip_rt_put(rt);
	*out = dev;
	return 1;
}

/* bond_confirm_addr(dev, 0, ip) == ip: @ip is an address of @dev. Under RCU. */
bool rbond_dev_has_ip4(struct net_device *dev, __be32 ip)
{
	struct in_device *in_dev = __in_dev_get_rcu(dev);

	return in_dev && inet_confirm_addr(dev_net(dev), in_dev, 0, ip, RT_SCOPE_HOST) == ip;
}

/* netdev_for_each_upper_dev_rcu(): *iter NULL starts the walk. Under RCU. */
struct net_device *rbond_upper_next_rcu(struct net_device *dev, void **iter)
{
	struct list_head *it = *iter ? *iter : &dev->adj_list.upper;
	struct net_device *upper = netdev_upper_get_next_dev_rcu(dev, &it);

	*iter = it;
	return upper;
}

/* is_vlan_dev(): its protocol (host order) and VLAN ID */
bool rbond_vlan_dev_info(const struct net_device *dev, u16 *proto, u16 *vid)
{
	if (!is_vlan_dev(dev))
		return false;
	*proto = ntohs(vlan_dev_vlan_proto(dev));
	*vid = vlan_dev_vlan_id(dev);
	return true;
}

/* bond_arp_send(): an ARP packet of @op from @slave (its own MAC) with the VLAN tags of the path
 * to the target: tags[0] the outer one (put in the skb's tag), tags[1..n] inserted in order; a
 * tag with ID 0 is skipped. Protocols in host order. False if nothing was sent (no memory). */
bool rbond_arp_send(struct net_device *slave, int op, __be32 dst, __be32 src, const u16 *tags, unsigned int ntags)
{
	struct sk_buff *skb = arp_create(op, ETH_P_ARP, dst, slave, src, NULL, slave->dev_addr, NULL);
	unsigned int i;

	if (!skb) {
		net_err_ratelimited("ARP packet allocation failed\n");
		return false;
	}
	for (i = 1; i < ntags; i++) {
		if (!tags[2 * i + 1])
			continue;
		skb = vlan_insert_tag_set_proto(skb, htons(tags[2 * i]), tags[2 * i + 1]);
		if (!skb) {
			net_err_ratelimited("failed to insert inner VLAN tag\n");
			return false;
		}
	}
	if (ntags && tags[1])
		__vlan_hwaccel_put_tag(skb, htons(tags[0]), tags[1]);
	arp_xmit(skb);
	return true;
}

/*
 * The NS monitor (IPv6 targets): bond_ns_send_all(), bond_ns_send(), bond_confirm_addr6(),
 * the solicited-node groups of slave_set_ns_maddrs().
 */
bool rbond_ipv6_enabled(void)
{
	return ipv6_mod_enabled();
}

/* ip6_route_output() to @dst from the bond's namespace. Returns -1 without a route, 0 for a
 * route without a device, else 1 with *out held and *src the address to send from (all zero if
 * ipv6_dev_get_saddr() finds none). */
int rbond_route6(struct net_device *bond, const u8 *dst, struct net_device **out, u8 *src)
{
	struct flowi6 fl6 = {};
	struct dst_entry *d;
	struct in6_addr saddr;
	struct net_device *dev;

	memset(src, 0, 16);
	memcpy(&fl6.daddr, dst, 16);
	d = ip6_route_output(dev_net(bond), NULL, &fl6);
	if (d->error) {
		dst_release(d);
		return -1;
	}
	dev = d->dev;
	if (!dev) {
		dst_release(d);
		return 0;
	}
	if (!ipv6_dev_get_saddr(dev_net(dev), dev, (const struct in6_addr *)dst, 0, &saddr))
		memcpy(src, &saddr, 16);
	dev_hold(dev);
	dst_release(d);
	*out = dev;
	return 1;
}

/* bond_confirm_addr6(): @addr is an address of @dev */
bool rbond_dev_has_ip6(struct net_device *dev, const u8 *addr)
{
	return ipv6_chk_addr(dev_net(dev), (const struct in6_addr *)addr, dev, 0);
}

/* bond_ns_send(): a neighbour solicitation for @dst from @slave, from @src (all zero: ::), to
 * the target's solicited-node group, with the VLAN tags of the path (as rbond_arp_send()). */
bool rbond_ns_send(struct net_device *slave, const u8 *dst, const u8 *src, const u16 *tags, unsigned int ntags)
{
	const struct in6_addr *daddr = (const struct in6_addr *)dst;
	const struct in6_addr *saddr = (const struct in6_addr *)src;
	struct in6_addr mcaddr;
	struct sk_buff *skb = ndisc_ns_create(slave, daddr, saddr, 0);
	unsigned int i;

	if (!skb) {
		net_err_ratelimited("NS packet allocation failed\n");
		return false;
	}
	addrconf_addr_solict_mult(daddr, &mcaddr);
	for (i = 1; i < ntags; i++) {
		if (!tags[2 * i + 1])
			continue;
		skb = vlan_insert_tag_set_proto(skb, htons(tags[2 * i]), tags[2 * i + 1]);
		if (!skb) {
			net_err_ratelimited("failed to insert inner VLAN tag\n");
			return false;
		}
	}
	if (ntags && tags[1])
		__vlan_hwaccel_put_tag(skb, htons(tags[0]), tags[1]);
	ndisc_send_skb(skb, &mcaddr, saddr);
	return true;
}

/* the link-layer address of @target's solicited-node group on @dev (ndisc_mc_map()); false if
 * the device has none */
bool rbond_ns_maddr(struct net_device *dev, const u8 *target, u8 *mac)
{
	struct in6_addr mcaddr;
	char buf[MAX_ADDR_LEN];

	addrconf_addr_solict_mult((const struct in6_addr *)target, &mcaddr);
	if (ndisc_mc_map(&mcaddr, buf, dev, 0))
		return false;
	memcpy(mac, buf, ETH_ALEN);
	return true;
}

/*
 * balance-tlb and balance-alb (bond_alb.c): learning packets, the frames rewritten on transmit
 * and receive, the ARP replies that teach clients, the debugfs file.
 */
#include <linux/if_macvlan.h>
#include <linux/debugfs.h>

/* alb_send_lp_vid(): a learning packet to and from @mac on @slave, tagged with @vid (@proto in
 * host order) unless 0. False if nothing was sent (no memory). */
bool rbond_send_lp(struct net_device *slave, const u8 *mac, u16 proto, u16 vid)
{
	struct sk_buff *skb = dev_alloc_skb(ETH_ZLEN);
	struct ethhdr *eth;

	if (!skb)
		return false;
	eth = skb_put_zero(skb, ETH_ZLEN);
	ether_addr_copy(eth->h_dest, mac);
	ether_addr_copy(eth->h_source, mac);
	eth->h_proto = htons(ETH_P_LOOPBACK);
	skb_reset_mac_header(skb);
	skb->network_header = skb->mac_header + ETH_HLEN;
	skb->protocol = eth->h_proto;
	skb->priority = TC_PRIO_CONTROL;
	skb->dev = slave;
	if (vid)
		__vlan_hwaccel_put_tag(skb, htons(proto), vid);
	dev_queue_xmit(skb);
	return true;
}

bool rbond_netif_is_macvlan(const struct net_device *dev)
{
	return netif_is_macvlan(dev);
}

/* bond_do_alb_xmit(): the frame leaves with @mac as its source (skb_cow_head() first: the
 * header may be shared). False if the header could not be made writable. */
bool rbond_skb_set_eth_source(struct sk_buff *skb, const u8 *mac)
{
	if (unlikely(skb_cow_head(skb, 0)))
		return false;
	ether_addr_copy(skb_eth_hdr(skb)->h_source, mac);
	return true;
}

/* rlb_arp_xmit(): the ARP sender hardware address becomes @mac. False if the ARP header is not
 * there or cannot be made writable. */
bool rbond_skb_set_arp_sha(struct sk_buff *skb, const u8 *mac)
{
	if (!pskb_network_may_pull(skb, 8 + 2 * ETH_ALEN + 8))
		return false;
	if (unlikely(skb_cow_head(skb, 0)))
		return false;
	ether_addr_copy(skb_network_header(skb) + 8, mac);
	return true;
}

/* rlb_arp_xmit(): @ip (wire order) is an address of a bridge master of the bond's namespace
 * (ip_dev_find()) */
bool rbond_ip_on_bridge(struct net_device *bond, __be32 ip)
{
	struct net_device *dev = ip_dev_find(dev_net(bond), ip);
	bool br;

	if (!dev)
		return false;
	br = netif_is_any_bridge_master(dev);
	dev_put(dev);
	return br;
}

/* rlb_update_client(): an ARP reply from @slave (its MAC as sender) telling @dst_ip at
 * @dst_mac that @src_ip is at the slave, tagged with @vid unless 0. False if not sent. */
bool rbond_arp_reply(struct net_device *slave, __be32 dst_ip, __be32 src_ip, const u8 *dst_mac, u16 vid)
{
	struct sk_buff *skb = arp_create(ARPOP_REPLY, ETH_P_ARP, dst_ip, slave, src_ip, dst_mac,
					 slave->dev_addr, dst_mac);

	if (!skb)
		return false;
	skb->dev = slave;
	if (vid)
		__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q), vid);
	arp_xmit(skb);
	return true;
}

/* bond_handle_frame(): the packet type of a received frame is broadcast or multicast */
bool rbond_skb_is_bcast_mcast(const struct sk_buff *skb)
{
	return skb->pkt_type == PACKET_BROADCAST || skb->pkt_type == PACKET_MULTICAST;
}

/* bond_handle_frame() in balance-alb when the bond is a bridge port: a frame for this host gets
 * the bond's MAC as its destination. False if the frame must be dropped (no memory). */
bool rbond_skb_alb_bridge_dest(struct sk_buff *skb, const struct net_device *bond)
{
	if (!netif_is_bridge_port(bond) || skb->pkt_type != PACKET_HOST)
		return true;
	if (unlikely(skb_cow_head(skb, skb->data - skb_mac_header(skb))))
		return false;
	ether_addr_copy(eth_hdr(skb)->h_dest, bond->dev_addr);
	return true;
}

/* debugfs: the module's directory, a bond's directory in it and one seq_file in that */
struct dentry *rbond_debugfs_dir(const char *name, struct dentry *parent)
{
	return debugfs_create_dir(name, parent);
}

void rbond_debugfs_remove(struct dentry *d)
{
	debugfs_remove_recursive(d);
}

int rbond_debugfs_rename(struct dentry *d, const char *name)
{
	return debugfs_change_name(d, "%s", name);
}

/* the inode number of a device's namespace, 0 for the initial one (names of debugfs
 * directories, which are not per namespace) */
unsigned int rbond_dev_net_inum(const struct net_device *dev)
{
	return net_eq(dev_net(dev), &init_net) ? 0 : dev_net(dev)->ns.inum;
}

int rbond_rs_debugfs_show(struct seq_file *m, void *data);

static int rbond_debugfs_open(struct inode *inode, struct file *file)
{
	return single_open(file, rbond_rs_debugfs_show, inode->i_private);
}

static const struct file_operations rbond_debugfs_fops = {
	.owner = THIS_MODULE,
	.open = rbond_debugfs_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

struct dentry *rbond_debugfs_file(const char *name, struct dentry *parent, void *data)
{
	return debugfs_create_file(name, 0400, parent, data, &rbond_debugfs_fops);
}

/* ---- native XDP (bond_xdp(), bond_xdp_set(), bond_xdp_xmit()) ---- */
#include <linux/bpf.h>
#include <linux/filter.h>
#include <net/xdp.h>

/* ndo_bpf: the program of an XDP_SETUP_PROG request (a reference moved to the driver, NULL to
 * remove) and its extack; false for any other command */
bool rbond_netdev_bpf_setup_prog(struct netdev_bpf *bpf, struct bpf_prog **prog, struct netlink_ext_ack **extack)
{
	if (bpf->command != XDP_SETUP_PROG)
		return false;
	*prog = bpf->prog;
	*extack = bpf->extack;
	return true;
}

/* a device that can run a native XDP program and send XDP frames (bond_xdp_set()'s check) */
bool rbond_dev_xdp_capable(const struct net_device *dev)
{
	return dev->netdev_ops->ndo_bpf && dev->netdev_ops->ndo_xdp_xmit;
}

/* XDP programs attached to the device itself (by a user, not propagated by a master) */
int rbond_dev_xdp_prog_count(struct net_device *dev)
{
	return dev_xdp_prog_count(dev);
}

/* installs `prog` (NULL: none) as the device's native XDP program, as a master propagates its
 * own; on success the device owns the reference the caller gave with `prog` */
int rbond_dev_xdp_propagate(struct net_device *dev, struct bpf_prog *prog, struct netlink_ext_ack *extack)
{
	struct netdev_bpf xdp = {
		.command = XDP_SETUP_PROG,
		.flags = 0,
		.prog = prog,
		.extack = extack,
	};

	return dev_xdp_propagate(dev, &xdp);
}

void rbond_bpf_prog_inc(struct bpf_prog *prog)
{
	bpf_prog_inc(prog);
}

void rbond_bpf_prog_put(struct bpf_prog *prog)
{
	bpf_prog_put(prog);
}

/* dev->xdp_features */
u64 rbond_dev_xdp_features(const struct net_device *dev)
{
	return dev->xdp_features;
}

/* bond_xdp_set_features(): what the bond offers is what every slave offers, without AF_XDP
 * zero-copy (0: nothing) */
void rbond_dev_set_xdp_features(struct net_device *dev, u64 val)
{
	xdp_set_features_flag(dev, val & NETDEV_XDP_ACT_MASK & ~NETDEV_XDP_ACT_XSK_ZEROCOPY);
}

u64 rbond_xdp_features_all(void)
{
	return NETDEV_XDP_ACT_MASK;
}

/* the bytes of an XDP buffer, from its MAC header */
const u8 *rbond_xdp_buff_data(const struct xdp_buff *xdp, size_t *len)
{
	*len = xdp->data_end - xdp->data;
	return xdp->data;
}

/* bond_flow_dissect() of a linear buffer (an XDP frame: no skb), for the encap policies. C passes
 * no netns here (a DEBUG_NET warning); the bond's is the one its skb path dissects in */
bool rbond_data_flow_dissect(const struct net_device *bond, const u8 *data, u16 proto, int nhoff, int hlen,
			     u32 *out)
{
	struct flow_keys fk;

	memset(&fk, 0, sizeof(fk));
	if (!__skb_flow_dissect(dev_net(bond), NULL, &rbond_flow_dissector, &fk, (void *)data, htons(proto),
				nhoff, hlen, 0))
		return false;
	rbond_flow_words(&fk, out);
	return true;
}

/* ndo_xdp_xmit: bond_xdp_xmit(). Each frame goes to the slave the bond's
 * ndo_xdp_get_xmit_slave (the driver's choice, by mode) gives it, one frame at a time; stops at
 * the first frame that cannot be sent. Returns the frames sent, or the error of the first one. */
int rbond_xdp_xmit(struct net_device *bond_dev, int n, struct xdp_frame **frames, u32 flags)
{
	int nxmit, err = -ENXIO;

	rcu_read_lock();

	for (nxmit = 0; nxmit < n; nxmit++) {
		struct xdp_frame *frame = frames[nxmit];
		struct xdp_frame *frames1[] = {frame};
		struct net_device *slave_dev;
		struct xdp_buff xdp;

		xdp_convert_frame_to_buff(frame, &xdp);

		slave_dev = bond_dev->netdev_ops->ndo_xdp_get_xmit_slave(bond_dev, &xdp);
		if (!slave_dev) {
			err = -ENXIO;
			break;
		}

		err = slave_dev->netdev_ops->ndo_xdp_xmit(slave_dev, 1, frames1, flags);
		if (err < 1)
			break;
	}

	rcu_read_unlock();

	if (err < 0)
		return (nxmit == 0 ? err : nxmit);

	return nxmit;
}

/* ---- IPsec offload through the bond (bond_xfrmdev_ops): the xfrm_state fields it reads and
 * writes, and bonding's log lines that are macros (with the module's prefix, as rbond's other
 * lines) ---- */
struct net_device *rbond_xs_dev(const struct xfrm_state *xs)
{
	return xs->xso.dev;
}

struct net_device *rbond_xs_real_dev(const struct xfrm_state *xs)
{
	return READ_ONCE(xs->xso.real_dev);
}

void rbond_xs_set_real_dev(struct xfrm_state *xs, struct net_device *dev)
{
	WRITE_ONCE(xs->xso.real_dev, dev);
}

void rbond_xs_lock(struct xfrm_state *xs)
{
	spin_lock_bh(&xs->lock);
}

void rbond_xs_unlock(struct xfrm_state *xs)
{
	spin_unlock_bh(&xs->lock);
}

bool rbond_xs_dead(const struct xfrm_state *xs)
{
	return xs->km.state == XFRM_STATE_DEAD;
}

/* bond_ipsec_dev()'s end: the state has a real device; bonding warns when it is not the active
 * slave */
bool rbond_xs_check_real_dev(const struct xfrm_state *xs, const struct net_device *bond_dev,
			     const struct net_device *slave_dev)
{
	struct net_device *real_dev = READ_ONCE(xs->xso.real_dev);

	if (!real_dev)
		return false;
	if (real_dev != slave_dev)
		pr_warn_ratelimited(KBUILD_MODNAME ": %s: (slave %s): not same with IPsec offload real dev %s\n",
				    bond_dev->name, slave_dev->name, real_dev->name);
	return true;
}

void rbond_ipsec_warn_no_esn(const struct net_device *real_dev)
{
	pr_warn_ratelimited(KBUILD_MODNAME ": %s: %s doesn't support xdo_dev_state_advance_esn\n", "bond_advance_esn_state",
			    real_dev->name);
}

void rbond_ipsec_warn_no_stats(const struct net_device *real_dev)
{
	pr_warn_ratelimited(KBUILD_MODNAME ": %s: %s doesn't support xdo_dev_state_update_stats\n", "bond_xfrm_update_stats",
			    real_dev->name);
}

/* bonding's slave_warn() (netdev_warn(): the bond's name as netdev_printk() writes it), after
 * the module's prefix as rbond's other lines */
void rbond_slave_warn(const struct net_device *bond_dev, const struct net_device *slave_dev, const char *msg)
{
	pr_warn(KBUILD_MODNAME ": %s%s: (slave %s): %s\n", netdev_name(bond_dev), netdev_reg_state(bond_dev),
		slave_dev->name, msg);
}

void rbond_xfrm_dev_state_flush(struct net_device *dev)
{
	xfrm_dev_state_flush(dev_net(dev), dev, true);
}

/* bond_sk_to_flow() and bond_sk_hash_l34()'s inputs: the socket's ports as one native u32 and
 * its addresses as flow_get_u32_src()/_dst() fold them */
void rbond_sk_flow(const struct sock *sk, u32 *ports, u32 *src, u32 *dst)
{
	struct flow_keys flow = {};

	switch (sk->sk_family) {
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6:
		if (ipv6_only_sock(sk) ||
		    ipv6_addr_type(&sk->sk_v6_daddr) != IPV6_ADDR_MAPPED) {
			flow.control.addr_type = FLOW_DISSECTOR_KEY_IPV6_ADDRS;
			flow.addrs.v6addrs.src = inet6_sk(sk)->saddr;
			flow.addrs.v6addrs.dst = sk->sk_v6_daddr;
			break;
		}
		fallthrough;
#endif
	default: /* AF_INET */
		flow.control.addr_type = FLOW_DISSECTOR_KEY_IPV4_ADDRS;
		flow.addrs.v4addrs.src = inet_sk(sk)->inet_rcv_saddr;
		flow.addrs.v4addrs.dst = inet_sk(sk)->inet_daddr;
		break;
	}
	flow.ports.src = inet_sk(sk)->inet_sport;
	flow.ports.dst = inet_sk(sk)->inet_dport;
	memcpy(ports, &flow.ports.ports, sizeof(*ports));
	*src = (__force u32)flow_get_u32_src(&flow);
	*dst = (__force u32)flow_get_u32_dst(&flow);
}

/* include/net/bonding.h's BOND_XFRM_FEATURES */
#define RBOND_XFRM_FEATURES (NETIF_F_HW_ESP | NETIF_F_HW_ESP_TX_CSUM | NETIF_F_GSO_ESP)

/* bond_setup()'s BOND_XFRM_FEATURES: the bond can offload ESP (hw_features); on (features) when
 * it starts in active-backup */
void rbond_xfrm_features_init(struct net_device *dev, bool active_backup)
{
	dev->hw_features |= RBOND_XFRM_FEATURES;
	if (active_backup)
		dev->features |= RBOND_XFRM_FEATURES;
	else
		dev->features &= ~RBOND_XFRM_FEATURES;
}

/* bond_set_xfrm_features() and netdev_update_features() (bond_option_mode_set()) */
void rbond_xfrm_features_mode(struct net_device *dev, bool active_backup)
{
	if (active_backup)
		dev->wanted_features |= RBOND_XFRM_FEATURES;
	else
		dev->wanted_features &= ~RBOND_XFRM_FEATURES;
	netdev_update_features(dev);
}

/* __bond_start_xmit()'s kTLS check: a frame of a socket whose TLS is offloaded to a device leaves
 * by that device (bond_tls_device_xmit()); *dev is it, or NULL while tls_device_down() runs.
 * Under RCU (transmit). Without CONFIG_TLS_DEVICE no frame is. */
bool rbond_skb_tls_device(const struct sk_buff *skb, struct net_device **dev)
{
#if IS_ENABLED(CONFIG_TLS_DEVICE)
	if (tls_is_skb_tx_device_offloaded(skb)) {
		*dev = rcu_dereference(tls_get_ctx(skb->sk)->netdev);
		return true;
	}
#endif
	*dev = NULL;
	return false;
}
