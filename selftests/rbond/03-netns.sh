#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bonds live and die in their network namespace.
. "$(dirname "$0")/../lib/tap.sh"
rbond_unload
modprobe rbond max_bonds=0
ip netns add rbns1
ip netns add rbns2

check "ip -n rbns1 link add rb0 type rbond" ip -n rbns1 link add rb0 type rbond
check "rb0 exists in rbns1" link_exists rb0 rbns1
check "rb0 does not exist in the initial namespace" link_absent rb0
check "a bond of the same name can exist in rbns2 and in the initial namespace" \
  bash -c 'ip -n rbns2 link add rb0 type rbond && ip link add rb0 type rbond'
check_fails "a bond cannot move to another namespace (as C bonds)" ip link set rb0 netns rbns1
check "rb0 stayed in the initial namespace" link_exists rb0
n_before=$(ls /sys/class/net | wc -l)
check "deleting namespace rbns1 succeeds" ip netns del rbns1
sleep 1
check "the bond of a deleted namespace is destroyed, not moved to the initial one" \
  equals "$n_before" "$(ls /sys/class/net | wc -l)"
check "rmmod with bonds in several namespaces" rmmod rbond
check "rbns2's bond is gone with the module" link_absent rb0 rbns2
check "the initial namespace's bond is gone with the module" link_absent rb0
ip netns del rbns2
