// SPDX-License-Identifier: GPL-2.0
/*
 * rbond C shim: one-line functions for what C offers only as a static inline, a macro or a
 * bitfield, so that Rust (rust/sys) can call them. No logic lives here.
 */
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <net/netlink.h>
#include <net/rtnetlink.h>
#include "shim.h"

void *rbond_netdev_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

void rbond_eth_hw_addr_random(struct net_device *dev)
{
	eth_hw_addr_random(dev);
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
void rbond_master_setup_flags(struct net_device *dev)
{
	dev->flags |= IFF_MASTER;
	dev->priv_flags |= IFF_UNICAST_FLT | IFF_NO_QUEUE;
	dev->priv_flags &= ~(IFF_XMIT_DST_RELEASE | IFF_TX_SKB_SHARING);
	dev->lltx = true;
	dev->netns_immutable = true;
	dev->max_mtu = ETH_MAX_MTU;
}

void rbond_tx_drop(struct net_device *dev, struct sk_buff *skb)
{
	dev_core_stats_tx_dropped_inc(dev);
	dev_kfree_skb_any(skb);
}

void rbond_skb_free(struct sk_buff *skb)
{
	dev_kfree_skb_any(skb);
}

/* NL_SET_ERR_MSG_ATTR, but @msg may be a temporary: it is copied into the extack. */
void rbond_extack_set(struct netlink_ext_ack *extack, const struct nlattr *attr, const char *msg)
{
	NL_SET_ERR_MSG_ATTR_FMT(extack, attr, "%s", msg);
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
