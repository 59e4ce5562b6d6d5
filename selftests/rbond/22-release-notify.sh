#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Leaving and telling, side by side with bonding.ko: what a slave gets back in every way it can
# leave a bond (nomaster, the bond deleted, the slave moved to another namespace), what the bond
# tells rtnetlink's listeners (`ip monitor`, network managers) when its options change or its
# last slave leaves, and that its counters never go backwards while slaves leave (that a release
# never depends on an allocation succeeding: 26-fault-injection.sh).
# bonding.ko's bonds and devices start with k, rbond's with r.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/bond.sh"
rbond_unload; modprobe -r bonding 2>/dev/null
modprobe rbond max_bonds=0; modprobe bonding max_bonds=0
ip netns add rbpeer; ip netns add rbother
T=$(mktemp -d)
IFENSLAVE="python3 $(dirname "$0")/../lib/ifenslave.py"

drv_of() { if [ "${1:0:1}" = r ]; then echo rbond; else echo bonding; fi; }
# bond_with NAME [OPTION VALUE ...]: a bond of NAME's driver with two slaves NAME1 NAME2 (fresh
# veths, their peers up in rbpeer); their permanent MACs in P1 P2
bond_with() {
  local b=$1; shift
  mkbond "$(drv_of "$b")" "$b" "$@"
  for i in 1 2; do
    ip link add $b$i type veth peer name p$b$i netns rbpeer; ip -n rbpeer link set p$b$i up
  done
  P1=$(cat /sys/class/net/${b}1/address); P2=$(cat /sys/class/net/${b}2/address)
  ip link set ${b}1 master $b; ip link set ${b}2 master $b
}
mtu_mac() { # DEV [NETNS]: "MTU MAC"
  echo "$(jfield "$1" .mtu "${2:-}") $(jfield "$1" .address "${2:-}")"
}

# --- a slave gets its MTU and MAC back however it leaves (__bond_release_one()) -------------
for b in km rm; do
  d=$(drv_of $b)
  bond_with $b; ip link set $b mtu 9000
  check "$d: the slaves follow the bond's MTU (9000)" equals "9000 9000" "$(jfield ${b}1 .mtu) $(jfield ${b}2 .mtu)"
  ip link set ${b}1 nomaster
  check "$d: a slave set nomaster gets its MTU and MAC back" equals "1500 $P1" "$(mtu_mac ${b}1)"
  ip link set ${b}1 master $b
  ip link del $b
  check "$d: deleting the bond gives the first slave its MTU and MAC back" equals "1500 $P1" "$(mtu_mac ${b}1)"
  check "$d: deleting the bond gives the second slave its MTU and MAC back" equals "1500 $P2" "$(mtu_mac ${b}2)"
  ip link del ${b}1; ip link del ${b}2

  bond_with $b; ip link set $b mtu 9000
  ip link set ${b}2 netns rbother
  check "$d: a slave moved to another namespace leaves the bond" \
    bash -c "! grep -q '^Slave Interface: ${b}2' $(procfile $d $b) && [ \"\$(ip -n rbother -j link show ${b}2 | jq -r '.[0].master')\" = null ]"
  check "$d: ... and has its MTU and MAC back there" equals "1500 $P2" "$(mtu_mac ${b}2 rbother)"
  ip link del $b; ip link del ${b}1; ip -n rbother link del ${b}2
done

# --- what `ip monitor link` sees -------------------------------------------------------------
# sync_mon NAME: a dummy device NAME comes and goes; returns once the monitor printed its deletion
sync_mon() {
  ip link add "$1" type dummy; ip link del "$1"
  wait_for 30 grep -qE "^Deleted [0-9]+: $1:" $T/mon
}
# monitored BOND COMMAND...: runs COMMAND under `ip -o monitor link`; the lines about BOND in
# $T/lines.BOND, their number on stdout
monitored() {
  local b=$1 n; shift
  : > $T/mon
  ip -o monitor link > $T/mon 2>&1 & local pid=$!
  sync_mon mka
  n=$(wc -l < $T/mon)
  "$@" > /dev/null 2>&1
  sync_mon mkb
  kill $pid; wait $pid 2>/dev/null
  tail -n +$((n + 1)) $T/mon | sed '/: mkb:/,$d' | grep -E "^[0-9]+: $b[:@]" > $T/lines.$b
  wc -l < $T/lines.$b
}
# options_told BOND: the RTM_NEWLINK of the last `monitored` that say "event BONDING OPTION"
# (NETDEV_CHANGEINFODATA)
options_told() { grep -c "event BONDING OPTION" $T/lines.$1; }
write() { echo "$2" > "$1"; }

