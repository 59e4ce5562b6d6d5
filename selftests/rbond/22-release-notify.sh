#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Leaving and telling, side by side with bonding.ko: what a slave gets back in every way it can
# leave a bond (nomaster, the bond deleted, the slave moved to another namespace).
# bonding.ko's bonds and devices start with k, rbond's with r.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
ip netns add rbpeer; ip netns add rbother
T=$(mktemp -d)

drv_of() { if [ "${1:0:1}" = r ]; then echo rbond; else echo bonding; fi; }
# bond_with NAME [OPTION VALUE ...]: a bond of NAME's driver with two slaves NAME1 NAME2 (fresh
# veths, their peers up in rbpeer); their permanent MACs in P1 P2
bond_with() {
  local b=$1; shift
  mkbond "$(drv_of "$b")" "$b" "$@"
  for i in 1 2; do
    ip link add $b$i type veth peer name p$b$i netns rbpeer; ip -n rbpeer link set p$b$i up
  done
  P1=$(cat /sys/class/net/${b}1/address); P2=$(cat /sys/class/net/${b}2/address)
  ip link set ${b}1 master $b; ip link set ${b}2 master $b
}
mtu_mac() { # DEV [NETNS]: "MTU MAC"
  echo "$(jfield "$1" .mtu "${2:-}") $(jfield "$1" .address "${2:-}")"
}

# --- a slave gets its MTU and MAC back however it leaves (__bond_release_one()) -------------
for b in km rm; do
  d=$(drv_of $b)
  bond_with $b; ip link set $b mtu 9000
  check "$d: the slaves follow the bond's MTU (9000)" equals "9000 9000" "$(jfield ${b}1 .mtu) $(jfield ${b}2 .mtu)"
  ip link set ${b}1 nomaster
  check "$d: a slave set nomaster gets its MTU and MAC back" equals "1500 $P1" "$(mtu_mac ${b}1)"
  ip link set ${b}1 master $b
  ip link del $b
  check "$d: deleting the bond gives the first slave its MTU and MAC back" equals "1500 $P1" "$(mtu_mac ${b}1)"
  check "$d: deleting the bond gives the second slave its MTU and MAC back" equals "1500 $P2" "$(mtu_mac ${b}2)"
  ip link del ${b}1; ip link del ${b}2

  bond_with $b; ip link set $b mtu 9000
  ip link set ${b}2 netns rbother
  check "$d: a slave moved to another namespace leaves the bond" \
    bash -c "! grep -q '^Slave Interface: ${b}2' $(procfile $d $b) && [ \"\$(ip -n rbother -j link show ${b}2 | jq -r '.[0].master')\" = null ]"
  check "$d: ... and has its MTU and MAC back there" equals "1500 $P2" "$(mtu_mac ${b}2 rbother)"
  ip link del $b; ip link del ${b}1; ip -n rbother link del ${b}2
done

ip netns del rbpeer; ip netns del rbother
rm -rf $T
rmmod rbond; rmmod bonding
