#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# active-backup side by side with the C driver: same topology, same events, same outcome and the
# same /proc text (names and MACs normalized).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve   # one python for the rtnl.py requests (lib/bond.sh)
# both drivers rate limit their lines of a link's delays (net_ratelimit(): 10 in 5 s for the whole
# network stack), which a loaded guest's earlier lines can use up: off while this file compares them
RATECOST=$(sysctl -n net.core.message_cost) RATEBURST=$(sysctl -n net.core.message_burst)
sysctl -qw net.core.message_cost=0
trap 'sysctl -qw net.core.message_cost=$RATECOST net.core.message_burst=$RATEBURST' EXIT
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0
modprobe bonding max_bonds=0
ip netns add rbpeer
# r- is rbond's side, c- the C driver's; each bond reaches its own bridge in the peer namespace
for side in r c; do
  ip -n rbpeer link add $side-br type bridge
  ip -n rbpeer link set $side-br up
  for i in 1 2; do
    ip link add $side-s$i type veth peer name $side-p$i netns rbpeer
    ip -n rbpeer link set $side-p$i master $side-br
    ip -n rbpeer link set $side-p$i up
  done
done
ip -n rbpeer addr add 10.1.0.2/24 dev r-br
ip -n rbpeer addr add 10.2.0.2/24 dev c-br

mkbond rbond r-b mode active-backup miimon 100
mkbond bonding c-b mode active-backup miimon 100
for side in r c; do
  ip link set $side-s1 master $side-b; ip link set $side-s2 master $side-b
  ip link set $side-b up
done
ip addr add 10.1.0.1/24 dev r-b
ip addr add 10.2.0.1/24 dev c-b
wait_for 5 bash -c '[ "$(active_of rbond r-b)" = r-s1 ] && [ "$(active_of bonding c-b)" = c-s1 ]'
sleep 0.5

check "both bonds make the first slave active" equals "r-s1 c-s1" "$(active_of rbond r-b) $(active_of bonding c-b)"
check "/proc text is the C driver's after setup" same_proc r-b c-b
check "traffic flows over rbond" ping -c 2 -i 0.2 -W 1 10.1.0.2
check "only the active slave transmits" bash -c '[ "$(txcount r-s2)" -eq 0 ] && [ "$(txcount r-s1)" -gt 0 ]'

# frames that arrive on the backup slave do not reach the bond, as with C; all_slaves_active lets
# them in
INJECT="python3 $(dirname "$0")/../lib/inject.py"
inechos() { awk '/^Icmp:/ { if (n++) print $10 }' /proc/net/snmp; }
delivered() { # SIDE PEER-PORT: how many of 3 echo requests sent into the slave behind PORT reached IP
  local before; before=$(inechos)
  ip netns exec rbpeer $INJECT $2 "$(cat /sys/class/net/$1-b/address)" "10.$3.0.2" "10.$3.0.1" 3
  sleep 0.3
  echo $(( $(inechos) - before ))
}
check "frames arriving on the backup slave are not delivered to the bond (C: $(delivered c c-p2 2))" equals 0 "$(delivered r r-p2 1)"
check "frames arriving on the active slave are delivered (C: $(delivered c c-p1 2))" equals 3 "$(delivered r r-p1 1)"
setbond rbond r-b all_slaves_active 1; setbond bonding c-b all_slaves_active 1
check "with all_slaves_active 1 the backup slave delivers too (C: $(delivered c c-p2 2))" equals 3 "$(delivered r r-p2 1)"
setbond rbond r-b all_slaves_active 0; setbond bonding c-b all_slaves_active 0
check "back to all_slaves_active 0 the backup slave drops again (C: $(delivered c c-p2 2))" equals 0 "$(delivered r r-p2 1)"

# the active slave loses its link
dmesg -C
tcpdump_bg /tmp/garp.err -i r-s2 -c 1 -w /tmp/garp.pcap arp; td=$TD
ip -n rbpeer link set r-p1 down; ip -n rbpeer link set c-p1 down
wait_for 5 bash -c '[ "$(active_of rbond r-b)" = r-s2 ] && [ "$(active_of bonding c-b)" = c-s2 ]'
check "both fail over to the second slave" equals "r-s2 c-s2" "$(active_of rbond r-b) $(active_of bonding c-b)"
sleep 0.3
check "/proc text is the C driver's after the failover" same_proc r-b c-b
check "traffic flows after the failover" ping -c 2 -i 0.2 -W 1 10.1.0.2
wait_for 3 bash -c "! kill -0 $td"
check "a gratuitous ARP announced the bond on the new active slave" \
  bash -c "! kill -0 $td 2>/dev/null && tcpdump -r /tmp/garp.pcap -n 2>/dev/null | grep -q 'ARP.*10.1.0.1'"
