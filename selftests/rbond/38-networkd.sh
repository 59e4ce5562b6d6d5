#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# systemd-networkd, unchanged (Debian sid's, from the clients' root: selftests/lib/clients.sh),
# makes bonds from .netdev files (Kind=bond, the [Bond] options of every mode) and enslaves from
# .network files (Bond=, PrimarySlave=), first with rbond in compatibility mode, then with
# bonding.ko: the kernel must end up the same (bond_state), and so must what networkctl reports.
# Then, with each driver: a slave whose device appears after networkd started, `networkctl
# reload` after .netdev and .network files changed, and a .netdev whose options the kernel refuses
# (networkd logs the kernel's answer and makes no bond).
# vm-clients: 1
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
. "$(dirname "$0")/../lib/clients.sh"
t_file=$EPOCHREALTIME
rbond_unload; modprobe -r bonding 2>/dev/null
T=$(mktemp -d)
check "the clients' root is mounted in the guest" clients_setup
check "the system bus runs" clients_dbus
check "systemd-udevd runs and the devices are triggered" clients_udev
echo "# systemd $(client_version systemd); the root ready in $(bc <<< "$EPOCHREALTIME - $t_file") s"
ND=$C/etc/systemd/network

# the bonds: NAME and the [Bond] lines of its .netdev (one per mode, an ARP-monitored one)
BONDS=(ndrr ndab ndxor ndbc ndad ndtlb ndalb ndarp)
declare -A OPTS=(
  [ndrr]="Mode=balance-rr PacketsPerSlave=3 MIIMonitorSec=100ms UpDelaySec=200ms DownDelaySec=300ms ResendIGMP=2 MinLinks=1"
  [ndab]="Mode=active-backup MIIMonitorSec=100ms FailOverMACPolicy=active PrimaryReselectPolicy=better GratuitousARP=3 PeerNotifyDelaySec=200ms AllSlavesActive=yes"
  [ndxor]="Mode=balance-xor TransmitHashPolicy=layer3+4 MIIMonitorSec=50ms"
  [ndbc]="Mode=broadcast MIIMonitorSec=100ms"
  [ndad]="Mode=802.3ad LACPTransmitRate=fast AdSelect=bandwidth AdActorSystemPriority=100 AdUserPortKey=5 AdActorSystem=02:00:00:00:00:ad TransmitHashPolicy=layer2+3 MIIMonitorSec=100ms MinLinks=1"
  [ndtlb]="Mode=balance-tlb DynamicTransmitLoadBalancing=no TransmitHashPolicy=layer2+3 MIIMonitorSec=100ms"
  [ndalb]="Mode=balance-alb LearnPacketIntervalSec=3 MIIMonitorSec=100ms"
  [ndarp]="Mode=active-backup ARPIntervalSec=200ms ARPIPTargets=192.0.2.1 ARPValidate=all ARPAllTargets=all ARPMissedMax=3"
)

# the configuration: a .netdev and a .network per bond, a .network per slave (two each; ndab's
# second is its primary, and ndab gets a third slave later, whose device does not exist yet)
write_config() {
  local b i n=0
  rm -rf $ND; mkdir -p $ND
  for b in "${BONDS[@]}"; do
    { printf '[NetDev]\nName=%s\nKind=bond\n[Bond]\n' $b; printf '%s\n' ${OPTS[$b]}; } > $ND/10-$b.netdev
    printf '[Match]\nName=%s\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' $b > $ND/20-$b.network
    for i in 1 2; do
      printf '[Match]\nName=%s%s\n[Network]\nBond=%s\n' $b $i $b > $ND/30-$b$i.network
    done
  done
  echo 'PrimarySlave=yes' >> $ND/30-ndab2.network
  echo 'PrimarySlave=yes' >> $ND/30-ndarp1.network
  printf '[Match]\nName=ndab3\n[Network]\nBond=ndab\n' > $ND/30-ndab3.network
  # ndarp's targets answer: the partner namespace has 192.0.2.1 on a bridge of the peers
  echo 'Address=192.0.2.10/24' >> $ND/20-ndarp.network
}

