/* SPDX-License-Identifier: GPL-2.0 */
/* The C API rbond uses beyond kernel::bindings: input of scripts/bindgen.sh. */
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/if_link.h>
#include <linux/if_arp.h>
#include <linux/if_bonding.h>
#include <linux/if_vlan.h>
#include <linux/sockios.h>
#include <linux/rtnetlink.h>
#include <net/rtnetlink.h>
#include <net/netlink.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include "shim.h"
