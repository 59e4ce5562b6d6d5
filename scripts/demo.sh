#!/bin/bash
# `make run`: runs in the guest. Loads rbond and shows an active-backup bond at work and failing over.
set -e
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
rmmod rbond
echo "rbond unloaded"