kill $td 2>/dev/null
check "the kernel log says why, as the C driver does" \
  bash -c 'dmesg | grep -q "r-b: (slave r-s1): link status definitely down, disabling slave" && dmesg | grep -q "c-b: (slave c-s1): link status definitely down, disabling slave"'

# the link comes back: without a primary the current slave stays
ip -n rbpeer link set r-p1 up; ip -n rbpeer link set c-p1 up
wait_for 5 bash -c 'grep -A1 "Interface: r-s1" /proc/net/rbond/r-b | grep -q "MII Status: up"'
sleep 0.5
check "without a primary the active slave stays after the old one returns" equals "r-s2 c-s2" "$(active_of rbond r-b) $(active_of bonding c-b)"
check "/proc text is the C driver's after the return (link failure count 1)" same_proc r-b c-b

# num_grat_arp 3: three announcements after a failover, as with C
garps() { # SIDE: gratuitous ARPs the bond sends in 1.5 s after its active slave fails
  local s=$1 n=$2
  tcpdump_bg /tmp/garp-$s.err -i $s-s1 -n -l arp > /tmp/garp-$s.txt
  ip -n rbpeer link set $s-p2 down
  sleep 1.7
  ip -n rbpeer link set $s-p2 up
  kill -INT $TD; wait $TD 2>/dev/null
  grep -c "Reply 10.$n.0.1 is-at\|Request who-has 10.$n.0.1 tell 10.$n.0.1" /tmp/garp-$s.txt
}
setbond rbond r-b num_grat_arp 3; setbond bonding c-b num_grat_arp 3
c=$(garps c 2); r=$(garps r 1)
check "num_grat_arp 3: as many gratuitous ARPs after a failover as C sends ($c)" equals "$c" "$r"
check "num_grat_arp 3: C sent 3" equals 3 "$c"
# peer_notif_delay 500 (5 ticks of miimon 100): the three announcements 500 ms apart
# gaps SIDE NET: the gaps (ms) between the gratuitous ARPs of a failover from s1 (active after
# garps) to s2, recorded for 2.5 s
gaps() {
  local s=$1 n=$2
  tcpdump_bg /tmp/garp-$s.err -i $s-s2 -n -l -tt arp > /tmp/garp-$s.txt
  ip -n rbpeer link set $s-p1 down
  sleep 2.5
  ip -n rbpeer link set $s-p1 up
  kill -INT $TD; wait $TD 2>/dev/null
  grep "Reply 10.$n.0.1 is-at\|Request who-has 10.$n.0.1 tell 10.$n.0.1" /tmp/garp-$s.txt |
    awk '{ t = $1 * 1000; if (NR > 1) printf "%s%d", (NR > 2 ? " " : ""), t - last; last = t } END { print "" }'
}
setbond rbond r-b peer_notify_delay 500; setbond bonding c-b peer_notify_delay 500
check "peer_notif_delay 500 reads back in sysfs and netlink as on bonding.ko" equals \
  "$(cat /sys/class/net/c-b/bonding/peer_notif_delay) $(rtnl getlink c-b | sed -n 's/^data PEER_NOTIF_DELAY=//p')" \
  "$(cat /sys/class/net/r-b/bonding/peer_notif_delay) $(rtnl getlink r-b | sed -n 's/^data PEER_NOTIF_DELAY=//p')"
