/* SPDX-License-Identifier: GPL-2.0 */
/* C shim: functions for what is a static inline or a macro in C, nothing else. */
#ifndef RBOND_SHIM_H
#define RBOND_SHIM_H
#include <linux/netdevice.h>
#include <net/netlink.h>
#include <linux/device/class.h>

const char *rbond_netdev_reg_state(const struct net_device *dev);
void rbond_eth_hw_addr_random(struct net_device *dev);
void rbond_random_mac(u8 *mac);
bool rbond_addr_is_perm_zero(const struct net_device *dev);
void rbond_dev_set_mtu(struct net_device *dev, unsigned int mtu);
void rbond_dev_net_set(struct net_device *dev, struct net *net);
void rbond_master_setup_flags(struct net_device *dev);
/* what the shim's ethtool and ioctl functions ask the driver (rust/sys/link.rs) */
struct rbond_master_cb {
	/* the bond's speed and duplex (bond_ethtool_get_link_ksettings), under RTNL */
	void (*link_ksettings)(struct net_device *dev, u32 *speed, u8 *duplex);
	/* the active slave with a reference the caller puts, or NULL (modes without one) */
	struct net_device *(*active_slave)(struct net_device *dev);
	/* the current slave in any mode (curr_active_slave) with a reference the caller puts, or NULL;
	 * under RCU, from the bond's header_ops */
	struct net_device *(*header_slave)(struct net_device *dev);
};
int rbond_change_type(struct net_device *bond_dev, struct net_device *slave_dev);
void rbond_undo_type_change(struct net_device *bond_dev);
int rbond_dev_addr_steal(struct net_device *bond_dev, struct net_device *slave_dev);
bool rbond_dev_can_set_mac(const struct net_device *dev);
void rbond_set_master_cb(const struct rbond_master_cb *cb);
void rbond_net_queue_devices(struct net *net, struct list_head *kill, bool (*ours)(const struct net_device *dev));
netdev_features_t rbond_features_check(struct sk_buff *skb, struct net_device *dev, netdev_features_t features);
int rbond_master_upper_dev_link(struct net_device *dev, struct net_device *master, u32 tx_type, u32 hash_type,
				struct netlink_ext_ack *extack);
void rbond_lower_state_changed(struct net_device *dev, bool link_up, bool tx_enabled);
int rbond_eth_ioctl(struct net_device *dev, struct ifreq *ifr, int cmd);
int rbond_siocdevprivate(struct net_device *dev, struct ifreq *ifr, void __user *data, int cmd);
int rbond_ioctl_put_ifbond(struct ifreq *ifr, s32 mode, s32 num_slaves, s32 miimon);
int rbond_ioctl_get_ifslave_id(struct ifreq *ifr, s32 *id);
int rbond_ioctl_put_ifslave(struct ifreq *ifr, s32 id, const struct net_device *slave, s8 link, s8 state,
			    u32 link_failure_count);
struct kernel_hwtstamp_config;
int rbond_hwtstamp_get(struct net_device *dev, struct kernel_hwtstamp_config *cfg);
int rbond_hwtstamp_set(struct net_device *dev, struct kernel_hwtstamp_config *cfg,
		       struct netlink_ext_ack *extack);
netdev_features_t rbond_fix_features(struct net_device *dev, netdev_features_t features);
int rbond_tx_drop(struct net_device *dev, struct sk_buff *skb);
int rbond_tx_dropped_inc(struct net_device *dev);
void rbond_skb_free(struct sk_buff *skb);
struct sk_buff *rbond_skb_clone(struct sk_buff *skb);
u32 rbond_random_u32(void);
u32 *rbond_percpu_u32_alloc(void);
void rbond_percpu_u32_free(u32 *p);
u32 rbond_percpu_u32_inc(u32 *p);
void rbond_extack_set(struct netlink_ext_ack *extack, const struct nlattr *attr, const char *msg);
int rbond_nla_put(struct sk_buff *skb, int attrtype, int len, const void *data);
int rbond_nla_put_u64(struct sk_buff *skb, int attrtype, u64 value, int padattr);
struct nlattr *rbond_nla_nest_start(struct sk_buff *skb, int attrtype);
void rbond_nla_nest_end(struct sk_buff *skb, struct nlattr *start);
void rbond_nla_nest_cancel(struct sk_buff *skb, struct nlattr *start);
size_t rbond_layout(size_t *out, size_t n);
const struct nla_policy *rbond_bond_policy(void);
const struct nla_policy *rbond_bond_slave_policy(void);

