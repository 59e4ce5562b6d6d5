#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad requests get an errno and a message, and create nothing.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve   # one python for the rtnl.py requests (lib/bond.sh)
rbond_unload
modprobe rbond max_bonds=0
count() { ls /sys/class/net | wc -l; }
n0=$(count)

out=$(rtnl newlink rb0 rbond 23=hex: 2>&1); rc=$?
check "IFLA_BOND_AD_INFO (read-only) in a request is refused with EOPNOTSUPP ($out)" equals 95 "$rc"
check "the message names the attribute" \
  bash -c "grep -q 'msg=IFLA_BOND_AD_INFO: read-only, not an option' <<< '$out'"
out=$(rtnl newlink rb0 rbond mode active-backup 28=u32:300001 2>&1); rc=$?
check "peer_notif_delay above 300000 is refused by bonding's policy (ERANGE, $out)" equals 34 "$rc"
out=$(rtnl newlink rb0 rbond mode 7 2>&1); rc=$?
check "mode 7 is refused with EINVAL and a message naming mode ($out)" \
  bash -c "[ $rc = 22 ] && grep -q 'msg=mode: invalid value 7' <<< '$out'"
out=$(rtnl newlink rb0 rbond updelay 200 2>&1); rc=$?
check "updelay without miimon is refused ($out)" \
  bash -c "[ $rc = 1 ] && grep -q 'updelay: unable to set, MII monitoring is disabled' <<< '$out'"
out=$(rtnl newlink rb0 rbond mode active-backup miimon 100 14=u8:9 2>&1); rc=$?
check "one bad option refuses the whole request ($out)" \
  bash -c "[ $rc = 22 ] && grep -q 'xmit_hash_policy: invalid value 9' <<< '$out'"
check "no device was created by refused requests" equals "$n0" "$(count)"

check_fails "iproute2 refuses bond options for kind rbond (no silent ignore)" ip link add rb0 type rbond mode 1
ip link add rbc type rbond
out=$(rtnl changelink rbc rbond miimon 100 mode 9 2>&1); rc=$?
check "changelink is all or nothing: a bad mode leaves miimon unchanged ($out)" \
  bash -c "[ $rc = 22 ] && grep -q '^MII Polling Interval (ms): 0' /proc/net/rbond/rbc"
ip link set rbc up
out=$(rtnl changelink rbc rbond mode active-backup 2>&1); rc=$?
check "changing the mode of an up bond is refused with EBUSY ($out)" \
  bash -c "[ $rc = 16 ] && grep -q 'mode: unable to set option because the bond is up' <<< '$out'"
ip link del rbc
check "nothing was created" link_absent rb0

out=$(rtnl newlink 'a/b' rbond 2>&1); rc=$?
check "an invalid name (a/b) is refused with EINVAL ($out)" equals 22 "$rc"
out=$(rtnl newlink 'abcdefghijklmnopq' rbond 2>&1); rc=$?
check "a name longer than 15 bytes is refused ($out)" test "$rc" -ne 0
out=$(rtnl newlink '..' rbond 2>&1); rc=$?
check "the name '..' is refused ($out)" equals 22 "$rc"
check "no device was created by invalid names" equals "$n0" "$(count)"

check "a valid request through the same client works" rtnl newlink rbok rbond
check "rbok exists" link_exists rbok
out=$(rtnl newlink rbok rbond 2>&1); rc=$?
check "creating an existing name is refused with EEXIST ($out)" equals 17 "$rc"
check "ip link add lo type rbond is refused" bash -c '! ip link add lo type rbond 2>/dev/null'
check "lo is untouched" equals loopback "$(jfield lo .link_type)"
ip link del rbok
rbond_unload
