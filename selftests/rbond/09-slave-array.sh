#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The field report in shared/seeds/002: after ethtool -G/-L/-A and link changes on the slaves of a
# hashing bond, the usable-slave array was left with count 1 and one NIC carried everything.
# Storm the slaves with channel, MTU and carrier changes while traffic flows; afterwards every up
# slave must carry traffic again.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload
modprobe rbond max_bonds=0
N=3
ip netns add rbpeer
ip -n rbpeer link add name pbr type bridge; ip -n rbpeer link set pbr up
mkbond rbond rb0 mode balance-xor xmit_hash_policy layer3+4 miimon 50
for i in $(seq 1 $N); do
  ip link add s$i numtxqueues 4 numrxqueues 4 type veth peer name p$i numtxqueues 4 numrxqueues 4 netns rbpeer
  ip link set s$i master rb0
  ip -n rbpeer link set p$i master pbr; ip -n rbpeer link set p$i up
done
ip link set rb0 up
ip addr add 10.9.0.1/24 dev rb0
ip neigh replace 10.9.0.2 lladdr 02:00:00:00:00:02 dev rb0 nud permanent
wait_for 5 bash -c "[ \$(grep -c '^MII Status: up' /proc/net/rbond/rb0) = $((N + 1)) ]"

spread() { # how many slaves 64 UDP flows use
  python3 - $N <<'PY'
import socket, sys, time
n = int(sys.argv[1])
tx = lambda: [int(open(f"/sys/class/net/s{i}/statistics/tx_packets").read()) for i in range(1, n + 1)]
before = tx()
for sport in range(41000, 41064):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("", sport)); s.sendto(b"x", ("10.9.0.2", 9)); s.close()
time.sleep(0.3)
after = tx()
print(sum(1 for i in range(n) if after[i] - before[i] >= 5))
PY
}
check "before the storm 64 flows use all $N slaves" equals $N "$(spread)"

# traffic during the storm: one sender, a datagram to a random port every 5 ms until the storm
# is over (400 python starts took most of an hour on the debug kernel)
rm -f /tmp/storm.done
python3 - <<'PY' &
import os, random, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 600
while not os.path.exists("/tmp/storm.done") and time.time() < end:
    try:
        s.sendto(b"x", ("10.9.0.2", random.randint(1, 60000)))
    except OSError:
        pass
    time.sleep(0.005)
PY
traffic=$!
ethtool_ok=0
for round in $(seq 1 40); do
  i=$(( round % N + 1 ))
  case $(( round % 5 )) in
    0) ethtool -L s$i rx $(( round % 4 + 1 )) tx $(( round % 4 + 1 )) && ethtool_ok=1 ;;
    1) ip -n rbpeer link set p$i down; ip -n rbpeer link set p$i up ;;
    2) ip link set s$i mtu $(( 1400 + round )); ip link set s$i mtu 1500 ;;
    3) ip -n rbpeer link set p$i down; sleep 0.06; ip -n rbpeer link set p$i up ;;
    4) ethtool -L s$i rx 1 tx 1; ip -n rbpeer link set p$i carrier off 2>/dev/null; ip -n rbpeer link set p$i carrier on 2>/dev/null ;;
  esac
done
touch /tmp/storm.done; wait $traffic
check "ethtool -L (channel changes) worked on the veth slaves during the storm" equals 1 "$ethtool_ok"
wait_for 5 bash -c "[ \$(grep -c '^MII Status: up' /proc/net/rbond/rb0) = $((N + 1)) ]"
sleep 0.3
check "after the storm every slave's link is up again" equals $((N + 1)) "$(grep -c '^MII Status: up' /proc/net/rbond/rb0)"
check "after the storm 64 flows use all $N slaves again (no stale array)" equals $N "$(spread)"
ip link del rb0
ip netns del rbpeer
rmmod rbond
