#!/bin/bash
# `make bench`: runs in the guest. Transmit speed of rbond and of the C bonding driver, side by
# side in one guest: pktgen sends the same UDP flows through a balance-xor bond (layer3+4) of two
# veth slaves, for each driver in turn, several rounds; the result is the ratio of packets per
# second. A measurement, not a test: nothing here passes or fails on a number.
set -e
. "$(dirname "$0")/errtrap.sh"   # a failed step says where
ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-200000}
modprobe pktgen
modprobe rbond max_bonds=0
modprobe bonding max_bonds=0
PG=/proc/net/pktgen
pgset() { echo "$2" > "$PG/$1"; }

setup() { # DRIVER NAME
  ip netns add bench-$2
  if [ "$1" = rbond ]; then
    python3 /src/selftests/lib/rtnl.py newlink $2 rbond mode balance-xor xmit_hash_policy layer3+4 miimon 100 >/dev/null
  else
    ip link add $2 type bond mode balance-xor xmit_hash_policy layer3+4 miimon 100
  fi
  for i in 1 2; do
    ip link add $2-s$i type veth peer name p$i netns bench-$2
    ip link set $2-s$i master $2
    ip -n bench-$2 link set p$i up
  done
  ip link set $2 up
  sleep 1
}

run() { # DEV -> pps
  pgset kpktgend_0 "rem_device_all"
  pgset kpktgend_0 "add_device $1"
  pgset $1 "count $COUNT"
  pgset $1 "pkt_size 64"
  pgset $1 "delay 0"
  pgset $1 "dst 10.99.0.2"
  pgset $1 "dst_mac 02:00:00:00:00:02"
  pgset $1 "udp_src_min 1024"
  pgset $1 "udp_src_max 9999"
  pgset $1 "flag UDPSRC_RND"
  pgset pgctrl start
  sed -n 's/.*[^0-9]\([0-9][0-9]*\)pps.*/\1/p' "$PG/$1" | head -n1
}

setup bonding cbench
setup rbond rbench
printf '%-8s %12s %12s %8s\n' round "bonding pps" "rbond pps" ratio
sum_c=0; sum_r=0
for r in $(seq 1 "$ROUNDS"); do
  c=$(run cbench); rb=$(run rbench)
  sum_c=$((sum_c + c)); sum_r=$((sum_r + rb))
  printf '%-8s %12s %12s %8s\n' "$r" "$c" "$rb" "$(echo "scale=3; $rb / $c" | bc)"
done
printf '%-8s %12s %12s %8s\n' mean $((sum_c / ROUNDS)) $((sum_r / ROUNDS)) "$(echo "scale=3; $sum_r / $sum_c" | bc)"
echo "(transmit through a 2-slave balance-xor bond, layer3+4, 64-byte UDP frames, random source ports;"
echo " QEMU/TCG guest: absolute numbers mean little, the ratio rbond/bonding is the measurement)"
ip link del rbench; ip link del cbench
ip netns del bench-rbench; ip netns del bench-cbench
rmmod rbond; rmmod bonding
