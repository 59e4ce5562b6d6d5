#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# broadcast mode, and balance-rr's packets_per_slave and IGMP rule, side by side with bonding.ko.
# Each driver has a bond of two veth slaves whose peers are in namespace rbpeer (not bridged, so
# that each peer counts what its slave sent).
# broadcast: every frame on every slave with an up link; a slave whose carrier is gone gets none;
# with none left the frame is dropped and counted. balance-rr: packets_per_slave N sends N frames
# on a slave before the next (a per-CPU counter: the sender is pinned to one CPU), 0 a random
# slave per frame; the option by netlink, sysfs and module parameter; IGMP reports leave through
# the bond's current slave only. lp_interval and tlb_dynamic_lb kept and refused as by bonding.ko.
# In active-backup, balance-xor, balance-rr and broadcast, a frame the slaves drop is told to the
# sender (NET_XMIT_DROP: ENOBUFS for a socket with IP_RECVERR), as bonding.ko tells it.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
ip netns add rbpeer
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec rbpeer sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
declare -A NET=([r]=51 [k]=52) DRV=([r]=rbond [k]=bonding)
T=$(mktemp -d)

tx() { cat /sys/class/net/$1/statistics/tx_packets; }
txd() { cat /sys/class/net/$1/statistics/tx_dropped; }
# mk D MODE [OPTIONS...]: the bond D-b of two veths D-s1 D-s2 (peers D-p1 D-p2 in rbpeer, up),
# the bond up with 10.NET.0.1/24 and a static neighbour 10.NET.0.2 (no ARP in the counts)
mk() {
  local d=$1 i; shift
  mkbond ${DRV[$d]} $d-b mode "$@"
  for i in 1 2; do
    ip link add $d-s$i type veth peer name $d-p$i netns rbpeer
    ip -n rbpeer link set $d-p$i up
    ip link set $d-s$i master $d-b
  done
  ip link set $d-b up
  ip addr add 10.${NET[$d]}.0.1/24 dev $d-b
  ip neigh replace 10.${NET[$d]}.0.2 lladdr 02:00:00:00:00:02 dev $d-b nud permanent
}
unmake() { local d=$1; ip link del $d-b; ip link del $d-s1; ip link del $d-s2; }
# send D N: N UDP datagrams "x00000", "x00001", ... from the bond to the static neighbour, from
# CPU 0 (bash's /dev/udp: a python start costs more of the TCG guest's CPU than the sending)
send() {
  taskset -c 0 bash -c 'for ((i = 0; i < $2; i++)); do printf "x%05d" $i > /dev/udp/$1/9; done' _ 10.${NET[$1]}.0.2 $2
}
# counts D N: "S1 S2 DROPPED": what each slave sent and the bond dropped while N datagrams left
counts() {
  local d=$1 a1 a2 dr
  a1=$(tx $d-s1) a2=$(tx $d-s2) dr=$(txd $d-b)
  send $d $2
  sleep 0.2
  echo "$(( $(tx $d-s1) - a1 )) $(( $(tx $d-s2) - a2 )) $(( $(txd $d-b) - dr ))"
}
# both N WANT WHAT: N datagrams through each driver's bond; bonding.ko's counts and rbond's are
# both WANT ("S1 S2 DROPPED")
both() {
  local k r
  k=$(counts k $1); r=$(counts r $1)
  check "$3: bonding.ko ($k)" equals "$2" "$k"
  check "$3: rbond, as bonding.ko ($r)" equals "$2" "$r"
}
# peer D N up|down: D-pN's link (the carrier of D-sN) for both drivers
peer() { local d; for d in r k; do ip -n rbpeer link set $d-p$1 $2; done; }
# mii_down N: N slaves of each bond are "MII Status: down" in /proc
mii_down() { wait_for 10 bash -c "grep -c 'MII Status: down' /proc/net/rbond/r-b | grep -qx $1 && grep -c 'MII Status: down' /proc/net/bonding/k-b | grep -qx $1"; }

