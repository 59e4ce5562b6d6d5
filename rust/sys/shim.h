/* SPDX-License-Identifier: GPL-2.0 */
/* C shim: functions for what is a static inline or a macro in C, nothing else. */
#ifndef RBOND_SHIM_H
#define RBOND_SHIM_H
#include <linux/netdevice.h>
#include <net/netlink.h>

void *rbond_netdev_priv(const struct net_device *dev);
void rbond_eth_hw_addr_random(struct net_device *dev);
bool rbond_addr_is_perm_zero(const struct net_device *dev);
void rbond_dev_set_mtu(struct net_device *dev, unsigned int mtu);
void rbond_dev_net_set(struct net_device *dev, struct net *net);
void rbond_master_setup_flags(struct net_device *dev);
void rbond_tx_drop(struct net_device *dev, struct sk_buff *skb);
void rbond_skb_free(struct sk_buff *skb);
void rbond_extack_set(struct netlink_ext_ack *extack, const struct nlattr *attr, const char *msg);
size_t rbond_layout(size_t *out, size_t n);
#endif
