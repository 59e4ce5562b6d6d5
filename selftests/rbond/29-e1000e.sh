#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-e1000e: 8
# A real NIC driver that reports speed and duplex as slaves: QEMU's e1000e (an Intel 82574L, the
# kernel's e1000e driver: 1000 Mbps full duplex), side by side with bonding.ko. For each driver
# four NICs: the bond's two ports s1 s2 in namespace a-DRIVER, wired through QEMU hubs to s1 s2 of
# an 802.3ad partner (a bonding.ko bond) in namespace p-DRIVER. Steps: 802.3ad forms with ports
# keyed for 1000 Mbps full duplex (the /proc text is bonding.ko's), traffic, a port whose link QEMU
# takes away (set_link) leaves and rejoins, the bond's MTU 9000
# on both ports with jumbo frames crossing, a released port gets its MTU and MAC back, and a
# deleted bond gives its last port its MTU back. Each step's result must be bonding.ko's.
# Needs the guest's e1000e NICs: RBOND_VM_E1000E=8 (make check gives them to the guest that runs
# this file).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
. "$(dirname "$0")/../lib/lacp.sh"
. "$(dirname "$0")/../lib/nics.sh"
if ! nics_available 8 enic; then
  skip "802.3ad, failover and MTU over e1000e NICs" "the guest has no e1000e NICs of vm.sh: run it with RBOND_VM_E1000E=8"
  exit 0
fi
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
LACP_OPTS=(mode 802.3ad miimon 100 lacp_rate fast)
T=$(mktemp -d)
declare -A BASE=([rbond]=0 [bonding]=4) NET=([rbond]=41 [bonding]=42)

# mtus NS: the MTUs of s1 and s2
mtus() { echo "$(ip netns exec $1 cat /sys/class/net/s1/mtu) $(ip netns exec $1 cat /sys/class/net/s2/mtu)"; }
# port_left NS: s1 is out of the aggregate, s2 carries on alone
port_left() {
  local s; s=$(lacp_snap $1 b0 s1 s2); echo "$s"
  [ "$(sget "$s" ports)" = 1 ] && [ "$(ad_state "$s" s2 | cut -d' ' -f2-)" = "$AD_UP $AD_UP" ]
}

