#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# netdevsim ports as slaves, side by side with bonding.ko. netdevsim is an instance-locked driver
# (its ndo_open and friends assert the device's own lock, netdev_lock_ops()): every call a bond
# makes into a slave must take that lock where the core expects it, or the kernel warns. Two
# netdevsim devices of two ports each are linked port to port (/sys/bus/netdevsim/link_device,
# which is also the carrier: unlinking takes it away); the peer device's ports are in a bridge in
# namespace nsp. For each driver: enslaving, traffic, failover on carrier loss and back, the bond's
# MTU and a VLAN over the bond, netconsole over the bond (netpoll on every port, a veth refused
# meanwhile), 802.3ad on a port without speed and duplex (netdevsim has no get_link_ksettings),
# release and delete; the steps' results must be bonding.ko's.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe bonding max_bonds=0; modprobe rbond max_bonds=0
check "netdevsim loads" modprobe netdevsim
check "netconsole loads, its configfs is there" bash -c 'modprobe netconsole && test -d /sys/kernel/config/netconsole'   # (guest-init mounts configfs)
T=$(mktemp -d)
NEW=/sys/bus/netdevsim/new_device DEL=/sys/bus/netdevsim/del_device LINK=/sys/bus/netdevsim/link_device
UNLINK=/sys/bus/netdevsim/unlink_device

ip netns add nsp
ip -n nsp link add br0 type bridge; ip -n nsp link set br0 up
ip -n nsp addr add 10.88.0.2/24 dev br0
ip -n nsp link add link br0 name br0.10 type vlan id 10; ip -n nsp link set br0.10 up
ip -n nsp addr add 10.88.10.2/24 dev br0.10
exec {NSP}</var/run/netns/nsp {INIT}</proc/self/ns/net

# nsim_ports ID: the netdev names of netdevsim device ID, in port order
nsim_ports() { ls /sys/bus/netdevsim/devices/netdevsim$1/net/ 2>/dev/null | sort; }
ifidx() { cat /sys/class/net/$1/ifindex; }
ifidx_p() { ip netns exec nsp cat /sys/class/net/$1/ifindex; }
# link I / unlink I: port I of our device to (from) port I of the peer's
link_port() { echo "$INIT:$(ifidx ${S[$1]}) $NSP:$(ifidx_p ${P[$1]})" > $LINK; }
unlink_port() { echo "$INIT:$(ifidx ${S[$1]})" > $UNLINK; }

# run DRIVER: the steps for one driver, each step's result as a line "step: result" in $T/DRIVER
# (and each a TAP line), so that the two drivers' results can be compared at the end
run() {
  local d=$1 b=nb0 id pid r
  case $d in bonding) id=11 pid=12;; rbond) id=21 pid=22;; esac
  echo "$id 2" > $NEW; echo "$pid 2" > $NEW
  udevadm settle 2>/dev/null
  mapfile -t S < <(nsim_ports $id); mapfile -t P < <(nsim_ports $pid)
  for p in "${P[@]}"; do ip link set $p netns nsp; done
  for i in 0 1; do ip -n nsp link set ${P[$i]} master br0; ip -n nsp link set ${P[$i]} up; done
  link_port 0; link_port 1
  res() { echo "$1: $2" >> $T/$d; }
  mkbond $d $b mode active-backup miimon 100
  ip link set ${S[0]} master $b && ip link set ${S[1]} master $b; r=$?
  check "$d: two netdevsim ports enslaved (${S[*]})" test $r = 0
  res enslave "$r $(ls -d /sys/class/net/$b/lower_* 2>/dev/null | wc -l)"
  ip addr add 10.88.0.1/24 dev $b; ip link set $b up
  check "$d: ping over the bond" wait_for 10 ping -c 1 -W 1 10.88.0.2
  res active "$(active_of $d $b | sed "s/${S[0]}/S0/; s/${S[1]}/S1/")"
  # failover: the active port loses its carrier
  unlink_port 0
  check "$d: carrier lost on the active port: the other takes over within 5 s" wait_for 5 eval '[ "$(active_of '$d' '$b')" = "'${S[1]}'" ]'
  check "$d: ping after the failover" ping -c 2 -i 0.3 -W 2 10.88.0.2
  res failover "$(active_of $d $b | sed "s/${S[0]}/S0/; s/${S[1]}/S1/") $(cat /sys/class/net/${S[0]}/bonding_slave/mii_status)"
  link_port 0
  check "$d: the carrier back: the port's link is up again within 5 s" wait_for 5 eval '[ "$(cat /sys/class/net/'${S[0]}'/bonding_slave/mii_status)" = up ]'
  # MTU: the bond's goes to its ports, and back when a port leaves
  ip link set $b mtu 4000; r=$?
  res mtu "$r $(cat /sys/class/net/${S[0]}/mtu) $(cat /sys/class/net/${S[1]}/mtu)"
  check "$d: the bond's MTU 4000 goes to both ports" equals "0 4000 4000" "$r $(cat /sys/class/net/${S[0]}/mtu) $(cat /sys/class/net/${S[1]}/mtu)"
  ip link set $b mtu 1500
  # a VLAN over the bond
  ip link add link $b name $b.10 type vlan id 10 && ip addr add 10.88.10.1/24 dev $b.10 && ip link set $b.10 up; r=$?
  check "$d: a VLAN over the bond, ping over it" wait_for 10 ping -c 1 -W 1 10.88.10.2
  res vlan "$r $(ping -c 1 -W 2 10.88.10.2 >/dev/null 2>&1 && echo reached || echo unreached)"
  ip link del $b.10
  # netconsole over the bond (netpoll): every port gets a netpoll of its own, the kernel's
  # messages reach the peer; while netconsole uses the bond a device that cannot do netpoll
  # (veth: IFF_DISABLE_NETPOLL) is refused
  ip netns exec nsp python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.88.0.2", 6666))