# --- broadcast
for d in r k; do mk $d broadcast miimon 100; done
wait_for 10 bash -c 'grep -c "MII Status: up" /proc/net/rbond/r-b | grep -qx 3 && grep -c "MII Status: up" /proc/net/bonding/k-b | grep -qx 3'
check "broadcast: /proc is bonding.ko's" same_proc r-b k-b
check "broadcast: the mode reads 'broadcast 3' in sysfs" equals "broadcast 3|broadcast 3" \
  "$(cat /sys/class/net/k-b/bonding/mode)|$(cat /sys/class/net/r-b/bonding/mode)"
both 40 "40 40 0" "broadcast: 40 frames go out on both slaves, none dropped"
# s2's carrier goes (its peer down): every frame on s1 only
peer 2 down
mii_down 1
both 30 "30 0 0" "broadcast: a slave without carrier gets nothing"
peer 2 up
for d in r k; do unmake $d; done
# no slave that can send: without a link monitor the slaves' links stay up for the bond (and so
# its carrier), but a slave without carrier is skipped: the frame is dropped and counted
for d in r k; do mk $d broadcast; ip -n rbpeer link set $d-p1 down; ip -n rbpeer link set $d-p2 down; done
wait_for 10 bash -c 'for s in r-s1 r-s2 k-s1 k-s2; do [ "$(cat /sys/class/net/$s/carrier)" = 0 ] || exit 1; done'
both 10 "0 0 10" "broadcast: with no slave that has a carrier, the frames are dropped and counted in tx_dropped"
for d in r k; do unmake $d; done

# --- a frame a slave drops: the bond returns the slave's NET_XMIT_DROP to the sender
# (bond_dev_queue_xmit() passes dev_queue_xmit()'s code on, bond_xmit_broadcast() returns
# NET_XMIT_DROP when no slave took the frame), which a UDP socket with IP_RECVERR sees as ENOBUFS.
# The slaves drop by a full queue (pfifo of limit 0); the carrier stays on, so the bond uses them.
# sendres D: what one datagram sent from the bond's address to the static neighbour gave
sendres() {
  python3 -c 'import errno, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVERR", 11), 1)
try:
    s.sendto(b"x", (sys.argv[1], 9)); print("sent")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))' 10.${NET[$1]}.0.2
}
# dropq D N on|off: D-sN drops every frame (pfifo limit 0) or sends again (noqueue)
dropq() { if [ "$3" = on ]; then tc qdisc replace dev $1-s$2 root pfifo limit 0; else tc qdisc del dev $1-s$2 root; fi; }
for m in active-backup balance-xor balance-rr broadcast; do
  for d in r k; do mk $d $m miimon 100; done
  wait_for 10 bash -c 'grep -c "MII Status: up" /proc/net/rbond/r-b | grep -qx 3 && grep -c "MII Status: up" /proc/net/bonding/k-b | grep -qx 3'
  k=$(sendres k) r=$(sendres r)
  check "$m: a datagram through the bond is sent (bonding.ko: $k)" equals "sent|sent" "$r|$k"
  for d in r k; do dropq $d 1 on; dropq $d 2 on; done
  k=$(sendres k) r=$(sendres r)
  check "$m: both slaves drop: the sender gets ENOBUFS (NET_XMIT_DROP), as from bonding.ko ($k)" equals "ENOBUFS|ENOBUFS" "$r|$k"
  if [ $m = broadcast ]; then
    for d in r k; do dropq $d 1 off; done
    k=$(sendres k) r=$(sendres r)
    check "$m: one slave of two drops: the frame counts as sent, as by bonding.ko ($k)" equals "sent|sent" "$r|$k"
  fi
  for d in r k; do unmake $d; done
done

# --- balance-rr packets_per_slave
for d in r k; do mk $d balance-rr miimon 100 packets_per_slave 3; done
wait_for 10 bash -c 'grep -c "MII Status: up" /proc/net/rbond/r-b | grep -qx 3 && grep -c "MII Status: up" /proc/net/bonding/k-b | grep -qx 3'
nl_pps() { python3 "$LIB/rtnl.py" getlink $1 | sed -n 's/^data PACKETS_PER_SLAVE=//p'; }   # hex bytes, u32 host order
k="$(cat /sys/class/net/k-b/bonding/packets_per_slave) $(nl_pps k-b)"
check "packets_per_slave 3 from netlink reads back in sysfs and the netlink dump as on bonding.ko ($k)" \
  equals "3 03000000" "$(cat /sys/class/net/r-b/bonding/packets_per_slave) $(nl_pps r-b)"