# run DRIVER: the steps for one driver; each step's result a line "step: result" in $T/DRIVER
run() {
  local d=$1 A=a-$1 B=p-$1 b=${BASE[$1]} n=${NET[$1]} r
  ip netns add $A; ip netns add $B
  # NICs b and b+2 are ours, wired to b+1 and b+3 (the partner's)
  local i ns name nm
  declare -A ORIG=()
  for i in 0 1 2 3; do
    case $i in 0) ns=$A name=s1;; 1) ns=$B name=s1;; 2) ns=$A name=s2;; 3) ns=$B name=s2;; esac
    nm=$(enic $((b + i))); ORIG[$ns/$name]=$nm
    ip link set "$nm" netns $ns && ip -n $ns link set "$nm" name $name
  done
  res() { echo "$1: $2" >> $T/$d; }
  r=$(mk_lacp_bond $d b0 $A s1 s2 2>&1); check "$d: an 802.3ad bond of two e1000e ports ($r)" test -z "$r"
  r=$(mk_lacp_bond bonding b0 $B s1 s2 2>&1); check "$d: its partner, a bonding.ko bond ($r)" test -z "$r"
  ip -n $A addr add 10.$n.0.1/24 dev b0; ip -n $B addr add 10.$n.0.2/24 dev b0
  check_poll "$d: the aggregate forms within 60 s (both ports in one aggregator, partner known, states 63/63)" \
    60 pair_formed $A $B b0 s1 s2 && echo "# $d: formed in $(waited) s"
  sleep 1
  norm_lacp_proc $A $d b0 > $T/$d.proc
  res speed "$(grep -E '^(Speed|Duplex): ' $T/$d.proc | tr '\n' ' ')"
  check "$d: /proc shows each port at 1000 Mbps full duplex" equals \
    "Speed: 1000 Mbps Duplex: full Speed: 1000 Mbps Duplex: full " "$(tail -n 1 $T/$d | cut -d' ' -f2-)"
  res key "$(ip netns exec $A cat /sys/class/net/s1/bonding_slave/ad_actor_oper_port_state) $(grep -m1 'port key:' $T/$d.proc)"
  check "$d: ping over the aggregate" ip netns exec $A ping -c 2 -i 0.3 -W 2 10.$n.0.2

  # QEMU takes our s1's link away (set_link), then gives it back. (Seen 2026-11-29: the e1000e
  # driver then still reports its link up, with both drivers: the port leaves because its
  # partner's LACPDUs stop arriving, at the short timeout; the step's result records its MII
  # status, which must be the same for both.)
  set_link e$b down
  check_poll "$d: s1's link taken away by QEMU: s1 leaves the aggregate within 20 s, s2 carries on" 20 port_left $A
  res left "$(ip netns exec $A cat /sys/class/net/b0/bonding/ad_num_ports) $(ip netns exec $A cat /sys/class/net/s1/bonding_slave/mii_status)"
  check "$d: ping over the remaining port" ip netns exec $A ping -c 2 -i 0.3 -W 2 10.$n.0.2
  set_link e$b up
  check_poll "$d: the carrier back: s1 rejoins within 60 s" 60 pair_formed $A $B b0 s1 s2 && echo "# $d: rejoined in $(waited) s"
  res rejoined "$(ip netns exec $A cat /sys/class/net/b0/bonding/ad_num_ports)"

  # jumbo frames: MTU 9000 on both bonds goes to their ports
  ip -n $A link set b0 mtu 9000; r=$?; ip -n $B link set b0 mtu 9000
  res mtu "$r $(mtus $A)"
  check "$d: the bond's MTU 9000 goes to both e1000e ports" equals "0 9000 9000" "$r $(mtus $A)"
  # e1000e resets the NIC for a new MTU (its link goes and comes back): the aggregate forms again
  check_poll "$d: after the MTU change the aggregate forms again within 60 s" 60 pair_formed $A $B b0 s1 s2
  check "$d: an 8000-byte ping crosses unfragmented" wait_for 10 ip netns exec $A ping -c 1 -W 1 -s 8000 -M do 10.$n.0.2

  # a released port gets its MTU and MAC back; the bond deleted, so does the last one
  local mac2; mac2=$(ip netns exec $A cat /sys/class/net/s2/bonding_slave/perm_hwaddr)
  ip -n $A link set s2 nomaster
  res release "$(ip netns exec $A cat /sys/class/net/s2/mtu) $([ "$(ip netns exec $A cat /sys/class/net/s2/address)" = "$mac2" ] && echo own-mac || echo other-mac)"
  check "$d: a released e1000e port gets its MTU and its MAC back" equals "1500 own-mac" "$(tail -n 1 $T/$d | cut -d' ' -f2-)"
  ip -n $A link del b0
  res delete "$(ip netns exec $A cat /sys/class/net/s1/mtu) $(ip netns exec $A ls /sys/class/net/s1/ | grep -c '^master$')"
  check "$d: the bond deleted: its last port is free, at MTU 1500" equals "1500 0" "$(tail -n 1 $T/$d | cut -d' ' -f2-)"

  # the NICs back to the initial namespace, down, for a later file
  ip -n $B link del b0
  for ns in $A $B; do for name in s1 s2; do
    ip -n $ns link set $name down; ip -n $ns link set $name name ${ORIG[$ns/$name]}; ip -n $ns link set ${ORIG[$ns/$name]} netns 1
  done; done
  ip netns del $A; ip netns del $B
}
run bonding
run rbond
sed 's/^/# bonding.ko: /' $T/bonding
check "rbond's results are bonding.ko's, step by step" diff -u $T/bonding $T/rbond
check "... and the steps ran (bonding.ko's ports were at 1000 Mbps full duplex)" grep -q "^speed: Speed: 1000 Mbps" $T/bonding
check "rbond's /proc text of the formed aggregate is bonding.ko's (MACs and aggregator number made neutral)" \
  diff -u $T/bonding.proc $T/rbond.proc
wait_for 10 bash -c 'rmmod bonding 2>/dev/null; ! grep -q "^bonding " /proc/modules'
rbond_unload
rm -rf $T
