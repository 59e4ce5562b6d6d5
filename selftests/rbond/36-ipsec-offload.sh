#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# IPsec offload through the bond (bond_xfrmdev_ops), side by side with bonding.ko: two netdevsim
# ports (netdevsim offloads ESP and shows its SAs in debugfs: ports/N/ipsec) under an
# active-backup bond. For each driver: the bond's ESP features (esp-hw-offload & co, on in
# active-backup only, also after a mode change), an SA offloaded to a bond without slaves
# (refused), two SAs (in and out) offloaded to the bond land on the active port only, frames
# sent under them are counted there; a failover moves them to the other port, releasing the
# active port moves them back, deleting an SA takes it off the port, deleting the bond takes the
# rest; a veth (no offload) as the active slave is refused with bonding's message, and a failover
# to it logs bonding's warning and takes the SAs off the netdevsim port; in balance-xor the SA goes
# as bonding puts it. Each step's result is a line "step: result", and rbond's must be bonding.ko's.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe bonding max_bonds=0; modprobe rbond max_bonds=0
check "netdevsim loads" modprobe netdevsim
grep -q " /sys/kernel/debug debugfs " /proc/mounts || mount -t debugfs none /sys/kernel/debug
T=$(mktemp -d)
NEW=/sys/bus/netdevsim/new_device DEL=/sys/bus/netdevsim/del_device LINK=/sys/bus/netdevsim/link_device
UNLINK=/sys/bus/netdevsim/unlink_device
exec {INIT}</proc/self/ns/net
SRC=192.0.2.1 DST=192.0.2.2
KEY=0x3132333435363738393031323334353664636261

nsim_ports() { ls /sys/bus/netdevsim/devices/netdevsim$1/net/ 2>/dev/null | sort; }
ifidx() { cat /sys/class/net/$1/ifindex; }
# link I / unlink I: port I of the bond's device to (from) port I of the peer device (netdevsim's
# carrier: unlinking takes it away)
link_port() { echo "$INIT:$(ifidx ${S[$1]}) $INIT:$(ifidx ${P[$1]})" > $LINK; }
unlink_port() { echo "$INIT:$(ifidx ${S[$1]})" > $UNLINK; }

# sa_add BOND DIR SPI: an ESP SA (transport mode, AES-GCM as netdevsim takes it) offloaded to BOND
sa_add() {
  local s=$SRC d=$DST
  [ "$2" = in ] && { s=$DST; d=$SRC; }
  ip x s add proto esp src $s dst $d spi $3 mode transport reqid 42 aead "rfc4106(gcm(aes))" $KEY 128 \
    sel src $s/24 dst $d/24 offload dev $1 dir $2
}

