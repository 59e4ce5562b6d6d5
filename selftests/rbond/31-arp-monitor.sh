#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ARP monitor, side by side with bonding.ko. Each driver has a bond of two veth slaves whose
# peers are bridged in namespace D-peer, where the bridge has the ARP target's address (and a
# VLAN 100 on it another). A path is broken by taking a peer out of the bridge: the slave keeps
# its carrier, so only the ARP monitor can see the failure.
# active-backup (validate none, then all), balance-xor (bond_loadbalance_arp_mon()), a target
# behind a VLAN on the bond (tagged probes), an IPv6 target (NS probes, validated NAs), the options' rules (miimon and arp_interval exclude
# each other, targets added and removed, errors), /proc, sysfs and netlink, module parameters.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
declare -A NET=([r]=61 [k]=62) DRV=([r]=rbond [k]=bonding)
S=/sys/class/net
T=$(mktemp -d)

# mk D MODE [OPTIONS...]: bond D-b (10.NET.0.2/24) of D-s1 D-s2, whose peers D-p1 D-p2 are in
# bridge br0 (10.NET.0.1/24, the target) of namespace D-peer. The bond is up before its slaves
# come: a slave enslaved long before the monitor starts has missed its intervals and is taken
# down at the first round (both drivers), which the comparisons below would depend on.
# The interval is 500 ms: a loaded TCG guest answers within the 1.25 s a slave is given.
IV=500
mk() {
  local d=$1 i; shift
  ip netns add $d-peer
  ip netns exec $d-peer sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  # a peer taken out of the bridge must not answer for the bridge's address (Linux answers ARP for
  # any of its addresses on any interface unless told otherwise)
  ip netns exec $d-peer sysctl -qw net.ipv4.conf.all.arp_ignore=1
  ip -n $d-peer link add br0 type bridge
  ip -n $d-peer link set br0 up
  ip -n $d-peer addr add 10.${NET[$d]}.0.1/24 dev br0
  mkbond ${DRV[$d]} $d-b mode "$@"
  ip link set $d-b up
  ip addr add 10.${NET[$d]}.0.2/24 dev $d-b
  if [ -n "${NS6:-}" ]; then
    ip netns exec $d-peer sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.br0.disable_ipv6=0
    ip -n $d-peer addr add 2001:db8:${NET[$d]}::1/64 dev br0 nodad
    ip addr add 2001:db8:${NET[$d]}::2/64 dev $d-b nodad
  fi
  if [ -n "${VLAN:-}" ]; then
    # VLAN 100 on the bond (10.NET.100.2) and on the peers' bridge (10.NET.100.1), before the
    # slaves come, so that the first probes already find the target
    ip link add link $d-b name $d-b.100 type vlan id 100
    ip link set $d-b.100 up
    ip addr add 10.${NET[$d]}.100.2/24 dev $d-b.100
    ip -n $d-peer link add link br0 name br0.100 type vlan id 100
    ip -n $d-peer link set br0.100 up
    ip -n $d-peer addr add 10.${NET[$d]}.100.1/24 dev br0.100
  fi
  for i in 1 2; do
    ip link add $d-s$i type veth peer name $d-p$i netns $d-peer
    ip -n $d-peer link set $d-p$i master br0 up
    ip link set $d-s$i master $d-b
  done
}
unmake() { local d=$1; ip link del $d-b; ip link del $d-s1; ip link del $d-s2; ip netns del $d-peer; }
# proc D: the bond's /proc text; mii D SLAVE, fails D SLAVE: a slave's MII Status and Link Failure
# Count there
pf() { if [ "$1" = r ]; then echo /proc/net/rbond/r-b; else echo /proc/net/bonding/k-b; fi; }
proc() { cat "$(pf $1)"; }
mii() { proc $1 | sed -n "/^Slave Interface: $1-$2\$/,/^\$/s/^MII Status: //p"; }
fails() { proc $1 | sed -n "/^Slave Interface: $1-$2\$/,/^\$/s/^Link Failure Count: //p"; }
export -f pf proc mii fails
# the /proc text with the driver's names and addresses made neutral
# (and the link failure counts, which depend on how a loaded guest kept time: checked one by one)
nproc() { proc $1 | sed -E "s/\b$1-/X-/g; s/10\.${NET[$1]}\./10.N./g; s/2001:db8:${NET[$1]}:/2001:db8:N:/g; s/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g; s/^(Link Failure Count:) .*/\1 N/"; }
same() { diff -u <(nproc k) <(nproc r); }
# both SECONDS COMMAND: the command (a bash string, @ standing for the driver's prefix) holds for
# both drivers within the time
both() { local t=$1 d; shift; for d in r k; do wait_for $t bash -c "${*//@/$d}" || { echo "not for $d"; return 1; }; done; }
# logl D: the driver's log lines of its bond, names neutral, each once
logl() { dmesg | sed -E 's/^\[ *[0-9.]+\] //; s/^rbond: //' | grep "^$1-b: " | sed "s/$1-/X-/g" | sort -u; }

