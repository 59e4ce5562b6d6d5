#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fail_over_mac none / active / follow side by side with the C driver: which device carries which
# MAC after enslaving and after a failover (MACs named by whose permanent address they are).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
mac() { cat /sys/class/net/$1/address; }
for fom in none active follow; do
  ip netns add rbpeer
  declare -A perm=()
  for side in r c; do
    for i in 1 2; do
      ip link add $side-s$i type veth peer name $side-p$i netns rbpeer; ip -n rbpeer link set $side-p$i up
      perm[$side-s$i]=$(mac $side-s$i)
    done
  done
  mkbond rbond r-b mode active-backup miimon 100 fail_over_mac $fom
  mkbond bonding c-b mode active-backup miimon 100 fail_over_mac $fom
  label() { # who owns the MAC that DEV has now: P1, P2 or X
    local side=$1 m; m=$(mac $2)
    if [ "$m" = "${perm[$side-s1]}" ]; then echo P1; elif [ "$m" = "${perm[$side-s2]}" ]; then echo P2; else echo X; fi
  }
  macs() { echo "bond=$(label $1 $1-b) s1=$(label $1 $1-s1) s2=$(label $1 $1-s2)"; }
  for side in r c; do ip link set $side-s1 master $side-b; ip link set $side-s2 master $side-b; ip link set $side-b up; done
  wait_for 5 bash -c '[ "$(active_of rbond r-b)" = r-s1 ] && [ "$(active_of bonding c-b)" = c-s1 ]'
  c=$(macs c); r=$(macs r)
  check "fail_over_mac $fom: MACs after enslaving as with C ($c)" equals "$c" "$r"
  check "fail_over_mac $fom: /proc text as C's" same_proc r-b c-b
  ip -n rbpeer link set r-p1 down; ip -n rbpeer link set c-p1 down
  wait_for 5 bash -c '[ "$(active_of rbond r-b)" = r-s2 ] && [ "$(active_of bonding c-b)" = c-s2 ]'
  sleep 0.3
  c=$(macs c); r=$(macs r)
  check "fail_over_mac $fom: MACs after a failover as with C ($c)" equals "$c" "$r"
  for side in r c; do ip link set $side-s1 nomaster; done
  c=$(macs c); r=$(macs r)
  check "fail_over_mac $fom: MACs after releasing the old active slave as with C ($c)" equals "$c" "$r"
  ip link del r-b; ip link del c-b
  for side in r c; do for i in 1 2; do ip link del $side-s$i; done; done
  ip netns del rbpeer
done
rmmod rbond; rmmod bonding