check "... (bonding.ko the same)" equals "3 03000000" "$k"
# the order frames leave in: the peers capture, the datagrams carry their number
# cap_start IFACE NAME FILTER...: tcpdump on a peer into $T/NAME.pcap, returning once it listens
# (a loaded guest takes seconds to start it); cap_stop NAME. --immediate-mode and -U: each frame
# is in the file as it comes (libpcap's TPACKET_V3 ring otherwise holds frames in a block until
# the block's 1 s timeout, and a capture stopped before that loses them: the gratuitous ARPs
# below were lost so on a fresh machine)
cap_start() {
  local i=$1 f=$T/$2; shift 2
  # (a name used before: its old "listening on" must not answer for the new capture)
  rm -f "$f.err" "$f.pcap"
  ip netns exec rbpeer tcpdump -nli "$i" --immediate-mode -U -w "$f.pcap" "$@" 2> "$f.err" & echo $! > "$f.pid"
  wait_for 30 grep -q "listening on" "$f.err"
}
cap_stop() { kill "$(cat "$T/$1.pid")"; wait "$(cat "$T/$1.pid")" 2>/dev/null; }
# runs D N: the lengths of the runs of consecutive datagrams that went to the same slave, in order
# (one capture on both peers: -i any records which interface each frame came in on)
runs() {
  local d=$1 n=$2 pid
  # tcpdump ends by itself once it has the N datagrams (-c): stopping it by time loses the frames
  # still in its capture ring's unfinished block
  rm -f $T/cap.$d.err $T/cap.$d.pcap
  ip netns exec rbpeer timeout 60 tcpdump -nli any -c $n -w $T/cap.$d.pcap udp port 9 2> $T/cap.$d.err & pid=$!
  wait_for 30 grep -q "listening on" $T/cap.$d.err
  send $d $n
  wait $pid
  ip netns exec rbpeer tcpdump -nr $T/cap.$d.pcap -A 2>/dev/null | awk -v d=$d '
      match($0, " " d "-p[12] ") { ifc = substr($0, RSTART + length(d) + 3, 1) }
      match($0, /x[0-9][0-9][0-9][0-9][0-9]/) { print substr($0, RSTART + 1, 5) + 0, ifc }' |
    sort -n | awk '{ if ($2 != last) { if (n) printf "%d ", n; n = 0; last = $2 } n++ } END { if (n) printf "%d", n }'
}
# turns N RUNS...: every run but the first and the last (which the counter's start cuts) is N long,
# and the runs hold all the frames
turns() {
  local n=$1 total=$2; shift 2
  local sum=0 i=0 r
  for r; do sum=$((sum + r)); i=$((i + 1)); [ $i = 1 ] || [ $i = $# ] || [ "$r" = "$n" ] || return 1; done
  [ "$sum" = "$total" ] && [ $# -ge 3 ]
}
k=$(runs k 31); r=$(runs r 31)
echo "# runs of frames per slave: bonding.ko: $k; rbond: $r"
check "packets_per_slave 3: the slaves take turns every 3 frames (runs: $r; bonding.ko: $k)" turns 3 31 $r
check "... as with bonding.ko" turns 3 31 $k
setbond bonding k-b packets_per_slave 1; echo 1 > /sys/class/net/r-b/bonding/packets_per_slave
k=$(runs k 20); r=$(runs r 20)
check "packets_per_slave 1 (sysfs): one frame per slave in turn (runs: $r; bonding.ko: $k)" turns 1 20 $r
check "... as with bonding.ko" turns 1 20 $k
setbond bonding k-b packets_per_slave 0; setbond rbond r-b packets_per_slave 0
k=$(counts k 100); r=$(counts r 100)
check "packets_per_slave 0: a random slave per frame: both slaves sent some of 100 (bonding.ko: $k)" \
  bash -c "set -- $r; [ \$1 -gt 0 ] && [ \$2 -gt 0 ] && [ \$((\$1 + \$2)) = 100 ]"
check_fails "packets_per_slave 65536 is refused by rbond" setbond rbond r-b packets_per_slave 65536
check_fails "... and by bonding.ko" setbond bonding k-b packets_per_slave 65536
check "... and 0 is kept" equals "0 0" "$(cat /sys/class/net/r-b/bonding/packets_per_slave) $(cat /sys/class/net/k-b/bonding/packets_per_slave)"
mkbond rbond r-ab mode active-backup; mkbond bonding k-ab mode active-backup
check_fails "packets_per_slave in active-backup is refused by rbond" setbond rbond r-ab packets_per_slave 2
check_fails "... and by bonding.ko" setbond bonding k-ab packets_per_slave 2
ip link del r-ab; ip link del k-ab
for d in r k; do unmake $d; done

# --- balance-rr: IGMP through the bond's current slave only
for d in r k; do mk $d balance-rr miimon 100; done
wait_for 10 bash -c 'grep -c "MII Status: up" /proc/net/rbond/r-b | grep -qx 3 && grep -c "MII Status: up" /proc/net/bonding/k-b | grep -qx 3'
igmp_on() { # D: IGMP frames each slave sent while the bond joined 6 groups
  local d=$1
  cap_start any igmp.$d igmp
  python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(1, 7):
    g = "239.7.%s.%d" % (sys.argv[1], i)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack("4s4s", socket.inet_aton(g), socket.inet_aton(sys.argv[2])))
time.sleep(2)' ${NET[$d]} 10.${NET[$d]}.0.1
  cap_stop igmp.$d
  ip netns exec rbpeer tcpdump -nr $T/igmp.$d.pcap 2>/dev/null > $T/igmp.$d.txt
  echo "$(grep -c " $d-p1 " $T/igmp.$d.txt) $(grep -c " $d-p2 " $T/igmp.$d.txt)"
}
k=$(igmp_on k); r=$(igmp_on r)
check "balance-rr: IGMP reports leave through one slave only (bonding.ko: $k; rbond: $r)" \
  bash -c "set -- $r; [ \$((\$1 + \$2)) -gt 0 ] && { [ \$1 = 0 ] || [ \$2 = 0 ]; }"
check "... as with bonding.ko (IGMP was sent there too, on one slave)" \
  bash -c "set -- $k; [ \$((\$1 + \$2)) -gt 0 ] && { [ \$1 = 0 ] || [ \$2 = 0 ]; }"
for d in r k; do unmake $d; done

# --- options of the modes rbond does not run yet: lp_interval is kept in any mode (as bonding
# does), tlb_dynamic_lb belongs to balance-tlb/alb and is refused elsewhere (EACCES)
mkbond rbond r-o mode active-backup; mkbond bonding k-o mode active-backup
setbond rbond r-o lp_interval 9; setbond bonding k-o lp_interval 9
nl_attr() { python3 "$LIB/rtnl.py" getlink $1 | sed -n "s/^data $2=//p"; }
check "lp_interval 9 by netlink reads back in sysfs and netlink (bonding.ko: $(cat /sys/class/net/k-o/bonding/lp_interval) $(nl_attr k-o LP_INTERVAL))" \
  equals "$(cat /sys/class/net/k-o/bonding/lp_interval) $(nl_attr k-o LP_INTERVAL)" "$(cat /sys/class/net/r-o/bonding/lp_interval) $(nl_attr r-o LP_INTERVAL)"
echo 4 > /sys/class/net/r-o/bonding/lp_interval; echo 4 > /sys/class/net/k-o/bonding/lp_interval
check "lp_interval 4 by sysfs (bonding.ko: $(cat /sys/class/net/k-o/bonding/lp_interval))" equals "4" "$(cat /sys/class/net/r-o/bonding/lp_interval)"
check_fails "lp_interval 0 is refused by rbond (bonding.ko: $(echo 0 > /sys/class/net/k-o/bonding/lp_interval 2>&1 && echo accepted || echo refused))" \
  bash -c 'echo 0 > /sys/class/net/r-o/bonding/lp_interval'
r=$($RTNL changelink r-o rbond tlb_dynamic_lb 0 2>&1); k=$($RTNL changelink k-o bond tlb_dynamic_lb 0 2>&1)
eacces() { [[ "$1" == *errno=13* ]] && [[ "$2" == *errno=13* ]]; }
check "tlb_dynamic_lb in active-backup is refused with EACCES, as by bonding.ko (rbond: $r; bonding.ko: $k)" eacces "$r" "$k"
check "... and reads 1 (the default) in sysfs and netlink, as on bonding.ko" equals \
  "$(cat /sys/class/net/k-o/bonding/tlb_dynamic_lb) $(nl_attr k-o TLB_DYNAMIC_LB)" "$(cat /sys/class/net/r-o/bonding/tlb_dynamic_lb) $(nl_attr r-o TLB_DYNAMIC_LB)"
ip link del r-o; ip link del k-o

# --- queue_id: frames a tc filter gives transmit queue N of the bond leave by the slave whose
# queue_id is N (bond_slave_override(), balance-rr and active-backup), unless its link is down
# steer D: s2 takes queue_id 2 (sysfs), a prio qdisc on the bond whose filter puts the datagrams
# to the static neighbour in queue 2
steer() {
  local d=$1
  echo "$d-s2:2" > /sys/class/net/$d-b/bonding/queue_id
  tc qdisc add dev $d-b handle 1: root prio
  tc filter add dev $d-b parent 1: protocol ip prio 1 u32 match ip dst 10.${NET[$d]}.0.2/32 action skbedit queue_mapping 2
}
wait_up() { wait_for 10 bash -c "grep -c 'MII Status: up' /proc/net/rbond/r-b | grep -qx $1 && grep -c 'MII Status: up' /proc/net/bonding/k-b | grep -qx $1"; }
for d in r k; do mk $d balance-rr miimon 100; steer $d; done
wait_up 3
check "queue_id r-s2:2 reads back in sysfs and /proc as on bonding.ko" equals \
  "$(cat /sys/class/net/k-s2/bonding_slave/queue_id) $(grep 'Slave queue ID' /proc/net/bonding/k-b | xargs)" \
  "$(cat /sys/class/net/r-s2/bonding_slave/queue_id) $(grep 'Slave queue ID' /proc/net/rbond/r-b | xargs)"
both 20 "0 20 0" "balance-rr: the 20 datagrams steered to queue 2 leave by s2"
peer 2 down
mii_down 1
both 20 "20 0 0" "s2's link down: round robin on what is left, s1"
peer 2 up
for d in r k; do tc filter del dev $d-b parent 1:; done
wait_up 3
both 20 "10 10 0" "without the filter (queue 0): round robin again"
for d in r k; do unmake $d; done
for d in r k; do mk $d active-backup miimon 100; steer $d; done
wait_up 3
both 20 "0 20 0" "active-backup: the steered datagrams leave by the backup slave s2"
for d in r k; do echo "$d-s2:0" > /sys/class/net/$d-b/bonding/queue_id; done
both 20 "20 0 0" "queue_id 0 again: they leave by the active slave s1"
for d in r k; do unmake $d; done

# --- 802.3ad with broadcast_neighbor: ARP and neighbour solicitations/advertisements on every port
# of the aggregator, other frames by the hash; a port that starts distributing makes the bond
# announce itself (num_peer_notif gratuitous ARPs, sent on every port). The partner is a bonding.ko
# 802.3ad bond in rbpeer. (the module's selftests have none of this: bonding.ko is the reference)
# mkad D: the bond D-a over D-a1 D-a2 (peers D-q1 D-q2 in rbpeer, enslaved to the partner D-P)
mkad() {
  local d=$1 i
  ip -n rbpeer link add $d-P type bond mode 802.3ad miimon 100 lacp_rate fast
  mkbond ${DRV[$d]} $d-a mode 802.3ad miimon 100 lacp_rate fast xmit_hash_policy layer3+4 broadcast_neighbor on
  ip addr add 10.${NET[$d]}.1.1/24 dev $d-a
  for i in 1 2; do
    ip link add $d-a$i type veth peer name $d-q$i netns rbpeer
    ip -n rbpeer link set $d-q$i master $d-P
    ip link set $d-a$i master $d-a
  done
  ip -n rbpeer link set $d-P up
  # the captures of the announcements start before the links come up
  for i in 1 2; do cap_start $d-q$i garp-$d$i arp; done
  ip link set $d-a up
}
ad_both() { [ "$(cat /sys/class/net/$1-a/bonding/ad_num_ports)" = 2 ] && [ "$(cat /sys/class/net/$1-a1/bonding_slave/ad_aggregator_id)" = "$(cat /sys/class/net/$1-a2/bonding_slave/ad_aggregator_id)" ]; }
# bursts D: 16 ARP requests, 16 neighbour solicitations and 16 UDP datagrams sent through the
# bond (from a packet socket, each to another address: the hash spreads them); prints what each
# slave sent of each: "ARP1 ARP2 NS1 NS2 UDP1 UDP2"
bursts() {
  python3 - $1-a $1-a1 $1-a2 <<'P'
import socket, struct, sys, time
bond, s1, s2 = sys.argv[1:]
mac = bytes.fromhex(open(f"/sys/class/net/{bond}/address").read().strip().replace(":", ""))
sniff = []
for s in (s1, s2):
    k = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    k.bind((s, 0)); k.settimeout(0.05); sniff.append(k)
def send(proto, frame):
    o = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    o.bind((bond, proto)); o.send(frame); o.close()
for i in range(16):
    ip = bytes([10, 99, 0, i + 1])
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, bytes([10, 99, 1, 1]), bytes(6), ip)
    send(0x0806, b"\xff" * 6 + mac + b"\x08\x06" + arp)
    tgt = bytes.fromhex("fd00000000000000000000000000") + bytes([0, i + 1])
    ns = bytes([135, 0, 0, 0]) + bytes(4) + tgt
    ip6 = struct.pack("!IHBB", 0x60000000, len(ns), 58, 255) + bytes.fromhex("fe80000000000000") + mac[:3] + b"\xff\xfe" + mac[3:] + bytes.fromhex("ff0200000000000000000001ff000000")[:13] + tgt[13:]
    send(0x86dd, bytes.fromhex("3333ff") + tgt[13:] + mac + b"\x86\xdd" + ip6 + ns)
    udp = struct.pack("!HHHH", 40000 + i, 9, 8 + 4, 0) + b"rbnd"
    ip4 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([10, 99, 1, 1]), bytes([10, 99, 2, i + 1]))
    send(0x0800, bytes.fromhex("020000000002") + mac + b"\x08\x00" + ip4 + udp)