# --- active-backup, validate none
for d in r k; do mk $d active-backup arp_interval $IV arp_ip_target 10.${NET[$d]}.0.1; done
check "active-backup: an active slave and carrier within 15 s, both drivers" \
  both 15 'proc @ | grep -q "^Currently Active Slave: @-s1" && proc @ | grep -q "^MII Status: up"'
check "... both slaves up (the backup hears the active one's probes through the bridge)" \
  both 15 '[ "$(mii @ s2)" = up ] && [ "$(mii @ s1)" = up ]'
check "... /proc is bonding.ko's (ARP Polling Interval, ARP Missed Max, targets)" same
check "... /proc shows the ARP lines" bash -c 'proc r | grep -qx "ARP Polling Interval (ms): 500" &&
  proc r | grep -qx "ARP IP target/s (n.n.n.n form): 10.61.0.1"'
for f in arp_interval arp_ip_target arp_validate arp_all_targets arp_missed_max miimon; do
  check "... sysfs $f reads as bonding.ko's" equals "$(sed 's/10\.62\./10.N./' $S/k-b/bonding/$f)" \
    "$(sed 's/10\.61\./10.N./' $S/r-b/bonding/$f)"
done
# (one rtnl request at a time: they share one server)
nl() { rtnl getlink $1-b | grep -E '^data (ARP_|MISSED_MAX|MIIMON)' | sed -E "s/0a${2}00/0aNN00/"; }
nk=$(nl k 3e); nr=$(nl r 3d)
check "... netlink: ARP_INTERVAL, ARP_IP_TARGET (nested), ARP_VALIDATE, MISSED_MAX as bonding.ko's" \
  diff -u <(echo "$nk") <(echo "$nr")
check "... netlink: the target is nested under its slot" grep -qx "data ARP_IP_TARGET.0=0aNN0001" <<< "$nr"
# probes leave by the active slave only: the backup sends nothing
for d in r k; do a=$(cat $S/$d-s2/statistics/tx_packets); b=$(cat $S/$d-s1/statistics/tx_packets); sleep 2
  a=$(( $(cat $S/$d-s2/statistics/tx_packets) - a )); b=$(( $(cat $S/$d-s1/statistics/tx_packets) - b ))
  check "${DRV[$d]}: the active slave sends the probes (2 or more in 2 s), the backup nothing" equals "yes 0" "$( [ $b -ge 2 ] && echo yes || echo "$b") $a"
done
ip netns exec r-peer timeout 5 tcpdump -c 2 -nni r-p1 arp > $T/arp 2>/dev/null
check "rbond: the probe is an ARP request for the target from the bond's address" \
  grep -q "Request who-has 10.61.0.1 tell 10.61.0.2" $T/arp
