#!/bin/bash
# `make bench`: runs in the guest. Transmit speed of rbond, of the C bonding driver and of a bare
# veth (the limit: a bond only adds cost on top of its slave), side by side in one guest: pktgen
# sends the same 64-byte UDP flows (random source ports) through a two-slave bond of each mode
# rbond has, and straight on a veth, ROUNDS times each, the three in turn in every round. Each
# figure is the median of the rounds, with their range; the results are the ratios rbond/bonding
# and rbond/bare (QEMU/TCG: absolute numbers mean little, ratios measured in one run hold).
# Receive is measured the same way from the slaves' peers into the bond. A measurement, not a
# test: nothing here passes or fails on a number.
# MODES="ab xor2 xor34 rr bc tlb alb" (default: all of them) selects the bonds; XDP_MODES (default
# "ab xor2 xor34 rr") those of the XDP table.
set -e
. "$(dirname "$0")/errtrap.sh"   # a failed step says where
ROUNDS=${ROUNDS:-5}
COUNT=${COUNT:-200000}
MODES=${MODES:-ab xor2 xor34 rr bc tlb alb}
# the modes with native XDP, for the XDP table (XDP_MODES= skips it)
XDP_MODES=${XDP_MODES-ab xor2 xor34 rr}
modprobe pktgen
modprobe rbond max_bonds=0
modprobe bonding max_bonds=0
PG=/proc/net/pktgen
pgset() { echo "$2" > "$PG/$1"; }

# opts MODE: the bond's options (iproute2's words, which rtnl.py takes too)
opts() {
  case "$1" in
    ab) echo "mode active-backup miimon 100" ;;
    xor2) echo "mode balance-xor xmit_hash_policy layer2 miimon 100" ;;
    xor34) echo "mode balance-xor xmit_hash_policy layer3+4 miimon 100" ;;
    rr) echo "mode balance-rr miimon 100" ;;
    bc) echo "mode broadcast miimon 100" ;;
    tlb) echo "mode balance-tlb miimon 100" ;;
    alb) echo "mode balance-alb miimon 100" ;;
    *) echo "unknown mode '$1' in MODES (known: ab xor2 xor34 rr bc tlb alb)" >&2; return 1 ;;
  esac
}

# setup DRIVER NAME MODE: the bond NAME of two veth slaves whose peers are up in namespace bench-NAME
setup() {
  local i o
  o=$(opts "$3")
  ip netns add "bench-$2"
  if [ "$1" = rbond ]; then
    # shellcheck disable=SC2086
    python3 /src/selftests/lib/rtnl.py newlink "$2" rbond $o >/dev/null
  else
    # shellcheck disable=SC2086
    ip link add "$2" type bond $o
  fi
  for i in 1 2; do
    ip link add "$2-s$i" type veth peer name "p$i" netns "bench-$2"
    ip link set "$2-s$i" master "$2"
    ip -n "bench-$2" link set "p$i" up
  done
  ip link set "$2" up
}
teardown() { ip link del "$1"; ip netns del "bench-$1"; }

run() { # DEV -> pps
  pgset kpktgend_0 "rem_device_all"
  pgset kpktgend_0 "add_device $1"
  pgset "$1" "count $COUNT"
  pgset "$1" "pkt_size 64"
  pgset "$1" "delay 0"
  pgset "$1" "dst 10.99.0.2"
  pgset "$1" "dst_mac 02:00:00:00:00:02"
  pgset "$1" "udp_src_min 1024"
  pgset "$1" "udp_src_max 9999"
  pgset "$1" "flag UDPSRC_RND"
  pgset pgctrl start
  sed -n 's/.*[^0-9]\([0-9][0-9]*\)pps.*/\1/p' "$PG/$1" | head -n1
}

# rx NETNS PEER DEV: pktgen in NETNS sends COUNT frames out of PEER, the veth peer of DEV (a bond's
# first slave, or the bare veth), to DEV's MAC; prints the rate at which they went in (pps). The
# receive path runs on the sender's CPU (veth hands each frame to the backlog, processed when
# pktgen enables bottom halves again), so the rate is the cost of sending and receiving a frame.
rx() {
  local mac; mac=$(cat "/sys/class/net/$3/address")
  ip netns exec "$1" bash -c '
    PG=/proc/net/pktgen
    echo rem_device_all > $PG/kpktgend_0
    echo "add_device $2" > $PG/kpktgend_0
    for c in "count $3" "pkt_size 64" "delay 0" "dst 10.99.0.1" "dst_mac $4" "udp_src_min 1024" \
             "udp_src_max 9999" "flag UDPSRC_RND"; do echo "$c" > $PG/$2; done
    echo start > $PG/pgctrl
    sed -n "s/.*[^0-9]\([0-9][0-9]*\)pps.*/\1/p" $PG/$2 | head -n1' _ "$1" "$2" "$COUNT" "$mac"
}

# stats N...: "median min max" of the numbers
stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2); print m, v[1], v[NR] }'; }
ratio() { echo "scale=3; $1 / $2" | bc; }

