#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Non-Ethernet slaves, side by side with bonding.ko: a bond without slaves takes the type of its
# first slave (bond_setup_by_slave(): type, address length, broadcast, flags, and header_ops that
# hand the header to the current slave's own), a slave of another type is refused, and the bond is
# Ethernet again when an Ethernet device joins it (bonding keeps the type when the last slave
# leaves); a bond whose GRE slave is deleted goes with it. GRE (ARPHRD_IPGRE, 4-byte addresses,
# header_ops) and nlmon (ARPHRD_NETLINK, no address) slaves; traffic through a GRE bond to a peer
# in a namespace, and a cooked capture on the bond (header_ops->parse). bonding.ko's devices
# start with k-, rbond's with r-.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve   # one python for the rtnl.py requests (lib/bond.sh)
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
T=$(mktemp -d)
IFENSLAVE="python3 $(dirname "$0")/../lib/ifenslave.py"
declare -A DRV=([r]=rbond [k]=bonding) NET=([r]=0 [k]=1) INNER=([r]=77 [k]=78)

# cooked DEV SRC: the first IPv4 packet from SRC that an AF_PACKET SOCK_DGRAM socket on DEV
# receives (a cooked capture: the kernel fills its link-layer source address with
# dev_parse_header(), the device's header_ops->parse), as "hatype H halen N addr HEX"
cat > $T/cooked.py <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.bind((sys.argv[1], 0))
s.settimeout(10)
open(sys.argv[3], "w").close()   # ready
while True:
    data, addr = s.recvfrom(2048)
    if socket.inet_ntoa(data[12:16]) == sys.argv[2]:
        print("hatype %d halen %d addr %s" % (addr[3], len(addr[4]), addr[4].hex()))
        break
PY
cooked_bg() { # DEV SRC OUT: cooked in the background (its pid in CK), returning once it listens
  rm -f $T/ck-ready
  python3 $T/cooked.py "$1" "$2" $T/ck-ready > "$3" 2>&1 & CK=$!
  wait_for 30 test -e $T/ck-ready
}

# sysattrs DEV: what sysfs says of the device's type, as one line ("type 778 addr_len 4 ...";
# the address apart: each driver's GRE devices have their own)
sysattrs() {
  local a out=""
  for a in type addr_len flags broadcast mtu tx_queue_len; do
    out+="$a $(cat /sys/class/net/$1/$a) "
  done
  echo "$out"
}
# iplink DEV: `ip -d link show` of the device with names, indexes and the kind-specific lines
# made neutral (the bond's own options are rbond's or bonding's: compared elsewhere)
iplink() {
  ip -d link show dev "$1" | sed -E 's/^[0-9]+: //; s/\b[rk]-/X-/g; s/\b10\.9\.[01]\./10.9.N./g' | head -2
}
# klog DRIVER-PREFIX: the kernel log's lines about the prefix's bond b (rbond's "rbond: " and
# bonding's "bonding " driver prefixes out, names neutral)
klog() {
  dmesg | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //; s/^(rbond: |bonding )//' | grep -E "^$1-b[a-z0-9]*: " |
    sed -E "s/\b$1-/X-/g; s/Error -?[0-9]+/Error N/"
}

# ---- the peer: a namespace behind a veth, a GRE tunnel back for each driver's bond ----
ip netns add peer
ip link add v-host type veth peer name v-peer
ip link set v-peer netns peer
ip addr add 10.9.0.1/24 dev v-host; ip addr add 10.9.1.1/24 dev v-host; ip link set v-host up
ip -n peer addr add 10.9.0.2/24 dev v-peer; ip -n peer addr add 10.9.1.2/24 dev v-peer
ip -n peer link set v-peer up; ip -n peer link set lo up
for d in r k; do
  n=${NET[$d]} i=${INNER[$d]}
  ip -n peer link add g$d type gre local 10.9.$n.2 remote 10.9.$n.1
  ip -n peer addr add 192.168.$i.2/24 dev g$d; ip -n peer link set g$d up
done

# ---- a GRE slave (local address only: it has header_ops) in active-backup ----
dmesg -C
for d in r k; do
  mkbond ${DRV[$d]} $d-b mode active-backup miimon 100
  ip link add $d-g1 type gre local 10.9.${NET[$d]}.1
done
for d in r k; do
  check "$d: a GRE device joins a ${DRV[$d]} active-backup bond" ip link set $d-g1 master $d-b
done
check "the bond takes the GRE device's type, address length, flags and broadcast as bonding.ko's ($(sysattrs k-b | cut -d' ' -f1-4))" \
  diff -u <(sysattrs k-b) <(sysattrs r-b)
