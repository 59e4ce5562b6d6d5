#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stress: everything a bond's life has, at once, under traffic, for a while: slaves enslaved and
# released, mode and option changes (sysfs and netlink), carrier flaps, slaves moved to another
# namespace and back, namespaces with bonds in them deleted, bonds created and deleted, readers of
# /proc, sysfs and netlink dumps, and rbond unloaded and loaded again under all of it. rbond runs
# in compatibility mode (`type bond`, iproute2's option words and its sysfs files).
# It passes when every kind of operation was done (and some of each succeeded: a stress that
# only collects refusals stresses nothing), when rbond then unloads (no device is left waiting for
# a reference), and when a bond made afterwards works; the kernel log is checked by the runner
# (WARNING, BUG, lockdep, KASAN; kmemleak on the debug kernel).
# usage: 27-stress.sh [--seconds N] [--seed N] [--workers "NAME ..."]
#        [--driver rbond|bonding]
#   (make check: 60 s; `make stress`: longer; --workers: only these kinds, to find which one hurts;
#   --driver bonding: the same against bonding.ko, to compare the operations' rates and times)
. "$(dirname "$0")/../lib/tap.sh"
DRV=rbond SECS=60 SEED=20261129 WORKERS="slaves mode netlink sysfs flap netns bonds nsdel read traffic reload"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2;;
    --seed) SEED=$2; shift 2;;
    --workers) WORKERS=$2; shift 2;;
    --driver) DRV=$2; shift 2;;
    *) echo "not ok - usage: 27-stress.sh [--seconds N] [--seed N] (got '$1')"; exit 1;;
  esac
done
case "$DRV" in
  rbond) LOAD="modprobe rbond compat=1 max_bonds=0" OTHER=bonding;;
  bonding) LOAD="modprobe bonding max_bonds=0" OTHER=rbond;;
  *) echo "not ok - --driver: rbond or bonding, not '$DRV'"; exit 1;;
esac
rbond_unload; modprobe -r bonding 2>/dev/null
# while rbond is out, `ip link add ... type bond` would load bonding.ko (rtnl-link-bond): not here
mkdir -p /etc/modprobe.d
[ $DRV = rbond ] && echo 'install bonding /bin/false' > /etc/modprobe.d/rbond-stress.conf
T=$(mktemp -d)
RANDOM=$SEED
now() { echo "${EPOCHREALTIME%[.,]*}"; }
END=$(( $(now) + SECS ))
echo "# stress: $DRV, $SECS s, seed $SEED, workers: $WORKERS"

check "$DRV loads (rbond: in compatibility mode)" $LOAD

# the peer: a bridge in namespace stp with an address, each slave's veth peer in it
ip netns add stp
ip -n stp link add br0 type bridge
ip -n stp link set br0 up
ip -n stp addr add 10.77.0.2/24 dev br0
for i in 1 2 3 4; do
  ip link add sa$i type veth peer name ps$i netns stp
  ip -n stp link set ps$i master br0; ip -n stp link set ps$i up
done
ip netns add stn   # where slaves are moved to and back

# the workers that enslave to st0 hold $T/lock shared, the mode changer exclusively: a mode
# changes only on a bond without slaves (bonding's rule), and it would hardly ever find one
lock() { exec {LK}>"$T/lock"; flock "$1" $LK; }
unlock() { exec {LK}>&-; }
# ensure: the main bond st0 exists (rbond loaded, st0 not deleted by an unload), with its address,
# up; the slaves that are back in this namespace and free are enslaved again
ensure() { lock -s; ensure_; local r=$?; unlock; return $r; }
ensure_() {
  if ! link_exists st0; then
    ip link add st0 type bond mode balance-rr miimon 100 2>/dev/null || return 1
    ip addr add 10.77.0.1/24 dev st0 2>/dev/null
  fi
  ip link set st0 up 2>/dev/null
  for i in 1 2 3 4; do
    [ -e /sys/class/net/sa$i ] && [ ! -e /sys/class/net/sa$i/master ] && ip link set sa$i master st0 2>/dev/null
  done
  return 0
}
ensure
check "the main bond is up with its four slaves" equals "4" "$(ls -d /sys/class/net/st0/lower_* 2>/dev/null | wc -l)"