# the active slave's path breaks (its peer leaves the bridge; its carrier stays): failover
dmesg -C
f1r=$(fails r s1) f1k=$(fails k s1)
for d in r k; do ip -n $d-peer link set $d-p1 nomaster; done
check "path of s1 broken: s2 is the active slave within 15 s, s1 down, both drivers" \
  both 15 'proc @ | grep -q "^Currently Active Slave: @-s2" && [ "$(mii @ s1)" = down ]'
check "... s1's Link Failure Count went up by 1, as bonding.ko's" equals "1 1" "$(( $(fails r s1) - f1r )) $(( $(fails k s1) - f1k ))"
check "... the log says s1 is down" bash -c 'dmesg | grep -q "r-b: (slave r-s1): link status definitely down, disabling slave"'
# the lines of a clean failover, in bonding's words; bonding.ko must have logged them too (under
# load its ARP monitor sometimes also fails the backup for a moment, a round late: its log then
# has more lines, a race of the test, not a difference of the drivers)
FAILOVER_LOG="X-b: (slave X-s1): link status definitely down, disabling slave
X-b: (slave X-s2): making interface the new active one"
check "... rbond's log lines are those of the failover, in bonding's words" equals "$FAILOVER_LOG" "$(logl r)"
check "... bonding.ko logged them too" bash -c 'while read -r l; do grep -qxF "$l" <<< "$1" || exit 1; done <<< "$2"' _ "$(logl k)" "$FAILOVER_LOG"
check "... /proc is bonding.ko's" same
for d in r k; do ip -n $d-peer link set $d-p1 master br0; done
check "path of s1 back: s1 up again as a backup, s2 stays active, both drivers" \
  both 15 '[ "$(mii @ s1)" = up ] && proc @ | grep -q "^Currently Active Slave: @-s2"'
check "... /proc is bonding.ko's" same
for d in r k; do unmake $d; done

# --- active-backup, validate all: a backup counts the active one's probes only (sender and
# target swapped), the active slave the target's replies only
for d in r k; do mk $d active-backup arp_interval $IV arp_ip_target 10.${NET[$d]}.0.1 arp_validate all; done
check "validate all: active slave and both slaves up within 15 s, both drivers" \
  both 15 'proc @ | grep -q "^Currently Active Slave: @-s1" && [ "$(mii @ s1)" = up ] && [ "$(mii @ s2)" = up ]'
check "... sysfs arp_validate 'all 3' as bonding.ko's" equals "$(cat $S/k-b/bonding/arp_validate)" "$(cat $S/r-b/bonding/arp_validate)"
for d in r k; do ip -n $d-peer link set $d-p2 nomaster; done
check "... the backup's path broken: s2 down within 15 s, s1 stays active, both drivers" \
  both 15 '[ "$(mii @ s2)" = down ] && proc @ | grep -q "^Currently Active Slave: @-s1"'
for d in r k; do ip -n $d-peer link set $d-p2 master br0; done
check "... back: s2 up again within 15 s" both 15 '[ "$(mii @ s2)" = up ]'
check "... /proc is bonding.ko's" same
for d in r k; do unmake $d; done

# --- balance-xor: every slave probes; up once it sent and received within an interval
dmesg -C
for d in r k; do mk $d balance-xor arp_interval $IV arp_ip_target 10.${NET[$d]}.0.1; done
check "balance-xor: both slaves up within 15 s, both drivers" both 15 '[ "$(mii @ s1)" = up ] && [ "$(mii @ s2)" = up ]'
for d in r k; do a=$(cat $S/$d-s2/statistics/tx_packets); sleep 2
  check "${DRV[$d]}: balance-xor: the second slave probes too (2 or more in 2 s)" \
    bash -c "[ \$(( \$(cat $S/$d-s2/statistics/tx_packets) - $a )) -ge 2 ]"
