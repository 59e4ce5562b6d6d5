#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel log is read by people and by monitoring scripts ("link status definitely down"):
# rbond's lines for a bond's life (enslave, failover, link down and up, release, delete) are
# bonding.ko's, for the same steps done to a bond of each driver side by side. Compared after
# taking out the timestamps, rbond's "rbond: " prefix, and the device names.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve   # one python for the rtnl.py requests (lib/bond.sh)
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe bonding max_bonds=0; modprobe rbond max_bonds=0
T=$(mktemp -d)
SHOW=${1:-0}   # 1: print both logs

# the log lines of one driver's run: its devices only, names made neutral
# (bonding.ko's bond is kb0 with slaves ka1 ka2, rbond's rb0 with ra1 ra2)
# (rbond's own "802.3ad aggregation:" lines, its documented addition, are left out: 16-lacp-diag
# tests them; a bond being deleted is "NAME (unregistering)" in netdev_printk's lines; so is
# bonding.ko's "Warning: Found an uninitialized port": its 802.3ad tick ran between two steps of
# an enslave in a loaded make check (the port is in the slave list before bond_3ad_bind_slave()),
# a race of the C driver that rbond does not have)
lines() { # PREFIX-OF-SLAVES BOND
  sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' $T/log | grep -E "^(rbond: )?$2( \(unregistering\))?: " |
    grep -v -e ': 802\.3ad aggregation: ' -e ': Warning: Found an uninitialized port$' |
    sed -E "s/^rbond: //; s/\b$2\b/BOND/g; s/\b${1}([0-9])\b/S\1/g; s/\bp${1}([0-9])\b/P\1/g; s/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g" |
    uniq   # bonding.ko logs a line again each tick its commit finds RTNL busy (rtnl_trylock)
}
# run STEPS-FUNCTION: the steps for both drivers, one after the other, with the log of each
run() {
  local f=$1
  dmesg -C; $f bonding kb0 ka; sleep 1; dmesg > $T/log; lines ka kb0 > $T/c
  dmesg -C; $f rbond rb0 ra; sleep 1; dmesg > $T/log; lines ra rb0 > $T/r
}
compare() { # DESCRIPTION
  rm -f $T/unreached
  run "$2"
  check "$1: each step reached its state, for both drivers" bash -c "! cat $T/unreached 2>/dev/null"
  if [ "$SHOW" = 1 ]; then sed 's/^/# bonding.ko: /' $T/c; sed 's/^/# rbond:      /' $T/r; fi
  check "$1: rbond logs what bonding.ko logs" diff -U 30 $T/c $T/r
  check "$1: ... and bonding.ko logged something (the comparison is not empty)" test -s $T/c
}
veths() { # PREFIX: two veth pairs, peers up
  for i in 1 2; do ip link add $1$i type veth peer name p$1$i; ip link set p$1$i up; done
}
cleanup() { # BOND PREFIX
  ip link del $1 2>/dev/null; for i in 1 2; do ip link del $2$i 2>/dev/null; done
}
# The steps wait for the state each one leads to (a failover done, a link up after updelay), not
# for a fixed time: under make check's load a second is sometimes not enough, and the two logs
# then differ by where the run stopped, not by what the drivers print. A state not reached in
# 10 s fails the comparison's run.
mii_is() { [ "$(cat /sys/class/net/$1/bonding_slave/mii_status 2>/dev/null)" = "$2" ]; }
active_is() { [ "$(cat /sys/class/net/$1/bonding/active_slave 2>/dev/null)" = "$2" ]; }
ports_are() { [ "$(cat /sys/class/net/$1/bonding/ad_num_ports 2>/dev/null)" = "$2" ]; }
reach() { wait_for 10 "$@" || echo "not reached in 10 s: $*" >> $T/unreached; }

ab() { # DRIVER BOND PREFIX
  veths $3
  mkbond $1 $2 mode active-backup miimon 100 updelay 200 downdelay 100
  # the first slave is enslaved while the bond is down: enslaved to an up bond, bonding.ko's MII
  # monitor, which inspects without RTNL, can zero the new slave's updelay during the enslave and
  # make it active there ("making interface the new active one 200 ms earlier"); usually it does
  # not, and the slave comes up at the next tick. rbond's monitor runs under RTNL: always the latter
  ip link set ${3}1 master $2
  ip link set $2 up; sleep 0.3             # a monitor tick in between: the log's order is fixed
  reach active_is $2 ${3}1
  ip link set ${3}2 master $2
  sleep 0.5
  ip link set p${3}1 down               # the active slave's link goes: failover
  reach active_is $2 ${3}2; reach mii_is ${3}1 down
  ip link set p${3}1 up                 # back, after updelay
  reach mii_is ${3}1 up; sleep 0.2
  ip link set ${3}2 nomaster            # release the active one
  ip link set ${3}1 nomaster            # and the last one
  ip link set $2 down
  cleanup $2 $3
}
compare "active-backup: enslave, failover, link up after updelay, release" ab

