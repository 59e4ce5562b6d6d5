#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# LACP fallback, side by side with bonding.ko: an 802.3ad bond whose partner sends no LACPDU (a
# switch whose LAG is not configured, a PXE boot) carries its traffic on one port, and the
# aggregate forms when LACP answers. Both drivers do that with lacp_strict off (bonding's
# ad_agg_selection_logic() enables the port of a partnerless active aggregator); rbond's own
# option lacp_fallback (<bond>/rbond/lacp_fallback) adds the announcements of active-backup
# (num_grat_arp gratuitous ARPs from the port that carries the traffic now) and a log line at every
# change, and /proc's Aggregation line says which port carries the traffic alone and why.
# Each driver D (r: rbond with lacp_fallback on, k: bonding.ko) has a bond D-b of two veths D-s1
# D-s2 whose peers D-p1 D-p2 are in namespace D-ns, in the partner: a bonding.ko 802.3ad bond pb
# with the host 10.N.0.2. A filter at the peers drops LACPDUs both ways: a partner whose LACP
# does not answer (its own ports fall back as ours do: a switch with LACP fallback), that starts
# late (the filter goes) and that stops (the filter comes back), with no link changing.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lacp.sh"
rtnl_serve
rbond_unload; modprobe -r bonding 2>/dev/null
# the module parameter: new 802.3ad bonds take it, other modes ignore it with a message, a bad value
# fails the load
modprobe rbond mode=802.3ad lacp_fallback=on max_bonds=1
check "module parameter lacp_fallback=on: a new 802.3ad bond has it" equals "on 1" "$(cat /sys/class/net/rbond0/rbond/lacp_fallback)"
rmmod rbond
check_fails "module parameter lacp_fallback=2 fails the load" modprobe rbond lacp_fallback=2
check "... with a message saying what is accepted" bash -c "dmesg | tail -3 | grep -q 'rbond: lacp_fallback=2 is invalid; accepted values are off (0), on (1)'"
modprobe rbond lacp_fallback=1 max_bonds=1
check "module parameter lacp_fallback=1 in balance-rr: ignored, with a message" equals "off 0 yes" \
  "$(cat /sys/class/net/rbond0/rbond/lacp_fallback) $(dmesg | grep -q 'rbond: lacp_fallback param is irrelevant in mode load balancing (round-robin)' && echo yes)"
