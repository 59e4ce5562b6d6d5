#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What an active-backup failover tells the rest of the system, side by side with bonding.ko:
# NETDEV_BONDING_FAILOVER ("event BONDING FAILOVER" in `ip monitor`), the peer notifications
# (NETDEV_NOTIFY_PEERS), and the IGMP/MLD rejoin (NETDEV_RESEND_IGMP, resend_igmp times 200 ms
# apart): the multicast memberships are reported again through the new active slave, so that a
# snooping switch learns the new path. And the resend_igmp option (sysfs, netlink, module
# parameter) as bonding.ko has it.
# bonding.ko's bonds and devices start with k, rbond's with r.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rtnl_serve   # one python for the rtnl.py requests (lib/bond.sh)
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
ip netns add rbpeer
T=$(mktemp -d)
declare -A NET=([r]=41 [k]=42) DRV=([r]=rbond [k]=bonding)
# join GROUP DEV: a socket that holds a membership of GROUP on DEV (until killed; run in the
# background, $! is the python process itself, which holds the test's stderr)
join() {
  exec python3 -c 'import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
mreqn = struct.pack("4s4si", socket.inet_aton(sys.argv[1]), bytes(4), socket.if_nametoindex(sys.argv[2]))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
print("joined", flush=True)
time.sleep(3600)' "$@"
}
JOINERS=()

for d in r k; do
  mkbond ${DRV[$d]} $d-b mode active-backup miimon 100
  for i in 1 2; do
    ip link add $d-s$i type veth peer name $d-p$i netns rbpeer
    ip -n rbpeer link set $d-p$i up
    ip link set $d-s$i master $d-b
  done
  ip link set $d-b up
  ip addr add 10.${NET[$d]}.0.1/24 dev $d-b
  # a multicast membership of the bond (an IGMP report names the group)
  join 239.1.${NET[$d]}.1 $d-b > $T/join.$d & JOINERS+=($!)
done
# (two python starts: under make check's load one can take more than 10 s)
check "the bonds joined a multicast group" wait_for 60 bash -c "grep -q joined $T/join.r && grep -q joined $T/join.k"
wait_for 10 bash -c '[ "$(active_of rbond r-b)" = r-s1 ] && [ "$(active_of bonding k-b)" = k-s1 ]'
# the reports of the joins and of the IPv6 addresses are over (IGMPv3/MLDv2 repeat them within 1 s)
sleep 3

# failover D FROM TO: the peer of slave FROM loses its link; records for 2.5 s what `ip monitor
# link` says about the bond ($T/mon.D) and the IGMP and MLD reports the bond sends through slave
# TO, as its peer receives them ($T/cap.D)
failover() {
  local d=$1 from=$2 to=$3 mon cap
  ip -o monitor link > $T/mon.$d 2>&1 & mon=$!
  capture_bg $T/td.$d -i $d-p$to -n -l -vv "igmp or ip6" > $T/cap.$d
  cap=$TD
  ip -n rbpeer link set $d-p$from down
  wait_for 5 bash -c "[ \"\$(active_of ${DRV[$d]} $d-b)\" = $d-s$to ]"
  sleep 2.5
  ip -n rbpeer link set $d-p$from up
  kill -INT $cap; wait $cap 2>/dev/null
  kill $mon; wait $mon 2>/dev/null
  wait_for 5 bash -c "grep -A1 'Interface: $d-s$from' $(procfile ${DRV[$d]} $d-b) | grep -q 'MII Status: up'"
}
events() { grep -E "^[0-9]+: $1-b[:@].*event $2" $T/mon.$1 | wc -l; }   # D "EVENT NAME"
igmp_reports() { grep -c "239\.1\.${NET[$1]}\.1" $T/cap.$1; }         # reports naming the group
mld_reports() { grep -ci "multicast listener report" $T/cap.$1; }

# capture_bg STDERR-FILE TCPDUMP-ARGS...: tcpdump_bg in rbpeer
capture_bg() {
  local err=$1; shift
  : > "$err"
  ip netns exec rbpeer tcpdump "$@" 2> "$err" & TD=$!
  wait_for 30 grep -q "listening on" "$err"
}

for d in k r; do failover $d 1 2; done
check "a failover is told as a bonding failover (event BONDING FAILOVER), as bonding.ko tells it ($(events k 'BONDING FAILOVER'))" \
  equals "$(events k 'BONDING FAILOVER')" "$(events r 'BONDING FAILOVER')"
check "... once (bonding.ko)" equals 1 "$(events k 'BONDING FAILOVER')"
check "the peers are notified as by bonding.ko (event NOTIFY PEERS: $(events k 'NOTIFY PEERS'))" \
  equals "$(events k 'NOTIFY PEERS')" "$(events r 'NOTIFY PEERS')"
check "resend_igmp 1: one IGMP/MLD rejoin (event RESEND IGMP), as bonding.ko ($(events k 'RESEND IGMP'))" \
  equals "1 1" "$(events k 'RESEND IGMP') $(events r 'RESEND IGMP')"
k=$(mld_reports k)
check "the bond's IPv6 groups are reported again through the new active slave (MLD; bonding.ko: $k reports)" \
  bash -c "[ $k -gt 0 ] && [ $(mld_reports r) -gt 0 ]"
# IGMP needs CONFIG_IP_MULTICAST (kernel/rbond.config has it; then /proc/net/igmp exists)
k=$(igmp_reports k)
check "... and its IPv4 group (IGMP; bonding.ko: $k reports; the kernel has IGMP: $([ -e /proc/net/igmp ] && echo yes || echo no))" \
  bash -c "[ -e /proc/net/igmp ] && [ $k -gt 0 ] && [ $(igmp_reports r) -gt 0 ]"