/* slaves */
void rbond_dev_hold(struct net_device *dev);
void rbond_dev_put(struct net_device *dev);
bool rbond_netif_carrier_ok(const struct net_device *dev);
bool rbond_linkwatch_pending(const struct net_device *dev);
bool rbond_netif_running_carrier_ok(const struct net_device *dev);
unsigned int rbond_dev_flags(const struct net_device *dev);
unsigned short rbond_dev_type(const struct net_device *dev);
void rbond_dev_addr_get(const struct net_device *dev, u8 *addr);
void rbond_dev_addr_set(struct net_device *dev, const u8 *addr, unsigned char assign_type);
unsigned char rbond_dev_addr_assign_type(const struct net_device *dev);
bool rbond_sockaddr_mac(const void *ss, u8 *mac);
void rbond_nested_lock_init(spinlock_t *lock);
void rbond_nested_lock(spinlock_t *lock, struct net_device *dev);
void rbond_nested_unlock(spinlock_t *lock);
bool rbond_dev_is_registered(const struct net_device *dev);
int rbond_dev_restore_mtu_unregistering(struct net_device *dev, int mtu);
int rbond_dev_set_mac(struct net_device *dev, const u8 *addr, struct netlink_ext_ack *extack);
void rbond_dev_set_slave_flags(struct net_device *dev, bool slave);
struct net *rbond_dev_net(const struct net_device *dev);
bool rbond_dev_net_eq(const struct net_device *a, const struct net_device *b);
bool rbond_netif_is_bond_master(const struct net_device *dev);
bool rbond_dev_is_loopback(const struct net_device *dev);
int rbond_dev_speed_duplex(struct net_device *dev, u32 *speed, u8 *duplex, bool ops_locked);
bool rbond_rx_handler_is(const struct net_device *dev, rx_handler_func_t *handler);
void *rbond_rx_handler_data_rtnl(const struct net_device *dev);
void *rbond_rx_handler_data_rcu(const struct net_device *dev);
struct net_device *rbond_notifier_info_to_dev(void *ptr);

void rbond_init_delayed_work(struct delayed_work *dw, work_func_t fn);
void rbond_queue_delayed_work(struct delayed_work *dw, unsigned int delay_ms);
void rbond_run_delayed_work_now(struct delayed_work *dw);
struct net_device *rbond_priv_to_netdev(void *priv);
void rbond_notify_peers(struct net_device *dev);

const char *rbond_uts_release(void);
void *rbond_net_generic(const struct net *net, unsigned int id);
struct proc_dir_entry *rbond_net_proc_net(struct net *net);
struct rbond_proc;
struct proc_dir_entry *rbond_proc_create(const char *name, struct proc_dir_entry *dir,
					 int (*show)(struct seq_file *, void *), void *data,
					 struct rbond_proc **priv);
void rbond_proc_remove(struct proc_dir_entry *pde, struct rbond_proc *priv);

void rbond_addr_sync(struct net_device *slave, struct net_device *master, bool multiple);
void rbond_addr_sync_locked(struct net_device *slave, struct net_device *master, bool multiple);
void rbond_addr_unsync(struct net_device *slave, struct net_device *master);

const char *rbond_param_str(unsigned int which);
int rbond_param_compat(void);

