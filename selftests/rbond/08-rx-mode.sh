#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Promiscuity, allmulti and address lists reach the slaves as with the C driver: only the active
# slave in active-backup (moving on failover), every slave in balance-xor.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
ip netns add rbpeer
promisc() { ip -j -d link show "$1" | jq -r '.[0].promiscuity'; }
allmulti() { ip -j -d link show "$1" | jq -r '.[0].allmulti'; }
has_maddr() { ip maddr show dev "$1" | grep -q "$2"; }
state() { # the promiscuity, allmulti and group membership of both slaves of a side
  local p=$1
  echo "$(promisc $p-s1)/$(allmulti $p-s1)/$(has_maddr $p-s1 01:00:5e:01:02:03 && echo m || echo -)" \
       "$(promisc $p-s2)/$(allmulti $p-s2)/$(has_maddr $p-s2 01:00:5e:01:02:03 && echo m || echo -)"
}
for mode in active-backup balance-xor; do
  for side in r c; do
    for i in 1 2; do ip link add $side-s$i type veth peer name $side-p$i netns rbpeer; ip -n rbpeer link set $side-p$i up; done
  done
  mkbond rbond r-b mode $mode miimon 100; mkbond bonding c-b mode $mode miimon 100
  for side in r c; do
    ip link set $side-s1 master $side-b; ip link set $side-s2 master $side-b; ip link set $side-b up
    ip link set $side-b promisc on; ip link set $side-b allmulticast on
    ip maddr add 01:00:5e:01:02:03 dev $side-b
  done
  wait_for 5 bash -c '[ "$(active_of rbond r-b)" != None ] || ! grep -q "Currently Active" /proc/net/rbond/r-b'
  sleep 0.3
  c=$(state c); r=$(state r)
  check "$mode: promiscuity/allmulti/multicast on the slaves as with C ($c)" equals "$c" "$r"
  # offloads follow the slaves as on a C bond, VLAN filtering and the IPsec ones included
  feat() { ethtool -k $1 | grep -v -e '^Features for'; }
  check "$mode: the bond's offload features are the C bond's" diff -u <(feat c-b) <(feat r-b)
  if [ $mode = active-backup ]; then
    ip -n rbpeer link set r-p1 down; ip -n rbpeer link set c-p1 down
    wait_for 5 bash -c '[ "$(active_of rbond r-b)" = r-s2 ] && [ "$(active_of bonding c-b)" = c-s2 ]'
    sleep 0.3
    c=$(state c); r=$(state r)
    check "$mode: after failover they moved to the new active slave as with C ($c)" equals "$c" "$r"
    ip -n rbpeer link set r-p1 up; ip -n rbpeer link set c-p1 up
  fi
  for side in r c; do ip link set $side-b promisc off; ip link set $side-b allmulticast off; done
  c=$(state c); r=$(state r)
  check "$mode: turning them off on the bond turns them off on the slaves as with C ($c)" equals "$c" "$r"
  for side in r c; do ip link set $side-s2 nomaster; done
  check "$mode: a released slave keeps nothing of the bond" equals "0/0/-" "$(promisc r-s2)/$(allmulti r-s2)/$(has_maddr r-s2 01:00:5e:01:02:03 && echo m || echo -)"
  ip link del r-b; ip link del c-b
  for side in r c; do for i in 1 2; do ip link del $side-s$i; done; done
done
declare -A had
# bond_close(): what the bond gave its slaves goes when it goes down, so that a macvlan removed
# while the bond is down (here: with the bond) leaves nothing on the slaves (upstream dev_addr_lists)
for mode in active-backup balance-xor 802.3ad; do
  for side in r c; do
    for i in 1 2; do ip link add $side-d$i type dummy; done
    mkbond $([ $side = r ] && echo rbond || echo bonding) $side-b mode $mode
    ip link set $side-d1 master $side-b; ip link set $side-d2 master $side-b; ip link set $side-b up
    ip link add $side-mv link $side-b up address 02:00:00:12:34:5${side/r/6} type macvlan
    had[$side]=$({ bridge fdb show dev $side-d1; bridge fdb show dev $side-d2; } | grep -c 02:00:00:12:34:5)
    ip link set $side-b down; ip link del $side-b
  done
  check "$mode: the macvlan's address reached a slave (C: ${had[c]}, rbond: ${had[r]})" \
    bash -c "[ ${had[r]} -ge 1 ] && [ ${had[c]} -ge 1 ]"
  check "$mode: deleted while down, the bond leaves no macvlan address on its slaves, as with C" \
    bash -c "! { bridge fdb show dev c-d1; bridge fdb show dev c-d2; } | grep -q 02:00:00:12:34:5 &&
             ! { bridge fdb show dev r-d1; bridge fdb show dev r-d2; } | grep -q 02:00:00:12:34:5"
  for side in r c; do ip link del $side-d1; ip link del $side-d2; done
done
ip netns del rbpeer
rmmod rbond; rmmod bonding
