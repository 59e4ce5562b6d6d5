#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Module parameters take names or numbers as with the C driver, set the defaults of every bond,
# and a bad value fails the load with a message naming the parameter and what is accepted.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve   # one python for the rtnl.py requests (lib/bond.sh)
rbond_unload; modprobe -r bonding 2>/dev/null

# both_logged C-PREFIX RBOND-PREFIX MESSAGE...: each message is in the kernel log, after the
# prefix of each driver
both_logged() {
  local c=$1 r=$2 m; shift 2
  for m in "$@"; do
    dmesg | grep -qF "$c$m" && dmesg | grep -qF "$r$m" || { echo "missing: $m"; dmesg | tail -5; return 1; }
  done
}
# the option files /proc does not show outside 802.3ad
adfiles() { for f in lacp_active lacp_rate ad_select min_links; do echo "$f=$(cat /sys/class/net/$1/bonding/$f)"; done; }
# same parameters to both drivers: same /proc text and option files for the bond made at load
side_by_side() { # DESCRIPTION PARAMS...
  local d=$1; shift
  modprobe rbond max_bonds=1 "$@"; modprobe bonding max_bonds=1 "$@"
  check "$d: /proc of rbond0 is the C driver's bond0" \
    diff -u <(sed 's/bond0/BOND/' /proc/net/bonding/bond0) <(sed 's/rbond0/BOND/' /proc/net/rbond/rbond0)
  check "$d: the 802.3ad option files of rbond0 read as bond0's" diff -u <(adfiles bond0) <(adfiles rbond0)
  rmmod rbond; rmmod bonding
}
side_by_side "mode=active-backup miimon=100 updelay=200 downdelay=100" mode=active-backup miimon=100 updelay=200 downdelay=100
side_by_side "mode=1 (a number) primary_reselect=better" mode=1 primary_reselect=better miimon=50
side_by_side "mode=balance-xor xmit_hash_policy=layer3+4" mode=balance-xor xmit_hash_policy=layer3+4
side_by_side "mode=2 xmit_hash_policy=2 (numbers)" mode=2 xmit_hash_policy=2
dmesg -C
side_by_side "updelay=150 downdelay=250 with miimon=100 are rounded like C" miimon=100 updelay=150 downdelay=250
check "... with C's warnings" both_logged "] " "rbond: " \
  "Warning: updelay (150) is not a multiple of miimon (100), updelay rounded to 100 ms" \
  "Warning: downdelay (250) is not a multiple of miimon (100), downdelay rounded to 200 ms"
# balance-alb and balance-tlb: the MII monitor forced on, and C's notice about updelay in alb
dmesg -C
side_by_side "mode=balance-alb lp_interval=3 updelay=0" mode=balance-alb lp_interval=3 updelay=0
check "... with C's warnings and notice" both_logged "] " "rbond: " \
  "Warning: miimon must be specified, otherwise bonding will not detect link failure, speed and duplex which are essential for 802.3ad operation" \
  "Forcing miimon to 100msec" \
  "In ALB mode you might experience client disconnections upon reconnection of a link if the bonding module updelay parameter (0 msec) is incompatible with the forwarding delay time of the switch"
side_by_side "mode=5 xmit_hash_policy=layer2+3 miimon=50" mode=5 xmit_hash_policy=layer2+3 miimon=50
# the same rounding when set by netlink on a bond
dmesg -C
modprobe bonding max_bonds=0; modprobe rbond max_bonds=0
mkbond bonding bond0 mode active-backup miimon 100; mkbond rbond rb0 mode active-backup miimon 100
setbond bonding bond0 updelay 150 downdelay 250; setbond rbond rb0 updelay 150 downdelay 250
check "netlink updelay 150, downdelay 250 with miimon 100: both drivers keep 100 and 200" equals "100 200|100 200" \
  "$(cat /sys/class/net/bond0/bonding/{updelay,downdelay} | xargs)|$(cat /sys/class/net/rb0/bonding/{updelay,downdelay} | xargs)"
check "... with C's warnings" both_logged "bond0: " "rbond: rb0: " \
  "up delay (150) is not a multiple of miimon (100), value rounded to 100 ms" \
  "down delay (250) is not a multiple of miimon (100), value rounded to 200 ms"
# and without the MII monitor: EPERM, and C's message
dmesg -C
setbond bonding bond0 miimon 0; setbond rbond rb0 miimon 0
check_fails "updelay without miimon is refused by bonding.ko" setbond bonding bond0 updelay 200
check_fails "... and by rbond" setbond rbond rb0 updelay 200
check "... with C's message" both_logged "bond0: " "rbond: rb0: " "Unable to set up delay as MII monitoring is disabled"
check "... and the same errno (EPERM)" bash -c '
  e1=$(ip link set bond0 type bond updelay 200 2>&1); e2=$(python3 '"$LIB"'/rtnl.py changelink rb0 rbond updelay 200 2>&1)
  echo "$e1 | $e2"; echo "$e1" | grep -q "Operation not permitted" && echo "$e2" | grep -qi "Operation not permitted\|EPERM\|errno 1\b"'