# worker NAME BODY: runs BODY (a function) until the end; BODY returns 0 when its operation
# succeeded; the counts of done and succeeded operations go to $T/NAME
worker() {
  local name=$1 body=$2 n=0 ok=0 t0 t max=0
  RANDOM=$(( SEED + ${#name} * 7919 + $(printf '%d' "'$name") ))
  # until the end, and past it (up to 120 s) until one operation succeeded: under make check's
  # load an operation can wait tens of seconds for RTNL (bonding.ko's as rbond's)
  while [ "$(now)" -lt "$END" ] || { [ $ok = 0 ] && [ "$(now)" -lt $((END + 120)) ]; }; do
    n=$((n + 1)) t0=${EPOCHREALTIME/[.,]/}
    if $body >/dev/null 2>&1; then ok=$((ok + 1)); fi
    t=$(( ${EPOCHREALTIME/[.,]/} - t0 )); [ $t -gt $max ] && max=$t
  done
  echo "$n $ok $((max / 1000))" > "$T/$name"
}
pick() { echo $(( RANDOM % $1 + 1 )); }

w_slaves() {   # a slave released and enslaved again
  local i r; i=$(pick 4)
  [ -e /sys/class/net/sa$i ] || return 1
  lock -s; ip link set sa$i nomaster && ip link set sa$i master st0; r=$?; unlock
  return $r
}
MODES=(balance-rr active-backup balance-xor 802.3ad)
w_mode() {     # the mode changed: the bond down and its slaves out (bonding's rule), then back
  local m=${MODES[$((RANDOM % 4))]} r
  lock -x
  link_exists st0 || ensure_
  ip link set st0 down
  for i in 1 2 3 4; do ip link set sa$i nomaster 2>/dev/null; done
  ip link set st0 type bond mode "$m"; r=$?
  ensure_
  unlock
  return $r
}
OPTS=("miimon 0" "miimon 50" "miimon 100" "updelay 200" "downdelay 100" "updelay 0"
      "xmit_hash_policy layer2" "xmit_hash_policy layer3+4" "xmit_hash_policy layer2+3"
      "xmit_hash_policy encap3+4" "lacp_rate fast" "lacp_rate slow" "ad_select bandwidth"
      "ad_select stable" "min_links 2" "min_links 0" "primary sa1" "primary sa3"
      "primary_reselect better" "primary_reselect always" "all_slaves_active 1"
      "all_slaves_active 0" "use_carrier 1" "num_grat_arp 3" "resend_igmp 2" "mtu 9000" "mtu 1500")
w_netlink() {  # an option through netlink (iproute2)
  local o=${OPTS[$((RANDOM % ${#OPTS[@]}))]}
  case "$o" in mtu*) ip link set st0 $o;; *) ip link set st0 type bond $o;; esac
}
w_sysfs() {    # an option through sysfs
  local o=${OPTS[$((RANDOM % ${#OPTS[@]}))]}
  case "$o" in mtu*) return 1;; esac
  echo "${o#* }" > "/sys/class/net/st0/bonding/${o%% *}"
}
w_flap() {     # a carrier flap at the peer
  local i; i=$(pick 4)
  ip -n stp link set ps$i down && sleep 0.$(pick 3) && ip -n stp link set ps$i up
}
w_netns() {    # a slave moved to another namespace (it leaves the bond) and back
  local i; i=$(pick 4)
  [ -e /sys/class/net/sa$i ] || return 1
  ip link set sa$i netns stn && sleep 0.2 && ip -n stn link set sa$i netns 1 && ensure
}
w_bonds() {    # a bond of its own created, given a slave, used and deleted
  local k; k=$(pick 3)
  ip link add stx$k type bond mode "${MODES[$((RANDOM % 4))]}" miimon 100 || return 1
  ip link add sx$k type veth peer name psx$k 2>/dev/null
  ip link set sx$k master stx$k && ip link set stx$k up
  ip link del stx$k && ip link del sx$k 2>/dev/null
}
w_nsdel() {    # a namespace with a bond and its slaves in it deleted whole
  local ns=stz$((RANDOM % 2))
  ip netns add $ns || return 1
  ip -n $ns link add b0 type bond mode active-backup miimon 100 &&
    ip -n $ns link add z1 type veth peer name z2 &&
    ip -n $ns link set z1 master b0 && ip -n $ns link set z2 master b0 && ip -n $ns link set b0 up
  local rc=$?
  ip netns del $ns
  return $rc
}
w_read() {     # readers: /proc, sysfs (some files refuse in some modes), netlink dumps
  cat /sys/class/net/st0/bonding/* /sys/class/net/sa*/bonding_slave/* /sys/class/net/bonding_masters
  ip -d -s link show >/dev/null
  cat /proc/net/bonding/st0
}
w_traffic() {  # traffic both ways through the bond (200 packets a second each way: a flood would
               # take the guest's CPU from the other workers)
  local p r
  ensure
  ping -i 0.005 -q -w 5 -I st0 10.77.0.2 & p=$!
  ip netns exec stp ping -i 0.005 -q -w 5 10.77.0.1; r=$?
  wait $p || [ $r = 0 ]   # some replies came, one way or the other
}
w_reload() {   # rbond unloaded under all this (its bonds are deleted) and loaded again
  sleep $(( SECS / 4 < 20 ? SECS / 4 : 20 ))
  [ "$(now)" -lt "$END" ] || return 1
  timeout 60 rmmod $DRV; local rc=$?
  $LOAD && ensure
  return $rc
}

read -ra names <<< "$WORKERS"
for w in "${names[@]}"; do worker "$w" "w_$w" & done
wait
ensure >/dev/null 2>&1
summary=""
for w in "${names[@]}"; do read -r n ok ms < "$T/$w" 2>/dev/null || n=0 ok=0 ms=0; summary+=" $w=$ok/$n(${ms}ms)"; done
echo "# stress: operations succeeded/done (the longest one):$summary"
for w in "${names[@]}"; do
  read -r n ok _ < "$T/$w" 2>/dev/null || n=0 ok=0
  check "stress: $w: operations were done, and some succeeded ($ok of $n)" test "$ok" -gt 0
done

# after it: every device can go, rbond unloads (nothing waits for a reference), and a new bond works
ip netns del stn 2>/dev/null; ip netns del stz0 2>/dev/null; ip netns del stz1 2>/dev/null
for k in 1 2 3; do ip link del stx$k 2>/dev/null; ip link del sx$k 2>/dev/null; done
check "stress: $DRV unloads afterwards within 60 s" timeout 60 rmmod $DRV
check "stress: no device was left waiting for its references" bash -c '! dmesg | grep "unregister_netdevice: waiting for"'
check "stress: $DRV loads again" $LOAD
for i in 1 2 3 4; do ip link show sa$i >/dev/null 2>&1 || ip -n stn link set sa$i netns 1 2>/dev/null; done
ip link add st0 type bond mode active-backup miimon 100
ip link set sa1 master st0; ip link set sa2 master st0
ip addr add 10.77.0.1/24 dev st0; ip link set st0 up
for i in 1 2 3 4; do ip -n stp link set ps$i up; done
check "stress: a new active-backup bond over two of the slaves carries traffic" ping -c 3 -i 0.2 -W 5 10.77.0.2
ip link del st0
for i in 1 2 3 4; do ip link del sa$i 2>/dev/null; done
ip netns del stp
check "stress: $DRV unloads at the end" rmmod $DRV
check "stress: $OTHER was never loaded (the kind bond is $DRV's here)" module_unloaded $OTHER
rm -f /etc/modprobe.d/rbond-stress.conf
rm -rf "$T"
