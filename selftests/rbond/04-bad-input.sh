#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad requests get an errno and a message, and create nothing.
. "$(dirname "$0")/../lib/tap.sh"
RTNL="python3 $(dirname "$0")/../lib/rtnl.py"
rbond_unload
modprobe rbond max_bonds=0
count() { ls /sys/class/net | wc -l; }
n0=$(count)

out=$($RTNL newlink rb0 rbond 1=u8:1 2>&1); rc=$?
check "IFLA_BOND_MODE is refused with EOPNOTSUPP" equals 95 "$rc"
check "the message names the attribute ($out)" \
  bash -c "grep -q 'msg=IFLA_BOND_MODE: option not supported by rbond' <<< '$out'"
out=$($RTNL newlink rb0 rbond 14=u8:1 2>&1); rc=$?
check "IFLA_BOND_XMIT_HASH_POLICY is refused by name ($out)" \
  bash -c "[ $rc = 95 ] && grep -q 'msg=IFLA_BOND_XMIT_HASH_POLICY' <<< '$out'"
check "no device was created by refused requests" equals "$n0" "$(count)"

check_fails "iproute2 refuses bond options for kind rbond (no silent ignore)" ip link add rb0 type rbond mode 1
check "nothing was created" link_absent rb0

out=$($RTNL newlink 'a/b' rbond 2>&1); rc=$?
check "an invalid name (a/b) is refused with EINVAL ($out)" equals 22 "$rc"
out=$($RTNL newlink 'abcdefghijklmnopq' rbond 2>&1); rc=$?
check "a name longer than 15 bytes is refused ($out)" test "$rc" -ne 0
out=$($RTNL newlink '..' rbond 2>&1); rc=$?
check "the name '..' is refused ($out)" equals 22 "$rc"
check "no device was created by invalid names" equals "$n0" "$(count)"

check "a valid request through the same client works" $RTNL newlink rbok rbond
check "rbok exists" link_exists rbok
out=$($RTNL newlink rbok rbond 2>&1); rc=$?
check "creating an existing name is refused with EEXIST ($out)" equals 17 "$rc"
check "ip link add lo type rbond is refused" bash -c '! ip link add lo type rbond 2>/dev/null'
check "lo is untouched" equals loopback "$(jfield lo .link_type)"
ip link del rbok
rbond_unload
