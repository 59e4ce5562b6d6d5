#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rbond's 802.3ad diagnostics: when a port cannot join the active aggregator, /proc says why on
# the slave's "Aggregation:" line (after the C lines) and the log says it once with the slave's
# name. Cases: a half-duplex port (seed 000: USB adapters on cdc_ncm report half duplex), a
# partner that stops sending LACPDUs, and a port whose speed differs from the aggregator's.
# The partner is bonding.ko in namespace "p"; tap links are wired by a small frame forwarder.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/lacp.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0 && modprobe bonding max_bonds=0 || { echo "not ok - cannot load the drivers"; exit 1; }
ip netns add p

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  ip link del rb0 2>/dev/null; ip -n p link del pb0 2>/dev/null
  ip netns del p 2>/dev/null
  for t in t0 t1 t2; do ip link del $t 2>/dev/null; done
}
trap cleanup EXIT

# the Aggregation line of SLAVE in rb0's /proc text
agg_of() { awk -v s="Slave Interface: $1" '$0 == s {f=1} f && /^Aggregation: / {print; exit}' /proc/net/rbond/rb0; }
# wait_agg SECONDS SLAVE PATTERN: the Aggregation line of SLAVE matches PATTERN (grep -E)
wait_agg() {
  wait_for "$1" bash -c "awk -v s='Slave Interface: $2' '\$0 == s {f=1} f && /^Aggregation: / {print; exit}' /proc/net/rbond/rb0 | grep -qE '$3'" ||
    { echo "$2: $(agg_of "$2")"; return 1; }
}
# hold TAP: attach a reader to a tap device so that it has carrier (the fd is kept open)
hold() {
  python3 -c 'import fcntl,struct,os,sys,time
fd=os.open("/dev/net/tun",os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", sys.argv[1].encode(), 0x0002|0x1000))
time.sleep(3600)' "$1" & PIDS+=($!)
}

# two veth links to a C partner at 10000 Mb/s, fast rate on both sides
for i in 1 2; do ip link add a$i type veth peer name b$i; ip link set b$i netns p; done
ip link add rb0 type rbond
for kv in "mode 802.3ad" "miimon 100" "lacp_rate fast"; do set -- $kv; echo "$2" > /sys/class/net/rb0/bonding/$1; done
ip -n p link add pb0 type bond mode 802.3ad miimon 100 lacp_rate fast
for i in 1 2; do ip link set a$i master rb0; ip -n p link set b$i master pb0; done
ip link set rb0 up; ip -n p link set pb0 up
check "the aggregate forms" wait_for 30 bash -c '[ "$(cat /sys/class/net/rb0/bonding/ad_num_ports)" = 2 ]'
check "a port of the aggregate says so" wait_agg 10 a1 '^Aggregation: yes: collecting and distributing in aggregator [0-9]+$'

# 1. a half-duplex port (seed 000): a tap with carrier, set to 100 Mb/s half duplex
ip tuntap add t0 mode tap
hold t0
ethtool -s t0 speed 100 duplex half autoneg off
check "the tap reports half duplex" bash -c 'ethtool t0 | grep -q "Duplex: Half"'
dmesg -C
ip link set t0 master rb0
check "half duplex: /proc says why the port does not aggregate" wait_agg 10 t0 '^Aggregation: no: half duplex \(LACP needs full duplex'
check "half duplex: the C lines of the slave come first (Aggregation is its last line)" bash -c \
  'awk "/^Slave Interface: t0/ {f=1} f && NF==0 {exit} f {l=\$0} END {print l}" /proc/net/rbond/rb0 | grep -q "^Aggregation: "'
check "half duplex: LACP is off on the port: defaulted, as C (port state 71: active, fast, aggregatable, defaulted)" \
  equals "71" "$(cat /sys/class/net/t0/bonding_slave/ad_actor_oper_port_state)"
check "half duplex: logged once with the slave's name" bash -c \
  '[ "$(dmesg | grep -c "rb0: (slave t0): 802.3ad aggregation: no: half duplex")" = 1 ]'
check "half duplex: the aggregate keeps its two ports" equals 2 "$(cat /sys/class/net/rb0/bonding/ad_num_ports)"
ip link set t0 nomaster

# 2. a port whose speed differs: a tap cable at 1000 Mb/s full duplex to the same partner
ip tuntap add t1 mode tap; ip tuntap add t2 mode tap
wire t1 t2
# the wire's python must have attached to both taps before t2 moves (else it would make a new t2
# here): under make check's load its start can take more than 5 s. Attached: its tun file
# descriptors name the taps (fdinfo "iff:"; the taps are down, their carrier file unreadable)
attached() { grep -qs "^iff:[[:space:]]*$2\$" /proc/$1/fdinfo/*; }
check "speed: the tap cable's two ends are attached" wait_for 60 bash -c \
  "$(declare -f attached); attached ${PIDS[-1]} t1 && attached ${PIDS[-1]} t2"
ip link set t2 netns p
ethtool -s t1 speed 1000 duplex full autoneg off
ip netns exec p ethtool -s t2 speed 1000 duplex full autoneg off
ip -n p link set t2 master pb0
dmesg -C
ip link set t1 master rb0
check "speed: /proc says the port's speed differs from the aggregator's" \
  wait_agg 20 t1 "^Aggregation: no: speed 1000 Mb/s differs from the active aggregator.s 10000 Mb/s$"
check "speed: the port is in an aggregator of its own" bash -c \
  '[ "$(cat /sys/class/net/t1/bonding_slave/ad_aggregator_id)" != "$(cat /sys/class/net/rb0/bonding/ad_aggregator)" ]'
check "speed: logged with the slave's name" bash -c 'dmesg | grep -q "rb0: (slave t1): 802.3ad aggregation: no: speed 1000 Mb/s differs"'
ip link set t1 nomaster

# 3. a partner that stops sending LACPDUs on one link
dmesg -C
ip netns exec p tc qdisc add dev b1 clsact
ip netns exec p tc filter add dev b1 egress protocol 0x8809 matchall action drop
check "silent partner: /proc says the partner sends no LACPDUs, with the seconds since the last" \
  wait_agg 20 a1 '^Aggregation: no: partner sends no LACPDUs \(last one [0-9]+ s ago\)$'
check "silent partner: logged with the slave's name" bash -c 'dmesg | grep -q "rb0: (slave a1): 802.3ad aggregation: no: partner sends no LACPDUs"'
check "silent partner: the other port still aggregates" wait_agg 5 a2 '^Aggregation: yes: '
check "silent partner: the bond stays up with one port" wait_for 10 bash -c \
  '[ "$(cat /sys/class/net/rb0/bonding/ad_num_ports)" = 1 ] && [ "$(cat /sys/class/net/rb0/carrier)" = 1 ]'
