#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Netlink and sysfs fuzzer, rbond beside bonding.ko (selftests/lib/fuzz.py says how): random and
# boundary values for every IFLA_BOND_* / IFLA_BOND_SLAVE_* attribute and every bonding/ and
# bonding_slave/ file, on bonds in every mode with and without slaves, up and down; the errno and
# the state of both drivers must agree, a refusal must change nothing, and what rbond refuses by
# design (Documentation/rbond.rst, differences) must be refused cleanly.
# usage: 25-fuzz.sh [--seed N] [--seconds N] [--episode K] [--steps N]
# The bounded run of make check uses a fixed seed (the same cases every time; `make fuzz` picks a
# new one) and about two minutes.
. "$(dirname "$0")/../lib/tap.sh"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--seed 20261128 --seconds 120)
rbond_unload
modprobe -r bonding 2>/dev/null
check "bonding.ko loads" modprobe bonding
check "rbond loads beside it (own names)" modprobe rbond
if module_loaded rbond && module_loaded bonding; then
  python3 "$(dirname "$0")/../lib/fuzz.py" "${args[@]}"
else
  echo "not ok - fuzz: the drivers did not load"
fi
check "rbond unloads" rmmod rbond
check "bonding.ko unloads" rmmod bonding