# the slaves: veth pairs with fixed addresses, peers up in namespace ndp (ndarp's peers bridged
# there, with the ARP target's address). make_slaves K makes each bond's K-th slave: the second
# ones are made once the first ones are enslaved, so that the order of the slaves (and with it
# the active slave, the aggregator numbers) is the same in every run
make_slaves() {
  local b i=$1 k=0
  for b in "${BONDS[@]}"; do
    k=$((k + 1))
    ip link add $b$i address 02:00:00:00:$(printf %02x $k):0$i type veth \
      peer name p$i address 02:00:00:01:$(printf %02x $k):0$i netns ndp
    ip -n ndp link set p$i name $b$i
  done
  ip -n ndp link set ndarp$i master br0
  ip -n ndp link set ndad$i master pad
  for b in "${BONDS[@]}"; do ip -n ndp link set $b$i up; done
}
# the peers' namespace: a bridge with ndarp's ARP target, an 802.3ad partner of ndad (a bond of
# the driver under test)
make_partner() {
  ip netns add ndp
  ip -n ndp link add br0 type bridge; ip -n ndp link set br0 up
  ip -n ndp addr add 192.0.2.1/24 dev br0
  ip -n ndp link add pad type bond mode 802.3ad lacp_rate fast miimon 100
  ip -n ndp link set pad up
}

start_networkd() {
  # as its unit starts it (ExecStart=/usr/lib/systemd/systemd-networkd; started as root, it drops
  # to User=systemd-network with the unit's capabilities itself), its log on stderr
  # (a fresh /run/systemd/netif, as after a boot: the state the other driver's run left behind
  # is not this one's)
  rm -rf $C/run/systemd/netif; cl systemd-tmpfiles --create --boot > /dev/null 2>&1
  cl_daemon $T/networkd.$1.log /usr/lib/systemd/systemd-networkd
  ND_PID=$CL_PID
}

# enslaved K: each bond has its first K slaves, in order
enslaved() {
  local b
  for b in "${BONDS[@]}"; do
    [ "$(cat /sys/class/net/$b/bonding/slaves 2>/dev/null)" = "$(seq -f "$b%g" -s ' ' 1 $1)" ] || return 1
  done
}
# networkctl's list: every bond and slave "configured" (a bond that is up has carrier or is
# degraded; the slaves "enslaved")
networkctl_settled() {
  cl networkctl list --no-legend > $T/list 2>&1 || return 1
  local b i
  for b in "${BONDS[@]}"; do
    grep -qE " $b +bond +[a-z-]+ +configured" $T/list || return 1
    for i in 1 2; do grep -qE " $b$i +ether +enslaved +configured" $T/list || return 1; done
  done
}
settled_or_show() { wait_for 60 networkctl_settled || { cat $T/list; return 1; }; }
# the bonds' states stable: ndarp's ARP monitor has both slaves up and its primary active, ndad's
# ports in one aggregator with the partner's
states_settled() {
  [ "$(sed -n 's/^Currently Active Slave: //p' /proc/net/bonding/ndarp)" = ndarp1 ] &&
    [ "$(< /sys/class/net/ndad/bonding/ad_num_ports)" = 2 ] &&
    [ "$(ip netns exec ndp cat /sys/class/net/pad/bonding/ad_num_ports)" = 2 ] &&
    [ "$(grep -c '^MII Status: up' /proc/net/bonding/ndarp)" = 3 ] &&
    [ "$(grep -c '^MII Status: up' /proc/net/bonding/ndrr)" = 3 ]
}