void rbond_set_sysfs_group(struct net_device *dev);
int rbond_own_sysfs_add(struct net_device *dev);
int rbond_slave_sysfs_add(struct net_device *slave);
void rbond_slave_sysfs_del(struct net_device *slave);
int rbond_restart_syscall(void);
bool rbond_capable_net_admin(void);

struct net_device *rbond_ioctl_slave(struct net_device *bond, struct ifreq *ifr);

/* per network namespace (net_generic): /proc/net/rbond and /sys/class/net/rbond_masters (in compat
 * mode /proc/net/bonding and bonding_masters) */
struct rbond_net {
	struct proc_dir_entry *dir;
	struct net *net;
	struct class_attribute masters;
};
void rbond_masters_init(struct rbond_net *rn, const char *name);
int rbond_masters_add(struct rbond_net *rn);
void rbond_masters_del(struct rbond_net *rn);
void rbond_for_each_netdev_rcu(struct net *net, void (*cb)(void *ctx, struct net_device *dev), void *ctx);
void rbond_unregister_netdevice(struct net_device *dev);

/* data path */
void rbond_flow_dissector_init(void);
bool rbond_skb_flow_dissect(const struct net_device *bond, const struct sk_buff *skb, u32 *out);
bool rbond_skb_l4_hash(const struct sk_buff *skb, u32 *hash);
u16 rbond_select_queue(struct net_device *dev, struct sk_buff *skb, struct net_device *sb_dev);
struct sk_buff *rbond_rx_handler_begin(struct sk_buff *skb, void **data);
bool rbond_skb_dest_is_link_local(const struct sk_buff *skb);
unsigned char rbond_skb_pkt_type(const struct sk_buff *skb);
struct netpoll;
int rbond_dev_queue_xmit(struct sk_buff *skb, struct net_device *dev, struct net_device *bond, struct netpoll *np);
struct netpoll *rbond_netpoll_enable(struct net_device *slave, int *err);
void rbond_netpoll_free(struct netpoll *np);
bool rbond_netpoll_in_use(const struct net_device *dev);
void rbond_netpoll_poll_dev(struct net_device *dev);
void rbond_consume_skb(struct sk_buff *skb);
int rbond_skb_slow_pdu(const struct sk_buff *skb, u8 *buf, unsigned int len);
int rbond_send_slow(struct net_device *dev, const u8 *src, const u8 *pdu, unsigned int len);
const u8 *rbond_skb_data(const struct sk_buff *skb, unsigned int *len, u16 *protocol, u16 *nhoff, u16 *vlan_tci, bool *vlan_present);
bool rbond_net_ratelimit(void);
bool rbond_skb_copy_bits(const struct sk_buff *skb, unsigned int offset, u8 *to, unsigned int len);

/* the ARP monitor */
unsigned long rbond_jiffies(void);
unsigned long rbond_msecs_to_jiffies(unsigned int ms);
u16 rbond_skb_protocol(const struct sk_buff *skb);
int rbond_route4(struct net_device *bond, __be32 dst, struct net_device **out, __be32 *src);
bool rbond_dev_has_ip4(struct net_device *dev, __be32 ip);
struct net_device *rbond_upper_next_rcu(struct net_device *dev, void **iter);
bool rbond_vlan_dev_info(const struct net_device *dev, u16 *proto, u16 *vid);
bool rbond_arp_send(struct net_device *slave, int op, __be32 dst, __be32 src, const u16 *tags, unsigned int ntags);
bool rbond_ipv6_enabled(void);
int rbond_route6(struct net_device *bond, const u8 *dst, struct net_device **out, u8 *src);
bool rbond_dev_has_ip6(struct net_device *dev, const u8 *addr);
bool rbond_ns_send(struct net_device *slave, const u8 *dst, const u8 *src, const u16 *tags, unsigned int ntags);
bool rbond_ns_maddr(struct net_device *dev, const u8 *target, u8 *mac);

