#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-nics: 8
# VLANs over a bond whose slaves filter VLANs in hardware (virtio-net with ctrl_vlan: QEMU drops a
# tagged frame whose VLAN the guest did not add), side by side with bonding.ko: the bond offers
# VLAN filtering and gives its VLANs to every slave, to a slave enslaved later too, and takes them
# back when a slave leaves; failover by carrier loss (QEMU's set_link).
# Needs the guest's NICs: RBOND_VM_NICS=8 (make check gives them to the guest that runs this file).
# Each driver has its own four NICs: the bond's two slaves in this namespace, and two ports of a
# bridge in namespace rbpeer, wired to them through QEMU's hubs (NIC 2k to NIC 2k+1).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
. "$(dirname "$0")/../lib/nics.sh"
if ! nics_available 8; then
  skip "VLANs over a bond of virtio-net NICs" "the guest has no NICs of vm.sh: run it with RBOND_VM_NICS=8"
  exit 0
fi
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
ip netns add rbpeer
# no IPv6 chatter: the counters below count what arrives
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec rbpeer sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

# r: rbond on NICs 0-3 (10.31.0.0/24), k: bonding.ko on NICs 4-7 (10.32.0.0/24)
declare -A BASE=([r]=0 [k]=4) NET=([r]=31 [k]=32) DRV=([r]=rbond [k]=bonding)
for d in r k; do
  b=${BASE[$d]}
  ip link set "$(nic $b)" name $d-s1; ip link set "$(nic $((b + 2)))" name $d-s2
  p1=$(nic $((b + 1))); p2=$(nic $((b + 3)))
  ip link set "$p1" netns rbpeer; ip -n rbpeer link set "$p1" name $d-p1
  ip link set "$p2" netns rbpeer; ip -n rbpeer link set "$p2" name $d-p2
  ip -n rbpeer link add $d-br type bridge
  ip -n rbpeer link set $d-p1 master $d-br; ip -n rbpeer link set $d-p2 master $d-br
  ip -n rbpeer link set $d-p1 up; ip -n rbpeer link set $d-p2 up; ip -n rbpeer link set $d-br up
  ip -n rbpeer link add link $d-br name $d-br.100 type vlan id 100
  ip -n rbpeer addr add 10.${NET[$d]}.0.2/24 dev $d-br.100
  ip -n rbpeer link set $d-br.100 up
  mkbond ${DRV[$d]} $d-b mode active-backup miimon 100
  ip link set $d-s1 master $d-b; ip link set $d-s2 master $d-b
  ip link set $d-b up
done
wait_for 10 bash -c '[ "$(active_of rbond r-b)" = r-s1 ] && [ "$(active_of bonding k-b)" = k-s1 ]'

vlanfeat() { ethtool -k "$1" | grep -E '^rx-vlan(-stag)?-filter:'; }
check "the bond offers VLAN filtering as bonding.ko does ($(vlanfeat k-b | tr '\n' ' '))" \
  equals "$(vlanfeat k-b)" "$(vlanfeat r-b)"
check "rx-vlan-filter and rx-vlan-stag-filter are on" bash -c "ethtool -k r-b | grep -q '^rx-vlan-filter: on' && ethtool -k r-b | grep -q '^rx-vlan-stag-filter: on'"

# VLAN 100 over the bond, made after the slaves joined: the bond gives it to both
for d in r k; do
  ip link add link $d-b name $d-b.100 type vlan id 100
  ip addr add 10.${NET[$d]}.0.1/24 dev $d-b.100
  ip link set $d-b.100 up
done
reach() { ping -c 2 -i 0.3 -W 2 "10.${NET[$1]}.0.2" >/dev/null; }
kok() { if reach k; then echo yes; else echo no; fi; }
check "VLAN 100 over the bond reaches the peer (bonding.ko: $(kok))" reach r
rx() { cat /sys/class/net/$1/statistics/rx_packets; }
# tagged broadcasts from the peer reach the backup slave's driver only if its filter has VLAN 100
tagged_in() { # DRIVER-LETTER SLAVE: frames SLAVE received while the peer sent 3 tagged ARP requests
  local before; before=$(rx $2)
  ip netns exec rbpeer arping -q -c 3 -I $1-br.100 10.${NET[$1]}.0.99
  sleep 0.3
  echo $(( $(rx $2) - before ))
}
k=$(tagged_in k k-s2)
check "the backup slave's filter lets VLAN 100 in (bonding.ko: $k frames of 3)" test "$(tagged_in r r-s2)" -ge 3

# carrier loss on the active slave's NIC: the backup slave takes over with the VLAN
set_link 0 down && set_link 4 down
wait_for 10 bash -c '[ "$(active_of rbond r-b)" = r-s2 ] && [ "$(active_of bonding k-b)" = k-s2 ]'
check "both fail over to the second slave on carrier loss" equals "r-s2 k-s2" "$(active_of rbond r-b) $(active_of bonding k-b)"
check "VLAN 100 reaches the peer after the failover (bonding.ko: $(kok))" reach r
set_link 0 up && set_link 4 up
wait_for 10 bash -c 'grep -A1 "Interface: r-s1" /proc/net/rbond/r-b | grep -q "MII Status: up" && grep -A1 "Interface: k-s1" /proc/net/bonding/k-b | grep -q "MII Status: up"'

# a slave that leaves gives the VLAN back: its filter drops VLAN 100 again
for d in r k; do ip link set $d-s2 nomaster; ip link set $d-s2 up; done
sleep 0.5
k=$(tagged_in k k-s2)
check "a released slave's filter drops the bond's VLAN again (bonding.ko: $k frames)" equals "$k" "$(tagged_in r r-s2)"
check "... none arrive (bonding.ko)" equals 0 "$k"

# a slave that joins a bond with a VLAN gets it: fail over to it and talk
for d in r k; do ip link set $d-s2 down; ip link set $d-s2 master $d-b; done
wait_for 10 bash -c 'grep -A1 "Interface: r-s2" /proc/net/rbond/r-b | grep -q "MII Status: up" && grep -A1 "Interface: k-s2" /proc/net/bonding/k-b | grep -q "MII Status: up"'
set_link 0 down && set_link 4 down
wait_for 10 bash -c '[ "$(active_of rbond r-b)" = r-s2 ] && [ "$(active_of bonding k-b)" = k-s2 ]'
check "a slave enslaved after the VLAN was made carries it (bonding.ko: $(kok))" reach r
set_link 0 up; set_link 4 up

# the VLAN goes: the bond takes it back from its slaves
for d in r k; do ip link del $d-b.100; done
sleep 0.3
k=$(tagged_in k k-s2)
check "deleting the VLAN takes it out of the slaves' filters (bonding.ko: $k frames)" equals "$k" "$(tagged_in r r-s2)"

# the NICs back as they were found (a later test file may name its devices r-s1...)
for d in r k; do
  ip link del $d-b
  ip -n rbpeer link del $d-br
  ip -n rbpeer link set $d-p1 netns 1; ip -n rbpeer link set $d-p2 netns 1
done
ip netns del rbpeer
for i in 0 1 2 3 4 5 6 7; do n=$(nic $i); ip link set "$n" down; ip link set "$n" name vnic$i; done
sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
rmmod rbond; rmmod bonding