done
for d in r k; do ip -n $d-peer link set $d-p2 nomaster; done
check "... s2's path broken: s2 down within 15 s, s1 up, both drivers" both 15 '[ "$(mii @ s2)" = down ] && [ "$(mii @ s1)" = up ]'
check "... the log: 'interface is now down', as bonding.ko" bash -c '
  for d in r k; do dmesg | grep -q "$d-b: (slave $d-s2): interface is now down" || exit 1; done'
for d in r k; do ip -n $d-peer link set $d-p2 master br0; done
check "... back: s2 up within 15 s, 'interface is now up' logged by both" \
  both 15 '[ "$(mii @ s2)" = up ] && dmesg | grep -q "@-b: (slave @-s2): interface is now up"'
check "... /proc is bonding.ko's" same
for d in r k; do unmake $d; done

# --- a target behind VLAN 100 on the bond: the probes carry the tag
for d in r k; do VLAN=1 mk $d active-backup arp_interval $IV arp_ip_target 10.${NET[$d]}.100.1 arp_validate active; done
check "VLAN target: the active slave is up within 15 s (validated by the tagged replies), both drivers" \
  both 15 'proc @ | grep -q "^Currently Active Slave: @-s1" && [ "$(mii @ s1)" = up ]'
ip netns exec r-peer timeout 5 tcpdump -c 2 -nnei r-p1 arp > $T/vlan 2>/dev/null
check "rbond: the probes are tagged with VLAN 100" grep -q "vlan 100.*Request who-has 10.61.100.1 tell 10.61.100.2" $T/vlan
for d in r k; do unmake $d; done

# --- NS monitor: an IPv6 target (the peers' bridge, 2001:db8:NET::1), validated (arp_validate
# all: the backup joins the target's solicited-node group to hear the active slave's NS)
sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
for d in r k; do
  NS6=1 mk $d active-backup arp_interval $IV ns_ip6_target 2001:db8:${NET[$d]}::1 arp_validate all
done
check "NS targets: active slave and both slaves up within 15 s, both drivers" \
  both 15 'proc @ | grep -q "^Currently Active Slave: @-s1" && [ "$(mii @ s1)" = up ] && [ "$(mii @ s2)" = up ]'
check "... /proc is bonding.ko's (the NS IPv6 target/s line)" same
check "... /proc shows the target" bash -c 'proc r | grep -qx "NS IPv6 target/s (xx::xx form): 2001:db8:61::1"'
n6() { rtnl getlink $1-b | grep -E '^data NS_IP6_TARGET' | sed -E "s/20010db800${2}/20010db800NN/"; }
nk=$(n6 k 62); nr=$(n6 r 61)
check "... netlink NS_IP6_TARGET (nested) as bonding.ko's" equals "$nk" "$nr"
check "... not empty" test -n "$nr"
# (the backup's group: 33:33:ff:00:00:01 in its multicast list)
check "... the backup s2 is in the target's solicited-node group, as bonding.ko's" \
  equals "$(ip maddr show dev k-s2 | grep -c 33:33:ff:00:00:01)" "$(ip maddr show dev r-s2 | grep -c 33:33:ff:00:00:01)"
check "... (it is: 1)" equals 1 "$(ip maddr show dev r-s2 | grep -c 33:33:ff:00:00:01)"
for d in r k; do ip -n $d-peer link set $d-p1 nomaster; done
check "... path of s1 broken: s2 active, s1 down within 15 s, both drivers" \
  both 15 'proc @ | grep -q "^Currently Active Slave: @-s2" && [ "$(mii @ s1)" = down ]'
check "... the new active slave left the group, the new backup joined it, as bonding.ko's" \
  equals "$(ip maddr show dev k-s2 | grep -c 33:33:ff:00:00:01) $(ip maddr show dev k-s1 | grep -c 33:33:ff:00:00:01)" \
  "$(ip maddr show dev r-s2 | grep -c 33:33:ff:00:00:01) $(ip maddr show dev r-s1 | grep -c 33:33:ff:00:00:01)"