counts = {}
end = time.time() + 1
while time.time() < end:
    for n, k in enumerate(sniff):
        try:
            f, a = k.recvfrom(2048)
        except socket.timeout:
            continue
        if a[2] != socket.PACKET_OUTGOING:
            continue
        t = f[12:14]
        kind = "arp" if t == b"\x08\x06" and f[28:32] == bytes([10, 99, 1, 1]) else \
               "ns" if t == b"\x86\xdd" and f[20] == 58 and f[54] == 135 and f[62:76] == bytes.fromhex("fd00000000000000000000000000") else \
               "udp" if t == b"\x08\x00" and f.endswith(b"rbnd") else None
        if kind:
            counts[(kind, n)] = counts.get((kind, n), 0) + 1
print(" ".join(str(counts.get((k, n), 0)) for k in ("arp", "ns", "udp") for n in (0, 1)))
P
}
for d in r k; do mkad $d; done
both_ad() { ad_both r && ad_both k; }
check "802.3ad: both drivers aggregate both ports with a bonding.ko partner" wait_for 30 both_ad
garps_on() { # D: the gratuitous ARPs (of 10.NET.1.1) each port sent while the aggregate formed
  local d=$1 i
  for i in 1 2; do ip netns exec rbpeer tcpdump -nr $T/garp-$d$i.pcap 2>/dev/null | grep -c "who-has 10.${NET[$d]}.1.1 tell 10.${NET[$d]}.1.1"; done | xargs
}
atleast1() { for n in $1; do [ "$n" -ge 1 ] || return 1; done; }
# the ports distribute some time after they are in one aggregator (a second or more in a loaded
# guest: a fixed wait missed rbond's announcements on a fresh machine), and each driver announces
# at its MII tick after that: wait for both of rbond's ports to have one (the captures write each
# frame as it comes), and as long for bonding.ko's, whose count is only shown
distributing() { # D: both ports of D-a collecting and distributing (actor state bits 0x30)
  local i s
  for i in 1 2; do s=$(cat /sys/class/net/$1-a$i/bonding_slave/ad_actor_oper_port_state); [ $((s & 0x30)) = 48 ] || return 1; done
}
check "802.3ad: both drivers' ports collect and distribute" wait_for 30 bash -c "$(declare -f distributing); distributing r && distributing k"
r_announced() { atleast1 "$(garps_on r)"; }
wait_for 10 r_announced
sleep 0.5
for d in r k; do for i in 1 2; do cap_stop garp-$d$i; done; done
gk=$(garps_on k); gr=$(garps_on r)
# (bonding.ko's announcement is a race: the MII tick that sends it drops it, and counts it as sent,
# when the usable-slaves array, rebuilt by another work that needs RTNL, is still empty; rbond
# rebuilds it in the 802.3ad tick that asks for the announcement. bonding.ko's counts are shown.)
echo "# gratuitous ARPs on the two ports while the aggregate formed: bonding.ko $gk, rbond $gr"
check "broadcast_neighbor: rbond announced the bond on both ports as they started distributing ($gr)" atleast1 "$gr"
bk=$(bursts k); br=$(bursts r)
sum_pairs() { set -- $1; echo "$1+$2 $3+$4 $5+$6"; }
check "broadcast_neighbor on: bonding.ko sent each ARP and NS on both ports, the UDP datagrams once ($bk)" \
  bash -c "set -- $bk; [ \$1 = 16 ] && [ \$2 = 16 ] && [ \$3 = 16 ] && [ \$4 = 16 ] && [ \$((\$5 + \$6)) = 16 ]"