run() {
  local d=$1 b=ib0 id pid r e
  case $d in bonding) id=11 pid=12;; rbond) id=21 pid=22;; esac
  echo "$id 2" > $NEW; echo "$pid 2" > $NEW
  udevadm settle 2>/dev/null
  mapfile -t S < <(nsim_ports $id); mapfile -t P < <(nsim_ports $pid)
  for p in "${P[@]}"; do ip link set $p up; done
  link_port 0; link_port 1
  # the debugfs file of each port (phys_port_name is p<port index + 1>)
  local -a F
  local pn
  for i in 0 1; do
    read -r pn < /sys/class/net/${S[$i]}/phys_port_name
    F[$i]=/sys/kernel/debug/netdevsim/netdevsim$id/ports/$(( ${pn#p} - 1 ))/ipsec
  done
  check "$d: each port's IPsec debugfs file is there" test -e ${F[0]} -a -e ${F[1]} -a ${F[0]} != ${F[1]}
  # count I: "count=N tx=M" of port I's "SA count=N tx=M" (debugfs: read, no seek)
  count() { local l; read -r l < "${F[$1]}"; echo "${l#SA }"; }
  res() { echo "$1: $2" >> $T/$d; }
  norm() { sed -e "s/${S[0]}/S0/g; s/${S[1]}/S1/g; s/rbond: /MOD: /; s/bonding: /MOD: /"; }

  # ---- the bond's ESP features: on in active-backup, off in balance-xor, back on
  mkbond $d $b mode active-backup miimon 100
  local feat='esp-hw-offload|esp-tx-csum-hw-offload|tx-esp-segmentation'
  res features-ab "$(ethtool -k $b | grep -E "^($feat):" | tr '\n' ' ')"
  check "$d: active-backup: esp-hw-offload on" bash -c "ethtool -k $b | grep -qx 'esp-hw-offload: on'"
  setbond $d $b mode balance-xor
  res features-xor "$(ethtool -k $b | grep -E "^($feat):" | tr '\n' ' ')"
  check "$d: balance-xor: esp-hw-offload off (offered)" bash -c "ethtool -k $b | grep -qx 'esp-hw-offload: off'"
  setbond $d $b mode active-backup
  res features-ab-again "$(ethtool -k $b | grep -E "^($feat):" | tr '\n' ' ')"

  # ---- no slave: nothing to offload to
  ip addr add $SRC/24 dev $b; ip link set $b up
  sa_add $b out 7 2> $T/err; r=$?
  check "$d: an SA offloaded to a bond without slaves is refused" test $r != 0
  res no-slave "$r $(norm < $T/err)"
  ip x s flush

  # ---- two ports, two SAs: on the active port only
  ip link set ${S[0]} master $b && ip link set ${S[1]} master $b
  check "$d: the first port is the active slave" wait_for 5 eval '[ "$(active_of '$d' '$b')" = "'${S[0]}'" ]'
  ip neigh add $DST dev $b lladdr 00:11:22:33:44:55
  ip x p add dir out src $SRC/24 dst $DST/24 tmpl proto esp src $SRC dst $DST spi 9 mode transport reqid 42
  ip x p add dir in src $DST/24 dst $SRC/24 tmpl proto esp src $DST dst $SRC spi 9 mode transport reqid 42
  sa_add $b out 9 2> $T/err && sa_add $b in 9 2>> $T/err; r=$?
  check "$d: two SAs offloaded to the bond" test $r = 0
  check "$d: ip xfrm shows both offloaded to the bond" equals 2 "$(ip x s list | grep -c "crypto offload parameters: dev $b dir")"
  check "$d: both SAs are on the active port, none on the backup" equals "count=2 tx=0|count=0 tx=0" "$(count 0)|$(count 1)"
  res added "$r $(count 0) | $(count 1) | $(grep -c 'ipaddr=' ${F[0]})"
  ping -I $b -c 3 -W 1 -i 0.2 $DST > /dev/null
  check "$d: 3 pings sent under the SA are counted by the active port's offload" equals "count=2 tx=3" "$(count 0)"
  res tx "$(count 0) | $(count 1)"

  # ---- failover: the SAs move to the new active port
  unlink_port 0
  check "$d: the active port down: the other takes over within 5 s" wait_for 5 eval '[ "$(active_of '$d' '$b')" = "'${S[1]}'" ]'
  check "$d: the SAs moved to the new active port" equals "count=0 tx=3|count=2 tx=0" "$(count 0)|$(count 1)"
  ping -I $b -c 3 -W 1 -i 0.2 $DST > /dev/null
  check "$d: pings after the failover are counted by the new active port" equals "count=2 tx=3" "$(count 1)"
  res failover "$(active_of $d $b | norm) $(count 0) | $(count 1)"

  # ---- the active port released: the SAs leave it for the other one
  link_port 0
  check "$d: the first port's link is up again within 5 s" wait_for 5 eval '[ "$(cat /sys/class/net/'${S[0]}'/bonding_slave/mii_status)" = up ]'
  ip link set ${S[1]} nomaster
  check "$d: the active port released: its SAs moved to the other port" equals "count=2|count=0" "$(count 0 | cut -d' ' -f1)|$(count 1 | cut -d' ' -f1)"
  res release "$(active_of $d $b | norm) $(count 0) | $(count 1)"

  # ---- an SA deleted by the user leaves the port
  ip x s delete src $SRC dst $DST proto esp spi 9
  check "$d: an SA deleted: the port has one left" equals "count=1" "$(count 0 | cut -d' ' -f1)"
  res delete-sa "$(count 0 | cut -d' ' -f1) $(ip x s list | grep -c "crypto offload parameters: dev $b")"

  # ---- a veth (no IPsec offload) as the active slave: the bond refuses the offload with
  # bonding's message (the xfrm core then keeps the SA in software, with that as a warning); a
  # failover to it logs bonding's warning and takes the SA off the netdevsim port
  ip link add vip type veth peer name vipp; ip link set vipp up
  ip link set vip master $b
  dmesg -C
  unlink_port 0
  check "$d: the netdevsim port's carrier lost: the veth takes over within 5 s" wait_for 5 eval '[ "$(active_of '$d' '$b')" = vip ]'
  check "$d: ... the SA left the netdevsim port" equals "count=0" "$(count 0 | cut -d' ' -f1)"
  # (bonding's line is "ib0: (slave vip): ...", rbond's has its module's prefix first)
  local pre=; [ $d = rbond ] && pre="rbond: "
  e=$(dmesg | grep -c "\] $pre$b: (slave vip): bond_ipsec_add_sa_all: no slave xdo_dev_state_add$")
  check "$d: ... and bonding's warning is logged" equals 1 "$e"
  sa_add $b out 10 2> $T/err; r=$?
  check "$d: an SA for the bond while a veth is the active slave: not offloaded" equals "0 1" \
    "$r $(ip x s list | grep -c "crypto offload parameters: dev $b")"
  check "$d: ... bonding's message" grep -qx "Warning: $d: Slave does not support ipsec offload." $T/err
  res veth "$r $(norm < $T/err) $e $(count 0) | $(count 1) $(ip x s list | grep -c "crypto offload parameters: dev $b")"
  ip x s delete src $SRC dst $DST proto esp spi 10
  link_port 0
  ip link set vip nomaster; ip link del vip

  # ---- the bond deleted: the SAs offloaded to it go, from the port too
  check "$d: the netdevsim port active again, with the SA" wait_for 5 eval '[ "$(count 0 | cut -d" " -f1)" = count=1 ]'
  res before-del "$(active_of $d $b | norm) $(count 0 | cut -d' ' -f1)"
  ip link del $b
  check "$d: the bond deleted: no SA left on the ports" equals "count=0|count=0" "$(count 0 | cut -d' ' -f1)|$(count 1 | cut -d' ' -f1)"
  check "$d: ... nor offloaded to the bond in ip xfrm" equals 0 "$(ip x s list | grep -c "dev $b")"
  res bond-deleted "$(count 0 | cut -d' ' -f1) $(count 1 | cut -d' ' -f1) $(ip x s list | grep -c "dev $b")"
  ip x s flush; ip x p flush

  # ---- balance-xor: not an offloading mode (bond_ipsec_dev()); the SA goes where bonding puts it
  mkbond $d $b mode balance-xor miimon 100
  ip link set ${S[0]} master $b && ip link set ${S[1]} master $b
  ip addr add $SRC/24 dev $b; ip link set $b up
  wait_for 5 eval '[ "$(cat /sys/class/net/'${S[0]}'/bonding_slave/mii_status)" = up ]'
  sa_add $b out 11 2> $T/err; r=$?
  res xor "$r $(norm < $T/err) $(count 0 | cut -d' ' -f1) | $(count 1 | cut -d' ' -f1) $(ls -d /sys/class/net/$b/lower_* | wc -l)"
  # frames under it do not use the offload outside active-backup (bond_ipsec_offload_ok())
  ip neigh replace $DST dev $b lladdr 00:11:22:33:44:55
  ip x p add dir out src $SRC/24 dst $DST/24 tmpl proto esp src $SRC dst $DST spi 11 mode transport reqid 42
  local before; before="$(count 0 | cut -d' ' -f2) $(count 1 | cut -d' ' -f2)"
  ping -I $b -c 3 -W 1 -i 0.2 $DST > /dev/null
  check "$d: balance-xor: frames under the SA are not counted by a port's offload" equals "$before" \
    "$(count 0 | cut -d' ' -f2) $(count 1 | cut -d' ' -f2)"
  res xor-tx "$(count 0) | $(count 1)"
  ip x p flush
  ip link del $b
  ip x s flush
  res xor-deleted "$(count 0 | cut -d' ' -f1) | $(count 1 | cut -d' ' -f1)"
  echo $id > $DEL; echo $pid > $DEL
  check "$d: the netdevsim devices are deleted" test ! -e /sys/bus/netdevsim/devices/netdevsim$id
}
run bonding
run rbond
sed 's/^/# bonding.ko: /' $T/bonding
check "rbond's results are bonding.ko's, step by step" diff -u $T/bonding $T/rbond
check "... and the steps ran (bonding.ko offloaded both SAs to the active port, moved them)" \
  grep -qx "failover: S1 count=0 tx=3 | count=2 tx=3" $T/bonding