# resend_igmp through sysfs: 3 rejoins 200 ms apart
for d in r k; do echo 3 > /sys/class/net/$d-b/bonding/resend_igmp; done
check "resend_igmp reads back from sysfs as with bonding.ko" equals "3 3" \
  "$(cat /sys/class/net/k-b/bonding/resend_igmp) $(cat /sys/class/net/r-b/bonding/resend_igmp)"
nl_resend() { python3 "$LIB/rtnl.py" getlink $1 | sed -n 's/^data RESEND_IGMP=//p'; }   # u32, host order
check "... and from netlink ($(nl_resend k-b))" equals "03000000 03000000" "$(nl_resend k-b) $(nl_resend r-b)"
for d in k r; do failover $d 2 1; done
check "resend_igmp 3: three rejoins after a failover, as bonding.ko ($(events k 'RESEND IGMP'))" \
  equals "3 3" "$(events k 'RESEND IGMP') $(events r 'RESEND IGMP')"

# resend_igmp 0 through netlink: no rejoin, no report
setbond bonding k-b resend_igmp 0; setbond rbond r-b resend_igmp 0
check "resend_igmp 0 from netlink reads back from sysfs" equals "0 0" \
  "$(cat /sys/class/net/k-b/bonding/resend_igmp) $(cat /sys/class/net/r-b/bonding/resend_igmp)"
# the reports of the rejoins above are over: each rejoin repeats its report after a random delay of
# up to 1 s (MLDv2's unsolicited report interval), later in a loaded guest, and a CI run saw
# bonding.ko's last one pass through the new active slave of this failover; the bond sends
# nothing else (no addresses or groups change), so its counter stands still for 2 s when they are
# over
quiet() {
  local n=0 last now i
  last=$(cat /sys/class/net/$1/statistics/tx_packets)
  for i in $(seq 1 60); do
    sleep 0.5; now=$(cat /sys/class/net/$1/statistics/tx_packets)
    if [ "$now" = "$last" ]; then n=$((n + 1)); [ $n -ge 4 ] && return 0; else n=0 last=$now; fi
  done
  echo "$1 still sending after 30 s (tx_packets $now)"; return 1
}
for d in k r; do
  check "${DRV[$d]}: the bond has sent nothing for 2 s before the next failover" quiet $d-b
  failover $d 1 2
done
check "resend_igmp 0: no rejoin after a failover, as bonding.ko" equals "0 0" "$(events k 'RESEND IGMP') $(events r 'RESEND IGMP')"
check "... and no MLD or IGMP report through the new active slave (bonding.ko: $(mld_reports k) $(igmp_reports k))" \
  equals "0 0 0 0" "$(mld_reports k) $(igmp_reports k) $(mld_reports r) $(igmp_reports r)"
check "... the failover is told all the same" equals "1 1" "$(events k 'BONDING FAILOVER') $(events r 'BONDING FAILOVER')"

# bad values are refused as bonding.ko refuses them, with its log lines
dmesg -C
for d in k r; do
  echo 256 > /sys/class/net/$d-b/bonding/resend_igmp 2> $T/err.$d
  echo "rc=$?" >> $T/err.$d
done
check "a sysfs write of 256 is refused as bonding.ko refuses it ($(tr '\n' ' ' < $T/err.k))" \
  equals "$(sed 's/k-b/B/g' $T/err.k)" "$(sed 's/r-b/B/g' $T/err.r)"
check "... with bonding.ko's log lines" equals "$(dmesg | sed -n 's/.*k-b: option resend_igmp: //p')" \
  "$(dmesg | sed -n 's/.*r-b: option resend_igmp: //p')"
check "... and the value stays" equals "0 0" "$(cat /sys/class/net/k-b/bonding/resend_igmp) $(cat /sys/class/net/r-b/bonding/resend_igmp)"
check_fails "netlink: resend_igmp 256 is refused by bonding.ko" setbond bonding k-b resend_igmp 256
check_fails "... and by rbond" setbond rbond r-b resend_igmp 256

kill "${JOINERS[@]}"; wait "${JOINERS[@]}" 2>/dev/null
for d in r k; do ip link del $d-b; done
ip netns del rbpeer

# the module parameter, as bonding's
rmmod rbond; rmmod bonding
modprobe rbond max_bonds=0 resend_igmp=7; modprobe bonding max_bonds=0 resend_igmp=7
mkbond rbond r-b; mkbond bonding k-b
check "the module parameter resend_igmp=7 is every new bond's default, as with bonding.ko" equals "7 7" \
  "$(cat /sys/class/net/k-b/bonding/resend_igmp) $(cat /sys/class/net/r-b/bonding/resend_igmp)"
ip link del r-b; ip link del k-b
rmmod rbond; rmmod bonding
# a bad number: bonding.ko resets it to 1 with a warning, rbond refuses to load (as for its
# other numeric parameters; Documentation/rbond.rst)
dmesg -C
modprobe bonding max_bonds=0 resend_igmp=300
check "bonding.ko: resend_igmp=300 is reset to 1 with a warning" \
  grep -q 'Warning: resend_igmp (300) should be between 0 and 255, resetting to 1' <(dmesg)
check_fails "rbond: resend_igmp=300 fails the load" modprobe rbond max_bonds=0 resend_igmp=300
check "... and says why" grep -q 'rbond: resend_igmp=300 is invalid; accepted values are 0 to 255' <(dmesg)
rmmod bonding
rm -rf $T