ip link del bond0; ip link del rb0; rmmod rbond; rmmod bonding
side_by_side "mode=active-backup fail_over_mac=active" mode=active-backup fail_over_mac=active
side_by_side "mode=balance-xor xmit_hash_policy=encap3+4" mode=balance-xor xmit_hash_policy=encap3+4
side_by_side "ad_select=bandwidth min_links=2" ad_select=bandwidth min_links=2
side_by_side "mode=802.3ad lacp_rate=fast ad_select=count (miimon forced to 100)" mode=802.3ad lacp_rate=fast ad_select=count
side_by_side "mode=2 ad_select=2 min_links=1 (numbers)" mode=2 ad_select=2 min_links=1
dmesg -C
side_by_side "lacp_rate=fast outside 802.3ad is ignored, as by C" lacp_rate=fast ad_select=count
# (bonding's lines have no prefix: bond_main.c has no pr_fmt)
check "lacp_rate and ad_select outside 802.3ad: rbond says what C says" bash -c '
  for m in "lacp_rate param is irrelevant in mode load balancing (round-robin)" "ad_select param only affects 802.3ad mode"; do
    dmesg | grep -q "rbond: $m\$" && dmesg | grep -q "] $m\$" || { echo "missing: $m"; dmesg | tail -5; exit 1; }
  done'

modprobe rbond max_bonds=0 mode=active-backup miimon=100
ip link add rb0 type rbond
check "the module parameters are the defaults of bonds made later by ip link" \
  bash -c 'grep -q "^Bonding Mode: fault-tolerance (active-backup)" /proc/net/rbond/rb0 && grep -q "^MII Polling Interval (ms): 100" /proc/net/rbond/rb0'
ip link del rb0; rmmod rbond

refused() { # PARAM=VALUE EXPECTED-MESSAGE
  dmesg -C
  check_fails "$1 fails the load" modprobe rbond max_bonds=0 "$1"
  check "$1: the message says what is accepted" bash -c "dmesg | grep -qF \"$2\""
  check "$1: rbond is not loaded" module_unloaded rbond
  rbond_unload
}
refused mode=foo "mode=foo is invalid; accepted values are balance-rr (0), active-backup (1), balance-xor (2)"
refused mode=7 "mode=7 is invalid; accepted values are"
refused xmit_hash_policy=layer5 "xmit_hash_policy=layer5 is invalid; accepted values are layer2 (0), layer3+4 (1), layer2+3 (2), encap2+3 (3), encap3+4 (4), vlan+srcmac (5)"
refused primary_reselect=sometimes "primary_reselect=sometimes is invalid; accepted values are always (0), better (1), failure (2)"
refused fail_over_mac=sideways "fail_over_mac=sideways is invalid; accepted values are none (0), active (1), follow (2)"
refused miimon=-5 "miimon=-5 is invalid; accepted values are 0 to 2147483647"
refused num_grat_arp=300 "num_grat_arp=300 is invalid; accepted values are 0 to 255"
refused all_slaves_active=2 "all_slaves_active=2 is invalid; accepted values are 0 to 1"
refused use_carrier=0 "use_carrier=0 is invalid; accepted values are 1 to 1"
refused lacp_rate=medium "lacp_rate=medium is invalid; accepted values are slow (0), fast (1)"
refused lacp_rate=2 "lacp_rate=2 is invalid; accepted values are slow (0), fast (1)"
refused ad_select=random "ad_select=random is invalid; accepted values are stable (0), bandwidth (1), count (2), actor_port_prio (3)"
refused min_links=-1 "min_links=-1 is invalid; accepted values are 0 to 2147483647"
refused tx_queues=0 "tx_queues=0 is invalid; accepted values are 1 to 255"
refused tx_queues=256 "tx_queues=256 is invalid; accepted values are 1 to 255"

# tx_queues: the transmit queues of every bond made later (at load, by ip link, by rbond_masters)
modprobe rbond max_bonds=1 tx_queues=4; modprobe bonding max_bonds=1 tx_queues=4
ip link add rb1 type rbond; ip link add bond1 type bond
check "tx_queues=4: the bonds made at load and by ip link have 4 transmit queues, as bonding.ko's ($(jfield bond0 .num_tx_queues) $(jfield bond1 .num_tx_queues))" \
  equals "4 4|4 4" "$(jfield bond0 .num_tx_queues) $(jfield bond1 .num_tx_queues)|$(jfield rbond0 .num_tx_queues) $(jfield rb1 .num_tx_queues)"
ip link add rb2 numtxqueues 2 type rbond
check "ip link's numtxqueues 2 is taken over the parameter" equals 2 "$(jfield rb2 .num_tx_queues)"
rmmod rbond; rmmod bonding
# every module parameter of bonding.ko, by name (some descriptions say what rbond differs in);
# rbond has its own compat and lacp_fallback in addition
parm() { modinfo -F parm "$1" | cut -d: -f1 | grep -vxE 'compat|lacp_fallback' | sort; }
check "rbond has every module parameter of bonding.ko ($(parm bonding | xargs))" diff -u <(parm bonding) <(parm rbond)
