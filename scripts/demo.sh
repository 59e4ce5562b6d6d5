#!/bin/bash
# `make run`: runs in the guest. Loads rbond and shows a bond device at work.
set -e
say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
say "modprobe rbond max_bonds=0"
modprobe rbond max_bonds=0
modinfo rbond | grep -E '^(filename|description|alias|parm|vermagic):'
say "ip link add rb0 type rbond; ip link set rb0 up mtu 9000"
ip link add rb0 type rbond
ip link set rb0 mtu 9000 up
ip -d link show rb0
say "traffic with no slave is dropped and counted"
ip addr add 192.0.2.1/24 dev rb0
ping -c 2 -W 1 192.0.2.2 >/dev/null 2>&1 || true
ip -s link show rb0
say "ip link del rb0; rmmod rbond"
ip link del rb0
rmmod rbond
echo "rbond unloaded"