check "broadcast_neighbor on: rbond sent the same ($br)" \
  bash -c "set -- $br; [ \$1 = 16 ] && [ \$2 = 16 ] && [ \$3 = 16 ] && [ \$4 = 16 ] && [ \$((\$5 + \$6)) = 16 ]"
setbond rbond r-a broadcast_neighbor off; setbond bonding k-a broadcast_neighbor off
nl_bn() { python3 "$LIB/rtnl.py" getlink $1 | sed -n 's/^data BROADCAST_NEIGH=//p'; }
check "broadcast_neighbor off reads back in netlink, as on bonding.ko ($(nl_bn k-a))" equals "$(nl_bn k-a)" "$(nl_bn r-a)"
bk=$(bursts k); br=$(bursts r)
once() { set -- $1; [ $(($1 + $2)) = 16 ] && [ $(($3 + $4)) = 16 ] && [ $(($5 + $6)) = 16 ]; }
check "broadcast_neighbor off: bonding.ko sent every frame once ($bk)" once "$bk"
check "broadcast_neighbor off: so did rbond ($br)" once "$br"
for d in r k; do mkbond ${DRV[$d]} $d-x mode active-backup; done
r=$($RTNL changelink r-x rbond broadcast_neighbor on 2>&1); k=$($RTNL changelink k-x bond broadcast_neighbor on 2>&1)
check "broadcast_neighbor outside 802.3ad is refused with EACCES, as by bonding.ko (rbond: $r; bonding.ko: $k)" eacces "$r" "$k"
ip link del r-x; ip link del k-x
for d in r k; do ip link del $d-a; ip -n rbpeer link del $d-P; ip link del $d-a1; ip link del $d-a2; done