run_driver() { # rbond|bonding
  local d=$1 b t0
  use_driver $d
  write_config; make_partner; make_slaves 1
  t0=$EPOCHREALTIME
  start_networkd $d
  check "$d: networkd made the ${#BONDS[@]} bonds and enslaved their first slaves" wait_for 60 enslaved 1
  make_slaves 2
  check "$d: ... and their second slaves" wait_for 60 enslaved 2
  echo "# $d: bonds and slaves in $(bc <<< "$EPOCHREALTIME - $t0") s"
  check "$d: networkctl list shows the bonds configured and the slaves enslaved" \
    settled_or_show
  check "$d: the bonds settled (ARP monitor and updelay have their slaves up)" wait_for 30 states_settled
  echo "# $d: settled at $(bc <<< "$EPOCHREALTIME - $t0") s"
  # ndarp's link failure counts: its ARP monitor can fail a slave once or twice while networkd
  # enslaves and configures the address the probes come from (both drivers; how often depends on
  # the moments of the run)
  # ndad's churn states: "monitoring" for the first 60 s of a port (the churn timer), then "none"
  # with the partner in sync; when the snapshot falls is the run's timing
  for b in "${BONDS[@]}"; do
    bond_state $b | case $b in
      ndarp) sed -E 's/^(Link Failure Count: |.*link_failure_count"?: *)[0-9]+/\1N/';;
      ndad) sed -E 's/^((Actor|Partner) Churn State: ).*/\1S/';;
      *) cat;; esac > $T/$d.$b.state
  done
  # networkctl status of the bonds: what networkd reads back from the kernel (ifindex masked)
  cl networkctl status --no-pager --lines=0 "${BONDS[@]}" 2>&1 | sed -E 's/^● [0-9]+: /● N: /' > $T/$d.networkctl
  cp $T/$d.networkctl /out/networkctl.$d
  check "$d: networkctl status shows the bonds' modes and options" \
    bash -c "grep -q 'Mode: 802.3ad' $T/$d.networkctl && grep -q 'Miimon: 100ms' $T/$d.networkctl &&
      [ \$(grep -c '^ *Kind: bond' $T/$d.networkctl) = ${#BONDS[@]} ] || cat $T/$d.networkctl"
  # traffic: 20 frames sent on ndab leave by its active slave, the primary ndab2
  local a1 a2
  a1=$(txcount ndab1) a2=$(txcount ndab2)
  mausezahn ndab -c 20 -a own -b ff:ff:ff:ff:ff:ff -t udp 'dp=9' -q 2>/dev/null
  echo "$(( $(txcount ndab1) - a1 )) $(( $(txcount ndab2) - a2 ))" > $T/$d.traffic
  check "$d: ndab's frames left by its primary slave (ndab1 ndab2: $(cat $T/$d.traffic))" \
    bash -c "read x y < $T/$d.traffic; [ \$x = 0 ] && [ \$y -ge 20 ]"

  echo "# $d: traffic checked at $(bc <<< "$EPOCHREALTIME - $t0") s"
  # a slave whose device appears after networkd started: networkd enslaves it when udev has it
  ip link add ndab3 address 02:00:00:00:02:03 type veth peer name p3 netns ndp
  ip -n ndp link set p3 up
  check "$d: a device that appears later (ndab3) is enslaved by networkd" \
    wait_for 30 grep -qw ndab3 /sys/class/net/ndab/bonding/slaves
  bond_state ndab > $T/$d.ndab.later.state

  echo "# $d: later slave at $(bc <<< "$EPOCHREALTIME - $t0") s"
  # networkctl reload after the files changed: ndxor's hash policy and miimon, ndab's primary
  # moved to ndab1; networkd's way with a bond that exists is what it is with both drivers
  sed -i 's/^TransmitHashPolicy=.*/TransmitHashPolicy=layer2+3/; s/^MIIMonitorSec=.*/MIIMonitorSec=200ms/' $ND/10-ndxor.netdev
  sed -i '/PrimarySlave/d' $ND/30-ndab2.network; echo 'PrimarySlave=yes' >> $ND/30-ndab1.network
  check "$d: networkctl reload" cl networkctl reload
  check "$d: after the reload, ndab's primary is ndab1 (the .network change reached the kernel)" \
    wait_for 30 grep -qx ndab1 /sys/class/net/ndab/bonding/primary
  bond_state ndxor > $T/$d.ndxor.reload.state; bond_state ndab > $T/$d.ndab.reload.state
  echo "# $d: after the reload, ndxor has xmit_hash_policy $(< /sys/class/net/ndxor/bonding/xmit_hash_policy), miimon $(< /sys/class/net/ndxor/bonding/miimon)"

  echo "# $d: reload at $(bc <<< "$EPOCHREALTIME - $t0") s"
  # a .netdev the kernel refuses: ARP monitoring in 802.3ad (bonding: "option arp_interval: mode
  # dependency failed"); networkd logs the kernel's error and the bond is not made
  printf '[NetDev]\nName=ndbad\nKind=bond\n[Bond]\nMode=802.3ad\nARPIntervalSec=100ms\nARPIPTargets=192.0.2.1\n' > $ND/10-ndbad.netdev
  printf '[Match]\nName=ndbad\n[Network]\nLinkLocalAddressing=no\n' > $ND/20-ndbad.network
  cl networkctl reload
  check "$d: networkd logs that the kernel refused ndbad" wait_for 30 grep -q 'ndbad: .*' $T/networkd.$d.log
  wait_for 10 grep -qiE 'ndbad: (Could not|Failed)' $T/networkd.$d.log > /dev/null
  grep -E 'ndbad' $T/networkd.$d.log | sed -E 's/[0-9]+//g' > $T/$d.ndbad.log
  check "$d: ... and no bond ndbad exists" link_absent ndbad
  check "$d: the kernel log says why (option arp_interval: mode dependency failed, not supported in mode 802.3ad(4))" \
    bash -c "dmesg | grep -F 'ndbad: option arp_interval: mode dependency failed, not supported in mode 802.3ad(4)'"

  echo "# $d: refusal at $(bc <<< "$EPOCHREALTIME - $t0") s"
  cl_stop $ND_PID
  check "$d: networkd stopped (SIGTERM)" bash -c "! kill -0 $ND_PID 2>/dev/null"
  for b in "${BONDS[@]}"; do ip link del $b 2>/dev/null; done
  ip -n ndp link del pad; ip netns del ndp
  for b in "${BONDS[@]}"; do ip link del ${b}1 2>/dev/null; ip link del ${b}2 2>/dev/null; done
  ip link del ndab3 2>/dev/null
}

run_driver rbond
echo "# rbond's run done at $(bc <<< "$EPOCHREALTIME - $t_file") s"
run_driver bonding
echo "# bonding's run done at $(bc <<< "$EPOCHREALTIME - $t_file") s"

for b in "${BONDS[@]}"; do
  check "$b: the kernel state networkd made is the same with rbond and bonding.ko (netlink, sysfs, /proc)" \
    diff -u $T/bonding.$b.state $T/rbond.$b.state
done
check "networkctl status says the same of the bonds of both" diff -u $T/bonding.networkctl $T/rbond.networkctl
check "ndab with its later slave: the same" diff -u $T/bonding.ndab.later.state $T/rbond.ndab.later.state
check "after networkctl reload, ndxor: the same" diff -u $T/bonding.ndxor.reload.state $T/rbond.ndxor.reload.state
check "after networkctl reload, ndab: the same" diff -u $T/bonding.ndab.reload.state $T/rbond.ndab.reload.state
check "the refused .netdev: networkd logs the same for both" diff -u $T/bonding.ndbad.log $T/rbond.ndbad.log
check "the states compared are not empty (ndad has its two ports, mode 802.3ad)" \
  bash -c "grep -q 'Bonding Mode: IEEE 802.3ad' $T/rbond.ndad.state && [ \$(grep -c '^Slave Interface: ndad' $T/rbond.ndad.state) = 2 ]"

rbond_unload; modprobe -r bonding 2>/dev/null
rm -rf $ND
check "the system bus and udevd stop (nothing of the clients is left for the next test)" clients_stop
cp $T/networkd.*.log /out/ 2>/dev/null   # networkd's logs, in the run's folder
echo "# 38-networkd: $(bc <<< "$EPOCHREALTIME - $t_file") s"
