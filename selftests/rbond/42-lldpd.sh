#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lldpd (Debian sid, unchanged, in the clients' chroot) on the slaves of a `type bond` 802.3ad bond
# made by rbond in compatibility mode and then, with the same configuration, by bonding.ko. lldpd
# finds the bond and its slaves by netlink (kind "bond", the slaves' master) and, as a veth has
# no permanent address for ethtool -P, reads each slave's "Permanent HW addr" in
# /proc/net/bonding/<bond> (it does so when the bond's ethtool driver is "bonding"). Checked: on
# the bond's side `lldpcli show interfaces` gives each slave the dot3 aggregation ID (the bond's
# ifindex) and its own permanent MAC as port ID (the second slave's current MAC is the bond's);
# a second lldpd in namespace "lp" at the other end of the links receives the same as neighbours;
# a released slave loses the aggregation; both drivers give the same lldpcli output and the same
# kernel state (bond_state).
# vm-clients: 1
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
. "$(dirname "$0")/../lib/clients.sh"
START=${EPOCHREALTIME/[.,]/}
elapsed() { local t=${EPOCHREALTIME/[.,]/}; echo $(( (t - START) / 1000000 )); }
rbond_unload; modprobe -r bonding 2>/dev/null
T=$(mktemp -d)
NS=lp B=bond0 S=/sys/class/net
PSOCK=/run/lldpd-lp.socket PPID_F=/run/lldpd-lp.pid

# lldpd_stop PIDFILE: the daemon of the pid file (its monitor; the privilege-separated child ends
# with it) and wait for it to go
lldpd_stop() {
  local pid; pid=$(cat "$C$1" 2>/dev/null) || return 0
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null
  wait_for 10 bash -c "! kill -0 $pid 2>/dev/null"
}
cleanup() {
  lldpd_stop /run/lldpd.pid; lldpd_stop $PPID_F
  ip link del $B 2>/dev/null
  ip netns del $NS 2>/dev/null
  for l in ta1 ta2; do ip link del $l 2>/dev/null; done
  rm -f $C/etc/lldpd.d/rbond-test.conf
  rm -rf "$T"
}
trap cleanup EXIT

check "the clients' root is there" clients_setup
check "it has lldpd and lldpcli (lldpd $(client_version lldpd)), and lldpd's user _lldpd" bash -c \
  "[ -x $C/usr/sbin/lldpd ] && [ -x $C/usr/sbin/lldpcli ] && grep -q '^_lldpd:' $C/etc/passwd"
# lldpd configures itself at start with lldpcli from /etc/lldpd.d/*.conf: an LLDPDU every second
# (default 30 s) so that a neighbour is heard at once
echo "configure lldp tx-interval 1" > $C/etc/lldpd.d/rbond-test.conf
# pcl CMD...: lldpcli of the partner's lldpd
pcl() { ip netns exec $NS chroot $C lldpcli -u $PSOCK "$@"; }

ip netns add $NS
for i in 1 2; do
  ip link add ta$i address 02:00:00:00:41:0$i type veth peer name lb$i address 02:00:00:00:42:0$i netns $NS
  ip -n $NS link set lb$i up
done
# the partner: lldpd on lb1 and lb2, a control socket and pid file of its own (privilege
# separation: it chroots to /run/lldpd as user _lldpd, the directory made by lldpd)
ip netns exec $NS chroot $C lldpd -u $PSOCK -p $PPID_F -I lb1,lb2 2> $T/lldpd-p.err
check "the partner's lldpd starts in namespace $NS" wait_show 20 bash -c \
  "ip netns exec $NS chroot $C lldpcli -u $PSOCK show interfaces | grep -q 'Interface: *lb2'"

# kv CMD...: the keyvalue output of an lldpcli command without the values that differ from run
# to run or with what lldpd found before the last interface refresh: the age and remote index of
# a neighbour, the management address (the bond's IPv6 link-local address, there once its DAD
# ended) and its interface; the bond's ifindex, the aggregation ID, is replaced by BOND
kv() {
  local ifi; ifi=$(cat $S/$B/ifindex)
  "$@" -f keyvalue | grep -vE '\.(age|rid|chassis\.mgmt-ip|chassis\.mgmt-iface)=' |
    sed -E "s/\.aggregation=$ifi\$/.aggregation=BOND/"
}
# has FILE KEY=VALUE...: the lines are in the keyvalue output
has() {
  local f=$1 l bad=0; shift
  for l; do grep -qxF "$l" "$f" || { echo "no line '$l'"; bad=1; }; done
  [ $bad = 0 ] || { echo "in:"; cat "$f"; return 1; }
}
local_has() { kv cl lldpcli show interfaces details > $T/local; has $T/local "$@"; }
partner_has() { kv pcl show neighbors details > $T/partner; has $T/partner "$@"; }
PORTS=(lldp.ta1.port.mac=02:00:00:00:41:01 lldp.ta2.port.mac=02:00:00:00:41:02
  lldp.ta1.port.aggregation=BOND lldp.ta2.port.aggregation=BOND)