# --- the module parameter
rmmod rbond; rmmod bonding
modprobe rbond max_bonds=1 mode=balance-rr packets_per_slave=5; modprobe bonding max_bonds=1 mode=balance-rr packets_per_slave=5
check "module parameter packets_per_slave=5: the bond made at load has it (bonding.ko: $(cat /sys/class/net/bond0/bonding/packets_per_slave))" \
  equals "5" "$(cat /sys/class/net/rbond0/bonding/packets_per_slave)"
# (the type in parentheses is the language's: "int" from C, "i32" from Rust's module! macro)
parm() { modinfo -F parm $1 | grep -E '^(packets_per_slave|lp_interval):' | sed -E 's/ \([a-z0-9]+\)$//' | sort; }
check "modinfo describes packets_per_slave and lp_interval as bonding.ko does" equals "$(parm bonding)" "$(parm rbond)"
rmmod rbond; rmmod bonding
dmesg -C
check_fails "packets_per_slave=65536 fails rbond's load" modprobe rbond packets_per_slave=65536
check "... with a message naming it and what is accepted" bash -c "dmesg | grep -q 'packets_per_slave=65536 is invalid; accepted values are 0 to 65535'"

ip netns del rbpeer
sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
rbond_unload; modprobe -r bonding 2>/dev/null
rm -rf $T
