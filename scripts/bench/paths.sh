#!/bin/bash
# make bench, part "paths": the data paths of a bond of two veth slaves in each mode, rbond and
# bonding.ko side by side, and the bare veth (the limit: a bond only adds cost on top of its
# slave), the three in turn in every round; the bonds of a mode are made once for all its figures:
#   tx-SIZE-THREADS  pktgen transmit on the bond, 64 and 1500 bytes, 1 and 2 kernel threads
#   rx               pktgen in a slave's peer namespace sends into the bond's first slave
#   tcp              iperf3 over the bond to its peers (bridged in their namespace; 3ad: the partner)
#   xdp              native XDP: frames a program on another veth redirects into the bond
# MODES (default: every mode; SMOKE=1: ab 3ad) picks the rows; TX_CONFIGS (default "64x1 1500x1 64x2 1500x2") the
# transmit tables; XDP_MODES (default "ab xor2 xor34 rr 3ad", those with native XDP) the XDP rows;
# TCP_MODES (default "ab xor34 rr 3ad") the TCP rows, TCP_SECONDS (3; SMOKE 1) each measurement.
# A round measures bonding.ko, rbond and the bare veth in turn, each round in another order
# (rotated): each of them is first, second and last equally often over every three rounds.
# Transmit also measures "vlan", a VLAN device on the bare veth: the lightest device that hands
# each frame on to another's dev_queue_xmit(), as every bond does (rbond/vlan: what a bond costs
# beyond that; rbond/bare includes it).
. /src/scripts/bench/lib.sh
# SMOKE=1: active-backup and 802.3ad (with its partner) only, every table
MODES=${MODES:-$([ "$SMOKE" = 1 ] && echo ab 3ad || echo ab xor2 xor34 rr bc tlb alb 3ad)}
TX_CONFIGS=${TX_CONFIGS:-64x1 1500x1 64x2 1500x2}
XDP_MODES=${XDP_MODES-ab xor2 xor34 rr 3ad}
TCP_MODES=${TCP_MODES-ab xor34 rr 3ad}
TCP_SECONDS=${TCP_SECONDS:-$([ "$SMOKE" = 1 ] && echo 1 || echo 3)}
DRV="bonding rbond bare"
DRV_TX="$DRV vlan"
NAME_bonding=cbench NAME_rbond=rbench NAME_bare=bare NAME_vlan=bvlan
name() { local v=NAME_$1; echo "${!v}"; }
in_list() { case " $2 " in *" $1 "*) return 0;; esac; return 1; }

for c in $TX_CONFIGS; do
  s=${c%x*} th=${c#*x}
  meta "tx-$c" "Transmit, $s-byte frames, $th pktgen thread$([ "$th" = 1 ] || echo s)" pps higher \
    "pktgen on the bond: UDP to one address, random source ports, $ROUNDS rounds of $COUNT frames$([ "$th" = 1 ] || echo " shared by $th threads, one per CPU (the rate: all frames over the longest thread's time)"); bare: straight on a veth; vlan: on a VLAN device (id 5) on that veth, which hands each frame to the veth's dev_queue_xmit() as a bond hands it to its slave's. $MODE_NOTE"
done
meta rx "Receive, 64-byte frames" pps higher \
  "pktgen in the peer namespace sends $COUNT frames a round into the bond's first slave (the active one where there is one), to the bond's MAC, or into the bare veth; the receive path runs on the sending CPU (veth hands the frame to the backlog), so the rate is what sending and receiving cost together"
meta tcp "TCP throughput" Mbit/s higher \
  "iperf3, one stream for $TCP_SECONDS s a round, from the bond's namespace to an iperf3 server behind the slaves' peers (a bridge of them; 3ad: the partner bond), or over the bare veth"
meta xdp "Native XDP redirect into the bond" pps higher \
  "pktgen feeds a veth whose native XDP program redirects every frame to the bond (ndo_xdp_xmit), which sends it by its mode's slave to a peer that drops it in XDP; bare: redirected straight to a veth. Modes with native XDP only"

XDP="python3 /src/selftests/lib/xdp.py"
# xdp_in NAME: a veth NAME-in whose program redirects to NAME, fed by its peer inp in bench-NAME
xdp_in() {
  ip link add "$1-in" type veth peer name inp netns "bench-$1"
  ip link set "$1-in" up; ip -n "bench-$1" link set inp up
  $XDP attach "$1-in" "redirect:$1" > /dev/null
}
# tcp_on NAME NET: addresses NET.1 on NAME, NET.2 behind its peers; iperf3 server there
tcp_on() {
  local ns=bench-$1 peer=p1
  if [ -e "/sys/class/net/$1/bonding" ]; then
    if ip -n "$ns" link show partner > /dev/null 2>&1; then peer=partner
    else
      ip -n "$ns" link add br0 type bridge stp_state 0
      ip -n "$ns" link set p1 master br0; ip -n "$ns" link set p2 master br0; ip -n "$ns" link set br0 up
      peer=br0
    fi
  fi
  ip addr add "$2.1/24" dev "$1"; ip -n "$ns" addr add "$2.2/24" dev "$peer"
  ip netns exec "$ns" iperf3 -s -D -I "/tmp/iperf3-$1.pid" > /dev/null
  local t=0; until ip netns exec "$ns" ss -ltn | grep -q ':5201 '; do t=$((t + 1)); [ $t -lt 100 ] || return 1; sleep 0.1; done
}
tcp_off() {
  kill "$(cat "/tmp/iperf3-$1.pid")" 2>/dev/null || true; rm -f "/tmp/iperf3-$1.pid"
  ip addr flush dev "$1"
  ip -n "bench-$1" link del br0 2>/dev/null || true
  ip -n "bench-$1" addr flush dev partner 2>/dev/null || true
  ip -n "bench-$1" addr flush dev p1
}
# tcp_run NET: Mbit/s that iperf3's receiver got
tcp_run() {
  prof iperf3 -c "$1.2" -t "$TCP_SECONDS" -J 2>/dev/null |
    python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))'
}
NET_bonding=10.99.1 NET_rbond=10.99.2 NET_bare=10.99.3
net() { local v=NET_$1; echo "${!v}"; }