rmmod rbond
modprobe rbond max_bonds=0 && modprobe bonding max_bonds=0 || { echo "not ok - cannot load the drivers"; exit 1; }
declare -A NET=([r]=61 [k]=62) DRV=([r]=rbond [k]=bonding)
T=$(mktemp -d)
cleanup() {
  local f
  # (not a bare wait: the rtnl server runs until the shell ends)
  for f in $T/*.pid; do [ -e "$f" ] && { kill "$(cat "$f")" 2>/dev/null; wait "$(cat "$f")" 2>/dev/null; }; done
  for d in r k; do ip link del $d-b 2>/dev/null; ip netns del $d-ns 2>/dev/null; done
  ip link del r-x 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
MARK="32-lacp-fallback $$ $RANDOM"
echo "$MARK" > /dev/kmsg
# the kernel log since this test started
log() { dmesg | sed -n "/$MARK/,\$p"; }

# partner D: the bonding.ko 802.3ad bond pb of D-p1 D-p2 in D-ns, with the host 10.N.0.2, up
partner() {
  local d=$1 ns=$1-ns
  ip -n $ns link add pb type bond mode 802.3ad miimon 100 lacp_rate fast
  for i in 1 2; do ip -n $ns link set $d-p$i master pb; done
  ip -n $ns addr add 10.${NET[$d]}.0.2/24 dev pb
  ip -n $ns link set pb up
}
# block D: the partner's ports drop every LACPDU they receive or send (tc, before bonding sees it)
block() {
  local d=$1 i
  for i in 1 2; do
    ip netns exec $d-ns tc qdisc add dev $d-p$i clsact
    ip netns exec $d-ns tc filter add dev $d-p$i ingress protocol 0x8809 matchall action drop
    ip netns exec $d-ns tc filter add dev $d-p$i egress protocol 0x8809 matchall action drop
  done
}
# unblock D: LACPDUs pass again
unblock() { local i; for i in 1 2; do ip netns exec $1-ns tc qdisc del dev $1-p$i clsact; done; }
# cap_start D: capture the gratuitous ARPs (sender address = target address) each peer of D receives
# from its slave (-Q in: only what arrives by the wire; --immediate-mode -U: each frame in the file
# as it comes, none held in libpcap's ring block when the capture is stopped)
cap_start() {
  local d=$1 i
  for i in 1 2; do
    : > $T/$d-p$i.err
    ip netns exec $d-ns tcpdump -nli $d-p$i -Q in --immediate-mode -U -w $T/$d-p$i.pcap 'arp and arp[14:4] = arp[24:4]' 2> $T/$d-p$i.err &
    echo $! > $T/$d-p$i.pid
  done
  for i in 1 2; do wait_for 30 grep -q "listening on" $T/$d-p$i.err || echo "tcpdump on $d-p$i did not start"; done
}
# cap_stop D: "N1 N2": the gratuitous ARPs of 10.N.0.1 each peer received
cap_stop() {
  local d=$1 i out=()
  for i in 1 2; do kill "$(cat $T/$d-p$i.pid)" 2>/dev/null; wait "$(cat $T/$d-p$i.pid)" 2>/dev/null; rm -f $T/$d-p$i.pid; done
  for i in 1 2; do
    out+=("$(tcpdump -nr $T/$d-p$i.pcap 2>/dev/null | grep -c "10.${NET[$d]}.0.1")")
  done
  echo "${out[*]}"
}
# carrier D: the slave of D-b that carries the traffic: "s1", "s2" or "s1 s2", by the slaves'
# transmitted frames while 20 pings go to 10.N.0.2 (a LACPDU or two may leave the other)
carrier() {
  local d=$1 i a=() b=() out=()
  for i in 1 2; do a[$i]=$(txcount $d-s$i); done
  ping -q -c 20 -i 0.02 -W 1 10.${NET[$d]}.0.2 > $T/$d.ping 2>&1
  for i in 1 2; do b[$i]=$(txcount $d-s$i); [ $(( b[i] - a[i] )) -ge 15 ] && out+=(s$i); done
  echo "${out[*]:-none}"
}
# reaches D: 10.N.0.2 answers a ping through D-b
reaches() { ping -q -c 1 -W 1 10.${NET[$1]}.0.2 > /dev/null 2>&1; }
# s1_down_reaches D: D-s1 has lost its carrier and 10.N.0.2 answers
s1_down_reaches() { [ "$(cat /sys/class/net/$1-s1/carrier)" = 0 ] && reaches $1; }
# ports_reach D N: D-b's active aggregator has N ports and 10.N.0.2 answers
ports_reach() { [ "$(cat /sys/class/net/$1-b/bonding/ad_num_ports)" = "$2" ] && reaches $1; }
# logged PATTERN [COUNT]: the kernel log since the test started has COUNT lines (default: 1 or
# more) matching PATTERN (grep -E)
logged() { local n; n=$(log | grep -cE "$1"); if [ -n "${2:-}" ]; then [ "$n" = "$2" ]; else [ "$n" -ge 1 ]; fi; }
agg_line() { awk -v s="Slave Interface: $1" '$0 == s {f=1} f && /^Aggregation: / {print; exit}' /proc/net/rbond/r-b; }
export -f agg_line log
export MARK

# carried_by WHAT SN WANT PATTERN: rbond logged PATTERN; SN of rbond's bond carries the traffic, as
# of bonding.ko's; the peers received WANT ("N1 N2") announcements from rbond's bond (once, by
# SN; num_grat_arp 1) since cap_start
carried_by() {
  local what=$1 sn=$2 want=$3 pat=$4 r k
  check "$what: rbond logs the port that carries the traffic alone" wait_for 10 logged "$pat"
  r=$(carrier r); k=$(carrier k)
  check "$what: $sn carries the traffic, as with bonding.ko ($k)" equals "$sn" "$r"
  check "$what: ... as with bonding.ko" equals "$sn" "$k"
  sleep 1
  r=$(cap_stop r); k=$(cap_stop k)
  check "$what: rbond announces the bond once, from $sn (bonding.ko: $k)" equals "$want" "$r"
}
# werr FILE VALUE: the error of writing VALUE to FILE ("Invalid argument"), empty if accepted
werr() { { echo "$2" > "$1"; } 2>&1 | sed 's/.*: //'; }

# --- the option: rbond's own directory, values, errors
ip link add r-x type rbond
check "rbond's own options are in <bond>/rbond/, not in bonding/ (the C driver's directory)" \
  bash -c '[ -e /sys/class/net/r-x/rbond/lacp_fallback ] && [ ! -e /sys/class/net/r-x/bonding/lacp_fallback ]'
check "lacp_fallback is off by default" equals "off 0" "$(cat /sys/class/net/r-x/rbond/lacp_fallback)"
check "lacp_fallback is refused outside 802.3ad (EACCES, as lacp_strict)" equals "Permission denied" "$(werr /sys/class/net/r-x/rbond/lacp_fallback on)"
check "lacp_fallback outside 802.3ad: the log says why" bash -c "dmesg | tail -3 | grep -q 'r-x: option lacp_fallback: mode dependency failed, not supported in mode balance-rr(0)'"
ip link del r-x

for d in r k; do
  ip netns add $d-ns
  for i in 1 2; do ip link add $d-s$i type veth peer name $d-p$i netns $d-ns; done
  partner $d
  block $d
done
ip link add r-b type rbond
for kv in "mode 802.3ad" "miimon 100" "lacp_rate fast"; do set -- $kv; echo "$2" > /sys/class/net/r-b/bonding/$1; done
ip link add k-b type bond mode 802.3ad miimon 100 lacp_rate fast
check "lacp_fallback: a value other than off/on (0/1) is refused (EINVAL)" equals "Invalid argument" "$(werr /sys/class/net/r-b/rbond/lacp_fallback 2)"
check "lacp_fallback on (by name)" bash -c 'echo on > /sys/class/net/r-b/rbond/lacp_fallback && [ "$(cat /sys/class/net/r-b/rbond/lacp_fallback)" = "on 1" ]'
out=$(rtnl changelink r-b rbond lacp_strict on 2>&1); rc=$?
check "lacp_strict on is refused while lacp_fallback is on (EINVAL, with the reason)" \
  equals "22 yes" "$rc $(grep -q "lacp_strict: on contradicts rbond's lacp_fallback on" <<< "$out" && echo yes)"
echo 0 > /sys/class/net/r-b/rbond/lacp_fallback
rtnl changelink r-b rbond lacp_strict on > /dev/null
check "lacp_fallback on is refused while lacp_strict is on (EINVAL)" equals "Invalid argument" "$(werr /sys/class/net/r-b/rbond/lacp_fallback 1)"
check "lacp_fallback on while lacp_strict is on: the log says why" bash -c "log | tail -3 | grep -q 'r-b: option lacp_fallback: lacp_strict is on'"
check "lacp_fallback stays off after the refusal" equals "off 0" "$(cat /sys/class/net/r-b/rbond/lacp_fallback)"
rtnl changelink r-b rbond lacp_strict off > /dev/null
echo 1 > /sys/class/net/r-b/rbond/lacp_fallback

# --- 1. a partner whose LACPDUs never come
for d in r k; do
  for i in 1 2; do ip link set $d-s$i master $d-b; done
  ip addr add 10.${NET[$d]}.0.1/24 dev $d-b
  cap_start $d
  ip link set $d-b up
done
for d in r k; do
  check "silent partner ($d): the bond reaches the partner's host" wait_for 30 reaches $d
done
carried_by "silent partner" s1 "1 0" 'r-b: LACP fallback: no LACP partner answers, r-s1 carries the traffic alone'
check "silent partner: /proc says r-s1 carries the traffic alone" bash -c \
  "agg_line r-s1 | grep -qx 'Aggregation: yes: carries the traffic alone in aggregator 1: no LACP partner answers (no LACPDU received; lacp_fallback on)'"
check "silent partner: /proc says why r-s2 does not aggregate" bash -c \
  "agg_line r-s2 | grep -q '^Aggregation: no: partner sends no LACPDUs (none received'"

# --- 2. the port that carries the traffic loses its link: the other one takes over (on both
# sides: the partner falls back to its other port too)
for d in r k; do cap_start $d; ip -n $d-ns link set $d-p1 down; done
for d in r k; do
  check "silent partner, s1's link down ($d): the host is reached through s2" wait_for 20 s1_down_reaches $d
done
carried_by "s1's link down" s2 "0 1" 'r-b: LACP fallback: r-s2 carries the traffic alone instead of r-s1'
for d in r k; do ip -n $d-ns link set $d-p1 up; done
sleep 2
r=$(carrier r); k=$(carrier k)
check "s1's link back: s2 keeps the traffic (ad_select stable), as with bonding.ko ($k)" equals "s2" "$r"

# --- 3. the partner starts LACP late: the aggregate takes over (defaulted ports on both sides send
# at the slow rate: the first LACPDU comes within 30 s)
for d in r k; do cap_start $d; unblock $d; done
for d in r k; do
  check "late partner ($d): the aggregate of two ports forms" wait_for 45 ports_reach $d 2
done
check "late partner: rbond logs the end of the fallback" \
  wait_for 10 logged 'r-b: LACP fallback ends: the partner answers, aggregator [0-9]+ carries the traffic'
check "late partner: /proc says both ports aggregate" bash -c \
  "agg_line r-s1 | grep -q '^Aggregation: yes: collecting and distributing' && agg_line r-s2 | grep -q '^Aggregation: yes: collecting and distributing'"
sleep 1
r=$(cap_stop r); k=$(cap_stop k)
check "late partner: rbond announces the bond once, on one of the aggregate's ports ($r; bonding.ko: $k)" \
  equals 1 "$(( ${r% *} + ${r#* } ))"

# --- 4. the partner's LACPDUs stop: ours expire (3 s at the fast rate) and one port carries the
# traffic alone
for d in r k; do cap_start $d; block $d; done
for d in r k; do
  check "partner stopped ($d): one port is left in the active aggregator" wait_for 30 bash -c "[ \"\$(cat /sys/class/net/$d-b/bonding/ad_num_ports)\" = 1 ]"
done
check "partner stopped: rbond logs the fallback" wait_for 10 logged 'r-b: LACP fallback: no LACP partner answers' 2
# (which port: the aggregator each port finds as its partner's LACPDUs expire, in the order they
# do, on both sides: bonding.ko's choice is shown, not compared)
rc=$(carrier r); kc=$(carrier k)
check "partner stopped: one port carries the traffic ($rc; bonding.ko: $kc)" bash -c "[ '$rc' = s1 ] || [ '$rc' = s2 ]"
sleep 1
r=$(cap_stop r); k=$(cap_stop k)
declare -A WANT=([s1]="1 0" [s2]="0 1")
check "partner stopped: rbond announces the bond once, from that port (bonding.ko: $k)" equals "${WANT[$rc]:-?}" "$r"
check "partner stopped: /proc names the port that carries the traffic" bash -c \
  "agg_line r-$rc | grep -q '^Aggregation: yes: carries the traffic alone in aggregator [0-9]*: no LACP partner answers (last LACPDU [0-9]* s ago; lacp_fallback on)'"

# --- off: rbond as bonding.ko (the same fallback, no announcement, no log line)
echo off > /sys/class/net/r-b/rbond/lacp_fallback
n=$(log | grep -c 'LACP fallback')
cap_start r
ip link set r-b down; ip link set r-b up
check "lacp_fallback off: one port carries the traffic again" wait_for 30 bash -c '[ "$(cat /sys/class/net/r-b/bonding/ad_num_ports)" = 1 ]'
# (the partner's answers may come by the other port, which drops them: the pings leave all the
# same with the partner's address known)
ip neigh replace 10.${NET[r]}.0.2 lladdr "$(ip netns exec r-ns cat /sys/class/net/pb/address)" dev r-b nud permanent
rc=$(carrier r)
check "lacp_fallback off: ... s1 or s2 ($rc)" bash -c "[ '$rc' = s1 ] || [ '$rc' = s2 ]"
r=$(cap_stop r)
check "lacp_fallback off: no announcement, as bonding.ko" equals "0 0" "$r"
check "lacp_fallback off: no LACP fallback log line" equals "$n" "$(log | grep -c 'LACP fallback')"
check "lacp_fallback off: /proc says lacp_strict off" bash -c \
  "grep -q '^Aggregation: yes: carries the traffic alone in aggregator [0-9]*: no LACP partner answers (.*; lacp_strict off)' /proc/net/rbond/r-b"