# the bare slave: a veth whose peer is up, in its own namespace
ip netns add bench-bare
ip link add bare type veth peer name p1 netns bench-bare
ip -n bench-bare link set p1 up
ip link set bare up

# row MODE C... -- R... -- B...: a table row of the three drivers' rounds
row() {
  local m=$1 c=() r=() b=() l=c; shift
  for v in "$@"; do
    case "$v" in --) [ $l = c ] && l=r || l=b ;; *) eval "$l+=(\"\$v\")" ;; esac
  done
  read -r cm cl ch <<< "$(stats "${c[@]}")"
  read -r rm rl rh <<< "$(stats "${r[@]}")"
  read -r bm bl bh <<< "$(stats "${b[@]}")"
  echo "| $m | $cm ($cl-$ch) | $rm ($rl-$rh) | $bm ($bl-$bh) | $(ratio "$rm" "$cm") | $(ratio "$rm" "$bm") |"
}
HEAD="| mode | bonding pps (median, range) | rbond pps (median, range) | bare veth pps (median, range) | rbond/bonding | rbond/bare |
|---|---|---|---|---|---|"
TX=() RX=()
for m in $MODES; do
  opts "$m" > /dev/null
  setup bonding cbench "$m"
  setup rbond rbench "$m"
  sleep 1
  c=(); r=(); b=(); rc=(); rr=(); rb=()
  for _ in $(seq 1 "$ROUNDS"); do
    c+=("$(run cbench)"); r+=("$(run rbench)"); b+=("$(run bare)")
    rc+=("$(rx bench-cbench p1 cbench)"); rr+=("$(rx bench-rbench p1 rbench)"); rb+=("$(rx bench-bare p1 bare)")
  done
  TX+=("$(row "$m" "${c[@]}" -- "${r[@]}" -- "${b[@]}")")
  RX+=("$(row "$m" "${rc[@]}" -- "${rr[@]}" -- "${rb[@]}")")
  teardown rbench; teardown cbench
done
echo "Transmit:"
echo
echo "$HEAD"
printf '%s\n' "${TX[@]}"
echo
echo "(transmit through a bond of two veth slaves and straight on a veth, 64-byte UDP frames to one"
echo " address, random source ports, pktgen on one CPU, $ROUNDS rounds of $COUNT frames; ab: active-backup,"
echo " xor2/xor34: balance-xor with layer2/layer3+4, rr: balance-rr, bc: broadcast (two copies of each"
echo " frame), tlb/alb: balance-tlb/balance-alb with tlb_dynamic_lb 1. QEMU/TCG guest: absolute numbers"
echo " mean little, the ratios are the measurement)"
echo
echo "Receive:"
echo
echo "$HEAD"
printf '%s\n' "${RX[@]}"
echo
echo "(receive: pktgen in the peer's namespace sends the same frames into the bond's first slave (the"
echo " active one where there is one), to the bond's MAC, or into the bare veth; the receive path runs"
echo " on the sending CPU, so the rate is what sending and receiving a frame cost together)"

# ---- native XDP: frames a program on another veth redirects into the bond (ndo_xdp_xmit, the
# mode's slave), or straight into the bare veth; the slaves' peers drop them with a program of
# their own (a veth takes XDP frames only into a peer that runs XDP) ----
XDP="python3 /src/selftests/lib/xdp.py"
# xdp_in NAME: a veth NAME-in whose program redirects to NAME, fed by its peer inp in bench-NAME
xdp_in() {
  ip link add "$1-in" type veth peer name inp netns "bench-$1"
  ip link set "$1-in" up; ip -n "bench-$1" link set inp up
  $XDP attach "$1-in" "redirect:$1" > /dev/null
}
xdp_in bare
ip netns exec bench-bare $XDP attach p1 drop > /dev/null
XR=()
for m in $XDP_MODES; do
  setup bonding cbench "$m"; setup rbond rbench "$m"
  for b in cbench rbench; do
    ip netns exec "bench-$b" $XDP attach p1 drop \; attach p2 drop > /dev/null
    xdp_in "$b"
  done
  sleep 1
  c=(); r=(); b=()
  for _ in $(seq 1 "$ROUNDS"); do
    c+=("$(rx bench-cbench inp cbench-in)"); r+=("$(rx bench-rbench inp rbench-in)"); b+=("$(rx bench-bare inp bare-in)")
  done
  XR+=("$(row "$m" "${c[@]}" -- "${r[@]}" -- "${b[@]}")")
  ip link del rbench-in; ip link del cbench-in
  teardown rbench; teardown cbench
done
echo
echo "XDP redirect:"
echo
echo "$HEAD"
printf '%s\n' "${XR[@]}"
echo
echo "(XDP: pktgen sends the same frames into a veth whose native XDP program redirects them to the"
echo " bond, which sends them by its mode's slave to a peer that drops them in XDP; bare: redirected"
echo " straight to a veth. Modes with native XDP only)"
ip link del bare-in
ip link del bare; ip netns del bench-bare
rmmod rbond; rmmod bonding
