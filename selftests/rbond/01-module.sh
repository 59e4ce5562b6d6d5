#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Loading and unloading rbond, its module parameters, and creation of bonds at load.
. "$(dirname "$0")/../lib/tap.sh"
rbond_unload

check "modinfo: alias rtnl-link-rbond (ip link autoloads rbond)" \
  bash -c 'modinfo rbond | grep -qx "alias: *rtnl-link-rbond"'
check "modinfo: parameter max_bonds is described" \
  bash -c 'modinfo -F parm rbond | grep -q "^max_bonds:"'

check "modprobe rbond loads" modprobe rbond
check "default max_bonds=1 creates rbond0" link_exists rbond0
check "rbond0 is of kind rbond" equals rbond "$(jfield rbond0 .linkinfo.info_kind)"
ip link set rbond0 up
check "rbond0 is an up master with no carrier, as a C bond without slaves" \
  equals '["NO-CARRIER","BROADCAST","MULTICAST","MASTER","UP"]' "$(jfield rbond0 .flags | jq -c .)"
check "rbond0 has 16 transmit queues, as the C driver's default" equals 16 "$(jfield rbond0 .num_tx_queues)"
check "rmmod rbond succeeds" rmmod rbond
check "rmmod removed rbond0" link_absent rbond0
check "rbond is no longer loaded" module_unloaded rbond

check "modprobe rbond max_bonds=3" modprobe rbond max_bonds=3
check "max_bonds=3 creates rbond0, rbond1, rbond2" \
  bash -c 'for i in 0 1 2; do ip link show rbond$i >/dev/null || exit 1; done'
check "max_bonds=3 creates no rbond3" link_absent rbond3
rbond_unload

check "modprobe rbond max_bonds=0" modprobe rbond max_bonds=0
check "max_bonds=0 creates no bond" link_absent rbond0
rbond_unload

dmesg -C
check_fails "max_bonds=-1 is refused" modprobe rbond max_bonds=-1
check "the refusal names max_bonds and the accepted values" \
  bash -c 'dmesg | grep -q "max_bonds=-1 is invalid; accepted values are 0 to 2147483647"'
check "nothing was left behind by the refused load" \
  bash -c '! grep -q "^rbond " /proc/modules && ! ip link show rbond0 2>/dev/null'
check_fails "max_bonds=abc is refused" modprobe rbond max_bonds=abc
check "rbond is not loaded after the refused loads" module_unloaded rbond

check "ip link add ... type rbond autoloads the module" ip link add rb0 type rbond
check "autoloaded module is live" module_loaded rbond
check "rmmod with live devices removes them" bash -c 'rmmod rbond && ! ip link show rb0 2>/dev/null && ! ip link show rbond0 2>/dev/null'
