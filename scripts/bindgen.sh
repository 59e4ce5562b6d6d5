#!/usr/bin/env bash
# Generate rbond's own bindings for headers that kernel::bindings does not cover, with exactly the
# bindgen options and clang flags the kernel used for rust/bindings (read back from its .cmd file).
# usage: bindgen.sh KOUT input.h output.rs
set -euo pipefail
. "$(dirname "$0")/errtrap.sh"   # a failed step says where
KOUT=$(readlink -f "$1"); IN=$(readlink -f "$2"); OUTF=$(readlink -m "$3")
CMDF=$KOUT/rust/bindings/.bindings_generated.rs.cmd
[ -f "$CMDF" ] || { echo "bindgen.sh: $CMDF missing: is $KOUT a built kernel with CONFIG_RUST=y?" >&2; exit 1; }
line=$(sed -n 's/^savedcmd_[^ ]* := //p' "$CMDF" | sed 's/\$(pound)/#/g; s/ ; sed .*//')
bg_opts=${line%% -- *}; cl_flags=${line#* -- }
bg_opts=${bg_opts#* }                                   # drop "bindgen"
bg_opts=${bg_opts#* }                                   # drop the kernel's input header
bg_opts=$(echo "$bg_opts" | sed -E 's/ -o [^ ]+//')     # drop its output
cl_flags=$(echo "$cl_flags" | sed -E "s/-Wp,-MMD,[^ ]+//; s/-DKBUILD_[A-Z]+='\"[^ ]*\"'//g; s/-D__KBUILD_MODNAME=[^ ]+//")
ALLOW=(
  --allowlist-function 'register_netdevice|netdev_rx_handler_register|netdev_rx_handler_unregister|netdev_is_rx_handler_busy|netdev_master_upper_dev_link|netdev_upper_dev_unlink|netdev_has_upper_dev|dev_set_mtu|dev_open|dev_close|netif_pre_changeaddr_notify|call_netdevice_notifiers|register_netdevice_notifier|unregister_netdevice_notifier|call_rcu|rcu_barrier|cancel_delayed_work_sync|proc_mkdir|proc_remove|proc_create_single_data|seq_write|register_pernet_subsys|unregister_pernet_subsys|synchronize_net|__dev_get_by_name|__dev_get_by_index|netdev_compute_master_upper_features|dev_set_promiscuity|dev_set_allmulti|unregister_netdevice_queue|unregister_netdevice_many|rtnl_link_register|rtnl_link_unregister|rtnl_lock|rtnl_trylock|rtnl_unlock|rtnl_is_locked|ether_setup|alloc_netdev_mqs|free_netdev|netif_carrier_on|netif_carrier_off|dev_get_stats|dev_valid_name|dev_mc_add|dev_mc_del|vlan_vid_add|vlan_vid_del|vlan_vids_add_by_dev|vlan_vids_del_by_dev|rbond_.*'
  --allowlist-type 'ifreq|pernet_operations|seq_file|proc_dir_entry|net_device_flags|callback_head|notifier_block|delayed_work|work_struct|work_func_t|rx_handler_result|rx_handler_func_t|rcu_head|netdev_cmd|net_device|net_device_ops|rtnl_link_ops|rtnl_newlink_params|rtnl_link_stats64|nlattr|netlink_ext_ack|sk_buff|netdev_tx|net'
  --allowlist-var 'init_net|SIOCBOND.*|ARPHRD_.*|NET_ADDR_.*|NOTIFY_.*|PACKET_.*|DUPLEX_.*|IFF_.*|NETDEV_ALIGN|ETH_MAX_MTU|ETH_MIN_MTU|IFLA_BOND_.*|IFLA_.*|NET_NAME_.*|IFNAMSIZ'
  --opaque-type 'sk_buff'
)
cd "$KOUT"     # include paths like -I./include are relative to the build folder
eval "set -- -o \"\$OUTF.tmp\" \"\${ALLOW[@]}\" -- $cl_flags -DKBUILD_MODNAME='\"rbond\"'"
eval "\${BINDGEN:-bindgen} \"\$IN\" $bg_opts \"\$@\""
# out-of-tree crates may not enable #![feature(cfi_encoding)]: drop those attributes (no CFI here)
sed -i '/^#\[cfi_encoding/d' "$OUTF.tmp"
mv "$OUTF.tmp" "$OUTF"