wait_for 5 bash -c 'grep -A1 "Interface: r-s2" /proc/net/rbond/r-b | grep -q "MII Status: up" && grep -A1 "Interface: c-s2" /proc/net/bonding/c-b | grep -q "MII Status: up"'
c=$(gaps c 2); r=$(gaps r 1)
wait_for 5 bash -c 'grep -A1 "Interface: r-s1" /proc/net/rbond/r-b | grep -q "MII Status: up" && grep -A1 "Interface: c-s1" /proc/net/bonding/c-b | grep -q "MII Status: up"'
# two gaps of 4 or 5 ticks (the failover's tick counts one down after its announcement), 100 ms
# without the delay; ticks stretch under load, never shrink: at least 300
spaced() { [ "$(wc -w <<< "$1")" = 2 ] && for g in $1; do [ "$g" -ge 300 ] && [ "$g" -lt 1500 ] || return 1; done; }
check "peer_notif_delay 500: bonding.ko's 3 announcements are 300-1500 ms apart (gaps: $c)" spaced "$c"
check "peer_notif_delay 500: so are rbond's (gaps: $r)" spaced "$r"
setbond rbond r-b num_grat_arp 1 peer_notify_delay 0; setbond bonding c-b num_grat_arp 1 peer_notify_delay 0
wait_for 5 bash -c 'grep -A1 "Interface: r-s2" /proc/net/rbond/r-b | grep -q "MII Status: up" && grep -A1 "Interface: c-s2" /proc/net/bonding/c-b | grep -q "MII Status: up"'

# a primary, and primary_reselect
setbond rbond r-b primary r-s1; setbond bonding c-b primary c-s1
sleep 0.3
check "setting primary s1 makes it active" equals "r-s1 c-s1" "$(active_of rbond r-b) $(active_of bonding c-b)"
check "/proc text is the C driver's with a primary" same_proc r-b c-b
setbond rbond r-b primary_reselect failure; setbond bonding c-b primary_reselect failure
setbond rbond r-b active_slave r-s2; setbond bonding c-b active_slave c-s2
check "active_slave forces s2" equals "r-s2 c-s2" "$(active_of rbond r-b) $(active_of bonding c-b)"
ip -n rbpeer link set r-p2 down; ip -n rbpeer link set c-p2 down
wait_for 5 bash -c '[ "$(active_of rbond r-b)" = r-s1 ] && [ "$(active_of bonding c-b)" = c-s1 ]'
ip -n rbpeer link set r-p2 up; ip -n rbpeer link set c-p2 up
wait_for 5 bash -c 'grep -A1 "Interface: r-s2" /proc/net/rbond/r-b | grep -q "MII Status: up"'
sleep 0.5
check "primary_reselect failure: s1 stays active after s2 returns" equals "r-s1 c-s1" "$(active_of rbond r-b) $(active_of bonding c-b)"
check "/proc text is the C driver's with primary_reselect failure" same_proc r-b c-b

# delays
setbond rbond r-b updelay 300 downdelay 200; setbond bonding c-b updelay 300 downdelay 200
dmesg -C
ip -n rbpeer link set r-p1 down; ip -n rbpeer link set c-p1 down
wait_for 5 bash -c '[ "$(active_of rbond r-b)" = r-s2 ] && [ "$(active_of bonding c-b)" = c-s2 ]'
check "downdelay: the log announces the delay as C does" \
  bash -c 'dmesg | grep -q "r-b: (slave r-s1): link status down for active interface, disabling it in 200 ms"'
ip -n rbpeer link set r-p1 up; ip -n rbpeer link set c-p1 up
wait_for 5 bash -c 'grep -A1 "Interface: r-s1" /proc/net/rbond/r-b | grep -q "MII Status: up" && grep -A1 "Interface: c-s1" /proc/net/bonding/c-b | grep -q "MII Status: up"'
check "updelay: the log announces the delay as C does" \
  bash -c 'dmesg | grep -q "r-b: (slave r-s1): link status up, enabling it in 300 ms"'
check "primary_reselect failure: the primary does not take over when it is back" equals "r-s2 c-s2" "$(active_of rbond r-b) $(active_of bonding c-b)"
sleep 0.3
check "/proc text is the C driver's with delays (Up Delay 300, Down Delay 200)" same_proc r-b c-b

# a delay lasts its miimon ticks whatever notifications come meanwhile: a flag change of the
# slave (IFF_DYNAMIC) is a NETDEV_CHANGE, which brings rbond's monitor round forward, and that
# round must count no tick (it did: a downdelay of 1000 ms ended at once after ten of them)
setbond rbond r-b updelay 1000 downdelay 1000; setbond bonding c-b updelay 1000 downdelay 1000
flags() { local i; for i in 1 2 3 4 5 6; do ip link set r-s1 dynamic on; ip link set c-s1 dynamic on
  ip link set r-s1 dynamic off; ip link set c-s1 dynamic off; sleep 0.05; done; }
