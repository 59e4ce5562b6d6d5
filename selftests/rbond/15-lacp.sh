#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 802.3ad (LACP) between two bonds, each driver against the other and against itself: the
# aggregate forms, traffic uses both ports, a port that fails leaves and comes back, a partner that
# stops LACP is detected, and the /proc text is the C driver's.
#
# Topology (one pairing at a time): namespace lacp-a holds "our" bond b0 (created first), lacp-b the
# partner's b0; two veth pairs s1<->s1, s2<->s2 between them. Both bonds: mode 802.3ad, miimon 100,
# lacp_rate fast, xmit_hash_policy layer3+4.
#
# Pairings OURS-PARTNER, c = bonding.ko, r = rbond: c-c (the baseline), r-c (rbond first), c-r,
# r-r. All by default; choose with arguments or LACP_PAIRS, e.g. `LACP_PAIRS=c-c` for the baseline
# alone. c-c always runs (first): it is the reference for the /proc text of the others.
#   make vm SCRIPT=selftests/rbond/14-lacp.sh ARGS="c-c"        (TAP lines not numbered)
#   a host script `LACP_PAIRS="c-c r-c" bash /src/selftests/run.sh rbond/14-lacp.sh` given to
#   scripts/vm.sh runs it through the suite's runner (numbered TAP, /out/results.tap)
# A pairing whose bonds cannot be made or whose aggregate does not form reports each later check
# as "not ok ... (not run: why)": the same TAP lines every time, without waiting out deadlines.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lacp.sh"

pairs=("$@")
[ ${#pairs[@]} -gt 0 ] || read -ra pairs <<< "${LACP_PAIRS:-c-c r-c c-r r-r}"
list=(c-c)
for p in "${pairs[@]}"; do
  case "$p" in
    c-c) ;;
    r-c|c-r|r-r) list+=("$p") ;;
    *) echo "not ok - unknown pairing '$p' (c-c, r-c, c-r or r-r)" ;;
  esac
done
# deadlines (s), generous for a TCG guest: formation, a failed link leaving, a port coming back,
# a silent partner detected (3 s short timeout + 3 s to defaulted), and a defaulted port's partner
# heard again. The last one is not quick: the defaulted side (its partner's state now the
# all-zero default, so it sends at the slow rate, every 30 s of 802.3ad ticks) takes up to the
# slow period and more, and the ticks run late under make check's load; bonding.ko against
# bonding.ko took 33-41 s there (4 guests on 2 cores), rbond the same as bonding.ko's side
FORM_S=30 LEAVE_S=10 REJOIN_S=30 EXPIRE_S=15 REHEARD_S=90
A=lacp-a B=lacp-b BOND=b0 SLAVES=(s1 s2)
T=$(mktemp -d)

drv() { case "$1" in c) echo bonding ;; r) echo rbond ;; esac; }
title() { case "$1" in c) echo C ;; r) echo rbond ;; esac; }

rbond_unload; modprobe -r bonding 2>/dev/null
check "bonding.ko loads" modprobe bonding max_bonds=0
if [[ " ${list[*]} " == *r-* || " ${list[*]} " == *-r* ]]; then
  check "rbond loads" modprobe rbond max_bonds=0
fi

# pair_left: after s1 failed, on both sides only s2 is in the active aggregator (63/63), s1 is not
# (a state other than 63), ad_num_ports is 1 and the bond is up
side_left() { # SNAP
  local snap=$1 bad="" agg a st ps
  agg=$(sget "$snap" agg)
  [ "$(sget "$snap" ports)" = 1 ] || bad+=" ad_num_ports=$(sget "$snap" ports)(want 1)"
  [ "$(sget "$snap" mii)" = up ] || bad+=" mii_status=$(sget "$snap" mii)(want up)"
  read -r a st ps <<< "$(ad_state "$snap" s2)"
  [ "$a" = "$agg" ] && [ "$st" = $AD_UP ] && [ "$ps" = $AD_UP ] || bad+=" s2=$a/$st/$ps(want $agg/63/63)"
  read -r a st ps <<< "$(ad_state "$snap" s1)"
  [ "$st" != $AD_UP ] || bad+=" s1:ad_actor_oper_port_state=$st(want not 63)"
  [ "$a" != "$agg" ] || [ "$st" != $AD_UP ] || bad+=" s1 still in aggregator $agg"
  [ -z "$bad" ] || { echo "not left:$bad"; return 1; }
}
pair_left() {
  local s1 s2 o rc=0
  s1=$(lacp_snap $A $BOND "${SLAVES[@]}"); s2=$(lacp_snap $B $BOND "${SLAVES[@]}")
  echo "$A: $s1"; echo "$B: $s2"
  o=$(side_left "$s1") || { rc=1; echo "$A: $o"; }
  o=$(side_left "$s2") || { rc=1; echo "$B: $o"; }
  return $rc
}