for b in kn rn; do bond_with $b mode active-backup miimon 100; done
declare -A N
for b in kn rn; do N[$b]=$(monitored $b write /sys/class/net/$b/bonding/miimon 200); done
check "a sysfs option write (miimon) tells rtnetlink's listeners: one RTM_NEWLINK with bonding.ko" equals 1 "${N[kn]}"
check "... and as many with rbond" equals "${N[kn]}" "${N[rn]}"
check "... an option change (event BONDING OPTION) with both" equals "1 1" "$(options_told kn) $(options_told rn)"
for b in kn rn; do N[$b]=$(monitored $b write /sys/class/net/$b/bonding/miimon 200); done
check "a sysfs write of the value the option already has is told too, as bonding.ko does (${N[kn]})" equals "${N[kn]}" "${N[rn]}"
for b in kn rn; do N[$b]=$(monitored $b write /sys/class/net/$b/bonding/miimon nonsense); done
check "a refused sysfs write tells nothing, as bonding.ko (${N[kn]})" equals "0 0" "${N[kn]} ${N[rn]}"
for b in kn rn; do N[$b]=$(monitored $b write /sys/class/net/$b/bonding/num_grat_arp 3); done
check "a sysfs write of another option (num_grat_arp) is told as bonding.ko tells it (${N[kn]})" equals "${N[kn]}" "${N[rn]}"
for b in kn rn; do ip link set $b up; wait_for 10 grep -q "^Currently Active Slave: ${b}1" "$(procfile "$(drv_of $b)" $b)"; done
for b in kn rn; do monitored $b $IFENSLAVE change-active $b ${b}2 >/dev/null; N[$b]=$(options_told $b); done
check "the ioctl SIOCBONDCHANGEACTIVE is told as an option change, as bonding.ko tells it (${N[kn]})" equals "1 1" "${N[kn]} ${N[rn]}"
check "... the active slave changed with both drivers" equals "kn2 rn2" "$(active_of bonding kn) $(active_of rbond rn)"
for b in kn rn; do ip link set $b down; ip link set ${b}2 nomaster; done
# the last slave leaves a bond that is down (no carrier report follows): the bond's new random
# MAC is told (NETDEV_CHANGEADDR)
for b in kn rn; do
  N[$b]=$(monitored $b ip link set ${b}1 nomaster)
  mac=$(cat /sys/class/net/$b/address)
  check "$(drv_of $b): the last slave leaving gives the bond a new MAC that rtnetlink's listeners see" \
    grep -q "link/ether $mac " $T/lines.$b
done
check "... in as many RTM_NEWLINK as bonding.ko sends (${N[kn]})" equals "${N[kn]}" "${N[rn]}"
for b in kn rn; do ip link del $b; ip link del ${b}1; ip link del ${b}2; done

# --- the bond's counters never go backwards while slaves leave (bond_get_stats()) ------------
# A reader reads the bond's tx_packets as fast as it can while the active slave, which carried
# the traffic, leaves and comes back again and again: a reading between the release and the new
# slave array must not count the leaving slave twice (the next one would then be lower).
cat > $T/reader.py <<'PY'
import os, sys
path, stop = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDONLY)
last, n, back = 0, 0, []
while not os.path.exists(stop):
    v = int(os.pread(fd, 64, 0))
    n += 1
    if v < last:
        back.append(f"{last}->{v}")
    last = v
print(n, len(back), " ".join(back[:5]))
PY
# send.py BOND N [ROUNDS PROCFILE]: N frames out of BOND; then ROUNDS times: the active slave
# (from PROCFILE) leaves and comes back, and N more frames go out (one process for all: a python
# start costs a second or more in the TCG guest)
cat > $T/send.py <<'PY'
import socket, subprocess, sys
bond, n = sys.argv[1], int(sys.argv[2])
rounds, procfile = (int(sys.argv[3]), sys.argv[4]) if len(sys.argv) > 4 else (0, None)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((bond, 0))
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + bytes(50)
def send():
    for _ in range(n):
        s.send(frame)
send()
for _ in range(rounds):
    active = [l.split(": ", 1)[1].strip() for l in open(procfile) if l.startswith("Currently Active Slave: ")][0]
    subprocess.run(["ip", "link", "set", active, "nomaster"], check=True)
    subprocess.run(["ip", "link", "set", active, "master", bond], check=True)
    send()
PY
ROUNDS=25
for b in kc rc; do
  bond_with $b mode active-backup miimon 100; ip link set $b up
  wait_for 10 grep -q "^Currently Active Slave: ${b}1" "$(procfile "$(drv_of $b)" $b)"
  python3 $T/send.py $b 300
  rm -f $T/stop
  python3 $T/reader.py /sys/class/net/$b/statistics/tx_packets $T/stop > $T/read.$b & rd=$!
  python3 $T/send.py $b 100 $ROUNDS "$(procfile "$(drv_of $b)" $b)"
  touch $T/stop; wait $rd
  read -r n back seen < $T/read.$b
  check "$(drv_of $b): the bond's tx_packets never went backwards while the active slave left $ROUNDS times ($n readings${seen:+: $seen})" \
    equals 0 "$back"
  check "$(drv_of $b): ... and the bond counted every frame sent ($(( 300 + ROUNDS * 100 )) or more)" \
    test "$(cat /sys/class/net/$b/statistics/tx_packets)" -ge $(( 300 + ROUNDS * 100 ))
  ip link del $b; ip link del ${b}1; ip link del ${b}2
done

# counters of stacked bonds: each bond's counters lock is taken inside the one above it, at its
# own depth (lockdep tells them apart on the debug kernel)
ip link add rs0 type rbond; ip link add rs1 type rbond; ip link add ks0 type bond
ip link add rsv type veth peer name prsv netns rbpeer; ip -n rbpeer link set prsv up
ip link set rsv master ks0; ip link set ks0 master rs1; ip link set rs1 master rs0
ip link set rs0 up; python3 $T/send.py rs0 20
check "counters of stacked bonds (rbond over rbond over bonding.ko) are read through every level" \
  bash -c '[ "$(cat /sys/class/net/rs0/statistics/tx_packets)" -ge 20 ] && [ "$(cat /sys/class/net/rs1/statistics/tx_packets)" -ge 20 ] && ip -s link show rs0 >/dev/null'
ip link del rs0; ip link del rs1; ip link del ks0; ip link del rsv
# (a release whatever allocation fails: 26-fault-injection.sh walks each allocation of it)

ip netns del rbpeer; ip netns del rbother
rm -rf $T
rmmod rbond; rmmod bonding
