#!/bin/bash
# `make bench`: runs in the guest. Transmit speed of rbond, of the C bonding driver and of a bare
# veth (the limit: a bond only adds cost on top of its slave), side by side in one guest: pktgen
# sends the same 64-byte UDP flows (random source ports) through a two-slave bond of each mode
# rbond has, and straight on a veth, ROUNDS times each, the three in turn in every round. Each
# figure is the median of the rounds, with their range; the results are the ratios rbond/bonding
# and rbond/bare (QEMU/TCG: absolute numbers mean little, ratios measured in one run hold).
# A measurement, not a test: nothing here passes or fails on a number.
# MODES="ab xor2 xor34 rr bc tlb alb" (default: all of them) selects the bonds.
set -e
. "$(dirname "$0")/errtrap.sh"   # a failed step says where
ROUNDS=${ROUNDS:-5}
COUNT=${COUNT:-200000}
MODES=${MODES:-ab xor2 xor34 rr bc tlb alb}
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

# stats N...: "median min max" of the numbers
stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2); print m, v[1], v[NR] }'; }
ratio() { echo "scale=3; $1 / $2" | bc; }

# the bare slave: a veth whose peer is up, in its own namespace
ip netns add bench-bare
ip link add bare type veth peer name p1 netns bench-bare
ip -n bench-bare link set p1 up
ip link set bare up

echo "| mode | bonding pps (median, range) | rbond pps (median, range) | bare veth pps (median, range) | rbond/bonding | rbond/bare |"
echo "|---|---|---|---|---|---|"
for m in $MODES; do
  opts "$m" > /dev/null
  setup bonding cbench "$m"
  setup rbond rbench "$m"
  sleep 1
  c=(); r=(); b=()
  for _ in $(seq 1 "$ROUNDS"); do
    c+=("$(run cbench)"); r+=("$(run rbench)"); b+=("$(run bare)")
  done
  read -r cm cl ch <<< "$(stats "${c[@]}")"
  read -r rm rl rh <<< "$(stats "${r[@]}")"
  read -r bm bl bh <<< "$(stats "${b[@]}")"
  echo "| $m | $cm ($cl-$ch) | $rm ($rl-$rh) | $bm ($bl-$bh) | $(ratio "$rm" "$cm") | $(ratio "$rm" "$bm") |"
  teardown rbench; teardown cbench
done
echo
echo "(transmit through a bond of two veth slaves and straight on a veth, 64-byte UDP frames to one"
echo " address, random source ports, pktgen on one CPU, $ROUNDS rounds of $COUNT frames; ab: active-backup,"
echo " xor2/xor34: balance-xor with layer2/layer3+4, rr: balance-rr, bc: broadcast (two copies of each"
echo " frame), tlb/alb: balance-tlb/balance-alb with tlb_dynamic_lb 1. QEMU/TCG guest: absolute numbers"
echo " mean little, the ratios are the measurement)"
ip link del bare; ip netns del bench-bare
rmmod rbond; rmmod bonding