for d in r k; do ip -n $d-peer link set $d-p1 master br0; done
check "... back: s1 up within 15 s" both 15 '[ "$(mii @ s1)" = up ]'
check "... /proc is bonding.ko's" same
for d in r k; do unmake $d; done
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

# --- the options' rules, by sysfs and netlink, both drivers alike
for d in r k; do mkbond ${DRV[$d]} $d-b mode active-backup miimon 100; done
# w D FILE VALUE: write, print the result ("ok" or the errno's message)
w() { local e; e=$( (echo "$3" > $S/$1-b/bonding/$2) 2>&1) && echo ok || echo "${e##*: }"; }
both_w() { echo "$(w r "$@")|$(w k "$@")"; }
check "sysfs arp_interval 200 on a MII bond: accepted, miimon becomes 0" \
  equals "ok|ok 200 0|200 0" "$(both_w arp_interval 200) $(cat $S/r-b/bonding/{arp_interval,miimon} | xargs)|$(cat $S/k-b/bonding/{arp_interval,miimon} | xargs)"
check "arp_ip_target +10.0.0.1, +10.0.0.2: both listed" \
  equals "ok|ok ok|ok 10.0.0.1 10.0.0.2" "$(both_w arp_ip_target +10.0.0.1) $(both_w arp_ip_target +10.0.0.2) $(cat $S/r-b/bonding/arp_ip_target)"
check "... the same list in bonding.ko" equals "$(cat $S/k-b/bonding/arp_ip_target)" "$(cat $S/r-b/bonding/arp_ip_target)"
check "... a duplicate: EINVAL from both" equals "Invalid argument|Invalid argument" "$(both_w arp_ip_target +10.0.0.1)"
for v in +255.255.255.255 +0.0.0.0 -10.9.9.9; do
  check "... $v: the same errno from both" equals "Invalid argument|Invalid argument" "$(both_w arp_ip_target $v)"
done
for v in 10.0.0.3 +junk x10.0.0.3; do
  check "... '$v': the same errno from both (no + or -, no address)" equals "$(w k arp_ip_target $v)" "$(w r arp_ip_target $v)"
done
check "... -10.0.0.1 removes the first: 10.0.0.2 left, in both" \
  equals "ok|ok 10.0.0.2|10.0.0.2" "$(both_w arp_ip_target -10.0.0.1) $(cat $S/r-b/bonding/arp_ip_target)|$(cat $S/k-b/bonding/arp_ip_target)"
for i in $(seq 3 17); do both_w arp_ip_target +10.0.1.$i > /dev/null; done
check "... 16 targets at most: the 17th is refused by both" \
  equals "16|16 Invalid argument|Invalid argument" \
  "$(wc -w < $S/r-b/bonding/arp_ip_target)|$(wc -w < $S/k-b/bonding/arp_ip_target) $(both_w arp_ip_target +10.0.2.1)"
check "... the log says the table is full (rbond)" bash -c 'dmesg | grep -q "r-b: ARP target table is full!"'
for v in 0 1 255 256 abc; do
  check "arp_missed_max $v: as bonding.ko" equals "$(w k arp_missed_max $v) $(cat $S/k-b/bonding/arp_missed_max)" \
    "$(w r arp_missed_max $v) $(cat $S/r-b/bonding/arp_missed_max)"
done
for v in filter_backup 7 none; do
  check "arp_validate $v: as bonding.ko" equals "$(w k arp_validate $v) $(cat $S/k-b/bonding/arp_validate)" \
    "$(w r arp_validate $v) $(cat $S/r-b/bonding/arp_validate)"
done
check "arp_all_targets all: as bonding.ko" equals "$(w k arp_all_targets all) $(cat $S/k-b/bonding/arp_all_targets)" \
  "$(w r arp_all_targets all) $(cat $S/r-b/bonding/arp_all_targets)"