check "... which are GRE's: type 778 (ARPHRD_IPGRE), addr_len 4, the slave's address (both drivers)" \
  equals "778 4 10.9.0.1|778 4 10.9.1.1" \
  "$(cat /sys/class/net/r-b/type) $(cat /sys/class/net/r-b/addr_len) $(ip -j link show r-b | jq -r '.[0].address')|$(cat /sys/class/net/k-b/type) $(cat /sys/class/net/k-b/addr_len) $(ip -j link show k-b | jq -r '.[0].address')"
check "ip -d link: the bond's link line and flags as bonding.ko's ($(iplink k-b | tail -1 | awk '{print $1, $2}'))" \
  diff -u <(iplink k-b) <(iplink r-b)
check "the slave's flags and type as under bonding.ko" diff -u <(sysattrs k-g1) <(sysattrs r-g1)
check "fail_over_mac became active (the slave cannot change its address), as with bonding.ko" \
  equals "active 1|active 1" "$(cat /sys/class/net/r-b/bonding/fail_over_mac)|$(cat /sys/class/net/k-b/bonding/fail_over_mac)"
check "the slave's perm_hwaddr is its 4-byte address, as bonding.ko shows it" \
  equals "0a:09:00:01|0a:09:01:01" "$(cat /sys/class/net/r-g1/bonding_slave/perm_hwaddr)|$(cat /sys/class/net/k-g1/bonding_slave/perm_hwaddr)"
check "/proc: the bond's text as bonding.ko's (Permanent HW addr of 4 bytes)" \
  bash -c "diff -u <(sed 's/k-/X-/g; s/0a:09:01:01/ADDR/' /proc/net/bonding/k-b) <(sed 's/r-/X-/g; s/0a:09:00:01/ADDR/' /proc/net/rbond/r-b)"
check "the kernel log tells what bonding.ko's does (the slave cannot set its address, fail_over_mac set to active)" \
  diff -u <(klog k | grep -v Enslaving) <(klog r | grep -v Enslaving)
check "... which is those two lines" equals 2 "$(klog r | grep -cE 'does not support setting the MAC address|Setting fail_over_mac to active for active-backup mode')"

# ---- traffic through the bond: the header is the GRE slave's (header_ops->create), a
# permanent neighbour gives the peer's outer address ----
for d in r k; do
  i=${INNER[$d]}
  ip link set $d-g1 up; ip link set $d-b up
  ip addr add 192.168.$i.1/24 dev $d-b
  ip neigh replace 192.168.$i.2 lladdr 10.9.${NET[$d]}.2 dev $d-b nud permanent
done
for d in r k; do wait_for 10 bash -c "grep -q '^Currently Active Slave: $d-g1' $(procfile ${DRV[$d]} $d-b)"; done
for d in r k; do
  tx0=$(txcount $d-g1) btx0=$(txcount $d-b)
  check "$d: ping through the GRE bond to the peer's tunnel answers (${DRV[$d]})" ping -c 3 -i 0.3 -W 2 192.168.${INNER[$d]}.2
  check "$d: ... sent by the bond and its GRE slave" bash -c "[ \$(txcount $d-b) -ge $((btx0 + 3)) ] && [ \$(txcount $d-g1) -ge $((tx0 + 3)) ]"
  check "$d: ... and the answers came in on the bond" bash -c "[ \$(cat /sys/class/net/$d-b/statistics/rx_packets) -ge 3 ]"
done
# a cooked capture on the bond (SOCK_DGRAM: dev_parse_header() through the bond's header_ops to
# the GRE slave's ipgre_header_parse()): the packet's link-layer source is the peer's outer address
for d in r k; do
  cooked_bg $d-b 192.168.${INNER[$d]}.2 $T/ck-$d.out
  ping -c 1 -W 2 192.168.${INNER[$d]}.2 > /dev/null
  wait $CK
done
check "a cooked capture on the bond: the sender's outer address (header_ops->parse), as on bonding.ko's" \
  equals "hatype 778 halen 4 addr 0a090002|hatype 778 halen 4 addr 0a090102" "$(cat $T/ck-r.out)|$(cat $T/ck-k.out)"

# ---- a slave of another type: refused, the bond unchanged ----
for d in r k; do ip link add $d-v1 type veth peer name $d-v1p; done
for d in r k; do
  ip link set $d-v1 master $d-b 2> $T/err-$d; echo "status $?" >> $T/err-$d
