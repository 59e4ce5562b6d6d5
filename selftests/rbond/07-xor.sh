#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# balance-xor side by side with the C driver: for the same frames, every hash policy picks the
# same slave. Each bond lives in its own namespace with the same addresses (MACs, IPs, ports),
# so the hash inputs are identical.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0
modprobe bonding max_bonds=0
NSLAVES=3

setup() { # setup rbond|bonding NS POLICY
  local drv=$1 ns=$2 pol=$3
  ip netns add $ns; ip netns add $ns-peer
  # no IPv6 autoconfiguration traffic to blur which slave sent a test frame
  ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip netns exec $ns bash -c "$(declare -f rtnl mkbond); RTNL='$RTNL'; mkbond $drv bx mode balance-xor xmit_hash_policy $pol miimon 100"
  ip -n $ns link set bx address 02:00:00:00:00:01 || echo "not ok - $drv: cannot set the bond's MAC"
  # one ip for the commands of each namespace (an ip start costs ~0.15 s of the TCG guest's CPU)
  { for i in $(seq 1 $NSLAVES); do echo "link add s$i type veth peer name p$i netns $ns-peer"; echo "link set s$i master bx"; done
    echo "link set bx up"
    echo "addr add 10.9.0.1/24 dev bx"
    echo "link add link bx name bx.100 type vlan id 100"
    echo "link set bx.100 up"
    echo "addr add 10.9.1.1/24 dev bx.100"
    echo "neigh replace 10.9.0.2 lladdr 02:00:00:00:00:02 dev bx nud permanent"
    echo "neigh replace 10.9.1.2 lladdr 02:00:00:00:00:02 dev bx.100 nud permanent"
  } | ip -n $ns -force -batch -
  { echo "link add pbr type bridge"; echo "link set pbr up"
    for i in $(seq 1 $NSLAVES); do echo "link set p$i master pbr"; echo "link set p$i up"; done
  } | ip -n $ns-peer -force -batch -
  local f; f=$(procfile $drv bx)
  wait_for 5 ip netns exec $ns bash -c "[ \$(grep -c '^MII Status: up' $f) = $((NSLAVES + 1)) ]"
}

# flows NS DST: send one UDP datagram per source port and print the index of the slave that sent it
flows() {
  ip netns exec $1 python3 - "$2" $NSLAVES <<'PY'
import socket, sys, time
dst, n = sys.argv[1], int(sys.argv[2])
def tx():
    return [int(open(f"/sys/class/net/s{i}/statistics/tx_packets").read()) for i in range(1, n + 1)]
out = []
for sport in list(range(40000, 40024)) + [40001, 50002, 33333, 12345]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", sport))
    before = tx()
    s.sendto(b"x" * 32, (dst, 9))
    s.close()
    for _ in range(50):
        after = tx()
        d = [i for i in range(n) if after[i] != before[i]]
        if d:
            break
        time.sleep(0.01)
    out.append(",".join(str(i) for i in d) or "-")
print(" ".join(out))
PY
}

for pol in layer2 layer2+3 layer3+4 encap2+3 encap3+4 vlan+srcmac; do
  setup rbond rbx "$pol"; setup bonding cbx "$pol"
  sleep 1
  dst=10.9.0.2; [ "$pol" = vlan+srcmac ] && dst=10.9.1.2
  r=$(flows rbx $dst); c=$(flows cbx $dst)
  check "$pol: every one of 28 flows left by one slave under C" equals 28 "$(grep -Eo '(^| )[0-9]+' <<< "$c" | wc -l)"
  check "$pol: rbond picks the C driver's slave for each of 28 flows (C: $c)" equals "$c" "$r"
  used=$(tr ' ' '\n' <<< "$r" | sort -u | grep -vc -- -)
  if [ "$pol" = layer3+4 ] || [ "$pol" = encap3+4 ]; then
    check "$pol: the flows are spread over all $NSLAVES slaves (used: $used)" test "$used" -eq $NSLAVES
  fi
  check "$pol: /proc text is the C driver's" \
    diff -u <(ip netns exec cbx cat /proc/net/bonding/bx | sed -E 's/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g') \
            <(ip netns exec rbx cat /proc/net/rbond/bx | sed -E 's/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g')
  for ns in rbx cbx; do ip netns del $ns; ip netns del $ns-peer; done
  sleep 0.5
done

# a slave whose link fails leaves the xor array; its flows move, the others stay
setup rbond rbx layer3+4; setup bonding cbx layer3+4
sleep 1
ip -n rbx-peer link set p2 down; ip -n cbx-peer link set p2 down
sleep 1
r=$(flows rbx 10.9.0.2); c=$(flows cbx 10.9.0.2)
check "layer3+4 with slave 2 down: same choices as C ($c)" equals "$c" "$r"
check "no flow uses the failed slave" bash -c "! grep -qw 1 <<< '$r'"
for ns in rbx cbx; do ip netns del $ns; ip netns del $ns-peer; done
rmmod rbond; rmmod bonding