# our s1 after the partner's s1 went silent: expired or defaulted
ours_expired() { # DRIVER
  local snap a st ps
  snap=$(lacp_snap $A $BOND "${SLAVES[@]}"); echo "$A: $snap"
  read -r a st ps <<< "$(ad_state "$snap" s1)"
  [[ "$st" =~ ^[0-9]+$ ]] && [ $(( st & (AD_EXPIRED | AD_DEFAULTED) )) != 0 ] ||
    { echo "s1:ad_actor_oper_port_state=$st (want the expired 128 or defaulted 64 bit)"; return 1; }
}
# ... then it is defaulted: partner MAC zero, out of the active aggregator; s2 carries on
ours_dropped() { # DRIVER
  local snap agg a st ps bad="" pm
  snap=$(lacp_snap $A $BOND "${SLAVES[@]}"); echo "$A: $snap"
  agg=$(sget "$snap" agg)
  read -r a st ps <<< "$(ad_state "$snap" s1)"
  [[ "$st" =~ ^[0-9]+$ ]] && [ $(( st & AD_DEFAULTED )) != 0 ] || bad+=" s1:ad_actor_oper_port_state=$st(want the defaulted bit 64)"
  [ "$a" != "$agg" ] || bad+=" s1:ad_aggregator_id=$a(want not the active $agg)"
  pm=$(proc_partner_system $A "$1" $BOND s1)
  [ "$pm" = "$ZERO_MAC" ] || bad+=" s1 partner system mac address in /proc=$pm(want $ZERO_MAC)"
  [ "$(sget "$snap" ports)" = 1 ] || bad+=" ad_num_ports=$(sget "$snap" ports)(want 1)"
  [ "$(sget "$snap" mii)" = up ] || bad+=" mii_status=$(sget "$snap" mii)(want up)"
  read -r a st ps <<< "$(ad_state "$snap" s2)"
  [ "$a" = "$agg" ] && [ "$st" = $AD_UP ] && [ "$ps" = $AD_UP ] || bad+=" s2=$a/$st/$ps(want $agg/63/63)"
  [ -z "$bad" ] || { echo "not dropped:$bad"; return 1; }
}

# traffic FROM-NS TO-NS TO-IP: 64 UDP flows (source ports 40000-40063) of 10 datagrams each to
# TO-IP:5001; prints "RECEIVED S1-TX-DELTA S2-TX-DELTA" (datagrams the receiver counted, packets
# the sender's slaves transmitted meanwhile)
RECV='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind(("", 5001))
open(sys.argv[1], "w").write("ready")
n = 0
s.settimeout(10)
try:
    while n < 640:
        s.recv(2048)
        n += 1
        s.settimeout(3)
except socket.timeout:
    pass
print(n)
'
SEND='
import socket, sys, time
socks = []
for sport in range(40000, 40064):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", sport))
    socks.append(s)
for i in range(10):
    for s in socks:
        s.sendto(b"x" * 64, (sys.argv[1], 5001))
        time.sleep(0.001)