both_w arp_validate active > /dev/null
check "miimon 100 on an ARP bond: arp_interval 0 and arp_validate none, as bonding.ko" \
  equals "$(w k miimon 100) $(cat $S/k-b/bonding/{arp_interval,arp_validate} | xargs)" \
  "$(w r miimon 100) $(cat $S/r-b/bonding/{arp_interval,arp_validate} | xargs)"
# netlink: miimon and arp_interval in one request are refused, with bonding's message
setbond bonding k-b miimon 100 arp_interval 100 2> $T/kerr; kr=$?
out=$(rtnl changelink r-b rbond miimon 100 arp_interval 100 2>&1); rr=$?
check "netlink miimon 100 + arp_interval 100 in one request: refused by both" equals "1 1" "$(( rr != 0 )) $(( kr != 0 ))"
check "... with bonding.ko's message" bash -c "grep -q 'ARP monitoring cannot be used with MII monitoring' <<< '$out'"
out=$(rtnl changelink r-b rbond arp_interval 300 arp_ip_target 10.1.1.1,10.1.1.2 arp_missed_max 5 2>&1)
setbond bonding k-b arp_interval 300 arp_ip_target 10.1.1.1,10.1.1.2 arp_missed_max 5
check "netlink arp_interval 300, two targets (replacing the list), missed_max 5: as bonding.ko" \
  bash -c "diff <(cat $S/k-b/bonding/{arp_interval,arp_ip_target,arp_missed_max,miimon}) <(cat $S/r-b/bonding/{arp_interval,arp_ip_target,arp_missed_max,miimon})"
check "... and rbond's /proc says the same" same_proc r-b k-b
for d in r k; do ip link set $d-b down; done
setbond bonding k-b mode 802.3ad; setbond rbond r-b mode 802.3ad
check "mode 802.3ad: arp_interval 0, miimon 100, as bonding.ko" equals \
  "$(cat $S/k-b/bonding/{arp_interval,miimon} | xargs)" "$(cat $S/r-b/bonding/{arp_interval,miimon} | xargs)"
check "... arp_interval refused there (EACCES... as bonding.ko: 'Permission denied')" \
  equals "$(w k arp_interval 100)" "$(w r arp_interval 100)"
for d in r k; do ip link del $d-b; done

# --- module parameters
rmmod rbond; rmmod bonding
modprobe bonding mode=active-backup arp_interval=250 arp_ip_target=10.0.0.9,10.0.0.8 arp_validate=backup arp_all_targets=all
modprobe rbond mode=active-backup arp_interval=250 arp_ip_target=10.0.0.9,10.0.0.8 arp_validate=backup arp_all_targets=all
for f in arp_interval arp_ip_target arp_validate arp_all_targets miimon; do
  check "module parameters: the bond made at load has bonding.ko's $f" equals "$(cat $S/bond0/bonding/$f)" "$(cat $S/rbond0/bonding/$f)"
done
parm() { modinfo -F parm $1 | grep -E '^arp_' | sed -E 's/ \([a-z0-9]+\)$//' | sort; }
check "modinfo describes the arp_* parameters as bonding.ko does" equals "$(parm bonding)" "$(parm rbond)"
rmmod rbond
dmesg -C
check_fails "arp_ip_target=10.0.0.300 fails rbond's load" modprobe rbond arp_interval=100 arp_ip_target=10.0.0.300
check "... with a message naming it" bash -c "dmesg | grep -q 'arp_ip_target=10.0.0.300 is invalid'"
check_fails "arp_validate without arp_interval fails the load, as bonding.ko's" modprobe rbond arp_validate=all
check "... 'arp_validate requires arp_interval'" bash -c "dmesg | grep -q 'arp_validate requires arp_interval'"

rbond_unload; modprobe -r bonding 2>/dev/null
sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
rm -rf $T
