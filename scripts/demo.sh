#!/bin/bash
# `make run`: runs in the guest. Loads rbond and shows an active-backup bond at work and failing
# over, then an 802.3ad (LACP) aggregate formed with the C bonding driver as the partner.
set -e
. "$(dirname "$0")/errtrap.sh"   # a failed step says where
say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
say "modprobe rbond max_bonds=0 mode=active-backup miimon=100"
modprobe rbond max_bonds=0 mode=active-backup miimon=100
modinfo rbond | grep -E '^(filename|description|alias|vermagic):'

say "a peer namespace with a bridge, two veth links to it"
ip netns add peer
ip -n peer link add name br0 type bridge
ip -n peer link set br0 up
ip -n peer addr add 192.0.2.2/24 dev br0
for i in 1 2; do
  ip link add eth$i type veth peer name p$i netns peer
  ip -n peer link set p$i master br0
  ip -n peer link set p$i up
done

say "ip link add rb0 type rbond; enslave eth1 and eth2; up"
ip link add rb0 type rbond
ip link set eth1 master rb0
ip link set eth2 master rb0
ip link set rb0 up
ip addr add 192.0.2.1/24 dev rb0
sleep 0.5
ip -br link show master rb0
cat /proc/net/rbond/rb0

say "ping the peer through the bond"
ping -c 3 -i 0.2 -W 1 192.0.2.2

say "the active slave's link fails (peer side of eth1 goes down)"
ip -n peer link set p1 down
sleep 0.5
grep -E '^(Currently Active Slave|Slave Interface|MII Status|Link Failure Count)' /proc/net/rbond/rb0
dmesg | grep 'rbond: rb0' | tail -n 3

say "traffic continues over eth2"
ping -c 3 -i 0.2 -W 1 192.0.2.2
ip -s link show rb0

say "cleanup"
ip link del rb0
ip netns del peer

say "802.3ad: rb1 (rbond) and a bonding.ko bond in a peer namespace, two veth links"
modprobe bonding max_bonds=0
ip netns add lacp
ip -n lacp link add sw0 type bond mode 802.3ad miimon 100
for i in 1 2; do
  ip link add eth$i type veth peer name sw$i netns lacp
  ip -n lacp link set sw$i master sw0
done
ip -n lacp link set sw0 up
ip -n lacp addr add 198.51.100.2/24 dev sw0
ip link add rb1 type rbond
echo 802.3ad > /sys/class/net/rb1/bonding/mode
ip link set eth1 master rb1
ip link set eth2 master rb1
ip link set rb1 up
ip addr add 198.51.100.1/24 dev rb1
# formed: both ports in the active aggregator, aggregating, in sync, collecting and distributing
# (state bits 0x3c) on our side and as the partner reports
in_sync() { local f=/sys/class/net/$1/bonding_slave/ad_$2_oper_port_state; [ $(( $(cat "$f") & 0x3c )) = 60 ]; }
formed() { [ "$(cat /sys/class/net/rb1/bonding/ad_num_ports)" = 2 ] && for s in eth1 eth2; do
  in_sync $s actor && in_sync $s partner || return 1; done; }
for _ in $(seq 100); do formed && break; sleep 0.2; done
formed || { echo "the aggregate did not form"; exit 1; }
cat /proc/net/rbond/rb1
ping -c 3 -i 0.2 -W 1 198.51.100.2

say "the partner's view (/proc/net/bonding/sw0 in the peer namespace)"
ip netns exec lacp grep -A5 '^Active Aggregator Info' /proc/net/bonding/sw0

say "cleanup"
ip link del rb1
ip netns del lacp
rmmod bonding
rmmod rbond
echo "rbond unloaded"

say "compatibility mode: modprobe rbond compat=1 (bonding.ko unloaded): iproute2's own 'type bond'"
modprobe rbond compat=1 max_bonds=0
ip link add bond0 type bond mode active-backup miimon 100 primary_reselect better
for i in 1 2; do ip link add eth$i type veth peer name peer$i; ip link set eth$i master bond0; ip link set peer$i up; done
ip link set bond0 up
ip link set dev eth2 type bond_slave prio 10
sleep 0.5
ip -d link show bond0
ip -d link show eth2
head -n 7 /proc/net/bonding/bond0
echo "bonding_masters: $(cat /sys/class/net/bonding_masters)"
ip link del bond0; ip link del eth1; ip link del eth2
rmmod rbond
echo "rbond unloaded"