# waited BOND WHAT: ms from the delay's announcement to its end in the kernel log
waited() {
  dmesg | awk -v b="$1: (slave ${1%-b}-s1): link status" -v w="$2" '
    index($0, b) && /disabling it in|enabling it in/ { s = substr($1 $2, 2) + 0 }
    index($0, b " definitely " w) && s { sub(/^\[ */, ""); printf "%d\n", ($1 + 0 - s) * 1000; exit }'
}
# delay_waited DOWN|UP DELAY: the peers of the s1 slaves set DOWN or UP, notifications meanwhile;
# both drivers wait the whole delay
delay_waited() {
  local r c
  dmesg -C
  ip -n rbpeer link set r-p1 "$1"; ip -n rbpeer link set c-p1 "$1"
  flags
  wait_for 5 bash -c "dmesg | grep -q 'r-s1): link status definitely $1' && dmesg | grep -q 'c-s1): link status definitely $1'"
  r=$(waited r-b "$1"); c=$(waited c-b "$1")
  check "$2 1000 with 12 notifications meanwhile: rbond waits it (${r:-?} ms; bonding.ko ${c:-?} ms)" \
    bash -c "[ '${r:-0}' -ge 950 ] && [ '${c:-0}' -ge 950 ]"
}
delay_waited down downdelay
delay_waited up updelay

# the delays' lines are rate limited as bonding.ko's (net_ratelimit(), shared by the whole stack):
# with a burst of 1 an hour, three flaps with delays print at most one of them for both drivers
# together, while the links' changes themselves are all logged
setbond rbond r-b updelay 100 downdelay 100; setbond bonding c-b updelay 100 downdelay 100
sysctl -qw net.core.message_cost=3600 net.core.message_burst=1
dmesg -C
for i in 1 2 3; do
  for st in down up; do
    ip -n rbpeer link set r-p1 $st; ip -n rbpeer link set c-p1 $st
    wait_for 5 bash -c "[ \$(dmesg | grep -c 'r-s1): link status definitely $st') = $i ] && [ \$(dmesg | grep -c 'c-s1): link status definitely $st') = $i ]"
  done
done
sysctl -qw net.core.message_cost=0
delaylines() { dmesg | grep -c "$1: (slave $2): link status \(down for\|up, enabling\|down again\|up again\)"; }
r=$(delaylines r-b r-s1) c=$(delaylines c-b c-s1)
check "3 flaps of 100 ms delays with a burst of 1: both links went down and up 3 times, rbond printed $r delay lines, bonding.ko $c (together at most 1)" \
  bash -c "[ \$(dmesg | grep -c 'r-s1): link status definitely up') = 3 ] && [ \$(dmesg | grep -c 'c-s1): link status definitely up') = 3 ] && [ $((r + c)) -le 1 ]"
setbond rbond r-b updelay 0 downdelay 0; setbond bonding c-b updelay 0 downdelay 0

# counters: the bond reports what its slaves did since they were enslaved, and keeps a released
# slave's share
stat() { cat /sys/class/net/$1/statistics/$2; }
sum() { echo $(( $(stat r-s1 $1) + $(stat r-s2 $1) )); }
ping -c 3 -i 0.2 -W 1 10.1.0.2 >/dev/null
# counters move while they are read: the bond's reading before and after must enclose the sum
encloses() { # COUNTER
  local b1 s b2
  b1=$(stat r-b $1); s=$(sum $1); b2=$(stat r-b $1)
  [ "$b1" -le "$s" ] && [ "$s" -le "$b2" ] || { echo "bond $b1..$b2, slaves $s"; return 1; }
}
check "the bond's tx_packets are the sum of its slaves' ($(sum tx_packets))" encloses tx_packets
check "the bond's rx_bytes are the sum of its slaves' ($(sum rx_bytes))" encloses rx_bytes
before=$(stat r-b tx_packets)
ip link set r-s2 nomaster
check "releasing a slave does not take its share out of the bond's counters" test "$(stat r-b tx_packets)" -ge "$before"

ip link del r-b; ip link del c-b
ip netns del rbpeer
rmmod rbond; rmmod bonding