'
txs() { ip netns exec "$1" cat /sys/class/net/s1/statistics/tx_packets /sys/class/net/s2/statistics/tx_packets | xargs; }
traffic() {
  local from=$1 to=$2 ip=$3 b1 b2 a1 a2 rpid
  rm -f $T/ready $T/recv
  ip netns exec "$to" python3 -c "$RECV" $T/ready > $T/recv 2>&1 & rpid=$!
  wait_for 10 test -s $T/ready
  read -r b1 b2 <<< "$(txs "$from")"
  ip netns exec "$from" python3 -c "$SEND" "$ip"
  wait $rpid
  read -r a1 a2 <<< "$(txs "$from")"
  echo "$(cat $T/recv) $((a1 - b1)) $((a2 - b2))"
}
both_ports() { # RECEIVED D1 D2: all 640 arrived, each port sent at least 100 of them
  [ "$1" = 640 ] && [ "$2" -ge 100 ] && [ "$3" -ge 100 ] || { echo "received $1 of 640, s1 sent $2, s2 sent $3 packets"; return 1; }
}
tc_drops() { # packets the filter of 4. dropped
  local n; n=$(tc -n $B -s -j filter show dev s1 egress | jq -r '[.[] | select(.options.handle == 101) | .options.actions[0].stats.packets][0] // 0')
  echo "${n:-0}"
}

# gated CHECK-FUNCTION DESCRIPTION ARGS...: the check, or, once a step it depends on has failed
# (NOTRUN says which), a failure that says so: the same TAP lines whatever happens, and no waiting
# out deadlines that cannot be met
NOTRUN=""
gated() {
  if [ -z "$NOTRUN" ]; then "$@"; else echo "not ok - $2 (not run: $NOTRUN)"; return 1; fi
}