struct xfrm_state;
struct sock;
struct net_device *rbond_xs_dev(const struct xfrm_state *xs);
struct net_device *rbond_xs_real_dev(const struct xfrm_state *xs);
void rbond_xs_set_real_dev(struct xfrm_state *xs, struct net_device *dev);
void rbond_xs_lock(struct xfrm_state *xs);
void rbond_xs_unlock(struct xfrm_state *xs);
bool rbond_xs_dead(const struct xfrm_state *xs);
bool rbond_xs_check_real_dev(const struct xfrm_state *xs, const struct net_device *bond_dev,
			     const struct net_device *slave_dev);
void rbond_ipsec_warn_no_esn(const struct net_device *real_dev);
void rbond_ipsec_warn_no_stats(const struct net_device *real_dev);
void rbond_slave_warn(const struct net_device *bond_dev, const struct net_device *slave_dev, const char *msg);
void rbond_xfrm_dev_state_flush(struct net_device *dev);
bool rbond_skb_tls_device(const struct sk_buff *skb, struct net_device **dev);
void rbond_sk_flow(const struct sock *sk, u32 *ports, u32 *src, u32 *dst);
void rbond_xfrm_features_init(struct net_device *dev, bool active_backup);
void rbond_xfrm_features_mode(struct net_device *dev, bool active_backup);

int rbond_register_module_notifier(struct notifier_block *nb);
int rbond_unregister_module_notifier(struct notifier_block *nb);
const char *rbond_module_coming_name(unsigned long event, void *data);
int rbond_notifier_from_errno(int err);

/* balance-tlb and balance-alb */
bool rbond_send_lp(struct net_device *slave, const u8 *mac, u16 proto, u16 vid);
bool rbond_netif_is_macvlan(const struct net_device *dev);
bool rbond_skb_set_eth_source(struct sk_buff *skb, const u8 *mac);
bool rbond_skb_set_arp_sha(struct sk_buff *skb, const u8 *mac);
bool rbond_ip_on_bridge(struct net_device *bond, __be32 ip);
bool rbond_arp_reply(struct net_device *slave, __be32 dst_ip, __be32 src_ip, const u8 *dst_mac, u16 vid);
bool rbond_skb_is_bcast_mcast(const struct sk_buff *skb);
bool rbond_skb_alb_bridge_dest(struct sk_buff *skb, const struct net_device *bond);
struct dentry *rbond_debugfs_dir(const char *name, struct dentry *parent);
void rbond_debugfs_remove(struct dentry *d);
int rbond_debugfs_rename(struct dentry *d, const char *name);
unsigned int rbond_dev_net_inum(const struct net_device *dev);
struct dentry *rbond_debugfs_file(const char *name, struct dentry *parent, void *data);

/* native XDP */
struct netdev_bpf;
struct bpf_prog;
struct xdp_buff;
struct xdp_frame;
bool rbond_netdev_bpf_setup_prog(struct netdev_bpf *bpf, struct bpf_prog **prog, struct netlink_ext_ack **extack);
bool rbond_dev_xdp_capable(const struct net_device *dev);
int rbond_dev_xdp_prog_count(struct net_device *dev);
int rbond_dev_xdp_propagate(struct net_device *dev, struct bpf_prog *prog, struct netlink_ext_ack *extack);
void rbond_bpf_prog_inc(struct bpf_prog *prog);
void rbond_bpf_prog_put(struct bpf_prog *prog);
u64 rbond_dev_xdp_features(const struct net_device *dev);
void rbond_dev_set_xdp_features(struct net_device *dev, u64 val);
u64 rbond_xdp_features_all(void);
const u8 *rbond_xdp_buff_data(const struct xdp_buff *xdp, size_t *len);
bool rbond_data_flow_dissect(const struct net_device *bond, const u8 *data, u16 proto, int nhoff, int hlen,
			     u32 *out);
int rbond_xdp_xmit(struct net_device *bond_dev, int n, struct xdp_frame **frames, u32 flags);

#endif