done
check "an Ethernet device joining the GRE bond: bonding.ko's message" \
  diff -u $T/err-k $T/err-r
check "... which is 'Device type is different from other slaves'" grep -q 'Error: Device type is different from other slaves.' $T/err-r
for d in r k; do $IFENSLAVE enslave $d-b $d-v1 > /dev/null; echo $? > $T/errno-$d; done
check "... the enslave ioctl's errno as bonding.ko's: EINVAL" equals "22|22" "$(cat $T/errno-r)|$(cat $T/errno-k)"
check "... the bond unchanged: GRE, its one slave" \
  equals "778 4 r-g1" "$(cat /sys/class/net/r-b/type) $(cat /sys/class/net/r-b/addr_len) $(cat /sys/class/net/r-b/bonding/slaves)"

# ---- modes that cannot take a GRE slave ----
for d in r k; do
  mkbond ${DRV[$d]} $d-bad mode 802.3ad
  mkbond ${DRV[$d]} $d-brr mode balance-rr
  ip link add $d-g2 type gre local 10.9.${NET[$d]}.1 key 2
  ip link set $d-g2 master $d-bad 2> $T/ad-$d; echo "status $?" >> $T/ad-$d
  ip link set $d-g2 master $d-brr 2> $T/rr-$d; echo "status $?" >> $T/rr-$d
  $IFENSLAVE enslave $d-brr $d-g2 > /dev/null; echo $? >> $T/rr-$d
done
check "802.3ad refuses a GRE device as bonding.ko does ($(head -1 $T/ad-k))" diff -u $T/ad-k $T/ad-r
check "... 'Error: 8023AD mode requires Ethernet devices.'" grep -q '8023AD mode requires Ethernet devices' $T/ad-r
check "balance-rr refuses it (its address cannot be set) as bonding.ko does: EOPNOTSUPP" diff -u $T/rr-k $T/rr-r
check "... errno 95" equals 95 "$(tail -1 $T/rr-r)"
check "... and both bonds stay Ethernet as bonding.ko's" \
  equals "1 1|1 1" "$(cat /sys/class/net/r-bad/type) $(cat /sys/class/net/r-brr/type)|$(cat /sys/class/net/k-bad/type) $(cat /sys/class/net/k-brr/type)"
for d in r k; do ip link del $d-bad; ip link del $d-brr; ip link del $d-g2; done

# ---- the last slave leaves, an Ethernet device joins: Ethernet again ----
for d in r k; do ip link set $d-g1 nomaster; done
check "the last slave left: the bond keeps its type, as bonding.ko's ($(cat /sys/class/net/k-b/type))" \
  diff -u <(sysattrs k-b) <(sysattrs r-b)
for d in r k; do check "$d: an Ethernet device joins the emptied bond" ip link set $d-v1 master $d-b; done
check "the bond is Ethernet again: type, flags, broadcast, MTU as bonding.ko's ($(sysattrs k-b | cut -d' ' -f1-6))" \
  diff -u <(sysattrs k-b) <(sysattrs r-b)
check "... type 1, addr_len 6, the Ethernet slave's MAC" \
  equals "1 6 $(cat /sys/class/net/r-v1/address)" "$(cat /sys/class/net/r-b/type) $(cat /sys/class/net/r-b/addr_len) $(cat /sys/class/net/r-b/address)"
check "... ip -d link's link line as bonding.ko's" diff -u <(iplink k-b | sed 's/link\/ether [^ ]*/link\/ether MAC/') <(iplink r-b | sed 's/link\/ether [^ ]*/link\/ether MAC/')
for d in r k; do ip link set $d-v1 nomaster; done

# ---- a GRE slave deleted: its bond goes with it ----
for d in r k; do ip link set $d-g1 master $d-b; done
for d in r k; do ip link del $d-g1; done
check "the GRE slave deleted: the bond is destroyed, as bonding.ko's" \
  equals "gone|gone" "$(link_absent r-b && echo gone)|$(link_absent k-b && echo gone)"
check "... 'Destroying bond' in the kernel log, as bonding.ko's" \
  equals "X-b: Destroying bond|X-b: Destroying bond" "$(klog r | grep Destroying)|$(klog k | grep Destroying)"

# ---- nlmon (ARPHRD_NETLINK, no address) in active-backup ----
dmesg -C
for d in r k; do
  mkbond ${DRV[$d]} $d-bn mode active-backup
  ip link add $d-n1 type nlmon
  check "$d: an nlmon device joins a ${DRV[$d]} active-backup bond" ip link set $d-n1 master $d-bn