run_pair() { # OURS-PARTNER
  local p=$1 o q L r
  o=$(drv "${p%-*}"); q=$(drv "${p#*-}")
  L="$(title "${p%-*}")<->$(title "${p#*-}")"
  NOTRUN=""
  echo "# $L: our bond is $o (created first), the partner's $q"
  ip netns add $A; ip netns add $B
  for ns in $A $B; do
    ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  for s in "${SLAVES[@]}"; do ip -n $A link add $s type veth peer name $s netns $B; done
  checkr "$L: our $o bond: 802.3ad, miimon 100, lacp_rate fast, two ports, up" \
    mk_lacp_bond "$o" $BOND $A "${SLAVES[@]}" || NOTRUN="our $o bond could not be made"
  checkr "$L: the partner's $q bond: the same" \
    mk_lacp_bond "$q" $BOND $B "${SLAVES[@]}" || NOTRUN="the partner's $q bond could not be made"
  ip -n $A addr add 10.14.0.1/24 dev $BOND; ip -n $B addr add 10.14.0.2/24 dev $BOND

  # 1. the aggregate forms
  if gated check_poll "$L: the aggregate forms within $FORM_S s (both sides: both ports in one aggregator, ad_num_ports 2, ad_partner_mac the other's, port states 63/63)" \
       $FORM_S pair_formed $A $B $BOND "${SLAVES[@]}"; then
    echo "# $L: formed in $(waited) s"
  else
    NOTRUN=${NOTRUN:-the aggregate did not form}
  fi
  # the /proc text of both sides, for 5., a second later (both drivers' churn machines are still
  # "monitoring": that lasts 60 s from enslaving)
  sleep 1
  norm_lacp_proc $A "$o" $BOND > $T/$p.ours 2>&1
  norm_lacp_proc $B "$q" $BOND > $T/$p.partner 2>&1
  if [ "$o" = rbond ]; then
    # rbond's diagnostics: one line per slave, after the C lines, saying it aggregates
    gated check "$L: our rbond bond says per slave why it aggregates" equals \
      "$(printf 'Aggregation: yes: collecting and distributing in aggregator %s\n' "$(ip netns exec $A cat /sys/class/net/$BOND/bonding/ad_aggregator)"{,})" \
      "$(agg_lines $A $BOND)"
  fi

  # 2. traffic uses both ports, each way
  gated check "$L: ping over the aggregate" ip netns exec $A ping -c 2 -i 0.3 -W 2 10.14.0.2
  r=""; [ -z "$NOTRUN" ] && r=$(traffic $A $B 10.14.0.2)
  gated check "$L: 64 UDP flows from our $o bond leave by both ports and all arrive (received, s1, s2: $r)" both_ports $r
  r=""; [ -z "$NOTRUN" ] && r=$(traffic $B $A 10.14.0.1)
  gated check "$L: 64 UDP flows from the partner's $q bond leave by both ports and all arrive (received, s1, s2: $r)" both_ports $r

  # 3. a port fails on the partner side, then comes back
  [ -z "$NOTRUN" ] && ip -n $B link set s1 down
  gated check_poll "$L: s1 down on the partner: it leaves the aggregate on both sides within $LEAVE_S s (ad_num_ports 1, state not 63), s2 stays (63), the bonds stay up" \
    $LEAVE_S pair_left && echo "# $L: left in $(waited) s"
  gated check "$L: ping over the remaining port" ip netns exec $A ping -c 2 -i 0.3 -W 2 10.14.0.2
  [ -z "$NOTRUN" ] && ip -n $B link set s1 up
  gated check_poll "$L: s1 up again: it rejoins within $REJOIN_S s (both sides: one aggregator, 2 ports, states 63/63)" \
    $REJOIN_S pair_formed $A $B $BOND "${SLAVES[@]}" && echo "# $L: rejoined in $(waited) s"

  # 4. the partner stops sending LACPDUs on s1
  gated check "$L: the partner's s1 drops its outgoing LACPDUs (tc clsact egress, protocol 0x8809)" bash -c "
    tc -n $B qdisc add dev s1 clsact &&
    tc -n $B filter add dev s1 egress protocol 0x8809 pref 1 handle 101 matchall action drop"
  gated check_poll "$L: our $o bond marks s1 expired or defaulted within $EXPIRE_S s (actor state bit 128 or 64)" \
    $EXPIRE_S ours_expired "$o" && echo "# $L: expired in $(waited) s"
  gated check_poll "$L: then s1 is defaulted: partner MAC zero, out of the active aggregator (ad_num_ports 1), s2 carries on (63/63), the bond stays up" \
    $EXPIRE_S ours_dropped "$o" && echo "# $L: defaulted after another $(waited) s"
  r=""; [ -z "$NOTRUN" ] && r=$(tc_drops)
  gated check "$L: the tc filter did drop the partner's LACPDUs ($r)" test "$r" -gt 0
  [ -z "$NOTRUN" ] && tc -n $B qdisc del dev s1 clsact
  if gated check_poll "$L: LACPDUs again: s1 rejoins within $REHEARD_S s (both sides: one aggregator, 2 ports, states 63/63)" \
    $REHEARD_S pair_formed $A $B $BOND "${SLAVES[@]}"; then
    echo "# $L: rejoined in $(waited) s"
  elif [ -z "$NOTRUN" ]; then
    lacp_why $A $o $BOND s1; lacp_why $B $q $BOND s1
  fi

  ip netns del $A; ip netns del $B
  sleep 1
}

for p in "${list[@]}"; do run_pair "$p"; done

# same_text EXPECTED ACTUAL: no difference; else the first differing lines (- C's, + the other's)
same_text() {
  local d; d=$(diff -u "$1" "$2") && return 0
  grep -E '^(@@|[-+]([^-+]|$))' <<< "$d" | head -n 14
  return 1
}

# 5. the /proc text once the aggregate formed (MACs and the active aggregator's number normalized,
# see norm_lacp_proc; the names are the same on both sides): C's two sides of C<->C are alike, and
# in every other pairing each bond shows the text the C bond in the same role showed in C<->C
check "C<->C: the /proc/net/bonding text of the two C bonds is the same" same_text $T/c-c.ours $T/c-c.partner
for p in "${list[@]}"; do
  [ "$p" = c-c ] && continue
  L="$(title "${p%-*}")<->$(title "${p#*-}")"
  check "$L: our $(drv "${p%-*}") bond's /proc text is C's in C<->C" same_text $T/c-c.ours $T/$p.ours
  check "$L: the partner's $(drv "${p#*-}") bond's /proc text is C's in C<->C" same_text $T/c-c.partner $T/$p.partner
done

rm -rf "$T"
wait_for 10 bash -c 'rmmod bonding 2>/dev/null; ! grep -q "^bonding " /proc/modules'
rbond_unload 2>/dev/null
true
