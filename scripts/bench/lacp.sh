#!/bin/bash
# make bench, part lacp: 802.3ad (lacp_rate fast, layer3+4) with two veth ports whose peers are
# enslaved to a bonding.ko 802.3ad bond, the partner, up in namespace bench-NAME (the same partner
# for both drivers).
# (a) formation: the bond, its ports enslaved, is set up; the time from IFF_UP until its /proc file
#     shows both ports in the active aggregator and distributing, by the actor's and the partner's
#     port state (the partner's as its last LACPDU said).
# (b) a failed port: a flow runs at a set rate over the aggregate; one port's peer is set down;
#     lost = frames pktgen tried - frames the peers took; ms = lost / the rate that port carried.
# bonding and rbond in turn each round, bonding first in odd rounds.
. /src/scripts/bench/lib.sh
RATE=${RATE:-5000}
FLOW=${FLOW:-$RATE}
DROP_AT=${DROP_AT:-$((RATE / 5))}
TMPF=$(mktemp)
trap 'rm -f "$TMPF"' EXIT

meta lacp_form "802.3ad: aggregate formation" ms lower "two ports, lacp_rate fast, a bonding.ko 802.3ad partner already up; from the bond's IFF_UP (ip link set up, its flag polled) until /proc/net/bonding shows both ports in the active aggregator with actor and partner port state distributing (polled every 10 ms)"
meta lacp_fail_lost "802.3ad: frames lost when a port fails" frames lower "a flow of $FLOW 64-byte frames (random UDP source ports, layer3+4) at $RATE/s over a two-port aggregate; once $DROP_AT are sent the first port's peer is set down. lost = frames pktgen tried (sent + those the bond refused) - IPv4 frames the peers got (tc ingress counters on them)"
meta lacp_fail_ms "802.3ad: time to move traffic off a failed port" ms lower "lost frames / the rate the failed port carried before it failed (its share of the flow); same runs as the frames lost"
want lacp_form "2 ports" bonding rbond
want lacp_fail_lost "1 of 2 ports fails" bonding rbond
want lacp_fail_ms "1 of 2 ports fails" bonding rbond