xor() {
  veths $3
  mkbond $1 $2 mode balance-xor miimon 100 xmit_hash_policy layer3+4
  ip link set $2 up
  ip link set ${3}1 master $2; sleep 0.3; ip link set ${3}2 master $2
  sleep 1
  ip link set p${3}2 down; reach mii_is ${3}2 down; sleep 0.2
  ip link set p${3}2 up; reach mii_is ${3}2 up; sleep 0.2
  ip link set ${3}1 down; reach mii_is ${3}1 down; sleep 0.2   # the slave itself goes down
  ip link set p${3}2 down; reach mii_is ${3}2 down; sleep 0.2  # the last link: no active interface
  ip link set p${3}2 up; reach mii_is ${3}2 up; sleep 0.2      # and back: active interface up
  cleanup $2 $3
}
compare "balance-xor: enslave, link down and up, slave down, last link down and up, delete" xor

lacp() {
  veths $3
  mkbond $1 $2 mode 802.3ad miimon 100 lacp_rate fast
  ip link set ${3}1 master $2; sleep 0.3; ip link set ${3}2 master $2
  ip link set $2 up; sleep 2
  ip link set p${3}1 down; reach mii_is ${3}1 down; sleep 0.3
  cleanup $2 $3
}
compare "802.3ad: enslave without a partner, link down, delete" lacp

primary() {
  veths $3
  mkbond $1 $2 mode active-backup miimon 100 primary ${3}2
  ip link set $2 up
  ip link set ${3}1 master $2; sleep 0.3
  ip link set ${3}2 master $2; reach active_is $2 ${3}2; sleep 0.2   # the primary takes over
  ip link set p${3}2 down; reach active_is $2 ${3}1; sleep 0.2       # it goes, and comes back: taken again
  ip link set p${3}2 up; reach active_is $2 ${3}2; sleep 0.2
  ip link set p${3}1 down; ip link set p${3}2 down                   # no slave left
  reach mii_is ${3}1 down; reach mii_is ${3}2 down; reach active_is $2 ""; sleep 0.2
  ip link set p${3}1 up; reach active_is $2 ${3}1; sleep 0.2
  cleanup $2 $3
}
compare "active-backup with a primary: takeover, loss of every link, return" primary

# 802.3ad with a partner of the same driver in a namespace (the partner's lines are not compared)
partnered() {
  ip netns add kl
  for i in 1 2; do ip link add ${3}$i type veth peer name p${3}$i netns kl; done
  if [ $1 = rbond ]; then ip netns exec kl $RTNL newlink ${2}p rbond mode 802.3ad miimon 100 lacp_rate fast >/dev/null
  else ip -n kl link add ${2}p type bond mode 802.3ad miimon 100 lacp_rate fast; fi
  for i in 1 2; do ip -n kl link set p${3}$i master ${2}p; done
  ip -n kl link set ${2}p up
  mkbond $1 $2 mode 802.3ad miimon 100 lacp_rate fast
  ip link set ${3}1 master $2; sleep 0.3; ip link set ${3}2 master $2
  ip link set $2 up
  reach ports_are $2 2; sleep 0.5   # aggregated
  cat /sys/class/net/$2/bonding/ad_num_ports > $T/ports.$1
  ip link set ${3}1 nomaster; sleep 0.5     # a port leaves the aggregate
  ip -n kl link set p${3}2 down; reach mii_is ${3}2 down; sleep 0.3  # the last port's link goes
  ip link del $2; sleep 0.3
  ip netns del kl; ip link del ${3}1 2>/dev/null
}
compare "802.3ad with a partner: aggregate, a port released, the last link down, delete" partnered
check "802.3ad with a partner: both bonds had aggregated their 2 ports" equals "2 2" "$(cat $T/ports.bonding) $(cat $T/ports.rbond)"

rm -rf $T
rmmod rbond; rmmod bonding
