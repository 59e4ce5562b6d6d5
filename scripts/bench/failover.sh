#!/bin/bash
# make bench, part failover: frames lost when the active slave of an active-backup bond (two veth
# slaves) loses its link. pktgen sends a steady flow (64 bytes, RATE frames a second, well under
# what the guest can do) through the bond to the slaves' peers; once it runs, the active slave's
# peer is set down (veth turns both ends' carrier off). Lost = frames pktgen sent through the bond
# minus frames the peers received; the failover time is lost / rate. One bond per driver a round,
# three drops on it (the options changed through sysfs in between, the dropped link back up and
# seen up again before the next drop); bonding and rbond in turn, bonding first in odd rounds.
. /src/scripts/bench/lib.sh
RATE=${RATE:-5000}             # frames a second (pktgen sleeps 1 s / RATE between two: a delay under 100 us would busy-wait, taking a CPU)
FLOW=${FLOW:-$((RATE))}        # frames a flow: one second of it
DROP_AT=${DROP_AT:-$((RATE / 5))}  # the link drops once pktgen has sent this many (0.2 s)

# the rows: name, then the options written to sysfs before the drop (miimon downdelay)
ROWS=("link down, miimon 100|100 0" "link down, miimon 10|10 0" "downdelay 200 ms, miimon 100|100 200")
NOTE="active-backup, 2 veth slaves: pktgen sends $FLOW 64-byte frames at $RATE/s through the bond and once $DROP_AT are sent the active slave's peer is set down (veth: the slave's carrier goes off). lost = frames pktgen tried (bonding.ko refuses some: NET_XMIT_DROP from its slave's deactivated queue, pktgen counts them as errors) - frames the peers took; ms = lost / the flow's rate. A link cannot be lost without a notification: netif_carrier_off() always queues a linkwatch event (urgent for a bond's slave: NETDEV_CHANGE at once), an admin down is NETDEV_DOWN, and the MII monitor reads nothing else (netif_running && netif_carrier_ok; use_carrier cannot be turned off), so there is no polling-only row: rbond runs its monitor on the notification, bonding.ko waits for its next poll (miimon 10 vs 100 shows what that poll costs). With downdelay both wait the downdelay: rbond from the notification, bonding.ko from its next poll."
meta failover_lost "Failover: frames lost (active-backup)" frames lower "$NOTE"
meta failover_ms "Failover: time to fail over (active-backup)" ms lower "$NOTE"
for r in "${ROWS[@]}"; do
  want failover_lost "${r%%|*}" bonding rbond
  want failover_ms "${r%%|*}" bonding rbond
done

# ab_setup DRIVER NAME: active-backup bond NAME of slaves NAME-s1/s2, peers p1/p2 up in bench-NAME,
# no IPv6 on the bond (its frames would count as received)
ab_setup() {
  ip netns add "bench-$2"
  mkbond "$1" "$2" mode active-backup miimon 100
  echo 1 > "/proc/sys/net/ipv6/conf/$2/disable_ipv6"
  for i in 1 2; do
    ip link add "$2-s$i" type veth peer name "p$i" netns "bench-$2"
    ip link set "$2-s$i" master "$2"
    ip -n "bench-$2" link set "p$i" up
  done
  ip link set "$2" up
  wait_links_up "$2"
}
# wait_links_up BOND: until both slaves' MII status is up and the bond has an active slave (10 s)
wait_links_up() {
  local t=0 a b c
  while :; do
    read -r a < "/sys/class/net/$1-s1/bonding_slave/mii_status"
    read -r b < "/sys/class/net/$1-s2/bonding_slave/mii_status"
    c=; read -r c < "/sys/class/net/$1/bonding/active_slave" || true
    [ "$a $b" = "up up" ] && [ -n "$c" ] && return 0
    t=$((t + 1)); [ $t -le 1000 ] || { echo "bench: $1: slaves not up ($a $b, active '$c')" >&2; return 1; }
    sleep_s 0.01
  done
}
# drop DRIVER BOND ROW: one flow, one drop; records lost frames and ms
drop() {
  local d=$1 b=$2 row=${3%%|*} o=${3#*|} a tx0 tx1 us sent err lost
  echo "${o% *}" > "/sys/class/net/$b/bonding/miimon"
  echo "${o#* }" > "/sys/class/net/$b/bonding/downdelay"
  read -r a < "/sys/class/net/$b/bonding/active_slave"
  tx0=$(tx_frames "$b-s1" "$b-s2")
  pg_flow_start "$b" "$FLOW" "$RATE"
  # the flow runs: DROP_AT frames sent (a second at most), then the active slave's peer goes down
  for ((i = 0; i < 100; i++)); do [ "$(pg_sofar "$b")" -lt "$DROP_AT" ] || break; sleep_s 0.01; done
  ip -n "bench-$b" link set "p${a##*-s}" down
  pg_flow_end "$b"; us=$PG_US sent=$PG_SENT err=$PG_REFUSED
  tx1=$(tx_frames "$b-s1" "$b-s2")
  lost=$((sent + err - (tx1 - tx0)))
  echo "bench: failover $d $row: active $a, sent $sent + $err refused in $us us, received $((tx1 - tx0)), lost $lost" >&2
  rec failover_lost "$row" "$d" "$lost"
  # the time: lost frames over the rate the frames were tried at
  rec failover_ms "$row" "$d" "$(awk -v l="$lost" -v n="$((sent + err))" -v u="$us" 'BEGIN { if (n > 0) printf "%.1f", l * u / n / 1000 }')"
  ip -n "bench-$b" link set "p${a##*-s}" up
  wait_links_up "$b"
}

for ((round = 1; round <= ROUNDS; round++)); do
  # bonding first in odd rounds, rbond in even ones
  if [ $((round % 2)) = 1 ]; then ds="bonding rbond"; else ds="rbond bonding"; fi
  for d in $ds; do
    ab_setup "$d" fo
    for r in "${ROWS[@]}"; do drop "$d" fo "$r"; done
    teardown fo
  done
done