print("listening", flush=True)
while True:
    print(s.recv(4096).decode(errors="replace").strip(), flush=True)' > $T/nc.$d 2>&1 & local lpid=$!
  wait_for 30 grep -q listening $T/nc.$d
  local nc=/sys/kernel/config/netconsole/nc-$d
  mkdir $nc
  echo 10.88.0.2 > $nc/remote_ip; echo 10.88.0.1 > $nc/local_ip; echo 6666 > $nc/remote_port
  ip -n nsp link show br0 | awk '/ether/ { print $2 }' > $nc/remote_mac
  echo $b > $nc/dev_name
  echo 1 > $nc/enabled; r=$?
  echo "<3>netconsole over $d's bond" > /dev/kmsg   # (an error: the consoles print it)
  check "$d: netconsole over the bond: a kernel message reaches the peer" wait_for 10 grep -q "netconsole over $d's bond" $T/nc.$d
  res netconsole "$r $(grep -c "netconsole over $d's bond" $T/nc.$d)"
  dmesg -C
  ip link add vnp type veth peer name vnpp
  ip link set vnp master $b 2> $T/err.$d; r=$?
  check "$d: ... and a veth (no netpoll) is refused as a new slave" test $r != 0
  res netpoll-veth "$r $(sed 's/^.*: //' $T/err.$d) $(dmesg | grep -c "$b: (slave vnp): master_dev is using netpoll, but new slave device does not support netpoll")"
  ip link del vnp
  echo 0 > $nc/enabled; rmdir $nc
  kill $lpid; wait $lpid 2>/dev/null
  # release: the port gets its MTU and MAC back
  local mac1; mac1=$(cat /sys/class/net/${S[1]}/bonding_slave/perm_hwaddr)
  ip link set $b mtu 3000; ip link set ${S[1]} nomaster
  res release "$(cat /sys/class/net/${S[1]}/mtu) $([ "$(cat /sys/class/net/${S[1]}/address)" = "$mac1" ] && echo own-mac || echo other-mac)"
  check "$d: a released port gets its MTU and its MAC back" equals "1500 own-mac" "$(tail -n 1 $T/$d | cut -d' ' -f2-)"
  # 802.3ad on ports without speed and duplex
  ip link set $b down; ip link set ${S[0]} nomaster
  setbond $d $b mode 802.3ad; r=$?
  ip link set ${S[0]} master $b; ip link set ${S[1]} master $b; ip link set $b up
  sleep 1
  res ad "$r $(cat /sys/class/net/${S[0]}/bonding_slave/mii_status) $(cat /sys/class/net/${S[0]}/bonding_slave/ad_aggregator_id) $(grep -c '^Speed: Unknown' "$(procfile $d $b)")"
  # delete: the ports are free, and can be deleted
  ip link del $b
  check "$d: the bond deleted: its ports are free" equals "0 0" "$(ls /sys/class/net/${S[0]}/master 2>/dev/null | wc -l) $(ls /sys/class/net/${S[1]}/master 2>/dev/null | wc -l)"
  echo $id > $DEL; echo $pid > $DEL
  check "$d: the netdevsim devices are deleted" test ! -e /sys/bus/netdevsim/devices/netdevsim$id
}
run bonding
run rbond
sed 's/^/# bonding.ko: /' $T/bonding
check "rbond's results are bonding.ko's, step by step" diff -u $T/bonding $T/rbond
check "... and the steps ran (bonding.ko enslaved both ports)" grep -qx "enslave: 0 2" $T/bonding
ip netns del nsp
rmmod netconsole; rmmod netdevsim; rmmod rbond; rmmod bonding
rm -rf $T
