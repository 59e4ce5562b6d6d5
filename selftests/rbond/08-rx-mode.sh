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
  # offloads follow the slaves as on a C bond (rbond has no VLAN filter or IPsec offload: see Documentation)
  feat() { ethtool -k $1 | grep -v -e '^Features for' -e 'vlan-filter' -e 'vlan-stag-filter' -e 'esp'; }
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
ip netns del rbpeer
rmmod rbond; rmmod bonding