done
check "the bond takes nlmon's type and no address, as bonding.ko's ($(sysattrs k-bn | cut -d' ' -f1-4))" \
  diff -u <(sysattrs k-bn) <(sysattrs r-bn)
check "... type 824 (ARPHRD_NETLINK), addr_len 0" equals "824 0" "$(cat /sys/class/net/r-bn/type) $(cat /sys/class/net/r-bn/addr_len)"
check "... ip -d link's link line as bonding.ko's" diff -u <(iplink k-bn) <(iplink r-bn)
check "/proc: the bond's text as bonding.ko's (an empty Permanent HW addr)" \
  bash -c "diff -u <(sed 's/k-/X-/g' /proc/net/bonding/k-bn) <(sed 's/r-/X-/g' /proc/net/rbond/r-bn)"
for d in r k; do ip link set $d-bn up; done
for d in r k; do wait_for 10 bash -c "grep -q '^Currently Active Slave: $d-n1' $(procfile ${DRV[$d]} $d-bn)"; done
check "... the nlmon slave became the active one, as under bonding.ko" \
  equals "r-n1|k-n1" "$(active_of rbond r-bn)|$(active_of bonding k-bn)"
for d in r k; do ip link del $d-bn; ip link del $d-n1; done

# ---- stacked: GRE -> bond -> team (team's non_ether_header_ops.sh), and GRE -> bond -> bond
# (bond_stacked_header_parse.sh): the upper devices' header_ops go through each bond's current
# slave, never back into the same bond ----
for d in r k; do
  ip link add $d-g3 type gre local 10.9.${NET[$d]}.1 key 3
  mkbond ${DRV[$d]} $d-b0 mode active-backup
  ip link add $d-t0 type team
  ip link set $d-g3 master $d-b0
  check "$d: a GRE bond (${DRV[$d]}) joins a team" ip link set $d-b0 master $d-t0
  ip link set $d-g3 up; ip link set $d-b0 up; ip link set $d-t0 up
  ip -6 addr add 2001:db8:${NET[$d]}::1/64 dev $d-t0 nodad
  for i in 1 2 3 4 5; do ping -6 -I $d-t0 ff02::1 -c1 -W1 > /dev/null 2>&1; done
  check "$d: ... multicast through team, bond and GRE (dev_hard_header() on the team) did not crash" link_exists $d-t0
  check "$d: ... the team took the bond's GRE type" equals 778 "$(cat /sys/class/net/$d-t0/type)"
  ip link del $d-t0; ip link del $d-b0; ip link del $d-g3
done
for d in r k; do
  i=${INNER[$d]}
  ip link add $d-g4 type gre local 10.9.${NET[$d]}.1
  mkbond ${DRV[$d]} $d-s0 mode active-backup
  mkbond ${DRV[$d]} $d-s1 mode active-backup
  ip link set $d-g4 master $d-s0; ip link set $d-s0 master $d-s1
  ip link set $d-g4 up; ip link set $d-s0 up; ip link set $d-s1 up
  ip addr add 192.168.$i.1/24 dev $d-s1
  ip neigh replace 192.168.$i.2 lladdr 10.9.${NET[$d]}.2 dev $d-s1 nud permanent
done
check "GRE -> bond -> bond: the upper bond has the GRE type, as bonding.ko's" diff -u <(sysattrs k-s1) <(sysattrs r-s1)
check "... which is GRE's (778)" equals 778 "$(cat /sys/class/net/r-s1/type)"
for d in r k; do wait_for 10 bash -c "grep -q '^Currently Active Slave: $d-s0' $(procfile ${DRV[$d]} $d-s1)"; done
for d in r k; do
  cooked_bg $d-s1 192.168.${INNER[$d]}.2 $T/cs-$d.out
  check "$d: ping through both bonds and GRE answers (${DRV[$d]})" ping -c 2 -i 0.3 -W 2 192.168.${INNER[$d]}.2
  wait $CK
done
check "... a cooked capture on the upper bond (its header_ops through the lower bond's to GRE's, no recursion) as on bonding.ko's" \
  equals "hatype 778 halen 4 addr 0a090002|hatype 778 halen 4 addr 0a090102" "$(cat $T/cs-r.out)|$(cat $T/cs-k.out)"
for d in r k; do ip link del $d-s1; ip link del $d-s0; ip link del $d-g4; done

for d in r k; do ip link del $d-v1 2>/dev/null; done
ip netns del peer; ip link del v-host 2>/dev/null
rmmod rbond; rmmod bonding
rm -rf $T