NEIGH=(lldp.lb1.port.mac=02:00:00:00:41:01 lldp.lb2.port.mac=02:00:00:00:41:02
  lldp.lb1.port.descr=ta1 lldp.lb2.port.descr=ta2
  lldp.lb1.port.aggregation=BOND lldp.lb2.port.aggregation=BOND)
released_local() { local_has lldp.ta1.port.aggregation=BOND lldp.ta2.port.descr=ta2 && ! grep -q '^lldp.ta2.port.aggregation=' $T/local; }
released_partner() { partner_has lldp.lb1.port.aggregation=BOND lldp.lb2.port.descr=ta2 && ! grep -q '^lldp.lb2.port.aggregation=' $T/partner; }

for drv in rbond bonding; do
  use_driver $drv
  check "$drv: the driver of type bond" bash -c "[ -e /sys/module/$drv ]"
  ip link add $B type bond mode 802.3ad miimon 100 lacp_rate fast
  ip link set ta1 master $B; ip link set ta2 master $B; ip link set $B up
  check "$drv: bond0 is 802.3ad with ta1 and ta2, ethtool driver \"bonding\"" equals "802.3ad 4|ta1 ta2|driver: bonding" \
    "$(cat $S/$B/bonding/mode $S/$B/bonding/slaves | paste -sd'|')|$(ethtool -i $B | grep '^driver:')"
  check "$drv: ta2 has the bond's MAC, and no permanent one for ethtool -P (lldpd must read /proc)" equals \
    "02:00:00:00:41:01|Permanent address: not set" "$(cat $S/ta2/address)|$(ethtool -P ta2)"
  check "$drv: /proc/net/bonding/bond0 has ta2's permanent address" grep -qx "Permanent HW addr: 02:00:00:00:41:02" /proc/net/bonding/$B
  cl lldpd -I ta1,ta2 2> $T/lldpd.err
  check "$drv: lldpd starts on the slaves" wait_show 20 bash -c "chroot $C lldpcli show interfaces | grep -q 'Interface: *ta2'"
  check "$drv: lldpcli show interfaces: each slave aggregated in bond0 (PortAggregID its ifindex), its permanent MAC as port ID" \
    wait_show 10 local_has "${PORTS[@]}"
  check "$drv: the human-readable form says so too" bash -c \
    "[ \"\$(chroot $C lldpcli show interfaces details | grep -c 'Port is aggregated. PortAggregID: $(cat $S/$B/ifindex)\$')\" = 2 ]"
  check "$drv: the partner's lldpd hears both slaves as aggregated neighbours" wait_show 15 partner_has "${NEIGH[@]}"
  cp $T/local $T/local.$drv; cp $T/partner $T/partner.$drv
  bond_state $B | agg_ids > $T/state.$drv
  # (both drivers close a released slave: up again, it sends its LLDPDUs as a lone port)
  ip link set ta2 nomaster; ip link set ta2 up
  check "$drv: ta2 released: lldpd drops its aggregation, ta1 keeps it" wait_show 15 released_local
  check "$drv: ... and the partner hears that" wait_show 15 released_partner
  cp $T/local $T/local-released.$drv
  lldpd_stop /run/lldpd.pid
  ip link del $B; ip link set ta2 down   # (as enslaving wants it: both drivers refuse an up device)
  echo "# $drv: done at $(elapsed) s"
done

check "lldpcli show interfaces: rbond's as bonding.ko's" diff -u $T/local.bonding $T/local.rbond
check "lldpcli show neighbors at the partner: rbond's as bonding.ko's" diff -u $T/partner.bonding $T/partner.rbond
check "lldpcli show interfaces with ta2 released: rbond's as bonding.ko's" diff -u $T/local-released.bonding $T/local-released.rbond
check "the kernel state is bonding.ko's (bond_state: netlink, sysfs, /proc; aggregator IDs by order of appearance)" diff -u $T/state.bonding $T/state.rbond
check "the compared outputs are not empty (both slaves' aggregation)" \
  bash -c "[ \$(grep -c '\.port\.aggregation=BOND' $T/local.rbond) = 2 ] && grep -q 'Permanent HW addr' $T/state.rbond"
lldpd_stop $PPID_F
check "lldpd stopped, no lldpd left" bash -c "! grep -qs '^lldpd' /proc/[0-9]*/comm"
use_driver bonding; modprobe -r bonding
echo "# 42-lldpd took $(elapsed) s"