bare_setup
ip link add link bare name bvlan type vlan id 5
ip link set bvlan up
for m in $MODES; do
  opts "$m" > /dev/null
  for c in $TX_CONFIGS; do want "tx-$c" "$m" $DRV_TX; done
  want rx "$m" $DRV
  in_list "$m" "$TCP_MODES" && want tcp "$m" $DRV
  in_list "$m" "$XDP_MODES" && want xdp "$m" $DRV
  setup bonding cbench "$m"
  setup rbond rbench "$m"
  [ "$SMOKE" = 1 ] || sleep 1
  for round in $(seq 1 "$ROUNDS"); do
    ds=$(rotated "$round" $DRV)
    for c in $TX_CONFIGS; do
      for d in $(rotated "$round" $DRV_TX); do export PROF_NAME=tx-$c-$m-$d; rec "tx-$c" "$m" "$d" "$(pktgen_run "$(name "$d")" "${c%x*}" "${c#*x}")"; done
    done
    for d in $ds; do n=$(name "$d"); export PROF_NAME=rx-$m-$d; rec rx "$m" "$d" "$(pktgen_rx "bench-$n" p1 "$n")"; done
  done
  if in_list "$m" "$TCP_MODES"; then
    for d in $DRV; do tcp_on "$(name "$d")" "$(net "$d")"; done
    for round in $(seq 1 "$ROUNDS"); do
      for d in $(rotated "$round" $DRV); do export PROF_NAME=tcp-$m-$d; rec tcp "$m" "$d" "$(tcp_run "$(net "$d")")"; done
    done
    for d in $DRV; do tcp_off "$(name "$d")"; done
  fi
  if in_list "$m" "$XDP_MODES"; then
    xdp_in bare; ip netns exec bench-bare $XDP attach p1 drop > /dev/null
    for n in cbench rbench; do
      if [ "$m" = 3ad ]; then ip netns exec "bench-$n" $XDP attach partner drop > /dev/null
      else ip netns exec "bench-$n" $XDP attach p1 drop \; attach p2 drop > /dev/null; fi
      xdp_in "$n"
    done
    for round in $(seq 1 "$ROUNDS"); do
      for d in $(rotated "$round" $DRV); do n=$(name "$d"); export PROF_NAME=xdp-$m-$d; rec xdp "$m" "$d" "$(pktgen_rx "bench-$n" inp "$n-in")"; done
    done
    ip link del rbench-in; ip link del cbench-in; ip link del bare-in
    ip netns exec bench-bare $XDP detach p1 > /dev/null
  fi
  teardown rbench; teardown cbench
done
ip link del bvlan
bare_teardown