# ad_formed K PROCFILE: true when a bond's /proc file shows K ports in the active aggregator, each one's
# actor and partner port state distributing (builtins only: polled)
ad_formed() {
  local l agg='' n=0 ports=0 slave_agg='' side='' ok=0
  while IFS= read -r l; do
    case $l in
      "Active Aggregator Info:") side=active ;;
      *"Aggregator ID: "*) if [ "$side" = active ]; then agg=${l##*: }; side=; else slave_agg=${l##*: }; fi ;;
      *"Number of ports: "*) n=${l##*: } ;;
      "Slave Interface: "*) ports=$((ports + 1)) ;;
      *"details actor lacp pdu:"*) side=actor ;;
      *"details partner lacp pdu:"*) side=partner ;;
      *"port state: "*)
        # 0x20: distributing; the slave must be in the active aggregator
        if [ $(( ${l##*: } & 32 )) = 32 ] && [ -n "$agg" ] && [ "$slave_agg" = "$agg" ]; then ok=$((ok + 1)); fi
        side= ;;
    esac
  done < "$2"
  [ "$n" = "$1" ] && [ "$ports" = "$1" ] && [ "$ok" = $(($1 * 2)) ]
}

# ad_setup DRIVER NAME: the partner up with its ports p1/p2, the bond NAME (down) with its slaves
ad_setup() {
  local i
  ip netns add "bench-$2"
  # shellcheck disable=SC2046
  mkbond "$1" "$2" $(opts 3ad)
  echo 1 > "/proc/sys/net/ipv6/conf/$2/disable_ipv6"
  ip -n "bench-$2" link add partner type bond mode 802.3ad miimon 100 lacp_rate fast
  for i in 1 2; do
    ip link add "$2-s$i" type veth peer name "p$i" netns "bench-$2"
    ip link set "$2-s$i" master "$2"
    ip -n "bench-$2" link set "p$i" master partner
    ip -n "bench-$2" link set "p$i" up
    # the peers count the IPv4 frames they get (the flow's, not the LACPDUs)
    tc -n "bench-$2" qdisc add dev "p$i" clsact
    tc -n "bench-$2" filter add dev "p$i" ingress protocol ip matchall action pass
  done
  ip -n "bench-$2" link set partner up
}

# form DRIVER BOND: (a)
form() {
  local d=$1 b=$2 f t0 t i p
  p=$(bond_proc "$b")
  ip link set "$b" up &
  # IFF_UP (0x1) in the flags: the clock starts (the poll costs about as much as ip's own start)
  for ((i = 0; i < 2000; i++)); do read -r f < "/sys/class/net/$b/flags"; [ $((f & 1)) = 1 ] && break; done
  t0=$(now_us)
  wait $!
  for ((i = 0; i < 3000; i++)); do ad_formed 2 "$p" && break; sleep_s 0.01; done
  t=$(now_us)
  ad_formed 2 "$p" || { echo "bench: lacp $d: no aggregate in 30 s" >&2; cat "$p" >&2; return 0; }
  echo "bench: lacp $d: formed in $(( (t - t0) / 1000 )) ms" >&2
  rec lacp_form "2 ports" "$d" "$(( (t - t0) / 1000 ))"
}

# peers_ip BOND: the IPv4 frames the peers p1 and p2 got (their tc ingress counters)
peers_ip() {
  tc -n "bench-$1" -s filter show dev p1 ingress > "$TMPF"
  tc -n "bench-$1" -s filter show dev p2 ingress >> "$TMPF"
  awk '/Sent .* pkt/ { for (i = 1; i < NF; i++) if ($(i + 1) == "pkt") n += $i } END { print n + 0 }' "$TMPF"
}
# fail DRIVER BOND: (b)
fail() {
  local d=$1 b=$2 a0 c0 a1 c1 r0 r1 us sent err lost i
  read -r a0 < "/sys/class/net/$b-s1/statistics/tx_packets"
  c0=$(tx_frames "$b-s1" "$b-s2")
  r0=$(peers_ip "$b")
  pg_flow_start "$b" "$FLOW" "$RATE"
  for ((i = 0; i < 100; i++)); do [ "$(pg_sofar "$b")" -lt "$DROP_AT" ] || break; sleep_s 0.01; done
  # the first port's share of the flow so far
  read -r a1 < "/sys/class/net/$b-s1/statistics/tx_packets"
  c1=$(tx_frames "$b-s1" "$b-s2")
  ip -n "bench-$b" link set p1 down
  pg_flow_end "$b"; us=$PG_US sent=$PG_SENT err=$PG_REFUSED
  r1=$(peers_ip "$b")
  [ -n "$sent" ] || { echo "bench: lacp $d: pktgen says:" >&2; cat "$PG/$b" >&2; cat "$(bond_proc "$b")" >&2; }
  lost=$((sent + err - (r1 - r0)))
  echo "bench: lacp $d: port 1 carried $((a1 - a0)) of $((c1 - c0)); sent $sent + $err refused in $us us, taken $((r1 - r0)), lost $lost" >&2
  rec lacp_fail_lost "1 of 2 ports fails" "$d" "$lost"
  rec lacp_fail_ms "1 of 2 ports fails" "$d" "$(awk -v l="$lost" -v n="$((sent + err))" -v u="$us" -v a="$((a1 - a0))" -v c="$((c1 - c0))" \
    'BEGIN { if (n > 0 && a > 0) printf "%.1f", l * u / n / 1000 * c / a }')"
}

for ((round = 1; round <= ROUNDS; round++)); do
  # bonding first in odd rounds, rbond in even ones
  if [ $((round % 2)) = 1 ]; then ds="bonding rbond"; else ds="rbond bonding"; fi
  for d in $ds; do
    ad_setup "$d" la
    form "$d" la
    fail "$d" la
    teardown la
  done
done
